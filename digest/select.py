"""Which articles and stories go in a digest: the topic query (digest.query), the age window, one copy of each
article.

The topic picks stories, not articles. `window` keeps every article of the age window (less those already sent
and those the query rules out by a NOT), and `near_the_topic` those of them published near an article on the
topic, so that the cluster stage sees the news around the topic, not the topic alone: grouped on their own, a
topic's articles make a small collection in which the topic's own words look common and one story's pieces
fall apart (issue 13). `on_topic` then keeps the stories one of whose articles matches; its other articles come
with it (a reaction that never repeats the keyword is still part of the story).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from digest.models import Article, Cluster
from digest.query import AllOf, AnyOf, Node, Not, Query, Term, parse_query

__all__ = [
    "AllOf",
    "AnyOf",
    "Node",
    "Not",
    "Query",
    "Term",
    "near_the_topic",
    "on_topic",
    "parse_query",
    "window",
]


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


def near_the_topic(articles: Sequence[Article], query: Query, days: float) -> list[Article]:
    """The articles that match, and those published within `days` of one that does, in the order given.

    Only these can share a story with the topic (the cluster stage rarely joins articles further apart), and
    the bound keeps a digest of any age (`max_age_days = 0`) from grouping every off-topic article ever
    stored. An undated article off the topic has no time to be near: it stays out, as before stories picked.
    """
    matching = [a for a in articles if query.matches(a)]
    ids = {a.id for a in matching}
    times = sorted(a.published.timestamp() for a in matching if a.published)
    reach = days * 86400
    return [a for a in articles if a.id in ids or (a.published and _within(times, a.published.timestamp(), reach))]


def _within(times: list[float], moment: float, reach: float) -> bool:
    index = bisect.bisect_left(times, moment - reach)
    return index < len(times) and times[index] <= moment + reach


def on_topic(clusters: Iterable[Cluster], query: Query) -> list[tuple[Cluster, frozenset[str]]]:
    """The stories on the topic, in the order given, each with the ids of its articles that match the query
    themselves (one of them heads the story); a story with none is off the topic."""
    found = ((c, frozenset(a.id for a in c.articles if query.matches(a))) for c in clusters)
    return [(story, matching) for story, matching in found if matching]
