"""The docs cannot drift from the code: every command and option is in README's command table, and every
config key is in config.toml with a comment (as sqlite-utils keeps its docs honest)."""

from __future__ import annotations

import re

import click
import pytest
from conftest import ROOT

from digest import config
from digest.cli import main

README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIG = (ROOT / "config.toml").read_text(encoding="utf-8")
EVERYWHERE = {"--config", "--help", "--version"}  # documented once, under the table


def _table_rows() -> dict[str, str]:
    """Each command's row of README's command table, keyed by its name ("preview", "sources add")."""
    table = README.split("## Commands", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in table.splitlines():
        found = re.match(r"\| `digest (\w+(?: [a-z]\w*)?)", line)
        if found:
            rows[found[1]] = line
    return rows


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    """Every command a user can type, a group's subcommands included ("sources add")."""
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
        else:
            found.append((prefix + name, command))
    return found


COMMANDS = _commands(main)


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_and_option_is_in_the_command_table(name: str, command: click.Command) -> None:
    rows = _table_rows()
    assert name in rows, f"`digest {name}` is missing from README's command table"
    for parameter in command.params:
        if isinstance(parameter, click.Option):
            flags = [f for f in parameter.opts if f.startswith("--") and f not in EVERYWHERE]
            for flag in flags:
                assert flag in rows[name], f"`digest {name} {flag}` is missing from its row in README"


def test_the_options_documented_once_are_documented() -> None:
    assert all(flag in README for flag in EVERYWHERE)


def _keys() -> list[tuple[str, str]]:
    keys = [(table, key) for table, schema in config._SCHEMA.items() for key in schema]
    keys += [("digest", key) for key in config._DIGEST_KEYS]
    return keys


def _section(table: str) -> list[str]:
    """The lines of `[table]` in config.toml, up to the next table header."""
    lines = CONFIG.splitlines()
    start = lines.index(f"[{table}]")
    rest = lines[start + 1 :]
    end = next((i for i, line in enumerate(rest) if re.match(r"\[\[?\w", line)), len(rest))
    return rest[:end]


@pytest.mark.parametrize(("table", "key"), _keys(), ids=[f"{t}.{k}" for t, k in _keys()])
def test_every_config_key_is_in_config_toml_with_a_comment(table: str, key: str) -> None:
    lines = _section(table)
    at = next((i for i, line in enumerate(lines) if re.match(rf"#?\s*{re.escape(key)}\s*=", line)), None)
    assert at is not None, f"{table}.{key} is not in config.toml's [{table}]"
    above = lines[:at][::-1]
    comment = next((line for line in above if not re.match(r"#?\s*\w+\s*=", line)), "")
    assert comment.startswith("#"), f"{table}.{key} in config.toml has no comment above it"


@pytest.mark.parametrize("key", list(config._SOURCE_KEYS))
def test_every_source_key_is_explained_before_the_sources(key: str) -> None:
    before = CONFIG.split("\n[[sources]]\n", 1)[0]
    assert re.search(rf"`{key}\b", before), f"sources' `{key}` is not explained in config.toml"
