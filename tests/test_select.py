"""The topic query language, the selection window and the stories on the topic."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from smtp_server import Handler, smtp_server

from digest import config, pipeline, store
from digest.errors import QueryError
from digest.models import Article, Cluster
from digest.select import near_the_topic, on_topic, parse_query, window

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def _article(text: str, title: str = "", days_old: float | None = None, ident: str = "a") -> Article:
    published = NOW - timedelta(days=days_old) if days_old is not None else None
    return Article(id=ident, text=text, title=title, published=published)


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("AI", "The AI model", True),
        ("AI", "She said so", False),  # word boundaries: no match inside "said"
        ('"training data"', "its Training   Data was scraped", True),
        ('"training data"', "training on data", False),
        ("copyright*", "a copyrighted film", True),
        ("studio lawsuit", "the studio filed a lawsuit", True),  # a space is AND
        ("studio lawsuit", "the studio filed", False),
        ("studio OR lawsuit", "a lawsuit", True),
        ("AI NOT sports", "AI in sports", False),
        ("AI -sports", "AI in sports", False),
        ("(music OR film) AND AI", "AI film", True),
        ("(music OR film) AND AI", "AI poetry", False),
        ("ai", "AI rules", True),
    ],
)
def test_query_matches(query: str, text: str, expected: bool) -> None:
    assert parse_query(query).matches(_article(text)) is expected


def test_title_counts() -> None:
    assert parse_query("chatbot").matches(_article("nothing here", title="A chatbot deal"))


def test_explain_names_the_matching_terms() -> None:
    query = parse_query('AI OR "training data" OR chatbot NOT weather')
    assert query.explain(_article("The chatbot used training data")) == ["training data", "chatbot"]


@pytest.mark.parametrize("bad", ["", '"unclosed', "a OR", "(a", "a )", "NOT"])
def test_bad_queries_raise_query_error(bad: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(bad)
    assert caught.value.hint


def test_the_window_keeps_each_article_once_within_its_age_on_the_topic_or_not() -> None:
    query = parse_query("AI")
    articles = [
        _article("AI news", days_old=1, ident="fresh"),
        _article("AI news", days_old=10, ident="old"),
        _article("AI news", ident="undated"),
        _article("AI news again", days_old=1, ident="fresh"),
        _article("weather", days_old=1, ident="off"),
        _article("AI sent", days_old=1, ident="sent"),
    ]
    chosen = window(articles, query, now=NOW, max_age_days=2, exclude=frozenset({"sent"}))
    assert [a.id for a in chosen] == ["fresh", "undated", "off"]
    assert [a.id for a in window(articles, query, now=NOW)] == ["fresh", "old", "undated", "off", "sent"]


@pytest.mark.parametrize(
    ("query", "text", "ruled_out"),
    [
        ("AI NOT crypto", "a crypto exchange fails", True),  # what the query excludes stays out, beside its story
        ("AI NOT crypto", "the chip maker's results", False),  # merely off the topic: may join its story
        ("AI NOT crypto", "AI tools", False),
        ("(AI NOT crypto) OR blockchain", "blockchain and crypto", False),  # it matches: never ruled out
        ("AI -(crypto OR bitcoin)", "bitcoin falls", True),
        ("AI NOT (sports NOT chess)", "chess and sports", False),  # a NOT within a NOT excludes nothing
    ],
)
def test_the_window_leaves_out_only_what_a_not_excludes(query: str, text: str, ruled_out: bool) -> None:
    assert parse_query(query).rules_out(_article(text)) is ruled_out
    assert [a.id for a in window([_article(text)], parse_query(query), now=NOW)] == ([] if ruled_out else ["a"])


def test_a_story_is_on_the_topic_when_one_of_its_articles_matches() -> None:
    speech = _article("AI rules announced", ident="speech")
    reaction = _article("Late-night hosts mocked the address", ident="reaction")
    weather = _article("Rain all week", ident="weather")
    clusters = [Cluster("c-weather", (weather,)), Cluster("c-speech", (reaction, speech))]
    kept = on_topic(clusters, parse_query("AI"))
    assert [c.id for c, _ in kept] == ["c-speech"]
    assert [a.id for a in kept[0][0].articles] == ["reaction", "speech"]
    assert kept[0][1] == {"speech"}  # the article that matched: it heads the story


# A day of one paper's feed (invented): three reports of one dam collapse, only two of which say "dam", a piece on
# the collapse that is about football, and an unrelated story.
COLLAPSE = [
    (
        "Dam collapse in Laos leaves hundreds missing",
        "The Xe-Pian Xe-Namnoy dam in Attapeu province collapsed on Monday night. Six villages were flooded and "
        "hundreds of people are missing, the provincial governor said.",
    ),
    (
        "Hundreds missing after Laos dam gives way",
        "Floodwater burst through the Xe-Pian Xe-Namnoy hydropower dam in southern Laos on Monday night, sweeping "
        "away houses in six villages of Attapeu. State media put the number of missing in the hundreds.",
    ),
    (
        "Rescuers reach Attapeu villages by boat",
        "Soldiers and volunteers in boats reached the six flooded villages of Attapeu province on Tuesday, a day "
        "after the Xe-Pian Xe-Namnoy wall failed. Hundreds of people are still missing.",
    ),
    (
        "Attapeu football ground under water",
        "The provincial football ground in Attapeu is under two metres of water from the collapsed Xe-Pian "
        "Xe-Namnoy dam, and the league has called off its matches there.",
    ),
    ("Harbour ferries halted by dock workers' strike", "Dock workers walked out at dawn, halting every ferry."),
]


def _config_on(tmp_path: Path, topic: str, port: int = 25) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir(exist_ok=True)
    for number, (title, text) in enumerate(COLLAPSE):
        when = (NOW - timedelta(hours=10 - number)).isoformat()
        front = f"---\ntitle: {title}\noutlet: The Paper\npublished: {when}\nurl: https://paper.example/{number}\n---\n"
        (folder / f"{number}.md").write_text(front + text + "\n", encoding="utf-8")
    (tmp_path / "config.toml").write_text(
        f'[digest]\nname = "dams"\ntopic = \'{topic}\'\nmax_age_days = 0\n\n[[sources]]\npath = "{folder}"\n\n'
        f'[email]\nfrom = "digest@example.org"\nto = ["a@example.org"]\nhost = "127.0.0.1"\nport = {port}\n'
        'security = "none"\n\n[state]\npath = "state.db"\n',
        encoding="utf-8",
    )
    return tmp_path / "config.toml"


def _digest_on(tmp_path: Path, topic: str) -> list[list[str]]:
    loaded = config.load(_config_on(tmp_path, topic))
    articles = pipeline.gather(loaded.sources).articles
    built = pipeline.build_digest(loaded, articles, NOW)
    return [sorted(o.url.rsplit("/", 1)[1] for o in story.outlets if o.url) for story in built.stories]


def test_a_story_on_the_topic_brings_its_articles_that_do_not_name_it(tmp_path: Path) -> None:
    """The rescuers' report never says "dam"; it is part of the story all the same (issue 13)."""
    assert _digest_on(tmp_path, "dam") == [["0", "1", "2", "3"]]


