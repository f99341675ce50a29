"""The order of an issue's stories (digest/rank.py). Stories are built from digest.models directly; the shape of
the first test is the Guardian feed in ../shared/eval/feeds: five pieces on the State of the Union in one
evening, beside single pieces posted later the same day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest.models import Credit, Story
from digest.rank import rank

EVENING = datetime(2018, 1, 31, 19, 0, tzinfo=UTC)


def story(ident: str, published: datetime | None, articles: int = 1, outlets: tuple[str, ...] = ("Paper",)) -> Story:
    credits = tuple(Credit(outlets[i % len(outlets)], f"https://x.example/{ident}/{i}") for i in range(articles))
    return Story(ident, ident, credits[0].url, (), credits, first_published=published, articles=articles)


def test_the_story_an_outlet_wrote_most_about_leads_its_day() -> None:
    speech = story("speech", EVENING, articles=5)
    later = [story(f"later{i}", EVENING + timedelta(hours=1 + i)) for i in range(3)]
    assert [s.id for s in rank([*later, speech], 10)] == ["speech", "later2", "later1", "later0"]


def test_more_outlets_still_come_first_and_days_newest_first() -> None:
    two_outlets = story("two", EVENING - timedelta(hours=5), articles=2, outlets=("Paper", "Wire"))
    big_yesterday = story("yesterday", EVENING - timedelta(days=1, hours=1), articles=6)
    today = story("today", EVENING)
    undated = story("undated", None, articles=9)
    order = [s.id for s in rank([undated, big_yesterday, today, two_outlets], 10)]
    assert order == ["two", "today", "yesterday", "undated"]
    assert [s.id for s in rank([undated, big_yesterday, today, two_outlets], 2)] == ["two", "today"]
