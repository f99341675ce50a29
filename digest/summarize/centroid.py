"""digest's earlier method: closeness to the coverage's centroid, picked by maximal marginal relevance.

Each sentence is scored by its closeness to what the coverage says most (the centroid of all its sentences)
and to the outlets' headlines, by how many other outlets use its two-word phrases, and by how early it comes
in its article. One far below the best is left out rather than used as padding. The summary opens with an
article's lead (the earliest report's that is nearly as good as the best) and goes on by MMR to the word
budget (ending at the sentence boundary nearest it, `length`), never taking a sentence that restates a chosen
one, nor another outlet's lead that retells what was chosen.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from digest import text as textlib
from digest.models import Article
from digest.summarize.headline import by_date, headings
from digest.summarize.length import ends_nearer, fits
from digest.summarize.sentences import Candidate, needs_context
from digest.summarize.tuning import Tuning

IDF_PRIOR = 10  # documents' worth of general English in term weights: a cluster's own counts matter more here
OPENING_SHARE = 0.6  # the earliest report's lead that scores this share of the best lead opens the summary
REDUNDANT = 0.5  # cosine at or above which a candidate repeats a chosen sentence
COVERED = 0.7  # share of a candidate's term weight already in the summary at which it adds too little
RESTATED = 0.6  # share of a candidate's names and numbers already stated at which it only restates them
MIN_FACTS = 3  # fewer names and numbers than this say too little to judge a restatement by


@dataclass(frozen=True)
class Space:
    """The pool as unit TF-IDF rows and their pairwise cosines; unit vectors of the centroid and the titles."""

    vectors: np.ndarray | sparse.csr_matrix
    similarity: np.ndarray
    centroid: np.ndarray
    titles: np.ndarray
    weights: np.ndarray  # each sentence's terms, by their weight (not by how often it uses them)
    vocabulary: dict[str, int]
    term_weights: np.ndarray
    language: str | None = None

    def closeness(self, text: str) -> float:
        """Cosine of a text (a title) to the centroid."""
        return float(_text_vector(text, self.vocabulary, self.term_weights, self.language) @ self.centroid)


def space(pool: Sequence[Candidate], originals: Sequence[Article], language: str | None = None) -> Space:
    vocabulary = {t: i for i, t in enumerate(sorted({t for c in pool for t in c.terms}))}
    if not vocabulary:
        empty = np.zeros((len(pool), 0))
        return Space(empty, empty @ empty.T, np.zeros(0), np.zeros(0), empty, vocabulary, np.zeros(0), language)
    weights = _term_weights(pool, vocabulary, len(originals), language)
    # A sentence uses a dozen of the pool's thousands of terms: sparse rows make the cosines ~50x cheaper.
    rows = _sparse_rows(pool, vocabulary, weights)
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    vectors = sparse.diags(1 / np.where(norms > 0, norms, 1.0)) @ rows
    # Every sentence has one vote: what the coverage says most, however the articles split it.
    centroid = _unit(np.asarray(vectors.sum(axis=0)))[0]
    titles = " ".join(text for text, _ in headings(originals))
    title_vector = _text_vector(titles, vocabulary, weights, language)
    used = (rows > 0).toarray() * weights
    similarity = (vectors @ vectors.T).toarray()
    return Space(vectors, similarity, centroid, title_vector, used, vocabulary, weights, language)


def _sparse_rows(pool: Sequence[Candidate], vocabulary: dict[str, int], weights: np.ndarray) -> sparse.csr_matrix:
    """Each sentence's terms weighted as `_weigh` does, as one sparse matrix."""
    rows, cols, values = [], [], []
    for row, candidate in enumerate(pool):
        for term, count in Counter(candidate.terms).items():
            rows.append(row)
            cols.append(vocabulary[term])
            values.append(textlib.tf(count) * weights[vocabulary[term]])
    return sparse.csr_matrix((values, (rows, cols)), shape=(len(pool), len(vocabulary)))


