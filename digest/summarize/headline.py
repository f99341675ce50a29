"""The story's headline: one original article's title, and that article, so the headline links where it says."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence

from digest.models import Article
from digest.summarize.sentences import clean_sentences, is_timestamp, lowercase_names, standfirst

_SUFFIX = re.compile(r"(?:\s+[|\-–—:]|\s*[|\-–—])\s+([^|\-–—:]{2,40})$")


def clean_headline(title: str, outlet: str | None = None) -> str:
    """Drop a trailing site name (" - The Verge", " | Outlet", "high- The Economic Times") from a title."""
    match = _SUFFIX.search(title)
    if match:
        suffix = match.group(1).strip()
        if (outlet and suffix.lower() == outlet.lower()) or len(suffix.split()) <= 3:
            return title[: match.start()].strip()
    return title.strip()


def headline(
    originals: Sequence[Article],
    closeness: Callable[[str], float],
    language: str | None = None,
    heads: Collection[str] = (),
) -> tuple[str, Article | None]:
    """The title closest to what the coverage says most (`closeness`), and the article it is the title of.

    Only originals are given: a copy's title never heads a story, nor a site's name or a date (`headlined`).
    Articles whose ids are in `heads` (those on the digest's topic) are preferred when one has a title: a story
    that came in by one of its articles is headed by it, so the reader sees why it is in the digest. With no
    title at all, the first clean sentence stands in (else an item's standfirst, the summary's own fallback),
    and its article is the one linked.
    """
    titled = headlined(originals)
    titled = [a for a in titled if a.id in heads] or titled
    if not titled:
        return _first_statement(originals, language)
    cleaned = [clean_headline(a.title or "", a.outlet) for a in titled]
    scores = [closeness(title) for title in cleaned]
    best = max(range(len(titled)), key=lambda i: (scores[i], -i))
    return cleaned[best], titled[best]


def _first_statement(originals: Sequence[Article], language: str | None) -> tuple[str, Article | None]:
    for article in originals:
        names = lowercase_names(article.outlet)
        found = next(clean_sentences(article.text, language, names), None) or standfirst(
            article.text, None, language, names
        )
        if found:
            return found, article
    return "Untitled", originals[0] if originals else None


def headlined(originals: Sequence[Article]) -> list[Article]:
    """The articles whose title may head the story: a title that several articles carry is the site's name on
    every page (unless it is all there is), and one that is only a date or a time says nothing of the story."""
    named = [a for a in originals if a.title and not is_timestamp(a.title)]
    titles = Counter(a.title for a in named)
    return [a for a in named if titles[a.title] == 1] or named


def first_dated(articles: Sequence[Article]) -> Article | None:
    return next(iter(by_date(articles)), None)


def by_date(articles: Sequence[Article]) -> list[Article]:
    """The dated articles, the first published first (ties in the order of their ids)."""
    return sorted((a for a in articles if a.published), key=lambda a: (a.published, a.id))
