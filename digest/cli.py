"""The `digest` command: thin wrappers over digest.pipeline. User errors end as one line and exit code 1."""

from __future__ import annotations

import functools
import json
import logging
import sys
import webbrowser
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click

from digest import __version__, config, health, jsonl, pipeline, store
from digest.cluster import Settings
from digest.errors import DigestError
from digest.models import Story
from digest.text import count

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
@click.option("--explain", is_flag=True, help="Show why each article matched the topic and why stories group.")
@_fail_cleanly
def preview(config_path: Path, open_browser: bool, explain: bool) -> None:
    """Build the digest from the sources and write out/preview.{html,txt,eml}; sends and records nothing."""
    settings = config.load(config_path)
    result = pipeline.preview(settings)
    _report_sources(result.gathered)
    _print_table(result.digest.stories)
    if explain:
        _print_explanations(result)
    for path in result.paths:
        click.echo(f"wrote {path}")
    if open_browser:
        webbrowser.open(result.paths[0].resolve().as_uri())


@main.command()
@_config_option
@click.option("--dry-run", is_flag=True, help="Write the archive page and feeds; send no email, record nothing.")
@click.option("--digest", "only", metavar="NAME", help="Run only this digest (default: all in the config).")
@_fail_cleanly
def run(config_path: Path, dry_run: bool, only: str | None) -> None:
    """One real run: fetch, build each digest, email it exactly once, publish the archive and feeds."""
    settings = config.load(config_path)
    _log_to_stderr()
    if dry_run:
        result = pipeline.run(settings, dry_run=True, only=only)
    else:
        with store.run_lock(settings.state):
            result = pipeline.run(settings, only=only)
    _report_sources(result.gathered)
    for report in result.reports:
        click.echo(report.line())
        for line in report.failures():
            click.echo(f"error: {line}", err=True)
    if not result.ok:
        sys.exit(1)


@main.command()
@_config_option
@_fail_cleanly
def schedule(config_path: Path) -> None:
    """Run each digest on its schedule until stopped (SIGTERM or Ctrl-C finish the current send first)."""
    from digest import schedule as scheduler

    settings = config.load(config_path)
    _log_to_stderr()
    scheduler.serve(settings)


@main.command()
@_config_option
@click.option("--no-smtp", is_flag=True, help="Skip the SMTP login check (webhooks are still tried).")
@_fail_cleanly
def check(config_path: Path, no_smtp: bool) -> None:
    """Validate the config, try every source, the SMTP login and each webhook, and print a health table."""
    from rich.console import Console
    from rich.table import Table

    settings = config.load(config_path)
    result = health.check(settings, smtp=not no_smtp)
    table = Table(title=f"Sources in {config_path}")
    for column in ("source", "status", "last success", "items", "latest item", "problem"):
        table.add_column(column, overflow="fold")
    for row in result.sources:
        problem = f"{row.error} ({row.hint})" if row.error else ""
        if row.redirect:
            problem = f"moved permanently to {row.redirect}; update [[sources]]. {problem}".strip()
        table.add_row(
            row.location, row.status, _when(row.last_success), str(row.items), _when(row.latest_item), problem
        )
    Console(width=max(100, Console().width)).print(table)
    for channel in result.channels:
        name = "SMTP" if channel.channel == "email" else "webhook"
        state = channel.detail if channel.problem is None else f"error: {channel.problem}"
        click.echo(f"{name} {channel.endpoint}: {state}")
    if not result.ok:
        sys.exit(1)


