"""The topic query language and the selection window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digest.errors import QueryError
from digest.models import Article
from digest.select import parse_query, select

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


def test_select_window_duplicates_and_exclusions() -> None:
    query = parse_query("AI")
    articles = [
        _article("AI news", days_old=1, ident="fresh"),
        _article("AI news", days_old=10, ident="old"),
        _article("AI news", ident="undated"),
        _article("AI news again", days_old=1, ident="fresh"),
        _article("weather", days_old=1, ident="off"),
        _article("AI sent", days_old=1, ident="sent"),
    ]
    chosen = select(articles, query, now=NOW, max_age_days=2, exclude=frozenset({"sent"}))
    assert [a.id for a in chosen] == ["fresh", "undated"]
    assert [a.id for a in select(articles, query, now=NOW)] == ["fresh", "old", "undated", "sent"]
