"""Order stories: more independent outlets first, then the more recent, then the larger."""

from __future__ import annotations

from collections.abc import Sequence

from digest.models import Story


def rank(stories: Sequence[Story], limit: int) -> list[Story]:
    def key(story: Story) -> tuple[int, float, int, str]:
        when = story.first_published.timestamp() if story.first_published else 0.0
        return (-story.independent_outlets, -when, -story.articles, story.id)

    return sorted(stories, key=key)[:limit]
