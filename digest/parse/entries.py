"""What every feed entry needs, whatever the format: a canonical absolute URL, an id, an outlet."""

from __future__ import annotations

import hashlib
from pathlib import PurePath
from urllib.parse import urljoin

from digest.errors import ParseError
from digest.models import Article, Document, host
from digest.parse.clean import canonical_url
from digest.text import count


def base_url(document: Document) -> str | None:
    return document.location if "://" in document.location else None


def outlet_of(document: Document, feed_title: str, base: str | None) -> str:
    """The configured name, else the feed's title, else the host, else the file's name."""
    return document.source.outlet or feed_title or host(base) or PurePath(document.location).stem


def entry_url(link: str, base: str | None) -> str | None:
    """The entry's link made absolute against the feed's URL; None when it has none (never the feed's own URL)."""
    link = link.strip()
    if not link:
        return None
    return canonical_url(urljoin(base, link) if base else link) or None


def identity(url: str | None, guid: str | None, feed: str, title: str | None, text: str) -> str:
    """The canonical URL; else the GUID, scoped to its feed (a GUID is only unique there); else the content."""
    if url:
        return content_id(url)
    if guid:
        return content_id(f"{feed}\n{guid}")
    return content_id(f"{feed}\n{title or ''}\n{text}")


def usable(document: Document, articles: list[Article], warnings: list[str]) -> tuple[list[Article], list[str]]:
    usable = [a for a in articles if a.title or a.url or a.text]
    if len(usable) < len(articles):
        warnings.append(
            f"{document.location}: skipped {count(len(articles) - len(usable), 'entry')} with no title, link or text"
        )
    if not usable:
        raise ParseError(document.location, "no entry has a title, link or text", "check the feed at its source")
    return usable, warnings


def content_id(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]
