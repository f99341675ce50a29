"""Fetching over real loopback HTTP (and httpx.MockTransport for byte-level cases): every hostile server ends in
articles or in a clear recorded error, within small caps and deadlines."""

from __future__ import annotations

import gzip
import io
import logging
import socket
import tracemalloc
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import brotli  # type: ignore[import-untyped]
import httpx
import pytest
from conftest import DATA
from http_server import LoopbackServer, Reply, Request, conditional

from digest.fetch import USER_AGENT, fetch_all, fetch_each, progress_reporter
from digest.models import Document, FeedHealth, FetchLimits, FetchResult, HttpCache, Ingested, Source, SourceKind
from digest.parse import apply_full_text, full_text_urls, parse_all

FEEDS = DATA / "feeds"
FAST = FetchLimits(
    concurrency=8, per_host=4, connect_timeout=2, read_timeout=2, deadline=5, max_bytes=1_000_000, backoff=0.01
)


def fixture(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


class Sleeps:
    """Records the waits fetch asks for instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def fetch_one(url: str, limits: FetchLimits = FAST, sleep: Sleeps | None = None) -> FetchResult:
    (result,) = fetch_all([Source.at(url)], limits=limits, sleep=sleep or Sleeps())
    return result


# -- conditional GET, encodings, caps -----------------------------------------------------------------------------


def test_conditional_get_answers_304_and_costs_no_parsing() -> None:
    with LoopbackServer({"/feed": conditional(Reply(body=fixture("rss20.xml")), '"v1"')}) as server:
        source = Source.at(server.url("/feed"))
        (first,) = fetch_all([source], limits=FAST)
        (second,) = fetch_all([source], {source.location: first.cache or HttpCache()}, limits=FAST)
    assert first.outcome == "ok" and first.cache == HttpCache('"v1"', None)
    assert second.outcome == "not_modified" and second.status == 304 and second.documents == ()
    assert second.cache == HttpCache('"v1"', None)
    assert server.requests[1].headers["if-none-match"] == '"v1"'
    (item,) = parse_all([second])
    assert item.status == "not_modified" and item.articles == () and item.error is None


def test_last_modified_is_sent_back() -> None:
    stamp = "Tue, 24 Nov 2026 10:00:00 GMT"

    def answer(request: Request) -> Reply:
        if request.headers.get("if-modified-since") == stamp:
            return Reply(304)
        return Reply(body=fixture("rss20.xml"), headers={"Last-Modified": stamp})

    with LoopbackServer({"/feed": answer}) as server:
        source = Source.at(server.url("/feed"))
        (first,) = fetch_all([source], limits=FAST)
        (second,) = fetch_all([source], {source.location: first.cache or HttpCache()}, limits=FAST)
    assert first.cache == HttpCache(None, stamp)
    assert second.outcome == "not_modified" and second.cache == HttpCache(None, stamp)


def test_gzip_body_is_decoded_and_headers_name_digest() -> None:
    body = gzip.compress(fixture("rss20.xml"))
    with LoopbackServer({"/feed": Reply(body=body, headers={"Content-Encoding": "gzip"})}) as server:
        (item,) = parse_all(fetch_all([Source.at(server.url("/feed"))], limits=FAST))
    assert [a.title for a in item.articles] == ["Council approves new library", "Road closure on Elm Street"]
    headers = server.requests[0].headers
    assert headers["user-agent"] == USER_AGENT and "digest/" in USER_AGENT and "https://" in USER_AGENT
    assert headers["accept-encoding"] == "gzip, deflate, br"


def test_gzip_bomb_is_refused_without_inflating_it() -> None:
    bomb = gzip.compress(bytes(100_000_000), compresslevel=9)  # about 100 KB on the wire
    with LoopbackServer({"/bomb": Reply(body=bomb, headers={"Content-Encoding": "gzip"})}) as server:
        tracemalloc.start()
        try:
            result = fetch_one(server.url("/bomb"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert result.outcome == "error" and result.error is not None and "1,000,000-byte cap" in result.error
    assert peak < 10_000_000


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "no-length"])
def test_body_over_the_cap_is_refused(length: bool) -> None:
    big = b"<rss><channel>" + b"x" * 5_500_000
    with LoopbackServer({"/big": Reply(body=big, length=length)}) as server:
        result = fetch_one(server.url("/big"))
    assert result.outcome == "error" and result.error is not None and "cap" in result.error
    assert result.hint is not None and "max_bytes" in result.hint


def test_slow_drip_is_cut_at_the_deadline() -> None:
    drip = Reply(body=fixture("rss20.xml"), chunk=64, drip=0.1)  # 17 pieces, 0.1 s apart
    with LoopbackServer({"/drip": drip}) as server:
        result = fetch_one(server.url("/drip"), replace(FAST, deadline=0.5))
    assert result.outcome == "error" and result.error == "gave up after the 0.5 s deadline"
    assert result.hint is not None and "deadline" in result.hint


def test_silent_server_times_out_and_is_retried() -> None:
    sleeps = Sleeps()
    with LoopbackServer({"/silent": Reply(delay=2, body=b"late")}) as server:
        result = fetch_one(server.url("/silent"), replace(FAST, read_timeout=0.2, retries=1), sleeps)
    assert result.outcome == "error" and result.error is not None and result.error.startswith("timed out")
    assert sleeps.waits == [0.01] and server.hits("/silent") == 2


# -- status codes, redirects, retries -----------------------------------------------------------------------------


def test_redirect_chain_is_followed_and_the_permanent_part_recorded() -> None:
    routes = {
        "/old": Reply(301, headers={"Location": "/older"}),
        "/older": Reply(308, headers={"Location": "/moved"}),
        "/moved": Reply(302, headers={"Location": "/feeds/final"}),
        "/feeds/final": Reply(body=fixture("rss20.xml")),
    }
    with LoopbackServer(routes) as server:
        (result,) = fetch_all([Source.at(server.url("/old"))], limits=FAST)
    assert result.outcome == "ok" and result.redirect == server.url("/moved")
    assert result.documents[0].location == server.url("/feeds/final")
    (item,) = parse_all([result])
    assert item.articles[0].url == server.url("/city/library?page=2")  # resolved against where the feed is
    assert item.health(None, datetime.now(UTC)).redirect == server.url("/moved")


def test_redirect_loop_is_an_error() -> None:
    with LoopbackServer({"/loop": Reply(302, headers={"Location": "/loop"})}) as server:
        result = fetch_one(server.url("/loop"))
    assert result.outcome == "error" and result.error == "more than 5 redirects"


def test_gone_disables_the_source() -> None:
    with LoopbackServer({"/gone": Reply(410)}) as server:
        (item,) = parse_all(fetch_all([Source.at(server.url("/gone"))], limits=FAST))
    assert item.fetched.gone and item.status == "gone"
    assert item.error == "HTTP 410 Gone: the feed was removed"
    health = item.health(None, datetime.now(UTC))
    assert health.disabled and health.failures == 1 and health.hint and "remove it" in health.hint


def test_server_error_then_success_is_retried_with_backoff() -> None:
    sleeps = Sleeps()
    with LoopbackServer({"/flaky": [Reply(500), Reply(body=fixture("rss20.xml"))]}) as server:
        result = fetch_one(server.url("/flaky"), sleep=sleeps)
    assert result.outcome == "ok" and result.status == 200
    assert sleeps.waits == [0.01] and server.hits("/flaky") == 2


def test_retry_after_is_honoured() -> None:
    sleeps = Sleeps()
    routes = {"/busy": [Reply(429, headers={"Retry-After": "2"}), Reply(body=fixture("rss20.xml"))]}
    with LoopbackServer(routes) as server:
        result = fetch_one(server.url("/busy"), sleep=sleeps)
    assert result.outcome == "ok" and sleeps.waits == [2.0]


def test_retry_after_beyond_the_cap_is_not_waited_for() -> None:
    sleeps = Sleeps()
    with LoopbackServer({"/later": Reply(503, headers={"Retry-After": "3600"})}) as server:
        result = fetch_one(server.url("/later"), sleep=sleeps)
    assert result.outcome == "error" and result.status == 503 and sleeps.waits == []
    assert result.error is not None and "asks to wait 3600 s" in result.error


def test_retries_give_up_with_backoff_doubling() -> None:
    sleeps = Sleeps()
    with LoopbackServer({"/down": Reply(502)}) as server:
        result = fetch_one(server.url("/down"), sleep=sleeps)
    assert result.error == "HTTP 502 Bad Gateway (3 tries)" and sleeps.waits == [0.01, 0.02]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connection_refused_is_a_clear_error() -> None:
    result = fetch_one(f"http://127.0.0.1:{_closed_port()}/feed", replace(FAST, retries=0))
    assert result.outcome == "error" and result.error is not None and result.error.startswith("cannot connect")


def test_a_dead_origin_costs_one_sources_retries_not_every_sources() -> None:
    """Twenty article pages on a host that refuses connections (found on an offline machine, where a feed's
    teasers made a preview wait 18 s on pages of one unresolvable host): after one source has used its tries, the
    others on that origin fail at once, saying why; another origin in the same fetch is untouched."""
    dead = f"http://127.0.0.1:{_closed_port()}"
    with LoopbackServer({"/feed": Reply(body=fixture("rss20.xml"))}) as server:
        sources = [Source(f"{dead}/page/{i}", SourceKind.PAGE) for i in range(20)] + [Source.at(server.url("/feed"))]
        sleeps = Sleeps()
        results = fetch_all(sources, limits=replace(FAST, per_host=1, retries=2), sleep=sleeps)
    assert results[-1].outcome == "ok"
    tried = [r for r in results[:-1] if r.error and r.error.startswith("cannot connect")]
    skipped = [r for r in results[:-1] if r.error and r.error.startswith("not tried: 127.0.0.1 could not be reached")]
    assert len(tried) == 1 and tried[0].error is not None and tried[0].error.endswith("(3 tries)")
    assert len(skipped) == 19 and all(r.hint and "next run" in r.hint for r in skipped)
    assert tried[0].source.location in (skipped[0].error or "")
    assert sleeps.waits == [0.01, 0.02]  # one source's backoff, not twenty


def test_a_redirect_to_a_dead_host_marks_that_host_not_the_one_redirecting() -> None:
    dead = f"http://127.0.0.1:{_closed_port()}/moved"
    routes = {"/old": Reply(301, headers={"Location": dead}), "/feed": Reply(body=fixture("rss20.xml"))}
    with LoopbackServer(routes) as server:
        limits = replace(FAST, per_host=1, retries=0)
        moved, live = fetch_all([Source.at(server.url("/old")), Source.at(server.url("/feed"))], limits=limits)
    assert moved.error is not None and moved.error.startswith("cannot connect") and live.outcome == "ok"


def test_connections_to_a_dead_origin_are_bounded_by_its_concurrent_sources() -> None:
    calls: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    sources = [Source(f"https://gone.example/{i}", SourceKind.PAGE) for i in range(30)]
    results = fetch_all(
        sources, limits=replace(FAST, per_host=4), transport=httpx.MockTransport(refuse), sleep=Sleeps()
    )
    assert all(r.outcome == "error" for r in results)
    assert len(calls) <= 4 * (FAST.retries + 1)  # at most the first wave of per_host sources tried in full


def test_a_timeout_reading_does_not_mark_the_origin_down() -> None:
    """A slow answer is one page's trouble: the server is there, so its other pages are still asked for."""
    with LoopbackServer({"/slow": Reply(body=b"x", delay=3), "/ok": Reply(body=fixture("rss20.xml"))}) as server:
        limits = replace(FAST, per_host=1, retries=0, read_timeout=0.3)
        slow, ok = fetch_all([Source.at(server.url("/slow")), Source.at(server.url("/ok"))], limits=limits)
    assert slow.error is not None and slow.error.startswith("timed out") and ok.outcome == "ok"


# -- hostile feeds end to end -------------------------------------------------------------------------------------


def quadratic_blowup() -> bytes:
    """About 100 KB that feedparser's loose parser would expand to hundreds of MB, were the DOCTYPE kept."""
    entity = "x" * 50_000
    item = "<item><title>Blowup</title><link>http://blowup.example/1</link><description>"
    item += "&big;" * 10_000 + "</description></item>"
    prolog = f'<!DOCTYPE rss [<!ENTITY big "{entity}">]>'
    return f'<?xml version="1.0"?>{prolog}<rss version="2.0"><channel><title>Q</title>{item}</channel></rss>'.encode()


def test_every_hostile_feed_ends_in_articles_or_a_clear_error() -> None:
    routes: dict[str, Reply] = {
        "/garbage": Reply(body=fixture("garbage.bin")),
        "/page": Reply(body=fixture("not-a-feed.html"), headers={"Content-Type": "text/html"}),
        "/charset": Reply(body=fixture("wrong-charset.xml"), headers={"Content-Type": "text/xml; charset=us-ascii"}),
        "/laughs": Reply(body=fixture("billion-laughs.xml")),
        "/quadratic": Reply(body=quadratic_blowup()),
        "/titles": Reply(body=fixture("script-crlf-titles.xml")),
        "/json": Reply(body=fixture("jsonfeed11.json"), headers={"Content-Type": "application/feed+json"}),
        "/deep-json": Reply(body=b"{" + b'"a":[' * 100_000),
        "/empty": Reply(body=b""),
    }
    with LoopbackServer(routes) as server:
        sources = [Source.at(server.url(path)) for path in routes]
        items = {item.source.location.rsplit("/", 1)[1]: item for item in parse_all(fetch_each(sources, limits=FAST))}
    assert all((item.articles and not item.error) or (item.error and item.hint) for item in items.values())
    assert items["garbage"].error is not None and items["garbage"].error.startswith("not a feed")
    assert items["page"].error == "not a feed but a web page"
    assert items["page"].hint == f"the page links to a feed: use {server.url('/feeds/all.xml')} in [[sources]]"
    assert [a.title for a in items["charset"].articles] == ["Café owners meet the mayor"]
    assert items["charset"].warnings
    assert all(len(a.text) < 100_000 for a in items["laughs"].articles + items["quadratic"].articles)
    assert [a.title for a in items["titles"].articles] == [
        "Studio & startup in court",
        "Injected Bcc: victim@example.com",
    ]
    assert items["titles"].articles[0].text == "First para.\n\nSecond."
    assert items["titles"].articles[1].url is None  # javascript: links are not links
    assert len(items["json"].articles) == 3
    assert items["deep-json"].error is not None and items["deep-json"].error.startswith("not a JSON Feed")
    assert items["empty"].error is not None


def test_parsing_overlaps_fetching_and_reports_progress(caplog: pytest.LogCaptureFixture) -> None:
    routes = {"/a": Reply(body=fixture("rss20.xml")), "/b": Reply(404), "/c": Reply(body=fixture("atom10.xml"))}
    with LoopbackServer(routes) as server, caplog.at_level(logging.INFO, logger="digest.fetch"):
        sources = [Source.at(server.url(path)) for path in routes]
        with progress_reporter(len(sources), io.StringIO()) as report:
            items = parse_all(fetch_each(sources, limits=FAST), progress=report)
    assert sorted(len(i.articles) for i in items) == [0, 2, 2]
    lines = sorted(record.getMessage() for record in caplog.records)
    assert lines == [
        f"{server.url('/a')}: 2 articles",
        f"{server.url('/b')}: HTTP 404 Not Found (check the feed URL in [[sources]]; the site may have moved its feed)",
        f"{server.url('/c')}: 2 articles",
    ]


def test_progress_bar_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    (done,) = parse_all([FetchResult(Source.at("http://a.example/feed"), "error", error="HTTP 500", hint="later")])
    with progress_reporter(1, stream) as report:
        report(done)
    assert "1/1" in stream.getvalue() and "1 failed" in stream.getvalue()


def test_requests_are_bounded_per_host_and_overall() -> None:
    feed = fixture("rss20.xml")
    with LoopbackServer({f"/f{i}": Reply(body=feed) for i in range(9)}, delay=0.2) as server:
        results = fetch_all([Source.at(server.url(f"/f{i}")) for i in range(9)], limits=replace(FAST, per_host=3))
    assert all(r.outcome == "ok" for r in results) and server.max_in_flight == 3
    with LoopbackServer({f"/f{i}": Reply(body=feed) for i in range(6)}, delay=0.2) as server:
        fetch_all([Source.at(server.url(f"/f{i}")) for i in range(6)], limits=replace(FAST, concurrency=2))
    assert server.max_in_flight == 2


# -- full text --------------------------------------------------------------------------------------------------


def test_teasers_get_their_pages_main_text_once() -> None:
    teaser = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Northgate Daily</title><item>'
        b"<title>Council approves new library</title><link>/article?utm_source=rss</link>"
        b"<description>The council voted on Tuesday.</description></item></channel></rss>"
    )
    routes = {"/feed": Reply(body=teaser), "/article": Reply(body=fixture("article-page.html"))}
    with LoopbackServer(routes) as server:
        (item,) = parse_all(fetch_all([Source.at(server.url("/feed"))], limits=FAST))
        assert item.teasers == (item.articles[0].id,)
        cache: dict[str, str] = {}
        urls = full_text_urls([item], cache)
        assert urls == [server.url("/article")]
        (filled,) = apply_full_text([item], fetch_all([Source.at(u) for u in urls], limits=FAST), cache)
        assert full_text_urls([item], cache) == []  # extracted once, cached by URL
    text = filled.articles[0].text
    assert "former bus depot" in text and "Copyright" not in text and "\n\n" in text
    assert server.hits("/article") == 1


