"""Summaries: every sentence verbatim in the credited outlet's article, every outlet listed, budget kept."""

from __future__ import annotations

import pytest
from conftest import ROOT, SHARED_SEEDS

from digest import config, pipeline
from digest.cluster import cluster
from digest.models import Article, Cluster
from digest.summarize import clean_headline, is_boilerplate, summarize


def _normal(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def seed_clusters() -> list[Cluster]:
    settings = config.load(ROOT / "config.toml")
    return cluster(pipeline.gather(settings.sources).articles)


@pytest.mark.parametrize("method", ["centroid", "lexrank", "textrank", "luhn", "lsa"])
def test_sentences_are_verbatim_from_the_credited_outlet(seed_clusters: list[Cluster], method: str) -> None:
    for group in seed_clusters:
        story = summarize(group, words=100, method=method)
        by_outlet: dict[str, list[str]] = {}
        for article in group.articles:
            by_outlet.setdefault(article.label, []).append(_normal(article.text))
        for sentence in story.sentences:
            assert any(_normal(sentence.text) in text for text in by_outlet[sentence.outlet]), sentence
        assert {c.outlet for c in story.outlets} == {a.label for a in group.articles}
        words = [len(s.text.split()) for s in story.sentences]
        assert sum(words) <= 100 or len(words) == 1


def test_copies_contribute_no_sentences(seed_clusters: list[Cluster]) -> None:
    for group in seed_clusters:
        copies = {a.label for a in group.articles if a.id in group.copies}
        assert not {s.outlet for s in summarize(group).sentences} & copies


def test_boilerplate_never_appears() -> None:
    for line in [
        "Read the full story at The Verge.",
        "Follow topics and authors from this story to see more like this.",
        "#Seedance #great #hope #video #generation #shoddy",
        "Leave a Reply",
        "Your email address will not be published. Required fields are marked *",
        "world politics tech business tabloid sports science health entertainment",
        "Curated by Humans | Summarized by Machines",
    ]:
        assert is_boilerplate(line), line


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="../shared/seeds is not beside the clone")
def test_shared_seed_boilerplate_stays_out() -> None:
    articles = pipeline.read_articles([str(SHARED_SEEDS)]).articles
    for group in cluster(articles):
        text = " ".join(s.text for s in summarize(group, words=300).sentences)
        for furniture in ("Read the full story", "Leave a Reply", "#Seedance", "Follow topics", "Summarized by"):
            assert furniture not in text


def test_edge_cases_never_crash() -> None:
    single = Cluster("c", (Article("a", "Only one sentence here is long enough to use.", title="One - Site"),))
    story = summarize(single)
    assert story.headline == "One" and len(story.sentences) == 1
    empty = Cluster("e", (Article("b", "", title="Nothing"),))
    assert summarize(empty).sentences == ()
    foreign = Cluster("f", (Article("c", "Der Vorstand hat am Montag die neuen Zahlen vorgestellt und bestätigt."),))
    assert len(summarize(foreign).sentences) == 1


def test_headline_suffix_is_cleaned() -> None:
    assert clean_headline("Big news today - The Verge", "The Verge") == "Big news today"
    assert clean_headline("Studio sues | Outlet") == "Studio sues"
    assert clean_headline("Studio sues startup - and wins the first round in a long fight") == (
        "Studio sues startup - and wins the first round in a long fight"
    )
