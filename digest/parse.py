"""Bytes -> Articles: RSS/Atom through feedparser (hardened), JSON Feed, local .txt/.md/.html files.

Feeds are parsed from bytes only: feedparser treats a str as a location and would read or fetch it. feedparser's
own sanitizer and relative-link rewriting are off: both re-parse every entry's HTML in pure Python (most of its
time on HTML-rich feeds) while we keep no markup; nh3 sanitizes instead, and links are resolved here against
the feed's URL.

`parse_all` turns FetchResults into Ingested records; full text for teasers is a round trip through fetch:
`full_text_urls` -> fetch.fetch_all -> `apply_full_text` (parse only extracts; it never touches the network).
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
import nh3

from digest import text as textlib
from digest.errors import ParseError
from digest.models import Article, Document, FetchResult, Ingested, Source, parse_iso

# feedparser's loose parser expands a DOCTYPE's internal entities; a quadratic blowup turns 130 KB into gigabytes.
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", re.S | re.I)
_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|ref_src|_hsenc|_hsmi)$", re.I)
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_FILE_TYPES = {".txt", ".md", ".markdown", ".html", ".htm"}
_FEED_LINK = re.compile(rb"<link\b[^>]*\btype\s*=\s*[\"']application/(?:rss|atom|feed)\+(?:xml|json)[\"'][^>]*>", re.I)
_HREF = re.compile(rb"\bhref\s*=\s*[\"']([^\"']+)[\"']", re.I)
TEASER_WORDS = 80
PARALLEL_FROM = 50

# Tags that end a paragraph survive sanitizing and then become paragraph breaks; every other tag goes, keeping
# its text, except these, which go with their content.
_BLOCK_TAGS = {
    "p", "div", "br", "li", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "table",
    "section", "article", "header", "footer", "figcaption", "hr", "ul", "ol",
}  # fmt: skip
_DROPPED_TAGS = {
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "head", "title",
    "button", "select", "textarea",
}  # fmt: skip
_CLEANER = nh3.Cleaner(tags=_BLOCK_TAGS, clean_content_tags=_DROPPED_TAGS, attributes={}, link_rel=None)
_TAG = re.compile(r"<[^>]*>")

logger = logging.getLogger(__name__)


def parse(document: Document) -> tuple[list[Article], list[str]]:
    """Articles in one document, and warnings about it. Raises ParseError when it holds none."""
    suffix = PurePath(document.location).suffix.lower()
    if suffix in _FILE_TYPES and not _looks_like_feed(document.data):
        return [parse_file(document)], []
    if _looks_like_json(document.data):
        return parse_json_feed(document)
    return parse_feed(document)


def _looks_like_feed(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith(b"<?xml") or b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def _looks_like_json(data: bytes) -> bool:
    return data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


# -- several sources ----------------------------------------------------------------------------------------------


def parse_all(
    results: Iterable[FetchResult], *, workers: int = 1, progress: Callable[[Ingested], None] | None = None
) -> list[Ingested]:
    """Parse each fetched source as it arrives (pass fetch.fetch_each to overlap parsing with the network).

    With `workers` > 1 the parsing runs on that many processes (see `parser_processes`): feedparser is pure
    Python, so threads would not help. bench/ingest.py, 200 feeds of 50 items on 2 cores: 1.8 s on two
    processes against 2.9 s on one while a core was free, but 3.8 s against 3.1 s while other work held it.
    """
    parsed = _in_processes(results, workers) if workers > 1 else map(ingest, results)
    items = []
    for item in parsed:
        if progress:
            progress(item)
        items.append(item)
    return items


def parser_processes(sources: int) -> int:
    """The `workers` for parse_all: one per core from PARALLEL_FROM sources on, else one.

    Starting the processes costs 0.2-0.4 s, the time to parse about 30 feeds of 50 items.
    """
    return max(1, os.cpu_count() or 1) if sources >= PARALLEL_FROM else 1


def _in_processes(results: Iterable[FetchResult], workers: int) -> Iterator[Ingested]:
    """Ingested records in the order their parsing ends; failed fetches skip the round trip."""
    # forkserver, not fork: fetching threads are running, and forking a threaded process can deadlock the child.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["digest.parse"])
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: dict[Future[Ingested], FetchResult] = {}
        for result in results:
            if result.outcome != "ok":
                yield ingest(result)
                continue
            try:
                pending[pool.submit(ingest, result)] = result
            except BrokenProcessPool as exc:
                yield _died(result, exc)
            for future in [f for f in pending if f.done()]:
                yield _collected(future, pending.pop(future))
        for future in as_completed(pending):
            yield _collected(future, pending[future])


def _collected(future: Future[Ingested], result: FetchResult) -> Ingested:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        return _died(result, exc)


def _died(result: FetchResult, exc: BrokenProcessPool) -> Ingested:
    """A parser process was killed (out of memory, a crash in a C extension): its sources fail, the run goes on."""
    return Ingested(result, error=f"the parser process died ({exc})", hint=_BUG)


def ingest(result: FetchResult) -> Ingested:
    """One fetched source's articles; a document that fails is a warning while others in the source succeed.

    The record keeps the FetchResult without its documents: once parsed the bytes are dead weight (up to the
    byte cap per source), so a run only ever holds the documents still being parsed.
    """
    if result.outcome != "ok":
        return Ingested(result, error=result.error, hint=result.hint)
    articles: list[Article] = []
    warnings: list[str] = []
    failures: list[ParseError] = []
    for document in result.documents:
        try:
            found, notes = parse(document)
        except ParseError as error:
            failures.append(error)
            continue
        except Exception as exc:  # a feed that trips a bug here or in feedparser must not stop the run
            logger.exception("parsing %s failed unexpectedly", document.location)
            failures.append(ParseError(document.location, f"unreadable ({type(exc).__name__})", _BUG))
            continue
        articles.extend(found)
        warnings.extend(notes)
    fetched = replace(result, documents=())
    if failures and not articles:
        first = failures[0]
        return Ingested(fetched, warnings=tuple(warnings), error=_message(first, result.source), hint=first.hint)
    warnings.extend(str(error) for error in failures)
    return Ingested(fetched, tuple(articles), tuple(warnings), teasers=_teasers(result.source, articles))


def _teasers(source: Source, articles: list[Article]) -> tuple[str, ...]:
    """Articles of a web feed whose page should be read: all with `full_text`, else those under TEASER_WORDS.

    Local files and folders are taken as they are: their links may be made up (the offline sample corpus),
    and reading them must never go to the network.
    """
    if not source.location.lower().startswith(("http://", "https://")):
        return ()
    return tuple(a.id for a in articles if a.url and (source.full_text or len(a.text.split()) < TEASER_WORDS))


_BUG = "this is a bug in digest; report it with the feed attached"


def _message(error: ParseError, source: Source) -> str:
    """The error without the location when it is the source's own (the record already names the source)."""
    return error.message.removeprefix(f"{source.location}: ")


