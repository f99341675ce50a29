"""The state store on both backends (a SQLite file, a real PostgreSQL database): migrations from an empty
database and from today's SQLite schema, the claims that let several senders share an issue, the locks, and
one clear line for a state that cannot be reached."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import use_state, write_config
from sqlalchemy import create_engine, inspect, text

from digest import store
from digest.config import StateSettings
from digest.errors import StateError
from digest.models import Article, Delivery, Issue
from digest.store import engine as state_engine
from digest.store import schema

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)

# The schema of state files written before PostgreSQL support (PRAGMA user_version 3), frozen here as those
# files have it: what digest/store.py's _MIGRATIONS made, with a delivery of each kind in it.
TODAY_V3 = """
CREATE TABLE feeds (location TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, redirect TEXT,
    status TEXT NOT NULL DEFAULT 'new', error TEXT, hint TEXT, failures INTEGER NOT NULL DEFAULT 0,
    last_attempt TEXT, last_success TEXT, items INTEGER NOT NULL DEFAULT 0, latest_item TEXT,
    disabled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE articles (id TEXT PRIMARY KEY, url TEXT, outlet TEXT, title TEXT, text TEXT NOT NULL,
    published TEXT, first_seen TEXT NOT NULL);
CREATE INDEX articles_first_seen ON articles (first_seen);
CREATE TABLE issues (id TEXT PRIMARY KEY, digest TEXT NOT NULL, title TEXT NOT NULL, created TEXT NOT NULL,
    subject TEXT NOT NULL, html TEXT NOT NULL, text TEXT NOT NULL, stories TEXT NOT NULL);
CREATE INDEX issues_digest ON issues (digest, created);
CREATE TABLE issue_articles (issue TEXT NOT NULL REFERENCES issues (id), article TEXT NOT NULL,
    story TEXT NOT NULL, PRIMARY KEY (issue, article));
CREATE TABLE deliveries (issue TEXT NOT NULL REFERENCES issues (id), recipient TEXT NOT NULL,
    key TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error TEXT,
    updated TEXT NOT NULL, channel TEXT NOT NULL DEFAULT 'email', PRIMARY KEY (issue, recipient));
CREATE TABLE pages (url TEXT PRIMARY KEY, text TEXT NOT NULL, fetched TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE INDEX articles_url ON articles (url);
INSERT INTO articles VALUES ('a1', 'https://x.example/1', 'X', 'One', 'Text one.', NULL, '2026-11-24T07:00:00Z');
INSERT INTO issues VALUES ('ai-2026-11-24', 'ai', 'AI', '2026-11-24T07:00:00Z', 'S', '<p>h</p>', 't', '[]');
INSERT INTO issue_articles VALUES ('ai-2026-11-24', 'a1', 's1');
INSERT INTO deliveries VALUES ('ai-2026-11-24', 'a@example.org', '<k1@x>', 'sent', 1, NULL, '2026-11-24T07:00:01Z',
    'email');
INSERT INTO deliveries VALUES ('ai-2026-11-24', 'b@example.org', '<k2@x>', 'sending', 1, NULL,
    '2026-11-24T07:00:02Z', 'email');
"""


def _write_today(state: StateSettings) -> None:
    """A state as digest left it before #18: the v3 tables and rows (on PostgreSQL, the same at version 3)."""
    statements = [s.strip() for s in TODAY_V3.split(";") if s.strip()]
    if not state.url:
        with sqlite3.connect(state.path) as db:
            for statement in statements:
                db.execute(statement)
            db.execute("PRAGMA user_version = 3")
        return
    engine = create_engine(state_engine.url_of(state))
    with engine.begin() as db:
        for statement in statements:
            db.execute(text(statement))
        db.execute(text("CREATE TABLE schema_version (version INTEGER NOT NULL)"))
        db.execute(text("INSERT INTO schema_version VALUES (3)"))
    engine.dispose()


def _columns(state: StateSettings) -> dict[str, set[tuple[str, bool]]]:
    engine = create_engine(state_engine.url_of(state) if state.url else f"sqlite:///{state.path}")
    found = inspect(engine)
    tables = {t: {(c["name"], bool(c["nullable"])) for c in found.get_columns(t)} for t in found.get_table_names()}
    engine.dispose()
    return tables


def _expected() -> dict[str, set[tuple[str, bool]]]:
    tables = {
        t.name: {(c.name, bool(c.nullable) and not c.primary_key) for c in t.columns}
        for t in schema.metadata.sorted_tables
    }
    return tables | {"schema_version": {("version", False)}}


def _normalised(tables: dict[str, set[tuple[str, bool]]]) -> dict[str, set[tuple[str, bool]]]:
    """Primary-key columns count as NOT NULL whatever the database reports (SQLite reports them nullable)."""
    keys = {t.name: {c.name for c in t.primary_key.columns} for t in schema.metadata.sorted_tables}
    return {
        t: {(name, nullable and name not in keys.get(t, set())) for name, nullable in cols}
        for t, cols in tables.items()
    }


def test_an_empty_database_is_migrated_to_the_schema(state: StateSettings) -> None:
    with store.Store(state) as opened:
        assert opened.schema_version == schema.LATEST
    assert _normalised(_columns(state)) == _expected()
    with store.Store(state) as again:  # opening a migrated database changes nothing
        assert again.schema_version == schema.LATEST


def test_todays_state_is_migrated_and_keeps_what_it_recorded(state: StateSettings) -> None:
    _write_today(state)
    with store.Store(state) as opened:
        assert opened.schema_version == schema.LATEST
        assert opened.sent_articles("ai") == frozenset({"a1"})
        assert [i.id for i in opened.unfinished_issues("ai", 5)] == ["ai-2026-11-24"]
        statuses = {d.recipient: d.status for d in opened.deliveries("ai-2026-11-24")}
        assert statuses == {"a@example.org": "sent", "b@example.org": "sending"}
        # the interrupted delivery has no lease: the next sender takes it over and re-sends it under its key
        (taken,) = opened.claim("ai-2026-11-24", "email", "me", 10, NOW, datetime.now(UTC), 60, 5)
        assert (taken.recipient, taken.key) == ("b@example.org", "<k2@x>")
    assert _normalised(_columns(state)) == _expected()
    if not state.url:
        with sqlite3.connect(state.path) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST


def test_an_article_read_back_keeps_its_language(state: StateSettings) -> None:
    """A German article saved by one run is grouped as German by the next (#15), on a migrated state too."""
    _write_today(state)
    article = Article(id="de1", text="Die Stadtwerke erhöhen die Preise.", title="Preise", language="de")
    with store.Store(state) as opened:
        opened.save_articles([article], NOW)
        read = {a.id: a for a in opened.articles_since(NOW - timedelta(days=1))}
    assert read["de1"].language == "de"
    assert read["a1"].language is None, "an article saved before languages were told apart has none"


def test_a_state_from_a_newer_digest_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(StateError, match="written by a newer digest"):
        store.Store(path)


def _issue_with(opened: store.Store, recipients: int) -> str:
    issue = Issue("ai-x", "ai", "AI", NOW, "S", "<p>h</p>", "t", ())
    planned = [Delivery(issue.id, "email", f"r{n:03}@example.org", f"<k{n}@x>", "pending") for n in range(recipients)]
    assert opened.save_issue(issue, {}, planned)
    assert not opened.save_issue(issue, {}, planned), "a second save of the same id is refused, not merged"
    return issue.id


def test_two_senders_claim_disjoint_batches_and_a_lapsed_lease_passes_on(state: StateSettings) -> None:
    with store.Store(state) as one, store.Store(state) as two:
        ident = _issue_with(one, 30)
        now = datetime.now(UTC)
        first = one.claim(ident, "email", "one", 20, now, now, 60, 5)
        assert one.mark_delivery(ident, first[0].recipient, "sending", now, owner="one")
        second = two.claim(ident, "email", "two", 20, now, now, 60, 5)
        if not state.url:
            assert len(second) == 20, "a SQLite file has one sender at a time (its run lock): any claim is a dead run's"
            return
        assert len(first) == 20 and len(second) == 10
        assert not {d.recipient for d in first} & {d.recipient for d in second}
        assert not two.mark_delivery(ident, first[1].recipient, "sending", now, owner="two"), "not its claim"
        assert two.held_elsewhere(ident, "email", "two", now) is not None
        later = now + timedelta(seconds=61)
        taken = two.claim(ident, "email", "two", 50, now, later, 60, 5)
        assert len(taken) == 20, "one's lease ran out: its 20 pass to two, the one mid-send too; not two's own"
        assert two.held_elsewhere(ident, "email", "two", later) is None


def test_what_failed_in_this_run_waits_for_the_next(state: StateSettings) -> None:
    with store.Store(state) as opened:
        ident = _issue_with(opened, 2)
        started = datetime.now(UTC)
        a, b = opened.claim(ident, "email", "me", 10, started, started, 60, 5)
        opened.mark_delivery(ident, a.recipient, "failed", datetime.now(UTC), "421 busy")
        opened.mark_delivery(ident, b.recipient, "sent", datetime.now(UTC))
        assert opened.claim(ident, "email", "me", 10, started, datetime.now(UTC), 60, 5) == []
        assert opened.to_do(ident, "email", started, 5) == 0
        next_run = datetime.now(UTC) + timedelta(seconds=1)
        assert [d.recipient for d in opened.claim(ident, "email", "me", 10, next_run, next_run, 60, 5)] == [a.recipient]


def test_the_digest_lock_makes_a_second_run_wait_on_postgresql(state: StateSettings) -> None:
    """On a SQLite file the run lock already keeps a second process out (tests/test_schedule.py): no wait."""
    got = threading.Event()
    with store.Store(state) as one, store.Store(state) as two:

        def second() -> None:
            with two.digest_lock("ai"):
                got.set()

        with one.digest_lock("ai"):
            waiter = threading.Thread(target=second)
            waiter.start()
            if not state.url:
                assert got.wait(10)
                return
            assert not got.wait(0.5), "the second run waits while the first holds the digest's lock"
            with two.digest_lock("other"):  # other digests are not held up
                pass
        assert got.wait(10), "and goes on once the first lets go"
        waiter.join()


def test_the_run_lock_lets_several_processes_share_a_postgresql_state(state: StateSettings) -> None:
    with store.run_lock(state):
        if state.url:
            with store.run_lock(state):
                pass
        else:
            with pytest.raises(StateError, match="in use by another digest run"), store.run_lock(state):
                pass


def test_an_unreachable_database_is_one_line_with_a_hint(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    dead = StateSettings(tmp_path / "unused.db", "postgresql://digest@127.0.0.1:1/digest")
    use_state(path, dead)
    result = subprocess.run(
        [sys.executable, "-m", "digest", "run", "--config", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "postgresql://digest@127.0.0.1:1/digest" in line and "Connection refused" in line
    assert "check [state] url" in line and "$DIGEST_STATE_PASSWORD" in line


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql://digest@db/digest", "must be a PostgreSQL URL"),
        ("postgresql://digest:hunter2@db:5432/digest", "must not hold a password"),
    ],
)
def test_a_bad_state_url_names_the_key(tmp_path: Path, url: str, problem: str) -> None:
    path = use_state(write_config(tmp_path), StateSettings(tmp_path / "x.db", url))
    result = subprocess.run(
        [sys.executable, "-m", "digest", "run", "--config", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "state.url" in result.stderr and problem in result.stderr
