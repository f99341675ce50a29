"""The state store: the only package that writes SQL. A SQLite file by default, or PostgreSQL for several
machines sharing one state; the same schema, migrations and queries on both (SQLAlchemy Core, psycopg 3).

It remembers each feed's HTTP cache and health, every article seen, each issue built, which articles went
into it, each delivery to each recipient over each channel (email, webhook), with the claim of the sender
making it, and the readers who signed up on the site (#17) or left it. "Sent" is derived, never stored twice:
an issue's articles count as sent once any delivery of that issue is `sent`, so an issue that reached nobody
leaves its articles eligible for the next one.

    schema.py    the tables (Core metadata) and the migrations, one history for both databases
    engine.py    opening a state: URL and password, SQLite pragmas, migration on open, errors as StateError
    locks.py     the run lock (a file lock beside a SQLite state) and the per-digest advisory lock (PostgreSQL)
    queries.py   Store: every query, and the claims that let several senders share one issue exactly once
"""

from digest.store.locks import run_lock
from digest.store.queries import Store, Subscriber

__all__ = ["Store", "Subscriber", "run_lock"]
