"""The only module that wires the stages together, in the order of the README's map: fetch -> parse -> select
(the window) -> cluster -> select (the topic) -> summarize -> rank -> render -> send (over channels: email,
webhooks) -> publish. Stages never import each other; everything they exchange is a digest.models object. The
exactly-once bookkeeping of sending is digest/send.py's, the channels digest/channels/'s; this module only
decides what goes where.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from digest import cluster as clusterer
from digest import continuity, fetch, parse, publish, rank, render, select, summarize
from digest.channels import Channel, email
from digest.config import Config, DigestSettings
from digest.errors import FetchError, ParseError, SourceError
from digest.models import (
    Article,
    Cluster,
    Digest,
    FetchLimits,
    FetchResult,
    Ingested,
    Issue,
    Rendered,
    Source,
    SourceKind,
    Story,
)
from digest.render import templates_dir  # its home is render, which `digest serve` loads without the stages
from digest.text import count

if TYPE_CHECKING:  # a run's machinery (the state store, sending, webhooks) loads only when a run starts:
    import httpx  # (and fetch imports httpx when a source is remote: a preview of files needs none)

    from digest import store  # `digest preview` and `digest --help` need none of it (#12)
    from digest.send import RunReport
    from digest.site.tokens import UnsubscribeLinks


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
    query: select.Query | None = None,
) -> tuple[Digest, dict[str, list[str]]]:
    """The digest, and the ids of the articles behind each of its stories (what gets marked as sent)."""
    query = query or select.parse_query(settings.topic)
    found = _on_topic(config, settings, articles, now, exclude, query)
    words, method = config.summary.words, config.summary.method
    stories = [summarize.summarize(c, words, method, heads=m) for c, m in found]
    continues = continuity.continued(stories, earlier)
    # An update is summarized again without what its earlier stories said, so its budget goes to what is new.
    stories = [
        summarize.summarize(c, words, method, heads=m, said=continuity.said(matches)) if matches else story
        for (c, m), story, matches in zip(found, stories, continues, strict=True)
    ]
    ranked = rank.rank(continuity.updated(stories, continues), settings.max_stories)
    members = {c.id: [a.id for a in c.articles] for c, _ in found}
    digest = Digest(title=settings.title, topic=settings.topic, created=now, stories=tuple(ranked))
    return digest, {story.id: members[story.id] for story in ranked}


def on_topic_clusters(
    config: Config, articles: Sequence[Article], now: datetime, settings: DigestSettings | None = None
) -> list[Cluster]:
    """The stories of `articles` on the digest's topic, as clusters (before they are summarized)."""
    settings = settings or config.digest
    return [c for c, _ in _on_topic(config, settings, articles, now, frozenset(), select.parse_query(settings.topic))]


def _on_topic(
    config: Config,
    settings: DigestSettings,
    articles: Sequence[Article],
    now: datetime,
    exclude: frozenset[str],
    query: select.Query,
) -> list[tuple[Cluster, frozenset[str]]]:
    """Every article of the window is grouped, then the topic keeps the stories it matches: grouped alone, the
    topic's articles would be a small collection in which its own words look common (select's docstring)."""
    candidates = select.window(articles, query, now=now, max_age_days=settings.max_age_days)
    fresh = select.near_the_topic([a for a in candidates if a.id not in exclude], query, config.cluster.max_gap_days)
    sent = [a for a in candidates if a.id in exclude and _recent(a, now, config.cluster.max_gap_days)]
    return select.on_topic(clusterer.cluster(_not_republished(fresh, sent, config.cluster), config.cluster), query)


def _recent(article: Article, now: datetime, days: float) -> bool:
    return article.published is not None and article.published >= now - timedelta(days=days)


def _not_republished(fresh: Sequence[Article], sent: Sequence[Article], settings: clusterer.Settings) -> list[Article]:
    """The new articles less the copies of articles already sent: a republished report is not news, and its
    title must not head an "update" of the story its original told."""
    if not fresh or not sent:
        return list(fresh)
    sent_ids = {a.id for a in sent}
    copies = clusterer.find_copies([*sent, *fresh], settings.copy_threshold, settings.max_gap_days)
    return [a for a in fresh if copies.get(a.id) not in sent_ids]


