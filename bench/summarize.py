"""Summary quality and speed: digest's summarizer beside sumy's and lead baselines, same run.

    python bench/summarize.py [--methods] [--words N] [--no-baselines] [--no-timing]

Quality: ROUGE-1/2/L F1 (rouge-score, stemmer on, via ../shared/eval/metrics.py) of the first 100 words of each
summary against the WikiNews reference of ../shared/eval/wikinewssum-dev.jsonl, mean over clusters. Baselines:
sumy's LexRank, TextRank, Luhn and LSA over the concatenated cluster text (plain sumy: every sentence of every
article, our offline Punkt tokenizer), and two leads: the first article's opening, and round-robin leads (first
sentence of each article, then the second, ...). `--methods` also scores digest's sumy options over its own pool.

Speed: seconds per cluster at 5, 20 and 100 articles for the default and for sumy's quadratic rankers over our
bounded pool; clusters drawn (fixed seed) from the dev sources cut into pieces of at most 400 words, so every
article of a cluster is a distinct text of a realistic length.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _eval import metrics, read_jsonl
from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from digest import text as textlib
from digest.models import Article, Cluster
from digest.summarize import summarize

BUDGET = 100  # words, as the eval README scores
SIZES = (5, 20, 100)
PIECE_WORDS = 400
TIMING_SEED = 7
TIMED = ("centroid", "lexrank", "textrank")
SUMY = {"lexrank": LexRankSummarizer, "textrank": TextRankSummarizer, "luhn": LuhnSummarizer, "lsa": LsaSummarizer}

Summarizer = Callable[[Cluster], str]


def clusters() -> list[tuple[Cluster, str]]:
    """Each WikinewsSum cluster as a digest Cluster of its source articles (no copies), with its reference."""
    rows = read_jsonl("wikinewssum-dev.jsonl")
    return [(Cluster(row["id"], tuple(_article(a) for a in row["articles"])), row["reference"]) for row in rows]


def _article(row: dict[str, Any]) -> Article:
    return Article(id=row["id"], text=row["text"], url=row.get("url"), outlet=row.get("outlet"), title=row.get("title"))


def ours(method: str, words: int) -> Summarizer:
    return lambda group: " ".join(s.text for s in summarize(group, words=words, method=method).sentences)


def plain_sumy(method: str) -> Summarizer:
    """sumy as its README uses it, over all the cluster's text; best-rated sentences up to the budget."""

    def run(group: Cluster) -> str:
        text = "\n\n".join(a.text for a in group.articles)
        document = PlaintextParser.from_string(text, textlib.SumyTokenizer()).document
        summarizer = SUMY[method](Stemmer("english"))
        summarizer.stop_words = get_stop_words("english")
        return " ".join(str(s) for s in summarizer(document, _best_until(BUDGET)))

    return run


def _best_until(budget: int) -> Callable[[list[Any]], list[Any]]:
    """A sumy sentence count: the best-rated sentences until they hold `budget` words (sumy restores text order)."""

    def take(ranked: list[Any]) -> list[Any]:
        taken, used = [], 0
        for info in ranked:
            if used >= budget:
                break
            taken.append(info)
            used += len(str(info.sentence).split())
        return taken

    return take


def lead_first(group: Cluster) -> str:
    """The opening of the first article."""
    return group.articles[0].text


def lead_round_robin(group: Cluster) -> str:
    """First sentence of every article, then every second sentence, and so on."""
    split = [[s for p in a.text.split("\n") for s in textlib.sentences(p)] for a in group.articles]
    depth = max((len(s) for s in split), default=0)
    return " ".join(s[i] for i in range(depth) for s in split if i < len(s))


def score(name: str, run: Summarizer, data: Sequence[tuple[Cluster, str]]) -> dict[str, float]:
    rouge, cut = metrics().rouge, metrics().cut_words
    started = time.perf_counter()
    scores = [rouge(cut(run(group), BUDGET), reference) for group, reference in data]
    seconds = (time.perf_counter() - started) / len(data)
    mean = {k: statistics.fmean(s[k] for s in scores) for k in ("r1", "r2", "rl")}
    print(f"{name:<26} {mean['r1']:.4f}  {mean['r2']:.4f}  {mean['rl']:.4f}  {seconds:7.3f}s", flush=True)
    return mean


def pieces(data: Sequence[tuple[Cluster, str]]) -> list[Article]:
    """The dev sources cut at paragraph ends into distinct articles of up to PIECE_WORDS words (or one paragraph)."""
    found: list[Article] = []
    for group, _ in data:
        for article in group.articles:
            chunk: list[str] = []
            for paragraph in [p for p in article.text.split("\n") if p.strip()]:
                if chunk and len(" ".join([*chunk, paragraph]).split()) > PIECE_WORDS:
                    found.append(_piece(chunk, len(found)))
                    chunk = []
                chunk.append(paragraph)
            if chunk:
                found.append(_piece(chunk, len(found)))
    return found


def _piece(paragraphs: list[str], number: int) -> Article:
    title = " ".join(paragraphs[0].split()[:12])  # a headline's length: the opening words stand in for one
    return Article(id=f"p{number}", text="\n".join(paragraphs), outlet=f"o{number}", title=title)


def timing(data: Sequence[tuple[Cluster, str]], words: int, repeats: int = 5) -> None:
    available = pieces(data)
    rng = random.Random(TIMING_SEED)
    groups = {size: [Cluster(f"t{size}", tuple(rng.sample(available, size))) for _ in range(repeats)] for size in SIZES}
    print(f"\nseconds per cluster, median (max) of {repeats} clusters of pieces of <= {PIECE_WORDS} words")
    print("articles  " + "".join(f"{method:<18}" for method in TIMED))
    for size, drawn in groups.items():
        cells = []
        for method in TIMED:
            runs = []
            for group in drawn:
                started = time.perf_counter()
                summarize(group, words=words, method=method)
                runs.append(time.perf_counter() - started)
            cells.append(f"{statistics.median(runs):.3f} ({max(runs):.3f})".ljust(18))
        print(f"{size:>8}  " + "".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", action="store_true", help="also score digest's sumy options over its pool")
    parser.add_argument("--words", type=int, default=BUDGET, help="digest's word budget (scored on 100 words)")
    parser.add_argument("--no-baselines", action="store_true", help="skip the baselines (quick tuning runs)")
    parser.add_argument("--no-timing", action="store_true", help="skip the timing runs")
    args = parser.parse_args()
    data = clusters()
    print(f"WikinewsSum dev: {len(data)} clusters, first {BUDGET} words scored\n")
    print(f"{'system':<26} R1      R2      RL      time/cluster")
    ours_mean = score("digest (centroid)", ours("centroid", args.words), data)
    if args.methods:
        for method in SUMY:
            score(f"digest pool + {method}", ours(method, args.words), data)
    if not args.no_baselines:
        baselines = [score(f"sumy {method} (concat)", plain_sumy(method), data) for method in SUMY]
        baselines += [
            score("lead: first article", lead_first, data),
            score("lead: round-robin", lead_round_robin, data),
        ]
        margins = {k: 100 * (ours_mean[k] - max(b[k] for b in baselines)) for k in ("r1", "r2", "rl")}
        print(
            f"\ndigest minus the best baseline, in points: R1 {margins['r1']:+.1f}  R2 {margins['r2']:+.1f}"
            f"  RL {margins['rl']:+.1f}  (target: R1 +2, R2 +1)"
        )
    if not args.no_timing:
        timing(data, args.words)


if __name__ == "__main__":
    main()
