"""News sitemaps (https://www.google.com/schemas/sitemap-news/0.9): a site without a feed lists its new pages.

Each `<url>` with `<news:news>` becomes an article with its title, publication date and publication name; its
text is the page's main text, read like a teaser's full text (parse.ingest marks every one for it).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime

from digest import text as textlib
from digest.errors import ParseError
from digest.language import normalize
from digest.models import Article, Document, host, parse_iso
from digest.parse.clean import library_error
from digest.parse.entries import content_id, entry_url, usable

_SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
# A sitemap never needs a DOCTYPE; removing it keeps entity expansion (billion laughs) out of the parser.
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", re.S | re.I)
_HINT = "check the URL in [[sources]] sitemap: it should be a news sitemap (with <news:news> entries)"


def parse_sitemap(document: Document) -> tuple[list[Article], list[str]]:
    """The news entries of a sitemap, in the source's language when it names one. Raises ParseError if none."""
    root = _root(document)
    if root.tag == f"{_SITEMAP}sitemapindex":
        children = [loc.text.strip() for loc in root.iter(f"{_SITEMAP}loc") if loc.text][:3]
        raise ParseError(
            document.location,
            "a sitemap index, not a sitemap",
            f"use one of its news sitemaps in [[sources]] sitemap: {', '.join(children) or 'none is listed'}",
        )
    if root.tag != f"{_SITEMAP}urlset":
        raise ParseError(document.location, f"not a sitemap (its root is <{_local(root.tag)}>)", _HINT)
    entries = root.findall(f"{_SITEMAP}url")
    news = [(entry, item) for entry in entries if (item := entry.find(f"{_NEWS}news")) is not None]
    if not news:
        raise ParseError(document.location, f"no <news:news> entries among its {len(entries)} URLs", _HINT)
    language = document.source.language
    articles = [
        _article(document, entry, item)
        for entry, item in news
        if not language or _text(item, "publication/language").lower().startswith(language.lower())
    ]
    if not articles:
        raise ParseError(document.location, f"no entry is in the language {language!r}", "check [[sources]] language")
    return usable(document, articles, [])


def _root(document: Document) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(_DOCTYPE.sub(b"", document.data.lstrip(), count=1))
    except ElementTree.ParseError as exc:
        raise ParseError(document.location, f"not a sitemap ({library_error(str(exc))})", _HINT) from None


def _article(document: Document, entry: ElementTree.Element, item: ElementTree.Element) -> Article:
    url = entry_url(_text(entry, "loc", _SITEMAP), document.location)
    title = _text(item, "title") or None
    outlet = document.source.outlet or _text(item, "publication/name") or host(url) or document.location
    return Article(
        id=content_id(url or f"{document.location}\n{title}"),
        text="",
        url=url,
        outlet=outlet,
        title=title,
        published=_date(_text(item, "publication_date")),
        language=normalize(_text(item, "publication/language")),
    )


def _text(element: ElementTree.Element, path: str, namespace: str = _NEWS) -> str:
    found = element.find("/".join(namespace + step for step in path.split("/")))
    return textlib.one_line(found.text or "") if found is not None else ""


def _date(value: str) -> datetime | None:
    """W3C datetime: a date alone, or a date and time with its offset."""
    try:
        return parse_iso(value)
    except ValueError:
        return None if not value else _date_only(value)


def _date_only(value: str) -> datetime | None:
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
    return datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC) if match else None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
