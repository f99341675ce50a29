"""Clustering cost as the input grows: time and peak memory at 1k, 10k and 50k generated articles.

    python bench/cluster_scale.py [--sizes 1000,10000,50000] [--timeout 300]

Each size runs in its own process (peak RSS is per process), beside the TF-IDF + average-link baseline of
bench/cluster.py where its all-pairs matrix fits (1k). The generator writes news-like articles from many
events: each event has its own people, places, numbers and date, reported by several outlets in varied
words over a shared topic vocabulary, so the vocabulary and the candidate pairs grow as they do in a feed.
Targets (issue #4): 50,000 articles in under 60 s and 2 GB; time about linear in the number of articles.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digest.models import Article

SYLLABLES = [
    "ka",
    "lo",
    "ven",
    "mar",
    "ti",
    "sel",
    "dor",
    "an",
    "bri",
    "cas",
    "fel",
    "gor",
    "hal",
    "isk",
    "jun",
    "kel",
    "lum",
    "nor",
    "pra",
    "quin",
    "ros",
    "tav",
    "ul",
    "wen",
    "yor",
    "zen",
]
TOPIC = (
    "officials said the decision would be reviewed by the regional council next week",
    "the company declined to comment on the figures when contacted on Monday",
    "analysts said the move could affect prices across the wider market",
    "residents said they had been given little notice before the announcement",
    "the ministry said an inquiry would examine what had gone wrong",
    "critics said the plan left too many questions unanswered",
)
KINDS = ("fire at", "strike at", "merger of", "election in", "flood in", "lawsuit against", "recall by", "trial in")


def _name(rng: random.Random, parts: int = 3) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def generate(count: int, seed: int = 0) -> list[Article]:
    """`count` articles from about count/5 events, 3-8 outlets each, spread over 30 days."""
    rng = random.Random(seed)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    articles: list[Article] = []
    while len(articles) < count:
        person, place, firm = (
            f"{_name(rng, 2)} {_name(rng)}",
            _name(rng),
            f"{_name(rng)} {rng.choice(['Ltd', 'Group', 'Holdings'])}",
        )
        kind, number, when = rng.choice(KINDS), rng.randint(2, 9000), start + timedelta(hours=rng.uniform(0, 720))
        facts = [
            f"The {kind} {place} involving {firm} was confirmed on {when:%A}, {person} said.",
            f"{person}, a spokesperson for {firm}, said {number} people were affected in {place}.",
            f"Authorities in {place} said the {kind.split()[0]} began early on {when:%B} {when.day}.",
            f"{firm} said it expected to give more details about the {number} cases later in the week.",
            f"Local reports in {place} put the figure at {number}, higher than first thought.",
        ]
        for outlet in range(rng.randint(3, 8)):
            body = rng.sample(facts, k=rng.randint(3, 5)) + rng.sample(TOPIC, k=3)
            rng.shuffle(body)
            title = f"{firm}: {kind} {place} ({number})" if outlet % 2 else f"{person} on the {kind} {place}"
            published = when + timedelta(hours=rng.uniform(0, 30))
            articles.append(Article(id=f"a{len(articles)}", text=" ".join(body), title=title, published=published))
    return articles[:count]


def _measure(system: str, size: int) -> dict[str, float]:
    """Run one system on one size in this process; print a JSON line of seconds and peak memory."""
    articles = generate(size)
    started = time.perf_counter()
    if system == "digest":
        from digest.cluster import cluster

        groups = len(cluster(articles))
    else:
        from cluster import baseline

        groups = len(set(baseline(articles)))
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak_mb, "clusters": groups}


def _run(system: str, size: int, timeout: float) -> dict[str, float] | None:
    command = [sys.executable, __file__, "--child", system, str(size)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        print(f"  {system} at {size}: failed ({done.stderr.strip().splitlines()[-1:]})")
        return None
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds allowed per run")
    parser.add_argument("--child", nargs=2, metavar=("SYSTEM", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child[0], int(args.child[1]))))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'system':<10} {'articles':>9} {'seconds':>9} {'peak MB':>9} {'clusters':>9} {'time ratio':>11}")
    previous: tuple[int, float] | None = None
    for size in sizes:
        for system in ("digest", "baseline"):
            if system == "baseline" and size > 1000:
                print(f"{system:<10} {size:>9} {'(all-pairs matrix: skipped)':>40}")
                continue
            result = _run(system, size, args.timeout)
            if result is None:
                print(f"{system:<10} {size:>9} {'over ' + str(int(args.timeout)) + ' s or failed':>30}")
                continue
            ratio = ""
            if system == "digest":
                if previous:
                    ratio = f"x{result['seconds'] / previous[1]:.1f} for x{size / previous[0]:.0f}"
                previous = (size, result["seconds"])
            print(
                f"{system:<10} {size:>9} {result['seconds']:>9.2f} {result['peak_mb']:>9.0f} "
                f"{int(result['clusters']):>9} {ratio:>11}"
            )


if __name__ == "__main__":
    main()
