"""sumy's LexRank, TextRank, Luhn and LSA over digest's pool: they rank, the budget is filled in their order.

sumy is imported when one of them runs: its stemmer imports NLTK, which imports scipy.stats (half a second),
and the default method needs none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from digest import text as textlib
from digest.summarize.length import ends_nearer, fits
from digest.summarize.sentences import Candidate


def select(
    pool: Sequence[Candidate], method: str, budget: int, language: str | None = None, nearest: bool = True
) -> list[int]:
    """Rank the pool with one of sumy's summarizers, then fill the budget in its order (as `length` says): English
    with sumy's own stemmer and stop words (as ever), another language with digest's (sumy's know fewer)."""
    if not pool:
        return []
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.utils import get_stop_words

    tokenizer = textlib.SumyTokenizer(language)
    document = ObjectDocumentModel([Paragraph([SumySentence(c.text, tokenizer) for c in pool])])
    if textlib.stop_words(language) is textlib.STOP_WORDS:  # English, or unknown
        summarizer = _summarizer(method)(Stemmer("english"))
        summarizer.stop_words = get_stop_words("english")
    else:
        summarizer = _summarizer(method)(partial(textlib.stem, language=language))
        summarizer.stop_words = textlib.stop_words(language)
    ranked: list[str] = []
    summarizer(document, _record_ranking(ranked))
    index = {c.text: i for i, c in enumerate(pool)}
    chosen: list[int] = []
    taken: list[frozenset[str]] = []  # the rankers know no redundancy: two outlets' copies of one wire sentence
    used = 0
    for last in (False, True) if nearest else (False,):
        for text in ranked:
            i, found = index[text], textlib.word_set(text, language)
            if i in chosen or textlib.same_as_any(found, taken):
                continue
            if ends_nearer(used, pool[i].words, budget) if last else fits(used, pool[i].words, budget):
                chosen.append(i)
                taken.append(found)
                used += pool[i].words
                if last:  # one sentence past the budget at most (`length`)
                    break
    return chosen or [index[ranked[0]]]


def _summarizer(method: str) -> Any:
    """sumy's summarizer class for `method`."""
    if method == "lexrank":
        from sumy.summarizers.lex_rank import LexRankSummarizer

        return LexRankSummarizer
    if method == "textrank":
        from sumy.summarizers.text_rank import TextRankSummarizer

        return TextRankSummarizer
    if method == "luhn":
        from sumy.summarizers.luhn import LuhnSummarizer

        return LuhnSummarizer
    from sumy.summarizers.lsa import LsaSummarizer

    return LsaSummarizer


def _record_ranking(ranked: list[str]) -> Callable[[list[Any]], list[Any]]:
    """A sumy sentence count that keeps every sentence, noting sumy's best-first order in `ranked`."""

    def count(infos: list[Any]) -> list[Any]:
        ranked.extend(str(info.sentence) for info in infos)
        return infos

    return count
