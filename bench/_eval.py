"""Shared by the benchmarks: where ../shared/eval is, its loaders and its reference metrics."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from digest.models import Article

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def require_eval() -> Path:
    if not EVAL.is_dir():
        sys.exit(f"benchmark data not found at {EVAL} (the shared/ folder sits beside the clone)")
    return EVAL


def metrics() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_metrics", require_eval() / "metrics.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_jsonl(name: str) -> list[dict[str, Any]]:
    with (require_eval() / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def ecb_articles() -> tuple[list[Article], list[str]]:
    """ECB+ documents (the id carries the topic, so articles get a neutral id) and their gold events."""
    rows = read_jsonl("ecbplus-dev.jsonl")
    articles = [Article(id=f"d{i}", text=r["text"], title=r["title"], url=r.get("url")) for i, r in enumerate(rows)]
    return articles, [r["event"] for r in rows]


def wikinews_stream() -> tuple[list[Article], list[str]]:
    """WikinewsSum flattened into one news stream, labelled by story."""
    articles: list[Article] = []
    gold: list[str] = []
    for cluster in read_jsonl("wikinewssum-dev.jsonl"):
        for a in cluster["articles"]:
            articles.append(Article(id=f"d{len(articles)}", text=a["text"], title=a.get("title"), url=a.get("url")))
            gold.append(cluster["id"])
    return articles, gold
