"""Golden files: the preview of the seeds corpus (the HTML and text parts `digest preview` writes), compared
exactly with tests/data/golden/seeds.{html,txt}, after blanking what changes from run to run.

Rewritten only on request: `DIGEST_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py` (see
tests/data/golden/README.md). The goldens follow the whole pipeline, so a change to clustering or summaries
changes them too: rewrite them, then read the diff before committing it.
"""

from __future__ import annotations

import difflib
import html
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import DATA, ROOT

from digest import config, pipeline
from digest.models import Rendered
from digest.render import GMAIL_CLIP_BYTES, long_date
from digest.summarize import clean_headline

GOLDEN = DATA / "golden"
UPDATE = os.environ.get("DIGEST_UPDATE_GOLDEN") == "1"
# The time. `digest preview` uses the clock; the goldens use this and blank it anyway (see blank()).
NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
DIFF_LINES = 80

# What differs between two runs of `digest preview` on the same corpus, and what stands in for it.
# The issue date is the only one the HTML and text parts hold today; the others keep the goldens stable should
# the parts ever carry message headers (the .eml does: Date, Message-ID, MIME boundaries).
RUN_VALUES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(re.escape(long_date(NOW))), "[issue date]"),
    (re.compile(re.escape(NOW.isoformat()) + "|" + re.escape(NOW.isoformat().replace("+00:00", "Z"))), "[issue time]"),
    (re.compile(r"\b[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\b"), "[date]"),
    (re.compile(r"(?im)^(Message-ID:\s*)<[^>\s]*>"), r"\1<[message-id]>"),
    (re.compile(r'boundary="[^"]*"'), 'boundary="[boundary]"'),
    (re.compile(r"={15}\d+=="), "[boundary]"),
)


def blank(text: str) -> str:
    for pattern, stand_in in RUN_VALUES:
        text = pattern.sub(stand_in, text)
    return text


@pytest.fixture(scope="module")
def seeds() -> Rendered:
    """The seeds corpus through the whole pipeline, as `digest preview` renders it (config.toml as it is)."""
    settings = config.load(ROOT / "config.toml")
    digest = pipeline.build_digest(settings, pipeline.gather(settings.sources).articles, NOW)
    return pipeline.render_digest(settings, digest)


def readable_lines(text: str, suffix: str) -> list[str]:
    """Lines to diff: MJML writes the body on one line, so HTML is split between tags for the report."""
    if suffix == ".html":
        text = re.sub(r">\s*<", ">\n<", text)
    return text.splitlines(keepends=True)


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        pytest.skip(f"rewrote {path.relative_to(ROOT)} ({len(actual.encode())} bytes): review the diff, then commit")
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: create it with DIGEST_UPDATE_GOLDEN=1 pytest {__file__}")
    expected = path.read_bytes().decode("utf-8")
    if actual == expected:
        return
    diff = list(
        difflib.unified_diff(
            readable_lines(expected, path.suffix),
            readable_lines(actual, path.suffix),
            fromfile=f"golden/{name}",
            tofile="rendered now",
        )
    )
    shown = "".join(diff[:DIFF_LINES]) + (
        f"... ({len(diff) - DIFF_LINES} more diff lines)\n" if len(diff) > DIFF_LINES else ""
    )
    pytest.fail(
        f"the seeds preview no longer matches {path.relative_to(ROOT)}.\n{shown}"
        "If the change is intended (a template, clustering or summary change), rewrite the goldens with\n"
        "  DIGEST_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py\n"
        "and review `git diff --word-diff tests/data/golden` before committing.",
        pytrace=False,
    )


def test_seeds_html_matches_golden(seeds: Rendered) -> None:
    check_golden("seeds.html", blank(seeds.html))


def test_seeds_text_matches_golden(seeds: Rendered) -> None:
    check_golden("seeds.txt", blank(seeds.text))


def test_blank_replaces_only_run_values() -> None:
    text = (
        "25 November 2026 · 23 Nov 2026 · 2026-11-25T07:00:00Z\n"
        "Date: Wed, 25 Nov 2026 07:00:00 +0000\n"
        "Message-ID: <3f2a9c@example.org>\n"
        'Content-Type: multipart/alternative; boundary="===============4242424242=="\n'
        "--===============4242424242==\n"
    )
    assert blank(text) == (
        "[issue date] · 23 Nov 2026 · [issue time]\n"
        "Date: [date]\n"
        "Message-ID: <[message-id]>\n"
        'Content-Type: multipart/alternative; boundary="[boundary]"\n'
        "--[boundary]\n"
    )


def test_seeds_html_size(seeds: Rendered, record_property: Callable[[str, object], None]) -> None:
    size = len(seeds.html.encode())
    record_property("seeds_html_bytes", size)
    print(f"seeds digest: HTML {size} bytes, text {len(seeds.text.encode())} bytes")
    assert size < GMAIL_CLIP_BYTES


def test_golden_readme_says_how_to_rewrite() -> None:
    readme = (GOLDEN / "README.md").read_text(encoding="utf-8")
    assert "DIGEST_UPDATE_GOLDEN=1" in readme and Path(__file__).name in readme


def test_each_headline_links_to_the_article_whose_title_it_is() -> None:
    """In both parts of the seeds preview: the headline's link is the article it is the title of (an original)."""
    settings = config.load(ROOT / "config.toml")
    articles = pipeline.gather(settings.sources).articles
    rendered = pipeline.render_digest(settings, pipeline.build_digest(settings, articles, NOW))
    titles = {a.url: clean_headline(a.title or "", a.outlet, a.url) for a in articles}
    linked = re.findall(
        r'<h2 id="s\d+">(?:<span class="up">Update</span> )?<a href="([^"]+)">([^<]+)</a>', rendered.html
    )
    assert len(linked) == rendered.html.count("<h2 ") and linked
    for url, headline in linked:
        assert titles[html.unescape(url)] == html.unescape(headline)
    references = dict(re.findall(r"^\[(\d+)\] (\S+)$", rendered.text, re.M))
    for block in rendered.text.split("-" * 72)[1:-1]:
        first = " ".join(block.strip().split("\n\n")[0].split())
        match = re.fullmatch(r"\d+\. (?:Update: )?(.+?)(?: \(\d+ \w+ \d{4}\))? \[(\d+)\](?: From .+)?", first)
        assert match, first
        assert titles[references[match.group(2)]] == match.group(1)
