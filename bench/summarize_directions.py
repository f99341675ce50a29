"""Directions measured for #14's summary targets, each scored held out as bench/summarize.py scores the default.

    python bench/summarize_directions.py [--new] [--seven] [--eight] [--ten]

Same data, budget, ROUGE and folds as bench/summarize.py --folds 5 (FOLD_SEED): a direction with constants has
them chosen on the other folds only; the learned scorer is fit on the other folds only. Printed: the mean of
the five held-out fold means, beside the in-sample figure (chosen or fit on all 23 clusters, scored on them).

- centroid salience, greedy (mmr_lambda 1.0: measured, not adopted, see CHANGELOG) and with MMR at 0.7 (the
  default);
- + outlet agreement: the mean share of the other articles using each of a sentence's content words;
- + article agreement: the cosine of the sentence's article to the other articles (an off-topic page in the
  cluster, a paywall or a transcript, counts less);
- lead-weighted centroid: every sentence votes for the centroid by its lead weight, not one vote each;
- learned scorer: least squares over eleven general features of a sentence (closeness to the centroid and the
  titles, shared phrases, lead weight, is-lead, 1/(1+position), log position, length, outlet agreement, names
  and numbers per word, quoted share), z-scored within the cluster, target its ROUGE-2 recall against the
  reference (z-scored within the cluster; raw; per word), then the default's selection (floor, opening, MMR);
- monotone submodular coverage + diversity (Lin & Bilmes 2011): sum over sentences i of min(sum of chosen
  cosines to i, alpha * sum of all cosines to i) + lambda * sum over articles of sqrt(reward chosen in it),
  greedy by gain / length^0.3; alpha and lambda chosen by the folds.

Added in session 5 (also held out, same folds):
- the shape of the lead weight (linear over the article's pool sentences, 1/(1+position), exp(-position/5)) and
  a length exponent (salience x (words/20)^beta), chosen by the folds with the lead weight and MMR;
- the selection's own constants (REDUNDANT, COVERED, RESTATED, the floor, MMR), never cross-validated before;
- SumBasic (Nenkova & Vanderwende 2005) and KLSum (Haghighi & Vanderwende 2009) over the same pool: word
  probabilities of the cluster, no constant;
- supervised concept weights (Li, Qian & Liu 2013): a logistic regression fit on the other folds predicts
  whether each concept (bigram of stems) is in the reference from nine general features (share and count of
  outlets using it, occurrences, in a title, earliest position, in a lead, holds a stop word, holds a name or
  number, outlets in the cluster), and the concepts method's exact ILP covers the predicted weights;
- the learned sentence scorer added to the centroid salience (weight 0-0.5 chosen on the other folds) instead of
  replacing it.

Added in session 6 (printed first; `--new` prints only these), each over the default's grid (depth 10/30/60,
title, phrase and lead weights, MMR 0.7), which is also printed alone as the row to beat:
- the idf prior of the summary space (centroid.IDF_PRIOR: documents' worth of general English) in {0, 3, 10, 30,
  100}, chosen by the folds with the grid;
- surface-bigram agreement: a sentence's word bigrams as ROUGE-2 counts them (lower-cased, stemmed, stop words
  kept), each by the share of the other articles using it, as the mean ("share") or the sum over the square root
  of their number ("sqrt"); added to the salience (weight 0, .25, .5, 1 chosen by the folds) or in place of
  _shared_phrases (consecutive content stems) at the phrase weight (.25, .75, 1.5);
- an article-vote centroid: each article one vote (the unit mean of its sentences' vectors) instead of each
  sentence one, alone, half and half, or chosen by the folds among {sentence, half, article};
- the opening: MMR from the best sentence instead of opening with the best article lead, alone or chosen by
  the folds (WikinewsSum articles carry no date, so the first report's lead never applies here).

Added in session 7 (`--seven` prints only these; held out over 20 shuffles of the folds, as bench/summarize.py
now also reports), each over the default's grid: cross-article support (a sentence's highest cosine to another
article's sentence), news cues (a time expression, a reporting verb), opening its paragraph, biased LexRank
(a random walk on the cosines teleporting to the salience), an exact knapsack of the salience with no two
near-repeats, MMR at 0.5 / 0.85 / 1.0, and needs_context with none or one of its rules removed.

Added in session 8 (`--eight`): topic signatures (Lin & Hovy 2000; CLASSY's sentence score, Conroy et al.): stems
whose share of the pool's tokens is significantly above general English's (Dunning's log-likelihood ratio, p <
0.001, against wordfreq), as the share or the count of a sentence's stems that are signatures, added to the
salience. Every row here ends summaries within the budget (a cap); bench/summarize.py scores the length rule.

Added in session 10 (`--ten`): how a sentence says it, added to the salience at a weight the folds choose among
0, .1, .2, .4: minus its quoted share, its names and numbers per word, whether it holds a digit.
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
import statistics
import sys
from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import numpy as np
from rouge_score import rouge_scorer
from scipy.optimize import Bounds, LinearConstraint, milp

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _eval import metrics
from summarize import BUDGET, FOLD_SEED, REPEATS, clusters, folds

from digest import text as textlib
from digest.models import Cluster
from digest.summarize import DEFAULT, Tuning, centroid, concepts, pool
from digest.summarize import sentences as pool_rules
from digest.summarize.sentences import Candidate, clean_sentences, needs_context

DEPTHS = (10, 30, 60)
Scores = dict[str, float]
Key = TypeVar("Key", bound=Hashable)


@dataclass
class Prepared:
    """One cluster's pool at one depth, its space, its reference, and each sentence's ROUGE-2 recall."""

    group: Cluster
    reference: str
    pool: list[Candidate]
    space: centroid.Space
    usable: np.ndarray
    recall: np.ndarray
    surface: dict[str, np.ndarray] = field(default_factory=dict)  # surface_bigrams, computed once per kind

    @property
    def originals(self) -> int:
        return len(self.group.originals() or self.group.articles)


def prepare(group: Cluster, reference: str, depth: int, tokenize: Callable[[str], list[str]]) -> Prepared:
    originals = group.originals() or group.articles
    candidates = pool(originals, depth)
    reference_pairs = Counter(itertools.pairwise(tokenize(reference)))
    total = max(1, sum(reference_pairs.values()))
    recall = [sum((Counter(itertools.pairwise(tokenize(c.text))) & reference_pairs).values()) for c in candidates]
    usable = np.array([not needs_context(c.text) for c in candidates])
    space = centroid.space(candidates, originals)
    return Prepared(group, reference, candidates, space, usable, np.array(recall) / total)


def rouge(p: Prepared, chosen: Sequence[int]) -> Scores:
    found: Scores = metrics().rouge(metrics().cut_words(" ".join(p.pool[i].text for i in chosen), BUDGET), p.reference)
    return found


def choose(p: Prepared, salience: np.ndarray, tuning: Tuning, lead_opens: bool = True) -> list[int]:
    """The default's selection over a given salience: standalone sentences, floor, opening lead, MMR (from the
    best sentence, whatever its position, when not `lead_opens`)."""
    usable = p.usable if p.usable.any() else np.ones(len(p.pool), dtype=bool)
    score = np.where(usable, salience, -np.inf)
    score[score < tuning.floor * score.max()] = -np.inf
    originals = list(p.group.originals() or p.group.articles)
    opening = centroid._opening(p.pool, score, originals) if lead_opens else None
    # A cap, as every direction's own selection here has: these rows compare choices of sentences, while
    # bench/summarize.py scores where a summary ends (digest.summarize.length) with the rest of the grid.
    return centroid._mmr(p.pool, p.space, score, BUDGET, opening, replace(tuning, nearest=False))


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def outlet_agreement(p: Prepared) -> np.ndarray:
    used: list[set[str]] = [set() for _ in range(p.originals)]
    for c in p.pool:
        used[c.article].update(c.terms)
    df = Counter(t for terms in used for t in terms)
    others = max(1, p.originals - 1)
    return np.array([statistics.fmean((df[t] - 1) / others for t in set(c.terms)) if c.terms else 0.0 for c in p.pool])


def article_agreement(p: Prepared) -> np.ndarray:
    vectors = p.space.vectors
    article = np.array([c.article for c in p.pool])
    means = [_unit(np.asarray(vectors[article == a].sum(axis=0)).ravel()) for a in range(p.originals)]
    agreement = np.ones(p.originals)
    for a in range(p.originals):
        others = [m for b, m in enumerate(means) if b != a]
        if others:
            agreement[a] = float(means[a] @ _unit(np.sum(others, axis=0)))
    spread: np.ndarray = agreement[article]
    return spread


def lead_centroid(p: Prepared) -> np.ndarray:
    """Closeness to a centroid each sentence votes for by its lead weight, less the plain centroid's."""
    vectors = p.space.vectors
    lead = centroid._lead(p.pool)
    weighted = _unit(np.asarray(vectors.T @ lead).ravel())
    difference: np.ndarray = np.asarray(vectors @ weighted).ravel() - np.asarray(vectors @ p.space.centroid).ravel()
    return difference


