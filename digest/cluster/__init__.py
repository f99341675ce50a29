"""Event clustering: articles about the same event become one Cluster; copies are folded into their original.

One job per module, in the order they run:

- `corpus`: the articles as integer arrays (stems in sentence-like segments, date and number features) and each
  outlet's boilerplate (segments it repeats across stories, which count neither for copies nor for events, and
  its template words, which do not count for events).
- `copies`: verbatim copies by hash, near-copies by MinHash buckets of sentences checked by alignment, only
  within max_gap_days of each other; the earliest is the original (ties broken by content, never by id).
  Verbatim copies are vectorized once and count by their number; so are near-copies beyond MAX_COPY_NODES of
  one original.
- `vectors`: TF-IDF of stems weighted by position, dates and lead numbers as features, idf with a general-English
  prior; terms in a large share of the collection left out of similarities.
- `linking`: candidate pairs from a blocked sparse product, background and local scaling, average link.

This module is the face: `cluster()`, `find_copies()` and `Settings`, and the Cluster objects they build.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

from digest import language as languages
from digest.cluster import linking
from digest.cluster.copies import originals, stand_ins
from digest.cluster.corpus import Corpus
from digest.cluster.vectors import specific, tfidf
from digest.models import Article, Cluster, ClusterSettings

TERMS_SHOWN = 8  # per cluster, as written in the titles and first SAMPLED_CHARACTERS of SAMPLED_ARTICLES
SAMPLED_ARTICLES = 3


Settings = ClusterSettings  # the stage's face keeps its own name for its one settings type
DEFAULT = Settings()


def cluster(articles: Sequence[Article], settings: Settings = DEFAULT) -> list[Cluster]:
    """Group articles by event, each language on its own (see `by_language`). Output order and ids depend only
    on the set of articles, not their order."""
    clusters = [
        found
        for language, group in sorted(by_language(_dedupe_ids(articles)).items(), key=lambda item: item[0] or "")
        for found in _cluster(group, settings, language)
    ]
    return sorted(clusters, key=lambda c: _chronological(c.articles[0]))


def by_language(articles: Iterable[Article]) -> dict[str | None, list[Article]]:
    """The articles in groups that are read and grouped apart: one per language, an article whose language is
    unknown in the group of the language most articles are in (read as that language, as before: English
    when none is known). Editions of one event in two languages stay two stories (issue 15)."""
    listed = list(articles)
    main = languages.main_language(a.language for a in listed)
    groups: dict[str | None, list[Article]] = defaultdict(list)
    for article in listed:
        groups[article.language or main].append(article)
    return groups


def _cluster(articles: Sequence[Article], settings: Settings, language: str | None) -> list[Cluster]:
    ordered = sorted(articles, key=_chronological)
    if not ordered:
        return []
    corpus = Corpus(ordered, language)
    original = originals(corpus, settings.copy_threshold, settings.max_gap_days)
    stand_in = stand_ins(corpus, original)
    nodes = [i for i, node in enumerate(stand_in) if node == i]
    row = {node: r for r, node in enumerate(nodes)}
    weight = np.bincount([row[node] for node in stand_in], minlength=len(nodes))
    vectors = tfidf(corpus, nodes)
    distinctive = specific(vectors)
    first, second, similarity = linking.similarities(
        distinctive, [ordered[i].published for i in nodes], settings.max_gap_days
    )
    first, second, similarity = linking.above_background(distinctive, first, second, similarity)
    scaled = similarity / linking.scales(first, second, similarity, weight - 1)
    family = np.array([row[original[node]] for node in nodes], dtype=np.int64)
    labels = linking.labels(weight, family, first, second, scaled, settings.threshold)
    members: dict[int, list[int]] = defaultdict(list)
    for index, root in enumerate(original):  # a copy joins its original's cluster, wherever its own words led
        members[labels[row[root]]].append(index)
    groups = list(members.values())
    terms = _terms(corpus, groups, original, vectors, row)
    return [_build(corpus, group, original, found) for group, found in zip(groups, terms, strict=True)]


def find_copies(
    group: Sequence[Article], threshold: float, window_days: float = Settings.max_gap_days
) -> dict[str, str]:
    """Map each copy's id to its original's id: the earliest (undated counts as later) of near-identical texts
    published within `window_days` of each other."""
    copies: dict[str, str] = {}
    for language, members in by_language(_dedupe_ids(group)).items():
        ordered = sorted(members, key=_chronological)
        original = originals(Corpus(ordered, language), threshold, window_days)
        copies.update({ordered[i].id: ordered[root].id for i, root in enumerate(original) if root != i})
    return copies


def _dedupe_ids(articles: Iterable[Article]) -> list[Article]:
    """One article per id; when an id repeats, the same version wins whatever the input order."""
    chosen: dict[str, Article] = {}
    for article in articles:
        kept = chosen.get(article.id)
        if kept is None or _version(article) < _version(kept):
            chosen[article.id] = article
    return list(chosen.values())


def _version(article: Article) -> tuple[tuple[float, str, str], str, str]:
    return (_chronological(article), article.title or "", article.text)


def _chronological(article: Article) -> tuple[float, str, str]:
    """Oldest first, undated articles after dated ones (a copy that hides its date is the usual case); ties by
    content, so that ids pick neither originals nor the order of merges (the id settles only identical articles)."""
    content = "\0".join([article.title or "", article.text, article.outlet or "", article.url or ""])
    when = article.published.timestamp() if article.published else math.inf
    return (when, hashlib.blake2b(content.encode(), digest_size=8).hexdigest(), article.id)


def _build(corpus: Corpus, group: list[int], original: list[int], terms: tuple[str, ...]) -> Cluster:
    """A cluster of these articles (indices, oldest first): originals first, then copies marked as such."""
    ordered = [i for i in group if original[i] == i] + [i for i in group if original[i] != i]
    articles = tuple(corpus.articles[i] for i in ordered)
    copies = {corpus.articles[i].id: corpus.articles[original[i]].id for i in ordered if original[i] != i}
    digest = hashlib.sha256("\n".join(sorted(a.id for a in articles)).encode()).hexdigest()[:12]
    return Cluster(id=f"c-{digest}", articles=articles, copies=copies, terms=terms)


def _terms(
    corpus: Corpus, groups: list[list[int]], original: list[int], vectors: sparse.csr_matrix, row: dict[int, int]
) -> list[tuple[str, ...]]:
    """Per group, the words that carry most weight across its originals, preferring those in more than one,
    each shown as written (a stem maps back to its plainest written form: "Qeshm", "earthquake").

    One pass over all vectors: entries are summed per (group, term), then ranked within each group.
    """
    group_of = np.full(vectors.shape[0], -1)
    originals = np.zeros(len(groups), dtype=np.int64)
    for number, group in enumerate(groups):
        heads = [row[i] for i in group if original[i] == i]
        group_of[heads] = number
        originals[number] = len(heads)
    entries = sparse.coo_matrix(vectors)
    words = np.array([":" not in name for name in corpus.vocabulary.names] or [False])
    mask = (group_of[entries.row] >= 0) & words[entries.col]
    group = group_of[entries.row[mask]]
    keys, inverse = np.unique(group * vectors.shape[1] + entries.col[mask], return_inverse=True)
    weight = np.bincount(inverse, weights=entries.data[mask])
    spread = np.bincount(inverse)
    group, column = keys // vectors.shape[1], keys % vectors.shape[1]
    weight = weight * ((spread > 1) | (originals[group] == 1))
    order = np.lexsort((column, -weight, group))
    group, column, weight = group[order], column[order], weight[order]
    rank = np.arange(len(group)) - np.searchsorted(group, group)
    shown = (rank < TERMS_SHOWN) & (weight > 0)
    best: list[list[int]] = [[] for _ in groups]
    for number, term in zip(group[shown].tolist(), column[shown].tolist(), strict=True):
        best[number].append(term)
    return [
        corpus.shown([i for i in group if original[i] == i][:SAMPLED_ARTICLES], found)
        for group, found in zip(groups, best, strict=True)
    ]
