"""Copies: which articles repeat an earlier one, word for word or near-verbatim. The earliest is the original;
an undated article counts as later (a copy that hides its date is the usual case).

An article whose body repeats an earlier one word for word is its copy (one hash look-up, so 10,000
syndicated copies cost 10,000 look-ups). A near-copy (a wire copy under another headline, a reworded copy) has
most of its sentences matched, in near-identical words, by one earlier article. Candidates come from MinHash
buckets of sentences (each sentence is linked to the earliest and the previous article in its bucket, so a
bucket of n costs n, never n²), and only the best few are checked by sentence alignment. An outlet's
boilerplate does not count.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator

import numpy as np

from digest.cluster.corpus import Corpus, Vocabulary

SENTENCE_MATCH = 0.5  # word Jaccard at which two sentences say the same thing in near-identical words
MINHASH_BANDS = 6  # bands of MINHASH_ROWS hashes: sentences at Jaccard 0.5 share a bucket 82% of the time
MINHASH_ROWS = 2
CHECKED_CANDIDATES = 3  # earlier articles checked by alignment, those sharing most sentence buckets first,
CANDIDATE_SHARE = 0.9  # if linked by buckets to this share of the sentences a copy needs (MinHash misses a few)
MAX_COPY_NODES = 20  # near-copies of one original clustered as articles; more only add to its weight
_PRIME = 4294967311  # the first prime above 2**32: MinHash permutations are (a*x + b) mod _PRIME
_BAND_SALT = np.random.default_rng(2).integers(1, 2**63, size=MINHASH_BANDS, dtype=np.uint64)
_PERMUTATIONS = np.random.default_rng(0).integers(1, 2**32, size=(2, MINHASH_BANDS * MINHASH_ROWS), dtype=np.uint64)


def originals(corpus: Corpus, threshold: float, window_days: float) -> list[int]:
    """For each article, the index of the original it copies, or its own index if it is an original.

    A copy is published within `window_days` of what it copies (or either is undated): the same template
    filled in a month later (a "sunset reminder", a weekly schedule) is a new post, not a copy.
    """
    original = list(range(len(corpus.texts)))
    when = np.array([a.published.timestamp() if a.published else np.nan for a in corpus.articles])
    latest_with: dict[bytes, int] = {}
    for index, text in enumerate(corpus.texts):
        if text.body is not None:
            previous = latest_with.get(text.body)
            if previous is not None and _close(when, previous, index, window_days):
                original[index] = previous
            latest_with[text.body] = index
    for index, root in enumerate(original):  # a verbatim copy of a copy credits the first
        original[index] = original[root]
    owner, stems, starts = corpus.sentence_arrays([i for i, root in enumerate(original) if root == i])
    for index, candidates in _copy_candidates(owner, _band_keys(stems, starts, corpus.vocabulary), threshold):
        copy = corpus.sentences(index)
        for candidate in candidates:
            if _close(when, candidate, index, window_days) and _alignment(copy, corpus.sentences(candidate), threshold):
                original[index] = candidate
                break
    for index, root in enumerate(original):  # a copy of a copy credits the first original
        original[index] = original[root]
    return original


def _close(when: np.ndarray, first: int, second: int, window_days: float) -> bool:
    """Whether two articles were published within the window of each other (an undated one always is)."""
    gap = abs(when[first] - when[second])
    return bool(np.isnan(gap) or gap <= window_days * 86400)


def stand_ins(corpus: Corpus, original: list[int]) -> list[int]:
    """Which article each one is clustered as: itself, or its original when it repeats the original verbatim
    or is one of more than MAX_COPY_NODES near-copies of it. A folded copy adds its weight to the original."""
    stand_in = list(range(len(original)))
    near: Counter[int] = Counter()
    for index, root in enumerate(original):
        if root == index:
            continue
        if corpus.texts[index].body == corpus.texts[root].body or near[root] >= MAX_COPY_NODES:
            stand_in[index] = root
        else:
            near[root] += 1
    return stand_in


def _copy_candidates(owner: np.ndarray, keys: np.ndarray, threshold: float) -> Iterator[tuple[int, list[int]]]:
    """Each article (oldest first) that may copy an earlier one, with up to CHECKED_CANDIDATES of those, best first.

    `owner` is each sentence's article, `keys` its MinHash band keys. Within each bucket (a band's key shared by
    several articles) a sentence is linked to the earliest article and to the one before it. An earlier article
    is a candidate when linked to CANDIDATE_SHARE of the sentences a copy needs; alignment decides.
    """
    if not len(owner):
        return
    flat = (keys ^ _BAND_SALT).ravel()  # a band's keys must not meet another band's
    order = np.argsort(flat, kind="stable")  # stable: within a bucket, sentences (so articles) stay oldest first
    flat = flat[order]
    first = np.ones(len(flat), dtype=bool)
    first[1:] = flat[1:] != flat[:-1]
    bucket = np.cumsum(first) - 1
    shared = np.bincount(bucket)[bucket] > 1
    sentence = order[shared] // MINHASH_BANDS
    article = owner[sentence]
    start = np.flatnonzero(first[shared])
    earliest = article[start][np.cumsum(first[shared]) - 1]
    previous = np.where(first[shared], article, np.roll(article, 1))
    size = int(owner.max()) + 1
    links = np.concatenate([sentence * size + earliest, sentence * size + previous])
    links = _distinct(links[np.concatenate([earliest != article, previous != article])])
    pairs = np.sort(owner[links // size] * size + links % size)
    starts = np.flatnonzero(np.diff(pairs, prepend=-1))
    pairs, counts = pairs[starts], np.diff(np.append(starts, len(pairs)))
    sentences = np.bincount(owner, minlength=size)
    likely = counts >= np.maximum(1, CANDIDATE_SHARE * threshold * sentences[pairs // size])
    found: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pair, count in zip(pairs[likely].tolist(), counts[likely].tolist(), strict=True):
        found[pair // size].append((-count, pair % size))
    for index in sorted(found):
        yield index, [candidate for _, candidate in sorted(found[index])[:CHECKED_CANDIDATES]]


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (by sorting: faster here than np.unique's hashing on large arrays)."""
    ordered = np.sort(values)
    distinct: np.ndarray = ordered[np.diff(ordered, prepend=ordered[:1] - 1) != 0]
    return distinct


