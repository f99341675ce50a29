"""Linking: which articles report one event, from their vectors.

1. Candidates: the sparse product runs in blocks of rows: cost follows the pairs that share specific terms,
   never an all-pairs matrix. Similarities are damped by the time between publications; two articles sharing a
   single term (two headlines of a title-only feed with one word in common) are not linked, however rare the word.
2. Background: each similarity loses half of what the two articles share with all the others on average. In a
   digest on one topic every article shares the topic's words; only what two share beyond that ties them. A few
   unrelated articles are counted among the others, so that in a handful of articles on one event the event's
   own words are not taken for the topic's.
3. Local scaling: each similarity is divided by the geometric mean of both articles' mean similarity to their
   nearest neighbours (Zelnik-Manor and Perona's self-tuning affinity), but at least a floor set by the
   collection: a share of its median article's scale, leaning towards a fixed floor in a small collection. A
   few articles (NEIGHBOURS at most) linked to nothing but one another are scaled by that fixed floor: they
   have no neighbourhood, and their own links would otherwise scale themselves up to NEIGHBOURS times (a
   one-paper feed's golf partner and golf-club tax suit, two Oscar pieces; a tech feed's Parse shutdown and a
   WildFly release, which share "open source" and "server").
4. Weighted average-link agglomeration (a missing pair counts as 0, so one stray link cannot chain two events),
   run within each connected component of the links strong enough to merge anything, starting from each
   original with its near-copies. Two groups merge only if they are also at least half as close to each other
   as the members of the looser one are among themselves (copies aside; a lone article sets no bar).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import numpy as np
from scipy import sparse

MIN_SIMILARITY = 0.1  # cosine below which two articles are not linked at all,
MIN_SHARED_TERMS = 2  # nor when they share fewer terms: two headlines with one word in common are two events
BACKGROUND_SHARE = 0.5  # share of two articles' mean similarity to all others taken off their own similarity,
MIN_SPECIFIC = 0.05  # and what must remain for them to be linked
BACKGROUND_PRIOR = 2  # unrelated articles (similarity 0) counted among the others: in a handful of articles,
# most of them on one event, the event itself would otherwise pass for the background and be taken off
BLOCK_ROWS = 2000  # rows per block of the sparse product, bounding its memory
NEIGHBOURS = 3  # an article's scale is its mean similarity to this many nearest neighbours, but at least
SCALE_FLOOR_SHARE = 0.5  # this share of the median article's (chosen by cross-validation: bench/cluster.py);
SMALL_FLOOR = 0.3  # a few articles say little of their coverage: the floor leans towards this one, as if
PRIOR_ARTICLES = 10  # this many more articles had it (flat from 0.2 to 0.4 on small ECB+ draws)
COHESION_SHARE = 0.5  # groups merge only as close as this share of the mean similarity within the looser one


def similarities(
    matrix: sparse.csr_matrix, published: Sequence[datetime | None], max_gap_days: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (first < second) with cosine >= MIN_SIMILARITY after damping by the time between them, sharing at
    least MIN_SHARED_TERMS terms."""
    transposed = sparse.csr_matrix(matrix.T)
    firsts, seconds, values = [], [], []
    for start in range(0, matrix.shape[0], BLOCK_ROWS):
        block = sparse.coo_matrix(matrix[start : start + BLOCK_ROWS] @ transposed)
        rows = block.row + start
        keep = (block.col > rows) & (block.data >= MIN_SIMILARITY)
        firsts.append(rows[keep])
        seconds.append(block.col[keep])
        values.append(block.data[keep])
    first = np.concatenate([np.zeros(0, dtype=np.int64), *firsts]).astype(np.int64)
    second = np.concatenate([np.zeros(0, dtype=np.int64), *seconds]).astype(np.int64)
    value = np.concatenate([np.zeros(0), *values]) * _time_factors(published, first, second, max_gap_days)
    keep = value >= MIN_SIMILARITY
    first, second, value = first[keep], second[keep], value[keep]
    keep = _shared_terms(matrix, first, second) >= MIN_SHARED_TERMS
    return first[keep], second[keep], value[keep]