# -- full text ----------------------------------------------------------------------------------------------------


def full_text_urls(items: Iterable[Ingested], cache: Mapping[str, str]) -> list[str]:
    """Pages to fetch for full text: the teasers' URLs that the cache of extracted pages lacks, each once."""
    urls: dict[str, None] = {}
    for item in items:
        wanted = set(item.teasers)
        urls.update((a.url, None) for a in item.articles if a.id in wanted and a.url and a.url not in cache)
    return list(urls)


def apply_full_text(
    items: Sequence[Ingested], pages: Iterable[FetchResult], cache: MutableMapping[str, str]
) -> list[Ingested]:
    """Teasers filled in from their pages' main text (cached by URL); a page that failed leaves its teaser."""
    for page in pages:
        if page.outcome == "ok" and page.documents:
            cache[page.source.location] = page_text(page.documents[0].data, page.source.location)
    return [_filled(item, cache) for item in items]


def _filled(item: Ingested, cache: Mapping[str, str]) -> Ingested:
    if not item.teasers:
        return item
    wanted = set(item.teasers)
    articles = tuple(
        _longer(a, cache[a.url]) if a.id in wanted and a.url and a.url in cache else a for a in item.articles
    )
    return replace(item, articles=articles)


def extract_full_text(article: Article, page: bytes) -> Article:
    """The article with its page's main text, when that says more than the feed did."""
    return _longer(article, page_text(page, article.url))


