"""HTML and markdown to paragraphs of plain text (nh3 sanitizes), and canonical URLs."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import nh3

from digest import text as textlib

_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|ref_src|_hsenc|_hsmi)$", re.I)

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


def html_to_text(markup: str) -> str:
    """Visible text of HTML, sanitized by nh3: one paragraph per block, whitespace normalized, no markup left.

    nh3 (html5ever) keeps only block tags and drops scripts and styles with their content; its output is
    well-formed, so what remains of a tag is exactly `<...>` and becomes a paragraph break.
    """
    text = _visible(markup)
    # Some publishers escape their HTML twice (Reddit's text posts: `&amp;lt;div class=...`), so that one
    # unescaping leaves markup as text, whose words ("div", "href", "class") then tie unrelated posts together.
    # Text that opens with a tag or a comment is read as HTML once more; a mention of a tag inside a sentence
    # ("wrap it in a <div>") stays text.
    return _visible(text) if _OPENS_WITH_MARKUP.match(text) else text


def _visible(markup: str) -> str:
    if "<" not in markup:
        return paragraphs(control_free(html.unescape(markup)).split("\n\n"))
    blocks = _TAG.sub("\n\n", _CLEANER.clean(markup))
    return paragraphs(control_free(html.unescape(blocks)).split("\n\n"))


_OPENS_WITH_MARKUP = re.compile(r"\s*<(?:!--|/?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>)")


def paragraphs(chunks: Iterable[str]) -> str:
    return "\n\n".join(p for p in (" ".join(c.split()) for c in chunks) if p)


def control_free(value: str) -> str:
    """Control characters (NUL, ESC, ...) go; newlines and tabs stay, for paragraphs."""
    return _CONTROL.sub(" ", value)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def html_title(markup: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", markup, re.S | re.I)
    return html.unescape(match.group(1)) if match else ""


_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([\w-]+)", re.I)


def html_language(markup: str) -> str:
    """The `lang` of a page's <html> element, as written ('' when it has none)."""
    match = _HTML_LANG.search(markup[:4096])
    return match[1] if match else ""


def library_error(value: str) -> str:
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