def _log_to_stderr() -> None:
    """Plain log lines for cron and systemd: one per source fetched, one summary per run."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


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
    items = jsonl.articles_from_jsonl(file, _name(file))
    settings = Settings() if threshold is None else Settings(threshold=threshold)
    for group in pipeline.cluster_articles(items, settings):
        if explain:
            outlets = _outlets(a.label for a in group.articles)
            click.echo(
                f"{group.id}: {count(len(group.articles), 'article')} ({outlets}); terms: {', '.join(group.terms)}",
                err=True,
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
    clusters = jsonl.clusters_from_jsonl(file, _name(file))
    for story in pipeline.summarize_clusters(clusters, words, method):
        click.echo(json.dumps(story.to_dict(), ensure_ascii=False))


def _print_explanations(result: pipeline.Preview) -> None:
    for number, story in enumerate(result.digest.stories, 1):
        click.echo(f"{number}. {story.headline}")
        click.echo(f"   grouped by: {', '.join(story.terms) or '(one article)'}")
        for article, terms in result.matches.get(story.id, []):
            click.echo(f"   - {article.label}: {article.title} (matched: {', '.join(terms)})")


def _outlets(names: Iterable[str]) -> str:
    """Outlets in order of first appearance, one that repeats named once with its count: "The Guardian ×5"."""
    return ", ".join(name if count == 1 else f"{name} ×{count}" for name, count in Counter(names).items())


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
        outlets = _outlets(c.outlet + (" (copy)" if c.copy_of else "") for c in story.outlets)
        table.add_row(str(number), story.headline, outlets, str(story.articles))
    Console(width=max(100, Console().width)).print(table)


# -- digest sources (#16): list, add, remove, import and export the sources in config.toml ----------------------


@main.group()
def sources() -> None:
    """List, add, remove, import (OPML) and export the sources in config.toml, editing it in place."""


@sources.command(name="list")
@_config_option
@_fail_cleanly
def sources_list(config_path: Path) -> None:
    """Each source with its kind, outlet, folder and last health (from the state, if there is one)."""
    from rich.console import Console
    from rich.table import Table

    from digest.sources import manage

    table = Table(title=f"Sources in {config_path}")
    for column in ("kind", "source", "outlet", "folder", "status", "last success", "items"):
        table.add_column(column, overflow="fold")
    for row in manage.rows(config.load(config_path)):
        health = row.health
        status = (health.status if not health.error else f"{health.status}: {health.error}") if health else "-"
        items = str(health.items) if health else "-"
        last = _when(health.last_success if health else None)
        table.add_row(row.kind, row.location, row.outlet or "-", row.category or "-", status, last, items)
    Console(width=max(100, Console().width)).print(table)


@sources.command(name="add")
@click.argument("location")
@_config_option
@click.option("--first", is_flag=True, help="When the site has several feeds, take the first it lists.")
@click.option("--pick", metavar="TITLE", help="When the site has several feeds, take the one with this title or URL.")
@click.option("--outlet", metavar="NAME", help="Credit its articles to this outlet name.")
@click.option("--category", metavar="FOLDER", help='Its folder in an OPML export, like "Tech/AI".')
@click.option("--full-text", is_flag=True, help="Read every article's page for its full text.")
@_fail_cleanly
def sources_add(
    location: str,
    config_path: Path,
    first: bool,
    pick: str | None,
    outlet: str | None,
    category: str | None,
    full_text: bool,
) -> None:
    """Add a feed URL, a site's address (its feed is found), a feed file or a folder to config.toml."""
    from digest.sources import manage

    message = manage.add(
        config_path, location, first=first, pick=pick, outlet=outlet, category=category, full_text=full_text
    )
    click.echo(message)


@sources.command(name="remove")
@click.argument("location")
@_config_option
@_fail_cleanly
def sources_remove(location: str, config_path: Path) -> None:
    """Remove the source with this URL, path or title from config.toml."""
    from digest.sources import manage

    for removed in manage.remove(config_path, location):
        click.echo(f"removed {removed} from {config_path}")


@sources.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_config_option
@_fail_cleanly
def sources_import(file: Path, config_path: Path) -> None:
    """Add each feed of an OPML file (a feed reader's export) to config.toml, once, with its folder."""
    from digest.sources import manage

    click.echo(manage.import_opml(config_path, file).line(file, config_path))


@sources.command(name="export")
@_config_option
@_fail_cleanly
def sources_export(config_path: Path) -> None:
    """Print the feed sources as OPML 2.0, their categories as folders (files, folders and sitemaps left out)."""
    from datetime import UTC

    from digest.sources import manage

    text, left_out = manage.export_opml(config.load(config_path), datetime.now(UTC))
    click.echo(text, nl=False)
    if left_out:
        click.echo(f"note: {left_out} sources are not feeds (files, folders, sitemaps) and are left out", err=True)