def _shared_terms(matrix: sparse.csr_matrix, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """How many terms each pair of rows shares, BLOCK_ROWS * 50 pairs at a time to bound memory."""
    present = sparse.csr_matrix((np.ones(len(matrix.data)), matrix.indices, matrix.indptr), shape=matrix.shape)
    step = BLOCK_ROWS * 50
    counts = [
        np.asarray(present[first[i : i + step]].multiply(present[second[i : i + step]]).sum(axis=1)).ravel()
        for i in range(0, len(first), step)
    ]
    return np.concatenate([np.zeros(0), *counts])


def above_background(
    vectors: sparse.csr_matrix, first: np.ndarray, second: np.ndarray, similarity: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Similarities less BACKGROUND_SHARE of what each article shares with all the others on average.

    Every article of a digest on one topic shares the topic's words; only what two share beyond that ties them to
    one event. The mean similarity to the others is one product with the sum of all vectors; BACKGROUND_PRIOR
    unrelated articles join the others, so that a small collection's background leans towards none.
    """
    count = vectors.shape[0]
    if count < 2:
        return first, second, similarity
    background = (vectors @ np.asarray(vectors.sum(axis=0)).ravel() - 1.0) / (count - 1 + BACKGROUND_PRIOR)
    specific = similarity - BACKGROUND_SHARE * (background[first] + background[second]) / 2
    keep = specific >= MIN_SPECIFIC
    return first[keep], second[keep], specific[keep]


def _time_factors(
    published: Sequence[datetime | None], first: np.ndarray, second: np.ndarray, max_gap_days: float
) -> np.ndarray:
    """1 within the gap, then falling as gap/distance: articles a year apart rarely report one event."""
    seconds = np.array([p.timestamp() if p else np.nan for p in published])
    days = np.abs(seconds[first] - seconds[second]) / 86400
    far = np.nan_to_num(days, nan=0.0) > max_gap_days
    return np.where(far, max_gap_days / np.where(far, days, 1.0), 1.0)


def scales(first: np.ndarray, second: np.ndarray, similarity: np.ndarray, folded: np.ndarray) -> np.ndarray:
    """Per pair, the geometric mean of both articles' scale: mean similarity to their NEIGHBOURS nearest, at
    least the collection's floor; at least SMALL_FLOOR for a few articles linked to nothing but one another.

    Copies folded into an article count among its nearest, at similarity 1.
    """
    nodes = np.concatenate([first, second])
    values = np.concatenate([similarity, similarity])
    order = np.lexsort((-values, nodes))
    nodes, values = nodes[order], values[order]
    rank = np.arange(len(nodes)) - np.searchsorted(nodes, nodes) + folded[nodes]
    near = rank < NEIGHBOURS
    total = np.bincount(nodes[near], weights=values[near], minlength=len(folded)) + np.minimum(folded, NEIGHBOURS)
    own = total / NEIGHBOURS
    scale = np.maximum(own, floor(own))
    scaled: np.ndarray = np.sqrt(scale[first] * scale[second])
    # Articles linked among no more than NEIGHBOURS of them (copies counted) have no neighbourhood to measure:
    # their scale would be made of their own few links, which scales each up to NEIGHBOURS times whatever its
    # strength. They are scaled as a handful of articles is, by SMALL_FLOOR.
    component = components(len(folded), first, second)
    linked = np.bincount(component, weights=1 + folded)
    isolated = linked[component[first]] <= NEIGHBOURS
    return np.where(isolated, np.maximum(scaled, SMALL_FLOOR), scaled)


def floor(own: np.ndarray) -> float:
    """The least scale of any article in this collection: SCALE_FLOOR_SHARE of its median article's, shrunk
    towards SMALL_FLOOR when the collection is small.

    Dense coverage (a few events, many outlets each) has a high median: an isolated article's weak best match is
    then not close. Loose coverage (a wide stream, background pages) has a low one: weak but distinctive links
    still count. A handful of articles cannot tell which they are.
    """
    count = len(own)
    typical = SCALE_FLOOR_SHARE * float(np.median(own)) if count else SMALL_FLOOR
    return (count * typical + PRIOR_ARTICLES * SMALL_FLOOR) / (count + PRIOR_ARTICLES)


def components(size: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The connected component of each of `size` nodes linked by the edges first[i]-second[i], numbered by their
    least node (as scipy's csgraph.connected_components numbers them; importing csgraph costs 0.04 s of every
    start, for scipy.sparse.linalg). Each node takes the least label across its edges, then its label's label
    (pointer jumping), until nothing changes: a few passes of whole-array operations."""
    label = np.arange(size)
    while True:
        least = np.minimum(label[first], label[second])
        lowered = label.copy()
        np.minimum.at(lowered, first, least)
        np.minimum.at(lowered, second, least)
        lowered = lowered[lowered]
        if np.array_equal(lowered, label):
            break
        label = lowered
    numbered: np.ndarray = np.unique(label, return_inverse=True)[1]
    return numbered


def labels(
    weight: np.ndarray, family: np.ndarray, first: np.ndarray, second: np.ndarray, scaled: np.ndarray, threshold: float
) -> np.ndarray:
    """A label per article: weighted average-link groups, found within each component of links above threshold
    (an original and its near-copies, one `family`, always share a component)."""
    size = len(weight)
    strong = scaled >= threshold
    component = components(
        size, np.concatenate([first[strong], np.arange(size)]), np.concatenate([second[strong], family])
    )
    labels = np.arange(size)
    order = np.argsort(component, kind="stable")
    starts = np.flatnonzero(np.diff(component[order], prepend=-1))
    inside = component[first] == component[second]
    by_component = np.argsort(component[first[inside]], kind="stable")
    first, second, scaled = first[inside][by_component], second[inside][by_component], scaled[inside][by_component]
    edge_bounds = np.searchsorted(component[first], component[order[starts]])
    edge_ends = np.append(edge_bounds[1:], len(first))
    for start, end, begin, stop in zip(
        starts.tolist(), [*starts[1:].tolist(), size], edge_bounds.tolist(), edge_ends.tolist(), strict=True
    ):
        if end - start == 1:
            continue
        nodes = np.sort(order[start:end])
        local = np.searchsorted(nodes, np.stack([first[begin:stop], second[begin:stop]]))
        edges = dict(
            zip(zip(local[0].tolist(), local[1].tolist(), strict=True), scaled[begin:stop].tolist(), strict=True)
        )
        families = np.searchsorted(nodes, family[nodes]).tolist()
        for i, root in enumerate(_average_link(weight[nodes].tolist(), families, edges, threshold)):
            labels[nodes[i]] = nodes[root]
    return labels


def _average_link(
    weights: list[float], family: list[int], edges: dict[tuple[int, int], float], threshold: float
) -> list[int]:
    """Weighted average-link agglomeration on a sparse graph; a label per item (the index of its group's root).

    Items start grouped by family (an original with its near-copies). Groups merge, best first, while the
    weighted mean similarity between them stays at or above the threshold and at least COHESION_SHARE of the
    mean similarity within the looser of the two (over pairs that are not copies of one another): two tight
    groups of articles about two events of one kind do not merge on the strength of what the kind shares.
    """
    members: dict[int, list[int]] = defaultdict(list)
    for item, root in enumerate(family):
        members[root].append(item)
    size = {root: sum(weights[i] for i in group) for root, group in members.items()}
    links: dict[int, dict[int, float]] = {root: {} for root in members}
    for (i, j), value in edges.items():
        a, b = family[i], family[j]
        if a != b:
            links[a][b] = links[b][a] = links[a].get(b, 0.0) + value * weights[i] * weights[j]
    within = {root: (0.0, 0.0) for root in members}  # (similarity, pairs), both weighted, of non-copy pairs
    version = dict.fromkeys(members, 0)
    heap = [(-total / (size[a] * size[b]), a, b, 0, 0) for a in links for b, total in links[a].items() if a < b]
    heap = [entry for entry in heap if -entry[0] >= threshold]
    heapq.heapify(heap)
    while heap:
        negative, a, b, version_a, version_b = heapq.heappop(heap)
        if a not in members or b not in members or (version[a], version[b]) != (version_a, version_b):
            continue
        if -negative < COHESION_SHARE * _looser(within[a], within[b]):
            continue
        keep, gone = (a, b) if size[a] >= size[b] else (b, a)
        between = links[keep].get(gone, 0.0)
        within[keep] = (
            within[keep][0] + within[gone][0] + between,
            within[keep][1] + within.pop(gone)[1] + size[keep] * size[gone],
        )
        members[keep].extend(members.pop(gone))
        size[keep] += size.pop(gone)
        version[keep] += 1
        for other, total in links.pop(gone).items():
            links[other].pop(gone, None)
            if other != keep:
                links[keep][other] = links[other][keep] = links[keep].get(other, 0.0) + total
        links[keep].pop(gone, None)
        for other, total in links[keep].items():
            average = total / (size[keep] * size[other])
            if average >= threshold:
                first, second = min(keep, other), max(keep, other)
                heapq.heappush(heap, (-average, first, second, version[first], version[second]))
    labels = [0] * len(weights)
    for root, group in members.items():
        for index in group:
            labels[index] = root
    return labels


def _looser(*groups: tuple[float, float]) -> float:
    """The lower mean similarity within these groups, over pairs that are not copies; a group without such
    pairs (one article and its copies) has none to offer, and 0 when no group has any."""
    return min((total / pairs for total, pairs in groups if pairs), default=0.0)
