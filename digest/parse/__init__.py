"""Bytes -> Articles: one job per module.

- `documents`: which reader a document goes to, by its source's kind (then, for local files, by the file's
  suffix): a table, never the location's spelling.
- `feeds`: RSS 0.9x/1.0/2.0 and Atom through feedparser, hardened (DOCTYPE removed, no sanitizer re-parse).
- `jsonfeed`: JSON Feed 1.0 and 1.1.
- `files`: local .txt/.md/.html articles with optional front matter.
- `entries`: what every feed entry needs (its URL made absolute and canonical, its id, its outlet).
- `clean`: HTML and markdown to paragraphs of text; canonical URLs.
- `sources`: each fetched source to an Ingested record (`ingest`); many of them on a process pool.
- `fulltext`: teasers filled in from their pages' main text (trafilatura); the pages come through fetch.

Feeds are parsed from bytes only: feedparser treats a str as a location and would read or fetch it. feedparser's
own sanitizer and relative-link rewriting are off: both re-parse every entry's HTML in pure Python (most of its
time on HTML-rich feeds) while we keep no markup; nh3 sanitizes instead, and links are resolved here against
the feed's URL. Parse never touches the network: full text is a round trip through fetch
(`full_text_urls` -> fetch.fetch_all -> `apply_full_text`).
"""

from digest.parse.clean import canonical_url, html_to_text
from digest.parse.documents import parse
from digest.parse.fulltext import apply_full_text, extract_full_text, full_text_urls, page_text
from digest.parse.sources import ingest, parse_all, parser_processes

__all__ = [
    "apply_full_text",
    "canonical_url",
    "extract_full_text",
    "full_text_urls",
    "html_to_text",
    "ingest",
    "page_text",
    "parse",
    "parse_all",
    "parser_processes",
]
