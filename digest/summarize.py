"""Multi-document extractive summary of a Cluster, every sentence credited to the outlet it came from.

The pool: whole sentences from each original article (copies add none), cleaned of page furniture.
The default method ("centroid") scores each sentence by its similarity to the cluster's centroid (what
the outlets say in common), how many outlets carry that content, and its position (leads summarize),
then picks sentences by maximal marginal relevance within the word budget. sumy's LexRank, TextRank,
Luhn and LSA are available as `method` over the same pool, so attribution holds whatever ranks them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

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
POOL_PER_ARTICLE = 30  # leads carry the news; this bounds sumy's quadratic rankers too
POOL_LIMIT = 400
SAME_SENTENCE = 0.6  # word Jaccard at which two outlets carry "the same" sentence
REDUNDANT = 0.5  # cosine above which a candidate repeats a chosen sentence
MMR_LAMBDA = 0.7

_BOILERPLATE = re.compile(
    r"""(read\ the\ full\ story|follow\ topics\ and\ authors|leave\ a\ (reply|comment)|similar\ posts
    |your\ email\ address\ will\ not|required\ fields\ are\ marked|share\ (this|on)|sign\ up\ for
    |subscribe\ (to|now)|click\ here|all\ rights\ reserved|\(photo\ (by|credit)|photo:|image:|getty\ images
    |curated\ by|summarized\ by|advertisement|cookie|newsletter|previously,\ on|related\ (stories|articles)
    |^by\ [A-Z][\w.'-]+(\s[A-Z][\w.'-]+){0,3}\s*$|^author:|^source$|^\W*$)""",
    re.I | re.X,
)
_HASHTAGS = re.compile(r"(^|\s)#\w+(\s+#\w+)+")
_DANGLING = re.compile(r"^(he|she|they|it|this|that|these|those|but|and|so|also|however|meanwhile)\b", re.I)
_ENDS_WELL = re.compile(r"""[.!?]["'”’)]*$""")
_SUFFIX = re.compile(r"\s+[|\-–—:]\s+([^|\-–—:]{2,40})$")


@dataclass(frozen=True)
class _Candidate:
    text: str
    article: int
    position: int
    stems: tuple[str, ...]
    wordset: frozenset[str]

    @property
    def words(self) -> int:
        return len(self.text.split())


def summarize(cluster: Cluster, words: int = 120, method: str = "centroid") -> Story:
    """The Story of one cluster: headline, attributed sentences within `words`, every outlet listed."""
    originals = cluster.originals()
    pool = _pool(originals)
    vectors, centroid = _vectors(pool, originals)
    if method == "centroid":
        chosen = _select_centroid(pool, vectors, centroid, words)
    else:
        chosen = _select_sumy(pool, method, words)
    sentences = tuple(_credit(pool[i], cluster) for i in chosen)
    first = _first_dated(originals)
    lead = originals[0] if originals else cluster.articles[0]
    return Story(
        id=cluster.id,
        headline=_headline(originals or cluster.articles, centroid),
        url=lead.url,
        sentences=sentences,
        outlets=_coverage(cluster),
        first_reported=_credit_of(first) if first else None,
        first_published=first.published if first else None,
        articles=len(cluster.articles),
        terms=cluster.terms,
    )


def is_boilerplate(sentence: str) -> bool:
    """Page furniture, share prompts, bylines, hashtag lines, navigation bars: never summary material."""
    if _BOILERPLATE.search(sentence) or _HASHTAGS.search(sentence):
        return True
    tokens = sentence.split()
    # A run of lowercase words with no punctuation is a navigation bar, not prose.
    return len(tokens) >= 5 and sentence == sentence.lower() and not re.search(r"[.,;:!?]", sentence)


