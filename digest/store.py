"""The state store: one SQLite file (WAL), the only module that writes SQL.

It remembers each feed's HTTP cache and health, every article seen, each issue built, which articles went
into it, and each delivery to each recipient over each channel (email, webhook). "Sent" is derived, never
stored twice: an issue's articles count as sent once any delivery of that issue is `sent`, so an issue that
reached nobody leaves its articles eligible for the next one.

Schema changes are migrations: `_MIGRATIONS[n]` takes a database from version n to n+1 (PRAGMA user_version).
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from digest.errors import StateError
from digest.models import Article, Delivery, FeedHealth, HttpCache, Issue, Story, iso, parse_iso

_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE feeds (
        location TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        redirect TEXT,
        status TEXT NOT NULL DEFAULT 'new',
        error TEXT,
        hint TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        last_attempt TEXT,
        last_success TEXT,
        items INTEGER NOT NULL DEFAULT 0,
        latest_item TEXT,
        disabled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        url TEXT,
        outlet TEXT,
        title TEXT,
        text TEXT NOT NULL,
        published TEXT,
        first_seen TEXT NOT NULL
    );
    CREATE INDEX articles_first_seen ON articles (first_seen);
    CREATE TABLE issues (
        id TEXT PRIMARY KEY,
        digest TEXT NOT NULL,
        title TEXT NOT NULL,
        created TEXT NOT NULL,
        subject TEXT NOT NULL,
        html TEXT NOT NULL,
        text TEXT NOT NULL,
        stories TEXT NOT NULL
    );
    CREATE INDEX issues_digest ON issues (digest, created);
    CREATE TABLE issue_articles (
        issue TEXT NOT NULL REFERENCES issues (id),
        article TEXT NOT NULL,
        story TEXT NOT NULL,
        PRIMARY KEY (issue, article)
    );
    CREATE TABLE deliveries (
        issue TEXT NOT NULL REFERENCES issues (id),
        recipient TEXT NOT NULL,
        message_id TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        updated TEXT NOT NULL,
        PRIMARY KEY (issue, recipient)
    );
    """,
    """
    CREATE TABLE pages (
        url TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        fetched TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
    );
    CREATE INDEX articles_url ON articles (url);
    """,
    """
    ALTER TABLE deliveries ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';
    ALTER TABLE deliveries RENAME COLUMN message_id TO key;
    """,
)


