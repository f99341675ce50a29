"""Locks: who may start an issue of a digest, and (on one SQLite file) who may run at all.

SQLite: `run_lock` is an fcntl lock on a file beside the state, held for a whole `digest run` or `digest
schedule`; one process works on the file at a time, so any claim left in it belongs to a dead run.

PostgreSQL: processes on several machines share the state, so `run_lock` holds nothing; `digest_lock` is a
session advisory lock per digest, held while a run decides which issue to send (join the unfinished one, or
save a new one), so two runs never start two issues of one digest. It lives on its own connection: a process
that dies loses its session, and the server frees the lock.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from digest.config import StateSettings
from digest.errors import StateError
from digest.store.engine import guarded


@contextmanager
def run_lock(state: StateSettings | Path) -> Iterator[None]:
    """Hold the state's run lock: on a SQLite file, a second `digest run` or `digest schedule` is refused."""
    if isinstance(state, StateSettings) and state.url:
        yield  # PostgreSQL: several processes share the state; digest_lock and the claims keep it exactly once
        return
    path = state.path if isinstance(state, StateSettings) else state
    lock = path.with_name(path.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StateError(
                f"{path} is in use by another digest run or schedule",
                "wait for it to finish, or stop the other `digest schedule` (to run several, use a PostgreSQL state)",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def digest_lock(engine: Engine, state: StateSettings, digest: str) -> Iterator[None]:
    """Wait for and hold the digest's advisory lock (PostgreSQL); on SQLite, run_lock already excludes others."""
    if engine.dialect.name != "postgresql":
        yield
        return
    key = _lock_key(digest)
    with guarded(state), engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            connection.commit()


def _lock_key(digest: str) -> int:
    """A stable signed 64-bit key per digest (advisory locks are keyed by bigint)."""
    return int.from_bytes(hashlib.sha256(f"digest run {digest}".encode()).digest()[:8], "big", signed=True)