Extra = Callable[[Prepared], np.ndarray] | None


def salience_table(
    data: dict[int, list[Prepared]], extra: Extra, weights: Sequence[float], mmr: float
) -> dict[tuple[int, float, float, float, float], list[Scores]]:
    """The default's grid (depth, title, phrase, lead weights) with `extra` added at each of `weights`."""
    table = {}
    grid = itertools.product(DEPTHS, (0.25, 0.75), (0.25, 0.75), (0.2, 0.6), weights)
    for depth, title, phrase, lead, weight in grid:
        tuning = replace(DEFAULT, title_weight=title, phrase_weight=phrase, lead_weight=lead, mmr_lambda=mmr)
        rows = []
        for p in data[depth]:
            salience = centroid._salience(p.pool, p.space, p.originals, tuning)
            if extra is not None:
                salience = salience + weight * extra(p)
            rows.append(rouge(p, choose(p, salience, tuning)))
        table[(depth, title, phrase, lead, weight)] = rows
    return table


def features(p: Prepared) -> np.ndarray:
    space = p.space
    position = np.array([c.position for c in p.pool], dtype=float)
    length = np.array([c.words for c in p.pool], dtype=float)
    quoted = np.array([sum(len(q.split()) for q in _quotes(c.text)) / c.words for c in p.pool])
    names = np.array([len(c.facts) for c in p.pool]) / length
    columns = [
        np.asarray(space.vectors @ space.centroid).ravel(),
        np.asarray(space.vectors @ space.titles).ravel(),
        centroid._shared_phrases(p.pool, p.originals),
        centroid._lead(p.pool),
        (position == 0).astype(float),
        1 / (1 + position),
        np.log1p(position),
        length / 30,
        outlet_agreement(p),
        names,
        quoted,
    ]
    matrix = np.column_stack(columns)
    spread = matrix.std(axis=0)
    return np.asarray((matrix - matrix.mean(axis=0)) / np.where(spread > 0, spread, 1.0))


def _quotes(sentence: str) -> list[str]:
    return [q for i, q in enumerate(sentence.replace("“", '"').replace("”", '"').split('"')) if i % 2]


def _within(values: np.ndarray, usable: np.ndarray) -> np.ndarray:
    spread = float(values[usable].std()) if usable.any() else 0.0
    return (values - values[usable].mean()) / (spread or 1.0) if usable.any() else values


TARGETS: dict[str, Callable[[Prepared], np.ndarray]] = {
    "R-2 recall, z in cluster": lambda p: _within(p.recall, p.usable),
    "R-2 recall": lambda p: p.recall,
    "R-2 recall per word, z in cluster": lambda p: _within(p.recall / [c.words for c in p.pool], p.usable),
}


