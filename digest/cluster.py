"""Event clustering: articles about the same event become one Cluster; near-copies are folded in.

1. Each article becomes a TF-IDF vector of stems, with the headline and lead weighted up (they name the event).
2. Candidate pairs come from a sparse product of those vectors (no dense all-pairs matrix), damped when the
   two articles were published far apart.
3. Average-link agglomeration over the candidate graph merges groups while their mean similarity stays above
   the threshold (a missing pair counts as 0, so one stray link cannot chain two events together).
4. Inside each cluster, copies are found by sentence alignment: a copy has most of its sentences matched,
   in near-identical wording, by one other article. The original is the earliest (undated counts as later).
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import sparse

from digest import text as textlib
from digest.models import Article, Cluster

TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
LEAD_WORDS = 60
MIN_EDGE = 0.05  # similarities below this cannot lift an average over any useful threshold
SENTENCE_MATCH = 0.5  # word Jaccard at which two sentences say the same thing in near-identical words


@dataclass(frozen=True)
class Settings:
    threshold: float = 0.2
    copy_threshold: float = 0.5
    max_gap_days: float = 4.0


def cluster(articles: Sequence[Article], settings: Settings = Settings()) -> list[Cluster]:
    """Group articles by event. Output order and ids depend only on the set of articles, not their order."""
    unique = _dedupe_ids(articles)
    ordered = sorted(unique, key=_chronological)
    if not ordered:
        return []
    matrix, vocabulary = _vectorize(ordered)
    edges = _similarities(matrix, ordered, settings.max_gap_days)
    labels = _average_link(len(ordered), edges, settings.threshold)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(label, []).append(index)
    clusters = [_build(ordered, members, matrix, vocabulary, settings) for members in groups.values()]
    return sorted(clusters, key=lambda c: _chronological(c.articles[0]))


def _dedupe_ids(articles: Sequence[Article]) -> list[Article]:
    return list({a.id: a for a in articles}.values())


def _chronological(article: Article) -> tuple[float, str]:
    # Undated articles sort after dated ones: a copy that hides its date is the usual case.
    return (article.published.timestamp() if article.published else math.inf, article.id)


def _weighted_terms(article: Article, commonness: dict[str, float]) -> dict[str, float]:
    """Term weights of one article; records each stem's general-English commonness on the way."""
    counts: dict[str, float] = {}
    title = [(term, word, TITLE_WEIGHT) for term, word in textlib.stemmed_terms(article.title or "")]
    body = [
        (term, word, LEAD_WEIGHT if position < LEAD_WORDS else 1.0)
        for position, (term, word) in enumerate(textlib.stemmed_terms(article.text))
    ]
    for term, word, weight in title + body:
        counts[term] = counts.get(term, 0.0) + weight
        if term not in commonness:
            commonness[term] = textlib.commonness(word)
    return counts


def _vectorize(articles: Sequence[Article]) -> tuple[sparse.csr_matrix, list[str]]:
    """Rows: L2-normalized TF-IDF (sublinear tf, smoothed idf) of each article's weighted terms."""
    commonness: dict[str, float] = {}
    bags = [_weighted_terms(a, commonness) for a in articles]
    vocabulary: dict[str, int] = {}
    rows, cols, values = [], [], []
    for row, bag in enumerate(bags):
        for term, weight in bag.items():
            rows.append(row)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            values.append(1.0 + math.log(weight))
    shape = (len(articles), max(1, len(vocabulary)))
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=shape, dtype=np.float64)
    document_frequency = np.bincount(np.asarray(cols, dtype=np.int64), minlength=shape[1])
    terms = sorted(vocabulary, key=vocabulary.__getitem__)
    idf = np.array(
        [
            textlib.idf(df, len(articles), commonness[t])
            for t, df in zip(terms, document_frequency.tolist(), strict=True)
        ]
    )
    matrix = matrix.multiply(idf.reshape(1, -1)).tocsr()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix = sparse.diags(1.0 / norms) @ matrix
    return matrix.tocsr(), terms


def _similarities(
    matrix: sparse.csr_matrix, articles: Sequence[Article], max_gap_days: float
) -> dict[tuple[int, int], float]:
    """Cosine similarity of every pair that shares a term, damped by the time between publications."""
    product = sparse.triu(matrix @ matrix.T, k=1).tocoo()
    edges: dict[tuple[int, int], float] = {}
    for i, j, value in zip(product.row.tolist(), product.col.tolist(), product.data.tolist(), strict=True):
        value *= _time_factor(articles[i].published, articles[j].published, max_gap_days)
        if value >= MIN_EDGE:
            edges[(i, j)] = value
    return edges