class Store:
    """An open state file. Use as a context manager, or call close()."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StateError(
                f"{path}: cannot open the state file ({exc})", "check [state] path, or move the damaged file away"
            ) from None

    @classmethod
    def in_memory(cls) -> Store:
        """An empty state that lives and dies with the process (a dry run before any real one)."""
        return cls(Path(":memory:"))

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write; IMMEDIATE so two processes never interleave a read-then-write."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _migrate(self) -> None:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(_MIGRATIONS):
            raise StateError(
                f"{self.path}: written by a newer digest (schema {version}, this one knows {len(_MIGRATIONS)})",
                "upgrade digest or point [state] path at another file",
            )
        for number in range(version, len(_MIGRATIONS)):
            with self.transaction() as db:
                for statement in _statements(_MIGRATIONS[number]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    # -- feeds ------------------------------------------------------------------------------------------

    def http_cache(self, location: str) -> HttpCache:
        row = self.db.execute("SELECT etag, last_modified FROM feeds WHERE location = ?", (location,)).fetchone()
        return HttpCache(row["etag"], row["last_modified"]) if row else HttpCache()

    def record_feed(self, health: FeedHealth, cache: HttpCache | None = None) -> None:
        """Store the outcome of one fetch; the HTTP cache is replaced only when a new one is given."""
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO feeds (location) VALUES (?)", (health.location,))
            db.execute(
                """UPDATE feeds SET status = ?, error = ?, hint = ?, failures = ?, last_attempt = ?,
                   last_success = COALESCE(?, last_success), items = ?, latest_item = COALESCE(?, latest_item),
                   redirect = ?, disabled = ? WHERE location = ?""",
                (
                    health.status,
                    health.error,
                    health.hint,
                    health.failures,
                    iso(health.last_attempt),
                    iso(health.last_success),
                    health.items,
                    iso(health.latest_item),
                    health.redirect,
                    int(health.disabled),
                    health.location,
                ),
            )
            if cache is not None:
                db.execute(
                    "UPDATE feeds SET etag = ?, last_modified = ? WHERE location = ?",
                    (cache.etag, cache.last_modified, health.location),
                )

    def feed_health(self, location: str) -> FeedHealth | None:
        row = self.db.execute("SELECT * FROM feeds WHERE location = ?", (location,)).fetchone()
        return _health(row) if row else None

    # -- articles ---------------------------------------------------------------------------------------

    def save_articles(self, articles: Iterable[Article], seen: datetime) -> int:
        """Insert new articles (an article keeps its first sighting); returns how many were new."""
        rows = [(a.id, a.url, a.outlet, a.title, a.text, iso(a.published), iso(seen)) for a in articles]
        with self.transaction() as db:
            before = db.total_changes
            db.executemany(
                """INSERT INTO articles (id, url, outlet, title, text, published, first_seen)
                   VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING""",
                rows,
            )
            return db.total_changes - before

    def has_article_url(self, url: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE url = ? LIMIT 1", (url,)).fetchone() is not None

    def page_texts(self, urls: Iterable[str]) -> dict[str, str]:
        """Main text already extracted from these article pages (the full-text cache)."""
        found = {}
        for url in urls:
            row = self.db.execute("SELECT text FROM pages WHERE url = ?", (url,)).fetchone()
            if row:
                found[url] = str(row[0])
        return found

    def save_page_texts(self, pages: Mapping[str, str]) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO pages (url, text) VALUES (?, ?)", pages.items())

    def articles_since(self, since: datetime) -> list[Article]:
        """Articles first seen at or after `since`, oldest first."""
        rows = self.db.execute(
            "SELECT * FROM articles WHERE first_seen >= ? ORDER BY first_seen, id", (iso(since),)
        ).fetchall()
        return [_article(row) for row in rows]

    # -- issues and deliveries --------------------------------------------------------------------------

    def save_issue(self, issue: Issue, articles: Mapping[str, Sequence[str]], deliveries: Sequence[Delivery]) -> None:
        """Record an issue, its articles per story and its deliveries (pending).

        Idempotent: re-saving an existing issue (a resumed run) keeps it and its deliveries as they are.
        """
        stories = json.dumps([s.to_record() for s in issue.stories], ensure_ascii=False)
        with self.transaction() as db:
            db.execute(
                """INSERT INTO issues (id, digest, title, created, subject, html, text, stories)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING""",
                (
                    issue.id,
                    issue.digest,
                    issue.title,
                    iso(issue.created),
                    issue.subject,
                    issue.html,
                    issue.text,
                    stories,
                ),
            )
            db.executemany(
                "INSERT OR IGNORE INTO issue_articles (issue, article, story) VALUES (?, ?, ?)",
                [(issue.id, article, story) for story, ids in articles.items() for article in ids],
            )
            db.executemany(
                """INSERT OR IGNORE INTO deliveries (issue, channel, recipient, key, status, updated)
                   VALUES (?, ?, ?, ?, 'pending', ?)""",
                [(issue.id, d.channel, d.recipient, d.key, iso(issue.created)) for d in deliveries],
            )

    def issue(self, issue: str) -> Issue | None:
        row = self.db.execute("SELECT * FROM issues WHERE id = ?", (issue,)).fetchone()
        return _issue(row) if row else None

    def issue_ids(self, digest: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM issues WHERE digest = ?", (digest,)).fetchall()]

    def sent_issues(self, digest: str, limit: int | None = None) -> list[Issue]:
        """Issues of a digest that reached at least one recipient, newest first."""
        rows = self.db.execute(
            f"""SELECT * FROM issues i WHERE digest = ? AND {_REACHED}
               ORDER BY created DESC, id DESC LIMIT ?""",
            (digest, -1 if limit is None else limit),
        ).fetchall()
        return [_issue(row) for row in rows]

    def unfinished_issues(self, digest: str, max_attempts: int) -> list[Issue]:
        """Issues with deliveries still to make: pending, interrupted while sending, or failed for now in fewer
        than `max_attempts` runs."""
        rows = self.db.execute(
            """SELECT * FROM issues i WHERE digest = ? AND EXISTS (SELECT 1 FROM deliveries d WHERE d.issue = i.id
               AND (d.status IN ('pending', 'sending') OR (d.status = 'failed' AND d.attempts < ?)))
               ORDER BY created, id""",
            (digest, max_attempts),
        ).fetchall()
        return [_issue(row) for row in rows]

    def last_sent(self, digest: str) -> datetime | None:
        newest = self.sent_issues(digest, limit=1)
        return newest[0].created if newest else None

    def sent_articles(self, digest: str) -> frozenset[str]:
        """Articles already in an issue of this digest that reached someone."""
        rows = self.db.execute(
            f"""SELECT DISTINCT ia.article FROM issue_articles ia JOIN issues i ON i.id = ia.issue
               WHERE i.digest = ? AND {_REACHED}""",
            (digest,),
        ).fetchall()
        return frozenset(row[0] for row in rows)

    def deliveries(self, issue: str) -> list[Delivery]:
        rows = self.db.execute(
            "SELECT * FROM deliveries WHERE issue = ? ORDER BY channel, recipient", (issue,)
        ).fetchall()
        return [_delivery(row) for row in rows]

    def mark_delivery(self, issue: str, recipient: str, status: str, when: datetime, error: str | None = None) -> None:
        """Move one delivery on; `sending` is written before the transaction (SMTP, HTTP), the outcome after it.

        Each `sending` counts an attempt, and so does a failure without one (its channel could not be opened)."""
        with self.transaction() as db:
            db.execute(
                """UPDATE deliveries SET status = ?, error = ?, updated = ?,
                   attempts = attempts + CASE WHEN ? = 'sending' OR (? = 'failed' AND status != 'sending')
                   THEN 1 ELSE 0 END WHERE issue = ? AND recipient = ?""",
                (status, error, iso(when), status, status, issue, recipient),
            )


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold the state's lock: two `digest run` or `digest schedule` processes never send the same issue."""
    lock = path.with_name(path.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StateError(
                f"{path} is in use by another digest run or schedule",
                "wait for it to finish, or stop the other `digest schedule`",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_REACHED = "EXISTS (SELECT 1 FROM deliveries d WHERE d.issue = i.id AND d.status = 'sent')"


def _issue(row: sqlite3.Row) -> Issue:
    return Issue(
        id=row["id"],
        digest=row["digest"],
        title=row["title"],
        created=parse_iso(row["created"]) or datetime.min,
        subject=row["subject"],
        html=row["html"],
        text=row["text"],
        stories=tuple(Story.from_record(s) for s in json.loads(row["stories"])),
    )


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _article(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"],
        text=row["text"],
        url=row["url"],
        outlet=row["outlet"],
        title=row["title"],
        published=parse_iso(row["published"]),
    )


def _health(row: sqlite3.Row) -> FeedHealth:
    return FeedHealth(
        location=row["location"],
        status=row["status"],
        last_attempt=parse_iso(row["last_attempt"]),
        last_success=parse_iso(row["last_success"]),
        failures=row["failures"],
        items=row["items"],
        latest_item=parse_iso(row["latest_item"]),
        error=row["error"],
        hint=row["hint"],
        redirect=row["redirect"],
        disabled=bool(row["disabled"]),
    )


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        issue=row["issue"],
        channel=row["channel"],
        recipient=row["recipient"],
        key=row["key"],
        status=row["status"],
        attempts=row["attempts"],
        error=row["error"],
    )