def fit(train: Sequence[Prepared], target: Callable[[Prepared], np.ndarray], ridge: float = 1.0) -> np.ndarray:
    """Least squares with a light ridge (not on the intercept) over the standalone sentences of `train`."""
    rows = [np.column_stack([features(p), np.ones(len(p.pool))])[p.usable] for p in train]
    x, y = np.vstack(rows), np.concatenate([target(p)[p.usable] for p in train])
    penalty = ridge * np.eye(x.shape[1])
    penalty[-1, -1] = 0.0
    return np.asarray(np.linalg.solve(x.T @ x + penalty, x.T @ y))


def learned(p: Prepared, weights: np.ndarray) -> list[int]:
    predicted = np.column_stack([features(p), np.ones(len(p.pool))]) @ weights
    low = predicted[p.usable].min() if p.usable.any() else predicted.min()
    shifted = predicted - low
    return choose(p, shifted / (shifted.max() or 1.0), DEFAULT)


def lin_bilmes(p: Prepared, alpha: float, diversity: float, scale: float = 0.3) -> list[int]:
    similarity = np.clip(p.space.similarity, 0, None)
    usable = p.usable if p.usable.any() else np.ones(len(p.pool), dtype=bool)
    lengths = np.array([c.words for c in p.pool], dtype=float)
    cap = alpha * similarity.sum(axis=1)
    reward = similarity.mean(axis=1)
    article = np.array([c.article for c in p.pool])
    cover, parts = np.zeros(len(p.pool)), np.zeros(p.originals)
    chosen: list[int] = []
    used = 0.0
    available = usable.copy()
    while True:
        available &= lengths <= BUDGET - used
        if not available.any():
            break
        index = np.flatnonzero(available)
        coverage = np.minimum(cover[None, :] + similarity[index], cap).sum(axis=1) - np.minimum(cover, cap).sum()
        spread = np.sqrt(parts[article[index]] + reward[index]) - np.sqrt(parts[article[index]])
        gain = coverage + diversity * spread
        pick = int(np.argmax(gain / lengths[index] ** scale))
        if gain[pick] <= 0:
            break
        best = int(index[pick])
        chosen.append(best)
        cover += similarity[best]
        parts[article[best]] += reward[best]
        used += lengths[best]
        available[best] = False
    return chosen


def summary(scores: Sequence[Scores]) -> Scores:
    return {k: statistics.fmean(s[k] for s in scores) for k in ("r1", "r2")}


def held_out(table: Mapping[Key, list[Scores]], shuffles: int = 1) -> tuple[Scores, Scores]:
    """Mean of the folds' held-out means (choice on the other folds), over `shuffles` splits (FOLD_SEED, +1, ...),
    and the all-cluster choice in-sample."""

    def best(clusters: Sequence[int]) -> Key:
        return max(table, key=lambda c: statistics.fmean(table[c][i]["r1"] + table[c][i]["r2"] for i in clusters))

    count = len(next(iter(table.values())))
    parts = [test for r in range(shuffles) for test in folds(count, 5, FOLD_SEED + r)]
    means = [summary([table[best([i for i in range(count) if i not in test])][i] for i in test]) for test in parts]
    return {k: statistics.fmean(m[k] for m in means) for k in ("r1", "r2")}, summary(table[best(range(count))])


def report(name: str, cross: Scores, inside: Scores) -> None:
    print(f"{name:<46} {cross['r1']:.4f}  {cross['r2']:.4f}   {inside['r1']:.4f}  {inside['r2']:.4f}", flush=True)


def lead_shape(p: Prepared, shape: str) -> np.ndarray:
    """The lead weight as centroid._lead gives it ("linear"), or falling faster with the position."""
    position = np.array([c.position for c in p.pool], dtype=float)
    shapes = {"linear": centroid._lead(p.pool), "inverse": 1 / (1 + position), "exp5": np.exp(-position / 5)}
    return shapes[shape]


def shaped_table(data: Sequence[Prepared]) -> dict[tuple[float, str, float, float], list[Scores]]:
    """Lead weight x lead shape x length exponent x MMR, every other constant the default's."""
    table = {}
    for lead, shape, beta, mmr in itertools.product(
        (0.2, 0.6, 1.0), ("linear", "inverse", "exp5"), (0, 0.25, 0.5), (0.7, 1.0)
    ):
        tuning = replace(DEFAULT, lead_weight=lead, mmr_lambda=mmr)
        rows = []
        for p in data:
            unled = centroid._salience(p.pool, p.space, p.originals, replace(tuning, lead_weight=0.0))
            lengths = np.array([c.words for c in p.pool], dtype=float)
            salience = (unled + lead * lead_shape(p, shape)) * (lengths / 20) ** beta
            rows.append(rouge(p, choose(p, salience, tuning)))
        table[(lead, shape, beta, mmr)] = rows
    return table


def selection_table(data: Sequence[Prepared]) -> dict[tuple[float, ...], list[Scores]]:
    """The selection's constants: near-duplicate cosine, covered share, restated share, floor, MMR."""
    saved = centroid.REDUNDANT, centroid.COVERED, centroid.RESTATED
    table: dict[tuple[float, ...], list[Scores]] = {}
    try:
        grid = itertools.product((0.4, 0.5, 0.6), (0.6, 0.7, 0.85), (0.6, 0.8), (0.0, 0.33), (0.7, 1.0))
        for redundant, covered, restated, floor, mmr in grid:
            centroid.REDUNDANT, centroid.COVERED, centroid.RESTATED = redundant, covered, restated
            tuning = replace(DEFAULT, floor=floor, mmr_lambda=mmr)
            table[(redundant, covered, restated, floor, mmr)] = [
                rouge(p, choose(p, centroid._salience(p.pool, p.space, p.originals, tuning), tuning)) for p in data
            ]
    finally:
        centroid.REDUNDANT, centroid.COVERED, centroid.RESTATED = saved
    return table


def _usable_fitting(p: Prepared) -> np.ndarray:
    usable = p.usable if p.usable.any() else np.ones(len(p.pool), dtype=bool)
    return np.asarray(usable & (np.array([c.words for c in p.pool]) <= BUDGET))


