"""A real HTTP/1.1 server on 127.0.0.1 (port 0) for tests and benchmarks: fixtures and scripted behaviours.

    with LoopbackServer({"/feed": Reply(body=data), "/flaky": [Reply(500), Reply(body=data)]}) as server:
        fetch_all([Source.at(server.url("/feed"))])

A route is a Reply, a list of Replies (served in turn, the last one repeating) or a function of the Request.
The server records every request and the most requests it had in flight at once.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""


@dataclass(frozen=True)
class Reply:
    """One response. `delay` waits before the status line; `drip` waits between `chunk`-byte pieces of the body.

    `length=False` leaves Content-Length out and closes the connection after the body, so a client cannot
    know the size in advance.
    """

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float = 0.0
    chunk: int = 64 * 1024
    length: bool = True


Route = Reply | Sequence[Reply] | Callable[[Request], Reply]


def conditional(reply: Reply, etag: str) -> Callable[[Request], Reply]:
    """The reply with an ETag, or 304 Not Modified when the request already has that ETag."""

    def answer(request: Request) -> Reply:
        if request.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag})
        return replace(reply, headers={**reply.headers, "ETag": etag})

    return answer


class LoopbackServer:
    """Serves `routes` on 127.0.0.1 from a background thread; unknown paths get 404. Use as a context manager."""

    def __init__(self, routes: Mapping[str, Route] | None = None, *, delay: float = 0.0) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.delay = delay  # added to every reply, as a distant server would
        self.requests: list[Request] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        return sum(r.path == path for r in self.requests)

    def reply_for(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            turn = self._served.get(request.path, 0)
            self._served[request.path] = turn + 1
        route = self.routes.get(request.path)
        if route is None:
            return Reply(404, b"not found")
        if isinstance(route, Reply):
            return route
        if callable(route):
            return route(request)
        return route[min(turn, len(route) - 1)]

    def entered(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def left(self) -> None:
        with self._lock:
            self._in_flight -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        # Clients hang up on purpose (a cap, a deadline): that is the behaviour under test, not a server error.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


def _handler_for(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real feed servers do

        def do_GET(self) -> None:
            self._answer("GET")

        def do_HEAD(self) -> None:
            self._answer("HEAD")

        def do_POST(self) -> None:
            self._answer("POST", self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        def _answer(self, method: str, body: bytes = b"") -> None:
            server.entered()
            try:
                request = Request(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                reply = server.reply_for(request)
                self._send(replace(reply, body=b"") if method == "HEAD" else reply)
            finally:
                server.left()

        def _send(self, reply: Reply) -> None:
            time.sleep(server.delay + reply.delay)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.length:
                self.send_header("Content-Length", str(len(reply.body)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            for start in range(0, len(reply.body), reply.chunk):
                self.wfile.write(reply.body[start : start + reply.chunk])
                self.wfile.flush()
                time.sleep(reply.drip)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: tests assert on `requests` instead."""

    return Handler
