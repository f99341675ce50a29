"""Shared fixtures: the project's paths and the seeds corpus with its declared grouping."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"
DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Expected:
    event: str
    url: str
    outlet: str
    role: str


def expected_grouping() -> list[Expected]:
    """The table under `## Expected grouping` in seeds/README.md, one row per article."""
    text = (SEEDS / "README.md").read_text(encoding="utf-8")
    section = text.split("## Expected grouping", 1)[1]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.match(r"https?://", cells[1]):
            rows.append(Expected(*cells))
    return rows


@pytest.fixture(scope="session")
def grouping() -> list[Expected]:
    return expected_grouping()
