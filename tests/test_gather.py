"""Ingestion with the state store: conditional GET across runs, health recorded, gone feeds skipped,
full text cached, "new since the last digest" selection, and `digest check`, which records nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from conftest import SEEDS
from http_server import LoopbackServer, Reply, conditional

from digest import config, health, pipeline, store
from digest.models import FeedHealth, Source

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
FEED = (SEEDS / "feeds" / "ledger.xml").read_bytes()
TEASER = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Teasers</title>
<item><title>Short</title><link>LINK</link><description>Only a teaser about a studio.</description></item>
</channel></rss>"""
PAGE = (
    b"<html><head><title>Full</title></head><body><nav>Home News</nav><article><h1>Full story</h1>"
    + b"".join(
        b"<p>The studio said its film library was used without a licence, paragraph %d.</p>" % i for i in range(12)
    )
    + b"</article><footer>Copyright</footer></body></html>"
)


def test_second_run_is_a_304_that_costs_no_parsing(tmp_path: Path) -> None:
    with (
        LoopbackServer({"/feed": conditional(Reply(body=FEED), '"v1"')}) as server,
        store.Store(tmp_path / "s.db") as state,
    ):
        source = Source.at(server.url("/feed"))
        first = pipeline.gather([source], state=state, now=NOW)
        second = pipeline.gather([source], state=state, now=NOW)
        health = state.feed_health(source.location)
    assert len(first.articles) == 5 and not first.errors
    assert second.items[0].fetched.outcome == "not_modified" and not second.articles
    assert server.requests[1].headers.get("if-none-match") == '"v1"'
    assert health is not None and health.status == "not_modified" and health.items == 5 and health.failures == 0


def test_gone_feed_is_disabled_and_then_skipped(tmp_path: Path) -> None:
    with LoopbackServer({"/old": Reply(410)}) as server, store.Store(tmp_path / "s.db") as state:
        source = Source.at(server.url("/old"))
        first = pipeline.gather([source], state=state, now=NOW)
        second = pipeline.gather([source], state=state, now=NOW)
    assert "410" in str(first.errors[0])
    assert len(server.requests) == 1, "a disabled source is not asked again"
    assert any("disabled" in w and "remove it from [[sources]]" in w for w in second.warnings)


def test_failures_are_counted_and_cleared(tmp_path: Path) -> None:
    with LoopbackServer({"/feed": [Reply(404), Reply(404), Reply(body=FEED)]}) as server:
        source = Source.at(server.url("/feed"))
        with store.Store(tmp_path / "s.db") as state:
            for _ in range(2):
                pipeline.gather([source], state=state, now=NOW)
            failing = state.feed_health(source.location)
            pipeline.gather([source], state=state, now=NOW)
            healthy = state.feed_health(source.location)
    assert failing is not None and failing.failures == 2 and failing.error and "404" in failing.error
    assert healthy is not None and healthy.failures == 0 and healthy.last_success == NOW


def test_full_text_pages_are_fetched_once_and_cached(tmp_path: Path) -> None:
    with LoopbackServer({"/page": Reply(body=PAGE, headers={"Content-Type": "text/html"})}) as server:
        feed = TEASER.replace(b"LINK", server.url("/page").encode())
        with LoopbackServer({"/feed": Reply(body=feed)}) as feeds, store.Store(tmp_path / "s.db") as state:
            gathered = pipeline.gather([Source.at(feeds.url("/feed"))], state=state, now=NOW)
            state.save_articles(gathered.articles, NOW)
            again = pipeline.gather([Source.at(feeds.url("/feed"))], state=state, now=NOW)
    assert "paragraph 11" in gathered.articles[0].text and "Home News" not in gathered.articles[0].text
    assert len(server.requests) == 1, "a page is fetched once"
    assert again.articles[0].text == gathered.articles[0].text, "then read from the cache"