def test_pages_that_could_not_be_read_for_full_text_are_one_warning() -> None:
    """The wait for pages that never came must not be silent: one line per feed, naming the first failure."""
    teaser = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Northgate Daily</title>'
        + b"".join(
            f"<item><title>Story {i}</title><link>http://127.0.0.1:{{port}}/a{i}</link>"
            f"<description>Council vote {i}.</description></item>".encode()
            for i in range(3)
        )
        + b"</channel></rss>"
    )
    port = _closed_port()
    with LoopbackServer({"/feed": Reply(body=teaser.replace(b"{port}", str(port).encode()))}) as server:
        (item,) = parse_all(fetch_all([Source.at(server.url("/feed"))], limits=FAST))
    urls = full_text_urls([item], {})
    pages = fetch_all([Source(u, SourceKind.PAGE) for u in urls], limits=replace(FAST, retries=0))
    (filled,) = apply_full_text([item], pages, {})
    (warning,) = filled.warnings
    assert warning.startswith(f"{server.url('/feed')}: 3 of 3 article pages could not be read for their full text")
    assert f"http://127.0.0.1:{port}/a" in warning and "the feed's own text is used" in warning
    assert [a.text for a in filled.articles] == [a.text for a in item.articles]  # the teasers stay


def test_full_text_sources_want_every_page() -> None:
    source = Source.at("http://x.example/feed", full_text=True)
    (item,) = parse_all([FetchResult(source, "ok", _documents("rss20.xml"))])
    assert item.teasers == (item.articles[0].id,)  # the second item has no link to fetch