def test_preview_explain_says_which_article_came_with_its_story(tmp_path: Path) -> None:
    path = _config_on(tmp_path, "dam")
    done = subprocess.run(
        [sys.executable, "-m", "digest", "preview", "--config", str(path), "--explain"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Rescuers reach Attapeu villages by boat (in the story, matched nothing itself)" in done.stdout
    assert "Hundreds missing after Laos dam gives way (matched: dam)" in done.stdout


@pytest.mark.parametrize(
    ("topic", "headline"),
    [
        ("dam", "Dam collapse in Laos leaves hundreds missing"),
        ("football", "Attapeu football ground under water"),
        ("rescuers OR boat", "Rescuers reach Attapeu villages by boat"),
    ],
)
def test_a_story_is_headed_by_an_article_on_the_topic(tmp_path: Path, topic: str, headline: str) -> None:
    """The reader sees why the story is in the digest: one story of four articles whatever the topic, headed by
    the title closest to the coverage among those that match."""
    loaded = config.load(_config_on(tmp_path, topic))
    built = pipeline.build_digest(loaded, pipeline.gather(loaded.sources).articles, NOW)
    assert [(s.headline, s.articles) for s in built.stories] == [(headline, 4)]
    assert built.stories[0].headline_url == f"https://paper.example/{[t for t, _ in COLLAPSE].index(headline)}"


def test_what_a_not_excludes_stays_out_of_its_story(tmp_path: Path) -> None:
    assert _digest_on(tmp_path, "dam NOT football") == [["0", "1", "2"]]


def test_near_the_topic_keeps_what_was_published_within_the_gap_of_a_match() -> None:
    articles = [
        _article("AI news", days_old=5, ident="match"),
        _article("weather", days_old=3, ident="near"),  # 2 days after the match
        _article("weather", days_old=0, ident="far"),  # 5 days after it
        _article("weather", ident="undated"),  # no time to be near
        _article("AI again", ident="undated match"),
    ]
    near = near_the_topic(articles, parse_query("AI"), days=4)
    assert [a.id for a in near] == ["match", "near", "undated match"]


def test_an_article_that_came_with_its_story_is_sent_once_and_marked_sent(tmp_path: Path) -> None:
    handler = Handler()
    with smtp_server(handler) as port:
        path = _config_on(tmp_path, "dam", port)
        first = pipeline.run(config.load(path), now=NOW)
        again = pipeline.run(config.load(path), now=NOW + timedelta(hours=2))
    assert first.ok and len(handler.received) == 1
    body = handler.received[0].message().get_body(("plain",))
    assert body is not None and "https://paper.example/2" in body.get_content()  # the rescuers' report
    with store.Store(config.load(path).state) as state:
        assert sorted(_sent_urls(state, path)) == [f"https://paper.example/{n}" for n in range(4)]
    assert again.reports[0].note == "nothing new; sent nothing"


def _sent_urls(state: store.Store, path: Path) -> list[str]:
    by_id = {a.id: a.url or "" for a in pipeline.gather(config.load(path).sources).articles}  # ids are hashes
    return [by_id[i] for i in state.sent_articles("dams")]