def _check_config(folder: Path, *urls: str) -> Path:
    """A config whose sources are these URLs, its state in `folder`."""
    sources = "".join(f'\n[[sources]]\nurl = "{url}"\n' for url in urls)
    path = folder / "config.toml"
    path.write_text(
        f"""[digest]
name = "ai"
title = "AI Digest"
topic = "studio"
{sources}
[email]
from = "digest@example.org"
to = ["a@example.org"]
host = "127.0.0.1"

[state]
path = "state.db"
""",
        encoding="utf-8",
    )
    return path


def test_check_reports_each_source_and_records_nothing(tmp_path: Path) -> None:
    with LoopbackServer({"/feed": Reply(body=FEED), "/gone": Reply(404)}) as server:
        settings = config.load(_check_config(tmp_path, server.url("/feed"), server.url("/gone")))
        result = health.check(settings, smtp=False)
    good, bad = result.sources
    assert (good.status, good.items, good.error) == ("ok", 5, None)
    assert bad.error is not None and "404" in bad.error and bad.hint and "[[sources]]" in bad.hint
    assert result.smtp is None
    assert not (tmp_path / "state.db").exists(), "a check before the first run must not create the state"


def test_check_carries_recorded_failures_forward_without_writing_them(tmp_path: Path) -> None:
    with LoopbackServer({"/feed": Reply(404)}) as server:
        settings = config.load(_check_config(tmp_path, server.url("/feed")))
        source = Source.at(server.url("/feed"))
        with store.Store(tmp_path / "state.db") as state:
            for _ in range(2):
                pipeline.gather([source], state=state, now=NOW)
        result = health.check(settings, smtp=False)
        with store.Store(tmp_path / "state.db") as state:
            recorded = state.feed_health(source.location)
    assert result.sources[0].failures == 3
    assert recorded is not None and recorded.failures == 2


def test_check_command_prints_the_table_and_fails_on_a_broken_source(tmp_path: Path) -> None:
    with LoopbackServer({"/feed": Reply(body=FEED), "/gone": Reply(404)}) as server:
        path = _check_config(tmp_path, server.url("/feed"), server.url("/gone"))
        done = subprocess.run(
            [sys.executable, "-m", "digest", "check", "--no-smtp", "--config", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
    assert done.returncode == 1, done.stderr
    assert "/gone" in done.stdout and "404" in done.stdout and "Traceback" not in done.stderr


def _dated_feed(published: datetime) -> bytes:
    return (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Dated</title><item><title>Studio news</title>'
        b"<link>http://news.example/1</link><description>A studio story.</description><pubDate>%s</pubDate>"
        b"</item></channel></rss>" % format_datetime(published).encode()
    )


def test_check_table_keeps_urls_whole_escapes_hints_and_calls_an_old_feed_stale(tmp_path: Path) -> None:
    long_path = "/feeds/" + "-".join(["regional-news"] * 4) + "/rss.xml"
    routes = {
        long_path: Reply(body=_dated_feed(datetime.now(UTC))),
        "/old": Reply(body=_dated_feed(datetime(2016, 3, 1, 9, 0, tzinfo=UTC))),
        "/gone": Reply(404),
    }
    with LoopbackServer(routes) as server:
        urls = [server.url(long_path), server.url("/old"), server.url("/gone")]
        done = subprocess.run(
            [sys.executable, "-m", "digest", "check", "--no-smtp", "--config", str(_check_config(tmp_path, *urls))],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "COLUMNS": "60"},
        )
    assert done.returncode == 1, done.stderr
    rows = done.stdout.splitlines()
    for url in urls:
        assert any(url in row for row in rows), f"{url} is broken across lines:\n{done.stdout}"
    fresh, old, _ = (next(row for row in rows if url in row) for url in urls)
    assert " ok " in fresh and "stale" not in fresh
    assert "stale: newest item 2016-03-01" in old
    assert "[[sources]]" in done.stdout and "[]" not in done.stdout
    assert done.stderr.splitlines()[-1] == f"1 of 3 sources failed: {urls[2]}"


def test_a_local_feed_file_is_never_stale() -> None:
    old = FeedHealth("feeds/archive.xml", "ok", latest_item=datetime(2016, 3, 1, tzinfo=UTC))
    assert not old.stale(NOW)
    assert replace(old, location="https://news.example/rss").stale(NOW)
