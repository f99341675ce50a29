"""The articles as integer arrays: stems of their titles and bodies in sentence-like segments, date and number
features, the segments each outlet repeats across its stories (boilerplate: bylines, pitches, footers) and the
words of its template (in most of its articles, rare elsewhere, each in one place).

Copies and vectors are both read from this one representation, so they agree on what a word, a sentence and
boilerplate are.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np

from digest import text as textlib
from digest.models import Article

TITLE_WEIGHT = 3.0
FEATURE_WEIGHT = 4.0  # each date, month, year, weekday and number in the title and first LEAD_CHARACTERS
LEAD_CHARACTERS = 1500  # about 250 words
FEATURE_COMMONNESS = 0.01  # general-English prior of such a feature, for idf (a word's own comes from wordfreq)
SAMPLED_CHARACTERS = 400  # of each article, where the terms shown for a cluster are looked up as written
MIN_SENTENCE_WORDS = 6  # shorter segments (datelines, captions) are too short to tell a copy
TEMPLATE_SHARE = 0.9  # a word in more than this share of an outlet's different articles is its furniture
TEMPLATE_ARTICLES = 5  # ("submitted", "Advertise", "REDDIT"), once the outlet has at least this many,
TEMPLATE_SPREAD = 0.2  # unless other outlets' articles use it at least this share as often

# Segments (sentences, roughly) end at a line end or after a piece ending in . ! ? or … (closing quotes aside).
_SENTENCE_END = ".!?…"
_CLOSING = "\"'”’)]"
BREAK = -2
STOP_WORD = -1
_NUMBER_KEY = 2**62  # every number, to fingerprints: "[link] [277 comments]" repeats whatever the count
_MONTH = re.compile(
    r"(?=[ADFJMNOS])(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
_DAY_AFTER = re.compile(r"\s+(\d{1,2})(?:st|nd|rd|th)?\b")
_DAY_BEFORE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?$")
_YEAR = re.compile(r"\b(?:19[5-9]\d|20\d\d)\b")
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?!\w)")
_MONTH_KEYS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# "3. März", "1er mars", "3 mars", "3 de marzo": the day before another language's month name
_DAY_BEFORE_ELSEWHERE = re.compile(r"\b(\d{1,2})(?:\.|er|º|ª)?\s+(?:de\s+|del\s+)?$")


@dataclass(frozen=True)
class Calendar:
    """How a language writes months and weekdays, each found by a pattern and keyed as in English ("mar",
    "monday"), so dates are features whatever the language."""

    month: re.Pattern[str]
    weekday: re.Pattern[str]
    month_key: Callable[[str], str]
    weekday_key: Callable[[str], str]
    day_after: re.Pattern[str] | None
    day_before: re.Pattern[str]


ENGLISH_CALENDAR = Calendar(
    _MONTH,
    re.compile(r"((?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)\b"),
    lambda name: name[:3].lower(),
    str.lower,
    _DAY_AFTER,
    _DAY_BEFORE,
)


@lru_cache(maxsize=64)
def calendar(language: str | None) -> Calendar:
    """The language's month and weekday names from CLDR (Babel, loaded only for other languages than English);
    English patterns for English, unknown text and a language CLDR does not know. Full names only: short ones
    are words too (Spanish "mar" is the sea)."""
    if language in (None, "en"):
        return ENGLISH_CALENDAR
    from babel import UnknownLocaleError
    from babel.dates import get_day_names, get_month_names

    try:
        months = {name.casefold(): _MONTH_KEYS[n - 1] for n, name in get_month_names("wide", locale=language).items()}
        days = {name.casefold(): _WEEKDAY_KEYS[n] for n, name in get_day_names("wide", locale=language).items()}
    except (UnknownLocaleError, ValueError):
        return ENGLISH_CALENDAR
    return Calendar(
        _alternatives(months),
        _alternatives(days),
        lambda name: months[name.casefold()],
        lambda name: days[name.casefold()],
        None,
        _DAY_BEFORE_ELSEWHERE,
    )


def _alternatives(names: Mapping[str, str]) -> re.Pattern[str]:
    ordered = sorted(names, key=len, reverse=True)  # "septiembre" before "sept"
    return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, ordered)) + r")(?!\w)", re.IGNORECASE)


_POSITION_HASH = np.random.default_rng(1).integers(1, 2**63, size=64, dtype=np.uint64)


class Vocabulary:
    """Stems (of content words) and features as ids, so texts are held as integer arrays rather than strings."""

    def __init__(self, language: str | None = None) -> None:
        self.language = language  # ISO 639-1: whose stems, stop words and word frequencies (None: English)
        self.stop_words = textlib.stop_words(language)
        self.pieces: dict[str, tuple[int, ...]] = {}  # a whitespace-separated piece of text -> its token ids
        self.written: dict[str, int] = {}  # a word as written -> its stem id, or STOP_WORD
        self.ids: dict[str, int] = {}  # stem or feature -> id
        self.names: list[str] = []  # id -> stem or feature
        self.shown: list[str] = []  # id -> how to show it: lowercase if ever so written, else as first written
        self._commonness: list[float] = []  # id -> share of general-English documents using it (idf prior)
        self._unpriced: dict[int, str] = {}  # id -> its word, for the stems whose commonness is not asked yet
        self._forms: dict[str, None] = {}  # every other content word written, asked along (see `commonness`)
        self._as_written: dict[str, str] = {}  # a content word lowercased -> as it was first written
        self._numbers = np.zeros(1024, dtype=bool)  # id -> whether it is all digits (grown by doubling)

    def tokens(self, text: str) -> np.ndarray:
        """Each word of the text (as textlib reads words) as an id: a stem id or STOP_WORD, with BREAK after
        each line and each piece that ends a sentence. Pieces between spaces repeat, so each is parsed once and
        the usual piece, seen before, costs one dictionary look-up at C speed."""
        pieces: list[str] = []
        for line in text.splitlines():
            pieces += line.split()
            pieces.append("\n")
        missing = set(pieces).difference(self.pieces)
        if missing:  # in order of appearance, so ids (and float sums over them) do not depend on hash seeds
            for piece in dict.fromkeys(pieces):
                if piece in missing:
                    self._parse(piece)
        return np.fromiter(chain.from_iterable(map(self.pieces.__getitem__, pieces)), dtype=np.int64)

    def _parse(self, piece: str) -> None:
        ids = tuple(map(self.word, textlib.words(piece, self.language)))
        if piece == "\n" or piece.rstrip(_CLOSING)[-1:] in _SENTENCE_END:
            ids += (BREAK,)
        self.pieces[piece] = ids

    def word(self, word: str) -> int:
        known = self.written.get(word)
        if known is None:
            lowered = word.lower()
            if len(word) < 2 or lowered in self.stop_words:
                known = STOP_WORD
            else:
                known = self.term(textlib.stem(lowered, self.language), lowered)
                self._forms[lowered] = None
                shown = word.removesuffix("'s").removesuffix("’s")
                if _plainness(shown) < _plainness(self.shown[known]):
                    self.shown[known] = shown
                self._as_written.setdefault(shown.lower(), shown)
            self.written[word] = known
        return known

    def term(self, name: str, word: str | None = None) -> int:
        """The id of a stem first seen as `word` (lowercased), or of a feature (word None: it has a fixed prior)."""
        index = self.ids.get(name)
        if index is None:
            index = self.ids[name] = len(self.names)
            self.names.append(name)
            self.shown.append("")  # set by the caller to the plainest form written
            self._commonness.append(FEATURE_COMMONNESS)
            if word:
                self._unpriced[index] = word
            if index == len(self._numbers):
                self._numbers = np.concatenate([self._numbers, np.zeros(index, dtype=bool)])
            self._numbers[index] = name.isdigit()
        return index

    @property
    def commonness(self) -> list[float]:
        """id -> share of general-English documents using it (the idf prior): a stem's from its word, asked of
        wordfreq's counts for all new words at once (one search of its list rather than one a word). The other
        forms of each stem are asked in the same search, for next to nothing: summaries weigh a stem by its
        commonest form, one word at a time, and then find it known."""
        if self._unpriced:
            ids, words = zip(*self._unpriced.items(), strict=True)
            values = textlib.commonnesses([*words, *self._forms], self.language)
            for index, value in zip(ids, values, strict=False):
                self._commonness[index] = value
            self._unpriced.clear()
            self._forms.clear()
        return self._commonness

    def numbers(self, ids: np.ndarray) -> np.ndarray:
        """Which of these ids are numbers."""
        found: np.ndarray = self._numbers[ids]
        return found

    def cased(self, lowered: str) -> str:
        """A word as it is usually written: lowercase if ever so written (a common word), else capitalized, else
        as it was first written ("MongoDB", "NASA")."""
        if lowered in self.written or not lowered[:1].isalpha():
            return lowered
        if lowered.capitalize() in self.written:
            return lowered.capitalize()
        return self._as_written.get(lowered, lowered.upper())


def _plainness(written: str) -> int:
    """How plainly a word is written, for display: lowercase or digits (a common word or a number), then
    Capitalized (a name), then anything else (ALL CAPS); never written at all is last."""
    if not written:
        return 3
    if written.islower() or not written[:1].isalpha():
        return 0
    return 1 if written[:1].isupper() and not written.isupper() else 2


@dataclass(frozen=True)
class Text:
    """One article as ids: title stems, body stems in sentence-like segments, and date and number features."""

    title: np.ndarray
    words: np.ndarray  # the body's stems, in order; segment i is words[bounds[i]:bounds[i + 1]]
    bounds: np.ndarray
    long: np.ndarray  # whether each segment has MIN_SENTENCE_WORDS words (of any kind)
    keys: np.ndarray  # a fingerprint of each segment's stems, to spot boilerplate (0 for none)
    features: np.ndarray
    body: bytes | None  # digest of the body's stems, to spot exact copies; None when too short to tell

    @classmethod
    def of(cls, article: Article, vocabulary: Vocabulary) -> Text:
        tokens = vocabulary.tokens(article.text)
        segment = np.cumsum(tokens == BREAK)
        count = int(segment[-1]) + 1 if len(segment) else 0
        content = tokens >= 0
        words = tokens[content]
        bounds = np.searchsorted(segment[content], np.arange(count + 1))
        title = vocabulary.tokens(article.title or "")
        return cls(
            title=title[title >= 0],
            words=words,
            bounds=bounds,
            long=np.bincount(segment[tokens != BREAK], minlength=count) >= MIN_SENTENCE_WORDS,
            keys=_fingerprints(np.where(vocabulary.numbers(words), _NUMBER_KEY, words), bounds),
            features=np.array([vocabulary.term(f) for f in _features(article, vocabulary.language)], dtype=np.int64),
            body=hashlib.blake2b(words.tobytes(), digest_size=16).digest()
            if len(words) >= MIN_SENTENCE_WORDS
            else None,
        )


def _fingerprints(words: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each segment's stems in order (0 for a segment without any), computed without a loop."""
    keys = np.zeros(len(bounds) - 1, dtype=np.uint64)
    if not len(words):
        return keys
    lengths = np.diff(bounds)
    position = np.arange(len(words)) - np.repeat(bounds[:-1], lengths)
    mixed = (words.astype(np.uint64) + np.uint64(1)) * _POSITION_HASH[position % len(_POSITION_HASH)]
    filled = lengths > 0
    keys[filled] = np.add.reduceat(mixed, bounds[:-1][filled]) | np.uint64(1)  # never 0
    return keys