def _documents(name: str) -> tuple[Document, ...]:
    return (Document(Source.at("http://x.example/feed"), "http://x.example/feed", fixture(name)),)


# -- files and folders ----------------------------------------------------------------------------------------


def test_file_urls_paths_and_folders(tmp_path: Path) -> None:
    folder = tmp_path / "my feeds"
    folder.mkdir()
    (folder / "rss20.xml").write_bytes(fixture("rss20.xml"))
    (folder / "note.md").write_text("---\ntitle: A note\n---\nSome words.\n", encoding="utf-8")
    (folder / ".hidden.md").write_text("skip me", encoding="utf-8")
    (folder / "picture.png").write_bytes(b"\x89PNG")
    sources = [Source.at((folder / "rss20.xml").as_uri()), Source.at(str(folder)), Source.at(str(tmp_path / "missing"))]
    by_url, by_folder, missing = fetch_all(sources, limits=FAST)
    assert by_url.outcome == "ok" and by_url.documents[0].data == fixture("rss20.xml")
    assert [Path(d.location).name for d in by_folder.documents] == ["note.md", "rss20.xml"]
    assert missing.outcome == "error" and missing.error == "no such file or folder"


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(b"x" * 2000)
    (result,) = fetch_all([Source.at(str(path))], limits=replace(FAST, max_bytes=1000))
    assert result.outcome == "error" and result.error is not None and "over the 1,000-byte cap" in result.error


