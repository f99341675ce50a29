"""Event clustering: articles about the same event become one Cluster; copies are folded into their original.

1. Copies first. An article whose body repeats an earlier one word for word is its copy (one hash look-up, so
   10,000 syndicated copies cost 10,000 look-ups). A near-copy (a wire copy under another headline, a reworded
   copy) has most of its sentences matched, in near-identical words, by one earlier article. Candidates come
   from MinHash buckets of sentences (each sentence is linked to the earliest and the previous article in its
   bucket, so a bucket of n costs n, never n²), and only the best few are checked by sentence alignment.
   Sentences an outlet repeats across its different stories (bylines, newsletter pitches, footers) are
   boilerplate: they count neither for copies nor for events. The original is the earliest; undated is later.
2. Vectors: TF-IDF of stems weighted by position (the headline, then the lead, fading out), plus what dates an
   event and what counts in it (dates, months, years, weekdays and numbers in the lead): what tells two events
   of the same kind apart. idf has general English as a prior. Verbatim copies are vectorized once and count
   by their number; so are near-copies beyond MAX_COPY_NODES of one original.
3. Candidates: terms in a large share of the collection are left out (cosine is taken over the rest), and the
   sparse product runs in blocks of rows: cost follows the pairs that share specific terms, never an all-pairs
   matrix. Similarities are damped by the time between publications; two articles sharing a single term (two
   headlines of a title-only feed with one word in common) are not linked, however rare the word.
4. Background: each similarity loses half of what the two articles share with all the others on average. In a
   digest on one topic every article shares the topic's words; only what two share beyond that ties them. A few
   unrelated articles are counted among the others, so that in a handful of articles on one event the event's
   own words are not taken for the topic's.
5. Local scaling: each similarity is divided by the geometric mean of both articles' mean similarity to their
   nearest neighbours (Zelnik-Manor and Perona's self-tuning affinity). One event is covered near-verbatim,
   another loosely; what tells events apart is whether two articles are as close as each is to its nearest
   coverage, so a tightly covered event does not absorb a loosely covered event of the same kind.
6. Weighted average-link agglomeration (a missing pair counts as 0, so one stray link cannot chain two events),
   run within each connected component of the links strong enough to merge anything, starting from each
   original with its near-copies. Two groups merge only if they are also at least half as close to each other
   as the members of the looser one are among themselves (copies aside; a lone article sets no bar): neither
   two tight groups nor a tight group and a lone report of another event of one kind merge on the strength
   of what the kind shares.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from digest import text as textlib
from digest.models import Article, Cluster

# Vectors. Weights and thresholds tuned on ECB+ dev and checked on the WikinewsSum stream (bench/cluster.py).
TITLE_WEIGHT = 3.0
LEAD_BOOST = 2.0  # a body word at position p weighs 1 + LEAD_BOOST * exp(-p / LEAD_WORDS)
LEAD_WORDS = 50
FEATURE_WEIGHT = 4.0  # each date, month, year, weekday and number in the title and first LEAD_CHARACTERS
LEAD_CHARACTERS = 1500  # about 250 words
FEATURE_COMMONNESS = 0.01  # general-English prior of such a feature, for idf (a word's own comes from wordfreq)
KEPT_TERMS = 1000  # the strongest terms of an article: bounds the cost of a long page, not of a news article
TERMS_SHOWN = 8  # per cluster, as written in the titles and first SAMPLED_CHARACTERS of SAMPLED_ARTICLES
SAMPLED_ARTICLES = 3
SAMPLED_CHARACTERS = 400

# Candidates, background and local scaling.
MIN_SIMILARITY = 0.1  # cosine below which two articles are not linked at all,
MIN_SHARED_TERMS = 2  # nor when they share fewer terms: two headlines with one word in common are two events
BACKGROUND_SHARE = 0.5  # share of two articles' mean similarity to all others taken off their own similarity,
MIN_SPECIFIC = 0.05  # and what must remain for them to be linked
BACKGROUND_PRIOR = 2  # unrelated articles (similarity 0) counted among the others: in a handful of articles,
# most of them on one event, the event itself would otherwise pass for the background and be taken off
COMMON_SHARE = 0.005  # terms in more than this share of the articles (and in more than this
COMMON_MINIMUM = 250  # many) are left out of similarities: they name no single event, and cost quadratically
BLOCK_ROWS = 2000  # rows per block of the sparse product, bounding its memory
NEIGHBOURS = 3  # an article's scale is its mean similarity to this many nearest neighbours,
SCALE_FLOOR = 0.25  # but at least this: an isolated article's best match is not thereby close
COHESION_SHARE = 0.5  # groups merge only as close as this share of the mean similarity within the looser one

# Copies.
SENTENCE_MATCH = 0.5  # word Jaccard at which two sentences say the same thing in near-identical words
MIN_SENTENCE_WORDS = 6  # shorter sentences (datelines, captions) are too short to tell a copy
MINHASH_BANDS = 6  # bands of MINHASH_ROWS hashes: sentences at Jaccard 0.5 share a bucket 82% of the time
MINHASH_ROWS = 2
CHECKED_CANDIDATES = 3  # earlier articles checked by alignment, those sharing most sentence buckets first,
CANDIDATE_SHARE = 0.9  # if linked by buckets to this share of the sentences a copy needs (MinHash misses a few)
MAX_COPY_NODES = 20  # near-copies of one original clustered as articles; more only add to its weight

# Segments (sentences, roughly) end at a line end or after a piece ending in . ! ? or … (closing quotes aside).
_SENTENCE_END = ".!?…"
_CLOSING = "\"'”’)]"
_BREAK = -2
_STOP_WORD = -1
_NUMBER_KEY = 2**62  # every number, to fingerprints: "[link] [277 comments]" repeats whatever the count
_MONTH = re.compile(
    r"(?=[ADFJMNOS])(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
_DAY_AFTER = re.compile(r"\s+(\d{1,2})(?:st|nd|rd|th)?\b")
_DAY_BEFORE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?$")
_YEAR = re.compile(r"\b(?:19[5-9]\d|20\d\d)\b")
_WEEKDAY = re.compile(r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b")
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?!\w)")
_PRIME = 4294967311  # the first prime above 2**32: MinHash permutations are (a*x + b) mod _PRIME
_BAND_SALT = np.random.default_rng(2).integers(1, 2**63, size=MINHASH_BANDS, dtype=np.uint64)
_POSITION_HASH = np.random.default_rng(1).integers(1, 2**63, size=64, dtype=np.uint64)
_PERMUTATIONS = np.random.default_rng(0).integers(1, 2**32, size=(2, MINHASH_BANDS * MINHASH_ROWS), dtype=np.uint64)


@dataclass(frozen=True)
class Settings:
    # Mean locally scaled similarity to merge: best on ECB+ dev, and mid-way in the range (0.43-0.55) where
    # ../shared/seeds groups as an editor would and tests/test_cluster.py's two trials of one man stay apart.
    threshold: float = 0.5
    copy_threshold: float = 0.5
    max_gap_days: float = 4.0


def cluster(articles: Sequence[Article], settings: Settings = Settings()) -> list[Cluster]:
    """Group articles by event. Output order and ids depend only on the set of articles, not their order."""
    ordered = sorted(_dedupe_ids(articles), key=_chronological)
    if not ordered:
        return []
    corpus = _Corpus(ordered)
    original = corpus.originals(settings.copy_threshold)
    stand_in = _stand_ins(corpus, original)
    nodes = [i for i, node in enumerate(stand_in) if node == i]
    row = {node: r for r, node in enumerate(nodes)}
    weight = np.bincount([row[node] for node in stand_in], minlength=len(nodes))
    vectors = corpus.vectors(nodes)
    specific = _specific(vectors)
    first, second, similarity = _similarities(specific, [ordered[i].published for i in nodes], settings.max_gap_days)
    first, second, similarity = _above_background(specific, first, second, similarity)
    scaled = similarity / _scales(first, second, similarity, weight - 1)
    family = np.array([row[original[node]] for node in nodes], dtype=np.int64)
    labels = _labels(weight, family, first, second, scaled, settings.threshold)
    members: dict[int, list[int]] = defaultdict(list)
    for index, root in enumerate(original):  # a copy joins its original's cluster, wherever its own words led
        members[labels[row[root]]].append(index)
    groups = list(members.values())
    terms = _terms(corpus, groups, original, vectors, row)
    clusters = [_build(corpus, group, original, found) for group, found in zip(groups, terms, strict=True)]
    return sorted(clusters, key=lambda c: _chronological(c.articles[0]))


def find_copies(group: Sequence[Article], threshold: float) -> dict[str, str]:
    """Map each copy's id to its original's id: the earliest (undated counts as later) of near-identical texts."""
    ordered = sorted(_dedupe_ids(group), key=_chronological)
    original = _Corpus(ordered).originals(threshold)
    return {ordered[i].id: ordered[root].id for i, root in enumerate(original) if root != i}


def _stand_ins(corpus: _Corpus, original: list[int]) -> list[int]:
    """Which article each one is clustered as: itself, or its original when it repeats the original verbatim
    or is one of more than MAX_COPY_NODES near-copies of it. A folded copy adds its weight to the original."""
    stand_in = list(range(len(original)))
    near: Counter[int] = Counter()
    for index, root in enumerate(original):
        if root == index:
            continue
        if corpus.texts[index].body == corpus.texts[root].body or near[root] >= MAX_COPY_NODES:
            stand_in[index] = root
        else:
            near[root] += 1
    return stand_in


def _dedupe_ids(articles: Iterable[Article]) -> list[Article]:
    """One article per id; when an id repeats, the same version wins whatever the input order."""
    chosen: dict[str, Article] = {}
    for article in articles:
        kept = chosen.get(article.id)
        if kept is None or _version(article) < _version(kept):
            chosen[article.id] = article
    return list(chosen.values())


def _version(article: Article) -> tuple[tuple[float, str], str, str]:
    return (_chronological(article), article.title or "", article.text)


def _chronological(article: Article) -> tuple[float, str]:
    # Undated articles sort after dated ones: a copy that hides its date is the usual case.
    return (article.published.timestamp() if article.published else math.inf, article.id)


class _Vocabulary:
    """Stems (of content words) and features as ids, so texts are held as integer arrays rather than strings."""

    def __init__(self) -> None:
        self.pieces: dict[str, tuple[int, ...]] = {}  # a whitespace-separated piece of text -> its token ids
        self.written: dict[str, int] = {}  # a word as written -> its stem id, or _STOP_WORD
        self.ids: dict[str, int] = {}  # stem or feature -> id
        self.names: list[str] = []  # id -> stem or feature
        self.shown: list[str] = []  # id -> how to show it: lowercase if ever so written, else as first written
        self.commonness: list[float] = []  # id -> share of general-English documents using it (idf prior)
        self._numbers = np.zeros(1024, dtype=bool)  # id -> whether it is all digits (grown by doubling)

    def tokens(self, text: str) -> np.ndarray:
        """Each word of the text (as textlib reads words) as an id: a stem id or _STOP_WORD, with _BREAK after
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
        ids = tuple(map(self.word, textlib.words(piece)))
        if piece == "\n" or piece.rstrip(_CLOSING)[-1:] in _SENTENCE_END:
            ids += (_BREAK,)
        self.pieces[piece] = ids

    def word(self, word: str) -> int:
        known = self.written.get(word)
        if known is None:
            lowered = word.lower()
            if len(word) < 2 or lowered in textlib.STOP_WORDS:
                known = _STOP_WORD
            else:
                known = self.term(textlib.stem(lowered), lowered)
                shown = word.removesuffix("'s").removesuffix("’s")
                if _plainness(shown) < _plainness(self.shown[known]):
                    self.shown[known] = shown
            self.written[word] = known
        return known

    def term(self, name: str, word: str | None = None) -> int:
        """The id of a stem first seen as `word` (lowercased), or of a feature (word None: it has a fixed prior)."""
        index = self.ids.get(name)
        if index is None:
            index = self.ids[name] = len(self.names)
            self.names.append(name)
            self.shown.append("")  # set by the caller to the plainest form written
            self.commonness.append(textlib.commonness(word) if word else FEATURE_COMMONNESS)
            if index == len(self._numbers):
                self._numbers = np.concatenate([self._numbers, np.zeros(index, dtype=bool)])
            self._numbers[index] = name.isdigit()
        return index

    def numbers(self, ids: np.ndarray) -> np.ndarray:
        """Which of these ids are numbers."""
        found: np.ndarray = self._numbers[ids]
        return found

    def cased(self, lowered: str) -> str:
        """A word as it is usually written: lowercase if ever so written (a common word), else capitalized."""
        if lowered in self.written or not lowered[:1].isalpha():
            return lowered
        return lowered.capitalize() if lowered.capitalize() in self.written else lowered.upper()


