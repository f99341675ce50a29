"""Get the bytes of each source: feed URLs over HTTP (httpx), feed files, and folders of article files.

`fetch_all` fetches many sources at once on a thread pool sharing one httpx connection pool, bounded overall and
per origin. Every source ends as a FetchResult (ok, not_modified or error with a fix hint); none stops the others.
An origin that could not be connected to after every try is not tried again in the same fetch: twenty pages of
one dead or unresolvable host cost one source's retries, not twenty.

Bodies are read raw and decoded here rather than by httpx: httpx inflates a whole network chunk in one call, so a
64 KB chunk of a gzip bomb becomes 64 MB before any cap could look at it. Our decoders never produce more than the
bytes still allowed under the cap (plus one, to notice going over).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO
from urllib.parse import urlsplit

import brotli  # type: ignore[import-untyped]

from digest import __version__
from digest.models import (
    ARTICLE_SUFFIXES,
    FEED_SUFFIXES,
    Document,
    FetchLimits,
    FetchResult,
    HttpCache,
    Ingested,
    Source,
    SourceKind,
    local_path,
)

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"digest/{__version__} (+https://github.com/digest-news/digest)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, "
    "application/json;q=0.8, */*;q=0.5"
)
DEFAULT_LIMITS = FetchLimits()
MAX_REDIRECTS = 5

_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}
# Worth another try: the server said "later" (408, 425, 429) or is failing for now (5xx gateways and overload).
_TRANSIENT = {408, 425, 429, 500, 502, 503, 504}

logger = logging.getLogger(__name__)


def fetch_all(
    sources: Sequence[Source],
    caches: Mapping[str, HttpCache] | None = None,
    *,
    limits: FetchLimits = DEFAULT_LIMITS,
    transport: httpx.BaseTransport | None = None,
    progress: Callable[[FetchResult], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[FetchResult]:
    """Fetch every source concurrently; one result per source, in the order of `sources`."""
    results: dict[int, FetchResult] = {}
    for index, result in _fetch_indexed(sources, caches or {}, limits, transport, progress, sleep):
        results[index] = result
    return [results[index] for index in range(len(sources))]


def fetch_each(
    sources: Sequence[Source],
    caches: Mapping[str, HttpCache] | None = None,
    *,
    limits: FetchLimits = DEFAULT_LIMITS,
    transport: httpx.BaseTransport | None = None,
    progress: Callable[[FetchResult], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[FetchResult]:
    """Like fetch_all, but yields each result as soon as it is in, so parsing overlaps the network wait."""
    for _, result in _fetch_indexed(sources, caches or {}, limits, transport, progress, sleep):
        yield result


def _fetch_indexed(
    sources: Sequence[Source],
    caches: Mapping[str, HttpCache],
    limits: FetchLimits,
    transport: httpx.BaseTransport | None,
    progress: Callable[[FetchResult], None] | None,
    sleep: Callable[[float], None],
) -> Iterator[tuple[int, FetchResult]]:
    gates, down = _Gates(limits.per_host), _Unreachable()
    with _Connections(limits, transport) as connections, ThreadPoolExecutor(max(1, limits.concurrency)) as pool:
        futures = {
            pool.submit(_fetch_one, connections, source, caches.get(source.location), limits, gates, down, sleep): index
            for index, source in _by_turns(sources)
        }
        try:
            for future in as_completed(futures):
                result = future.result()
                if progress:
                    progress(result)
                yield futures[future], result
        finally:
            # A caller that stops early should not wait for the sources nobody will read.
            pool.shutdown(cancel_futures=True)


class _Connections:
    """The httpx client of one fetch, made when its first remote source is fetched: files and folders alone never
    import httpx (0.05 s of a preview's start)."""

    def __init__(self, limits: FetchLimits, transport: httpx.BaseTransport | None) -> None:
        self._limits, self._transport = limits, transport
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> _Connections:
        return self

    def __exit__(self, *_: object) -> None:
        if self._client is not None:
            self._client.close()

    def client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = _client(self._limits, self._transport)
            return self._client


def _client(limits: FetchLimits, transport: httpx.BaseTransport | None) -> httpx.Client:
    import httpx

    return httpx.Client(
        transport=transport,
        limits=httpx.Limits(max_connections=limits.concurrency, max_keepalive_connections=limits.concurrency),
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate, br"},
        follow_redirects=False,  # followed by hand: to see which hops are permanent and never read their bodies
    )


def _by_turns(sources: Sequence[Source]) -> list[tuple[int, Source]]:
    """Sources ordered one origin at a time, round robin, so threads waiting on one busy host are few."""
    queues: dict[str, list[tuple[int, Source]]] = {}
    for index, source in enumerate(sources):
        queues.setdefault(_origin(source), []).append((index, source))
    return [pair for turn in zip_longest(*queues.values()) for pair in turn if pair is not None]


def _origin(source: Source) -> str:
    return _url_origin(source.location) if source.remote else "file"


def _url_origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{parts.port or ''}"


class _Gates:
    """One semaphore per origin, so no server gets more than `per_host` of our requests at once."""

    def __init__(self, per_host: int) -> None:
        self._per_host = max(1, per_host)
        self._lock = threading.Lock()
        self._gates: dict[str, threading.BoundedSemaphore] = {}

    def __call__(self, origin: str) -> threading.BoundedSemaphore:
        with self._lock:
            return self._gates.setdefault(origin, threading.BoundedSemaphore(self._per_host))


class _Unreachable:
    """Origins this fetch could not connect to after every try, and why: the rest of their sources fail at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._why: dict[str, tuple[str, str]] = {}

    def mark(self, origin: str, tried: str, result: FetchResult) -> None:
        with self._lock:
            self._why.setdefault(origin, (tried, result.error or "cannot connect"))

    def result(self, origin: str, source: Source) -> FetchResult | None:
        with self._lock:
            why = self._why.get(origin)
        if why is None:
            return None
        tried, error = why
        host = urlsplit(source.location).hostname or origin
        return FetchResult(
            source,
            "error",
            error=f"not tried: {host} could not be reached for {tried} ({error})",
            hint="check the network and the site; digest tries again next run",
        )


def _fetch_one(
    connections: _Connections,
    source: Source,
    cache: HttpCache | None,
    limits: FetchLimits,
    gates: _Gates,
    down: _Unreachable,
    sleep: Callable[[float], None],
) -> FetchResult:
    try:
        local = _LOCAL_READERS.get(source.kind)
        if local:
            return local(source, limits.max_bytes)
        # Every remote kind (feed, page, news search, sitemap) is one bounded GET; they differ only in parsing.
        origin = _origin(source)
        with gates(origin):
            known = down.result(origin, source)
            if known is not None:
                return known
            result, unreachable = _fetch_http(connections.client(), source, cache, limits, sleep)
            if unreachable:  # the URL no connection was made to: a redirect's target may be another host
                down.mark(_url_origin(unreachable), unreachable, result)
            return result
    except Exception as exc:  # a bug met by one source must cost that source, not the whole run
        logger.exception("fetching %s failed unexpectedly", source.location)
        return FetchResult(
            source, "error", error=f"unexpected {type(exc).__name__}: {exc}", hint="this is a bug in digest; report it"
        )


# -- HTTP -------------------------------------------------------------------------------------------------------


class _Failure(Exception):
    """This source failed for this run; `message` says why, `hint` how to fix it."""

    def __init__(self, message: str, hint: str, status: int | None = None, gone: bool = False) -> None:
        super().__init__(message)
        self.message, self.hint, self.status, self.gone = message, hint, status, gone

    def result(self, source: Source) -> FetchResult:
        return FetchResult(source, "error", status=self.status, error=self.message, hint=self.hint, gone=self.gone)


class _Retry(_Failure):
    """A transient failure: worth another try after `after` seconds (None: the backoff decides). `unreachable`:
    the URL (the source's, or a redirect's target) no connection could be made to at all (no address for the
    name, refused, or no answer to connect)."""

    def __init__(
        self, message: str, hint: str, status: int | None = None, after: float | None = None, unreachable: str = ""
    ) -> None:
        super().__init__(message, hint, status)
        self.after, self.unreachable = after, unreachable


def _fetch_http(
    client: httpx.Client,
    source: Source,
    cache: HttpCache | None,
    limits: FetchLimits,
    sleep: Callable[[float], None],
) -> tuple[FetchResult, str]:
    """One source, retried with exponential backoff (or the server's Retry-After) within its deadline; and the
    URL no connection could be made to at all on the last try ("" when there is none)."""
    deadline = time.monotonic() + limits.deadline
    attempt = 0
    while True:
        try:
            return _attempt(client, source, cache, limits, deadline), ""
        except _Retry as retry:
            backoff = min(limits.backoff * 2**attempt, limits.max_retry_wait)
            wait = backoff if retry.after is None else retry.after
            attempt += 1
            if attempt > limits.retries:
                retry.message += f" ({attempt} tries)"
                return retry.result(source), retry.unreachable
            if wait > limits.max_retry_wait:
                retry.message += f"; the server asks to wait {wait:g} s, longer than [fetch] max_retry_wait"
                return retry.result(source), ""
            if time.monotonic() + wait >= deadline:
                retry.message += f"; no time left to try again within the {limits.deadline:g} s deadline"
                return retry.result(source), retry.unreachable
            sleep(wait)
        except _Failure as failure:
            return failure.result(source), ""


def _attempt(
    client: httpx.Client, source: Source, cache: HttpCache | None, limits: FetchLimits, deadline: float
) -> FetchResult:
    """One try: follow up to MAX_REDIRECTS redirects, then read the answer."""
    import httpx  # made the client, so loaded: this only names its errors

    url, redirect, permanent = source.location, None, True
    for _ in range(MAX_REDIRECTS + 1):
        timeout = _timeout(limits, deadline)
        try:
            request = client.build_request("GET", url, headers=_validators(cache), timeout=timeout)
            response = client.send(request, stream=True)
            try:
                target = _redirect_target(response)
                if target is None:
                    return _answer(response, source, cache, limits, deadline, redirect)
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise _Retry(
                f"timed out (connect {limits.connect_timeout:g} s, read {limits.read_timeout:g} s)",
                "the server is slow or down; digest tries again next run",
                unreachable=url if isinstance(exc, httpx.ConnectTimeout) else "",
            ) from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise _Failure(f"not a usable URL ({exc})", "check the URL in [[sources]]") from None
        except httpx.TransportError as exc:
            raise _Retry(
                f"cannot connect ({exc or type(exc).__name__})",
                "check the URL and the network",
                unreachable=url if isinstance(exc, httpx.ConnectError) else "",
            ) from None
        # Only an unbroken run of permanent redirects from the configured URL says the feed has moved.
        permanent = permanent and response.status_code in _PERMANENT
        redirect = target if permanent else redirect
        url = target
    raise _Failure(
        f"more than {MAX_REDIRECTS} redirects", "open the URL in a browser and configure the address it ends at"
    )


def _validators(cache: HttpCache | None) -> dict[str, str]:
    headers = {}
    if cache and cache.etag:
        headers["If-None-Match"] = cache.etag
    if cache and cache.last_modified:
        headers["If-Modified-Since"] = cache.last_modified
    return headers


def _timeout(limits: FetchLimits, deadline: float) -> httpx.Timeout:
    """Timeouts that never reach past the source's deadline."""
    import httpx

    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _deadline_failure(limits)
    return httpx.Timeout(
        min(limits.read_timeout, remaining), connect=min(limits.connect_timeout, remaining), pool=remaining
    )


def _deadline_failure(limits: FetchLimits) -> _Failure:
    return _Failure(
        f"gave up after the {limits.deadline:g} s deadline",
        "the server is too slow; raise [fetch] deadline if this feed is worth the wait",
    )


def _redirect_target(response: httpx.Response) -> str | None:
    location = response.headers.get("location")
    if response.status_code not in _REDIRECTS or not location:
        return None
    target = response.url.join(location)
    if target.scheme not in ("http", "https"):
        raise _Failure(f"redirected to a non-web address ({target.scheme}:)", "check the feed URL in a browser")
    return str(target)


def _answer(
    response: httpx.Response,
    source: Source,
    cache: HttpCache | None,
    limits: FetchLimits,
    deadline: float,
    redirect: str | None,
) -> FetchResult:
    status = response.status_code
    if status == 304:
        return FetchResult(source, "not_modified", status=status, cache=_new_cache(response, cache), redirect=redirect)
    _check_status(response)
    data = _read_capped(response, limits, deadline)
    document = Document(source, str(response.url), data)
    return FetchResult(source, "ok", (document,), status, _new_cache(response, None), redirect)


def _check_status(response: httpx.Response) -> None:
    status, label = response.status_code, f"HTTP {response.status_code} {response.reason_phrase}".strip()
    if 200 <= status < 300:
        return
    if status == 410:
        hint = "digest has disabled this source; remove it from [[sources]]"
        raise _Failure(f"{label}: the feed was removed", hint, status, gone=True)
    if status == 429:
        raise _Retry(label, "the server limits requests; digest tries again next run", status, _retry_after(response))
    if status in _TRANSIENT:
        raise _Retry(label, "the server is failing; digest tries again next run", status, _retry_after(response))
    if status in (401, 403):
        raise _Failure(label, "the server refuses digest (a login, or bots blocked); open the URL in a browser", status)
    if status == 404:
        raise _Failure(label, "check the feed URL in [[sources]]; the site may have moved its feed", status)
    raise _Failure(label, "check the feed URL in [[sources]]", status)


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After as seconds from now: either a number of seconds or an HTTP date."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _new_cache(response: httpx.Response, previous: HttpCache | None) -> HttpCache:
    """The validators to send next time; a 304 may leave them out, which keeps the previous ones."""
    etag = response.headers.get("etag") or (previous.etag if previous else None)
    modified = response.headers.get("last-modified") or (previous.last_modified if previous else None)
    return HttpCache(etag, modified)


def _read_capped(response: httpx.Response, limits: FetchLimits, deadline: float) -> bytes:
    """The decoded body, refused as soon as it passes the cap or the deadline (checked between chunks)."""
    cap = limits.max_bytes
    if response.is_stream_consumed:  # a fake (MockTransport given content=) that httpx has already read and decoded
        if len(response.content) > cap:
            raise _over_cap(cap)
        return response.content
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _over_cap(cap)
    decode = _decoder(response.headers.get("content-encoding", ""))
    chunks: list[bytes] = []
    raw_total = total = 0
    try:
        for raw in response.iter_raw():
            raw_total += len(raw)
            if raw_total > cap:
                raise _over_cap(cap)
            if time.monotonic() > deadline:
                raise _deadline_failure(limits)
            piece = decode(raw, cap - total)
            total += len(piece)
            if total > cap:
                raise _over_cap(cap)
            chunks.append(piece)
    except (zlib.error, brotli.error) as exc:
        raise _Failure(f"the compressed body is corrupt ({exc})", "the server is misbehaving; try later") from None
    return b"".join(chunks)


def _over_cap(cap: int) -> _Failure:
    return _Failure(f"the response is over the {cap:,}-byte cap", "is this a feed? raise [fetch] max_bytes if so")


Decoder = Callable[[bytes, int], bytes]


def _decoder(encoding: str) -> Decoder:
    """A function (chunk, room) -> at most room + 1 decoded bytes, for the response's Content-Encoding."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return lambda chunk, room: chunk
    if encoding in ("gzip", "x-gzip"):
        return _zlib_decoder(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return _deflate_decoder()
    if encoding == "br":
        return _brotli_decoder()
    raise _Failure(f"unsupported Content-Encoding {encoding!r}", "the server ignores what digest asked for")


def _zlib_decoder(wbits: int) -> Decoder:
    inflater = zlib.decompressobj(wbits)
    # Output stops at room + 1 bytes; any input left over stays in unconsumed_tail and the cap check fails first.
    return lambda chunk, room: inflater.decompress(chunk, room + 1)


def _deflate_decoder() -> Decoder:
    """HTTP "deflate" should be zlib-wrapped, but some servers send raw deflate: tell by the zlib header."""
    chosen: list[Decoder] = []

    def decode(chunk: bytes, room: int) -> bytes:
        if not chosen:
            wrapped = len(chunk) >= 2 and chunk[0] & 0x0F == 8 and int.from_bytes(chunk[:2], "big") % 31 == 0
            chosen.append(_zlib_decoder(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS))
        return chosen[0](chunk, room)

    return decode


def _brotli_decoder() -> Decoder:
    decompressor = brotli.Decompressor()

    def decode(chunk: bytes, room: int) -> bytes:
        return bytes(decompressor.process(chunk, output_buffer_limit=room + 1))

    return decode


# -- files and folders --------------------------------------------------------------------------------------------


def _fetch_file(source: Source, cap: int) -> FetchResult:
    path = local_path(source.location)
    try:
        if not path.is_file():
            raise _Failure(
                "no such file or folder" if not path.exists() else "not a file", "check the path in [[sources]]"
            )
        documents = (Document(source, str(path), _read(path, cap)),)
    except _Failure as failure:
        return failure.result(source)
    return FetchResult(source, "ok", documents)


def _fetch_folder(source: Source, cap: int) -> FetchResult:
    """Article and feed files of a folder, in name order; hidden files are skipped."""
    folder = local_path(source.location)
    try:
        if not folder.is_dir():
            raise _Failure("no such file or folder", "check the path in [[sources]]")
        documents = tuple(
            Document(source, str(path), _read(path, cap))
            for path in sorted(folder.iterdir())
            if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in _LOCAL_SUFFIXES
        )
        if not documents:
            suffixes = ", ".join(sorted(_LOCAL_SUFFIXES))
            raise _Failure("the folder holds no article or feed files", f"add files ending in {suffixes}")
    except _Failure as failure:
        return failure.result(source)
    return FetchResult(source, "ok", documents)


_LOCAL_SUFFIXES = ARTICLE_SUFFIXES | FEED_SUFFIXES
_LOCAL_READERS: dict[SourceKind, Callable[[Source, int], FetchResult]] = {
    SourceKind.FILE: _fetch_file,
    SourceKind.FOLDER: _fetch_folder,
}


def _read(path: Path, cap: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > cap:
            raise _Failure(f"{path} is {size:,} bytes, over the {cap:,}-byte cap", "split or trim it")
        return path.read_bytes()
    except OSError as exc:
        raise _Failure(f"cannot read {path}: {exc.strerror}", "check the file's permissions") from None


# -- progress -----------------------------------------------------------------------------------------------------


class Reporter(Protocol):
    """Told about each source once it is fetched and parsed."""

    def __call__(self, item: Ingested) -> None: ...


@contextmanager
def progress_reporter(total: int, stream: TextIO | None = None) -> Iterator[Reporter]:
    """A rich progress bar on a terminal; plain log lines (logger `digest.fetch`) for cron, systemd and CI."""
    stream = stream or sys.stderr
    if not stream.isatty():
        yield _log_line
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("sources"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[articles]} articles, {task.fields[failures]} failed"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(file=stream)) as bar:
        task = bar.add_task("fetch", total=total, articles=0, failures=0)
        articles = failures = 0

        def advance(item: Ingested) -> None:
            nonlocal articles, failures
            articles += len(item.articles)
            failures += item.error is not None
            bar.update(task, advance=1, articles=articles, failures=failures)

        yield advance


def _log_line(item: Ingested) -> None:
    """One INFO line per source: the command's own error lines stay the one place a failure is reported."""
    location = item.source.location
    if item.error:
        logger.info("%s: %s (%s)", location, item.error, item.hint)
    elif item.fetched.outcome == "not_modified":
        logger.info("%s: not modified", location)
    else:
        logger.info("%s: %d articles", location, len(item.articles))
