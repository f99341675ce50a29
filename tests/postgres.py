"""A throw-away PostgreSQL server for the tests, and a fresh database per test.

CI (.ci/run) starts the server and exports DIGEST_TEST_POSTGRES_URL. Without it, a developer's `make test`
starts one here from Debian's binaries (/usr/lib/postgresql/*/bin) in a temporary folder on a loopback port,
as an unprivileged user when run as root, and stops it at the end of the session. Only where no server binary
is installed are the PostgreSQL cases skipped, and they say so.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

ENV = "DIGEST_TEST_POSTGRES_URL"
PG_CTL = "/usr/lib/postgresql/*/bin/pg_ctl"


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL server's bin folder, or None."""
    found = sorted(glob.glob(PG_CTL), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


@contextmanager
def throwaway_server(*, durable: bool = False) -> Iterator[str]:
    """Start a cluster in a temporary folder on a free loopback port; yields its URL (user `digest`, no password).

    Tests run it without fsync (nothing in it outlives them); `durable` keeps PostgreSQL's defaults, for benches.
    """
    binaries = server_binaries()
    assert binaries is not None
    folder = Path(tempfile.mkdtemp(prefix="digest-pg-"))
    data = folder / "data"
    port = _free_port()
    user = _unprivileged()
    if user:
        shutil.chown(folder, user)
    run_as = ["runuser", "-u", user, "--"] if user else []
    subprocess.run(
        [*run_as, str(binaries / "initdb"), "-D", str(data), "-U", "digest", "-A", "trust", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c max_connections=200"
    if not durable:
        options += " -c fsync=off"
    pg_ctl = [*run_as, str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log")]
    subprocess.run([*pg_ctl, "-o", options, "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://digest@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "-w", "stop"], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(server: str) -> str:
    """A new empty database on the server; its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_psycopg(server), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + f"/{name}"


def drop_database(server: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_psycopg(server), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _psycopg(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _unprivileged() -> str | None:
    """PostgreSQL refuses to run as root: use Debian's `postgres` user (or nobody) when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        if subprocess.run(["id", "-u", name], capture_output=True, check=False).returncode == 0:
            return name
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
