"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from digest import language
from digest import text as textlib
from digest.errors import EmptyFeed, ParseError
from digest.models import Article, Document, parse_iso
from digest.parse.clean import control_free, html_to_text, library_error, paragraphs
from digest.parse.entries import base_url, entry_url, identity, outlet_of, usable


def parse_json_feed(document: Document) -> tuple[list[Article], list[str]]:
    """JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1); fields of the wrong type count as missing."""
    try:
        feed = json.loads(document.data)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting thousands of levels deep
        raise ParseError(document.location, f"not a JSON Feed ({library_error(str(exc))})", _JSON_HINT) from None
    warnings = _version_warnings(document, feed)
    items = feed.get("items")
    if not isinstance(items, list) or not items:
        raise EmptyFeed(document.location, "the feed has no entries", "check the feed URL; it may be empty for now")
    base = (
        base_url(document) or _string(feed.get("feed_url")) or None
    )  # a local file's items resolve against its feed_url
    outlet = outlet_of(document, [_string(feed.get("title"))], _string(feed.get("home_page_url")) or None)
    skipped = sum(not isinstance(item, dict) for item in items)
    if skipped:
        what = "is not a JSON object" if skipped == 1 else "are not JSON objects"
        warnings.append(f"{document.location}: skipped {textlib.count(skipped, 'item')} that {what}")
    declared = language.normalize(_string(feed.get("language")))  # JSON Feed 1.1's feed-level language
    articles = [
        _json_item(item, outlet, base, document.source.location, declared) for item in items if isinstance(item, dict)
    ]
    return usable(document, articles, warnings)


_JSON_HINT = "check that the URL points at a feed (RSS, Atom or JSON Feed)"
# Both schemes: the spec writes https, but WordPress and other generators write http://jsonfeed.org/version/1.
_VERSION = re.compile(r"https?://jsonfeed\.org/version/1(\.1)?/?", re.IGNORECASE)


def _version_warnings(document: Document, feed: Any) -> list[str]:
    """No warning for a JSON Feed 1 or 1.1; one for an object with items but no version, which is read anyway."""
    if not isinstance(feed, dict):
        raise ParseError(document.location, "not a JSON Feed (no jsonfeed.org version)", _JSON_HINT)
    version = feed.get("version")
    if isinstance(version, str) and _VERSION.fullmatch(version.strip()):
        return []
    if version is None and "items" in feed:
        return [f"{document.location}: no JSON Feed version; read as JSON Feed 1.1"]
    problem = f"version {version!r} is not 1 or 1.1" if isinstance(version, str) else "no jsonfeed.org version"
    raise ParseError(document.location, f"not a JSON Feed ({problem})", _JSON_HINT)


def _json_item(item: dict[str, Any], outlet: str, base: str | None, feed: str, declared: str | None) -> Article:
    url = entry_url(_string(item.get("url")) or _string(item.get("external_url")), base)
    title = textlib.one_line(_string(item.get("title"))) or None
    if _string(item.get("content_html")):
        text = html_to_text(_string(item.get("content_html")))
    else:
        text = paragraphs(control_free(_string(item.get("content_text") or item.get("summary"))).split("\n\n"))
    guid = item.get("id")
    return Article(
        id=identity(url, str(guid) if isinstance(guid, str | int) else None, feed, title, text),
        text=text,
        url=url,
        outlet=outlet,
        title=title,
        published=_iso_date(_string(item.get("date_published")) or _string(item.get("date_modified"))),
        language=language.normalize(_string(item.get("language"))) or declared,
    )


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _iso_date(value: str) -> datetime | None:
    try:
        return parse_iso(value)
    except ValueError:
        return None
