"""The stage commands speak JSON Lines: `articles` output is `cluster` input; `summarize` reads clusters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import SEEDS


def _digest(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", *args], input=stdin, capture_output=True, text=True, check=False
    )


def test_articles_cluster_summarize_round_trip(tmp_path: Path) -> None:
    listed = _digest("articles", str(SEEDS / "feeds" / "ledger.xml"), str(SEEDS / "articles"))
    assert listed.returncode == 0, listed.stderr
    articles = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(articles) == 11
    assert all({"id", "url", "outlet", "title", "text", "published"} <= set(a) for a in articles)

    clustered = _digest("cluster", "-", stdin=listed.stdout)
    assert clustered.returncode == 0, clustered.stderr
    rows = [json.loads(line) for line in clustered.stdout.splitlines()]
    assert sorted(r["id"] for r in rows) == sorted(a["id"] for a in articles)
    copies = [r for r in rows if r["copy_of"]]
    assert len(copies) == 1

    by_id = {a["id"]: a for a in articles}
    groups: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        groups.setdefault(row["cluster"], []).append(by_id[row["id"]] | {"copy_of": row["copy_of"]})
    lines = "".join(json.dumps({"id": k, "articles": v}) + "\n" for k, v in groups.items())
    (tmp_path / "clusters.jsonl").write_text(lines, encoding="utf-8")
    summarized = _digest("summarize", "--words", "60", str(tmp_path / "clusters.jsonl"))
    assert summarized.returncode == 0, summarized.stderr
    stories = [json.loads(line) for line in summarized.stdout.splitlines()]
    assert len(stories) == len(groups)
    for story in stories:
        assert set(story) == {"id", "headline", "sentences", "outlets"}
        assert sum(len(s["text"].split()) for s in story["sentences"][1:]) <= 60
        for sentence in story["sentences"]:
            assert {"text", "outlet", "url", "also"} <= set(sentence)


def test_cluster_explain_prints_terms() -> None:
    listed = _digest("articles", str(SEEDS / "feeds" / "ledger.xml"))
    result = _digest("cluster", "--explain", "-", stdin=listed.stdout)
    assert result.returncode == 0
    assert "terms:" in result.stderr


def test_bad_json_lines_is_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x"}\n{"id": 3}\n', encoding="utf-8")
    result = _digest("cluster", str(bad))
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f'error: {bad}:2: field "id" is required and must be a string (each line needs at least "id" and "text")'
    )
    garbage = _digest("summarize", "-", stdin="not json\n")
    assert garbage.returncode == 1 and garbage.stderr.startswith("error: stdin:1: not JSON")


def test_articles_reports_each_failing_source_and_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<html><body>Document moved</body></html>")
    result = _digest("articles", str(SEEDS / "feeds" / "ledger.xml"), str(broken), str(tmp_path / "missing"))
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 5
    *errors, summary = result.stderr.splitlines()
    assert len(errors) == 2 and all(line.startswith("error: ") for line in errors)
    assert "broken.xml" in errors[0] and "missing" in errors[1]
    assert summary == f"2 of 3 sources failed: {broken}, {tmp_path / 'missing'}"
    assert "Traceback" not in result.stderr


def test_cluster_explain_names_a_repeated_outlet_once_with_its_count() -> None:
    text = "The harbour authority of Marlow approved a budget of 40 million crowns for new quays on Tuesday."
    lines = [
        json.dumps({"id": f"a{i}", "outlet": outlet, "title": "Marlow approves harbour budget", "text": text})
        for i, outlet in enumerate(["Wire", "Wire", "Courier", "Wire"])
    ]
    done = _digest("cluster", "--explain", "-", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    assert "4 articles (Wire ×3, Courier)" in done.stderr


def test_cluster_explain_says_1_article_for_a_lone_article() -> None:
    line = json.dumps({"id": "a", "outlet": "Wire", "title": "Marlow approves harbour budget", "text": "Quays."})
    done = _digest("cluster", "--explain", "-", stdin=line + "\n")
    assert done.returncode == 0, done.stderr
    assert ": 1 article (Wire); terms:" in done.stderr