def _cluster_probabilities(p: Prepared) -> dict[str, float]:
    counts = Counter(t for c in p.pool for t in c.terms)
    total = max(1, sum(counts.values()))
    return {t: n / total for t, n in counts.items()}


def sumbasic(p: Prepared) -> list[int]:
    """SumBasic: the sentence of highest mean word probability, then each chosen word's probability squared."""
    probability = _cluster_probabilities(p)
    available, lengths = _usable_fitting(p), np.array([c.words for c in p.pool])
    chosen: list[int] = []
    used = 0
    while (available := available & (lengths <= BUDGET - used)).any():

        def mean_probability(i: int) -> float:
            terms = set(p.pool[i].terms)
            return sum(probability[t] for t in terms) / len(terms) if terms else -1.0

        best = max(np.flatnonzero(available).tolist(), key=mean_probability)
        chosen.append(best)
        used += int(lengths[best])
        available[best] = False
        for term in set(p.pool[best].terms):
            probability[term] **= 2
    return chosen


def klsum(p: Prepared, smoothing: float = 0.01) -> list[int]:
    """KLSum: greedily the sentence that brings the summary's word distribution closest (KL) to the cluster's."""
    probability = _cluster_probabilities(p)
    available, lengths = _usable_fitting(p), np.array([c.words for c in p.pool])
    chosen: list[int] = []
    summary_counts: Counter[str] = Counter()
    used = 0

    def divergence(counts: Counter[str]) -> float:
        total = sum(counts.values()) + smoothing * len(probability)
        return float(sum(q * np.log(q * total / (counts[t] + smoothing)) for t, q in probability.items()))

    while (available := available & (lengths <= BUDGET - used)).any():
        best = min(
            np.flatnonzero(available).tolist(), key=lambda i: divergence(summary_counts + Counter(p.pool[i].terms))
        )
        chosen.append(best)
        summary_counts += Counter(p.pool[best].terms)
        used += int(lengths[best])
        available[best] = False
    return chosen


@dataclass
class Concepts:
    """One cluster's concepts (bigrams of stems), their features, whether the reference holds each, and the
    concepts each pool sentence holds."""

    keys: list[concepts.Concept]
    features: np.ndarray
    in_reference: np.ndarray
    held: list[set[concepts.Concept]]


def concept_features(p: Prepared) -> Concepts:
    originals = p.group.originals() or p.group.articles
    held = [concepts.concepts(c.text) for c in p.pool]
    outlets: dict[concepts.Concept, set[str]] = {}
    count: Counter[concepts.Concept] = Counter()
    earliest: dict[concepts.Concept, int] = {}
    named: set[concepts.Concept] = set()
    for candidate, found in zip(p.pool, held, strict=True):
        for concept in found:
            outlets.setdefault(concept, set()).add(originals[candidate.article].label)
            count[concept] += 1
            earliest[concept] = min(earliest.get(concept, candidate.position), candidate.position)
        for first, second in itertools.pairwise(textlib.words(candidate.text)):
            if first[0].isupper() or first[0].isdigit() or second[0].isupper() or second[0].isdigit():
                named.add((textlib.stem(first), textlib.stem(second)))
    titled = set().union(*(concepts.concepts(a.title) for a in originals if a.title))
    stop = {textlib.stem(w) for w in textlib.stop_words(None)}
    total = len({a.label for a in originals})
    keys = sorted(count)
    rows = [
        [
            len(outlets[k]) / total,
            float(len(outlets[k]) > 1),
            np.log1p(count[k]),
            float(k in titled),
            1 / (1 + earliest[k]),
            float(earliest[k] == 0),
            float(k[0] in stop or k[1] in stop),
            float(k in named),
            np.log(total),
        ]
        for k in keys
    ]
    reference = concepts.concepts(p.reference)
    return Concepts(keys, np.array(rows), np.array([k in reference for k in keys], dtype=float), held)


Logistic = tuple[np.ndarray, np.ndarray, np.ndarray]


def fit_logistic(parts: Sequence[Concepts], ridge: float = 1.0) -> Logistic:
    """Logistic regression on z-scored features by Newton's method, a light ridge off the intercept."""
    x = np.vstack([c.features for c in parts])
    y = np.concatenate([c.in_reference for c in parts])
    mean, spread = x.mean(axis=0), x.std(axis=0)
    spread[spread == 0] = 1.0
    z = np.column_stack([(x - mean) / spread, np.ones(len(x))])
    penalty = ridge * np.diag([*np.ones(z.shape[1] - 1), 0.0])
    weights = np.zeros(z.shape[1])
    for _ in range(30):
        predicted = 1 / (1 + np.exp(-z @ weights))
        gradient = z.T @ (predicted - y) + penalty @ weights
        hessian = (z * (predicted * (1 - predicted))[:, None]).T @ z + penalty
        weights -= np.linalg.solve(hessian, gradient)
    return mean, spread, weights


def supervised_concepts(p: Prepared, found: Concepts, model: Logistic) -> list[int]:
    mean, spread, weights = model
    z = np.column_stack([(found.features - mean) / spread, np.ones(len(found.keys))])
    predicted = 1 / (1 + np.exp(-z @ weights))
    weight = dict(zip(found.keys, predicted.tolist(), strict=True))
    lengths = [c.words for c in p.pool]
    usable = _usable_fitting(p).tolist()
    exclusive = concepts._same_sentences(p.pool)
    chosen = concepts._exact(concepts.Program(found.held, weight, lengths, usable, exclusive, BUDGET), p.pool)
    return sorted(chosen or [], key=lambda i: (p.pool[i].position, p.pool[i].article))


def mixed(p: Prepared, weights: np.ndarray, share: float, mmr: float) -> list[int]:
    """The centroid salience plus `share` of its spread times the learned score (z within the cluster)."""
    tuning = replace(DEFAULT, mmr_lambda=mmr)
    salience = centroid._salience(p.pool, p.space, p.originals, tuning)
    if not p.usable.any():
        return choose(p, salience, tuning)
    predicted = _within(np.column_stack([features(p), np.ones(len(p.pool))]) @ weights, p.usable)
    combined = salience + share * float(salience[p.usable].std()) * predicted
    return choose(p, combined - combined[p.usable].min() + 1e-6, tuning)


