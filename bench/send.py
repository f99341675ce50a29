"""Delivery speed at list scale: one issue to 10,000 recipients through a loopback SMTP server (aiosmtpd) that
answers each message 20 ms late, as a real relay does.

    python bench/send.py [--recipients 10000] [--delay 0.02]

Rows, all in the same run, each a real `digest run` process (or two) from the seeds corpus with a fresh state:
  today's sender   main's digest (git archive of `main`), one connection, a message at a time, SQLite state
  1 connection     this branch, [email] connections = 1, SQLite state
  4 connections    this branch, [email] connections = 4, SQLite state
  1 process        this branch, 4 connections, PostgreSQL state
  2 processes      this branch, two `digest run` at once on one PostgreSQL state, 4 connections each

Messages per second are counted at the server, from its first answered message to its last, so building the
issue (the same in every row) is left out. Every row is checked: each recipient got exactly one message.
Targets: 4 connections >= 3x one connection; 2 processes >= 1.7x one process.
The PostgreSQL server is DIGEST_TEST_POSTGRES_URL's, else a throw-away one (tests/postgres.py) with fsync on;
the SQLite state runs in WAL mode with synchronous=NORMAL, as digest always opens it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import postgres  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from smtp_server import free_port  # noqa: E402


@dataclass
class Counting:
    """Answers each message after `delay` seconds; keeps only who got one and when (10,000 issues are ~1 GB)."""

    delay: float
    times: list[float] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        with self.lock:
            self.times.append(time.monotonic())
            self.recipients += envelope.rcpt_tos
        return "250 Message accepted"


@contextmanager
def smtp(handler: Counting) -> Iterator[int]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def config_text(port: int, recipients: int, email: str, state: str) -> str:
    to = ", ".join(f'"reader{n:05}@example.org"' for n in range(recipients))
    return f"""
[digest]
name = "ai"
title = "AI Digest"
topic = 'AI OR "training data" OR chatbot OR generative OR "synthetic voice"'
max_age_days = 0
to = [{to}]

[[sources]]
path = "{ROOT / "seeds" / "feeds"}"

[[sources]]
path = "{ROOT / "seeds" / "articles"}"

[email]
from = "digest@example.org"
host = "127.0.0.1"
port = {port}
security = "none"
timeout = 30
{email}

[output]
dir = "out"

[state]
{state}
"""


def today_tree(folder: Path) -> Path:
    """main's digest package and templates, unpacked from git: the sender this branch replaces."""
    ref = "main"
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "digest", "templates"], capture_output=True, check=True
    ).stdout
    tree = folder / "today"
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    return tree


@dataclass(frozen=True)
class Row:
    name: str
    messages: int
    seconds: float

    @property
    def rate(self) -> float:
        return (self.messages - 1) / self.seconds if self.seconds else 0.0


def measure(name: str, recipients: int, delay: float, email: str, state: str, processes: int, code: Path) -> Row:
    handler = Counting(delay)
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as folder, smtp(handler) as port:
        path = Path(folder) / "config.toml"
        path.write_text(config_text(port, recipients, email, state), encoding="utf-8")
        env = os.environ | {"PYTHONPATH": str(code)}
        command = [sys.executable, "-m", "digest", "run", "--config", str(path)]
        runs = [subprocess.Popen(command, env=env, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE)]
        runs += [subprocess.Popen(command, env=env, cwd=folder, stdout=subprocess.PIPE) for _ in range(processes - 1)]
        for run in runs:
            out, err = run.communicate()
            if run.returncode != 0:
                raise SystemExit(f"{name}: digest run failed ({run.returncode}): {out!r} {err!r}")
    got = handler.recipients
    if len(got) != recipients or len(set(got)) != recipients:
        raise SystemExit(f"{name}: {len(got)} messages to {len(set(got))} recipients, not {recipients} exactly once")
    return Row(name, len(handler.times), handler.times[-1] - handler.times[0])


@contextmanager
def postgres_server() -> Iterator[str]:
    if url := os.environ.get(postgres.ENV):
        yield url
        return
    if postgres.server_binaries() is None:
        raise SystemExit(f"no PostgreSQL: install Debian's postgresql or set {postgres.ENV}")
    with postgres.throwaway_server(durable=True) as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--delay", type=float, default=0.02)
    args = parser.parse_args()
    n, delay = args.recipients, args.delay
    with tempfile.TemporaryDirectory() as folder, postgres_server() as server:
        today = today_tree(Path(folder))
        sqlite = 'path = "state.db"'
        rows = [
            measure("today's sender (main), SQLite", n, delay, "", sqlite, 1, today),
            measure("1 connection, SQLite", n, delay, "connections = 1", sqlite, 1, ROOT),
            measure("4 connections, SQLite", n, delay, "connections = 4", sqlite, 1, ROOT),
        ]
        for processes in (1, 2):
            database = postgres.fresh_database(server)
            name = f"{processes} process{'es' if processes > 1 else ''} x 4 connections, PostgreSQL"
            rows.append(measure(name, n, delay, "connections = 4", f'url = "{database}"', processes, ROOT))
            postgres.drop_database(server, database)
    print(f"\n{n:,} recipients, the server answering each message after {delay * 1000:.0f} ms\n")
    print(f"| {'sender':<44} | messages | seconds | messages/s |")
    print(f"|{'-' * 46}|---------:|--------:|-----------:|")
    for row in rows:
        print(f"| {row.name:<44} | {row.messages:>8,} | {row.seconds:>7.1f} | {row.rate:>10.1f} |")
    by = {row.name: row.rate for row in rows}
    four = by["4 connections, SQLite"] / by["1 connection, SQLite"]
    two = rows[4].rate / rows[3].rate
    print(f"\n4 connections / 1 connection: {four:.2f}x (target >= 3x)")
    print(f"2 processes / 1 process: {two:.2f}x (target >= 1.7x)")
    print(f"4 connections / today's sender: {by['4 connections, SQLite'] / rows[0].rate:.2f}x")


if __name__ == "__main__":
    main()
