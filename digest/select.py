"""Which articles and stories go in a digest: the topic query (digest.query), the age window, one copy of each
article.

The topic picks stories, not articles. `window` keeps every article of the age window (less those already sent
and those the query rules out by a NOT), so that the cluster stage sees the day's news whatever the topic:
grouped on their own, a topic's articles make a small collection in which the topic's own words look common
and one story's pieces fall apart (issue 13). `on_topic` then keeps the stories one of whose articles matches;
its other articles come with it (a reaction that never repeats the keyword is still part of the story).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from digest.models import Article, Cluster
from digest.query import AllOf, AnyOf, Node, Not, Query, Term, parse_query

__all__ = ["AllOf", "AnyOf", "Node", "Not", "Query", "Term", "on_topic", "parse_query", "window"]


def window(
    articles: Iterable[Article],
    query: Query,
    *,
    now: datetime,
    max_age_days: int = 0,
    exclude: frozenset[str] = frozenset(),
) -> list[Article]:
    """The articles a digest may tell, each once: not in `exclude` (already sent), not older than the window
    (0 = any age), not ruled out by the query's NOT. On the topic or not: `on_topic` decides by story.

    Undated articles are kept: many scraped pages carry no date, and dropping them would lose stories.
    """
    oldest = now - timedelta(days=max_age_days) if max_age_days else None
    chosen: dict[str, Article] = {}
    for article in articles:
        if article.id in chosen or article.id in exclude:
            continue
        if oldest and article.published and article.published < oldest:
            continue
        if not query.rules_out(article):
            chosen[article.id] = article
    return list(chosen.values())


def on_topic(clusters: Iterable[Cluster], query: Query) -> list[Cluster]:
    """The stories on the topic: those with at least one article matching the query, in the order given."""
    return [c for c in clusters if any(query.matches(a) for a in c.articles)]
