"""Which articles go in a digest: the topic query (digest.query), the age window, and one copy of each article."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from digest.models import Article
from digest.query import AllOf, AnyOf, Node, Not, Query, Term, parse_query

__all__ = ["AllOf", "AnyOf", "Node", "Not", "Query", "Term", "parse_query", "select"]


def select(
    articles: Iterable[Article],
    query: Query,
    *,
    now: datetime,
    max_age_days: int = 0,
    exclude: frozenset[str] = frozenset(),
) -> list[Article]:
    """On-topic articles, each once, not in `exclude` (already sent), not older than the window (0 = any age).

    Undated articles are kept: many scraped pages carry no date, and dropping them would lose stories.
    """
    oldest = now - timedelta(days=max_age_days) if max_age_days else None
    chosen: dict[str, Article] = {}
    for article in articles:
        if article.id in chosen or article.id in exclude:
            continue
        if oldest and article.published and article.published < oldest:
            continue
        if query.matches(article):
            chosen[article.id] = article
    return list(chosen.values())