def _plainness(written: str) -> int:
    """How plainly a word is written, for display: lowercase or digits (a common word or a number), then
    Capitalized (a name), then anything else (ALL CAPS); never written at all is last."""
    if not written:
        return 3
    if written.islower() or not written[:1].isalpha():
        return 0
    return 1 if written[:1].isupper() and not written.isupper() else 2


@dataclass(frozen=True)
class _Text:
    """One article as ids: title stems, body stems in sentence-like segments, and date and number features."""

    title: np.ndarray
    words: np.ndarray  # the body's stems, in order; segment i is words[bounds[i]:bounds[i + 1]]
    bounds: np.ndarray
    long: np.ndarray  # whether each segment has MIN_SENTENCE_WORDS words (of any kind)
    keys: np.ndarray  # a fingerprint of each segment's stems, to spot boilerplate (0 for none)
    features: np.ndarray
    body: bytes | None  # digest of the body's stems, to spot exact copies; None when too short to tell

    @classmethod
    def of(cls, article: Article, vocabulary: _Vocabulary) -> _Text:
        tokens = vocabulary.tokens(article.text)
        segment = np.cumsum(tokens == _BREAK)
        count = int(segment[-1]) + 1 if len(segment) else 0
        content = tokens >= 0
        words = tokens[content]
        bounds = np.searchsorted(segment[content], np.arange(count + 1))
        title = vocabulary.tokens(article.title or "")
        return cls(
            title=title[title >= 0],
            words=words,
            bounds=bounds,
            long=np.bincount(segment[tokens != _BREAK], minlength=count) >= MIN_SENTENCE_WORDS,
            keys=_fingerprints(np.where(vocabulary.numbers(words), _NUMBER_KEY, words), bounds),
            features=np.array([vocabulary.term(f) for f in _features(article)], dtype=np.int64),
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


def _features(article: Article) -> list[str]:
    """What dates an event and what counts in it: the dates, months, years, weekdays and numbers of the lead."""
    text = f"{article.title or ''}\n{article.text[:LEAD_CHARACTERS]}"
    found = []
    for match in _MONTH.finditer(text):
        month = match[1][:3].lower()
        found.append(f"month:{month}")
        day = _DAY_AFTER.match(text, match.end()) or _DAY_BEFORE.search(text, max(0, match.start() - 12), match.start())
        if day and 1 <= int(day[1]) <= 31:
            found.append(f"date:{month}-{int(day[1])}")
    found += [f"year:{year}" for year in _YEAR.findall(text)]
    found += [f"day:{day.lower()}" for day in _WEEKDAY.findall(text)]
    return found + [f"number:{n.replace(',', '')}" for n in _NUMBER.findall(text) if not _YEAR.fullmatch(n)]


class _Corpus:
    """The articles, oldest first, as ids, with the boilerplate of each outlet."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self.articles = articles
        self.vocabulary = _Vocabulary()
        seen: dict[tuple[str | None, str], _Text] = {}  # identical articles (syndication) are read once
        self.texts = [
            seen.get((a.title, a.text)) or seen.setdefault((a.title, a.text), _Text.of(a, self.vocabulary))
            for a in articles
        ]
        self.boilerplate = _boilerplate(articles, self.texts)

    def originals(self, threshold: float) -> list[int]:
        """For each article, the index of the original it copies, or its own index if it is an original."""
        original = list(range(len(self.texts)))
        first_with: dict[bytes, int] = {}
        for index, text in enumerate(self.texts):
            if text.body is not None:
                original[index] = first_with.setdefault(text.body, index)
        owner, stems, starts = self._sentences([i for i, root in enumerate(original) if root == i])
        for index, candidates in _copy_candidates(owner, _band_keys(stems, starts, self.vocabulary), threshold):
            copy = self.sentences(index)
            for candidate in candidates:
                if _alignment(copy, self.sentences(candidate), threshold):
                    original[index] = candidate
                    break
        for index, root in enumerate(original):  # a copy of a copy credits the first original
            original[index] = original[root]
        return original

    def _own(self, index: int) -> np.ndarray:
        """Which segments of the article are its own: they have content words and are not its outlet's boilerplate."""
        text = self.texts[index]
        own: np.ndarray = text.keys != 0
        skip = self.boilerplate.get(self.articles[index].label)
        if skip:
            own &= ~np.fromiter(map(skip.__contains__, text.keys.tolist()), dtype=bool, count=len(text.keys))
        return own

    def _kept(self, index: int) -> np.ndarray:
        """Which segments of the article count as sentences for copies: its own, and long enough."""
        kept: np.ndarray = self._own(index) & self.texts[index].long
        return kept

    def sentences(self, index: int) -> list[frozenset[int]]:
        """The stem sets of the article's sentences (as _kept decides)."""
        text = self.texts[index]
        return [
            frozenset(text.words[text.bounds[i] : text.bounds[i + 1]].tolist())
            for i in np.flatnonzero(self._kept(index)).tolist()
        ]

    def _sentences(self, articles: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The sentences of these articles, all at once: each one's article, and their stems in one array with
        each sentence's start in it."""
        owners, stems, lengths = [], [], []
        for index in articles:
            text = self.texts[index]
            kept = self._kept(index)
            sizes = np.diff(text.bounds)
            owners.append(np.full(int(kept.sum()), index))
            stems.append(text.words[np.repeat(kept, sizes)])
            lengths.append(sizes[kept])
        empty = np.zeros(0, dtype=np.int64)
        size = np.concatenate([empty, *lengths])
        return np.concatenate([empty, *owners]), np.concatenate([empty, *stems]), np.cumsum(size) - size

    def vectors(self, rows: Sequence[int]) -> sparse.csr_matrix:
        """L2-normalized TF-IDF rows of these articles, each cut to its KEPT_TERMS strongest terms."""
        longest = max((len(self.texts[i].words) for i in rows), default=0)
        positions = 1.0 + LEAD_BOOST * np.exp(-np.arange(longest) / LEAD_WORDS)
        bags = [self._bag(i, positions) for i in rows]
        terms = np.concatenate([np.zeros(0, dtype=np.int64), *(t for t, _ in bags)])
        weights = np.concatenate([np.zeros(0), *(w for _, w in bags)])
        owner = np.repeat(np.arange(len(rows)), [len(t) for t, _ in bags])
        shape = (len(rows), max(1, len(self.vocabulary.names)))
        matrix = sparse.csr_matrix((weights, (owner, terms)), shape=shape)  # sums repeated terms
        matrix.data = 1.0 + np.log(matrix.data)
        frequency = np.bincount(matrix.indices, minlength=shape[1])
        idf = np.zeros(shape[1])
        for column in np.flatnonzero(frequency).tolist():
            idf[column] = textlib.idf(frequency[column], len(rows), self.vocabulary.commonness[column])
        matrix.data *= idf[matrix.indices]
        return _normalized(_strongest(matrix, KEPT_TERMS))

    def _bag(self, index: int, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The term ids of one article (repeated as they occur) and their weights, boilerplate left out."""
        text = self.texts[index]
        body = text.words[np.repeat(self._own(index), np.diff(text.bounds))]
        terms = np.concatenate([text.title, body, text.features])
        weights = np.concatenate(
            [
                np.full(len(text.title), TITLE_WEIGHT),
                positions[: len(body)],
                np.full(len(text.features), FEATURE_WEIGHT),
            ]
        )
        return terms, weights

    def shown(self, indices: Sequence[int], terms: Sequence[int]) -> tuple[str, ...]:
        """The terms as these articles most often write them in their titles and leads ("films", "Halvard"),
        else in their plainest written form anywhere."""
        wanted = set(terms)
        counts: Counter[tuple[int, str]] = Counter()
        for index in indices:
            article = self.articles[index]
            for written in textlib.words(f"{article.title or ''}\n{article.text[:SAMPLED_CHARACTERS]}"):
                term = self.vocabulary.word(written)
                if term in wanted:
                    counts[(term, written.lower().removesuffix("'s").removesuffix("’s"))] += 1
        best: dict[int, str] = {}
        for (term, form), _count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            best.setdefault(term, form)
        return tuple(self.vocabulary.cased(best[t]) if t in best else self.vocabulary.shown[t] for t in terms)


def _boilerplate(articles: Sequence[Article], texts: Sequence[_Text]) -> dict[str, frozenset[int]]:
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


def _copy_candidates(owner: np.ndarray, keys: np.ndarray, threshold: float) -> Iterator[tuple[int, list[int]]]:
    """Each article (oldest first) that may copy an earlier one, with up to CHECKED_CANDIDATES of those, best first.

    `owner` is each sentence's article, `keys` its MinHash band keys. Within each bucket (a band's key shared by
    several articles) a sentence is linked to the earliest article and to the one before it. An earlier article
    is a candidate when linked to CANDIDATE_SHARE of the sentences a copy needs; alignment decides.
    """
    if not len(owner):
        return
    flat = (keys ^ _BAND_SALT).ravel()  # a band's keys must not meet another band's
    order = np.argsort(flat, kind="stable")  # stable: within a bucket, sentences (so articles) stay oldest first
    flat = flat[order]
    first = np.ones(len(flat), dtype=bool)
    first[1:] = flat[1:] != flat[:-1]
    bucket = np.cumsum(first) - 1
    shared = np.bincount(bucket)[bucket] > 1
    sentence = order[shared] // MINHASH_BANDS
    article = owner[sentence]
    start = np.flatnonzero(first[shared])
    earliest = article[start][np.cumsum(first[shared]) - 1]
    previous = np.where(first[shared], article, np.roll(article, 1))
    size = int(owner.max()) + 1
    links = np.concatenate([sentence * size + earliest, sentence * size + previous])
    links = _distinct(links[np.concatenate([earliest != article, previous != article])])
    pairs = np.sort(owner[links // size] * size + links % size)
    starts = np.flatnonzero(np.diff(pairs, prepend=-1))
    pairs, counts = pairs[starts], np.diff(np.append(starts, len(pairs)))
    sentences = np.bincount(owner, minlength=size)
    likely = counts >= np.maximum(1, CANDIDATE_SHARE * threshold * sentences[pairs // size])
    found: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pair, count in zip(pairs[likely].tolist(), counts[likely].tolist(), strict=True):
        found[pair // size].append((-count, pair % size))
    for index in sorted(found):
        yield index, [candidate for _, candidate in sorted(found[index])[:CHECKED_CANDIDATES]]


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (by sorting: faster here than np.unique's hashing on large arrays)."""
    ordered = np.sort(values)
    distinct: np.ndarray = ordered[np.diff(ordered, prepend=ordered[:1] - 1) != 0]
    return distinct


def _band_keys(stems: np.ndarray, starts: np.ndarray, vocabulary: _Vocabulary, chunk: int = 200_000) -> np.ndarray:
    """MinHash band keys (sentences x MINHASH_BANDS) of sentences given as their stems in one array.

    The hashes start from a CRC of each stem's text, not Python's salted hash, so buckets (and results) are the
    same from run to run. A minimum needs no de-duplication of a sentence's stems first. Chunked, to bound memory.
    """
    base = np.array([zlib.crc32(name.encode()) for name in vocabulary.names], dtype=np.uint64)
    ends = np.append(starts[1:], len(stems))
    keys = []
    for first in range(0, len(starts), chunk // 20):
        begin, end = starts[first : first + chunk // 20], ends[first : first + chunk // 20]
        part = stems[begin[0] : end[-1]]
        hashed = (base[part][:, None] * _PERMUTATIONS[0] + _PERMUTATIONS[1]) % np.uint64(_PRIME)
        lowest = np.minimum.reduceat(hashed, begin - begin[0], axis=0).reshape(-1, MINHASH_BANDS, MINHASH_ROWS)
        keys.append(lowest[:, :, 0] * np.uint64(_PRIME) + lowest[:, :, 1])  # wraps around: a hash of the band
    return np.concatenate([np.zeros((0, MINHASH_BANDS), dtype=np.uint64), *keys])


def _alignment(copy: list[frozenset[int]], original: list[frozenset[int]], threshold: float) -> bool:
    """Whether at least `threshold` of the copy's sentences have a near-identical sentence in the original.

    Verbatim sentences are found by hashing; the rest are compared by word Jaccard, stopping once the answer
    is known either way.
    """
    if not copy or not original:
        return False
    verbatim = set(original)
    needed = threshold * len(copy)
    matched = missed = 0
    for sentence in copy:
        if sentence in verbatim or any(len(sentence & o) >= SENTENCE_MATCH * len(sentence | o) for o in original):
            matched += 1
            if matched >= needed:
                return True
        else:
            missed += 1
            if missed > len(copy) - needed:
                return False
    return matched >= needed


def _strongest(matrix: sparse.csr_matrix, kept: int) -> sparse.csr_matrix:
    """Each row cut to its `kept` largest entries (ties broken by column, so the cut is deterministic)."""
    long = np.flatnonzero(np.diff(matrix.indptr) > kept)
    if not len(long):
        return matrix
    keep = np.ones(len(matrix.data), dtype=bool)
    for row in long.tolist():
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        order = np.lexsort((matrix.indices[start:end], -matrix.data[start:end]))
        keep[start + order[kept:]] = False
    cut = sparse.csr_matrix(
        matrix.multiply(sparse.csr_matrix((keep.astype(float), matrix.indices, matrix.indptr), shape=matrix.shape))
    )
    cut.eliminate_zeros()
    return cut


def _normalized(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def _specific(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """The vectors without the terms in more than a COMMON_SHARE of the articles (and more than COMMON_MINIMUM),
    normalized again. Such terms name no single event, and their postings would make the product quadratic."""
    frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])
    common = frequency > max(COMMON_MINIMUM, COMMON_SHARE * matrix.shape[0])
    if not common.any():
        return matrix
    specific = sparse.csr_matrix(matrix @ sparse.diags((~common).astype(float)))
    specific.eliminate_zeros()
    return _normalized(specific)


def _similarities(
    matrix: sparse.csr_matrix, published: Sequence[datetime | None], max_gap_days: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (first < second) with cosine >= MIN_SIMILARITY after damping by the time between them, sharing at
    least MIN_SHARED_TERMS terms."""
    transposed = sparse.csr_matrix(matrix.T)
    firsts, seconds, values = [], [], []
    for start in range(0, matrix.shape[0], BLOCK_ROWS):
        block = sparse.coo_matrix(matrix[start : start + BLOCK_ROWS] @ transposed)
        rows = block.row + start
        keep = (block.col > rows) & (block.data >= MIN_SIMILARITY)
        firsts.append(rows[keep])
        seconds.append(block.col[keep])
        values.append(block.data[keep])
    first = np.concatenate([np.zeros(0, dtype=np.int64), *firsts]).astype(np.int64)
    second = np.concatenate([np.zeros(0, dtype=np.int64), *seconds]).astype(np.int64)
    value = np.concatenate([np.zeros(0), *values]) * _time_factors(published, first, second, max_gap_days)
    keep = value >= MIN_SIMILARITY
    first, second, value = first[keep], second[keep], value[keep]
    keep = _shared_terms(matrix, first, second) >= MIN_SHARED_TERMS
    return first[keep], second[keep], value[keep]


def _shared_terms(matrix: sparse.csr_matrix, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """How many terms each pair of rows shares, BLOCK_ROWS * 50 pairs at a time to bound memory."""
    present = sparse.csr_matrix((np.ones(len(matrix.data)), matrix.indices, matrix.indptr), shape=matrix.shape)
    step = BLOCK_ROWS * 50
    counts = [
        np.asarray(present[first[i : i + step]].multiply(present[second[i : i + step]]).sum(axis=1)).ravel()
        for i in range(0, len(first), step)
    ]
    return np.concatenate([np.zeros(0), *counts])


def _above_background(
    vectors: sparse.csr_matrix, first: np.ndarray, second: np.ndarray, similarity: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Similarities less BACKGROUND_SHARE of what each article shares with all the others on average.

    Every article of a digest on one topic shares the topic's words; only what two share beyond that ties them to
    one event. The mean similarity to the others is one product with the sum of all vectors; BACKGROUND_PRIOR
    unrelated articles join the others, so that a small collection's background leans towards none.
    """
    count = vectors.shape[0]
    if count < 2:
        return first, second, similarity
    background = (vectors @ np.asarray(vectors.sum(axis=0)).ravel() - 1.0) / (count - 1 + BACKGROUND_PRIOR)
    specific = similarity - BACKGROUND_SHARE * (background[first] + background[second]) / 2
    keep = specific >= MIN_SPECIFIC
    return first[keep], second[keep], specific[keep]


def _time_factors(
    published: Sequence[datetime | None], first: np.ndarray, second: np.ndarray, max_gap_days: float
) -> np.ndarray:
    """1 within the gap, then falling as gap/distance: articles a year apart rarely report one event."""
    seconds = np.array([p.timestamp() if p else np.nan for p in published])
    days = np.abs(seconds[first] - seconds[second]) / 86400
    far = np.nan_to_num(days, nan=0.0) > max_gap_days
    return np.where(far, max_gap_days / np.where(far, days, 1.0), 1.0)


def _scales(first: np.ndarray, second: np.ndarray, similarity: np.ndarray, folded: np.ndarray) -> np.ndarray:
    """Per pair, the geometric mean of both articles' scale: mean similarity to their NEIGHBOURS nearest.

    Copies folded into an article count among its nearest, at similarity 1.
    """
    nodes = np.concatenate([first, second])
    values = np.concatenate([similarity, similarity])
    order = np.lexsort((-values, nodes))
    nodes, values = nodes[order], values[order]
    rank = np.arange(len(nodes)) - np.searchsorted(nodes, nodes) + folded[nodes]
    near = rank < NEIGHBOURS
    total = np.bincount(nodes[near], weights=values[near], minlength=len(folded)) + np.minimum(folded, NEIGHBOURS)
    scale = np.maximum(total / NEIGHBOURS, SCALE_FLOOR)
    scaled: np.ndarray = np.sqrt(scale[first] * scale[second])
    return scaled


def _labels(
    weight: np.ndarray, family: np.ndarray, first: np.ndarray, second: np.ndarray, scaled: np.ndarray, threshold: float
) -> np.ndarray:
    """A label per article: weighted average-link groups, found within each component of links above threshold
    (an original and its near-copies, one `family`, always share a component)."""
    size = len(weight)
    strong = scaled >= threshold
    rows = np.concatenate([first[strong], np.arange(size)])
    graph = sparse.coo_matrix((np.ones(len(rows)), (rows, np.concatenate([second[strong], family]))), (size, size))
    _count, component = csgraph.connected_components(graph, directed=False)
    labels = np.arange(size)
    order = np.argsort(component, kind="stable")
    starts = np.flatnonzero(np.diff(component[order], prepend=-1))
    inside = component[first] == component[second]
    by_component = np.argsort(component[first[inside]], kind="stable")
    first, second, scaled = first[inside][by_component], second[inside][by_component], scaled[inside][by_component]
    edge_bounds = np.searchsorted(component[first], component[order[starts]])
    edge_ends = np.append(edge_bounds[1:], len(first))
    for start, end, begin, stop in zip(
        starts.tolist(), [*starts[1:].tolist(), size], edge_bounds.tolist(), edge_ends.tolist(), strict=True
    ):
        if end - start == 1:
            continue
        nodes = np.sort(order[start:end])
        local = np.searchsorted(nodes, np.stack([first[begin:stop], second[begin:stop]]))
        edges = dict(
            zip(zip(local[0].tolist(), local[1].tolist(), strict=True), scaled[begin:stop].tolist(), strict=True)
        )
        families = np.searchsorted(nodes, family[nodes]).tolist()
        for i, root in enumerate(_average_link(weight[nodes].tolist(), families, edges, threshold)):
            labels[nodes[i]] = nodes[root]
    return labels


def _average_link(
    weights: list[float], family: list[int], edges: dict[tuple[int, int], float], threshold: float
) -> list[int]:
    """Weighted average-link agglomeration on a sparse graph; a label per item (the index of its group's root).

    Items start grouped by family (an original with its near-copies). Groups merge, best first, while the
    weighted mean similarity between them stays at or above the threshold and at least COHESION_SHARE of the
    mean similarity within the looser of the two (over pairs that are not copies of one another): two tight
    groups of articles about two events of one kind do not merge on the strength of what the kind shares.
    """
    members: dict[int, list[int]] = defaultdict(list)
    for item, root in enumerate(family):
        members[root].append(item)
    size = {root: sum(weights[i] for i in group) for root, group in members.items()}
    links: dict[int, dict[int, float]] = {root: {} for root in members}
    for (i, j), value in edges.items():
        a, b = family[i], family[j]
        if a != b:
            links[a][b] = links[b][a] = links[a].get(b, 0.0) + value * weights[i] * weights[j]
    within = {root: (0.0, 0.0) for root in members}  # (similarity, pairs), both weighted, of non-copy pairs
    version = dict.fromkeys(members, 0)
    heap = [(-total / (size[a] * size[b]), a, b, 0, 0) for a in links for b, total in links[a].items() if a < b]
    heap = [entry for entry in heap if -entry[0] >= threshold]
    heapq.heapify(heap)
    while heap:
        negative, a, b, version_a, version_b = heapq.heappop(heap)
        if a not in members or b not in members or (version[a], version[b]) != (version_a, version_b):
            continue
        if -negative < COHESION_SHARE * _looser(within[a], within[b]):
            continue
        keep, gone = (a, b) if size[a] >= size[b] else (b, a)
        between = links[keep].get(gone, 0.0)
        within[keep] = (
            within[keep][0] + within[gone][0] + between,
            within[keep][1] + within.pop(gone)[1] + size[keep] * size[gone],
        )
        members[keep].extend(members.pop(gone))
        size[keep] += size.pop(gone)
        version[keep] += 1
        for other, total in links.pop(gone).items():
            links[other].pop(gone, None)
            if other != keep:
                links[keep][other] = links[other][keep] = links[keep].get(other, 0.0) + total
        links[keep].pop(gone, None)
        for other, total in links[keep].items():
            average = total / (size[keep] * size[other])
            if average >= threshold:
                first, second = min(keep, other), max(keep, other)
                heapq.heappush(heap, (-average, first, second, version[first], version[second]))
    labels = [0] * len(weights)
    for root, group in members.items():
        for index in group:
            labels[index] = root
    return labels


def _looser(*groups: tuple[float, float]) -> float:
    """The lower mean similarity within these groups, over pairs that are not copies; a group without such
    pairs (one article and its copies) has none to offer, and 0 when no group has any."""
    return min((total / pairs for total, pairs in groups if pairs), default=0.0)


def _build(corpus: _Corpus, group: list[int], original: list[int], terms: tuple[str, ...]) -> Cluster:
    """A cluster of these articles (indices, oldest first): originals first, then copies marked as such."""
    ordered = [i for i in group if original[i] == i] + [i for i in group if original[i] != i]
    articles = tuple(corpus.articles[i] for i in ordered)
    copies = {corpus.articles[i].id: corpus.articles[original[i]].id for i in ordered if original[i] != i}
    digest = hashlib.sha256("\n".join(sorted(a.id for a in articles)).encode()).hexdigest()[:12]
    return Cluster(id=f"c-{digest}", articles=articles, copies=copies, terms=terms)


def _terms(
    corpus: _Corpus, groups: list[list[int]], original: list[int], vectors: sparse.csr_matrix, row: dict[int, int]
) -> list[tuple[str, ...]]:
    """Per group, the words that carry most weight across its originals, preferring those in more than one,
    each shown as written (a stem maps back to its plainest written form: "Qeshm", "earthquake").

    One pass over all vectors: entries are summed per (group, term), then ranked within each group.
    """
    group_of = np.full(vectors.shape[0], -1)
    originals = np.zeros(len(groups), dtype=np.int64)
    for number, group in enumerate(groups):
        heads = [row[i] for i in group if original[i] == i]
        group_of[heads] = number
        originals[number] = len(heads)
    entries = sparse.coo_matrix(vectors)
    words = np.array([":" not in name for name in corpus.vocabulary.names] or [False])
    mask = (group_of[entries.row] >= 0) & words[entries.col]
    group = group_of[entries.row[mask]]
    keys, inverse = np.unique(group * vectors.shape[1] + entries.col[mask], return_inverse=True)
    weight = np.bincount(inverse, weights=entries.data[mask])
    spread = np.bincount(inverse)
    group, column = keys // vectors.shape[1], keys % vectors.shape[1]
    weight = weight * ((spread > 1) | (originals[group] == 1))
    order = np.lexsort((column, -weight, group))
    group, column, weight = group[order], column[order], weight[order]
    rank = np.arange(len(group)) - np.searchsorted(group, group)
    shown = (rank < TERMS_SHOWN) & (weight > 0)
    best: list[list[int]] = [[] for _ in groups]
    for number, term in zip(group[shown].tolist(), column[shown].tolist(), strict=True):
        best[number].append(term)
    return [
        corpus.shown([i for i in group if original[i] == i][:SAMPLED_ARTICLES], found)
        for group, found in zip(groups, best, strict=True)
    ]
