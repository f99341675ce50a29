"""The `digest` command: thin wrappers over digest.pipeline. User errors end as one line and exit code 1.

Each command imports the pipeline (and rich) when it runs: importing every stage takes most of a second, and
`digest --help` needs none of it.
"""

from __future__ import annotations

import functools
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from digest import __version__
from digest.errors import DigestError
from digest.models import SUMMARY_METHODS

if TYPE_CHECKING:
    from digest import pipeline
    from digest.models import FeedHealth, Story

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
    from digest import config, pipeline

    settings = config.load(config_path)
    result = pipeline.preview(settings)
    _report_sources(result.gathered)
    _print_table(result.digest.stories)
    if explain:
        _print_explanations(result)
    for path in result.paths:
        click.echo(f"wrote {path}")
    if open_browser:
        _open_in_browser(result.paths[0])


def _open_in_browser(path: Path) -> None:
    """With no browser to open (a server, a container) say where the file is instead of exiting silently."""
    import webbrowser

    url = path.resolve().as_uri()
    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if not opened:
        click.echo(f"no browser to open; the preview is at {url}")


@main.command()
@_config_option
@click.option("--dry-run", is_flag=True, help="Write the archive page and feeds; send no email, record nothing.")
@click.option("--digest", "only", metavar="NAME", help="Run only this digest (default: all in the config).")
@_fail_cleanly
def run(config_path: Path, dry_run: bool, only: str | None) -> None:
    """One real run: fetch, build each digest, email it exactly once, publish the archive and feeds."""
    from digest import config, pipeline, store

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
    from digest import config
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
    from digest import config, health

    settings = config.load(config_path)
    result = health.check(settings, smtp=not no_smtp)
    _print_health(config_path, result.sources, datetime.now(UTC))
    _failed_summary(len(result.sources), [row.location for row in result.sources if row.error])
    for channel in result.channels:
        name = {"email": "SMTP", "site": "site"}.get(channel.channel, "webhook")
        state = channel.detail if channel.problem is None else f"error: {channel.problem}"
        click.echo(f"{name} {channel.endpoint}: {state}")
    if not result.ok:
        sys.exit(1)


def _print_health(config_path: Path, rows: Sequence[FeedHealth], now: datetime) -> None:
    cells = []
    for row in rows:
        problem = f"{row.error} ({row.hint})" if row.error else ""
        if row.redirect:
            problem = f"moved permanently to {row.redirect}; update [[sources]]. {problem}".strip()
        when = (_when(row.last_success), str(row.items), _when(row.latest_item))
        cells.append((row.location, _status(row, now), *when, problem))
    columns = (
        _Column("source"),
        _Column("status", no_wrap=True),
        _Column("last success", no_wrap=True),
        _Column("items", right=True),
        _Column("latest item", no_wrap=True),
        _Column("problem"),
    )
    _print_rows(f"Sources in {config_path}", columns, cells)


def _status(row: FeedHealth, now: datetime) -> str:
    if row.stale(now) and row.latest_item:
        return f"stale: newest item {row.latest_item:%Y-%m-%d}"
    return row.status


def _log_to_stderr() -> None:
    """Plain log lines for cron and systemd: one per source fetched, one summary per run."""
    import logging

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
    from digest import pipeline

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
    from digest import jsonl, pipeline
    from digest.cluster import Settings
    from digest.language import main_language, resources
    from digest.text import count

    items = jsonl.articles_from_jsonl(file, _name(file))
    settings = Settings() if threshold is None else Settings(threshold=threshold)
    for group in pipeline.cluster_articles(items, settings):
        if explain:
            outlets = _outlets(a.label for a in group.articles)
            # Said when the cluster's language lacks a model: its terms are then words as written, not stems.
            note = resources(main_language(a.language for a in group.articles)).note()
            click.echo(
                f"{group.id}: {count(len(group.articles), 'article')} ({outlets}); terms: {', '.join(group.terms)}"
                + (f" ({note})" if note else ""),
                err=True,
            )
        for article in group.articles:
            record = {"id": article.id, "cluster": group.id, "copy_of": group.copies.get(article.id)}
            click.echo(json.dumps(record))


