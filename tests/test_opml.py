"""OPML in and out (#16): what real exports contain is survived, a broken file is refused naming its line, and
what digest writes reads back the same."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import DATA

from digest.errors import InputError
from digest.sources.opml import OpmlFeed, read_opml, write_opml

EXPORT = (DATA / "sources" / "reader-export.opml").read_bytes()


def test_a_readers_export_gives_each_feed_once_with_its_folder_title_and_site() -> None:
    listed = read_opml(EXPORT, "reader-export.opml")
    by_url = {feed.url: feed for feed in listed.feeds}
    assert len(listed.feeds) == 6 and (listed.outlines, listed.duplicates, listed.skipped) == (7, 1, 2)
    assert by_url["https://model-notes.example/atom.xml"] == OpmlFeed(
        "https://model-notes.example/atom.xml", "Model Notes", "https://model-notes.example/", "Tech/AI"
    )
    # The first outline of a duplicate wins; &amp; is a plain &; feed:// is http://; xmlURL in any case.
    assert by_url["https://circuit-review.example/feed.xml"].title == "The Circuit Review"
    assert "https://lab-ledger.example/rss?section=ai&format=full" in by_url
    assert by_url["http://pixel-and-frame.example/index.xml"].title == "Pixel & Frame"
    assert by_url["https://quill-weekly.example/feed.json"].category is None


def test_broken_xml_names_its_line_even_where_listparser_would_read_half() -> None:
    with pytest.raises(InputError, match=r"^list\.opml:4: broken OPML \(mismatched tag\)") as raised:
        read_opml(
            b'<opml version="2.0">\n<body>\n<outline text="a" xmlUrl="https://a.example/f">\n</body>', "list.opml"
        )
    assert raised.value.hint


def test_a_file_that_is_not_opml_says_so() -> None:
    with pytest.raises(InputError, match=r"not an OPML file \(its root is <rss>\)"):
        read_opml(b'<rss version="2.0"><channel/></rss>', "feed.xml")


def test_a_doctype_with_entities_is_not_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<opml version="2.0"><body><outline text="x" xmlUrl="https://x.example/feed"/></body></opml>'
    )
    assert [f.url for f in read_opml(bomb, "bomb.opml").feeds] == ["https://x.example/feed"]


def test_what_digest_writes_reads_back_the_same() -> None:
    feeds = [
        OpmlFeed("https://a.example/feed", "A & B", "https://a.example/", "News/World"),
        OpmlFeed("https://c.example/rss?x=1&y=2", None, None, None),
        OpmlFeed("https://d.example/atom", "D", None, "News"),
    ]
    text = write_opml(feeds, "My digest", datetime(2026, 12, 1, 7, tzinfo=UTC))
    assert "<dateCreated>Tue, 01 Dec 2026 07:00:00 +0000</dateCreated>" in text
    back = read_opml(text.encode(), "out.opml")
    assert sorted((f.url, f.category, f.site) for f in back.feeds) == sorted((f.url, f.category, f.site) for f in feeds)
    assert sorted(f.title or "" for f in back.feeds) == ["A & B", "D", "https://c.example/rss?x=1&y=2"]
