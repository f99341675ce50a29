"""Continuing stories: an update to a story sent earlier is marked and shows only what is new."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import write_config
from smtp_server import Handler, smtp_server

from digest import config, pipeline
from digest.continuity import follow_up
from digest.models import Credit, Sentence, Story

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)

FOLLOW_UP = """---
title: "Court sets January hearing in Halvard Pictures' lawsuit against Lumora Labs"
outlet: "Harbour Wire"
url: "https://harbourwire.example/2026/11/26/halvard-lumora-hearing"
published: "2026-11-26T10:00:00Z"
---
The Commercial Court of Port Calder set a first hearing for 14 January in Halvard Pictures' lawsuit against Lumora \
Labs over the Lumora Reel video model and its training data.

Judge Ines Marlow also ordered Lumora to preserve every dataset used to train the model until the case is decided.

Lumora Labs said it would ask the court to dismiss the lawsuit before the hearing.
"""


# An update that opens on two sentences the first issue already carried (The Ledger's lead, Circuit Review's
# line on Lumora's sources, taken over word for word), then gives five new ones.
RETOLD = [
    "Halvard Pictures, one of Aldovia's oldest film studios, sued the artificial intelligence startup Lumora Labs "
    "on Monday, accusing it of copying at least 212 of the studio's feature films to train the video generator it "
    "sells to the public.",
    "Lumora has never published a list of the sources behind Lumora Reel.",
]
NEWS = [
    "The Commercial Court of Port Calder set a first hearing for 14 January in the Halvard case.",
    "Judge Ines Marlow also ordered Lumora to preserve the training data behind its model until the case is decided.",
    "Lumora Labs said it would ask the court to dismiss the lawsuit against it before the hearing.",
    "Lawyers for Halvard said they would ask for Lumora Reel to be withdrawn from sale while the case goes on.",
    "The court gave both sides until 10 December to file their first written arguments in the Lumora case.",
]
BACKGROUND_FIRST = (
    '---\ntitle: "Hearing set in Halvard Pictures\' lawsuit against Lumora Labs"\noutlet: "Harbour Wire"\n'
    'url: "https://harbourwire.example/2026/11/26/halvard-lumora-hearing"\npublished: "2026-11-26T10:00:00Z"\n'
    "---\n" + "\n\n".join([*RETOLD, *NEWS]) + "\n"
)


def _story(ident: str, headline: str, *sentences: str) -> Story:
    return Story(
        id=ident,
        headline=headline,
        url=None,
        sentences=tuple(Sentence(s, "Outlet", None) for s in sentences),
        outlets=(Credit("Outlet", None, headline),),
    )


def test_follow_up_marks_updates_and_drops_repeats() -> None:
    earlier = [
        _story("old", "Studio sues startup over film library", "Halvard sued Lumora Labs on Monday over 212 films.")
    ]
    update = _story(
        "new",
        "Court sets hearing in Halvard lawsuit against Lumora Labs",
        "Halvard sued Lumora Labs on Monday over 212 films.",
        "The court set a hearing for January in the Halvard lawsuit against Lumora Labs.",
    )
    repeat = _story("same", "Halvard sues Lumora Labs over films", "Halvard sued Lumora Labs on Monday over 212 films.")
    other = _story("other", "Voice actors strike over synthetic voices", "The guild called a strike on Sunday.")
    result = follow_up([update, repeat, other], earlier)
    assert [s.id for s in result] == ["new", "other"]
    assert result[0].update and [x.text for x in result[0].sentences] == [update.sentences[1].text]
    assert not result[1].update
    assert follow_up([update], []) == [update]


def _second_issue(tmp_path: Path, article: str) -> str:
    """The text part of the issue sent the day after the seeds' first one, once `article` has come in."""
    handler = Handler()
    with smtp_server(handler) as port:
        path = write_config(tmp_path, port=port)
        first = pipeline.run(config.load(path), now=NOW)
        assert first.ok and first.reports[0].stories == 9
        (tmp_path / "extra").mkdir()
        (tmp_path / "extra" / "hearing.md").write_text(article, encoding="utf-8")
        with path.open("a", encoding="utf-8") as handle:
            handle.write('\n[[sources]]\npath = "extra"\n')
        second = pipeline.run(config.load(path), now=NOW + timedelta(days=1))
    assert second.ok and second.reports[0].stories == 1
    body = handler.received[-1].message().get_body(("plain",))
    assert body is not None
    return " ".join(body.get_content().split())


def test_second_run_shows_the_update_only(tmp_path: Path) -> None:
    text = _second_issue(tmp_path, FOLLOW_UP)
    assert "Update" in text and "14 January" in text
    assert "Ironwake" not in text, "nothing from the first issue's coverage is repeated"


def test_an_update_spends_its_budget_on_what_is_new(tmp_path: Path) -> None:
    """An update is summarized without what the first issue said: the five new sentences fit the budget, where
    trimming a summary made with the two old ones showed four."""
    text = _second_issue(tmp_path, BACKGROUND_FIRST)
    assert "Update" in text
    assert [sentence in text for sentence in NEWS] == [True] * len(NEWS)
    assert not any(sentence in text for sentence in RETOLD)


def test_a_copy_of_a_report_already_sent_heads_no_story(tmp_path: Path) -> None:
    """#14: the Halvard story went out; NewsFlux Hub's copy of The Ledger's report arrives afterwards. It is not
    news, and its title must not head an "update": it is left out, like the original it copies."""
    settings = config.load(write_config(tmp_path))
    articles = pipeline.gather(settings.sources).articles
    halvard = [a for a in articles if a.url and "halvard" in a.url]
    copy = next(a for a in halvard if a.outlet == "NewsFlux Hub")  # undated, as copies often are
    sent = frozenset(a.id for a in halvard if a is not copy)
    later = max(a.published for a in halvard if a.published) + timedelta(days=1)
    digest = pipeline.build_digest(settings, articles, later, exclude=sent)
    assert all(c.outlet != "NewsFlux Hub" for s in digest.stories for c in s.outlets)
    assert copy.title not in [s.headline for s in digest.stories]