# -- byte-level cases through httpx.MockTransport ---------------------------------------------------------------


def mock_fetch(handler: httpx.MockTransport, limits: FetchLimits = FAST, sleep: Sleeps | None = None) -> FetchResult:
    (result,) = fetch_all(
        [Source.at("http://feeds.example/feed")], limits=limits, transport=handler, sleep=sleep or Sleeps()
    )
    return result


def encoded(encoding: str, data: bytes) -> bytes:
    if encoding == "br":
        return bytes(brotli.compress(data))
    if encoding == "deflate-raw":
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        return packer.compress(data) + packer.flush()
    return zlib.compress(data)


@pytest.mark.parametrize("encoding", ["deflate", "deflate-raw", "br"])
def test_deflate_and_brotli_bodies_are_decoded(encoding: str) -> None:
    body = fixture("rss20.xml")
    header = encoding.removesuffix("-raw")
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, stream=httpx.ByteStream(encoded(encoding, body)), headers={"Content-Encoding": header}
        )
    )
    assert mock_fetch(transport).documents[0].data == body


def test_brotli_bomb_is_refused() -> None:
    bomb = bytes(brotli.compress(bytes(200_000_000), quality=1))  # about 35 KB
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, stream=httpx.ByteStream(bomb), headers={"Content-Encoding": "br"})
    )
    result = mock_fetch(transport)
    assert result.outcome == "error" and result.error is not None and "cap" in result.error