def fold_fitted(
    data: Sequence[Prepared], run: Callable[[Sequence[int], Sequence[int]], list[Scores]]
) -> tuple[Scores, Scores]:
    """Held-out mean of the folds (`run(train, test)` fits on train, scores test) and the all-cluster fit."""
    parts = folds(len(data), 5)
    everything = list(range(len(data)))
    means = [summary(run([i for i in everything if i not in test], test)) for test in parts]
    return {k: statistics.fmean(m[k] for m in means) for k in ("r1", "r2")}, summary(run(everything, everything))


def _r1_r2(scores: Scores) -> float:
    return scores["r1"] + scores["r2"]


def session_five(data: Sequence[Prepared]) -> None:
    report("lead shape x length exponent (54 points)", *held_out(shaped_table(data)))
    report("selection constants (72 points)", *held_out(selection_table(data)))
    plain = {"": [rouge(p, sumbasic(p)) for p in data]}
    report("SumBasic (no constant)", *held_out(plain))
    report("KLSum (no constant)", *held_out({"": [rouge(p, klsum(p)) for p in data]}))
    found = [concept_features(p) for p in data]

    def concept_run(train: Sequence[int], test: Sequence[int]) -> list[Scores]:
        model = fit_logistic([found[i] for i in train])
        return [rouge(data[i], supervised_concepts(data[i], found[i], model)) for i in test]

    report("supervised concept weights + ILP (Li et al.)", *fold_fitted(data, concept_run))
    target = TARGETS["R-2 recall per word, z in cluster"]
    for mmr in (0.7, 1.0):

        def mixed_run(train: Sequence[int], test: Sequence[int], mmr: float = mmr) -> list[Scores]:
            weights = fit([data[i] for i in train], target)
            shares = (0.0, 0.1, 0.25, 0.5)
            on_train = {
                s: statistics.fmean(_r1_r2(rouge(data[i], mixed(data[i], weights, s, mmr))) for i in train)
                for s in shares
            }
            share = max(shares, key=lambda s: on_train[s])
            return [rouge(data[i], mixed(data[i], weights, share, mmr)) for i in test]

        report(f"centroid + learned score (share 0-0.5), MMR {mmr}", *fold_fitted(data, mixed_run))


PRIORS = (0, 3, 10, 30, 100)
Tokenize = Callable[[str], list[str]]


@contextmanager
def idf_prior(documents: int) -> Iterator[None]:
    """centroid.IDF_PRIOR set to `documents` while the spaces are built."""
    saved = centroid.IDF_PRIOR
    centroid.IDF_PRIOR = documents
    try:
        yield
    finally:
        centroid.IDF_PRIOR = saved


Variant = Callable[[Prepared, Tuning, float], np.ndarray]  # a salience given the tuning and an extra weight


Row = tuple[Key, int, float, float, float, float, bool]  # variant, depth, title, phrase, lead, extra weight, opens


def variant_table(
    data: Mapping[Key, dict[int, list[Prepared]]],
    salience: Variant,
    weights: Sequence[float] = (0.0,),
    phrases: Sequence[float] = (0.25, 0.75),
    lead_opens: Sequence[bool] = (True,),
) -> dict[Row[Key], list[Scores]]:
    """The default's grid (depth, title, phrase, lead weights; MMR 0.7) over each prepared variant of the data
    (a key of `data`: an idf prior, a vote), times the extra `weights` a salience may take."""
    table = {}
    for key, prepared in data.items():
        grid = itertools.product(DEPTHS, (0.25, 0.75), phrases, (0.2, 0.6), weights, lead_opens)
        for depth, title, phrase, lead, weight, opens in grid:
            tuning = replace(DEFAULT, title_weight=title, phrase_weight=phrase, lead_weight=lead)
            table[(key, depth, title, phrase, lead, weight, opens)] = [
                rouge(p, choose(p, salience(p, tuning, weight), tuning, opens)) for p in prepared[depth]
            ]
    return table


def default_salience(p: Prepared, tuning: Tuning, weight: float = 0.0) -> np.ndarray:
    return centroid._salience(p.pool, p.space, p.originals, tuning)


def surface_bigrams(p: Prepared, kind: str) -> np.ndarray:
    """How far other articles of the cluster use a sentence's word bigrams as ROUGE-2 counts them (lower-cased,
    stemmed, stop words kept): "share" is the mean over its bigrams of the share of the other articles using
    each; "sqrt" sums those shares and divides by the square root of the bigrams' number (as _shared_phrases)."""
    if kind not in p.surface:
        pairs = [set(itertools.pairwise(textlib.stem(w) for w in textlib.words(c.text))) for c in p.pool]
        by_article: list[set[tuple[str, str]]] = [set() for _ in range(p.originals)]
        for c, found in zip(p.pool, pairs, strict=True):
            by_article[c.article] |= found
        df = Counter(pair for found in by_article for pair in found)
        others = max(1, p.originals - 1)
        shares = [[(df[pair] - 1) / others for pair in found] for found in pairs]
        if kind == "share":
            p.surface[kind] = np.array([statistics.fmean(s) if s else 0.0 for s in shares])
        else:
            p.surface[kind] = np.array([sum(s) / np.sqrt(max(1, len(s))) for s in shares])
    return p.surface[kind]


def surface_extra(kind: str) -> Variant:
    def salience(p: Prepared, tuning: Tuning, weight: float) -> np.ndarray:
        return default_salience(p, tuning) + weight * surface_bigrams(p, kind)

    return salience


def surface_phrases(kind: str) -> Variant:
    """Surface bigrams in place of _shared_phrases, at the phrase weight."""

    def salience(p: Prepared, tuning: Tuning, weight: float) -> np.ndarray:
        unphrased = default_salience(p, replace(tuning, phrase_weight=0.0))
        return unphrased + tuning.phrase_weight * surface_bigrams(p, kind)

    return salience


