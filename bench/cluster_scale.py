"""Clustering cost at scale: time and peak memory at 1k, 10k and 50k articles, beside the baseline where it fits.

    python bench/cluster_scale.py [--sizes 1000,10000,50000] [--seed 0]

Articles come from a generator of news (below): many events of a few dozen kinds, each with its own people,
places, organisations, numbers and date, covered by several outlets in their own words, with the kind's
shared vocabulary, outlet boilerplate, wire copies and reworded copies. Each size runs in a fresh process
(so peak memory is that size's own); the table gives seconds, peak resident memory, the time ratio to the
previous size over the size ratio (about 1 for linear cost), and B-cubed F1 against the generator's events.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import wordfreq
from _eval import metrics
from cluster import baseline

from digest.cluster import cluster
from digest.models import Article

BASELINE_LIMIT_GB = 2.0  # the baseline's dense matrices must fit in this (the budget digest must meet)
START = datetime(2026, 1, 1, tzinfo=UTC)

# Kinds of event: the words every story of that kind shares, and sentence patterns with slots.
KINDS: dict[str, tuple[str, list[str]]] = {
    "quake": (
        "earthquake quake magnitude tremor epicentre aftershock seismic rubble rescue collapsed injured",
        [
            "A magnitude {n1}.{n2} earthquake struck near {place} on {day}, killing at least {n3} people.",
            "The quake's epicentre was {n4} kilometres from {place2}, the {org} said.",
            "Rescue teams led by {person} searched the rubble of collapsed buildings in {place}.",
            "{person2} said {n5} people were injured and {n6} homes damaged.",
            "Aftershocks continued through the night in {place} and {place2}.",
        ],
    ),
    "election": (
        "election vote ballot turnout candidate polls parliament seats campaign coalition opposition",
        [
            "Voters in {place} went to the polls on {day}, with turnout at {n1} percent.",
            "{person}'s {org} won {n2} of {n3} seats, according to preliminary results.",
            "Opposition leader {person2} conceded defeat in {place2} late on {day}.",
            "The count showed {person} ahead by {n4} points, the electoral commission said.",
            "{person2} accused the {org} of irregularities in {n5} districts.",
        ],
    ),
    "trial": (
        "trial court judge jury verdict prosecutors defence charges sentenced testimony appeal",
        [
            "A jury in {place} found {person} guilty on {n1} counts on {day}.",
            "Judge {person2} sentenced {person} to {n2} years in prison.",
            "Prosecutors said {person} had taken {n3} million from the {org}.",
            "The defence will appeal the verdict, lawyer {person2} told reporters in {place}.",
            "The trial in {place2} heard testimony from {n4} witnesses over {n5} weeks.",
        ],
    ),
    "merger": (
        "merger acquisition deal shares shareholders billion regulators takeover bid company",
        [
            "{org} agreed on {day} to buy {org2} for {n1} billion dollars.",
            "Shares of {org2} rose {n2} percent after the deal was announced in {place}.",
            "Chief executive {person} said the takeover would create {n3} jobs.",
            "Regulators in {place2} must approve the acquisition, {person2} said.",
            "The {org} bid values {org2} at {n4} dollars a share.",
        ],
    ),
    "storm": (
        "storm hurricane winds flooding rainfall evacuated power outages landfall forecasters",
        [
            "Storm {name} made landfall near {place} on {day} with winds of {n1} kilometres an hour.",
            "More than {n2} thousand people were evacuated from {place2}.",
            "{org} said {n3} thousand homes were without power.",
            "Governor {person} declared an emergency across {n4} counties.",
            "Forecasters at the {org2} expect {n5} centimetres of rain in {place}.",
        ],
    ),
    "match": (
        "match goal league season coach striker fans stadium win title final",
        [
            "{org} beat {org2} {n1}-{n2} in {place} on {day}.",
            "{person} scored twice for {org} in front of {n3} thousand fans.",
            "Coach {person2} said the win keeps {org} {n4} points clear at the top.",
            "{org2} have now lost {n5} of their last {n6} matches.",
            "The final whistle at the {place2} stadium sparked celebrations.",
        ],
    ),
    "strike": (
        "strike union workers wages walkout pickets negotiations employers pay dispute",
        [
            "Workers at {org} in {place} walked out on {day} over pay.",
            "The union led by {person} is demanding a {n1} percent raise.",
            "{org} said {n2} thousand staff had joined the strike.",
            "Talks between {person} and {person2} broke down after {n3} hours.",
            "Pickets gathered outside the {place2} plant, where {n4} workers are employed.",
        ],
    ),
    "launch": (
        "launch product device company users features price release market customers",
        [
            "{org} unveiled its new {name} device in {place} on {day}.",
            "The {name} will sell for {n1} dollars from next month, {person} said.",
            "{org} expects to ship {n2} million units in the first year.",
            "Analyst {person2} said the {name} puts pressure on {org2}.",
            "The launch event in {place2} drew {n3} thousand viewers online.",
        ],
    ),
    "fire": (
        "fire blaze firefighters flames smoke hectares evacuation burned wildfire crews",
        [
            "A wildfire near {place} has burned {n1} thousand hectares since {day}.",
            "{n2} firefighters are battling the blaze, chief {person} said.",
            "Residents of {place2} were told to evacuate as flames spread.",
            "{org} reported {n3} buildings destroyed and {n4} people missing.",
            "{person2} said crews hoped to contain the fire within {n5} days.",
        ],
    ),
    "ruling": (
        "ruling court justices law constitutional decision appeal unanimous upheld struck",
        [
            "The supreme court in {place} ruled {n1}-{n2} on {day} that the law was unconstitutional.",
            "Justice {person} wrote for the majority in the case brought by {org}.",
            "{person2} said the decision would affect {n3} thousand people.",
            "The ruling overturns a {n4} decision by the court in {place2}.",
            "{org} welcomed the ruling and urged lawmakers to act.",
        ],
    ),
}
FILLER = [
    "Officials said more details would be released later.",
    "The statement did not give further details.",
    "It was not immediately clear what would happen next.",
    "Local media reported the news earlier in the day.",
    "Reporters were not allowed into the building.",
    "A spokesperson declined to comment on the matter.",
]
SYNONYMS = {
    "said": ["said", "told reporters", "stated", "added"],
    "struck": ["struck", "hit", "shook"],
    "killing": ["killing", "leaving dead"],
    "won": ["won", "took", "secured"],
    "agreed": ["agreed", "decided"],
    "beat": ["beat", "defeated", "overcame"],
    "rose": ["rose", "climbed", "jumped"],
}


PLACE_PREFIXES = ["Port", "North", "San", "Lake", "New"]
ORGANISATION_KINDS = ["Group", "Party", "Agency", "Systems", "United", "Institute", "Corp", "Council", "Labs", "Bank"]
MASTHEADS = ["Times", "Post", "News", "Herald"]
SYLLABLES = ["ka", "ro", "vel", "dan", "mi", "sor", "te", "lan", "bri", "os", "var", "nel", "tu", "gor"]


@dataclass(frozen=True)
class Event:
    kind: str
    slots: dict[str, str]  # who, where, which organisations and numbers, filled into the kind's patterns
    day: datetime


class Generator:
    """Reproducible news: events of many kinds, each covered by several outlets in their own words."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        # Background words follow English frequencies (Zipf), as real text does: a few common, most rare.
        self.words = [w for w in wordfreq.top_n_list("en", 30000) if w.isalpha() and len(w) > 3]
        self.cumulative = list(itertools.accumulate(wordfreq.word_frequency(w, "en") for w in self.words))
        self.names = sorted({self._name() for _ in range(6000)})
        self.outlets = [f"{self._name()} {self.random.choice(MASTHEADS)}" for _ in range(300)]
        self.footers = {
            o: f"Sign up for the {o} newsletter to get our morning briefing in your inbox." for o in self.outlets
        }

    def _name(self) -> str:
        return "".join(self.random.choice(SYLLABLES) for _ in range(self.random.randint(2, 3))).capitalize()

    def _pick(self, options: list[str]) -> str:
        return self.random.choice(options)

    def event(self, index: int) -> Event:
        names = self.names
        slots = {
            "person": f"{self._pick(names)} {self._pick(names)}",
            "person2": f"{self._pick(names)} {self._pick(names)}",
            "place": f"{self._pick(PLACE_PREFIXES)} {self._pick(names)}",
            "place2": self._pick(names),
            "org": f"{self._pick(names)} {self._pick(ORGANISATION_KINDS)}",
            "org2": f"{self._pick(names)} {self._pick(ORGANISATION_KINDS)}",
            "name": self._pick(names),
        }
        slots.update({f"n{i}": str(self.random.randint(2, 99)) for i in range(1, 7)})
        day = START + timedelta(days=self.random.randint(0, 365), hours=self.random.randint(0, 23))
        slots["day"] = day.strftime("%A")
        return Event(kind=KIND_NAMES[index % len(KIND_NAMES)], slots=slots, day=day)

    def article(self, event: Event, number: int, outlet: str) -> Article:
        """An outlet's own report: a few of the kind's facts, leads first, among sentences in its own words."""
        vocabulary, patterns = KINDS[event.kind]
        topic = vocabulary.split()
        facts = [self._reword(p.format(**event.slots)) for p in self.random.sample(patterns, self.random.randint(3, 5))]
        background = [self._background(topic) for _ in range(self.random.randint(10, 20))]
        body = facts[:2] + self.random.sample(facts[2:] + background, len(facts) - 2 + len(background))
        body += [self.random.choice(FILLER), self.footers[outlet]]
        headline = self._pick(patterns).split(",")[0].rstrip(".").format(**event.slots)
        title = self._reword(f"{event.slots['place']} {self._pick(topic)}: {headline}")
        published = event.day + timedelta(hours=self.random.randint(0, 48))
        return Article(id=f"a{number}", text="\n".join(body), title=title, outlet=outlet, published=published)

    def copy(self, source: Article, number: int, outlet: str) -> Article:
        """A wire copy: the same body under another outlet (and its footer), hours later."""
        text = source.text.replace(self.footers[source.outlet or ""], self.footers[outlet])
        published = (source.published or START) + timedelta(hours=3)
        return Article(id=f"a{number}", text=text, title=source.title, outlet=outlet, published=published)

    def _reword(self, sentence: str) -> str:
        return " ".join(self._pick(SYNONYMS.get(w, [w])) for w in sentence.split())

    def _background(self, topic: list[str]) -> str:
        """A sentence of the kind's vocabulary and English words at their usual frequencies."""
        words = self.random.choices(self.words, cum_weights=self.cumulative, k=self.random.randint(12, 24))
        words = [self._pick(topic) if self.random.random() < 0.2 else w for w in words]
        return " ".join(words).capitalize() + "."

    def articles(self, count: int) -> tuple[list[Article], list[int]]:
        """`count` articles and the event of each; about 5 outlets an event, 1 in 10 a copy of another."""
        articles: list[Article] = []
        events: list[int] = []
        index = 0
        while len(articles) < count:
            event = self.event(index)
            coverage: list[Article] = []
            for _ in range(min(count - len(articles), max(1, int(self.random.expovariate(1 / 5))))):
                outlet = self._pick(self.outlets)
                if coverage and self.random.random() < 0.1:
                    coverage.append(self.copy(self.random.choice(coverage), len(articles), outlet))
                else:
                    coverage.append(self.article(event, len(articles), outlet))
                articles.append(coverage[-1])
                events.append(index)
            index += 1
        return articles, events