def _band_keys(stems: np.ndarray, starts: np.ndarray, vocabulary: Vocabulary, chunk: int = 200_000) -> np.ndarray:
    """MinHash band keys (sentences x MINHASH_BANDS) of sentences given as their stems in one array.

    The hashes start from a CRC of each stem's text, not Python's salted hash, so buckets (and results) are the
    same from run to run. A minimum needs no de-duplication of a sentence's stems first. Chunked, to bound memory.
    """
    base = np.array([zlib.crc32(name.encode()) for name in vocabulary.names], dtype=np.uint64)
    ends = np.append(starts[1:], len(stems))
    keys = []
    for first in range(0, len(starts), chunk // 20):
        begin, end = starts[first : first + chunk // 20], ends[first : first + chunk // 20]
        part = stems[begin[0] : end[-1]]
        hashed = (base[part][:, None] * _PERMUTATIONS[0] + _PERMUTATIONS[1]) % np.uint64(_PRIME)
        lowest = np.minimum.reduceat(hashed, begin - begin[0], axis=0).reshape(-1, MINHASH_BANDS, MINHASH_ROWS)
        keys.append(lowest[:, :, 0] * np.uint64(_PRIME) + lowest[:, :, 1])  # wraps around: a hash of the band
    return np.concatenate([np.zeros((0, MINHASH_BANDS), dtype=np.uint64), *keys])


def _alignment(copy: list[frozenset[int]], original: list[frozenset[int]], threshold: float) -> bool:
    """Whether at least `threshold` of the copy's sentences have a near-identical sentence in the original.

    Verbatim sentences are found by hashing; the rest are compared by word Jaccard, stopping once the answer
    is known either way.
    """
    if not copy or not original:
        return False
    verbatim = set(original)
    needed = threshold * len(copy)
    matched = missed = 0
    for sentence in copy:
        if sentence in verbatim or any(len(sentence & o) >= SENTENCE_MATCH * len(sentence | o) for o in original):
            matched += 1
            if matched >= needed:
                return True
        else:
            missed += 1
            if missed > len(copy) - needed:
                return False
    return matched >= needed
