"""Multi-document extractive summary of a Cluster, every sentence credited to the outlet it came from.

The pool (`sentences`): whole sentences from the opening of each original article (copies add none), cleaned
of page furniture and of the wire furniture that opens them, bounded so that a cluster of a hundred articles
stays fast. The default method, "centroid" (`centroid`), scores sentences by closeness to what the coverage
says most and picks them by MMR. "concepts" (`concepts`) chooses the sentences that together cover the most
bigrams, each weighted by the number of outlets using it (Gillick & Favre), solved exactly within the word
budget; sumy's LexRank, TextRank, Luhn and LSA (`ranked`) rank the same pool, so attribution holds whatever
picks the sentences. Every method ends the summary at the sentence boundary nearest the budget (`length`). A
sentence that needs context it lacks ("He said ...") is used only when no other is left. The method and every
constant (`tuning`) are what 5-fold cross-validation on WikinewsSum dev chose (bench/summarize.py --folds 5).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from digest.language import main_language
from digest.models import SUMMARY_METHODS as METHODS
from digest.models import Cluster, Story
from digest.summarize import centroid, concepts, ranked
from digest.summarize.credits import Credits
from digest.summarize.headline import clean_headline, first_dated, first_statement, headings, headline
from digest.summarize.sentences import (
    MIN_PER_ARTICLE,
    POOL_LIMIT,
    Candidate,
    clean_sentences,
    is_boilerplate,
    is_heading,
    is_timestamp,
    is_whole,
    needs_context,
    pool,
    trim_opening,
)
from digest.summarize.tuning import DEFAULT, Tuning

__all__ = [
    "DEFAULT",
    "METHODS",
    "MIN_PER_ARTICLE",
    "POOL_LIMIT",
    "Tuning",
    "clean_headline",
    "clean_sentences",
    "is_boilerplate",
    "is_heading",
    "is_timestamp",
    "is_whole",
    "needs_context",
    "pool",
    "reading_order",
    "summarize",
    "trim_opening",
]


def summarize(
    cluster: Cluster,
    words: int = 120,
    method: str = "centroid",
    tuning: Tuning = DEFAULT,
    heads: Collection[str] = (),
    said: Sequence[str] = (),
) -> Story:
    """The Story of one cluster: headline and its article, attributed sentences to about `words`, every outlet.

    `heads`: ids of the articles preferred for the headline (the digest's topic matched them). `said`: sentences
    the reader has had (an update's earlier stories): none of them is told again, so the budget goes to news."""
    originals = cluster.originals() or cluster.articles
    language = main_language(a.language for a in originals)  # the cluster stage groups one language at a time
    # A story without a title is headed by its first statement: the summary goes on from it, not repeats it.
    found = headings(originals)
    opening = None if found else first_statement(originals, language)
    candidates = pool(originals, tuning.per_article, language, (*said, opening[0]) if opening else said)
    space = centroid.space(candidates, originals, language)
    if method == "concepts":
        chosen = concepts.select(candidates, originals, words, tuning, language)
    elif method == "centroid":
        chosen = centroid.select(candidates, space, originals, words, tuning)
    else:
        chosen = ranked.select(candidates, method, words, language, tuning.nearest)
    credits = Credits(cluster, originals, language)
    first = first_dated(originals)
    title, source = opening or headline(found, space.closeness, heads)
    return Story(
        id=cluster.id,
        headline=title,
        url=originals[0].url if originals else None,
        sentences=tuple(credits.sentence(candidates[i]) for i in reading_order(chosen, candidates)),
        outlets=tuple(credits.of(a) for a in cluster.articles),
        first_reported=credits.of(first) if first else None,
        first_published=first.published if first else None,
        articles=len(cluster.articles),
        terms=cluster.terms,
        headline_url=source.url if source else None,
        headline_outlet=source.label if source else None,
        language=language,
    )


def reading_order(chosen: Sequence[int], candidates: Sequence[Candidate]) -> list[int]:
    """The chosen sentences with each article's in the order it wrote them: a method picks by importance, but a
    later sentence of one article read before an earlier one loses what it builds on. Each place in the
    summary keeps the article it had, so the opening stays first and the outlets' turns stay where they were."""
    by_article: dict[int, list[int]] = {}
    for index in chosen:
        by_article.setdefault(candidates[index].article, []).append(index)
    queues = {
        article: iter(sorted(found, key=lambda i: candidates[i].position)) for article, found in by_article.items()
    }
    return [next(queues[candidates[index].article]) for index in chosen]