def _features(article: Article, language: str | None = None) -> list[str]:
    """What dates an event and what counts in it: the dates, months, years, weekdays and numbers of the lead,
    with month and weekday names as `language` writes them."""
    text = f"{article.title or ''}\n{article.text[:LEAD_CHARACTERS]}"
    names = calendar(language)
    found = []
    for match in names.month.finditer(text):
        month = names.month_key(match[1])
        found.append(f"month:{month}")
        after = names.day_after.match(text, match.end()) if names.day_after else None
        day = after or names.day_before.search(text, max(0, match.start() - 12), match.start())
        if day and 1 <= int(day[1]) <= 31:
            found.append(f"date:{month}-{int(day[1])}")
    found += [f"year:{year}" for year in _YEAR.findall(text)]
    found += [f"day:{names.weekday_key(day)}" for day in names.weekday.findall(text)]
    return found + [f"number:{n.replace(',', '')}" for n in _NUMBER.findall(text) if not _YEAR.fullmatch(n)]


class Corpus:
    """The articles, oldest first, as ids, with the boilerplate of each outlet; all read in one language."""

    def __init__(self, articles: Sequence[Article], language: str | None = None) -> None:
        self.articles = articles
        self.vocabulary = Vocabulary(language)
        seen: dict[tuple[str | None, str], Text] = {}  # identical articles (syndication) are read once
        self.texts = [
            seen.get((a.title, a.text)) or seen.setdefault((a.title, a.text), Text.of(a, self.vocabulary))
            for a in articles
        ]
        self.boilerplate = _boilerplate(articles, self.texts)
        self.templates = _template_words(articles, self.texts)

    def own(self, index: int) -> np.ndarray:
        """Which segments of the article are its own: they have content words and are not its outlet's boilerplate."""
        text = self.texts[index]
        own: np.ndarray = text.keys != 0
        skip = self.boilerplate.get(self.articles[index].label)
        if skip:
            own &= ~np.fromiter(map(skip.__contains__, text.keys.tolist()), dtype=bool, count=len(text.keys))
        return own

    def kept(self, index: int) -> np.ndarray:
        """Which segments of the article count as sentences for copies: its own, and long enough."""
        kept: np.ndarray = self.own(index) & self.texts[index].long
        return kept

    def sentences(self, index: int) -> list[frozenset[int]]:
        """The stem sets of the article's sentences (as _kept decides)."""
        text = self.texts[index]
        return [
            frozenset(text.words[text.bounds[i] : text.bounds[i + 1]].tolist())
            for i in np.flatnonzero(self.kept(index)).tolist()
        ]

    def sentence_arrays(self, articles: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The sentences of these articles, all at once: each one's article, and their stems in one array with
        each sentence's start in it."""
        owners, stems, lengths = [], [], []
        for index in articles:
            text = self.texts[index]
            kept = self.kept(index)
            sizes = np.diff(text.bounds)
            owners.append(np.full(int(kept.sum()), index))
            stems.append(text.words[np.repeat(kept, sizes)])
            lengths.append(sizes[kept])
        empty = np.zeros(0, dtype=np.int64)
        size = np.concatenate([empty, *lengths])
        return np.concatenate([empty, *owners]), np.concatenate([empty, *stems]), np.cumsum(size) - size

    def bag(self, index: int, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The term ids of one article (repeated as they occur) and their weights, boilerplate left out."""
        text = self.texts[index]
        body = text.words[np.repeat(self.own(index), np.diff(text.bounds))]
        terms = np.concatenate([text.title, body, text.features])
        weights = np.concatenate(
            [
                np.full(len(text.title), TITLE_WEIGHT),
                positions[: len(body)],
                np.full(len(text.features), FEATURE_WEIGHT),
            ]
        )
        template = self.templates.get(self.articles[index].label)
        if template is None:
            return terms, weights
        kept = ~np.isin(terms, template)
        return terms[kept], weights[kept]

    def shown(self, indices: Sequence[int], terms: Sequence[int]) -> tuple[str, ...]:
        """The terms as these articles most often write them in their titles and leads ("films", "Halvard"),
        else in their plainest written form anywhere."""
        wanted = set(terms)
        counts: Counter[tuple[int, str]] = Counter()
        for index in indices:
            article = self.articles[index]
            sample = f"{article.title or ''}\n{article.text[:SAMPLED_CHARACTERS]}"
            for written in textlib.words(sample, self.vocabulary.language):
                term = self.vocabulary.word(written)
                if term in wanted:
                    counts[(term, written.lower().removesuffix("'s").removesuffix("’s"))] += 1
        best: dict[int, str] = {}
        for (term, form), _count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            best.setdefault(term, form)
        return tuple(self.vocabulary.cased(best[t]) if t in best else self.vocabulary.shown[t] for t in terms)


def _template_words(articles: Sequence[Article], texts: Sequence[Text]) -> dict[str, np.ndarray]:
    """Per outlet with TEMPLATE_ARTICLES different bodies or more, the words of its template ("submitted by",
    "Advertise"): in more than TEMPLATE_SHARE of them, at most a TEMPLATE_SPREAD as often elsewhere (a word
    the other outlets use as much is the topic's, which the outlet shares, not its furniture), and in one place
    in as many (`_in_one_place`: a digest on one topic from one outlet has the topic's name in every article,
    wherever each story puts it)."""
    seen: dict[str, dict[bytes | None, Text]] = defaultdict(dict)
    for article, text in zip(articles, texts, strict=True):
        seen[article.label].setdefault(text.body, text)
    used = {
        label: [np.unique(np.concatenate([t.title, t.words])) for t in bodies.values()]
        for label, bodies in seen.items()
    }
    everywhere = np.bincount(np.concatenate([np.zeros(0, dtype=np.int64), *chain.from_iterable(used.values())]))
    total = sum(len(bodies) for bodies in seen.values())
    templates = {}
    for outlet, bodies in seen.items():
        if len(bodies) < TEMPLATE_ARTICLES:
            continue
        terms, counts = np.unique(np.concatenate(used[outlet]), return_counts=True)
        share = counts / len(bodies)
        elsewhere = (everywhere[terms] - counts) / max(1, total - len(bodies))
        common = terms[(share > TEMPLATE_SHARE) & (elsewhere <= TEMPLATE_SPREAD * share)]
        common = common[_in_one_place(common, list(bodies.values()))]
        if len(common):
            templates[outlet] = common
    return templates


def _in_one_place(terms: np.ndarray, texts: Sequence[Text]) -> np.ndarray:
    """Which of these terms stand in one place in more than TEMPLATE_SHARE of the texts: one position in the
    title or one segment of the body, counted from the start or from the end. Furniture keeps its place (a
    show's name opening each title, "submitted by" before the links, "Continue reading" last); a topic's word
    moves with each story."""
    if not len(terms):
        return np.zeros(0, dtype=bool)
    empty = np.zeros(0, dtype=np.int64)
    titles = [text.title for text in texts]
    title_lengths = np.array([len(title) for title in titles], dtype=np.int64)
    segment_sizes = np.concatenate([empty, *(np.diff(text.bounds) for text in texts)])
    segments = np.array([len(text.bounds) - 1 for text in texts], dtype=np.int64)
    words = np.concatenate([empty, *titles, *(text.words for text in texts)])
    owner = np.concatenate(
        [
            np.repeat(np.arange(len(texts)), title_lengths),
            np.repeat(np.repeat(np.arange(len(texts)), segments), segment_sizes),
        ]
    )
    wanted = np.isin(words, terms)
    term = np.searchsorted(terms, words[wanted])
    most = np.zeros(len(terms), dtype=np.int64)
    for place in _places(title_lengths, segments, segment_sizes):
        found = np.unique(np.stack([term, place[wanted], owner[wanted]]), axis=1)  # a text counts once a place
        keys, texts_there = np.unique(found[:2], axis=1, return_counts=True)
        np.maximum.at(most, keys[0], texts_there)
    kept: np.ndarray = most > TEMPLATE_SHARE * len(texts)
    return kept


def _places(title_lengths: np.ndarray, segments: np.ndarray, segment_sizes: np.ndarray) -> list[np.ndarray]:
    """Each word's place in its text (titles first, then bodies, as `_in_one_place` lays them out), counted
    from the start and from the end: the position in the title (negative) or the body's segment."""
    in_title = np.arange(title_lengths.sum()) - np.repeat(np.cumsum(title_lengths) - title_lengths, title_lengths)
    in_body = np.arange(len(segment_sizes)) - np.repeat(np.cumsum(segments) - segments, segments)
    title_from_end = np.repeat(title_lengths, title_lengths) - 1 - in_title
    body_from_end = np.repeat(segments, segments) - 1 - in_body
    return [
        np.concatenate([-1 - in_title, np.repeat(in_body, segment_sizes)]),
        np.concatenate([-1 - title_from_end, np.repeat(body_from_end, segment_sizes)]),
    ]


def _boilerplate(articles: Sequence[Article], texts: Sequence[Text]) -> dict[str, frozenset[int]]:
    """Per outlet, the segments it repeats in two or more different bodies: bylines, pitches, footers."""
    outlets: dict[str, int] = {}
    outlet = np.concatenate(
        [np.zeros(0, dtype=np.int64)]
        + [
            np.full(len(t.keys), outlets.setdefault(a.label, len(outlets)))
            for a, t in zip(articles, texts, strict=True)
        ]
    )
    bodies: dict[bytes | None, int] = {}
    body = np.concatenate(
        [np.zeros(0, dtype=np.int64)] + [np.full(len(t.keys), bodies.setdefault(t.body, len(bodies))) for t in texts]
    )
    key = np.concatenate([np.zeros(0, dtype=np.uint64)] + [t.keys for t in texts])
    seen = np.unique(np.stack([outlet, key.view(np.int64), body], axis=1)[key != 0], axis=0)  # (outlet, key, body)
    pairs, count = np.unique(seen[:, :2], axis=0, return_counts=True)
    names = list(outlets)
    repeated: dict[str, set[int]] = defaultdict(set)
    for outlet_id, segment in pairs[count > 1].tolist():
        repeated[names[outlet_id]].add(int(np.int64(segment).view(np.uint64)))
    return {name: frozenset(keys) for name, keys in repeated.items()}