def _term_weights(
    pool: Sequence[Candidate], vocabulary: dict[str, int], articles: int, language: str | None = None
) -> np.ndarray:
    """idf over the cluster's articles, with general English (of each stem's commonest word) as a light prior."""
    used: list[set[str]] = [set() for _ in range(articles)]
    for candidate in pool:
        for article in (candidate.article, *candidate.also):
            used[article].update(candidate.terms)
    df = Counter(t for terms in used for t in terms)
    forms: Counter[tuple[str, str]] = Counter(pair for c in pool for pair in zip(c.terms, c.forms, strict=True))
    word = {stem: form for (stem, form), _ in reversed(forms.most_common())}
    prior = {t: textlib.commonness(word[t], language) for t in vocabulary}
    return np.array([textlib.idf(df[t], articles, prior[t], IDF_PRIOR) for t in vocabulary])


def _text_vector(text: str, vocabulary: dict[str, int], weights: np.ndarray, language: str | None = None) -> np.ndarray:
    """A text (a title) as a unit vector in the pool's space."""
    return np.asarray(_unit(_weigh(textlib.terms(text, language), vocabulary, weights)[None, :])[0])


def _weigh(terms: Sequence[str], vocabulary: dict[str, int], weights: np.ndarray) -> np.ndarray:
    row = np.zeros(len(vocabulary))
    for term, count in Counter(terms).items():
        if term in vocabulary:
            row[vocabulary[term]] = textlib.tf(count) * weights[vocabulary[term]]
    return row


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(matrix / norms)


def select(
    pool: Sequence[Candidate], space: Space, originals: Sequence[Article], budget: int, tuning: Tuning
) -> list[int]:
    if not pool:
        return []
    # A sentence that needs context is used only when no better one exists: when every sentence needs it.
    standalone = np.array([not needs_context(c.text, space.language) for c in pool])
    usable = standalone if standalone.any() else np.ones(len(pool), dtype=bool)
    score = np.where(usable, _salience(pool, space, len(originals), tuning), -np.inf)
    score[score < tuning.floor * score.max()] = -np.inf
    opening = _opening(pool, score, originals)
    return _mmr(pool, space, score, budget, opening, tuning)


def _salience(pool: Sequence[Candidate], space: Space, articles: int, tuning: Tuning) -> np.ndarray:
    """Closeness to the centroid and to the headlines, phrases other outlets share, and lead position."""
    return np.asarray(
        np.asarray(space.vectors @ space.centroid)
        + tuning.title_weight * np.asarray(space.vectors @ space.titles)
        + tuning.phrase_weight * _shared_phrases(pool, articles)
        + tuning.lead_weight * _lead(pool)
    )


def _shared_phrases(pool: Sequence[Candidate], articles: int) -> np.ndarray:
    """How many other articles use each two-word phrase of a sentence ("house arrest", "Supreme Court").

    Summed over the phrases and divided by the square root of their number, so a sentence gains by carrying
    more shared phrases but not merely by being long.
    """
    phrases = [set(itertools.pairwise(c.terms)) for c in pool]
    by_article: list[set[tuple[str, str]]] = [set() for _ in range(articles)]
    for candidate, found in zip(pool, phrases, strict=True):
        for article in (candidate.article, *candidate.also):
            by_article[article] |= found
    df = Counter(p for found in by_article for p in found)
    others = max(1, articles - 1)
    return np.array([sum(df[p] - 1 for p in found) / math.sqrt(max(1, len(found))) / others for found in phrases])


def _lead(pool: Sequence[Candidate]) -> np.ndarray:
    """1 for an article's first sentence, falling linearly over its sentences in the pool (with those another
    article printed first)."""
    span: Counter[int] = Counter()
    for c in pool:
        span[c.article] = max(span[c.article], c.position + 1)
    return np.array([1 - c.position / span[c.article] for c in pool])


def _opening(pool: Sequence[Candidate], score: np.ndarray, originals: Sequence[Article]) -> int | None:
    """The lead that opens the summary: the earliest report's that is nearly as good as the best lead, else the
    best.

    A recap or a column published later often condenses the story well, but the news is the first report's;
    when that is a video's one-line blurb, the next report's lead is the news (the Guardian's State of the
    Union story opened on the late-night hosts' reactions, published twelve hours after the speech).
    """
    leads = [i for i, c in enumerate(pool) if c.position == 0 and np.isfinite(score[i])]
    if not leads:
        return None
    best = max(leads, key=lambda i: score[i])
    lead_of = {id(originals[pool[i].article]): i for i in leads}
    earliest = (lead_of[id(a)] for a in by_date(originals) if id(a) in lead_of)
    return next((i for i in earliest if score[i] >= OPENING_SHARE * score[best]), best)


