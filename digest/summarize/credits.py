"""Who to credit: a sentence's own outlet and every other outlet carrying (nearly) the same sentence."""

from __future__ import annotations

from collections.abc import Sequence

from digest import text as textlib
from digest.models import Article, Cluster, Credit, Sentence
from digest.summarize.sentences import Candidate


class Credits:
    def __init__(self, cluster: Cluster, originals: Sequence[Article], language: str | None = None) -> None:
        self.cluster = cluster
        self.language = language
        self.originals = originals
        self.lowered = [a.text.lower() for a in cluster.articles]
        self.split: dict[int, list[frozenset[str]]] = {}

    def sentence(self, candidate: Candidate) -> Sentence:
        source = self.originals[candidate.article]
        wordset = textlib.word_set(candidate.text, self.language)
        also: dict[str, Credit] = {}
        for index, article in enumerate(self.cluster.articles):
            if article.label != source.label and article.label not in also and self._carries(index, candidate, wordset):
                also[article.label] = self.of(article)
        return Sentence(text=candidate.text, outlet=source.label, url=source.url, also=tuple(also.values()))

    def _carries(self, index: int, candidate: Candidate, wordset: frozenset[str]) -> bool:
        article = self.cluster.articles[index]
        if candidate.text in article.text:
            return True
        # Jaccard >= t needs at least t of the sentence's words in the article; finding them as substrings is a
        # quick upper bound that spares splitting most articles into sentences.
        if sum(1 for w in wordset if w in self.lowered[index]) < textlib.SAME_SENTENCE * len(wordset):
            return False
        if index not in self.split:
            self.split[index] = [
                textlib.word_set(s, self.language)
                for p in article.text.split("\n")
                for s in textlib.sentences(p, self.language)
            ]
        return textlib.same_as_any(wordset, self.split[index])

    def of(self, article: Article) -> Credit:
        original = self.cluster.copies.get(article.id)
        copy_of = next((a.label for a in self.cluster.articles if a.id == original), None) if original else None
        return Credit(outlet=article.label, url=article.url, title=article.title, copy_of=copy_of)
