"""What every feed entry needs, whatever the format: a canonical absolute URL, an id, an outlet."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import PurePath
from urllib.parse import parse_qs, urljoin, urlsplit

from digest import text as textlib
from digest.errors import ParseError
from digest.models import Article, Document, host, is_web_url
from digest.parse.clean import canonical_url
from digest.text import count


def base_url(document: Document) -> str | None:
    return document.location if "://" in document.location else None


def outlet_of(document: Document, names: Sequence[str], site: str | None) -> str:
    """The outlet of a feed's entries: the configured name, else the feed's site name (`names`: the channel's
    image title, then its title, as readers know it once cleaned), else the host of the site's link (`site`)
    or of the feed's URL, else the file's name. An item's own publisher is `entry_outlet`'s."""
    base = base_url(document)
    home = site if site and "://" in site else base
    named = next((n for n in (site_name(name, host(home)) for name in names) if n), "")
    return document.source.outlet or named or host(home) or host(base) or PurePath(document.location).stem


def entry_outlet(document: Document, publisher: str, feed_outlet: str) -> str:
    """An item that names its publisher (`<source>` in RSS and Atom, as news search, planets and aggregators
    write) is credited to it; only the source's configured `outlet` overrides that."""
    return document.source.outlet or textlib.one_line(publisher) or feed_outlet


def without_publisher(value: str | None, publisher: str, separators: Sequence[str] = (" - ",)) -> str | None:
    """A title (or teaser) with the publisher's name its aggregator appends ("Headline - The Ledger") taken off."""
    name = textlib.one_line(publisher)
    for separator in separators if name else ():
        suffix = separator + name
        if value and value.endswith(suffix) and len(value) > len(suffix):
            return value[: -len(suffix)].rstrip()
    return value


# Words a feed's title adds to its site's name: the format, and "latest news" in the languages feeds come in.
_FORMAT = re.compile(r"\b(?:rss|atom)(?:[\s-]*\d+(?:\.\d+)*)?(?:[\s-]*(?:feeds?|channel))?\b", re.I)
_GENERIC = (
    r"(?:the\s+)?front\s+page(?:\s+of\s+the\s+internet)?|home(?:\s*page)?|(?:the\s+)?latest(?:\s+(?:news|"
    r"headlines|stories|posts|articles))?|top\s+(?:news|stories|headlines)|all\s+(?:posts|content|stories|"
    r"articles)|news\s+feed|headlines|neueste\s+meldungen|aktuelle\s+nachrichten|[úu]ltimas\s+not[íi]cias|"
    r"[úu]ltimas\s+noticias|derni[èe]res\s+(?:nouvelles|actualit[ée]s)|ultime\s+notizie"
)
_GENERIC_PART = re.compile(rf"(?:{_GENERIC})", re.I)
_GENERIC_TAIL = re.compile(rf"\s+(?:-\s+)?(?:{_GENERIC})$", re.I)
# " | ", " - ", " – ", " — ", " > ", " » ", " · ", " :: " between words, and a colon after one.
_SEPARATOR = re.compile(r"\s+(?:[|>»·–—-]|::?)\s+|(?<=\w):\s+")


def site_name(title: str, home_host: str | None) -> str:
    """A feed's title cleaned to its site's name: "reddit: the front page of the internet" -> "reddit",
    "heise developer neueste Meldungen" -> "heise developer", "Technology | The Guardian" -> "The Guardian".

    The title is cut at its separators; of the parts left once the generic ones go, the one that names the
    site's host wins (sections come before or after the name), else the first.
    """
    parts = []
    for part in _SEPARATOR.split(_FORMAT.sub(" ", textlib.one_line(title))):
        part = _GENERIC_TAIL.sub("", " ".join(part.split())).strip(" -|:,;")
        if part and not _GENERIC_PART.fullmatch(part):
            parts.append(part)
    if not parts:
        return ""
    return next((part for part in parts if textlib.names_host(part, home_host)), parts[0])


def entry_url(link: str, base: str | None) -> str | None:
    """The entry's link made absolute against the feed's URL; None when it has none (never the feed's own URL)."""
    link = link.strip()
    if not link:
        return None
    return canonical_url(urljoin(base, link) if base else link) or None


def publisher_url(link: str) -> str:
    """The publisher's own article URL that a news search's redirect link carries in its `url` parameter (Bing
    News: `.../apiclick.aspx?...&url=https%3a%2f%2fpublisher...`), so the article is the one its publisher's
    own feed gives; the link as it is when it carries none (Google News encodes it: its page is all we have)."""
    try:
        query = parse_qs(urlsplit(link.strip()).query)
    except ValueError:
        return link
    target = next(iter(query.get("url", [])), "")
    return target if is_web_url(target) else link


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