def article_vote(p: Prepared, share: float) -> Prepared:
    """`p` with its centroid voted for by each article (the unit mean of its sentences' vectors) at `share`, by
    each sentence (the default) at 1 - share."""
    vectors = p.space.vectors
    article = np.array([c.article for c in p.pool])
    means = [_unit(np.asarray(vectors[article == a].sum(axis=0)).ravel()) for a in range(p.originals)]
    by_article = _unit(np.sum(means, axis=0))
    mixed_centroid = _unit(share * by_article + (1 - share) * p.space.centroid)
    return replace(p, space=replace(p.space, centroid=mixed_centroid))


def session_six(rows: Sequence[tuple[Cluster, str]], data: dict[int, list[Prepared]], tokenize: Tokenize) -> None:
    """#14's last open item, held out: the idf prior, surface-bigram agreement, an article-vote centroid, the
    opening."""
    base = {"": data}
    report("default grid (24 points, MMR 0.7)", *held_out(variant_table(base, default_salience)))
    priors: dict[int, dict[int, list[Prepared]]] = {}
    for prior in PRIORS:
        if prior == centroid.IDF_PRIOR:
            priors[prior] = data
            continue
        with idf_prior(prior):
            priors[prior] = prepared(rows, tokenize)
    table = variant_table(priors, default_salience)
    report("idf prior {0,3,10,30,100} x default grid", *held_out(table))
    chosen(table, slice(0, 2), "(prior, depth)")
    for prior in PRIORS:
        report(
            f"  idf prior {prior} alone x default grid", *held_out({k: v for k, v in table.items() if k[0] == prior})
        )
    for kind in ("share", "sqrt"):
        extra = variant_table(base, surface_extra(kind), weights=(0.0, 0.25, 0.5, 1.0))
        report(f"+ surface bigrams ({kind}; 0, .25, .5, 1)", *held_out(extra))
        chosen(extra, slice(5, 6), "(weight,)")
        instead = variant_table(base, surface_phrases(kind), phrases=(0.25, 0.75, 1.5))
        report(f"surface bigrams ({kind}) for shared phrases", *held_out(instead))
    votes = {share: {d: [article_vote(p, share) for p in ps] for d, ps in data.items()} for share in (0.5, 1.0)}
    report("article-vote centroid (1.0)", *held_out(variant_table({1.0: votes[1.0]}, default_salience)))
    report("article-vote centroid (0.5)", *held_out(variant_table({0.5: votes[0.5]}, default_salience)))
    voted = variant_table({0.0: data, **votes}, default_salience)
    report("article/sentence vote {0, .5, 1} x grid", *held_out(voted))
    chosen(voted, slice(0, 1), "(article share,)")
    report(
        "no forced opening: MMR from the best sentence",
        *held_out(variant_table(base, default_salience, lead_opens=(False,))),
    )
    opened = variant_table(base, default_salience, lead_opens=(True, False))
    report("lead opens or not, chosen by the folds", *held_out(opened))
    chosen(opened, slice(6, 7), "(lead opens,)")


def chosen(table: Mapping[Row[Key], list[Scores]], fields: slice, names: str) -> None:
    """What each fold's training clusters choose (`names`: the fields of the key shown), then all clusters."""
    count = len(next(iter(table.values())))

    def best(clusters: Sequence[int]) -> Row[Key]:
        return max(table, key=lambda c: statistics.fmean(table[c][i]["r1"] + table[c][i]["r2"] for i in clusters))

    choices = [best([i for i in range(count) if i not in test])[fields] for test in folds(count, 5)]
    print(f"{'':<4}{names} chosen per fold: {choices}; on all clusters: {best(range(count))[fields]}")


def prepared(rows: Sequence[tuple[Cluster, str]], tokenize: Tokenize) -> dict[int, list[Prepared]]:
    return {depth: [prepare(group, reference, depth, tokenize) for group, reference in rows] for depth in DEPTHS}


# Session 7: each direction over the default's grid, held out over REPEATS shuffles of the folds.
_TIME = re.compile(
    r"\b(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|yesterday|today|tonight|last (?:week|month|year|night)"
    r"|this (?:week|month|morning)|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}\b)",
    re.I,
)
_REPORTING = re.compile(r"\b(?:said|says|announced|told|according to|reported|confirmed|stated)\b")


def cross_support(p: Prepared) -> np.ndarray:
    """Each sentence's highest cosine to a sentence of another article: a fact more than one outlet reports."""
    article = np.array([c.article for c in p.pool])
    if not len(article):
        return np.zeros(0)
    others = np.where(article[:, None] != article[None, :], p.space.similarity, 0.0)
    support: np.ndarray = others.max(axis=1)
    return support


def news_cues(p: Prepared) -> np.ndarray:
    """Half for a time expression ("on Monday", "Nov. 23"), half for a reporting verb ("said", "announced")."""
    return np.array([(bool(_TIME.search(c.text)) + bool(_REPORTING.search(c.text))) / 2 for c in p.pool])


def paragraph_first(p: Prepared) -> np.ndarray:
    """1 for a sentence that opens its paragraph (the paragraph's first clean sentence)."""
    firsts = set()
    for article in p.group.originals() or p.group.articles:
        for paragraph in article.text.split("\n"):
            found = next(clean_sentences(paragraph), None)
            if found:
                firsts.add(" ".join(found.split()))
    return np.array([float(" ".join(c.text.split()) in firsts) for c in p.pool])


def added(feature: Callable[[Prepared], np.ndarray]) -> Variant:
    def salience(p: Prepared, tuning: Tuning, weight: float) -> np.ndarray:
        return default_salience(p, tuning) + weight * feature(p)

    return salience


def report_added(
    base: Mapping[Key, dict[int, list[Prepared]]],
    rows: Sequence[tuple[str, Callable[[Prepared], np.ndarray], Sequence[float]]],
) -> None:
    """One held-out row (REPEATS shuffles) per (label, feature, weights): the feature added to the default's
    salience at the weight the folds choose among `weights`."""
    for label, feature, weights in rows:
        report(label, *held_out(variant_table(base, added(feature), weights=weights), REPEATS))


