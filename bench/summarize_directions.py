"""Directions measured for #14's summary targets, each scored held out as bench/summarize.py scores the default.

    python bench/summarize_directions.py

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
"""

from __future__ import annotations

import itertools
import statistics
import sys
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import numpy as np
from rouge_score import rouge_scorer

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _eval import metrics
from summarize import BUDGET, clusters, folds

from digest.models import Cluster
from digest.summarize import DEFAULT, Tuning, centroid, pool
from digest.summarize.sentences import Candidate, needs_context

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


def choose(p: Prepared, salience: np.ndarray, tuning: Tuning) -> list[int]:
    """The default's selection over a given salience: standalone sentences, floor, opening lead, MMR."""
    usable = p.usable if p.usable.any() else np.ones(len(p.pool), dtype=bool)
    score = np.where(usable, salience, -np.inf)
    score[score < tuning.floor * score.max()] = -np.inf
    opening = centroid._opening(p.pool, score, list(p.group.originals() or p.group.articles))
    return centroid._mmr(p.pool, p.space, score, BUDGET, opening, tuning.mmr_lambda)


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


def held_out(table: Mapping[Key, list[Scores]]) -> tuple[Scores, Scores]:
    """Mean of the folds' held-out means (choice on the other folds), and the all-cluster choice in-sample."""

    def best(clusters: Sequence[int]) -> Key:
        return max(table, key=lambda c: statistics.fmean(table[c][i]["r1"] + table[c][i]["r2"] for i in clusters))

    count = len(next(iter(table.values())))
    parts = folds(count, 5)
    means = [summary([table[best([i for i in range(count) if i not in test])][i] for i in test]) for test in parts]
    return {k: statistics.fmean(m[k] for m in means) for k in ("r1", "r2")}, summary(table[best(range(count))])


def report(name: str, cross: Scores, inside: Scores) -> None:
    print(f"{name:<46} {cross['r1']:.4f}  {cross['r2']:.4f}   {inside['r1']:.4f}  {inside['r2']:.4f}", flush=True)


def main() -> None:
    scorer = rouge_scorer.RougeScorer(["rouge2"], use_stemmer=True)
    tokenize: Callable[[str], list[str]] = scorer._tokenizer.tokenize
    rows = clusters()
    data = {depth: [prepare(group, reference, depth, tokenize) for group, reference in rows] for depth in DEPTHS}
    print(f"WikinewsSum dev: {len(rows)} clusters, first {BUDGET} words, 5 folds (seed as bench/summarize.py)\n")
    print(f"{'direction':<46} 5-fold held out  in-sample\n{'':<46} R1      R2       R1      R2")
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


if __name__ == "__main__":
    main()
