"""Ingestion speed: 200 feeds x 50 items over loopback HTTP, every answer 100 ms late as a distant server's would be.

    python bench/ingest.py [--feeds 200] [--items 50] [--delay 0.1]

Rows, all from the same run and the same served bytes:
  digest   fetch_each -> parse_all -> select -> Store.record_feed + save_articles into a temporary SQLite file,
           parsing in its own process, then on 2 parser processes (parse_all workers=2)
  (a)      sequential feedparser.parse(url), as a simple reader would do it
  (b)      the parse-only floor: feedparser.parse(bytes) over the 200 documents in one process, nothing fetched

The feeds are spread over 20 origins (ports of 127.0.0.1) of 10 feeds each, as a reader's feeds are spread over
publishers; the servers run in their own process so they take no CPU from the measured one. Each row runs in a
fresh process that imports the same modules and is handed the same arguments: peak memory is its peak RSS.
Targets: digest at least 5x faster than (a), at most 1.5x (b); digest's CPU beyond parsing (text cleaning,
identity, select, store) under half of (b).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import feedparser
import httpx
from http_server import LoopbackServer, Reply

from digest import fetch, parse, select
from digest.models import Source
from digest.parse import sources as parse_sources
from digest.store import Store

ORIGINS = 20
VOCABULARY = (
    "council court studio startup lawsuit regulators vote budget library election market rates strike union "
    "film artists lawyers judge ruling minister report economy bank jobs wages city river bridge school "
    "the a of and to in on for with said after before over under new old first last week year"
)
WORDS = VOCABULARY.split()


def feed_bytes(number: int, items: int) -> bytes:
    """One RSS 2.0 feed like a news site's: a title, a link, a date and a two-paragraph HTML teaser per item."""
    rng = random.Random(number)
    start = datetime(2026, 11, 25, tzinfo=UTC)

    def words(count: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(count))

    entries = []
    for index in range(items):
        link = f"https://outlet{number}.example/news/{index}?utm_source=rss"
        summary = f"<p>{words(40).capitalize()}.</p><p>{words(30).capitalize()} <a href='/more'>more</a>.</p>"
        entries.append(
            f"<item><title>{words(9).capitalize()}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{format_datetime(start - timedelta(minutes=37 * index))}</pubDate>"
            f"<description>{escape(summary)}</description></item>"
        )
    channel = f"<title>Outlet {number}</title><link>https://outlet{number}.example/</link>{''.join(entries)}"
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>{channel}</channel></rss>'.encode()


# -- the servers' process ----------------------------------------------------------------------------------------