KIND_NAMES = sorted(KINDS)


def measure(size: int, seed: int, system: str) -> dict[str, float]:
    """Run in a child process: generate, cluster, report seconds, peak memory and B-cubed F1."""
    articles, events = Generator(seed).articles(size)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    if system == "digest":
        label = {a.id: c.id for c in cluster(articles) for a in c.articles}
        predicted = [label[a.id] for a in articles]
    else:
        predicted = [str(x) for x in baseline(articles)]
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    f1 = metrics().bcubed(events, predicted)[2]
    return {"size": size, "seconds": seconds, "peak_mb": peak, "input_mb": rss_before, "b3_f1": f1}


def baseline_fits(size: int) -> bool:
    """The baseline holds an articles x vocabulary matrix and an articles x articles one, both dense."""
    vocabulary = min(60_000, 4_000 + 4 * size)  # distinct words grow with the collection
    return (size * vocabulary + 2 * size * size) * 8 / 1e9 < BASELINE_LIMIT_GB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", nargs=2, metavar=("SIZE", "SYSTEM"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(int(args.child[0]), args.seed, args.child[1])))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    columns = ("articles", 8), ("seconds", 8), ("peak MB", 8), ("input MB", 9), ("time/size ratio", 16), ("B3-F1", 6)
    print(f"{'system':<9}" + "".join(f" {name:>{width}}" for name, width in columns))
    for system in ("digest", "baseline"):
        previous: dict[str, float] | None = None
        for size in sizes:
            if system == "baseline" and not baseline_fits(size):
                print(f"{system:<9} {size:>8}   its dense matrices would not fit in {BASELINE_LIMIT_GB:.0f} GB")
                continue
            command = [sys.executable, __file__, "--seed", str(args.seed), "--child", str(size), system]
            result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
            ratio = (
                "" if previous is None else f"{result['seconds'] / previous['seconds'] / (size / previous['size']):.2f}"
            )
            print(
                f"{system:<9} {size:>8} {result['seconds']:>8.1f} {result['peak_mb']:>8.0f} {result['input_mb']:>9.0f}"
                f" {ratio:>16} {result['b3_f1']:>6.3f}",
                flush=True,
            )
            previous = result


if __name__ == "__main__":
    main()
