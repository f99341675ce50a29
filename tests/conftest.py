"""Shared fixtures: the project's paths and the seeds corpus with its declared grouping."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import postgres
import pytest

from digest.config import StateSettings

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


def write_config(folder: Path, *, port: int = 25, extra_email: str = "", digest: str = "", output: str = "") -> Path:
    """A config in `folder` that reads the seeds and mails 127.0.0.1:`port` (plain SMTP unless overridden)."""
    if not (folder / "seeds").exists():
        (folder / "seeds").symlink_to(SEEDS)
    text = f"""
[digest]
name = "ai"
title = "AI Digest"
topic = 'AI OR "training data" OR chatbot OR generative OR "synthetic voice"'
max_age_days = 0
{digest}

[[sources]]
path = "seeds/feeds"

[[sources]]
path = "seeds/articles"

[email]
from = "digest@example.org"
to = ["a@example.org", "b@example.org", "c@example.org"]
host = "127.0.0.1"
port = {port}
security = "none"
timeout = 5
unsubscribe = "https://example.org/unsubscribe?list=ai"
{extra_email}

[output]
dir = "out"
base_url = "https://digest.example.org/"
{output}

[state]
path = "state.db"
"""
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str | None]:
    """CI's server (DIGEST_TEST_POSTGRES_URL), else one started here when the binaries exist, else None."""
    if url := os.environ.get(postgres.ENV):
        yield url
    elif postgres.server_binaries() is None:
        yield None
    else:
        with postgres.throwaway_server() as url:
            yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def state(request: pytest.FixtureRequest, postgres_server: str | None, tmp_path: Path) -> Iterator[StateSettings]:
    """The state on each backend: a SQLite file in tmp_path, or a fresh database on the test server."""
    if request.param == "sqlite":
        yield StateSettings(tmp_path / "state.db")
        return
    if postgres_server is None:
        pytest.skip(f"no PostgreSQL server: install Debian's postgresql (no {postgres.PG_CTL}) or set {postgres.ENV}")
    url = postgres.fresh_database(postgres_server)
    yield StateSettings(tmp_path / "unused.db", url, lease=2.0)
    postgres.drop_database(postgres_server, url)


@pytest.fixture
def on_each_backend(state: StateSettings, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """The test module's `write_config` writes configs that point at `state`, so the module's tests run on
    SQLite and on PostgreSQL (use with `pytestmark = pytest.mark.usefixtures("on_each_backend")`)."""

    def on_backend(folder: Path, **options: Any) -> Path:
        return use_state(write_config(folder, **options), state)

    monkeypatch.setattr(request.module, "write_config", on_backend)


def use_state(config_path: Path, state: StateSettings) -> Path:
    """Point a config written by write_config at this state (its file, or its PostgreSQL URL and lease)."""
    text = config_path.read_text(encoding="utf-8")
    where = f'url = "{state.url}"\nlease = {state.lease}' if state.url else f'path = "{state.path}"'
    config_path.write_text(text.replace('path = "state.db"', where), encoding="utf-8")
    return config_path
