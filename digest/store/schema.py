"""The state's schema, once for SQLite and PostgreSQL: the tables as SQLAlchemy Core metadata (what every query
is written against) and the migrations that bring a database to them (what a database on disk is).

`MIGRATIONS[n]` takes a database from version n to n+1. The statements are plain SQL that both databases
accept; the first three are the history SQLite state files went through (PRAGMA user_version 1-3), so a
state.db written before PostgreSQL support is migrated from where it stands. tests/test_store.py checks, on
both databases, that the migrated tables are exactly the metadata below.

The version lives in the table `schema_version`; SQLite files also keep PRAGMA user_version in step, which is
how files from before the table are read and how an older digest learns that a file is newer than it.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Integer, MetaData, Table, Text, inspect, text

metadata = MetaData()

feeds = Table(
    "feeds",
    metadata,
    Column("location", Text, primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("redirect", Text),
    Column("status", Text, nullable=False),
    Column("error", Text),
    Column("hint", Text),
    Column("failures", Integer, nullable=False),
    Column("last_attempt", Text),
    Column("last_success", Text),
    Column("items", Integer, nullable=False),
    Column("latest_item", Text),
    Column("disabled", Integer, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Text, primary_key=True),
    Column("url", Text),
    Column("outlet", Text),
    Column("title", Text),
    Column("text", Text, nullable=False),
    Column("published", Text),
    Column("first_seen", Text, nullable=False),
    Column("language", Text),
)

pages = Table(
    "pages",
    metadata,
    Column("url", Text, primary_key=True),
    Column("text", Text, nullable=False),
    Column("fetched", Text, nullable=False),
)

issues = Table(
    "issues",
    metadata,
    Column("id", Text, primary_key=True),
    Column("digest", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("created", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("stories", Text, nullable=False),
)

issue_articles = Table(
    "issue_articles",
    metadata,
    Column("issue", Text, primary_key=True),
    Column("article", Text, primary_key=True),
    Column("story", Text, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("issue", Text, primary_key=True),
    Column("recipient", Text, primary_key=True),
    Column("key", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    Column("updated", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("owner", Text),
    Column("lease", Text),
)

# Readers who signed up on the site (#17), or left: `status` is pending (confirmation sent), confirmed (gets each
# issue) or unsubscribed (gets nothing, even when the config's `to` lists the address).
subscribers = Table(
    "subscribers",
    metadata,
    Column("digest", Text, primary_key=True),
    Column("address", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("created", Text, nullable=False),
    Column("updated", Text, nullable=False),
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE feeds (
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
        )""",
        """CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            url TEXT,
            outlet TEXT,
            title TEXT,
            text TEXT NOT NULL,
            published TEXT,
            first_seen TEXT NOT NULL
        )""",
        "CREATE INDEX articles_first_seen ON articles (first_seen)",
        """CREATE TABLE issues (
            id TEXT PRIMARY KEY,
            digest TEXT NOT NULL,
            title TEXT NOT NULL,
            created TEXT NOT NULL,
            subject TEXT NOT NULL,
            html TEXT NOT NULL,
            text TEXT NOT NULL,
            stories TEXT NOT NULL
        )""",
        "CREATE INDEX issues_digest ON issues (digest, created)",
        """CREATE TABLE issue_articles (
            issue TEXT NOT NULL REFERENCES issues (id),
            article TEXT NOT NULL,
            story TEXT NOT NULL,
            PRIMARY KEY (issue, article)
        )""",
        """CREATE TABLE deliveries (
            issue TEXT NOT NULL REFERENCES issues (id),
            recipient TEXT NOT NULL,
            message_id TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            updated TEXT NOT NULL,
            PRIMARY KEY (issue, recipient)
        )""",
    ),
    (
        """CREATE TABLE pages (
            url TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            fetched TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
        )""",
        "CREATE INDEX articles_url ON articles (url)",
    ),
    (
        "ALTER TABLE deliveries ADD COLUMN channel TEXT NOT NULL DEFAULT 'email'",
        "ALTER TABLE deliveries RENAME COLUMN message_id TO key",
    ),
    (
        # A claim: which sender holds the delivery, and until when without news from it (#18).
        "ALTER TABLE deliveries ADD COLUMN owner TEXT",
        "ALTER TABLE deliveries ADD COLUMN lease TEXT",
        "CREATE INDEX deliveries_todo ON deliveries (issue, channel, status, recipient)",
    ),
    (
        """CREATE TABLE subscribers (
            digest TEXT NOT NULL,
            address TEXT NOT NULL,
            status TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            PRIMARY KEY (digest, address)
        )""",
    ),
    (
        # An article read back in a later run is grouped and summarized in its own language (#15).
        "ALTER TABLE articles ADD COLUMN language TEXT",
    ),
)

LATEST = len(MIGRATIONS)


def version(connection: Connection) -> int:
    """The schema version of the database: 0 when empty; SQLite files from before `schema_version` by PRAGMA."""
    if inspect(connection).has_table("schema_version"):
        return int(connection.execute(text("SELECT version FROM schema_version")).scalar_one())
    if connection.dialect.name == "sqlite":
        return int(connection.execute(text("PRAGMA user_version")).scalar_one())
    return 0


def migrate_one(connection: Connection, number: int) -> None:
    """Apply MIGRATIONS[number] and record version number + 1, in the caller's transaction."""
    for statement in MIGRATIONS[number]:
        connection.execute(text(statement))
    if not inspect(connection).has_table("schema_version"):
        connection.execute(text("CREATE TABLE schema_version (version INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO schema_version (version) VALUES (0)"))
    connection.execute(text("UPDATE schema_version SET version = :v"), {"v": number + 1})
    if connection.dialect.name == "sqlite":
        connection.execute(text(f"PRAGMA user_version = {number + 1}"))
