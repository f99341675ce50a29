"""Opening the state: a SQLite file or a PostgreSQL database as one SQLAlchemy engine, migrated on open.

Database errors leave this package as StateError (one line, with a hint), never as a traceback: `guarded`
wraps every use of a connection.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from digest.config import StateSettings
from digest.errors import StateError
from digest.store import schema

# A PostgreSQL migration takes this advisory lock so that two processes starting on an empty database do
# not both create the tables (PostgreSQL DDL is transactional; the loser finds the work done).
_MIGRATION_LOCK = 0x64696765  # "dige"


def where(state: StateSettings) -> str:
    """The state named for messages: the file, or the database URL without any password."""
    if not state.url:
        return str(state.path)
    return make_url(state.url).render_as_string(hide_password=True)


def url_of(state: StateSettings, environ: Mapping[str, str] = os.environ) -> URL:
    """The SQLAlchemy URL of a PostgreSQL state: psycopg 3, the password from `state.password_env` if set."""
    url = make_url(state.url).set(drivername="postgresql+psycopg")
    password = environ.get(state.password_env)
    return url.set(password=password) if password else url


def open_engine(state: StateSettings) -> Engine:
    """A migrated engine for the state; StateError with a hint when it cannot be opened or is not ours."""
    engine = _postgres(state) if state.url else _sqlite(state.path)
    try:
        with guarded(state):
            _migrate(engine, state)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _postgres(state: StateSettings) -> Engine:
    # Several sender threads write at once; each holds a pooled connection only for one short transaction.
    return create_engine(
        url_of(state),
        pool_size=8,
        max_overflow=16,
        pool_pre_ping=True,
        # Plans made for each statement's values: a generic plan of a claim walks the deliveries in
        # recipient order past every one already made, instead of taking the to-do index.
        connect_args={"connect_timeout": 10, "application_name": "digest", "prepare_threshold": None},
    )


def _sqlite(path: Path) -> Engine:
    memory = str(path) == ":memory:"
    if not memory:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StateError(f"{path}: cannot create its folder ({error.strerror})", "check [state] path") from None
    engine = create_engine(
        "sqlite://" if memory else f"sqlite:///{path}",
        # One connection for an in-memory state (each new one would be a new, empty database); the Store
        # serialises threads on a lock, so it may cross threads.
        poolclass=StaticPool if memory else None,
        connect_args={"timeout": 30, "check_same_thread": False},
    )
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(connection: sqlite3.Connection, record: Any) -> None:
    connection.isolation_level = None  # transactions are begun by _sqlite_begin, not by the driver
    connection.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL keeps every commit through a killed process (what exactly-once sending relies on);
    # only a power cut may undo the last ones, which the next run then redoes under the same keys. FULL
    # would cost an fsync per commit, two per message sent.
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE: two processes never interleave a read-then-write (the driver's deferred BEGIN would let them).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _migrate(engine: Engine, state: StateSettings) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        current = schema.version(connection)
        if current > schema.LATEST:
            raise StateError(
                f"{where(state)}: written by a newer digest (schema {current}, this one knows {schema.LATEST})",
                "upgrade digest or point [state] at another database",
            )
        for number in range(current, schema.LATEST):
            schema.migrate_one(connection, number)


@contextmanager
def guarded(state: StateSettings) -> Iterator[None]:
    """Turn a database error into one StateError line naming the state and what to check."""
    try:
        yield
    except exc.DBAPIError as error:
        raise StateError(f"{where(state)}: {_reason(error)}", _hint(state)) from None
    except exc.ArgumentError as error:
        raise StateError(f"{where(state)}: {error}", "check [state] url") from None


def _reason(error: exc.DBAPIError) -> str:
    lines = str(error.orig).strip().splitlines()
    first = lines[0] if lines else type(error.orig).__name__
    if isinstance(error.orig, sqlite3.DatabaseError):
        return f"cannot open the state file ({first})"
    if "password authentication failed" in first or "no password supplied" in first:
        return f"the database refused the login ({first})"
    if isinstance(error, exc.OperationalError):
        return f"cannot reach the state database ({first})"
    return f"the state database refused a statement ({first})"


def _hint(state: StateSettings) -> str:
    if not state.url:
        return "check [state] path, or move the damaged file away"
    return f"check [state] url, that the server is up and accepts us, and ${state.password_env}"