def test_unknown_encoding_and_corrupt_body_are_errors() -> None:
    zstd = httpx.MockTransport(
        lambda request: httpx.Response(200, stream=httpx.ByteStream(b".."), headers={"Content-Encoding": "zstd"})
    )
    assert mock_fetch(zstd).error == "unsupported Content-Encoding 'zstd'"
    corrupt = httpx.MockTransport(
        lambda request: httpx.Response(200, stream=httpx.ByteStream(b"not gzip"), headers={"Content-Encoding": "gzip"})
    )
    error = mock_fetch(corrupt).error
    assert error is not None and error.startswith("the compressed body is corrupt")


def test_retry_after_as_a_date() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=4), usegmt=True)
    replies = iter([httpx.Response(503, headers={"Retry-After": later}), httpx.Response(200, content=b"<rss/>")])
    sleeps = Sleeps()
    result = mock_fetch(httpx.MockTransport(lambda request: next(replies)), sleep=sleeps)
    assert result.outcome == "ok" and len(sleeps.waits) == 1 and 2 < sleeps.waits[0] <= 4


@pytest.mark.parametrize(
    ("status", "hint"), [(401, "refuses digest"), (403, "refuses digest"), (404, "moved its feed"), (418, "feed URL")]
)
def test_client_errors_have_hints(status: int, hint: str) -> None:
    result = mock_fetch(httpx.MockTransport(lambda request: httpx.Response(status)))
    assert result.outcome == "error" and result.status == status and result.hint is not None and hint in result.hint


