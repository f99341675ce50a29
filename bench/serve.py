"""`digest serve` under archive traffic: N requests over loopback to the archive (the index page with its live
sign-up form, an issue's page, the RSS, Atom and JSON feeds, round robin), beside Python's `http.server`
serving the same out/ folder, in the same run.

    python bench/serve.py [--requests 1000] [--clients 4]

Each server is a separate process; `clients` threads share the requests, each with its own keep-alive
connection (http.server answers HTTP/1.0, one connection a request). Printed per server: errors (any answer
but 200, or a transport error), requests a second, and the server process's resident memory (VmRSS) before
the first request, at the middle and at the end: flat memory means the last two agree within a few MB.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import write_config  # noqa: E402

from digest import config, pipeline  # noqa: E402

SECRET_ENV = "DIGEST_BENCH_SITE_SECRET"
PATHS = ("archive/ai/index.html", "archive/ai/2026-11-25.html", "ai.rss", "ai.atom", "ai.json")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def build_site(folder: Path, port: int) -> Path:
    """The seeds digest with [site], its archive and feeds written by a dry run (nothing sent)."""
    path = write_config(folder, port=25)
    text = path.read_text(encoding="utf-8").replace(
        'base_url = "https://digest.example.org/"', f'base_url = "http://127.0.0.1:{port}/"'
    )
    path.write_text(text + f'\n[site]\nsecret_env = "{SECRET_ENV}"\n', encoding="utf-8")
    pipeline.run(config.load(path), now=datetime(2026, 11, 25, 7, 0, tzinfo=UTC), dry_run=True)
    return path


@dataclass
class Row:
    name: str
    errors: int = 0
    seconds: float = 0.0
    memory: list[float] = field(default_factory=list)


def wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(base + PATHS[2], timeout=2)
            return
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start: {process.args!r}") from None
            time.sleep(0.1)


def hammer(name: str, command: Sequence[str], base: str, requests: int, clients: int, env: dict[str, str]) -> Row:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    row = Row(name)
    try:
        wait_until_up(base, process)
        row.memory.append(rss_mb(process.pid))
        lock = threading.Lock()
        done = 0

        def one(client: httpx.Client, number: int) -> None:
            nonlocal done
            try:
                answer = client.get(base + PATHS[number % len(PATHS)])
                ok = answer.status_code == 200 and len(answer.content) > 0
            except httpx.HTTPError:
                ok = False
            with lock:
                row.errors += not ok
                done += 1
                if done == requests // 2:
                    row.memory.append(rss_mb(process.pid))

        started = time.perf_counter()
        run_threads(one, requests, clients)
        row.seconds = time.perf_counter() - started
        row.memory.append(rss_mb(process.pid))
    finally:
        process.terminate()
        process.wait(20)
    return row


def run_threads(one: Callable[[httpx.Client, int], None], requests: int, clients: int) -> None:
    def worker(offset: int) -> None:
        with httpx.Client(timeout=10) as client:
            for number in range(offset, requests, clients):
                one(client, number)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    options = parser.parse_args()
    env = {**os.environ, SECRET_ENV: "bench-secret-" + "x" * 32}
    os.environ[SECRET_ENV] = env[SECRET_ENV]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        path = build_site(Path(folder), port)
        digest = Path(sys.executable).parent / "digest"
        serve = [str(digest), "serve", "--config", str(path), "--port", str(port)]
        rows.append(hammer("digest serve", serve, f"http://127.0.0.1:{port}/", options.requests, options.clients, env))
        other = free_port()
        baseline = [
            sys.executable,
            "-m",
            "http.server",
            str(other),
            "--bind",
            "127.0.0.1",
            "--directory",
            folder + "/out",
        ]
        rows.append(
            hammer("http.server", baseline, f"http://127.0.0.1:{other}/", options.requests, options.clients, env)
        )
    print(f"{options.requests} requests, {options.clients} clients, round robin over {', '.join(PATHS)}")
    print(f"{'server':<14} {'errors':>6} {'req/s':>8} {'RSS start':>10} {'middle':>8} {'end':>8}  (MB)")
    for row in rows:
        start, middle, end = row.memory
        rate = options.requests / row.seconds
        print(f"{row.name:<14} {row.errors:>6} {rate:>8.0f} {start:>10.1f} {middle:>8.1f} {end:>8.1f}")


if __name__ == "__main__":
    main()