def serve(feeds: int, items: int, delay: float, pipe: Connection) -> None:
    """Serve the feeds from ORIGINS loopback servers until told to stop; send back every feed's URL."""
    per_origin = -(-feeds // ORIGINS)
    servers = [LoopbackServer(delay=delay) for _ in range(ORIGINS)]
    urls = []
    for number in range(feeds):
        server = servers[number // per_origin]
        server.routes[f"/feed{number}.xml"] = Reply(body=feed_bytes(number, items))
        urls.append(server.url(f"/feed{number}.xml"))
    with _all(servers):
        pipe.send(urls)
        pipe.recv()


@contextmanager
def _all(servers: list[LoopbackServer]) -> Iterator[None]:
    for server in servers:
        server.__enter__()
    try:
        yield
    finally:
        for server in servers:
            server.__exit__(None, None, None)


# -- the measured processes ---------------------------------------------------------------------------------------


@dataclass
class Row:
    """One measured run; `cpu` and `memory_mb` are this process's (parser processes, when used, are not in them)."""

    name: str
    wall: float
    cpu: float
    memory_mb: float
    articles: int
    parts: dict[str, float] = field(default_factory=dict)


Runner = Callable[[list[str], list[bytes], int], tuple[int, dict[str, float]]]


def measure(name: str, runner: Runner, urls: list[str], documents: list[bytes], workers: int, pipe: Connection) -> None:
    """Run one row in this (fresh) process and send back a Row."""
    started, cpu = time.perf_counter(), time.process_time()
    articles, parts = runner(urls, documents, workers)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    pipe.send(Row(name, wall, cpu, _rss_mb(), articles, parts))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


class ThreadCpu:
    """CPU seconds the main thread spends inside wrapped functions (fetching runs on other threads)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.thread_time() - started

        return timed


def run_digest(urls: list[str], documents: list[bytes], workers: int) -> tuple[int, dict[str, float]]:
    cpu = ThreadCpu()
    if workers == 1:  # parser processes could not be handed the wrappers; their CPU is split in the 1-process row
        feedparser.parse = cpu.wrap("feedparser", feedparser.parse)
        parse_sources.ingest = cpu.wrap("ingest", parse_sources.ingest)
    main_started, process_started = time.thread_time(), time.process_time()
    sources = [Source.at(url) for url in urls]
    query = select.parse_query("council OR court OR (bank AND rates)")
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "state.db") as store:
        caches = {s.location: store.http_cache(s.location) for s in sources}
        items = parse.parse_all(fetch.fetch_each(sources, caches), workers=workers)
        now = datetime.now(UTC)
        articles = [a for item in items for a in item.articles]
        cpu.wrap("select", select.window)(articles, query, now=now, max_age_days=0)

        def record() -> None:
            for item in items:
                store.record_feed(item.health(store.feed_health(item.source.location), now), item.fetched.cache)
            store.save_articles(articles, now)

        cpu.wrap("store", record)()
    failed = [item.error for item in items if item.error]
    if failed:
        sys.exit(f"digest row: {len(failed)} sources failed, e.g. {failed[0]}")
    if workers > 1:
        return len(articles), {}
    main = time.thread_time() - main_started
    parts = {
        "feedparser": cpu.seconds["feedparser"],
        "cleaning": cpu.seconds["ingest"] - cpu.seconds["feedparser"],
        "select": cpu.seconds["select"],
        "store": cpu.seconds["store"],
        "fetch": time.process_time() - process_started - main,  # off the main thread: httpx, decoding, the pool
    }
    return len(articles), parts


def run_sequential(urls: list[str], documents: list[bytes], workers: int) -> tuple[int, dict[str, float]]:
    return sum(len(feedparser.parse(url).entries) for url in urls), {}


def run_floor(urls: list[str], documents: list[bytes], workers: int) -> tuple[int, dict[str, float]]:
    return sum(len(feedparser.parse(data).entries) for data in documents), {}


# name, what runs, parser processes
ROWS: list[tuple[str, Runner, int]] = [
    ("digest, parsing in its process", run_digest, 1),
    ("digest, parsing on 2 processes", run_digest, 2),
    ("(a) sequential feedparser.parse(url)", run_sequential, 1),
    ("(b) feedparser.parse(bytes), parse only", run_floor, 1),
]


def run_row(context: Any, spec: tuple[str, Runner, int], urls: list[str], documents: list[bytes]) -> Row:
    name, runner, workers = spec
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=measure, args=(name, runner, urls, documents, workers, sender))
    process.start()
    sender.close()  # so that a crashed row ends recv() with EOFError instead of waiting forever
    try:
        row: Row = receiver.recv()
    except EOFError:
        sys.exit(f"the row {name!r} crashed; its traceback is above")
    process.join()
    return row


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    options.add_argument("--feeds", type=int, default=200)
    options.add_argument("--items", type=int, default=50)
    options.add_argument("--delay", type=float, default=0.1)
    args = options.parse_args()
    context = multiprocessing.get_context("spawn")  # fresh processes: no inherited memory or threads
    control, remote = context.Pipe()
    server = context.Process(target=serve, args=(args.feeds, args.items, args.delay, remote), daemon=True)
    server.start()
    urls: list[str] = control.recv()
    try:
        with httpx.Client() as client:  # the floor's input: the same bytes, fetched before any clock starts
            documents = [client.get(url).content for url in urls]
        rows = [run_row(context, row, urls, documents) for row in ROWS]
    finally:
        control.send("stop")
        server.join()
    report(rows, args)


def report(rows: list[Row], args: argparse.Namespace) -> None:
    one, _, sequential, floor = rows
    print(f"\n{args.feeds} feeds x {args.items} items, each answer {args.delay * 1000:g} ms late, {ORIGINS} origins\n")
    print(f"| {'run':42} | {'wall s':>7} | {'CPU s':>6} | {'peak MB':>7} | {'articles':>8} | vs (a) | vs (b) |")
    print(f"|{'-' * 44}|{'-' * 9}|{'-' * 8}|{'-' * 9}|{'-' * 10}|{'-' * 8}|{'-' * 8}|")
    for row in rows:
        print(
            f"| {row.name:42} | {row.wall:7.2f} | {row.cpu:6.2f} | {row.memory_mb:7.1f} | {row.articles:8} "
            f"| {sequential.wall / row.wall:5.1f}x | {row.wall / floor.wall:6.2f} |"
        )
    parts = one.parts
    beyond = parts["cleaning"] + parts["select"] + parts["store"]
    print("\nCPU (s) of the one-process run by part: " + ", ".join(f"{k} {v:.2f}" for k, v in parts.items()))
    print(f"CPU beyond parsing (cleaning + select + store) / (b): {beyond / floor.wall:.2f} (target < 0.5)")
    print("targets: vs (a) >= 5x, vs (b) <= 1.5; the CPU and memory of the 2-process run leave out its parsers")


if __name__ == "__main__":
    main()
