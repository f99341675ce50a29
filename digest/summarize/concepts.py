"""Concept coverage (Gillick & Favre 2009): the sentences that together cover the most weight of concepts.

A concept is a bigram of stems (two stop words make none); its weight is the number of outlets that use it,
in the pool's sentences or in their title. The summary maximizes the summed weight of the concepts it holds
within the word budget, each concept counted once however many sentences hold it: so repeating what is
already said gains nothing, and what most outlets report is what the summary says. The budget is the only
knob; one sentence more is added when it ends the summary nearer the budget (`length`). Solved exactly as an
integer program by HiGHS (scipy.optimize.milp, shipped with scipy); a concept held by only one sentence is
folded into that sentence's value, which keeps the program small (a 20-article cluster solves in about 20-50
ms). The cost-scaled greedy (Khuller et al.) stands in if the solver fails.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from digest import text as textlib
from digest.models import Article
from digest.summarize.headline import headings
from digest.summarize.length import ends_nearer, fits
from digest.summarize.sentences import Candidate, needs_context
from digest.summarize.tuning import Tuning

Concept = tuple[str, str]
SOLVER_SECONDS = 10.0  # a safety net (the program solves in milliseconds): past it the greedy answer is used
TIE = 1e-3  # value of being earlier in an article: breaks ties between equal coverage, never outweighs a concept


def select(
    pool: Sequence[Candidate], originals: Sequence[Article], budget: int, tuning: Tuning, language: str | None = None
) -> list[int]:
    """Indices of the chosen sentences, leads first (then in the order of the articles)."""
    if not pool:
        return []
    held = [concepts(c.text, language) for c in pool]
    weights = _weights(pool, held, originals, tuning.titles)
    lengths = [c.words for c in pool]
    standalone = [not needs_context(c.text, language) for c in pool]
    # A sentence that needs context is used only when every sentence does.
    usable = [s and n <= budget for s, n in zip(standalone, lengths, strict=True)] if any(standalone) else None
    usable = usable or [n <= budget for n in lengths]
    if not any(usable):  # a budget shorter than every sentence still gets the best one rather than nothing
        return [max(range(len(pool)), key=lambda i: (_value(held[i], weights), -i))]
    program = Program(held, weights, lengths, usable, _same_sentences(pool, language), budget)
    chosen = _exact(program, pool) if tuning.exact else None
    if chosen is None:
        chosen = _greedy(program)
    if tuning.nearest:
        chosen = _completed(program, chosen)
    return sorted(chosen, key=lambda i: (pool[i].position, pool[i].article))


@dataclass(frozen=True)
class Program:
    """What is chosen from: each sentence's concepts, length and whether it may be used, each concept's weight,
    the pairs of near-identical sentences of which at most one is used, and the word budget."""

    held: Sequence[set[Concept]]
    weights: Mapping[Concept, float]
    lengths: Sequence[int]
    usable: Sequence[bool]
    exclusive: Sequence[tuple[int, int]]
    budget: int


def concepts(sentence: str, language: str | None = None) -> set[Concept]:
    """Bigrams of stems, as Gillick & Favre count them: adjacent words, not both stop words."""
    tokens = textlib.words(sentence, language)
    stems = [textlib.stem(w, language) for w in tokens]
    stop_words = textlib.stop_words(language)
    stop = [w.lower() in stop_words for w in tokens]
    return {
        (first, second)
        for (first, second), (a, b) in zip(itertools.pairwise(stems), itertools.pairwise(stop), strict=True)
        if not (a and b)
    }


def _weights(
    pool: Sequence[Candidate], held: Sequence[set[Concept]], originals: Sequence[Article], titles: bool
) -> dict[Concept, int]:
    """How many outlets use each concept (an outlet with two articles in the story counts once)."""
    by_outlet: dict[str, set[Concept]] = {}
    for candidate, found in zip(pool, held, strict=True):
        by_outlet.setdefault(originals[candidate.article].label, set()).update(found)
    if titles:  # the titles that could head the story: a site's name on every page or a date is no headline
        for text, article in headings(originals):
            by_outlet.setdefault(article.label, set()).update(concepts(text))
    return dict(Counter(c for found in by_outlet.values() for c in found))


def _value(found: set[Concept], weights: Mapping[Concept, float]) -> float:
    return sum(weights.get(c, 0) for c in found)


def _same_sentences(pool: Sequence[Candidate], language: str | None = None) -> list[tuple[int, int]]:
    """Pairs of near-identical sentences (two outlets carrying one wire sentence): at most one of each is used."""
    words = [textlib.word_set(c.text, language) for c in pool]
    pairs = []
    for i, j in itertools.combinations(range(len(pool)), 2):
        small, large = sorted((len(words[i]), len(words[j])))
        # Jaccard >= t needs the smaller set at least t of the larger: a cheap test first.
        if small >= textlib.SAME_SENTENCE * large and textlib.same_sentence(words[i], words[j]):
            pairs.append((i, j))
    return pairs


def _exact(program: Program, pool: Sequence[Candidate]) -> list[int] | None:
    """The integer program: max sum of w_c z_c + sum of v_s x_s, with sum of len_s x_s <= budget and each
    shared concept's z_c <= the x_s of the sentences holding it; x binary, z in [0, 1] (integral at optimum).

    v_s is the weight of the concepts only sentence s holds, plus TIE for an earlier position."""
    from scipy import sparse  # scipy.optimize takes 0.2 s to import: only this method needs it
    from scipy.optimize import Bounds, LinearConstraint, milp

    holders: dict[Concept, list[int]] = {}
    for index, found in enumerate(program.held):
        for concept in found:
            if concept in program.weights:
                holders.setdefault(concept, []).append(index)
    sentences = len(program.held)
    own = np.array([TIE / (1 + c.position) for c in pool])
    shared: list[Concept] = []
    for concept, where in holders.items():
        if len(where) == 1:
            own[where[0]] += program.weights[concept]
        else:
            shared.append(concept)
    rows, cols, values = [], [], []
    for row, concept in enumerate(shared):
        for index in holders[concept]:
            rows.append(row)
            cols.append(index)
            values.append(-1.0)
        rows.append(row)
        cols.append(sentences + row)
        values.append(1.0)
    for row, (i, j) in enumerate(program.exclusive, start=len(shared)):
        rows += [row, row]
        cols += [i, j]
        values += [1.0, 1.0]
    size = sentences + len(shared)
    objective = -np.concatenate([own, [program.weights[c] for c in shared]])
    length = np.concatenate([np.asarray(program.lengths, dtype=float), np.zeros(len(shared))])
    constraints = [LinearConstraint(length[None, :], 0, program.budget)]
    if rows:
        upper = np.concatenate([np.zeros(len(shared)), np.ones(len(program.exclusive))])
        matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(shared) + len(program.exclusive), size))
        constraints.append(LinearConstraint(matrix, -np.inf, upper))
    upper_bounds = np.concatenate([np.asarray(program.usable, dtype=float), np.ones(len(shared))])
    bounds = Bounds(np.zeros(size), upper_bounds)
    integrality = np.concatenate([np.ones(sentences), np.zeros(len(shared))])
    result = milp(
        objective,
        constraints=constraints,
        integrality=integrality,
        bounds=bounds,
        options={"time_limit": SOLVER_SECONDS},
    )
    if result.x is None:
        return None
    return [i for i in range(sentences) if result.x[i] > 0.5] or None


def _completed(program: Program, chosen: list[int]) -> list[int]:
    """The chosen sentences, and then the one adding the most concept weight among those that would end the
    summary nearer the budget than it ends now (`length`): the program never passes the budget."""
    used = sum(program.lengths[i] for i in chosen)
    covered = set().union(*(program.held[i] for i in chosen))
    picked = set(chosen)
    barred = picked | {b for pair in program.exclusive if picked.intersection(pair) for b in pair}
    last = [
        i
        for i, ok in enumerate(program.usable)
        if ok and i not in barred and not fits(used, program.lengths[i], program.budget)
    ]
    gains = {
        i: _value(program.held[i] - covered, program.weights)
        for i in last
        if ends_nearer(used, program.lengths[i], program.budget)
    }
    best = max(gains, key=lambda i: (gains[i], -i), default=None)
    return [*chosen, best] if best is not None and gains[best] > 0 else chosen


def _greedy(program: Program) -> list[int]:
    """Cost-scaled greedy: the most new weight per word until the budget is full, then the better of that and
    the single most valuable sentence (which bounds the greedy's loss, Khuller, Moss and Naor 1999)."""
    excluded: dict[int, set[int]] = {}
    for i, j in program.exclusive:
        excluded.setdefault(i, set()).add(j)
        excluded.setdefault(j, set()).add(i)
    available = set(i for i, ok in enumerate(program.usable) if ok)
    chosen: list[int] = []
    covered: set[Concept] = set()
    used = 0
    while True:
        fitting = [i for i in available if fits(used, program.lengths[i], program.budget)]
        gains = {i: _value(program.held[i] - covered, program.weights) / program.lengths[i] for i in fitting}
        if not gains or max(gains.values()) <= 0:
            break
        best = max(gains, key=lambda i: (gains[i], -i))
        chosen.append(best)
        covered |= program.held[best]
        used += program.lengths[best]
        available -= {best} | excluded.get(best, set())
    usable = [i for i, ok in enumerate(program.usable) if ok]
    single = max(usable, key=lambda i: (_value(program.held[i], program.weights), -i))
    if _value(program.held[single], program.weights) > _value(covered, program.weights):
        return [single]
    return chosen or [single]
