"""sumy's LexRank, TextRank, Luhn and LSA over digest's pool: they rank, the budget is filled in their order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sumy.models.dom import ObjectDocumentModel, Paragraph
from sumy.models.dom import Sentence as SumySentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from digest import text as textlib
from digest.summarize.sentences import Candidate

SUMY = {
    "lexrank": LexRankSummarizer,
    "textrank": TextRankSummarizer,
    "luhn": LuhnSummarizer,
    "lsa": LsaSummarizer,
}


def select(pool: Sequence[Candidate], method: str, budget: int) -> list[int]:
    """Rank the pool with one of sumy's summarizers, then fill the budget in its order."""
    if not pool:
        return []
    tokenizer = textlib.SumyTokenizer()
    document = ObjectDocumentModel([Paragraph([SumySentence(c.text, tokenizer) for c in pool])])
    summarizer = SUMY[method](Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    ranked: list[str] = []
    summarizer(document, _record_ranking(ranked))
    index = {c.text: i for i, c in enumerate(pool)}
    chosen: list[int] = []
    used = 0
    for text in ranked:
        i = index[text]
        if used + pool[i].words <= budget:
            chosen.append(i)
            used += pool[i].words
    return chosen or [index[ranked[0]]]


def _record_ranking(ranked: list[str]) -> Callable[[list[Any]], list[Any]]:
    """A sumy sentence count that keeps every sentence, noting sumy's best-first order in `ranked`."""

    def count(infos: list[Any]) -> list[Any]:
        ranked.extend(str(info.sentence) for info in infos)
        return infos

    return count