@main.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option(
    "--words",
    type=click.IntRange(min=1),
    default=120,
    show_default=True,
    help="Word budget: each summary ends at the sentence boundary nearest it.",
)
@click.option(
    "--method",
    type=click.Choice(SUMMARY_METHODS),
    default="centroid",
    show_default=True,
)
@_fail_cleanly
def summarize(file: TextIO, words: int, method: str) -> None:
    """Read clusters as JSON Lines ({"id", "articles": [...]}); print one story per line."""
    from digest import jsonl, pipeline

    clusters = jsonl.clusters_from_jsonl(file, _name(file))
    for story in pipeline.summarize_clusters(clusters, words, method):
        click.echo(json.dumps(story.to_dict(), ensure_ascii=False))


def _print_explanations(result: pipeline.Preview) -> None:
    for number, story in enumerate(result.digest.stories, 1):
        click.echo(f"{number}. {story.headline}")
        click.echo(f"   grouped by: {', '.join(story.terms) or '(one article)'}")
        for article, terms in result.matches.get(story.id, []):
            why = f"matched: {', '.join(terms)}" if terms else "in the story, matched nothing itself"
            click.echo(f"   - {article.label}: {article.title} ({why})")


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
    _failed_summary(len(gathered.items), [error.source for error in gathered.errors])


def _failed_summary(total: int, failed: Sequence[str]) -> None:
    """`2 of 7 sources failed: NAME, NAME`: the last line of a source report, so a failure is not missed."""
    from digest.text import count

    if failed:
        click.echo(f"{len(failed)} of {count(total, 'source')} failed: {', '.join(failed)}", err=True)


def _print_table(stories: Iterable[Story]) -> None:
    rows = []
    for number, story in enumerate(stories, 1):
        outlets = _outlets(c.outlet + (" (copy)" if c.copy_of else "") for c in story.outlets)
        rows.append((str(number), story.headline, outlets, str(story.articles)))
    columns = (_Column("#", right=True), _Column("Headline"), _Column("Outlets"), _Column("Articles", right=True))
    _print_rows("Stories", columns, rows)


@dataclass(frozen=True)
class _Column:
    name: str
    right: bool = False
    no_wrap: bool = False