def test_redirect_to_another_scheme_is_refused() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(301, headers={"Location": "ftp://feeds.example/"}))
    assert mock_fetch(transport).error == "redirected to a non-web address (ftp:)"


def test_a_bug_costs_one_source_not_the_run(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/bad":
            raise RuntimeError("boom")
        return httpx.Response(200, content=fixture("rss20.xml"))

    sources = [Source.at("http://feeds.example/bad"), Source.at("http://feeds.example/good")]
    with caplog.at_level(logging.CRITICAL, logger="digest.fetch"):
        bad, good = fetch_all(sources, limits=FAST, transport=httpx.MockTransport(handler))
    assert bad.error == "unexpected RuntimeError: boom" and good.outcome == "ok"


# -- what the store records ---------------------------------------------------------------------------------------


def test_health_carries_counts_forward() -> None:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    previous = FeedHealth("http://x.example/feed", "ok", failures=2, items=7)
    source = Source.at("http://x.example/feed")
    failed = Ingested(FetchResult(source, "error", error="HTTP 500", hint="later"), error="HTTP 500", hint="later")
    assert failed.health(previous, now) == FeedHealth(
        source.location, "error", now, None, failures=3, items=7, error="HTTP 500", hint="later"
    )
    unchanged = Ingested(FetchResult(source, "not_modified", status=304)).health(previous, now)
    assert (unchanged.status, unchanged.items, unchanged.failures, unchanged.last_success) == (
        "not_modified",
        7,
        0,
        now,
    )
    (fresh,) = parse_all([FetchResult(source, "ok", _documents("rss20.xml"))])
    assert fresh.fetched.documents == ()  # parsed bytes are not kept for the rest of the run
    health = fresh.health(previous, now)
    assert health.items == 2 and health.latest_item == datetime(2026, 11, 24, 23, 15, tzinfo=UTC)


def test_a_feed_url_ending_in_an_article_suffix_is_still_read_as_a_feed() -> None:
    """#12: `http://host/page.html` serving a web page used to pass as one local article (url null, outlet
    "page"); a URL is never a local file, whatever its path ends in."""
    page = Reply(body=fixture("not-a-feed.html"), headers={"Content-Type": "text/html"})
    feed = Reply(body=fixture("rss20.xml"), headers={"Content-Type": "text/html"})
    with LoopbackServer({"/page.html": page, "/notes.md": feed}) as server:
        sources = [Source.at(server.url("/page.html")), Source.at(server.url("/notes.md"))]
        page_item, feed_item = parse_all(fetch_all(sources, limits=FAST))
    assert [s.kind for s in sources] == [SourceKind.FEED, SourceKind.FEED]
    assert not page_item.articles and page_item.error == "not a feed but a web page"
    assert feed_item.error is None and "Road closure on Elm Street" in [a.title for a in feed_item.articles]
