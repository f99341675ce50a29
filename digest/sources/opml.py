"""OPML subscription lists: read with listparser (as readers export them), written as OPML 2.0.

listparser is lenient by design: a file broken halfway gives the outlines before the break and no error. So the
XML is parsed strictly first, to say "broken OPML at line N" instead of importing half a list quietly.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any

import listparser

from digest.errors import InputError
from digest.models import is_web_url

# An OPML file needs no DOCTYPE; without it no entity can expand (billion laughs) in either parser.
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", re.S | re.I)
_FIX = "fix the XML at that line, or export the list again from your feed reader"


@dataclass(frozen=True)
class OpmlFeed:
    """One feed of a list: its URL, the title the reader gave it, its site, and its folder ("Tech/AI")."""

    url: str
    title: str | None = None
    site: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class OpmlList:
    """The feeds of a list, each once, and what was left out (counts, for the import's report)."""

    feeds: tuple[OpmlFeed, ...]
    outlines: int  # outlines naming a feed (xmlUrl), duplicates included
    duplicates: int  # outlines naming a feed already listed above them
    skipped: int  # outlines without a feed: links, includes, empty or non-web xmlUrl
    folders: int


def read_opml(data: bytes, name: str) -> OpmlList:
    """The feeds of an OPML file; raises InputError naming the line of broken XML, or saying it is not OPML."""
    data = _DOCTYPE.sub(b"", data.lstrip(), count=1)
    root = _strict(data, name)
    body = root.find("body")
    if root.tag.lower() != "opml" or body is None:
        raise InputError(f"{name}: not an OPML file (its root is <{root.tag}>)", "export the list as OPML")
    parsed: Any = listparser.parse(data)  # bytes: given a str that is a URL, listparser would fetch it
    sites = {_attr(o, "xmlurl").strip(): _attr(o, "htmlurl").strip() for o in body.iter("outline")}
    feeds: dict[str, OpmlFeed] = {}
    for feed in parsed.feeds:
        url = _web(str(feed.url))
        if url and url not in feeds:
            site = _web(sites.get(str(feed.url), "")) or None
            feeds[url] = OpmlFeed(url, str(feed.title) or None, site, _category(feed.get("categories") or []))
    everything = list(body.iter("outline"))
    outlines = [o for o in everything if _attr(o, "xmlurl").strip()]
    folders = [o for o in everything if o not in outlines and (len(o) or not _names_a_page(o))]
    usable = sum(bool(_web(_attr(o, "xmlurl").strip())) for o in outlines)
    return OpmlList(
        feeds=tuple(feeds.values()),
        outlines=len(outlines),
        duplicates=usable - len(feeds),
        skipped=len(everything) - len(folders) - usable,
        folders=len(folders),
    )


def _names_a_page(outline: ElementTree.Element) -> bool:
    """A link, an include or a site without a feed: an outline that is neither a feed nor a folder."""
    return any(_attr(outline, key).strip() for key in ("htmlurl", "url")) or _attr(outline, "type") in (
        "link",
        "include",
    )


def _strict(data: bytes, name: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        line, _ = exc.position
        problem = str(exc).split(":", 1)[0]
        raise InputError(f"{name}:{line}: broken OPML ({problem})", _FIX) from None


def _attr(outline: ElementTree.Element, key: str) -> str:
    """An attribute by its name in any case (exports write xmlUrl, xmlurl and XMLURL)."""
    return next((v for k, v in outline.attrib.items() if k.lower() == key), "")


def _web(url: str) -> str:
    """A feed URL as digest fetches it: feed:// is http://; anything not on the web is none."""
    url = url.strip()
    if url.lower().startswith("feed://"):
        url = "http://" + url[len("feed://") :]
    return url if is_web_url(url) else ""


def _category(categories: Sequence[Sequence[str]]) -> str | None:
    """The first folder path listparser found for the feed, as "Tech/AI"."""
    for path in categories:
        parts = [str(p).strip().replace("/", "-") for p in path if str(p).strip()]
        if parts:
            return "/".join(parts)
    return None


def write_opml(feeds: Sequence[OpmlFeed], title: str, created: datetime) -> str:
    """OPML 2.0: one outline per feed (text, title, type, xmlUrl, htmlUrl), inside folders by category."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    ElementTree.SubElement(head, "dateCreated").text = format_datetime(created)
    body = ElementTree.SubElement(root, "body")
    folders: dict[tuple[str, ...], ElementTree.Element] = {(): body}
    for feed in feeds:
        parent = _folder(folders, tuple(p for p in (feed.category or "").split("/") if p.strip()))
        name = feed.title or feed.url
        attributes = {"type": "rss", "text": name, "title": name, "xmlUrl": feed.url}
        if feed.site:
            attributes["htmlUrl"] = feed.site
        ElementTree.SubElement(parent, "outline", attributes)
    ElementTree.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def _folder(folders: dict[tuple[str, ...], ElementTree.Element], path: tuple[str, ...]) -> ElementTree.Element:
    if path not in folders:
        parent = _folder(folders, path[:-1])
        folders[path] = ElementTree.SubElement(parent, "outline", {"text": path[-1], "title": path[-1]})
    return folders[path]
