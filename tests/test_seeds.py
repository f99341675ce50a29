"""The seeds corpus produces the grouping that seeds/README.md declares, event by event."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from conftest import ROOT, Expected

from digest import config, pipeline
from digest.models import Digest

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def _digest() -> Digest:
    settings = config.load(ROOT / "config.toml")
    gathered = pipeline.gather(settings.sources)
    assert not gathered.errors
    return pipeline.build_digest(settings, gathered.articles, NOW)


def test_corpus_is_large_enough(grouping: list[Expected]) -> None:
    events = defaultdict(set)
    for row in grouping:
        events[row.event].add(row.outlet)
    assert len(grouping) >= 30
    assert len([e for e in events if e != "-"]) >= 6
    assert len([e for e, outlets in events.items() if e != "-" and len(outlets) >= 3]) >= 3
    assert {"original", "copy", "opinion", "older", "offtopic"} <= {row.role for row in grouping}


def test_every_declared_article_is_read(grouping: list[Expected]) -> None:
    settings = config.load(ROOT / "config.toml")
    urls = {a.url for a in pipeline.gather(settings.sources).articles}
    assert {row.url for row in grouping} == urls


def test_each_event_is_one_story_and_off_topic_is_dropped(grouping: list[Expected]) -> None:
    digest = _digest()
    story_of = {c.url: story.id for story in digest.stories for c in story.outlets}
    by_event: dict[str, set[str]] = defaultdict(set)
    for row in grouping:
        if row.event == "-":
            assert row.url not in story_of, f"off-topic article kept: {row.url}"
            continue
        assert row.url in story_of, f"{row.event}: {row.url} is in no story"
        by_event[row.event].add(story_of[row.url])
    for event, stories in by_event.items():
        assert len(stories) == 1, f"{event} is split across {len(stories)} stories"
    all_stories = [next(iter(s)) for s in by_event.values()]
    assert len(all_stories) == len(set(all_stories)), "two declared events were merged into one story"


def test_copy_is_marked_and_original_credited_first(grouping: list[Expected]) -> None:
    digest = _digest()
    original = next(r for r in grouping if r.role == "original")
    copy = next(r for r in grouping if r.role == "copy")
    story = next(s for s in digest.stories if any(c.url == original.url for c in s.outlets))
    assert story.outlets[0].url == original.url
    assert story.url == original.url
    marked = next(c for c in story.outlets if c.url == copy.url)
    assert marked.copy_of == original.outlet
    assert all(c.copy_of is None for c in story.outlets if c.url != copy.url)
    assert story.independent_outlets == len({r.outlet for r in grouping if r.event == original.event}) - 1
