"""`digest serve`: the app on uvicorn, with its access log, forwarded headers believed only from the proxies
in `[site] proxies` (uvicorn's proxy_headers/forwarded_allow_ips), and a clean shutdown on SIGTERM or Ctrl-C
(uvicorn stops accepting, finishes the requests in flight within SHUTDOWN_GRACE seconds, then exits)."""

from __future__ import annotations

import logging
import mimetypes
import os
import signal
import socket
from collections.abc import Mapping

import uvicorn

from digest.config import Config
from digest.errors import ServeError
from digest.site.app import build

SHUTDOWN_GRACE = 10  # seconds for requests in flight after SIGTERM
log = logging.getLogger("digest.site")

# Feed types by file name, so feed readers and browsers are told what they get (Python's table lacks them).
mimetypes.add_type("application/rss+xml", ".rss")
mimetypes.add_type("application/atom+xml", ".atom")


def server(config: Config, host: str, port: int, environ: Mapping[str, str] = os.environ) -> uvicorn.Server:
    """A uvicorn server for this config, not started (tests run it in a thread; `serve` in the foreground)."""
    app = build(config, environ=environ)
    proxies = list(config.site.proxies) if config.site else []
    settings = uvicorn.Config(
        app,
        host=host,
        port=port,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
        server_header=False,
        access_log=True,
        log_level="info",
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
        lifespan="on",
    )
    return uvicorn.Server(settings)


def serve(config: Config, host: str, port: int) -> None:
    """Serve until SIGTERM or Ctrl-C."""
    where = config.output.base_url or f"http://{host}:{port}/"
    signup = "sign-up and unsubscribe on" if config.site else "no [site] table: sign-up is off;"
    log.info("serving %s at http://%s:%d/ (%s %s)", config.output.dir, host, port, signup, where)
    web = server(config, host, port)
    _check_address(host, port)  # an address in use is one line, not uvicorn's log and exit status 3
    # uvicorn handles SIGTERM/SIGINT while it runs, then raises the signal again to the handler it found:
    # a stop asked for is a clean exit (status 0), not a death by signal or a KeyboardInterrupt.
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, lambda number, frame: None)
    web.run()
    log.info("stopped")


def _check_address(host: str, port: int) -> None:
    """ServeError naming the address when it cannot be bound as uvicorn will bind it (tried, then let go)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ServeError(
                f"cannot listen on {host}:{port}: {error.strerror or error}",
                "stop what is using that port, or choose another with --port or [site] port",
            ) from None