def biased_lexrank(damping: float) -> Variant:
    """LexRank's random walk on the sentences' cosines, teleporting to the default's salience (Otterbacher et
    al. 2005's biased LexRank): a sentence like many salient ones gains. Rescaled to the salience's maximum."""

    def salience(p: Prepared, tuning: Tuning, weight: float) -> np.ndarray:
        base = default_salience(p, tuning)
        n = len(p.pool)
        if not n:
            return base
        links = p.space.similarity.copy()
        np.fill_diagonal(links, 0.0)
        sums = links.sum(axis=1, keepdims=True)
        walk = np.where(sums > 0, links / np.where(sums > 0, sums, 1.0), 1.0 / n)
        bias = np.maximum(base, 0.0)
        bias = bias / bias.sum() if bias.sum() > 0 else np.full(n, 1.0 / n)
        rank = np.full(n, 1.0 / n)
        for _ in range(50):
            rank = (1 - damping) * bias + damping * (walk.T @ rank)
        scaled: np.ndarray = rank / rank.max() * base.max()
        return scaled

    return salience


def knapsack(p: Prepared, tuning: Tuning, redundant: float = 0.5) -> list[int]:
    """The default's salience (per word times words / 20) summed over a set chosen exactly within the budget
    (scipy's HiGHS), no two sentences at cosine `redundant` or more (McDonald 2007's global MMR, linearized)."""
    usable = p.usable if p.usable.any() else np.ones(len(p.pool), dtype=bool)
    score = np.where(usable, default_salience(p, tuning), -np.inf)
    score[score < tuning.floor * score.max()] = -np.inf
    found = np.where(np.isfinite(score))[0]
    if not len(found):
        return []
    lengths = np.array([p.pool[i].words for i in found], dtype=float)
    rows, upper = [lengths], [float(BUDGET)]
    close = p.space.similarity[np.ix_(found, found)] >= redundant
    for a, b in zip(*np.nonzero(np.triu(close, 1)), strict=True):
        pair = np.zeros(len(found))
        pair[[a, b]] = 1.0
        rows.append(pair)
        upper.append(1.0)
    constraint = LinearConstraint(np.array(rows), -np.inf, np.array(upper))
    result = milp(
        -score[found] * lengths / 20, constraints=constraint, integrality=np.ones(len(found)), bounds=Bounds(0, 1)
    )
    if result.x is None:
        return []
    return sorted((int(found[k]) for k in np.nonzero(result.x > 0.5)[0]), key=lambda i: -score[i])


def unfiltered(data: dict[int, list[Prepared]], needs: Callable[[str], bool]) -> dict[int, list[Prepared]]:
    """The prepared data with `needs` in place of needs_context."""
    return {d: [replace(p, usable=np.array([not needs(c.text) for c in p.pool])) for p in ps] for d, ps in data.items()}


def _needs_context_without(rule: str) -> Callable[[str], bool]:
    """needs_context (on English) without one of its rules: "first person", "opening" (pronoun or connective),
    "quotes" or "elliptical"."""
    kept = [check for name, check in pool_rules.ENGLISH_CONTEXT_RULES.items() if name != rule]
    return lambda text: any(check(text) for check in kept)


def session_seven(data: dict[int, list[Prepared]]) -> None:
    """#14's targets, session 7: signals not tried before, each held out over REPEATS shuffles of the folds."""
    base = {"": data}
    print(f"(session 7: held out = mean over {REPEATS} shuffles of the 5 folds)")
    shuffled = REPEATS
    report("default grid (24 points, MMR 0.7)", *held_out(variant_table(base, default_salience), shuffled))
    report_added(
        base,
        (
            ("+ cross-article support (0, .25, .5, 1)", cross_support, (0.0, 0.25, 0.5, 1.0)),
            ("+ news cues: time, reporting verb (0, .1, .2, .4)", news_cues, (0.0, 0.1, 0.2, 0.4)),
            ("+ opens its paragraph (0, .1, .2, .4)", paragraph_first, (0.0, 0.1, 0.2, 0.4)),
        ),
    )
    lexrank = {d: variant_table({d: data}, biased_lexrank(d)) for d in (0.15, 0.3, 0.5)}
    report(
        "biased LexRank (damping .15, .3, .5)",
        *held_out({k: v for t in lexrank.values() for k, v in t.items()}, shuffled),
    )
    exact = {
        (depth, title, phrase, lead): [
            rouge(p, knapsack(p, replace(DEFAULT, title_weight=title, phrase_weight=phrase, lead_weight=lead)))
            for p in data[depth]
        ]
        for depth, title, phrase, lead in itertools.product(DEPTHS, (0.25, 0.75), (0.25, 0.75), (0.2, 0.6))
    }
    report("knapsack ILP of salience x length, no near-repeats", *held_out(exact, shuffled))
    for weight in (0.5, 0.85, 1.0):
        report(f"MMR {weight} (default grid)", *held_out(salience_table(data, None, (0.0,), weight), shuffled))
    report(
        "no needs_context filter",
        *held_out(variant_table({"": unfiltered(data, lambda _: False)}, default_salience), shuffled),
    )
    for rule in ("first person", "opening", "quotes", "elliptical"):
        table = variant_table({"": unfiltered(data, _needs_context_without(rule))}, default_salience)
        report(f"needs_context without its {rule} rule", *held_out(table, shuffled))


SIGNIFICANT = 10.83  # Dunning's log-likelihood ratio at p < 0.001, as topic signatures are chosen


