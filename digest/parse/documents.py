"""Which reader a document goes to: by its source's kind, then, for a local file, by what the file holds.

A feed URL is always read as a feed, whatever its path ends in (`/page.html` serving a web page is "not a feed
but a web page", never one article). A local file is an article when its suffix says so and it does not start
like a feed; anything else local is read as a feed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from digest.models import ARTICLE_SUFFIXES, Article, Document, SourceKind
from digest.parse.feeds import parse_feed
from digest.parse.files import parse_file
from digest.parse.jsonfeed import parse_json_feed
from digest.parse.sitemap import parse_sitemap

Parsed = tuple[list[Article], list[str]]


def parse(document: Document) -> Parsed:
    """Articles in one document, and warnings about it. Raises ParseError when it holds none."""
    return _READERS[document.source.kind](document)


def _feed(document: Document) -> Parsed:
    if _looks_like_json(document.data):
        return parse_json_feed(document)
    return parse_feed(document)


def _local(document: Document) -> Parsed:
    suffix = PurePath(document.location).suffix.lower()
    if suffix in ARTICLE_SUFFIXES and not _looks_like_feed(document.data):
        return [parse_file(document)], []
    return _feed(document)


def _page(document: Document) -> Parsed:
    raise AssertionError("pages are read for their text by parse.fulltext, never parsed as a source")


_READERS: dict[SourceKind, Callable[[Document], Parsed]] = {
    SourceKind.FEED: _feed,
    SourceKind.FILE: _local,
    SourceKind.FOLDER: _local,
    SourceKind.PAGE: _page,
    SourceKind.SEARCH: _feed,  # RSS whose items name their publishers (parse.feeds credits them)
    SourceKind.SITEMAP: parse_sitemap,
}


def _looks_like_feed(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith(b"<?xml") or b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def _looks_like_json(data: bytes) -> bool:
    return data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")
