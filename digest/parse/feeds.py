"""RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 through feedparser, hardened."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from digest import language
from digest.errors import EmptyFeed, ParseError
from digest.models import Article, Document, SourceKind
from digest.parse.clean import control_free, html_to_text, library_error, paragraphs
from digest.parse.entries import (
    base_url,
    entry_outlet,
    entry_url,
    identity,
    outlet_of,
    publisher_url,
    usable,
    without_publisher,
)
from digest.text import count

# feedparser's loose parser expands a DOCTYPE's internal entities; a quadratic blowup turns 130 KB into gigabytes.
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", re.S | re.I)
_FEED_LINK = re.compile(rb"<link\b[^>]*\btype\s*=\s*[\"']application/(?:rss|atom|feed)\+(?:xml|json)[\"'][^>]*>", re.I)
_HREF = re.compile(rb"\bhref\s*=\s*[\"']([^\"']+)[\"']", re.I)


def parse_feed(document: Document) -> tuple[list[Article], list[str]]:
    """RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 through feedparser, with the DOCTYPE (and its entities) removed first.

    Blank lines before the XML declaration (common from blog plugins) make strict XML reject the document,
    so they go too: the feed is then read as it is meant, without a "malformed" warning.
    """
    data = _DOCTYPE.sub(b"", document.data.lstrip(b" \t\r\n"), count=1)
    parsed: Any = feedparser.parse(
        data,
        response_headers={"content-type": "application/xml"},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    warnings = []
    if parsed.bozo and not parsed.entries:
        raise _not_a_feed(document, library_error(str(parsed.get("bozo_exception", "malformed"))))
    if parsed.bozo:
        problem = library_error(str(parsed.get("bozo_exception", "malformed")))
        warnings.append(
            f"{document.location}: malformed feed, read {count(len(parsed.entries), 'entry')} anyway ({problem})"
        )
    if not parsed.entries and not parsed.get("version"):
        raise _not_a_feed(document, "no RSS or Atom found")
    if not parsed.entries:
        raise EmptyFeed(document.location, "the feed has no entries", "check the feed URL; it may be empty for now")
    base = base_url(document)
    feed = parsed.feed
    names = [" ".join(str((feed.get("image") or {}).get("title") or "").split()), _line_of(feed.get("title_detail"))]
    outlet = outlet_of(document, names, feed.get("link"))
    declared = language.normalize(feed.get("language"))  # RSS <language>, Atom xml:lang on <feed>
    articles = [_entry(entry, document, outlet, base, declared) for entry in parsed.entries]
    return usable(document, articles, warnings)


def _not_a_feed(document: Document, problem: str) -> ParseError:
    head = document.data[:4096].lower()
    if b"<html" in head or b"<!doctype html" in head:
        return ParseError(document.location, "not a feed but a web page", _discovery_hint(document))
    return ParseError(document.location, f"not a feed ({problem})", "check that the URL points at an RSS/Atom feed")


def _discovery_hint(document: Document) -> str:
    """Point at the feed the page itself advertises (<link rel="alternate" type="application/rss+xml">)."""
    for tag in _FEED_LINK.findall(document.data[:200_000]):
        href = _HREF.search(tag)
        if href:
            url = urljoin(base_url(document) or "", html.unescape(href.group(1).decode("utf-8", "replace")))
            return f"the page links to a feed: use {url} in [[sources]]"
    return "check that the URL points at an RSS/Atom feed, not a web page"


def _entry(entry: Any, document: Document, feed_outlet: str, base: str | None, declared: str | None) -> Article:
    link = entry.get("link") or ""
    if document.source.kind is SourceKind.SEARCH:
        link = publisher_url(link)
    url = entry_url(link, base)
    publisher = _publisher(entry)
    title = without_publisher(_line_of(entry.get("title_detail")) or None, publisher)
    # The fullest of content and summary, chosen before conversion so only one is converted.
    details = [*entry.get("content", []), entry.get("summary_detail") or {}]
    chosen = max(details, key=lambda d: len(d.get("value") or ""))
    text = _text_of(chosen)
    if publisher:  # Google News teasers are the headline and the publisher's name: the name is no sentence
        text = without_publisher(text, publisher, (" - ", " ", "\n\n")) or ""
    return Article(
        id=identity(url, entry.get("id"), document.source.location, title, text),
        text=text,
        url=url,
        outlet=entry_outlet(document, publisher, feed_outlet),
        title=title,
        published=_entry_date(entry),
        # Atom's xml:lang on the entry or its content (feedparser carries it down from the <feed>), else RSS's.
        language=language.normalize(chosen.get("language") or (entry.get("title_detail") or {}).get("language"))
        or declared,
    )


def _publisher(entry: Any) -> str:
    """The publisher an item names: RSS and Atom `<source>` (Google News, planets), Bing News `<News:Source>`."""
    source = entry.get("source") or {}
    return str(source.get("title") or entry.get("news_source") or "")


def _line_of(detail: Any) -> str:
    return " ".join(_text_of(detail).split())


def _text_of(detail: Any) -> str:
    """Text of a feedparser text construct: HTML sanitized to paragraphs, plain text as it is."""
    if not detail:
        return ""
    value = str(detail.get("value") or "")
    if "html" in str(detail.get("type", "")):
        return html_to_text(value)
    return paragraphs(control_free(value).split("\n\n"))


def _entry_date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, key)  # entry.get() would warn about feedparser's own updated->published fallback
        if value:
            year, month, day, hour, minute, second = value[:6]
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return None
