"""The archive and the RSS/Atom feeds of issues: valid, stable, newest first, escaped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
from conftest import write_config

from digest import config, pipeline, publish
from digest.models import Credit, Issue, Sentence, Story

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def _issue(day: int, title: str = "Studio sues <b>startup</b> & co") -> Issue:
    story = Story(
        id=f"c-{day}",
        headline=title,
        url="https://ledger.example/a",
        sentences=(Sentence("A studio sued a startup on Monday.", "The Ledger", "https://ledger.example/a"),),
        outlets=(Credit("The Ledger", "https://ledger.example/a", "Studio sues"),),
    )
    created = NOW + timedelta(days=day)
    return Issue(
        id=f"ai-{created.date().isoformat()}",
        digest="ai",
        title="AI Digest",
        created=created,
        subject=f"AI Digest: {created.date().isoformat()}",
        html="<!doctype html><html><head><style>p{}</style></head><body><h1>x</h1><script>bad()</script></body></html>",
        text="x",
        stories=(story,),
    )


def _site(folder: Path) -> publish.Site:
    return publish.Site(folder, "https://digest.example.org/", "ai", "AI <Digest>", 'AI OR "training data"')


def test_feeds_parse_back_newest_first_with_stable_guids(tmp_path: Path) -> None:
    site = _site(tmp_path)
    issues = [_issue(0), _issue(2), _issue(1)]
    publish.publish(site, issues, keep=2)
    first = (tmp_path / "ai.rss").read_bytes()
    publish.publish(site, issues, keep=2)
    assert (tmp_path / "ai.rss").read_bytes() == first, "same issues, same feed"
    for name in ("ai.rss", "ai.atom"):
        parsed = feedparser.parse((tmp_path / name).read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.feed.title == "AI <Digest>"
        assert [e.title for e in parsed.entries] == ["AI Digest: 2026-11-27", "AI Digest: 2026-11-26"]
        assert parsed.entries[0].link == "https://digest.example.org/archive/ai/2026-11-27.html"
        assert parsed.entries[0].id.startswith("tag:digest,2026-11-27:ai/")
        assert "<script" not in parsed.entries[0].content[0].value
    rss = first.decode()
    assert '<atom:link href="https://digest.example.org/ai.rss" rel="self"' in rss
    assert "<link>https://digest.example.org/archive/ai/index.html</link>" in rss
    assert "+0000</pubDate>" in rss


def test_story_granularity_escapes_titles(tmp_path: Path) -> None:
    publish.publish(_site(tmp_path), [_issue(0)], keep=5, granularity="story")
    raw = (tmp_path / "ai.rss").read_text()
    assert "<title>Studio sues &lt;b&gt;startup&lt;/b&gt; &amp; co</title>" in raw
    parsed = feedparser.parse(raw.encode())
    assert parsed.entries[0].link == "https://ledger.example/a"


def test_archive_pages_and_index_link_up(tmp_path: Path) -> None:
    written = publish.publish(_site(tmp_path), [_issue(0), _issue(1)], keep=5)
    page = tmp_path / "archive" / "ai" / "2026-11-25.html"
    assert page in written
    assert 'href="index.html"' in page.read_text()
    index = (tmp_path / "archive" / "ai" / "index.html").read_text()
    assert 'href="2026-11-25.html"' in index and 'href="2026-11-26.html"' in index
    assert "AI &lt;Digest&gt;" in index


def test_dry_run_writes_archive_and_feed_but_records_nothing(tmp_path: Path) -> None:
    settings = config.load(write_config(tmp_path, port=1))
    result = pipeline.run(settings, now=NOW, dry_run=True)
    assert result.ok and result.reports[0].note.startswith("dry run")
    assert (tmp_path / "out" / "archive" / "ai" / "2026-11-25.html").is_file()
    assert feedparser.parse((tmp_path / "out" / "ai.rss").read_bytes()).entries
    again = pipeline.run(settings, now=NOW, dry_run=True)
    assert again.reports[0].issue == "ai-2026-11-25", "a dry run recorded no issue"
    assert not settings.state.exists(), "#12: a dry run before the first real one creates no state file"
    assert f"wrote {settings.output.dir}/" in result.reports[0].line()


def test_feeds_follow_the_validator_rules(tmp_path: Path) -> None:
    """What the W3C feed validator checks: required elements, a self link naming the document, RFC 822 and
    RFC 3339 dates, unique ids, absolute links."""
    import xml.etree.ElementTree as ET
    from email.utils import parsedate_to_datetime

    publish.publish(_site(tmp_path), [_issue(0), _issue(1)], keep=5)
    atom_ns = "{http://www.w3.org/2005/Atom}"
    channel = ET.parse(tmp_path / "ai.rss").getroot().find("channel")
    assert channel is not None
    for tag in ("title", "link", "description", "lastBuildDate"):
        assert (channel.findtext(tag) or "").strip(), tag
    self_link = channel.find(f"{atom_ns}link")
    assert self_link is not None and self_link.get("rel") == "self"
    assert self_link.get("href") == "https://digest.example.org/ai.rss"
    items = channel.findall("item")
    assert len({i.findtext("guid") for i in items}) == len(items) == 2
    for item in items:
        assert item.findtext("title") and item.findtext("description")
        assert (item.findtext("link") or "").startswith("https://")
        assert parsedate_to_datetime(item.findtext("pubDate") or "").tzinfo is not None
    feed = ET.parse(tmp_path / "ai.atom").getroot()
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{atom_ns}{tag}") is not None, tag
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{atom_ns}link")}
    assert links["self"] == "https://digest.example.org/ai.atom"
    for entry in feed.findall(f"{atom_ns}entry"):
        for tag in ("id", "title", "updated"):
            assert entry.findtext(f"{atom_ns}{tag}"), tag
        content = entry.find(f"{atom_ns}content")
        assert content is not None and content.get("type") == "html"
        datetime.fromisoformat(entry.findtext(f"{atom_ns}updated") or "")
