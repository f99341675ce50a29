"""Outlets as readers know them (#16): the configured name, else the item's own publisher (`<source>`), else the
feed's site name cleaned of taglines and "latest news", else the host without www."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DATA, ROOT

from digest.models import Document, Source, SourceKind
from digest.parse import parse
from digest.parse.entries import site_name

EVAL_FEEDS = ROOT.parent / "shared" / "eval" / "feeds"
SOURCES = DATA / "sources"


@pytest.mark.parametrize(
    ("title", "home", "expected"),
    [
        ("reddit: the front page of the internet", "reddit.com", "reddit"),
        ("heise developer neueste Meldungen", "heise.de", "heise developer"),
        ("Technology | The Guardian", "theguardian.com", "The Guardian"),
        ("World news | The Guardian", None, "World news"),  # no host to tell the section from the name
        ("Jornal de Notícias - Últimas Notícias", "jn.pt", "Jornal de Notícias"),
        ("Varthabharathi : Kanrnataka's Leading Kannada News Portal", "varthabharati.in", "Varthabharathi"),
        ("craigslist SF bay area | apts/housing for rent search", "sfbay.craigslist.org", "craigslist SF bay area"),
        ("Taverncast - Happy Hour in Your Head - Since 2005", "taverncast.com", "Taverncast"),
        ("Ars Technica - All content", "arstechnica.com", "Ars Technica"),
        ("BBC News - Home", "bbc.co.uk", "BBC News"),
        ("NYT > Technology", "nytimes.com", "NYT"),
        ("The Ledger RSS Feed", None, "The Ledger"),
        ("RSS0.92 Example", None, "Example"),
        ("Hacker News", "news.ycombinator.com", "Hacker News"),  # "News" in a name is part of the name
        ("Latest news", "example.org", ""),
        ("RSS", None, ""),
    ],
)
def test_a_feed_title_is_cleaned_to_its_site_name(title: str, home: str | None, expected: str) -> None:
    assert site_name(title, home) == expected


def _parse(data: bytes, location: str = "https://feeds.example/rss", **source: object) -> list[str | None]:
    kind = source.pop("kind", SourceKind.FEED)
    document = Document(Source(location, kind, **source), location, data)  # type: ignore[arg-type]
    articles, _ = parse(document)
    return [a.outlet for a in articles]


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>TITLE</title><link>LINK</link>IMAGE
<item><title>One</title><link>https://site.example/1</link><description>Text.</description></item>
</channel></rss>"""


def _rss(title: bytes, link: bytes = b"https://www.site.example/", image: bytes = b"") -> bytes:
    return RSS.replace(b"TITLE", title).replace(b"LINK", link).replace(b"IMAGE", image)


def test_the_channel_image_title_names_the_site_before_the_channel_title() -> None:
    image = b"<image><url>https://site.example/logo.png</url><title>Jornal Example</title></image>"
    assert _parse(_rss(b"Jornal Example - Ultimas", image=image)) == ["Jornal Example"]


def test_a_title_that_is_only_generic_words_falls_back_to_the_host_without_www() -> None:
    assert _parse(_rss(b"RSS - Latest News")) == ["site.example"]


def test_the_configured_outlet_wins_over_everything() -> None:
    data = (SOURCES / "google-news.xml").read_bytes()
    assert set(_parse(data, outlet="My Name")) == {"My Name"}


def test_an_items_source_element_credits_its_publisher_and_leaves_the_title_clean() -> None:
    data = (SOURCES / "google-news.xml").read_bytes()
    document = Document(Source("https://news.example/rss", SourceKind.FEED), "https://news.example/rss", data)
    articles, _ = parse(document)
    assert [a.outlet for a in articles] == ["The Ledger", "Northgate Courier", "Circuit Review"]
    assert articles[0].title == "Port Calder harbour trials robot cranes after night-shift shortage"
    assert articles[0].text == articles[0].title  # the teaser without the publisher's name after it


def test_a_json_feed_title_is_cleaned_against_its_home_page() -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Quill Weekly: the newsletter about newsletters",
        "home_page_url": "https://www.quill-weekly.example/",
        "items": [{"id": "1", "url": "https://quill-weekly.example/1", "content_text": "Text."}],
    }
    assert _parse(json.dumps(feed).encode(), "https://quill-weekly.example/feed.json") == ["Quill Weekly"]


# What the real feeds in ../shared/eval/feeds come out as (the table in the #16 closing note).
REAL = {
    "reddit.rss": "reddit",
    "reddit-atom.rss": "reddit",
    "reddit-home.rss": "reddit",
    "heise.atom": "heise developer",
    "guardian.rss": "The Guardian",
    "encoding.rss": "Jornal de Notícias",
    "uolNoticias.rss": "UOL Noticias",
    "customfields.rss": "Varthabharathi",
    "craigslist.rss": "craigslist SF bay area",
    "itunes-category.rss": "Taverncast",
    "itunes-keywords-array.rss": "SWR2 Impuls",
    "pagination-links.rss": "New Show",
    "heraldsun.rss": "Another Site",  # every item names its <source>
    "feedburner.atom": "Google Ads Developer Blog",
}


@pytest.mark.skipif(not EVAL_FEEDS.is_dir(), reason="../shared/eval/feeds is not here")
@pytest.mark.parametrize(("name", "outlet"), sorted(REAL.items()))
def test_real_feeds_are_credited_to_the_outlet_readers_know(name: str, outlet: str) -> None:
    path: Path = EVAL_FEEDS / name
    assert set(_parse(path.read_bytes(), str(path), kind=SourceKind.FILE)) == {outlet}
