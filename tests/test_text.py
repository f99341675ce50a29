"""The text primitives every stage and command shares."""

from __future__ import annotations

import pytest

from digest.text import count


@pytest.mark.parametrize(
    ("number", "noun", "expected"),
    [
        (1, "recipient", "1 recipient"),
        (2, "recipient", "2 recipients"),
        (0, "outlet", "0 outlets"),
        (1, "story", "1 story"),
        (3, "story", "3 stories"),
        (2, "entry", "2 entries"),
        (2, "day", "2 days"),
        (2, "address", "2 addresses"),
        (1, "person", "1 person"),
    ],
)
def test_count_agrees_with_its_number(number: int, noun: str, expected: str) -> None:
    assert count(number, noun) == expected


def test_count_takes_an_irregular_plural() -> None:
    assert count(2, "person", "people") == "2 people"
