"""The story's headline: one original article's title, and that article, so the headline links where it says."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence

from digest import text as textlib
from digest.models import Article, host
from digest.summarize.sentences import clean_sentences, is_boilerplate, is_timestamp, lowercase_names, standfirst

_BYLINE = re.compile(r"(?:By|BY|Von|Par|Por)\s+[A-ZÀ-Ý]")  # "By REIJI YOSHIDA Staff writer"; not "By the numbers"
_BARS = re.compile(r"[|·•»]")
_FORMAT = re.compile(
    r"(?:live(?:\s+blog)?|as\s+it\s+happened|videos?|audio|podcast|(?:in\s+)?pictures|photos|gallery)\W*", re.I
)
_SUFFIX = re.compile(r"(?:\s+[|\-–—:]|\s*[|\-–—])\s+([^|\-–—:]{2,40})$")


def clean_headline(title: str, outlet: str | None = None, url: str | None = None) -> str:
    """A title without what its publisher appends that is no part of the headline: the site's name (" - The
    Verge", " | Outlet", "high- The Economic Times": the outlet, or a name of the article's host) or the page's
    format ("– live!", "– video", "- in pictures"). Any other tail is the headline's own ("Taverncast 62 -
    Temporal Anomaly", "... return home – to what?", "... | Cas Mudde", a column's author)."""
    match = _SUFFIX.search(title)
    if match and _appended(match.group(1).strip(), outlet, url):
        return title[: match.start()].strip()
    return title.strip()


def _appended(suffix: str, outlet: str | None, url: str | None) -> bool:
    if _FORMAT.fullmatch(suffix):
        return True
    named = bool(outlet) and suffix.casefold() == (outlet or "").casefold()
    return named or textlib.names_host(suffix, host(url)) or textlib.names_host(suffix, _as_host(outlet))


def _as_host(outlet: str | None) -> str | None:
    """An outlet named by its host ("news.bbc.co.uk"), as WikinewsSum's and a bare feed's are."""
    return outlet if outlet and "." in outlet and " " not in outlet else None


def headline(
    found: Sequence[tuple[str, Article]], closeness: Callable[[str], float], heads: Collection[str] = ()
) -> tuple[str, Article]:
    """Of a story's `headings` (at least one), the one closest to what the coverage says most (`closeness`),
    and the article it heads.

    Only originals head a story: a copy's title never does, nor a site's name or a date (`headings`). Articles
    whose ids are in `heads` (those on the digest's topic) are preferred when one has a heading: a story that
    came in by one of its articles is headed by it, so the reader sees why it is in the digest. A story with no
    heading at all is headed by its `first_statement`.
    """
    found = [(text, a) for text, a in found if a.id in heads] or found
    scores = [closeness(text) for text, _ in found]
    best = max(range(len(found)), key=lambda i: (scores[i], -i))
    return found[best]


def first_statement(originals: Sequence[Article], language: str | None) -> tuple[str, Article | None]:
    """What heads a story with no heading (`headings`): its first clean sentence, else an item's standfirst, and
    its article, the one linked."""
    for article in originals:
        names = lowercase_names(article.outlet)
        found = next(clean_sentences(article.text, language, names), None) or standfirst(
            article.text, None, language, names
        )
        if found:
            return found, article
    return "Untitled", originals[0] if originals else None


def headings(originals: Sequence[Article]) -> list[tuple[str, Article]]:
    """What may head the story, each with the article it heads, in the originals' order: each title (cleaned),
    but not one that several articles carry (the site's name on every page, unless it is all there is) nor one
    that is only a date or a time; an article without such a title is headed by the headline its text opens
    with, if it opens with one (SI's NBA brawl page, titled "Saturday November 20, 2004 6:23PM", opens with
    "Ugly brawl leads to four indefinite suspensions")."""
    named = [a for a in originals if a.title and not is_timestamp(a.title)]
    shared = Counter(a.title for a in named)
    found = []
    for article in originals:
        if article.title and not is_timestamp(article.title) and shared[article.title] == 1:
            found.append((clean_headline(article.title or "", article.outlet, article.url), article))
        elif opening := opening_headline(article.text, article.title):
            found.append((opening, article))
    return found or [(clean_headline(a.title or "", a.outlet, a.url), a) for a in named]


def opening_headline(text: str, title: str | None = None) -> str:
    """The headline a page's text opens with ("" if none): a first line that reads like one and is not a
    sentence (no final stop), a date, a byline, page furniture ("Leave a Reply") or a bar of sections and dates
    ("Sports · December 5, 2021"), nor the page's own `title` again (a site's name, or a title other pages
    carry too)."""
    first, _, rest = text.strip().partition("\n")
    line = first.strip()
    if not rest.strip() or not textlib.reads_like_headline(line) or line.endswith((".", "!", ",", ";", ":")):
        return ""
    furniture = is_timestamp(line) or is_boilerplate(line) or _BYLINE.match(line) or _BARS.search(line)
    return "" if furniture or _same(line, title or "") else line


def _same(first: str, second: str) -> bool:
    return textlib.one_line(first).casefold() == textlib.one_line(second).casefold()


def first_dated(articles: Sequence[Article]) -> Article | None:
    return next(iter(by_date(articles)), None)


def by_date(articles: Sequence[Article]) -> list[Article]:
    """The dated articles, the first published first (ties in the order of their ids)."""
    return sorted((a for a in articles if a.published), key=lambda a: (a.published, a.id))