def is_whole(sentence: str) -> bool:
    """A complete sentence: sensible length, capital or quote start, final punctuation, balanced quotes."""
    count = len(sentence.split())
    if not MIN_WORDS <= count <= MAX_WORDS or not _ENDS_WELL.search(sentence):
        return False
    if not (sentence[0].isupper() or sentence[0].isdigit() or sentence[0] in "\"“‘'"):
        return False
    return sentence.count('"') % 2 == 0 and sentence.count("“") == sentence.count("”")


def _pool(articles: Sequence[Article]) -> list[_Candidate]:
    pool: list[_Candidate] = []
    seen: set[str] = set()
    for index, article in enumerate(articles):
        taken = 0
        for paragraph in article.text.split("\n"):
            if taken >= POOL_PER_ARTICLE or is_boilerplate(paragraph.strip()):
                continue
            for sentence in textlib.sentences(paragraph):
                key = " ".join(sentence.lower().split())
                if taken >= POOL_PER_ARTICLE or key in seen or is_boilerplate(sentence) or not is_whole(sentence):
                    continue
                seen.add(key)
                wordset = frozenset(w.lower() for w in textlib.words(sentence))
                stems = tuple(textlib.terms(sentence))
                pool.append(_Candidate(sentence, index, taken, stems, wordset))
                taken += 1
    return pool[:POOL_LIMIT]


def _vectors(pool: Sequence[_Candidate], articles: Sequence[Article]) -> tuple[np.ndarray, np.ndarray]:
    """Unit TF-IDF rows for the pool, and the unit centroid of the articles (each article weighs the same)."""
    vocabulary = {t: i for i, t in enumerate(sorted({t for c in pool for t in c.stems}))}
    if not vocabulary:
        return np.zeros((len(pool), 1)), np.zeros(1)
    df: Counter[str] = Counter()
    for article in range(len(articles)):
        df.update({t for c in pool if c.article == article for t in c.stems})
    weights = np.array([textlib.idf(df[t], len(articles), textlib.commonness(t)) for t in vocabulary])
    rows = np.zeros((len(pool), len(vocabulary)))
    for row, candidate in enumerate(pool):
        for term, count in Counter(candidate.stems).items():
            rows[row, vocabulary[term]] = (1 + math.log(count)) * weights[vocabulary[term]]
    rows = _unit(rows)
    per_article = np.zeros((len(articles), len(vocabulary)))
    for row, candidate in enumerate(pool):
        per_article[candidate.article] += rows[row]
    centroid = _unit(_unit(per_article).sum(axis=0, keepdims=True))[0]
    return rows, centroid


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(matrix / norms)


def _select_centroid(pool: Sequence[_Candidate], vectors: np.ndarray, centroid: np.ndarray, budget: int) -> list[int]:
    if not pool:
        return []
    relevance = vectors @ centroid
    support = _support(pool, vectors)
    position = np.array([1.0 / math.sqrt(1 + c.position) for c in pool])
    dangling = np.array([0.5 if _DANGLING.match(c.text) else 1.0 for c in pool])
    score = (relevance + 0.1 * support + 0.15 * position) * dangling
    return _mmr(pool, vectors, score, budget)


def _support(pool: Sequence[_Candidate], vectors: np.ndarray) -> np.ndarray:
    """For each sentence, how many other articles carry a sentence close to it (0..1 of the others)."""
    articles = np.array([c.article for c in pool])
    others = len(set(articles.tolist())) - 1
    if others <= 0:
        return np.zeros(len(pool))
    similar = (vectors @ vectors.T) >= 0.3
    counts = np.array([len(set(articles[similar[i]].tolist()) - {articles[i]}) for i in range(len(pool))])
    return np.asarray(counts / others, dtype=float)


