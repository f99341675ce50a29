"""The archive and the RSS/Atom feeds of issues: valid, stable, newest first, escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest
from conftest import ROOT, write_config

from digest import config, pipeline, publish, render
from digest.models import Credit, Issue, Sentence, Story

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
COURIER = "https://courier.example/b"


def _issue(day: int, title: str = "Studio sues <b>startup</b> & co") -> Issue:
    story = Story(
        id=f"c-{day}",
        headline=title,
        url="https://ledger.example/a",
        sentences=(Sentence("A studio sued a startup on Monday.", "The Ledger", "https://ledger.example/a"),),
        outlets=(Credit("The Ledger", "https://ledger.example/a", "Studio sues"), Credit("Courier", COURIER, title)),
        headline_url=COURIER,  # the headline is the Courier's title; the first report is the Ledger's
        headline_outlet="Courier",
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
    assert parsed.entries[0].link == COURIER  # the headline links to the article it is the title of
    assert "Every outlet: https://digest.example.org/archive/ai/2026-11-25.html#s1" in parsed.entries[0].summary


def test_a_story_entry_never_links_to_an_unsafe_url(tmp_path: Path) -> None:
    issue = _issue(0)
    story = replace(issue.stories[0], headline_url="javascript:alert(1)", url="data:text/html,x")
    publish.publish(_site(tmp_path), [replace(issue, stories=(story,))], keep=5, granularity="story")
    entry = feedparser.parse((tmp_path / "ai.rss").read_bytes()).entries[0]
    assert entry.link == "https://digest.example.org/archive/ai/2026-11-25.html#s1"


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
    index = (tmp_path / "out" / "archive" / "ai" / "index.html").read_text(encoding="utf-8")
    assert "prefers-color-scheme" in index, "#14: a run writes the archive in the issues' style, dark mode too"
    assert f"wrote {settings.output.dir}/" in result.reports[0].line()


ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
ABSOLUTE = re.compile(r"(?:https?://[^/\s]+/|mailto:)\S*")
# What the validator flags in HTML content: elements and attributes a reader strips, and where links point.
UNSAFE = re.compile(r"<(?:script|style|iframe|object|embed|form)\b|\s(?:on\w+|style)=", re.I)
LINKS = re.compile(r"""\s(?:href|src)=["']([^"']*)["']""", re.I)


def validator_problems(rss: bytes, atom: bytes, base: str) -> list[str]:
    """What the W3C feed validator reports as an error or a warning, for the rules these feeds can break:
    required elements, a self link naming the document, RFC 822 and RFC 3339 dates, unique ids and dates,
    absolute links everywhere (in HTML content too: no in-page "#s1"), no unsafe markup."""
    problems: list[str] = []

    def content(where: str, markup: str) -> None:
        problems.extend(f"{where}: relative link {url!r}" for url in LINKS.findall(markup) if not ABSOLUTE.match(url))
        problems.extend(f"{where}: unsafe markup {m!r}" for m in UNSAFE.findall(markup))

    def absolute(where: str, url: str | None) -> None:
        if not url or not ABSOLUTE.match(url):
            problems.append(f"{where}: not an absolute link {url!r}")

    channel = ET.fromstring(rss).find("channel")
    assert channel is not None
    for tag in ("title", "link", "description", "lastBuildDate"):
        if not (channel.findtext(tag) or "").strip():
            problems.append(f"rss: missing {tag}")
    absolute("rss link", channel.findtext("link"))
    self_link = channel.find(f"{ATOM}link")
    if self_link is None or self_link.get("rel") != "self" or self_link.get("href") != f"{base}ai.rss":
        problems.append(f"rss: self link {None if self_link is None else self_link.attrib}")
    items = channel.findall("item")
    if len({i.findtext("guid") for i in items}) != len(items):
        problems.append("rss: duplicate guid")
    for item in items:
        if not (item.findtext("title") and item.findtext("description")):
            problems.append("rss item: missing title or description")
        absolute("rss item link", item.findtext("link"))
        if parsedate_to_datetime(item.findtext("pubDate") or "").tzinfo is None:
            problems.append("rss item: pubDate without a zone")
        content("rss content:encoded", item.findtext(CONTENT) or "")
    feed = ET.fromstring(atom)
    for tag in ("id", "title", "updated", "author"):
        if feed.find(f"{ATOM}{tag}") is None:
            problems.append(f"atom: missing {tag}")
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    if links.get("self") != f"{base}ai.atom":
        problems.append(f"atom: self link {links.get('self')!r}")
    absolute("atom alternate", links.get("alternate"))
    entries = feed.findall(f"{ATOM}entry")
    for tag in ("id", "updated"):
        if len({e.findtext(f"{ATOM}{tag}") for e in entries}) != len(entries):
            problems.append(f"atom: two entries with the same {tag}")
    for entry in entries:
        for tag in ("id", "title", "updated"):
            if not entry.findtext(f"{ATOM}{tag}"):
                problems.append(f"atom entry: missing {tag}")
        datetime.fromisoformat(entry.findtext(f"{ATOM}updated") or "")
        alternates = [link for link in entry.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
        if len(alternates) != 1:
            problems.append(f"atom entry: {len(alternates)} alternate links")
        for link in entry.findall(f"{ATOM}link"):
            absolute("atom entry link", link.get("href"))
        body = entry.find(f"{ATOM}content")
        if body is not None:
            if body.get("type", "text") not in ("text", "html"):
                problems.append(f"atom content: type {body.get('type')!r}")
            content("atom content", body.text or "")
    return problems


@pytest.mark.parametrize("granularity", ["issue", "story"])
def test_feeds_follow_the_validator_rules(tmp_path: Path, granularity: str) -> None:
    issues = [_issue(0), _issue(1)]
    issues[1] = replace(issues[1], html=issues[1].html.replace("<h1>x</h1>", '<a href="#s1">Top</a><h2 id="s1">x</h2>'))
    publish.publish(_site(tmp_path), issues, keep=5, granularity=granularity)
    rss, atom = (tmp_path / "ai.rss").read_bytes(), (tmp_path / "ai.atom").read_bytes()
    assert validator_problems(rss, atom, "https://digest.example.org/") == []
    if granularity == "issue":
        assert b"https://digest.example.org/archive/ai/2026-11-26.html#s1" in rss, "in-page anchors made absolute"


def _shipped_config(folder: Path, output: str = "") -> config.Config:
    """config.toml as shipped, in `folder` (its seeds linked there), with `output` lines appended to [output]."""
    (folder / "seeds").symlink_to(ROOT / "seeds")
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    if output:
        text = text.replace("[output]\n", f"[output]\n{output}\n", 1).replace(
            '\nbase_url = "http', "\n# base_url = ", 1
        )
    (folder / "config.toml").write_text(text, encoding="utf-8")
    return config.load(folder / "config.toml")


@pytest.mark.parametrize("base_url", [None, ""])
def test_the_shipped_config_publishes_valid_feeds(tmp_path: Path, base_url: str | None) -> None:
    """As shipped (and with base_url emptied): absolute self links and content links, 0 errors, 0 warnings."""
    settings = _shipped_config(tmp_path, "" if base_url is None else f'base_url = "{base_url}"')
    assert settings.output.base_url == ("http://localhost:8080/" if base_url is None else "")
    assert pipeline.run(settings, now=NOW, dry_run=True).ok
    name = settings.digest.name
    rss, atom = (tmp_path / "out" / f"{name}.rss").read_bytes(), (tmp_path / "out" / f"{name}.atom").read_bytes()
    rss, atom = rss.replace(f"{name}.".encode(), b"ai."), atom.replace(f"{name}.".encode(), b"ai.")
    assert b"#s1" in rss and b'href="#' not in rss and b"href=&quot;#" not in rss
    assert validator_problems(rss, atom, publish.DEFAULT_BASE_URL) == []


def test_issue_pages_link_their_neighbours_and_the_index_lists_newest_first(tmp_path: Path) -> None:
    site = _site(tmp_path)
    pages = render.WebPages(ROOT / "templates", site.title, site.topic)
    issues = [_issue(0), _issue(2, "Third <i>day</i>"), _issue(1)]
    publish.publish(site, issues, keep=5, pages=pages)
    folder = tmp_path / "archive" / "ai"
    middle = (folder / "2026-11-26.html").read_text()
    assert 'href="2026-11-25.html" rel="prev"' in middle and 'href="2026-11-27.html" rel="next"' in middle
    assert 'rel="prev"' not in (folder / "2026-11-25.html").read_text()
    assert 'rel="next"' not in (folder / "2026-11-27.html").read_text()
    assert 'id="s1"' in middle and 'href="../../ai.rss"' in middle
    index = (folder / "index.html").read_text()
    order = [index.index(f'href="2026-11-2{day}.html"') for day in (7, 6, 5)]
    assert order == sorted(order), "newest first"
    assert 'href="2026-11-27.html#s1">Third &lt;i&gt;day&lt;/i&gt;</a>' in index and "1 story" in index
    assert "AI &lt;Digest&gt;" in index and "prefers-color-scheme:dark" in index
