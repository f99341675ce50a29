"""Event clustering and copy detection on small, readable cases; the seeds' grouping is in test_seeds.py."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from conftest import SHARED_SEEDS

from digest import pipeline
from digest.cluster import cluster
from digest.models import Article, Cluster

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

REPORT = (
    "Harbour officials in Port Calder closed the northern terminal on Monday after a crane collapsed onto a "
    "container ship, injuring four dock workers. The crane, operated by Calder Freight, gave way shortly after "
    "7 a.m. while lifting a 30-tonne container, the port authority said. Two of the injured workers were taken "
    "to St Brigid's Hospital with broken bones; the other two were treated at the scene. Port director Ilse "
    "Varga said the terminal would stay shut until inspectors had checked the other eleven cranes on the quay. "
    "Calder Freight said it was cooperating fully and had suspended all lifting operations across its sites. "
    "Shipping companies were told to expect delays of up to three days for cargo bound for the northern berths."
)
REWORDED = (
    "Port officers in Port Calder shut the northern terminal on Monday after a crane fell onto a container "
    "vessel, hurting four dock employees. The crane, run by Calder Freight, collapsed soon after 7 a.m. while "
    "hoisting a 30-tonne container, the port authority stated. Two of the hurt workers were taken to St "
    "Brigid's Hospital with broken bones; the other two were treated on the spot. Port director Ilse Varga "
    "stated the terminal would stay closed until inspectors had examined the other eleven cranes on the quay. "
    "Calder Freight stated it was cooperating completely and had halted all lifting work across its sites. "
    "Shipping firms were told to expect holdups of up to three days for freight bound for the northern berths."
)
OTHER = (
    "A second crane accident, this one at the southern grain quay of Vellmar, left one operator injured on "
    "Thursday when a hoist cable snapped during unloading. Vellmar harbour master Oskar Lind said the quay "
    "would reopen on Saturday once the cable had been replaced and tested. The operator, employed by Lind & "
    "Sons Stevedoring, was treated for a shoulder injury and released the same day."
)
BOILERPLATE = "Sign up for the Harbour Post morning briefing to get the day's shipping news in your inbox."


def _article(ident: str, text: str, title: str | None = None, days: float | None = 0, outlet: str = "X") -> Article:
    when = MONDAY + timedelta(days=days) if days is not None else None
    return Article(id=ident, text=text, title=title, published=when, outlet=outlet, url=f"https://{ident}.example/")


def _groups(clusters: list[Cluster]) -> set[frozenset[str]]:
    return {frozenset(a.id for a in c.articles) for c in clusters}


def test_reworded_copy_is_folded_into_the_original() -> None:
    original = _article("orig", REPORT, "Crane collapse shuts Port Calder terminal")
    copy = _article("copy", REWORDED, "Crane Falls At Port Calder, Terminal Shut", days=0.5, outlet="Content Farm")
    (story,) = cluster([copy, original])
    assert story.copies == {"copy": "orig"}
    assert story.articles[0].id == "orig"


def test_wire_copy_with_a_different_headline_is_a_copy() -> None:
    wire = _article("wire", REPORT, "Crane collapse shuts Port Calder terminal", outlet="Wire")
    paper = _article(
        "paper", REPORT + " Local reaction was swift.", "Four hurt as crane falls", days=0.1, outlet="Paper"
    )
    (story,) = cluster([paper, wire])
    assert story.copies == {"paper": "wire"}


def test_undated_copy_counts_as_the_later_one() -> None:
    dated = _article("dated", REPORT, "Crane collapse", outlet="Ledger")
    undated = _article("undated", REWORDED, "Crane collapse", days=None, outlet="Farm")
    (story,) = cluster([undated, dated])
    assert story.copies == {"undated": "dated"}


def test_shared_boilerplate_does_not_make_a_copy() -> None:
    first = _article("one", f"{REPORT}\n\n{BOILERPLATE}", "Crane collapse shuts terminal", outlet="Harbour Post")
    second = _article("two", f"{OTHER}\n\n{BOILERPLATE}", "Cable snaps at Vellmar quay", days=3, outlet="Harbour Post")
    clusters = cluster([first, second])
    assert all(not c.copies for c in clusters)


def test_same_kind_of_event_stays_apart() -> None:
    articles = [
        _article("a1", REPORT, "Crane collapse shuts Port Calder terminal", outlet="A"),
        _article("a2", REWORDED.replace("Port officers", "Officials"), "Four hurt in Port Calder crane fall", 0.2, "B"),
        _article("b1", OTHER, "Cable snaps at Vellmar grain quay", days=3, outlet="C"),
    ]
    groups = _groups(cluster(articles))
    assert frozenset({"b1"}) in groups


def test_same_input_same_clusters_in_any_order() -> None:
    articles = [
        _article("a", REPORT, "Crane collapse"),
        _article("b", REWORDED, "Crane falls", 0.2),
        _article("c", OTHER, "Cable snaps", 3),
        _article("d", "An unrelated note about the city's new library opening hours on weekends.", "Library"),
    ]
    expected = [(c.id, tuple(a.id for a in c.articles), tuple(sorted(c.copies.items()))) for c in cluster(articles)]
    for seed in range(5):
        shuffled = articles[:]
        random.Random(seed).shuffle(shuffled)
        got = [(c.id, tuple(a.id for a in c.articles), tuple(sorted(c.copies.items()))) for c in cluster(shuffled)]
        assert got == expected


def test_edge_cases() -> None:
    assert cluster([]) == []
    (single,) = cluster([_article("only", REPORT)])
    assert [a.id for a in single.articles] == ["only"] and not single.copies
    bare = [Article(id=str(i), text=text) for i, text in enumerate([REPORT, REWORDED, OTHER, ""])]
    assert sorted(a.id for c in cluster(bare) for a in c.articles) == ["0", "1", "2", "3"]


def test_terms_explain_the_cluster() -> None:
    (story,) = cluster([_article("orig", REPORT, "Crane collapse"), _article("b", REWORDED, "Crane falls", 0.2)])
    assert story.terms and any("crane" in term.lower() for term in story.terms)


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="../shared/seeds is not beside the clone")
def test_shared_seeds_copy_credits_the_verge() -> None:
    articles = pipeline.read_articles([str(SHARED_SEEDS)]).articles
    verge = next(a for a in articles if a.outlet == "theverge.com")
    story = next(c for c in cluster(articles) if verge in c.articles)
    assert story.articles[0] == verge and len(story.copies) == 1
