"""How long a summary runs: to the sentence boundary nearest its word budget.

A budget is what the reader asked for ("about 120 words"), and whole sentences rarely add up to it. Every
method fills it with the sentences that fit; when none fits any more, it takes one more if that ends the summary
nearer the budget than stopping short does (its best such sentence: the one it would have taken next). Never
passing the budget leaves a summary short by half a sentence on average (94 words of 100 on WikinewsSum dev).
`Tuning.nearest` False makes the budget a cap instead; bench/summarize.py --folds 5 chooses between the two
with the other constants.
"""

from __future__ import annotations

from typing import overload

import numpy as np


@overload
def fits(used: int, words: int, budget: int) -> bool: ...
@overload
def fits(used: int, words: np.ndarray, budget: int) -> np.ndarray: ...
def fits(used: int, words: int | np.ndarray, budget: int) -> bool | np.ndarray:
    """Whether a sentence of `words` words (or each of an array of lengths) fits after the `used` chosen."""
    return used + words <= budget


@overload
def ends_nearer(used: int, words: int, budget: int) -> bool: ...
@overload
def ends_nearer(used: int, words: np.ndarray, budget: int) -> np.ndarray: ...
def ends_nearer(used: int, words: int | np.ndarray, budget: int) -> bool | np.ndarray:
    """Whether a sentence that passes the budget ends the summary nearer it than stopping at `used` does."""
    return used + words - budget < budget - used