def page_text(page: bytes, url: str | None = None) -> str:
    """The main text of an article page (trafilatura), one paragraph per block; '' when none is found."""
    import trafilatura  # imported here: it takes a third of a second, and only full-text sources need it

    extracted = trafilatura.extract(
        page, url=url, include_comments=False, include_tables=False, favor_precision=True, deduplicate=False
    )
    return _paragraphs((extracted or "").split("\n"))


def _longer(article: Article, text: str) -> Article:
    return replace(article, text=text) if len(text.split()) > len(article.text.split()) else article


# -- RSS and Atom -------------------------------------------------------------------------------------------------


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
        raise _not_a_feed(document, _one_line(str(parsed.get("bozo_exception", "malformed"))))
    if parsed.bozo:
        problem = _one_line(str(parsed.get("bozo_exception", "malformed")))
        warnings.append(f"{document.location}: malformed feed, read {len(parsed.entries)} entries anyway ({problem})")
    if not parsed.entries and not parsed.get("version"):
        raise _not_a_feed(document, "no RSS or Atom found")
    if not parsed.entries:
        raise ParseError(document.location, "the feed has no entries", "check the feed URL; it may be empty for now")
    base = _base(document)
    outlet = _outlet(document, _line_of(parsed.feed.get("title_detail")), base)
    articles = [_entry(entry, outlet, base, document.source.location) for entry in parsed.entries]
    return _usable(document, articles, warnings)


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
            url = urljoin(_base(document) or "", html.unescape(href.group(1).decode("utf-8", "replace")))
            return f"the page links to a feed: use {url} in [[sources]]"
    return "check that the URL points at an RSS/Atom feed, not a web page"


def _entry(entry: Any, outlet: str, base: str | None, feed: str) -> Article:
    url = _url(entry.get("link") or "", base)
    title = _line_of(entry.get("title_detail")) or None
    # The fullest of content and summary, chosen before conversion so only one is converted.
    details = [*entry.get("content", []), entry.get("summary_detail") or {}]
    text = _text_of(max(details, key=lambda d: len(d.get("value") or "")))
    return Article(
        id=_identity(url, entry.get("id"), feed, title, text),
        text=text,
        url=url,
        outlet=outlet,
        title=title,
        published=_entry_date(entry),
    )


def _line_of(detail: Any) -> str:
    return " ".join(_text_of(detail).split())


def _text_of(detail: Any) -> str:
    """Text of a feedparser text construct: HTML sanitized to paragraphs, plain text as it is."""
    if not detail:
        return ""
    value = str(detail.get("value") or "")
    if "html" in str(detail.get("type", "")):
        return html_to_text(value)
    return _paragraphs(_control_free(value).split("\n\n"))


def _entry_date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, key)  # entry.get() would warn about feedparser's own updated->published fallback
        if value:
            year, month, day, hour, minute, second = value[:6]
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return None


def _usable(document: Document, articles: list[Article], warnings: list[str]) -> tuple[list[Article], list[str]]:
    usable = [a for a in articles if a.title or a.url or a.text]
    if len(usable) < len(articles):
        warnings.append(
            f"{document.location}: skipped {len(articles) - len(usable)} entries with no title, link or text"
        )
    if not usable:
        raise ParseError(document.location, "no entry has a title, link or text", "check the feed at its source")
    return usable, warnings


# -- JSON Feed ----------------------------------------------------------------------------------------------------


