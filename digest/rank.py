"""Order stories: more independent outlets first; then, among stories of the same day (within a day of the newest
story), the one more articles cover; then the more recent.

A day, not the minute: five pieces an outlet gave one speech in an evening say more about it than a single
piece posted an hour later (a one-paper feed ranks by how much its paper wrote). Days still come newest first,
so a catch-up issue opens with the latest news.
"""

from __future__ import annotations

from collections.abc import Sequence

from digest.models import Story

DAY = 86400.0  # seconds


def rank(stories: Sequence[Story], limit: int) -> list[Story]:
    times = {story.id: story.first_published.timestamp() if story.first_published else 0.0 for story in stories}
    newest = max(times.values(), default=0.0)

    def key(story: Story) -> tuple[int, int, int, float, str]:
        when = times[story.id]
        return (-story.independent_outlets, int((newest - when) // DAY), -story.articles, -when, story.id)

    return sorted(stories, key=key)[:limit]
