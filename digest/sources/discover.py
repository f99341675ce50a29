"""A site's feeds: those its page advertises (`<link rel="alternate" type="application/rss+xml">`, Atom, JSON
Feed), else the usual places sites keep one. Pure: the caller fetches (manage.py through pipeline.probe)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"})
USUAL_PATHS = ("feed", "rss.xml", "atom.xml", "index.xml", "feed.xml", "rss")
_HEAD_BYTES = 500_000  # the links are in the head; a huge page is not read to its end


@dataclass(frozen=True)
class FeedLink:
    url: str
    title: str | None = None


def feed_links(page: bytes, base: str) -> list[FeedLink]:
    """The feeds a page links to as alternates, in page order, each once, made absolute against the page."""
    finder = _LinkFinder(base)
    finder.feed(page[:_HEAD_BYTES].decode("utf-8", "replace"))
    finder.close()
    return list({link.url: link for link in finder.links}.values())


def usual_feed_urls(page: str) -> list[str]:
    """Where sites keep a feed: beside the page (a blog under /blog/), then at the site's root."""
    parts = urlsplit(page)
    root = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
    bases = [urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", "")), root]
    return list(dict.fromkeys(urljoin(base, path) for base in bases for path in USUAL_PATHS))


class _LinkFinder(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[FeedLink] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key.lower(): (value or "").strip() for key, value in attrs}
        if tag == "base" and values.get("href"):
            self.base = urljoin(self.base, values["href"])
        if tag != "link" or not values.get("href"):
            return
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES:
            title = " ".join(html.unescape(values.get("title", "")).split()) or None
            self.links.append(FeedLink(urljoin(self.base, values["href"]), title))
