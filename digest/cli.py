"""The `digest` command: thin wrappers over digest.pipeline. User errors end as one line and exit code 1."""

from __future__ import annotations

import functools
import json
import sys
import webbrowser
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click

from digest import __version__, config, pipeline
from digest.cluster import Settings
from digest.errors import DigestError
from digest.models import Story

F = TypeVar("F", bound=Callable[..., Any])


def _fail_cleanly(command: F) -> F:
    """DigestError -> `error: message (hint)` on stderr and exit 1; never a traceback for a user error."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DigestError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


_config_option = click.option(
    "--config",
    "config_path",
    default="config.toml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file.",
)


@click.group()
@click.version_option(__version__, prog_name="digest")
def main() -> None:
    """Cluster news coverage of the same event and summarize each story with attribution."""


@main.command()
@_config_option
@click.option("--open", "open_browser", is_flag=True, help="Open the HTML preview in a browser.")
@_fail_cleanly
def preview(config_path: Path, open_browser: bool) -> None:
    """Build the digest from the sources and write out/preview.{html,txt,eml}; sends and records nothing."""
    settings = config.load(config_path)
    result = pipeline.preview(settings)
    _report_sources(result.gathered)
    _print_table(result.digest.stories)
    for path in result.paths:
        click.echo(f"wrote {path}")
    if open_browser:
        webbrowser.open(result.paths[0].resolve().as_uri())


@main.command()
@click.argument("sources", nargs=-1, required=True)
@_fail_cleanly
def articles(sources: tuple[str, ...]) -> None:
    """Print the articles parsed from feed URLs, feed files or folders as JSON Lines."""
    gathered = pipeline.read_articles(sources)
    for article in gathered.articles:
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False))
    _report_sources(gathered)
    if gathered.errors:
        sys.exit(1)


@main.command(name="cluster")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), help="Similarity needed to merge.")
@click.option("--explain", is_flag=True, help="Also print, per cluster, the terms that tie it together (stderr).")
@_fail_cleanly
def cluster_command(file: TextIO, threshold: float | None, explain: bool) -> None:
    """Read articles as JSON Lines (- for stdin); print {"id", "cluster", "copy_of"} per article."""
    items = pipeline.articles_from_jsonl(file, _name(file))
    settings = Settings() if threshold is None else Settings(threshold=threshold)
    for group in pipeline.cluster_articles(items, settings):
        if explain:
            outlets = ", ".join(a.label for a in group.articles)
            click.echo(
                f"{group.id}: {len(group.articles)} articles ({outlets}); terms: {', '.join(group.terms)}", err=True
            )
        for article in group.articles:
            record = {"id": article.id, "cluster": group.id, "copy_of": group.copies.get(article.id)}
            click.echo(json.dumps(record))


@main.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--words", type=click.IntRange(min=1), default=120, show_default=True, help="Word budget.")
@click.option(
    "--method",
    type=click.Choice(["centroid", "lexrank", "textrank", "luhn", "lsa"]),
    default="centroid",
    show_default=True,
)
@_fail_cleanly
def summarize(file: TextIO, words: int, method: str) -> None:
    """Read clusters as JSON Lines ({"id", "articles": [...]}); print one story per line."""
    clusters = pipeline.clusters_from_jsonl(file, _name(file))
    for story in pipeline.summarize_clusters(clusters, words, method):
        click.echo(json.dumps(story.to_dict(), ensure_ascii=False))


def _name(file: TextIO) -> str:
    return "stdin" if file.name == "<stdin>" else str(file.name)


def _report_sources(gathered: pipeline.Gathered) -> None:
    for warning in gathered.warnings:
        click.echo(f"warning: {warning}", err=True)
    for error in gathered.errors:
        click.echo(f"error: {error}", err=True)


def _print_table(stories: Iterable[Story]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Stories", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("Headline", overflow="fold")
    table.add_column("Outlets", overflow="fold")
    table.add_column("Articles", justify="right")
    for number, story in enumerate(stories, 1):
        outlets = ", ".join(c.outlet + (" (copy)" if c.copy_of else "") for c in story.outlets)
        table.add_row(str(number), story.headline, outlets, str(story.articles))
    Console(width=max(100, Console().width)).print(table)