def _mmr(
    pool: Sequence[Candidate],
    space: Space,
    score: np.ndarray,
    budget: int,
    opening: int | None,
    tuning: Tuning,
) -> list[int]:
    """Maximal marginal relevance to the budget (as `length` says), from `opening`; a sentence that repeats is
    never taken."""
    lengths = np.array([c.words for c in pool])
    available = np.isfinite(score)
    summary = _Summary(pool, space, tuning)
    weight, nearest = tuning.mmr_lambda, tuning.nearest
    used = 0
    while used < budget:
        available &= ~summary.repeated()
        admitted = available & fits(used, lengths, budget)
        if nearest and not admitted.any():  # the last sentence: one past the budget if it ends nearer it
            admitted = available & ends_nearer(used, lengths, budget)
        if not admitted.any():
            break
        value = np.where(admitted, weight * score - (1 - weight) * summary.overlap, -np.inf)
        best = opening if not summary.chosen and opening is not None and admitted[opening] else int(np.argmax(value))
        summary.add(best)
        used += int(lengths[best])
        available[best] = False
    # A budget shorter than every sentence still gets the best one rather than nothing.
    return summary.chosen or [int(np.argmax(score))]


class _Summary:
    """The sentences chosen so far, and what the pool would repeat of them."""

    def __init__(self, pool: Sequence[Candidate], space: Space, tuning: Tuning) -> None:
        self.pool = pool
        self.space = space
        self.retold = tuning.retold
        self.retold_any = tuning.retold_any
        # An article's lead tells the event: once the summary has told it, another outlet's lead mostly retells
        # it in other words, too differently for REDUNDANT to see (Tara Reid's rehab story told eight times).
        # Any other outlet's sentence that close to a chosen one is mostly its paraphrase ("Under the act,
        # developers must say where their training data came from ..." after "The law obliges developers to
        # publish a summary of their training data sources ..."): one sentence of an article rarely comes as
        # near to another of the same article without repeating it, but two outlets telling one fact do.
        self.leads = np.array([c.position == 0 for c in pool], dtype=bool)
        self.outlets = [frozenset((c.article, *c.also)) for c in pool]
        self.told = np.zeros(len(pool))  # each candidate's highest cosine to a sentence another article printed
        # Two outlets' versions of one quote or wire sentence differ in a tail of attribution ("said in a
        # statement", "said in a press release announcing ..."): too little for the cosine, the same sentence.
        self.words = [textlib.word_set(c.text, space.language) for c in pool]
        self.copies = np.zeros(len(pool), dtype=bool)
        self.chosen: list[int] = []
        self.overlap = np.zeros(len(pool))  # each candidate's highest cosine to a chosen sentence
        self.covered = np.zeros(space.weights.shape[1], dtype=bool)
        self.stated: set[str] = set()
        totals = space.weights.sum(axis=1)
        self.totals = np.where(totals > 0, totals, 1.0)

    def add(self, index: int) -> None:
        self.chosen.append(index)
        self.overlap = np.maximum(self.overlap, self.space.similarity[index])
        others = np.array([not (outlets & self.outlets[index]) for outlets in self.outlets])
        self.told = np.maximum(self.told, np.where(others, self.space.similarity[index], 0.0))
        self.covered |= self.space.weights[index] > 0
        self.stated |= self.pool[index].facts
        self.copies |= np.array([textlib.same_sentence(words, self.words[index]) for words in self.words])

    def repeated(self) -> np.ndarray:
        """Near-duplicates of a chosen sentence (by cosine, or the same sentence in other words), sentences adding
        too little, paraphrases of stated facts, and other outlets' sentences (their leads most of all) retelling
        a chosen sentence."""
        coverage = (self.space.weights @ self.covered) / self.totals
        restated = np.array([_restates(c.facts, self.stated) for c in self.pool])
        retold = (self.leads & (self.told >= self.retold)) | (self.told >= self.retold_any)
        return np.asarray((self.overlap >= REDUNDANT) | self.copies | (coverage >= COVERED) | restated | retold)


def _restates(facts: frozenset[str], stated: set[str]) -> bool:
    """A paraphrase rewords the rest but keeps the names and numbers: most of them already said means a repeat."""
    return len(facts) >= MIN_FACTS and len(facts & stated) >= RESTATED * len(facts)
