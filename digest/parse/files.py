"""Local articles: .txt, .md and .html files with optional front matter (title, outlet, url, published)."""

from __future__ import annotations

import re
from pathlib import PurePath

from digest import language
from digest import text as textlib
from digest.models import Article, Document, host, parse_iso
from digest.parse.clean import canonical_url, html_language, html_title, html_to_text
from digest.parse.entries import content_id

_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


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
        meta.setdefault("title", html_title(body))
        meta.setdefault("language", html_language(body))
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
    outlet = meta.get("outlet") or meta.get("site") or host(url) or meta.get("source") or document.source.outlet
    try:
        published = parse_iso(meta.get("published") or meta.get("date"))
    except ValueError:
        published = None
    return Article(
        id=content_id(url or document.location),
        text=body,
        url=url,
        outlet=outlet or path.stem,
        title=textlib.one_line(title) or path.stem,
        published=published,
        language=language.normalize(meta.get("language") or meta.get("lang")),
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
        if textlib.reads_like_headline(line):
            rest = "\n".join(lines[index + 1 :]).strip()
            return line, rest.removeprefix(line).strip(), byline
        if line.endswith(("•", "|", "·")) and len(line.split()) <= 5:
            byline = line.rstrip("•|· ").strip()
    first, _, rest = text.partition("\n")
    return first.strip(), rest.strip(), ""


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