def _time_factor(first: datetime | None, second: datetime | None, max_gap_days: float) -> float:
    """1 within the gap, then falling as gap/distance: articles a year apart rarely report one event."""
    if first is None or second is None:
        return 1.0
    days = abs((first - second).total_seconds()) / 86400
    return 1.0 if days <= max_gap_days else max_gap_days / days


def _average_link(size: int, edges: dict[tuple[int, int], float], threshold: float) -> list[int]:
    """Average-link agglomeration on a sparse graph; returns a label per item (the index of its group's root)."""
    members = {i: [i] for i in range(size)}
    links: dict[int, dict[int, float]] = {i: {} for i in range(size)}
    for (i, j), value in edges.items():
        links[i][j] = value
        links[j][i] = value
    version = [0] * size
    heap = [(-value, i, j, 0, 0) for (i, j), value in edges.items() if value >= threshold]
    heapq.heapify(heap)
    while heap:
        _negative, a, b, version_a, version_b = heapq.heappop(heap)
        if a not in members or b not in members or (version[a], version[b]) != (version_a, version_b):
            continue
        keep, gone = (a, b) if len(members[a]) >= len(members[b]) else (b, a)
        members[keep].extend(members.pop(gone))
        version[keep] += 1
        for other, total in links.pop(gone).items():
            links[other].pop(gone, None)
            if other != keep:
                links[keep][other] = links[keep].get(other, 0.0) + total
                links[other][keep] = links[keep][other]
        links[keep].pop(gone, None)
        for other, total in links[keep].items():
            average = total / (len(members[keep]) * len(members[other]))
            if average >= threshold:
                first, second = min(keep, other), max(keep, other)
                heapq.heappush(heap, (-average, first, second, version[first], version[second]))
    labels = [0] * size
    for root, group in members.items():
        for index in group:
            labels[index] = root
    return labels


def _build(
    articles: Sequence[Article],
    members: list[int],
    matrix: sparse.csr_matrix,
    vocabulary: list[str],
    settings: Settings,
) -> Cluster:
    group = [articles[i] for i in sorted(members)]  # already chronological
    copies = find_copies(group, settings.copy_threshold)
    ordered = [a for a in group if a.id not in copies] + [a for a in group if a.id in copies]
    terms = _shared_terms(matrix[sorted(members)], vocabulary)
    digest = hashlib.sha256("\n".join(sorted(a.id for a in group)).encode()).hexdigest()[:12]
    return Cluster(id=f"c-{digest}", articles=tuple(ordered), copies=copies, terms=terms)


def _shared_terms(rows: sparse.csr_matrix, vocabulary: list[str], limit: int = 8) -> tuple[str, ...]:
    """The stems that carry most weight across the cluster, preferring those in more than one article."""
    weight = np.asarray(rows.sum(axis=0)).ravel()
    spread = np.asarray((rows > 0).sum(axis=0)).ravel()
    if rows.shape[0] > 1:
        weight = weight * (spread > 1)
    best = [int(i) for i in np.argsort(-weight, kind="stable")[:limit] if weight[i] > 0]
    return tuple(vocabulary[i] for i in best)


def find_copies(group: Sequence[Article], threshold: float) -> dict[str, str]:
    """Map each copy's id to its original's id. `group` is chronological: the earlier article is the original."""
    fingerprints = [_sentence_sets(a) for a in group]
    copies: dict[str, str] = {}
    for later in range(1, len(group)):
        for earlier in range(later):
            if group[earlier].id in copies:
                continue
            if _alignment(fingerprints[later], fingerprints[earlier]) >= threshold:
                copies[group[later].id] = group[earlier].id
                break
    return copies


def _sentence_sets(article: Article) -> list[frozenset[str]]:
    return [
        frozenset(w.lower() for w in textlib.words(s))
        for paragraph in article.text.split("\n")
        for s in textlib.sentences(paragraph)
        if len(textlib.words(s)) >= 6
    ]


def _alignment(copy: list[frozenset[str]], original: list[frozenset[str]]) -> float:
    """Share of the copy's sentences that have a near-identical sentence in the original."""
    if not copy or not original:
        return 0.0
    matched = sum(1 for s in copy if any(len(s & o) / len(s | o) >= SENTENCE_MATCH for o in original))
    return matched / len(copy)
