"""The constants the summary methods depend on, in one place, so that bench/summarize.py can choose them by
cross-validation (`--folds 5`) instead of by reading the scores of the clusters they were shaped on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    """What `summarize` may be tuned by. The defaults are what 5-fold cross-validation chose on WikinewsSum dev
    (with the method "centroid"): in four folds of five the same values were chosen on the other four."""

    per_article: int = 60  # sentences of each article's opening in the pool (POOL_LIMIT may give fewer)
    # concepts: Gillick & Favre's concept coverage; the budget is its only knob, these say what a concept is.
    titles: bool = True  # an outlet's title counts among the bigrams it uses
    exact: bool = True  # the ILP solved exactly (HiGHS), or the cost-scaled greedy approximation
    # centroid: digest's earlier scoring by closeness to the coverage's centroid, picked by MMR.
    title_weight: float = 0.75
    phrase_weight: float = 0.75
    lead_weight: float = 0.2
    floor: float = 0.33  # a sentence scoring below this share of the best one is padding: better to stop short
    mmr_lambda: float = 0.7
    retold: float = 0.2  # cosine to a chosen sentence at which another article's lead retells it (1.0: never)
    retold_any: float = 0.3  # the same for any sentence of another article (1.0: never): a lead retells the
    # event more loosely than a body sentence retells a fact
    # every method: the summary ends at the sentence boundary nearest the budget (False: never past it)
    nearest: bool = True


DEFAULT = Tuning()
