"""Multi-document extractive summary of a Cluster, every sentence credited to the outlet it came from.

The pool: whole sentences from the opening of each original article (copies add none), cleaned of page
furniture, bounded so that a cluster of a hundred articles stays fast. The default method ("centroid") scores
each sentence by its closeness to what the coverage says most (the centroid of all its sentences) and to the
outlets' headlines, by how many other outlets use its two-word phrases, and by how early it comes in its
article. A sentence that needs context it lacks ("He said ...") is used only when no other is left, and one
far below the best is left out rather than used as padding. The summary opens with an article's lead (the
first report's when it is nearly as good as the best) and goes on by maximal marginal relevance within the
word budget, never taking a sentence that restates a chosen one. sumy's LexRank, TextRank, Luhn and LSA are
available as `method` over the same pool, so attribution holds whatever ranks the sentences.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sumy.models.dom import ObjectDocumentModel, Paragraph
from sumy.models.dom import Sentence as SumySentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from digest import text as textlib
from digest.models import Article, Cluster, Credit, Sentence, Story

MIN_WORDS, MAX_WORDS = 6, 60
POOL_LIMIT = 300  # sentences in all: bounds sumy's quadratic rankers and our similarity matrix
PER_ARTICLE = (2, 30)  # each article gives at least / at most this many of its first sentences to the pool
FURNITURE_WORDS = 25  # a whole paragraph may be furniture up to this length; longer ones are judged by sentence
IDF_PRIOR = 10  # documents' worth of general English in term weights: a cluster's own counts matter more here
TITLE_WEIGHT, PHRASE_WEIGHT, LEAD_WEIGHT = 0.75, 0.75, 0.2
FLOOR = 0.33  # a sentence scoring below this share of the best one is padding: better to stop short
OPENING_SHARE = 0.6  # the first report's lead opens the summary if it scores this share of the best lead
MMR_LAMBDA = 0.7
REDUNDANT = 0.5  # cosine at or above which a candidate repeats a chosen sentence
COVERED = 0.7  # share of a candidate's term weight already in the summary at which it adds too little
RESTATED = 0.6  # share of a candidate's names and numbers already stated at which it only restates them
MIN_FACTS = 3  # fewer names and numbers than this say too little to judge a restatement by
SAME_SENTENCE = 0.6  # word Jaccard at which two outlets carry "the same" sentence

_BOILERPLATE = re.compile(
    r"""(read\ the\ full\ story|full\ story|follow\ topics\ and\ authors|leave\ a\ (reply|comment)|similar\ posts
    |your\ email\ address\ will\ not|required\ fields\ are\ marked|share\ (this|on)|sign\ up\ for
    |subscribe\ (to|now|today)|click\ here|all\ rights\ reserved|\(photo\ (by|credit)|photo:|image:|getty\ images
    |curated\ by|summarized\ by|condensed\ by|advertisement|cookie|newsletter|previously,\ on
    |related\ (stories|articles)|back\ to\ (top|main)|site\ license|^updated:|^by\ [A-Z][\w.'-]+(\s[A-Z][\w.'-]+){0,3}
    |(your|active|online)\ subscription|\blog\ ?in\b|\bsign\ in\b|registered\ user|without\ ads
    |advertise\ (in|with|on)|optimi[sz]ed\ for\ viewing|can\ be\ reached\ (at|via|by)|(purchase|view)\ this\ article
    |for\ (further|more)\ information,?\ (visit|see|go|call|contact)|^author:|^source$|^\W*$)""",
    re.I | re.X,
)
_HASHTAGS = re.compile(r"(^|\s)#\w+(\s+#\w+)+")
_BREADCRUMBS = re.compile(r"\s[>|»]\s.*\s[>|»]\s|^home\s[>|»]", re.I)  # "Home > News > World"
_ENDS_WELL = re.compile(r"""[.!]["'”’)]*$""")  # a question is not news: it asks what a summary should tell
_LINK = re.compile(r"https?://|\]\(")  # a raw URL or a Markdown link
_ABBREVIATED = re.compile(r"\b([A-Z]|Capt|Col|Gen|Gov|Lt|Mr|Mrs|Ms|Dr|Rep|Sen|Sgt|St|No)\.$")
_OPENS_ON_CONTEXT = re.compile(
    r"^(he|she|they|it|this|that|these|those|but|and|so|also|however|meanwhile|still|yet|instead|then|nor"
    r"|none|neither|both|whether|such|another|not)\b",
    re.I,
)
_PRONOUN_SPEAKER = re.compile(r"""[,.!?]["”’]\s+(he|she|they)\s+(said|says|added|wrote|told|asked|noted)\b""")
_BARE_QUOTE = re.compile(r"""^["“][^"“”]*["”]$""")  # a quotation with no speaker named
_FIRST_PERSON = re.compile(r"\b(I|we|We|you|You|my|My|our|Our|your|Your|me|us)\b")  # a letter or a column
_QUOTED = re.compile(r"[\"“][^\"”]*[\"”]")
# Ends on a bare auxiliary ("..., has not said.", "it would.", "declined to say."), or says who spoke but not
# what ("Daniels said, refusing to answer directly."): what is meant is in the sentence before.
_SAYS_NOTHING = re.compile(r"""^[^"“]*\b(?:said|says|added|wrote|replied)\s*,\s+\w+ing\b""")
_ENDS_ELLIPTICAL = re.compile(
    r"\b(?:(?:has|have|had|did|does|do|would|will|could|can|should)(?: not|n[’']t)?"
    r"(?: (?:say|said|confirm|confirmed|disclose|disclosed|answer|answered|explain|explained))?"
    r"|declined to (?:say|explain|confirm|disclose))[.!][\"”’]?$",
    re.I,
)
_SUFFIX = re.compile(r"(?:\s+[|\-–—:]|\s*[|\-–—])\s+([^|\-–—:]{2,40})$")


