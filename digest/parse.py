"""Bytes -> Articles: feeds through feedparser (hardened), local .txt/.md/.html files with front matter.

Feeds are parsed from bytes only: feedparser treats a str as a location and would read or fetch it.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser

from digest.errors import ParseError
from digest.models import Article, Document, parse_iso

# feedparser's loose parser expands a DOCTYPE's internal entities; a quadratic blowup turns 130 KB into gigabytes.
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", re.S | re.I)
_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|mc_cid|mc_eid|ref_src)$", re.I)
_BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section", "article"}
_SKIP = {"script", "style", "noscript", "template", "iframe", "object", "svg", "head"}
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_FILE_TYPES = {".txt", ".md", ".markdown", ".html", ".htm"}
_FEED_TYPES = {".xml", ".rss", ".atom", ".rdf", ".feed"}


def parse(document: Document) -> tuple[list[Article], list[str]]:
    """Articles in one document, and warnings about it. Raises ParseError when it holds none."""
    suffix = PurePath(document.location).suffix.lower()
    if suffix in _FILE_TYPES and not _looks_like_feed(document.data):
        return [parse_file(document)], []
    return parse_feed(document)


def _looks_like_feed(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith(b"<?xml") or b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def parse_feed(document: Document) -> tuple[list[Article], list[str]]:
    data = _DOCTYPE.sub(b"", document.data, count=1)
    base = document.location if "://" in document.location else None
    headers = {"content-type": "application/xml"} | ({"content-location": base} if base else {})
    parsed: Any = feedparser.parse(data, response_headers=headers, sanitize_html=True)
    warnings = []
    if parsed.bozo:
        problem = _one_line(str(parsed.get("bozo_exception", "malformed")))
        if not parsed.entries:
            raise ParseError(
                document.location, f"not a feed ({problem})", "check that the URL points at an RSS/Atom feed"
            )
        warnings.append(f"{document.location}: malformed feed, read {len(parsed.entries)} entries anyway ({problem})")
    if not parsed.entries and not parsed.get("version"):
        raise ParseError(document.location, "not a feed (no RSS or Atom found)", "check the URL points at a feed")
    if not parsed.entries:
        raise ParseError(document.location, "the feed has no entries", "check the feed URL; it may be empty for now")
    feed_title = _clean_line(parsed.feed.get("title", ""))
    outlet = document.source.outlet or feed_title or _host(base) or PurePath(document.location).stem
    articles = [_entry(entry, outlet, base) for entry in parsed.entries]
    usable = [a for a in articles if a.title or a.url or a.text]
    if len(usable) < len(articles):
        warnings.append(
            f"{document.location}: skipped {len(articles) - len(usable)} entries with no title, link or text"
        )
    if not usable:
        raise ParseError(document.location, "no entry has a title, link or text", "check the feed at its source")
    return usable, warnings


def _entry(entry: Any, outlet: str, base: str | None) -> Article:
    link = entry.get("link") or ""
    url = canonical_url(urljoin(base, link) if base else link) or None
    title = _clean_line(html.unescape(entry.get("title", ""))) or None
    contents = [c.get("value", "") for c in entry.get("content", [])]
    body = max(contents, key=len) if contents else ""
    summary = entry.get("summary", "")
    text = html_to_text(body if len(body) >= len(summary) else summary)
    published = _entry_date(entry)
    identity = url or entry.get("id") or text
    return Article(id=_digest(identity), text=text, url=url, outlet=outlet, title=title, published=published)


def _entry_date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, key)  # entry.get() would warn about feedparser's own updated->published fallback
        if value:
            year, month, day, hour, minute, second = value[:6]
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return None


def parse_file(document: Document) -> Article:
    """One local article: optional front matter (title, outlet/source, url, published), else first line = title."""
    try:
        raw = document.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raw = document.data.decode("latin-1")
    raw = raw.replace("\r\n", "\n")
    meta, body = _front_matter(raw)
    path = PurePath(document.location)
    if path.suffix.lower() in {".html", ".htm"}:
        meta.setdefault("title", _html_title(body))
        body = html_to_text(body)
    else:
        # Scraped .txt articles carry markdown links too; plain prose is unchanged by this.
        body = markdown_to_text(body)
    body = body.strip()
    title = meta.get("title")
    if not title:
        title, body, byline = _headline_and_body(body)
        meta.setdefault("source", byline)
    url = canonical_url(meta.get("url", "")) or None
    outlet = meta.get("outlet") or meta.get("site") or _host(url) or meta.get("source") or document.source.outlet
    try:
        published = parse_iso(meta.get("published") or meta.get("date"))
    except ValueError:
        published = None
    return Article(
        id=_digest(url or document.location),
        text=body,
        url=url,
        outlet=outlet or path.stem,
        title=_clean_line(title) or path.stem,
        published=published,
    )


def _headline_and_body(text: str) -> tuple[str, str, str]:
    """Without front matter the headline is the first line that reads like one: (title, body, byline).

    Scraped pages start with furniture (a byline like "Name •", a navigation bar of lowercase section names);
    those lines go, and so does a repeat of the headline as the first paragraph. A short line ending in a
    bullet is a byline, the best outlet name such a file offers.
    """
    lines = text.split("\n")
    byline = ""
    for index, line in enumerate(lines[:8]):
        line = line.strip()
        if _reads_like_headline(line):
            rest = "\n".join(lines[index + 1 :]).strip()
            return line, rest.removeprefix(line).strip(), byline
        if line.endswith(("•", "|", "·")) and len(line.split()) <= 5:
            byline = line.rstrip("•|· ").strip()
    first, _, rest = text.partition("\n")
    return first.strip(), rest.strip(), ""


def _reads_like_headline(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 30 and line != line.lower() and not line.endswith(("•", "|", "·"))


def _front_matter(raw: str) -> tuple[dict[str, str], str]:
    match = _FRONT.match(raw)
    if not match:
        return {}, raw
    meta = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not line.startswith((" ", "\t")):
            meta[key.strip().lower()] = _unquote(value.strip())
    return meta, raw[match.end() :]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        inner = value[1:-1]
        return inner.replace('\\"', '"') if value[0] == '"' else inner
    return value


def markdown_to_text(text: str) -> str:
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images carry no prose
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"^\s{0,3}#{1,6}\s+", "", text, flags=re.M)
    text = re.sub(r"^\s*[-*+]\s{1,4}", "", text, flags=re.M)
    return text


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment, one paragraph per block, whitespace normalized."""
    if "<" not in markup:
        return _paragraphs(html.unescape(markup).split("\n\n"))
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return _paragraphs("".join(extractor.parts).split("\n\n"))


def _paragraphs(chunks: Iterable[str]) -> str:
    return "\n\n".join(p for p in (" ".join(c.split()) for c in chunks) if p)


def _html_title(markup: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", markup, re.S | re.I)
    return html.unescape(match.group(1)) if match else ""


def _clean_line(value: str) -> str:
    """A title: no tags, no control characters (CR/LF in a title must never reach a header)."""
    value = re.sub(r"<[^>]*>", "", value)
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", value).split())


def _one_line(value: str) -> str:
    return " ".join(value.split())[:200]


def canonical_url(url: str) -> str:
    """Strip tracking parameters and fragments, lowercase scheme and host; '' for non-http(s) links."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]
