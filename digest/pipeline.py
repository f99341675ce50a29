"""The only module that wires the stages together: fetch -> parse -> select -> cluster -> summarize ->
rank -> render -> deliver. Stages never import each other; everything they exchange is a digest.models object.
"""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx

from digest import cluster as clusterer
from digest import continuity, deliver, fetch, parse, publish, rank, render, select, store, summarize
from digest.config import Config, DigestSettings
from digest.errors import DigestError, FetchError, InputError, ParseError, SourceError, StateError
from digest.models import (
    Article,
    Cluster,
    Digest,
    FeedHealth,
    FetchLimits,
    Ingested,
    Issue,
    Rendered,
    Source,
    SourceKind,
    Story,
)

PACKAGE = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """Installed wheels carry the templates inside the package; a checkout has them at the top level."""
    inside = PACKAGE / "templates"
    return inside if inside.is_dir() else PACKAGE.parent / "templates"


@dataclass
class Gathered:
    """Articles read from sources, and what went wrong on the way (one line each)."""

    articles: list[Article] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    items: list[Ingested] = field(default_factory=list)


def gather(
    sources: Sequence[Source],
    *,
    limits: FetchLimits = fetch.DEFAULT_LIMITS,
    state: store.Store | None = None,
    now: datetime | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Gathered:
    """Fetch every source concurrently and parse it; a source that fails is recorded and skipped.

    With a state store: conditional GET from each feed's stored validators, sources gone for good (410)
    skipped, each source's health recorded, and pages fetched for full text cached by URL.
    """
    now = now or datetime.now(UTC)
    result = Gathered()
    active = list(sources)
    if state:
        for source in sources:
            health = state.feed_health(source.location)
            if health and health.disabled:
                active.remove(source)
                result.warnings.append(f"{source.location}: disabled ({health.error}); remove it from [[sources]]")
    caches = {s.location: state.http_cache(s.location) for s in active} if state else {}
    with fetch.progress_reporter(len(active)) as report:
        fetched = fetch.fetch_each(active, caches, limits=limits, transport=transport)
        items = parse.parse_all(fetched, workers=parse.parser_processes(len(active)), progress=report)
    order = {source.location: index for index, source in reversed(list(enumerate(active)))}
    items.sort(key=lambda item: order[item.source.location])  # as configured, not as the network answered
    items = _full_text(items, limits, state, transport)
    for item in items:
        if state:
            state.record_feed(item.health(state.feed_health(item.source.location), now), item.fetched.cache)
        if item.error:
            kind = FetchError if item.fetched.outcome == "error" else ParseError
            result.errors.append(kind(item.source.location, item.error, item.hint or ""))
        result.articles.extend(item.articles)
        result.warnings.extend(item.warnings)
    result.items = items
    return result


def _full_text(
    items: list[Ingested], limits: FetchLimits, state: store.Store | None, transport: httpx.BaseTransport | None
) -> list[Ingested]:
    """Teasers replaced by their pages' main text; a page is fetched once, then read from the state's cache."""
    wanted = parse.full_text_urls(items, {})
    if not wanted:
        return items
    cache = state.page_texts(wanted) if state else {}
    # A stored article whose page is not cached had no usable page: asking again each run would not help.
    missing = [u for u in wanted if u not in cache and not (state and state.has_article_url(u))]
    pages = fetch.fetch_all([Source(u, SourceKind.PAGE) for u in missing], limits=limits, transport=transport)
    filled = parse.apply_full_text(items, pages, cache)
    if state:
        state.save_page_texts({u: cache[u] for u in missing if u in cache})
    return filled


def cluster_settings(config: Config) -> clusterer.Settings:
    c = config.cluster
    return clusterer.Settings(threshold=c.threshold, copy_threshold=c.copy_threshold, max_gap_days=c.max_gap_days)


def build_digest(
    config: Config,
    articles: Sequence[Article],
    now: datetime,
    settings: DigestSettings | None = None,
    exclude: frozenset[str] = frozenset(),
) -> Digest:
    """Select, cluster, summarize and rank: the issue that `articles` make for one digest of this config."""
    return _build(config, settings or config.digest, articles, now, exclude)[0]


def _build(
    config: Config,
    settings: DigestSettings,
    articles: Sequence[Article],
    now: datetime,
    exclude: frozenset[str],
    earlier: Sequence[Story] = (),
) -> tuple[Digest, dict[str, list[str]]]:
    """The digest, and the ids of the articles behind each of its stories (what gets marked as sent)."""
    query = select.parse_query(settings.topic)
    chosen = select.select(articles, query, now=now, max_age_days=settings.max_age_days, exclude=exclude)
    clusters = clusterer.cluster(chosen, cluster_settings(config))
    stories = [summarize.summarize(c, config.summary.words, config.summary.method) for c in clusters]
    ranked = rank.rank(continuity.follow_up(stories, earlier), settings.max_stories)
    members = {c.id: [a.id for a in c.articles] for c in clusters}
    digest = Digest(title=settings.title, topic=settings.topic, created=now, stories=tuple(ranked))
    return digest, {story.id: members[story.id] for story in ranked}


def render_digest(config: Config, digest: Digest, archive_url: str | None = None) -> Rendered:
    return render.render(
        digest,
        templates=templates_dir(),
        subject=config.email.subject,
        archive_url=archive_url,
        unsubscribe=config.email.unsubscribe or None,
    )


def email_for(config: Config, issue: Issue, recipient: str) -> EmailMessage:
    return deliver.build_message(
        Rendered(subject=issue.subject, html=issue.html, text=issue.text),
        sender=config.email.sender,
        recipient=recipient,
        issue=issue.id,
        date=issue.created,
        list_id=f"{issue.digest}.{config.email.sender.rpartition('@')[2]}",
        unsubscribe=config.email.unsubscribe or None,
    )


@dataclass(frozen=True)
class Preview:
    digest: Digest
    paths: tuple[Path, ...]
    gathered: Gathered
    matches: dict[str, list[tuple[Article, list[str]]]] = field(default_factory=dict)
    """Per story id: each article and the query terms it matched (what `--explain` prints)."""


def preview(config: Config, now: datetime | None = None) -> Preview:
    """Run the pipeline without sending or recording anything; write out/preview.{html,txt,eml}."""
    now = now or datetime.now(UTC)
    gathered = gather(config.sources, limits=config.fetch)
    settings = config.digest
    digest, members = _build(config, settings, gathered.articles, now, frozenset())
    rendered = render_digest(config, digest)
    issue = _issue(settings, f"{settings.name}-preview", digest, rendered)
    recipient = settings.to[0] if settings.to else "reader@localhost"
    out = config.output.dir
    out.mkdir(parents=True, exist_ok=True)
    paths = (out / "preview.html", out / "preview.txt", out / "preview.eml")
    paths[0].write_text(rendered.html, encoding="utf-8")
    paths[1].write_text(rendered.text, encoding="utf-8")
    deliver.write_message(email_for(config, issue, recipient), paths[2])
    query = select.parse_query(settings.topic)
    by_id = {a.id: a for a in gathered.articles}
    matches = {
        story: [(by_id[i], query.explain(by_id[i])) for i in ids if i in by_id] for story, ids in members.items()
    }
    return Preview(digest=digest, paths=paths, gathered=gathered, matches=matches)


def read_articles(locations: Sequence[str]) -> Gathered:
    """Articles from feed URLs, feed files or folders given on the command line."""
    return gather([Source.at(location) for location in locations])


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


def cluster_articles(articles: Sequence[Article], settings: clusterer.Settings) -> list[Cluster]:
    return clusterer.cluster(articles, settings)


def summarize_clusters(clusters: Sequence[Cluster], words: int, method: str) -> list[Story]:
    return [summarize.summarize(c, words, method) for c in clusters]


def _issue(settings: DigestSettings, ident: str, digest: Digest, rendered: Rendered) -> Issue:
    return Issue(
        id=ident,
        digest=settings.name,
        title=settings.title,
        created=digest.created,
        subject=rendered.subject,
        html=rendered.html,
        text=rendered.text,
        stories=digest.stories,
    )


# -- run: build, send exactly once, publish ------------------------------------------------------------------

Connect = Callable[[], deliver.Connection]


@dataclass(frozen=True)
class RunReport:
    """What one run did for one digest: the line `digest run` and `digest schedule` log."""

    digest: str
    issue: str | None
    stories: int = 0
    articles: int = 0
    outlets: int = 0
    sent: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    note: str = ""

    def line(self) -> str:
        what = f"issue {self.issue}: " if self.issue else ""
        counts = f"{self.stories} stories, {self.articles} articles, {self.outlets} outlets"
        recipients = f"sent to {len(self.sent)}/{len(self.sent) + len(self.failed)} recipients"
        note = f"; {self.note}" if self.note else ""
        return f"{self.digest}: {what}{counts}; {recipients}{note} ({self.seconds:.1f} s)"


@dataclass(frozen=True)
class RunResult:
    reports: tuple[RunReport, ...]
    gathered: Gathered

    @property
    def ok(self) -> bool:
        return not any(r.failed for r in self.reports)


def run(
    config: Config,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    connect: Connect | None = None,
    only: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RunResult:
    """One real run of each digest (or `only` one): fetch, build, send exactly once, publish, record.

    With dry_run the archive pages and feeds are written but no email is sent and the state is not changed.
    """
    now = now or datetime.now(UTC)
    digests = [config.find(only)] if only else list(config.digests)
    with store.Store(config.state) as state:
        gathered = gather(config.sources, limits=config.fetch, state=None if dry_run else state, now=now)
        if config.sources and len(gathered.errors) >= len(config.sources) and not gathered.articles:
            reasons = "; ".join(str(e) for e in gathered.errors)
            raise SourceError(
                "all sources",
                f"every source failed, nothing was sent or marked: {reasons}",
                "run `digest check` to see each source's problem",
            )
        if not dry_run:
            state.save_articles(gathered.articles, now)
        context = _Run(config, state, gathered, now, dry_run, connect or _smtp(config), sleep)
        reports = tuple(_run_digest(context, settings) for settings in digests)
    return RunResult(reports, gathered)


def _smtp(config: Config) -> Connect:
    return lambda: deliver.YagmailConnection(config.email)


@dataclass(frozen=True)
class _Run:
    """What every step of one run shares."""

    config: Config
    state: store.Store
    gathered: Gathered
    now: datetime
    dry_run: bool
    connect: Connect
    sleep: Callable[[float], None]


def _run_digest(run: _Run, settings: DigestSettings) -> RunReport:
    started = time.monotonic()
    unfinished = [] if run.dry_run else run.state.unfinished_issues(settings.name)
    # An interrupted issue is finished first; a new one waits for the next run so nobody gets two at once.
    report = _resume(run, settings, unfinished) if unfinished else _new_issue(run, settings)
    if not run.dry_run:
        _publish(run.config, settings, run.state.sent_issues(settings.name))
    return replace(report, seconds=time.monotonic() - started)


def _resume(run: _Run, settings: DigestSettings, issues: Sequence[Issue]) -> RunReport:
    sent: list[str] = []
    failed: list[tuple[str, str]] = []
    for issue in issues:
        done, refused = _send_issue(run, issue)
        sent.extend(done)
        failed.extend(refused)
    names = ", ".join(i.id for i in issues)
    return RunReport(settings.name, issues[-1].id, sent=tuple(sent), failed=tuple(failed), note=f"resumed {names}")


def _new_issue(run: _Run, settings: DigestSettings) -> RunReport:
    config, state = run.config, run.state
    oldest = datetime.min.replace(tzinfo=UTC)
    if settings.max_age_days:
        oldest = run.now - timedelta(days=settings.max_age_days)
    candidates = {a.id: a for a in [*state.articles_since(oldest), *run.gathered.articles]}
    already = state.sent_articles(settings.name)
    earlier = _earlier_stories(run, settings)
    digest, members = _build(config, settings, list(candidates.values()), run.now, already, earlier)
    if not digest.stories and not settings.quiet_day:
        return RunReport(settings.name, None, note="nothing new; sent nothing")
    ident = _next_issue_id(state, settings, run.now)
    page = _site(config, settings).url(publish.archive_path(_issue(settings, ident, digest, Rendered("", "", ""))))
    issue = _issue(settings, ident, digest, render_digest(config, digest, page if config.output.base_url else None))
    report = RunReport(
        settings.name,
        ident,
        stories=len(digest.stories),
        articles=sum(len(ids) for ids in members.values()),
        outlets=len(digest.outlets),
    )
    if run.dry_run:
        _publish(config, settings, [*state.sent_issues(settings.name), issue])
        return replace(report, note=f"dry run: would send to {len(settings.to)} recipients")
    recipients = [(r, deliver.message_id(ident, r, _domain(config))) for r in settings.to]
    state.save_issue(issue, members, recipients)
    sent, failed = _send_issue(run, issue)
    return replace(report, sent=sent, failed=failed)


def _earlier_stories(run: _Run, settings: DigestSettings) -> list[Story]:
    """Stories sent in the last `cluster.continuity_days` days, which new stories may continue."""
    days = run.config.cluster.continuity_days
    if not days:
        return []
    since = run.now - timedelta(days=days)
    return [s for issue in run.state.sent_issues(settings.name) if issue.created >= since for s in issue.stories]


def _send_issue(run: _Run, issue: Issue) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Deliver every delivery of the issue not yet made; each is recorded before and after its SMTP transaction."""
    state = run.state
    todo = [d for d in state.deliveries(issue.id) if d.status in ("pending", "sending", "failed")]
    if not todo:
        return (), ()
    try:
        connection = run.connect()
    except DigestError as error:
        for delivery in todo:
            state.mark_delivery(issue.id, delivery.recipient, "failed", datetime.now(UTC), str(error))
        return (), tuple((d.recipient, str(error)) for d in todo)
    sent: list[str] = []
    failed: list[tuple[str, str]] = []
    try:
        for delivery in todo:
            state.mark_delivery(issue.id, delivery.recipient, "sending", datetime.now(UTC))
            outcome = deliver.send(connection, email_for(run.config, issue, delivery.recipient), sleep=run.sleep)
            state.mark_delivery(issue.id, delivery.recipient, outcome.status, datetime.now(UTC), outcome.error)
            if outcome.status == "sent":
                sent.append(delivery.recipient)
            else:
                failed.append((delivery.recipient, outcome.error or outcome.status))
    finally:
        connection.close()
    return tuple(sent), tuple(failed)


def _next_issue_id(state: store.Store, settings: DigestSettings, now: datetime) -> str:
    """<name>-<local date>, then -2, -3 ... when that day already has an issue."""
    day = now.astimezone(ZoneInfo(settings.timezone)).date().isoformat()
    taken = set(state.issue_ids(settings.name))
    ident, number = f"{settings.name}-{day}", 1
    while ident in taken:
        number += 1
        ident = f"{settings.name}-{day}-{number}"
    return ident


def _domain(config: Config) -> str:
    return config.email.sender.rpartition("@")[2] or "localhost"


def _site(config: Config, settings: DigestSettings) -> publish.Site:
    return publish.Site(config.output.dir, config.output.base_url, settings.name, settings.title, settings.topic)


def _publish(config: Config, settings: DigestSettings, issues: Sequence[Issue]) -> None:
    site = _site(config, settings)
    publish.publish(site, issues, keep=config.output.feed_items, granularity=config.output.granularity)


# -- check ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    sources: tuple[FeedHealth, ...]
    smtp: str | None  # None when the login worked, else why it did not


def check(config: Config, *, smtp: bool = True, connect: Connect | None = None) -> CheckResult:
    """Try every source now and, optionally, the SMTP login; nothing is recorded."""
    now = datetime.now(UTC)
    gathered = gather(config.sources, limits=config.fetch, now=now)
    known = _recorded_health(config.state, [item.source.location for item in gathered.items])
    rows = tuple(item.health(known.get(item.source.location), now) for item in gathered.items)
    problem = None
    if smtp:
        connection = (connect or _smtp(config))()
        try:
            connection.open()
        except DigestError as failure:
            problem = str(failure)
        finally:
            connection.close()
    return CheckResult(rows, problem)


def _recorded_health(path: Path, locations: Sequence[str]) -> dict[str, FeedHealth]:
    """What the state file recorded of these sources; a check before the first run does not create it."""
    if not path.exists():
        return {}
    with store.Store(path) as state:
        return {location: health for location in locations if (health := state.feed_health(location))}


@contextmanager
def exclusive(config: Config) -> Iterator[None]:
    """Hold the state's lock: two `digest run` or `digest schedule` processes never send the same issue."""
    path = config.state.with_name(config.state.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StateError(
                f"{config.state} is in use by another digest run or schedule",
                "wait for it to finish, or stop the other `digest schedule`",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