def _mmr(pool: Sequence[_Candidate], vectors: np.ndarray, score: np.ndarray, budget: int) -> list[int]:
    chosen: list[int] = []
    used = 0
    remaining = set(range(len(pool)))
    while remaining:

        def value(i: int) -> float:
            overlap = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            return MMR_LAMBDA * float(score[i]) - (1 - MMR_LAMBDA) * overlap

        best = max(sorted(remaining), key=value)
        remaining.discard(best)
        if chosen and max(float(vectors[best] @ vectors[j]) for j in chosen) >= REDUNDANT:
            continue
        if used + pool[best].words > budget and chosen:
            continue
        chosen.append(best)
        used += pool[best].words
        if used >= budget:
            break
    return chosen


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
    average = sum(c.words for c in pool) / len(pool)
    wanted = max(1, math.ceil(budget / average) + 1)
    index = {c.text: i for i, c in enumerate(pool)}
    chosen: list[int] = []
    used = 0
    for sentence in summarizer(document, wanted):
        i = index[str(sentence)]
        if used + pool[i].words > budget and chosen:
            continue
        chosen.append(i)
        used += pool[i].words
    return chosen


def _credit(candidate: _Candidate, cluster: Cluster) -> Sentence:
    """The sentence credited to its own article's outlet, and to every other article carrying it too."""
    originals = cluster.originals()
    source = originals[candidate.article]
    also = []
    for article in cluster.articles:
        if article.id == source.id or article.label == source.label:
            continue
        if _carries(article, candidate):
            also.append(_credit_of(article, cluster))
    unique = tuple({c.outlet: c for c in also}.values())
    return Sentence(text=candidate.text, outlet=source.label, url=source.url, also=unique)


def _carries(article: Article, candidate: _Candidate) -> bool:
    if candidate.text in article.text:
        return True
    for paragraph in article.text.split("\n"):
        for sentence in textlib.sentences(paragraph):
            other = frozenset(w.lower() for w in textlib.words(sentence))
            union = other | candidate.wordset
            if union and len(other & candidate.wordset) / len(union) >= SAME_SENTENCE:
                return True
    return False


def _credit_of(article: Article, cluster: Cluster | None = None) -> Credit:
    original = cluster.copies.get(article.id) if cluster else None
    copy_of = next((a.label for a in cluster.articles if a.id == original), None) if cluster and original else None
    return Credit(outlet=article.label, url=article.url, title=article.title, copy_of=copy_of)


def _coverage(cluster: Cluster) -> tuple[Credit, ...]:
    """Every article of the cluster, originals first (earliest first), copies marked with what they copy."""
    return tuple(_credit_of(a, cluster) for a in cluster.articles)


def _first_dated(articles: Sequence[Article]) -> Article | None:
    dated = [a for a in articles if a.published]
    return min(dated, key=lambda a: (a.published, a.id)) if dated else None


def clean_headline(title: str, outlet: str | None = None) -> str:
    """Drop a trailing site name (" - The Verge", " | Outlet") from a title."""
    match = _SUFFIX.search(title)
    if match:
        suffix = match.group(1).strip()
        if (outlet and suffix.lower() == outlet.lower()) or len(suffix.split()) <= 3:
            return title[: match.start()].strip()
    return title.strip()


def _headline(articles: Sequence[Article], centroid: np.ndarray) -> str:
    """The title closest to what the whole cluster is about (not merely the longest)."""
    titled = [a for a in articles if a.title]
    if not titled:
        return textlib.sentences(articles[0].text.split("\n")[0])[0] if articles[0].text.strip() else "Untitled"
    scores = []
    for article in titled:
        stems = Counter(textlib.terms(article.title or ""))
        scores.append(sum(stems.values()) and _title_score(stems, centroid, articles))
    best = titled[max(range(len(titled)), key=lambda i: (scores[i], -i))]
    return clean_headline(best.title or "", best.outlet)


def _title_score(stems: Counter[str], centroid: np.ndarray, articles: Sequence[Article]) -> float:
    """Share of the title's words that other articles of the cluster also use (a title of the story, not one take)."""
    texts = [" ".join(textlib.terms(f"{a.title} {a.text}")) for a in articles]
    shared = sum(1 for t in stems if sum(1 for x in texts if f" {t} " in f" {x} ") > 1)
    return shared / max(1, len(stems))