def parse_json_feed(document: Document) -> tuple[list[Article], list[str]]:
    """JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1); fields of the wrong type count as missing."""
    try:
        feed = json.loads(document.data)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting thousands of levels deep
        raise ParseError(document.location, f"not a JSON Feed ({_one_line(str(exc))})", _JSON_HINT) from None
    if not isinstance(feed, dict) or not _string(feed.get("version")).startswith("https://jsonfeed.org/version/"):
        raise ParseError(document.location, "not a JSON Feed (no jsonfeed.org version)", _JSON_HINT)
    items = feed.get("items")
    if not isinstance(items, list) or not items:
        raise ParseError(document.location, "the feed has no entries", "check the feed URL; it may be empty for now")
    base = _base(document) or _string(feed.get("feed_url")) or None  # a local file's items resolve against its feed_url
    outlet = _outlet(document, textlib.one_line(_string(feed.get("title"))), base)
    warnings: list[str] = []
    skipped = sum(not isinstance(item, dict) for item in items)
    if skipped:
        warnings.append(f"{document.location}: skipped {skipped} items that are not JSON objects")
    articles = [_json_item(item, outlet, base, document.source.location) for item in items if isinstance(item, dict)]
    return _usable(document, articles, warnings)


_JSON_HINT = "check that the URL points at a feed (RSS, Atom or JSON Feed)"


def _json_item(item: dict[str, Any], outlet: str, base: str | None, feed: str) -> Article:
    url = _url(_string(item.get("url")) or _string(item.get("external_url")), base)
    title = textlib.one_line(_string(item.get("title"))) or None
    if _string(item.get("content_html")):
        text = html_to_text(_string(item.get("content_html")))
    else:
        text = _paragraphs(_control_free(_string(item.get("content_text") or item.get("summary"))).split("\n\n"))
    guid = item.get("id")
    return Article(
        id=_identity(url, str(guid) if isinstance(guid, str | int) else None, feed, title, text),
        text=text,
        url=url,
        outlet=outlet,
        title=title,
        published=_iso_date(_string(item.get("date_published")) or _string(item.get("date_modified"))),
    )


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _iso_date(value: str) -> datetime | None:
    try:
        return parse_iso(value)
    except ValueError:
        return None


# -- what every feed entry needs --------------------------------------------------------------------------------


def _base(document: Document) -> str | None:
    return document.location if "://" in document.location else None


def _outlet(document: Document, feed_title: str, base: str | None) -> str:
    """The configured name, else the feed's title, else the host, else the file's name."""
    return document.source.outlet or feed_title or _host(base) or PurePath(document.location).stem


def _url(link: str, base: str | None) -> str | None:
    """The entry's link made absolute against the feed's URL; None when it has none (never the feed's own URL)."""
    link = link.strip()
    if not link:
        return None
    return canonical_url(urljoin(base, link) if base else link) or None


def _identity(url: str | None, guid: str | None, feed: str, title: str | None, text: str) -> str:
    """The canonical URL; else the GUID, scoped to its feed (a GUID is only unique there); else the content."""
    if url:
        return _digest(url)
    if guid:
        return _digest(f"{feed}\n{guid}")
    return _digest(f"{feed}\n{title or ''}\n{text}")


# -- local files --------------------------------------------------------------------------------------------------


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
        title=textlib.one_line(title) or path.stem,
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


# -- text -----------------------------------------------------------------------------------------------------------


def html_to_text(markup: str) -> str:
    """Visible text of HTML, sanitized by nh3: one paragraph per block, whitespace normalized, no markup left.

    nh3 (html5ever) keeps only block tags and drops scripts and styles with their content; its output is
    well-formed, so what remains of a tag is exactly `<...>` and becomes a paragraph break.
    """
    if "<" not in markup:
        return _paragraphs(_control_free(html.unescape(markup)).split("\n\n"))
    blocks = _TAG.sub("\n\n", _CLEANER.clean(markup))
    return _paragraphs(_control_free(html.unescape(blocks)).split("\n\n"))


def _paragraphs(chunks: Iterable[str]) -> str:
    return "\n\n".join(p for p in (" ".join(c.split()) for c in chunks) if p)


def _control_free(value: str) -> str:
    """Control characters (NUL, ESC, ...) go; newlines and tabs stay, for paragraphs."""
    return _CONTROL.sub(" ", value)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _html_title(markup: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", markup, re.S | re.I)
    return html.unescape(match.group(1)) if match else ""


def _one_line(value: str) -> str:
    """A library's error message, short enough for our one-line errors."""
    return textlib.one_line(value)[:200]


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
