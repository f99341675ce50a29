"""Vectors: TF-IDF of stems weighted by position (the headline, then the lead, fading out), plus what dates an
event and what counts in it (dates, months, years, weekdays and numbers in the lead): what tells two events
of the same kind apart. idf has general English as a prior.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from digest import text as textlib
from digest.cluster.corpus import Corpus

LEAD_BOOST = 2.0  # a body word at position p weighs 1 + LEAD_BOOST * exp(-p / LEAD_WORDS)
LEAD_WORDS = 50
KEPT_TERMS = 1000  # the strongest terms of an article: bounds the cost of a long page, not of a news article
COMMON_SHARE = 0.005  # terms in more than this share of the articles (and in more than this
COMMON_MINIMUM = 250  # many) are left out of similarities: they name no single event, and cost quadratically


def tfidf(corpus: Corpus, rows: Sequence[int]) -> sparse.csr_matrix:
    """L2-normalized TF-IDF rows of these articles, each cut to its KEPT_TERMS strongest terms."""
    longest = max((len(corpus.texts[i].words) for i in rows), default=0)
    positions = 1.0 + LEAD_BOOST * np.exp(-np.arange(longest) / LEAD_WORDS)
    bags = [corpus.bag(i, positions) for i in rows]
    terms = np.concatenate([np.zeros(0, dtype=np.int64), *(t for t, _ in bags)])
    weights = np.concatenate([np.zeros(0), *(w for _, w in bags)])
    owner = np.repeat(np.arange(len(rows)), [len(t) for t, _ in bags])
    shape = (len(rows), max(1, len(corpus.vocabulary.names)))
    matrix = sparse.csr_matrix((weights, (owner, terms)), shape=shape)  # sums repeated terms
    matrix.data = 1.0 + np.log(matrix.data)  # textlib.tf, vectorized
    frequency = np.bincount(matrix.indices, minlength=shape[1])
    idf = np.zeros(shape[1])
    for column in np.flatnonzero(frequency).tolist():
        idf[column] = textlib.idf(frequency[column], len(rows), corpus.vocabulary.commonness[column])
    matrix.data *= idf[matrix.indices]
    return _normalized(_strongest(matrix, KEPT_TERMS))


def _strongest(matrix: sparse.csr_matrix, kept: int) -> sparse.csr_matrix:
    """Each row cut to its `kept` largest entries (ties broken by column, so the cut is deterministic)."""
    long = np.flatnonzero(np.diff(matrix.indptr) > kept)
    if not len(long):
        return matrix
    keep = np.ones(len(matrix.data), dtype=bool)
    for row in long.tolist():
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        order = np.lexsort((matrix.indices[start:end], -matrix.data[start:end]))
        keep[start + order[kept:]] = False
    cut = sparse.csr_matrix(
        matrix.multiply(sparse.csr_matrix((keep.astype(float), matrix.indices, matrix.indptr), shape=matrix.shape))
    )
    cut.eliminate_zeros()
    return cut


def _normalized(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def specific(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """The vectors without the terms in more than a COMMON_SHARE of the articles (and more than COMMON_MINIMUM),
    normalized again. Such terms name no single event, and their postings would make the product quadratic."""
    frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])
    common = frequency > max(COMMON_MINIMUM, COMMON_SHARE * matrix.shape[0])
    if not common.any():
        return matrix
    specific = sparse.csr_matrix(matrix @ sparse.diags((~common).astype(float)))
    specific.eliminate_zeros()
    return _normalized(specific)
