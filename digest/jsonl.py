"""JSON Lines in: the objects the stage commands read (`digest cluster` reads Articles, `digest summarize`
Clusters), one per line; a bad line is an InputError naming the file, the line and the field."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from digest.errors import InputError
from digest.models import Article, Cluster


def read_jsonl(lines: Iterable[str], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}:{number}: not JSON ({exc.msg})", "give one JSON object per line") from None
        if not isinstance(value, dict):
            raise InputError(f"{name}:{number}: expected a JSON object", "give one JSON object per line")
        yield number, value


def articles_from_jsonl(lines: Iterable[str], name: str) -> list[Article]:
    return _objects(lines, name, Article.from_dict, 'each line needs at least "id" and "text"')


def clusters_from_jsonl(lines: Iterable[str], name: str) -> list[Cluster]:
    return _objects(lines, name, Cluster.from_dict, 'each line needs "id" and "articles": [...]')


T = TypeVar("T")


def _objects(lines: Iterable[str], name: str, build: Callable[[dict[str, Any]], T], hint: str) -> list[T]:
    """One object per JSON line; a bad line is an InputError naming the file, the line and the field."""
    built = []
    for number, value in read_jsonl(lines, name):
        try:
            built.append(build(value))
        except ValueError as exc:
            raise InputError(f"{name}:{number}: {exc}", hint) from None
    return built
