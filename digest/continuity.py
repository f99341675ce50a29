"""Continuing stories: a story that follows one from an earlier issue of the same digest.

Articles already sent never come back, so a continuing story is made of new articles about an event the
reader has seen. It is matched to the earlier story by what both say (headline, coverage titles and summary
sentences, as TF-IDF of stems, each story read in its own language), marked as an update, and shows only
sentences the reader has not had (`said` is what the pipeline summarizes it again without, so the budget goes
to the news; `updated` trims what is still repeated); a story with nothing new left is dropped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from digest import text as textlib
from digest.models import Story

SAME_EVENT = 0.3  # cosine between two stories' words at which they are one event


def follow_up(stories: Sequence[Story], earlier: Sequence[Story], threshold: float = SAME_EVENT) -> list[Story]:
    """The stories as they should appear given what was sent: updates marked and trimmed, repeats dropped."""
    return updated(stories, continued(stories, earlier, threshold))


def continued(
    stories: Sequence[Story], earlier: Sequence[Story], threshold: float = SAME_EVENT
) -> list[tuple[Story, ...]]:
    """For each story, the earlier stories it continues (none for a new one)."""
    if not earlier:
        return [() for _ in stories]
    vectors = _vectors([*stories, *earlier])
    return [
        tuple(earlier[j] for j in range(len(earlier)) if _cosine(vectors[i], vectors[len(stories) + j]) >= threshold)
        for i in range(len(stories))
    ]


def updated(stories: Sequence[Story], continues: Sequence[Sequence[Story]]) -> list[Story]:
    """Each story that continues earlier ones marked as an update and without the sentences they sent; one with
    nothing new left is dropped."""
    kept = []
    for story, matches in zip(stories, continues, strict=True):
        if not matches:
            kept.append(story)
            continue
        fresh = tuple(s for s in story.sentences if not any(_repeats(s.text, m, story.language) for m in matches))
        if fresh:
            kept.append(replace(story, sentences=fresh, update=True))
    return kept


def said(matches: Sequence[Story]) -> list[str]:
    """What the earlier stories told the reader: the sentences an update should not tell again."""
    return [s.text for story in matches for s in story.sentences]


def _repeats(sentence: str, story: Story, language: str | None) -> bool:
    words = textlib.word_set(sentence, language)
    return textlib.same_as_any(words, (textlib.word_set(old.text, language) for old in story.sentences))


def _bag(story: Story, words: dict[str, tuple[str, str | None]]) -> Counter[str]:
    """Stem counts of what the story says, in its language; records a surface word per stem (general counts
    know words) and the language it is a word of."""
    titles = " ".join(c.title or "" for c in story.outlets)
    text = " ".join([story.headline, titles, *(s.text for s in story.sentences)])
    pairs = textlib.stemmed_terms(text, story.language)
    for stem, word in pairs:
        words.setdefault(stem, (word, story.language))
    return Counter(stem for stem, _ in pairs)


def _vectors(stories: Sequence[Story]) -> list[dict[str, float]]:
    words: dict[str, tuple[str, str | None]] = {}
    bags = [_bag(s, words) for s in stories]
    frequency = Counter(term for bag in bags for term in bag)
    vectors = []
    for bag in bags:
        weights = {
            t: textlib.tf(c) * textlib.idf(frequency[t], len(bags), textlib.commonness(*words[t]))
            for t, c in bag.items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        vectors.append({t: w / norm for t, w in weights.items()})
    return vectors


def _cosine(first: dict[str, float], second: dict[str, float]) -> float:
    small, large = (first, second) if len(first) <= len(second) else (second, first)
    return sum(weight * large.get(term, 0.0) for term, weight in small.items())
