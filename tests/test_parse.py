"""Parsing feeds and local articles, including hostile and malformed input."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from conftest import ROOT

from digest.errors import ParseError
from digest.models import Document, Source
from digest.parse import canonical_url, parse

EVAL_FEEDS = ROOT.parent / "shared" / "eval" / "feeds"


def _feed(body: bytes, location: str = "http://feeds.example/rss") -> Document:
    return Document(Source(location), location, body)


def _rss(items: str, prolog: str = "") -> bytes:
    channel = f"<channel><title>Example Feed</title>{items}</channel>"
    return f'<?xml version="1.0"?>{prolog}<rss version="2.0">{channel}</rss>'.encode()


def test_rss_item_becomes_article_with_clean_text_and_canonical_url() -> None:
    item = (
        "<item><title>Studio &amp; startup\r\n<script>alert(1)</script>in court</title>"
        "<link>/news/1?utm_source=x&amp;id=7#top</link><pubDate>Mon, 23 Nov 2026 14:05:00 +0000</pubDate>"
        "<description>&lt;p&gt;First para.&lt;/p&gt;&lt;script&gt;evil()&lt;/script&gt;"
        "&lt;p&gt;Second.&lt;/p&gt;</description></item>"
    )
    (article,), warnings = parse(_feed(_rss(item)))
    assert article.title == "Studio & startup in court"
    assert article.url == "http://feeds.example/news/1?id=7"
    assert article.text == "First para.\n\nSecond."
    assert article.outlet == "Example Feed"
    assert article.published is not None and article.published.isoformat() == "2026-11-23T14:05:00+00:00"
    assert not warnings


def test_quadratic_entity_blowup_is_defused() -> None:
    entity = "x" * 50_000
    prolog = f'<!DOCTYPE rss [<!ENTITY big "{entity}">]>'
    item = "<item><title>t</title><description>" + "&big;" * 2000 + "</description></item>"
    started = time.perf_counter()
    try:
        articles, _ = parse(_feed(_rss(item, prolog)))
        assert sum(len(a.text) for a in articles) < 1_000_000
    except ParseError:
        pass  # refusing the feed is fine too; expanding it is not
    assert time.perf_counter() - started < 5


def test_html_page_instead_of_feed_is_a_clear_error() -> None:
    with pytest.raises(ParseError, match="not a feed"):
        parse(_feed(b"<html><head><title>Moved</title></head><body>Document moved</body></html>"))


def test_empty_feed_is_a_clear_error() -> None:
    with pytest.raises(ParseError, match="no entries"):
        parse(_feed(_rss("")))


def test_markdown_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text(
        '---\ntitle: "A \\"quoted\\" title"\noutlet: "The Desk"\nurl: "https://desk.example/a?fbclid=1"\n'
        'published: "2026-11-20T08:00:00Z"\n---\nOne [linked](https://x.example) **bold** word.\n',
        encoding="utf-8",
    )
    (article,), _ = parse(Document(Source(str(tmp_path)), str(path), path.read_bytes()))
    assert article.title == 'A "quoted" title'
    assert article.outlet == "The Desk"
    assert article.url == "https://desk.example/a"
    assert article.text == "One linked bold word."


def test_canonical_url() -> None:
    assert canonical_url("HTTPS://Example.COM/a?gclid=1&b=2#frag") == "https://example.com/a?b=2"
    assert canonical_url("javascript:alert(1)") == ""


@pytest.mark.skipif(not EVAL_FEEDS.is_dir(), reason="../shared/eval/feeds is not beside the clone")
@pytest.mark.parametrize("name", sorted(p.name for p in EVAL_FEEDS.iterdir()) if EVAL_FEEDS.is_dir() else [])
def test_every_eval_feed_parses_or_fails_cleanly(name: str) -> None:
    path = EVAL_FEEDS / name
    data = path.read_bytes()
    try:
        articles, warnings = parse(Document(Source(str(path)), str(path), data))
    except ParseError as error:
        assert error.hint
        return
    items = len(re.findall(rb"<(item|entry)[\s>]", data))
    skipped = sum(int(m) for w in warnings for m in re.findall(r"skipped (\d+) entries", w))
    assert len(articles) + skipped == items
    assert all(a.title or a.url or a.text for a in articles)