def topic_signatures(p: Prepared) -> set[str]:
    """Lin & Hovy's topic signatures: stems far more frequent in the cluster's pool than in general English
    (wordfreq, per token), by Dunning's log-likelihood ratio against a background too large to count."""
    counts = Counter(t for c in p.pool for t in c.terms)
    word: dict[str, str] = {}
    for (stem, form), _ in Counter(pair for c in p.pool for pair in zip(c.terms, c.forms, strict=True)).most_common():
        word.setdefault(stem, form)
    total = max(1, sum(counts.values()))
    stems = list(counts)
    found = set()
    for stem, common in zip(stems, textlib.commonnesses([word[t] for t in stems]), strict=True):
        mine, general = counts[stem] / total, common / 500  # commonness is per 500-word document
        if mine <= general:
            continue
        rest = (total - counts[stem]) * math.log((1 - mine) / (1 - general)) if mine < 1 else 0.0
        if 2 * (counts[stem] * math.log(mine / general) + rest) > SIGNIFICANT:
            found.add(stem)
    return found


def signature_share(p: Prepared) -> np.ndarray:
    """The share of a sentence's content stems that are topic signatures (Conroy et al.'s CLASSY scores so)."""
    found = topic_signatures(p)
    return np.array([sum(t in found for t in c.terms) / max(1, len(c.terms)) for c in p.pool])


def signature_count(p: Prepared) -> np.ndarray:
    """How many topic signatures a sentence holds, by tens."""
    found = topic_signatures(p)
    return np.array([len(set(c.terms) & found) / 10 for c in p.pool])


def session_eight(data: dict[int, list[Prepared]]) -> None:
    """#14's targets, session 8: topic signatures added to the default's salience, held out over REPEATS
    shuffles of the folds (the budget a cap here, as in every row of this file)."""
    base = {"": data}
    report("default grid (24 points, MMR 0.7)", *held_out(variant_table(base, default_salience), REPEATS))
    for name, feature in (("signature share", signature_share), ("signature count / 10", signature_count)):
        weighted = variant_table(base, added(feature), weights=(0.0, 0.25, 0.5, 1.0))
        report(f"+ {name} (0, .25, .5, 1)", *held_out(weighted, REPEATS))
        report(f"+ {name} (1)", *held_out(variant_table(base, added(feature), weights=(1.0,)), REPEATS))


def quoted_share(p: Prepared) -> np.ndarray:
    """Minus the share of a sentence's characters inside quotation marks: a reference written in the neutral
    voice of a news report may paraphrase what its sources quote."""
    return -np.array([sum(len(q) for q in _quotes(c.text)) / max(1, len(c.text)) for c in p.pool])


def facts_per_word(p: Prepared) -> np.ndarray:
    """Names and numbers per word (x5, about the salience's scale): a dense sentence says more in the budget."""
    return np.array([5 * len(c.facts) / max(1, c.words) for c in p.pool])


def has_digit(p: Prepared) -> np.ndarray:
    """1 for a sentence with a digit: a date, a count, an amount."""
    return np.array([float(any(ch.isdigit() for ch in c.text)) for c in p.pool])


def session_ten(data: dict[int, list[Prepared]]) -> None:
    """#14's targets, session 10: how a sentence says it (quoted, dense in names and numbers, with a number),
    added to the default's salience, held out over REPEATS shuffles of the folds."""
    base = {"": data}
    report("default grid (24 points, MMR 0.7)", *held_out(variant_table(base, default_salience), REPEATS))
    weights = (0.0, 0.1, 0.2, 0.4)
    report_added(
        base,
        (
            ("- quoted share (0, .1, .2, .4)", quoted_share, weights),
            ("+ names, numbers per word x5 (0, .1, .2, .4)", facts_per_word, weights),
            ("+ has a digit (0, .1, .2, .4)", has_digit, weights),
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--new", action="store_true", help="only the directions of session 6")
    parser.add_argument("--seven", action="store_true", help="only the directions of session 7")
    parser.add_argument("--eight", action="store_true", help="only the directions of session 8")
    parser.add_argument("--ten", action="store_true", help="only the directions of session 10")
    args = parser.parse_args()
    scorer = rouge_scorer.RougeScorer(["rouge2"], use_stemmer=True)
    tokenize: Tokenize = scorer._tokenizer.tokenize
    rows = clusters()
    data = prepared(rows, tokenize)
    print(f"WikinewsSum dev: {len(rows)} clusters, first {BUDGET} words, 5 folds (seed as bench/summarize.py)\n")
    print(f"{'direction':<46} 5-fold held out  in-sample\n{'':<46} R1      R2       R1      R2")
    if args.seven:
        session_seven(data)
        return
    if args.eight:
        session_eight(data)
        return
    if args.ten:
        session_ten(data)
        return
    session_six(rows, data, tokenize)
    if args.new:
        return
    report("centroid salience, greedy (mmr_lambda 1.0)", *held_out(salience_table(data, None, (0.0,), 1.0)))
    report("centroid salience, MMR 0.7 (before)", *held_out(salience_table(data, None, (0.0,), 0.7)))
    for name, extra in (
        ("+ outlet agreement (0.5, 1.0)", outlet_agreement),
        ("+ article agreement (0.5, 1.0)", article_agreement),
        ("lead-weighted centroid (1.0)", lead_centroid),
    ):
        weights = (1.0,) if extra is lead_centroid else (0.5, 1.0)
        report(name, *held_out(salience_table(data, extra, weights, 1.0)))
    deepest = data[max(DEPTHS)]
    parts = folds(len(deepest), 5)
    for name, target in TARGETS.items():
        scores: list[Scores] = [{}] * len(deepest)
        for test in parts:
            weights_fit = fit([deepest[i] for i in range(len(deepest)) if i not in test], target)
            for i in test:
                scores[i] = rouge(deepest[i], learned(deepest[i], weights_fit))
        cross = {k: statistics.fmean(summary([scores[i] for i in test])[k] for test in parts) for k in ("r1", "r2")}
        everything = fit(deepest, target)
        report(f"learned: {name}", cross, summary([rouge(p, learned(p, everything)) for p in deepest]))
    grid = {(a, d): [rouge(p, lin_bilmes(p, a, d)) for p in deepest] for a, d in itertools.product((0.1, 0.2), (1, 6))}
    report("Lin & Bilmes (alpha 0.1/0.2, lambda 1/6)", *held_out(grid))
    session_five(deepest)
    session_seven(data)
    session_eight(data)


if __name__ == "__main__":
    main()