@dataclass(frozen=True)
class _Candidate:
    text: str
    article: int  # index into the cluster's originals
    position: int  # order among the article's clean sentences: 0 is its lead
    terms: tuple[str, ...]  # stems of its content words
    forms: tuple[str, ...]  # those words as written (lowercased), for their general-English frequency
    facts: frozenset[str]  # stems of its names and numbers: what a paraphrase keeps

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class _Space:
    """The pool as unit TF-IDF rows and their pairwise cosines; unit vectors of the centroid and the titles."""

    vectors: np.ndarray
    similarity: np.ndarray
    centroid: np.ndarray
    titles: np.ndarray
    weights: np.ndarray  # each sentence's terms, by their weight (not by how often it uses them)
    vocabulary: dict[str, int]
    term_weights: np.ndarray


def summarize(cluster: Cluster, words: int = 120, method: str = "centroid") -> Story:
    """The Story of one cluster: headline, attributed sentences within `words`, every outlet listed."""
    originals = cluster.originals() or cluster.articles
    pool = _pool(originals)
    space = _space(pool, originals)
    if method == "centroid":
        chosen = _select_centroid(pool, space, originals, words)
    else:
        chosen = _select_sumy(pool, method, words)
    credits = _Credits(cluster, originals)
    first = _first_dated(originals)
    return Story(
        id=cluster.id,
        headline=_headline(originals, space),
        url=originals[0].url if originals else None,
        sentences=tuple(credits.sentence(pool[i]) for i in chosen),
        outlets=tuple(credits.of(a) for a in cluster.articles),
        first_reported=credits.of(first) if first else None,
        first_published=first.published if first else None,
        articles=len(cluster.articles),
        terms=cluster.terms,
    )


def is_boilerplate(sentence: str) -> bool:
    """Page furniture, share prompts, bylines, hashtag lines, navigation bars: never summary material."""
    if _BOILERPLATE.search(sentence) or _HASHTAGS.search(sentence) or _BREADCRUMBS.search(sentence):
        return True
    tokens = sentence.split()
    # A run of lowercase words with no punctuation is a navigation bar, not prose.
    return len(tokens) >= 5 and sentence == sentence.lower() and not re.search(r"[.,;:!?]", sentence)


def is_whole(sentence: str) -> bool:
    """A complete statement: sensible length, capital or quote start, final stop, balanced quotes, plain text."""
    count = len(sentence.split())
    if not MIN_WORDS <= count <= MAX_WORDS or not _ENDS_WELL.search(sentence) or _ABBREVIATED.search(sentence):
        return False
    if not (sentence[0].isupper() or sentence[0].isdigit() or sentence[0] in "\"“‘'"):
        return False
    if sentence.endswith(("...", "…")) or _LINK.search(sentence):  # a teaser cut short; markup, not prose
        return False
    return sentence.count('"') % 2 == 0 and sentence.count("“") == sentence.count("”")


def needs_context(sentence: str) -> bool:
    """Reads badly on its own: opens on a pronoun or connective, ends on a bare "has not said", names a speaker
    without what was said, quotes an unnamed or unknown speaker, or talks as "I" or "we" (a letter, a column)."""
    quotes_nobody = _PRONOUN_SPEAKER.search(sentence) or _BARE_QUOTE.match(sentence)
    elliptical = _OPENS_ON_CONTEXT.match(sentence) or _ENDS_ELLIPTICAL.search(sentence) or _SAYS_NOTHING.match(sentence)
    return bool(elliptical or quotes_nobody or _FIRST_PERSON.search(_QUOTED.sub("", sentence)))