def render_digest(
    config: Config,
    digest: Digest,
    archive_url: str | None = None,
    settings: DigestSettings | None = None,
    unsubscribe: str | None = None,
) -> Rendered:
    """The email of `digest`, in the locale of its digest (`settings`; the first digest's when None)."""
    return render.render(
        digest,
        templates=templates_dir(),
        subject=config.email.subject,
        archive_url=archive_url,
        unsubscribe=unsubscribe or config.email.unsubscribe or None,
        locale=(settings or config.digest).locale,
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
    query = select.parse_query(settings.topic)
    digest, members = _build(config, settings, gathered.articles, now, frozenset(), query=query)
    rendered = render_digest(config, digest, settings=settings)
    issue = _issue(settings, f"{settings.name}-preview", digest, rendered)
    recipient = settings.to[0] if settings.to else "reader@localhost"
    out = config.output.dir
    out.mkdir(parents=True, exist_ok=True)
    paths = (out / "preview.html", out / "preview.txt", out / "preview.eml")
    paths[0].write_text(rendered.html, encoding="utf-8")
    paths[1].write_text(rendered.text, encoding="utf-8")
    email.write_message(email.issue_message(config.email, issue, recipient, locale=settings.locale), paths[2])
    by_id = {a.id: a for a in gathered.articles}
    matches = {
        story: [(by_id[i], query.explain(by_id[i])) for i in ids if i in by_id] for story, ids in members.items()
    }
    return Preview(digest=digest, paths=paths, gathered=gathered, matches=matches)


def read_articles(locations: Sequence[str]) -> Gathered:
    """Articles from feed URLs, feed files or folders given on the command line."""
    return gather([Source.at(location) for location in locations])


def probe(urls: Sequence[str], *, limits: FetchLimits = fetch.DEFAULT_LIMITS) -> list[tuple[FetchResult, Ingested]]:
    """Each URL fetched as a feed and parsed, beside the bytes it gave: `digest sources add` tells a feed from
    a web page with these, and finds a page's feeds in its bytes (digest/sources/manage.py)."""
    results = fetch.fetch_all([Source(url, SourceKind.FEED) for url in urls], limits=limits)
    return [(result, parse.ingest(result)) for result in results]


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


# -- run: build, send exactly once (digest/send.py), publish ---------------------------------------------------


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
    connect: email.Connect | None = None,
    transport: httpx.BaseTransport | None = None,
    only: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RunResult:
    """One real run of each digest (or `only` one): fetch, build, send exactly once, publish, record.

    With dry_run the archive pages and feeds are written but nothing is sent and the state is neither changed
    nor created. `connect` (SMTP) and `transport` (HTTP, for feeds and webhooks) are seams for tests.
    """
    now = now or datetime.now(UTC)
    digests = [config.find(only)] if only else list(config.digests)
    _unsubscribe_links(config, signed=not dry_run)  # a missing site secret stops the run before it fetches
    with _state(config, dry_run) as state:
        gathered = gather(
            config.sources, limits=config.fetch, state=None if dry_run else state, now=now, transport=transport
        )
        if config.sources and len(gathered.errors) >= len(config.sources) and not gathered.articles:
            reasons = "; ".join(str(e) for e in gathered.errors)
            raise SourceError(
                "all sources",
                f"every source failed, nothing was sent or marked: {reasons}",
                "run `digest check` to see each source's problem",
            )
        if not dry_run:
            state.save_articles(gathered.articles, now)
        context = _Run(config, state, gathered, now, dry_run, connect, transport, sleep)
        reports = tuple(_run_digest(context, settings) for settings in digests)
    return RunResult(reports, gathered)


def _state(config: Config, dry_run: bool) -> store.Store:
    """The state file; a dry run before the first real one reads an empty state in memory instead of creating it."""
    from digest import store

    if dry_run and not config.state.exists():
        return store.Store.in_memory()
    return store.Store(config.state)


@dataclass(frozen=True)
class _Run:
    """What every step of one run shares."""

    config: Config
    state: store.Store
    gathered: Gathered
    now: datetime
    dry_run: bool
    connect: email.Connect | None
    transport: httpx.BaseTransport | None
    sleep: Callable[[float], None]


def _run_digest(run: _Run, settings: DigestSettings) -> RunReport:
    from digest import send

    started = time.monotonic()
    unfinished = [] if run.dry_run else run.state.unfinished_issues(settings.name, send.MAX_ATTEMPTS)
    channels = _channels(run, settings)
    held = send.holds_back(run.state, unfinished)
    retried = send.resume(run.state, unfinished, channels) if unfinished else None
    if held and retried:
        report = retried  # an interrupted issue is finished first; a new one waits so nobody gets two at once
    else:
        report = _new_issue(run, settings, channels)
        report = send.with_retries(report, retried) if retried else report
    if not run.dry_run:
        _publish(run.config, settings, run.state.sent_issues(settings.name))
    return replace(report, seconds=time.monotonic() - started)


def _channels(run: _Run, settings: DigestSettings) -> dict[str, Channel]:
    """The channels of one digest: email always (it may have no recipients), webhooks when it has some."""
    links = _unsubscribe_links(run.config, signed=not run.dry_run)
    channels: dict[str, Channel] = {
        "email": email.EmailChannel(
            run.config.email, connect=run.connect, sleep=run.sleep, unsubscribe=links, locale=settings.locale
        )
    }
    if settings.webhooks:
        from digest.channels import webhook

        hook = run.config.webhook
        channels["webhook"] = webhook.WebhookChannel(
            settings.webhooks,
            lambda issue: _archive_url(run.config, settings, issue.id),
            locale=settings.locale,
            timeout=hook.timeout,
            retries=hook.retries,
            backoff=hook.backoff,
            transport=run.transport,
            sleep=run.sleep,
        )
    return channels


def _unsubscribe_links(config: Config, *, signed: bool = False) -> UnsubscribeLinks | None:
    """With [site], each recipient's unsubscribe link (#17). `signed` (a real run's channel) reads the secret
    now, so a missing one is a ConfigError before anything is sent; the footer's link needs no secret."""
    if config.site is None:
        return None
    from digest.site.tokens import Signer, UnsubscribeLinks

    signer = Signer.of(config.site) if signed else None
    return UnsubscribeLinks(signer, config.output.base_url or publish.DEFAULT_BASE_URL)


def _recipients(state: store.Store, settings: DigestSettings) -> list[tuple[str, str]]:
    """The config's `to` and the confirmed subscribers, less whoever unsubscribed; then the webhooks."""
    from digest.site.subscribe import recipients

    addresses = recipients(state, settings.name, settings.to)
    return [("email", address) for address in addresses] + [("webhook", hook.url) for hook in settings.webhooks]


def _new_issue(run: _Run, settings: DigestSettings, channels: Mapping[str, Channel]) -> RunReport:
    from digest import send
    from digest.send import RunReport

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
    ident = send.next_issue_id(state, settings.name, settings.timezone, run.now)
    page = _archive_url(config, settings, ident) if config.output.base_url else None
    links = _unsubscribe_links(config)
    rendered = render_digest(config, digest, page, settings, links.page() if links else None)
    issue = _issue(settings, ident, digest, rendered)
    recipients = _recipients(state, settings)
    if run.dry_run:
        written = _publish(config, settings, [*state.sent_issues(settings.name), issue])
        folder = config.output.dir
        note = f"dry run: would send to {count(len(recipients), 'recipient')}; wrote {folder}/ ({len(written)} files)"
        return RunReport(settings.name, ident, len(issue.stories), _articles(issue), len(digest.outlets), note=note)
    return send.send_new(state, issue, members, recipients, channels)


def _articles(issue: Issue) -> int:
    return sum(story.articles for story in issue.stories)


def _earlier_stories(run: _Run, settings: DigestSettings) -> list[Story]:
    """Stories sent in the last `cluster.continuity_days` days, which new stories may continue."""
    days = run.config.continuity_days
    if not days:
        return []
    since = run.now - timedelta(days=days)
    return [s for issue in run.state.sent_issues(settings.name) if issue.created >= since for s in issue.stories]


def _site(config: Config, settings: DigestSettings) -> publish.Site:
    return publish.Site(
        config.output.dir, config.output.base_url, settings.name, settings.title, settings.topic, settings.locale
    )


def _archive_url(config: Config, settings: DigestSettings, ident: str) -> str:
    return _site(config, settings).url(publish.archive_path(settings.name, ident))


def _publish(config: Config, settings: DigestSettings, issues: Sequence[Issue]) -> list[Path]:
    site = _site(config, settings)
    signup = None
    if config.site is not None:  # the form `digest serve` answers; it fills in the CSRF token on each visit
        from digest.site import CSRF_SLOT

        signup = {"action": "../../subscribe", "digest": settings.name, "csrf": CSRF_SLOT}
    pages = render.WebPages(templates_dir(), settings.title, settings.topic, settings.locale, signup)
    return publish.publish(
        site, issues, keep=config.output.feed_items, granularity=config.output.granularity, pages=pages
    )
