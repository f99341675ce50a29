"""[[sources]] tables added to and removed from config.toml in place: tomlkit keeps every comment, blank line
and the order of the file. Each edit is checked by loading the edited text before anything is written, so a
config that loaded before still loads after (or the file is left as it was). A config that does not load can
still lose sources: taking out the broken one is how it gets fixed."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from digest import config
from digest.errors import ConfigError


def read(path: Path) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file", "pass --config PATH or create config.toml") from None
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", "fix the syntax at that line") from None


def tables(doc: tomlkit.TOMLDocument) -> list[Table]:
    sources = doc.get("sources")
    return list(sources) if isinstance(sources, AoT) else []


def append(path: Path, entries: Sequence[Mapping[str, Any]], comment: Callable[[Mapping[str, Any]], str]) -> None:
    """Each entry as a new [[sources]] table after the last one, with `comment(entry)` as its first line."""
    doc = read(path)
    sources = doc.get("sources")
    if not isinstance(sources, AoT):
        sources = tomlkit.aot()
        doc["sources"] = sources
    for entry in entries:
        table = tomlkit.table()
        table.add(tomlkit.comment(comment(entry)))
        for key, value in entry.items():
            table.add(key, value)
        table.add(tomlkit.nl())  # a blank line before whatever table follows
        sources.append(table)
    write(path, doc)


def remove(path: Path, matches: Callable[[Table], bool]) -> int:
    """[[sources]] tables that `matches` takes out; how many went. Checked only if the config loaded before."""
    doc = read(path)
    loaded = _loads(path, tomlkit.dumps(doc))
    sources = doc.get("sources")
    if not isinstance(sources, AoT):
        return 0
    doomed = [index for index, table in enumerate(sources) if matches(table)]
    for index in reversed(doomed):
        del sources[index]
    if doomed:
        write(path, doc, check=loaded)
    return len(doomed)


def _loads(path: Path, text: str) -> bool:
    try:
        config.load_text(path, text)
    except ConfigError:
        return False
    return True


def write(path: Path, doc: tomlkit.TOMLDocument, *, check: bool = True) -> None:
    """The edited config, checked first by loading it as `path` (unless `check` is off), then swapped in whole
    (never half-written)."""
    text = tomlkit.dumps(doc)
    if check:
        config.load_text(path, text)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