def _pool(articles: Sequence[Article]) -> list[_Candidate]:
    """The first whole, clean sentences of every article, as many from each as POOL_LIMIT allows."""
    low, high = PER_ARTICLE
    quota = max(low, min(high, POOL_LIMIT // max(1, len(articles))))
    pool: list[_Candidate] = []
    seen: set[str] = set()
    for index, article in enumerate(articles):
        taken = 0
        for sentence in _clean_sentences(article.text):
            key = " ".join(sentence.lower().split())
            if key in seen:
                continue
            seen.add(key)
            pool.append(_candidate(sentence, index, taken))
            taken += 1
            if taken == quota:
                break
    return pool


def _candidate(sentence: str, article: int, position: int) -> _Candidate:
    pairs = textlib.stemmed_terms(sentence)
    terms, forms = tuple(s for s, _ in pairs), tuple(w for _, w in pairs)
    return _Candidate(sentence, article, position, terms, forms, _facts(sentence))


def _clean_sentences(text: str) -> Iterator[str]:
    """Whole sentences of a text, in order, without furniture; lazily, so a long article costs only what is used."""
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        if not paragraph or (len(paragraph.split()) <= FURNITURE_WORDS and is_boilerplate(paragraph)):
            continue
        for sentence in _rejoined(textlib.sentences(paragraph)):
            if is_whole(sentence) and not is_boilerplate(sentence):
                yield sentence


def _rejoined(sentences: list[str]) -> Iterator[str]:
    """Punkt's sentences, with a split after a title it does not know ("Capt.", "Sen.") undone."""
    pending = ""
    for sentence in sentences:
        pending = f"{pending} {sentence}" if pending else sentence
        if not _ABBREVIATED.search(pending):
            yield pending
            pending = ""
    if pending:
        yield pending


def _facts(sentence: str) -> frozenset[str]:
    """Stems of the names (capitalized after the first word) and numbers of a sentence."""
    tokens = textlib.words(sentence)
    return frozenset(
        textlib.stem(w)
        for i, w in enumerate(tokens)
        if w[0].isdigit() or (i > 0 and w[0].isupper() and w.lower() not in textlib.STOP_WORDS)
    )


def _space(pool: Sequence[_Candidate], originals: Sequence[Article]) -> _Space:
    vocabulary = {t: i for i, t in enumerate(sorted({t for c in pool for t in c.terms}))}
    if not vocabulary:
        empty = np.zeros((len(pool), 0))
        return _Space(empty, empty @ empty.T, np.zeros(0), np.zeros(0), empty, vocabulary, np.zeros(0))
    weights = _term_weights(pool, vocabulary, len(originals))
    rows = np.array([_weigh(c.terms, vocabulary, weights) for c in pool])
    vectors = _unit(rows)
    # Every sentence has one vote: what the coverage says most, however the articles split it.
    centroid = _unit(vectors.sum(axis=0, keepdims=True))[0]
    titles = " ".join(clean_headline(a.title or "", a.outlet) for a in originals)
    title_vector = _text_vector(titles, vocabulary, weights)
    return _Space(vectors, vectors @ vectors.T, centroid, title_vector, (rows > 0) * weights, vocabulary, weights)


def _term_weights(pool: Sequence[_Candidate], vocabulary: dict[str, int], articles: int) -> np.ndarray:
    """idf over the cluster's articles, with general English (of each stem's commonest word) as a light prior."""
    used: list[set[str]] = [set() for _ in range(articles)]
    for candidate in pool:
        used[candidate.article].update(candidate.terms)
    df = Counter(t for terms in used for t in terms)
    forms: Counter[tuple[str, str]] = Counter(pair for c in pool for pair in zip(c.terms, c.forms, strict=True))
    word = {stem: form for (stem, form), _ in reversed(forms.most_common())}
    return np.array([textlib.idf(df[t], articles, textlib.commonness(word[t]), IDF_PRIOR) for t in vocabulary])


def _text_vector(text: str, vocabulary: dict[str, int], weights: np.ndarray) -> np.ndarray:
    """A text (a title) as a unit vector in the pool's space."""
    return np.asarray(_unit(_weigh(textlib.terms(text), vocabulary, weights)[None, :])[0])


def _weigh(terms: Sequence[str], vocabulary: dict[str, int], weights: np.ndarray) -> np.ndarray:
    row = np.zeros(len(vocabulary))
    for term, count in Counter(terms).items():
        if term in vocabulary:
            row[vocabulary[term]] = (1 + math.log(count)) * weights[vocabulary[term]]
    return row


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(matrix / norms)


def _select_centroid(pool: Sequence[_Candidate], space: _Space, originals: Sequence[Article], budget: int) -> list[int]:
    if not pool:
        return []
    # A sentence that needs context is used only when no better one exists: when every sentence needs it.
    standalone = np.array([not needs_context(c.text) for c in pool])
    usable = standalone if standalone.any() else np.ones(len(pool), dtype=bool)
    score = np.where(usable, _salience(pool, space, len(originals)), -np.inf)
    score[score < FLOOR * score.max()] = -np.inf
    return _mmr(pool, space, score, budget, _opening(pool, score, originals))


def _salience(pool: Sequence[_Candidate], space: _Space, articles: int) -> np.ndarray:
    """Closeness to the centroid and to the headlines, phrases other outlets share, and lead position."""
    return np.asarray(
        space.vectors @ space.centroid
        + TITLE_WEIGHT * (space.vectors @ space.titles)
        + PHRASE_WEIGHT * _shared_phrases(pool, articles)
        + LEAD_WEIGHT * _lead(pool)
    )


def _shared_phrases(pool: Sequence[_Candidate], articles: int) -> np.ndarray:
    """How many other articles use each two-word phrase of a sentence ("house arrest", "Supreme Court").

    Summed over the phrases and divided by the square root of their number, so a sentence gains by carrying
    more shared phrases but not merely by being long.
    """
    phrases = [set(itertools.pairwise(c.terms)) for c in pool]
    by_article: list[set[tuple[str, str]]] = [set() for _ in range(articles)]
    for candidate, found in zip(pool, phrases, strict=True):
        by_article[candidate.article] |= found
    df = Counter(p for found in by_article for p in found)
    others = max(1, articles - 1)
    return np.array([sum(df[p] - 1 for p in found) / math.sqrt(max(1, len(found))) / others for found in phrases])


def _lead(pool: Sequence[_Candidate]) -> np.ndarray:
    """1 for an article's first sentence, falling linearly over the sentences it gave the pool."""
    given = Counter(c.article for c in pool)
    return np.array([1 - c.position / given[c.article] for c in pool])


def _opening(pool: Sequence[_Candidate], score: np.ndarray, originals: Sequence[Article]) -> int | None:
    """The lead that opens the summary: the first report's, unless another article's lead is much better.

    A recap or a column published later often condenses the story well, but the news is the first report's.
    """
    leads = [i for i, c in enumerate(pool) if c.position == 0 and np.isfinite(score[i])]
    if not leads:
        return None
    best = max(leads, key=lambda i: score[i])
    first = _first_dated(originals)
    original = next((i for i in leads if first and originals[pool[i].article] is first), None)
    if original is not None and score[original] >= OPENING_SHARE * score[best]:
        return original
    return best


def _mmr(pool: Sequence[_Candidate], space: _Space, score: np.ndarray, budget: int, opening: int | None) -> list[int]:
    """Maximal marginal relevance within the budget, from `opening`; a sentence that repeats is never taken."""
    lengths = np.array([c.words for c in pool])
    available = np.isfinite(score)
    summary = _Summary(pool, space)
    used = 0
    while True:
        available &= (lengths <= budget - used) & ~summary.repeated()
        if not available.any():
            break
        value = np.where(available, MMR_LAMBDA * score - (1 - MMR_LAMBDA) * summary.overlap, -np.inf)
        best = opening if not summary.chosen and opening is not None and available[opening] else int(np.argmax(value))
        summary.add(best)
        used += int(lengths[best])
        available[best] = False
    # A budget shorter than every sentence still gets the best one rather than nothing.
    return summary.chosen or [int(np.argmax(score))]


class _Summary:
    """The sentences chosen so far, and what the pool would repeat of them."""

    def __init__(self, pool: Sequence[_Candidate], space: _Space) -> None:
        self.pool = pool
        self.space = space
        self.chosen: list[int] = []
        self.overlap = np.zeros(len(pool))  # each candidate's highest cosine to a chosen sentence
        self.covered = np.zeros(space.weights.shape[1], dtype=bool)
        self.stated: set[str] = set()
        totals = space.weights.sum(axis=1)
        self.totals = np.where(totals > 0, totals, 1.0)

    def add(self, index: int) -> None:
        self.chosen.append(index)
        self.overlap = np.maximum(self.overlap, self.space.similarity[index])
        self.covered |= self.space.weights[index] > 0
        self.stated |= self.pool[index].facts

    def repeated(self) -> np.ndarray:
        """Near-duplicates of a chosen sentence, sentences adding too little, paraphrases of stated facts."""
        coverage = (self.space.weights @ self.covered) / self.totals
        restated = np.array([_restates(c.facts, self.stated) for c in self.pool])
        return np.asarray((self.overlap >= REDUNDANT) | (coverage >= COVERED) | restated)


def _restates(facts: frozenset[str], stated: set[str]) -> bool:
    """A paraphrase rewords the rest but keeps the names and numbers: most of them already said means a repeat."""
    return len(facts) >= MIN_FACTS and len(facts & stated) >= RESTATED * len(facts)


_SUMY = {
    "lexrank": LexRankSummarizer,
    "textrank": TextRankSummarizer,
    "luhn": LuhnSummarizer,
    "lsa": LsaSummarizer,
}


def _select_sumy(pool: Sequence[_Candidate], method: str, budget: int) -> list[int]:
    """Rank the pool with one of sumy's summarizers, then fill the budget in its order."""
    if not pool:
        return []
    tokenizer = textlib.SumyTokenizer()
    document = ObjectDocumentModel([Paragraph([SumySentence(c.text, tokenizer) for c in pool])])
    summarizer = _SUMY[method](Stemmer("english"))
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


class _Credits:
    """Who to credit: a sentence's own outlet and every other outlet carrying (nearly) the same sentence."""

    def __init__(self, cluster: Cluster, originals: Sequence[Article]) -> None:
        self.cluster = cluster
        self.originals = originals
        self.lowered = [a.text.lower() for a in cluster.articles]
        self.split: dict[int, list[frozenset[str]]] = {}

    def sentence(self, candidate: _Candidate) -> Sentence:
        source = self.originals[candidate.article]
        wordset = _wordset(candidate.text)
        also: dict[str, Credit] = {}
        for index, article in enumerate(self.cluster.articles):
            if article.label != source.label and article.label not in also and self._carries(index, candidate, wordset):
                also[article.label] = self.of(article)
        return Sentence(text=candidate.text, outlet=source.label, url=source.url, also=tuple(also.values()))

    def _carries(self, index: int, candidate: _Candidate, wordset: frozenset[str]) -> bool:
        article = self.cluster.articles[index]
        if candidate.text in article.text:
            return True
        # Jaccard >= t needs at least t of the sentence's words in the article; finding them as substrings is a
        # quick upper bound that spares splitting most articles into sentences.
        if sum(1 for w in wordset if w in self.lowered[index]) < SAME_SENTENCE * len(wordset):
            return False
        if index not in self.split:
            self.split[index] = [_wordset(s) for p in article.text.split("\n") for s in textlib.sentences(p)]
        return any(len(s & wordset) >= SAME_SENTENCE * len(s | wordset) for s in self.split[index])

    def of(self, article: Article) -> Credit:
        original = self.cluster.copies.get(article.id)
        copy_of = next((a.label for a in self.cluster.articles if a.id == original), None) if original else None
        return Credit(outlet=article.label, url=article.url, title=article.title, copy_of=copy_of)


def _wordset(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in textlib.words(text))


def _first_dated(articles: Sequence[Article]) -> Article | None:
    dated = [a for a in articles if a.published]
    return min(dated, key=lambda a: (a.published, a.id)) if dated else None


def clean_headline(title: str, outlet: str | None = None) -> str:
    """Drop a trailing site name (" - The Verge", " | Outlet", "high- The Economic Times") from a title."""
    match = _SUFFIX.search(title)
    if match:
        suffix = match.group(1).strip()
        if (outlet and suffix.lower() == outlet.lower()) or len(suffix.split()) <= 3:
            return title[: match.start()].strip()
    return title.strip()


def _headline(articles: Sequence[Article], space: _Space) -> str:
    """The title closest to what the coverage says most: a title of the story, not the longest or one take.

    A title that several articles carry is the site's name on every page, not a headline, unless it is all
    there is.
    """
    titles = Counter(a.title for a in articles if a.title)
    titled = [a for a in articles if a.title and titles[a.title] == 1] or [a for a in articles if a.title]
    if not titled:
        opening = next((s for a in articles for s in _clean_sentences(a.text)), None)
        return opening or "Untitled"
    cleaned = [clean_headline(a.title or "", a.outlet) for a in titled]
    scores = [float(_text_vector(title, space.vocabulary, space.term_weights) @ space.centroid) for title in cleaned]
    return cleaned[max(range(len(titled)), key=lambda i: (scores[i], -i))]