def _print_rows(title: str, columns: Sequence[_Column], rows: Sequence[Sequence[str]]) -> None:
    """A table that never cuts a word (a path, a URL, a date), however narrow the terminal. Cells are text,
    never markup: the `[[sources]]` in a hint is printed as written."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    cells = [[column.name, *(row[index] for row in rows)] for index, column in enumerate(columns)]
    least = [max(len(c) if column.no_wrap else _longest_word(c) for c in cells[i]) for i, column in enumerate(columns)]
    most = [max(len(c) for c in column) for column in cells]
    overhead = 3 * len(columns) + 1  # a space either side of each cell, and the rules between and around them
    widths = _widths(least, most, max(100, Console().width) - overhead)
    table = Table(title=escape(title))
    for column, width in zip(columns, widths, strict=True):
        table.add_column(column.name, justify="right" if column.right else "left", no_wrap=column.no_wrap, width=width)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    Console(width=sum(widths) + overhead).print(table)


def _widths(least: Sequence[int], most: Sequence[int], room: int) -> list[int]:
    """Each column its longest word; what room is left shared out in proportion to what each could still use."""
    spare, wanted = max(0, room - sum(least)), sum(most) - sum(least)
    if wanted <= spare:
        return list(most)
    return [low + (high - low) * spare // wanted for low, high in zip(least, most, strict=True)]


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


# -- digest sources (#16): list, add, remove, import and export the sources in config.toml ----------------------


@main.command()
@_config_option
@click.option("--host", metavar="ADDRESS", help="Address to listen on (default: [site] host, 127.0.0.1).")
@click.option("--port", type=int, metavar="PORT", help="Port to listen on (default: [site] port, 8080).")
@_fail_cleanly
def serve(config_path: Path, host: str | None, port: int | None) -> None:
    """Serve out/ (archive, feeds) with sign-up and one-click unsubscribe until SIGTERM or Ctrl-C."""
    from digest import config
    from digest.site import server

    settings = config.load(config_path)
    _log_to_stderr()
    site = settings.site or config.SiteSettings()
    server.serve(settings, host or site.host, port or site.port)


@main.group()
def subscribers() -> None:
    """List, add, remove and export the readers who signed up on the site (the state store's list)."""


_digest_option = click.option("--digest", "only", metavar="NAME", help="This digest (default: the first).")


@subscribers.command(name="list")
@_config_option
@click.option("--digest", "only", metavar="NAME", help="Only this digest (default: all).")
@_fail_cleanly
def subscribers_list(config_path: Path, only: str | None) -> None:
    """Each subscriber with its digest, status (pending, confirmed, unsubscribed) and last change."""
    from digest import config, store

    settings = config.load(config_path)
    name = settings.find(only).name if only else None
    with store.Store(settings.state) as state:
        rows = [(s.digest, s.address, s.status, _when(s.updated)) for s in state.subscribers(name)]
    names = ("digest", "address", "status", "since")
    _print_rows(f"Subscribers in {settings.state.url or settings.state.path}", [_Column(n) for n in names], rows)


@subscribers.command(name="add")
@click.argument("address")
@_config_option
@_digest_option
@_fail_cleanly
def subscribers_add(address: str, config_path: Path, only: str | None) -> None:
    """Subscribe an address at once, confirmed (no confirmation email: you vouch for it)."""
    from digest import config, store
    from digest.site import subscribe
    from digest.site.addresses import normalize

    settings = config.load(config_path)
    digest = settings.find(only)
    normal = normalize(address)
    if normal is None:
        raise DigestError(f"{address!r} is not an email address", "give a plain address like reader@example.org")
    with store.Store(settings.state) as state:
        subscribe.add(state, digest.name, normal)
    click.echo(f"subscribed {normal} to {digest.name}")


@subscribers.command(name="remove")
@click.argument("address")
@_config_option
@_digest_option
@_fail_cleanly
def subscribers_remove(address: str, config_path: Path, only: str | None) -> None:
    """Unsubscribe an address, as its own link would (a `to` address of the config stops getting it too)."""
    from digest import config, store
    from digest.site import subscribe
    from digest.site.addresses import normalize

    settings = config.load(config_path)
    digest = settings.find(only)
    normal = normalize(address) or address.strip().lower()
    with store.Store(settings.state) as state:
        was = subscribe.remove(state, digest.name, normal)
    click.echo(f"unsubscribed {normal} from {digest.name}" + ("" if was else " (it was not subscribed)"))


@subscribers.command(name="export")
@_config_option
@click.option("--digest", "only", metavar="NAME", help="Only this digest (default: all).")
@_fail_cleanly
def subscribers_export(config_path: Path, only: str | None) -> None:
    """Print every subscriber as CSV: digest, address, status, created, updated."""
    from digest import config, store
    from digest.site import subscribe

    settings = config.load(config_path)
    name = settings.find(only).name if only else None
    with store.Store(settings.state) as state:
        click.echo(subscribe.export_csv(state.subscribers(name)), nl=False)


@main.group()
def sources() -> None:
    """List, add, remove, import (OPML) and export the sources in config.toml, editing it in place."""


@sources.command(name="list")
@_config_option
@_fail_cleanly
def sources_list(config_path: Path) -> None:
    """Each source with its kind, outlet, folder and last health (from the state, if there is one)."""
    from digest import config
    from digest.sources import manage

    rows = []
    for row in manage.rows(config.load(config_path)):
        health = row.health
        status = (health.status if not health.error else f"{health.status}: {health.error}") if health else "-"
        items = str(health.items) if health else "-"
        last = _when(health.last_success if health else None)
        rows.append((row.kind, row.location, row.outlet or "-", row.category or "-", status, last, items))
    names = ("kind", "source", "outlet", "folder", "status", "last success", "items")
    _print_rows(f"Sources in {config_path}", [_Column(name) for name in names], rows)


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
    from digest import config
    from digest.sources import manage

    for removed in manage.remove(config_path, location):
        click.echo(f"removed {removed} from {config_path}")
    try:
        config.load(config_path)
    except DigestError as exc:  # the removal is done; what else keeps the file from loading is worth a line
        click.echo(f"note: {config_path} still does not load: {exc}", err=True)


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
    from digest import config
    from digest.sources import manage

    text, left_out = manage.export_opml(config.load(config_path), datetime.now(UTC))
    click.echo(text, nl=False)
    if left_out:
        click.echo(f"note: {left_out} sources are not feeds (files, folders, sitemaps) and are left out", err=True)
