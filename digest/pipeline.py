"""The only module that wires the stages together: fetch -> parse -> select -> cluster -> summarize ->
rank -> render -> deliver. Stages never import each other; everything they exchange is a digest.models object.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from digest import cluster as clusterer
from digest import deliver, fetch, parse, rank, render, select, summarize
from digest.config import Config
from digest.errors import InputError, SourceError
from digest.models import Article, Cluster, Digest, Rendered, Source, Story

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
    counts: dict[str, int] = field(default_factory=dict)


def gather(sources: Iterable[Source]) -> Gathered:
    """Fetch and parse every source; a source that fails is recorded and skipped."""
    result = Gathered()
    for source in sources:
        try:
            documents = fetch.fetch(source)
        except SourceError as error:
            result.errors.append(error)
            continue
        found = 0
        for document in documents:
            try:
                articles, warnings = parse.parse(document)
            except SourceError as error:
                result.errors.append(error)
                continue
            result.articles.extend(articles)
            result.warnings.extend(warnings)
            found += len(articles)
        result.counts[source.location] = found
    return result


def cluster_settings(config: Config) -> clusterer.Settings:
    c = config.cluster
    return clusterer.Settings(threshold=c.threshold, copy_threshold=c.copy_threshold, max_gap_days=c.max_gap_days)


def build_digest(config: Config, articles: Sequence[Article], now: datetime) -> Digest:
    """Select, cluster, summarize and rank: the issue that `articles` make under this config."""
    query = select.parse_query(config.digest.topic)
    chosen = select.select(articles, query, now=now, max_age_days=config.digest.max_age_days)
    clusters = clusterer.cluster(chosen, cluster_settings(config))
    stories = [summarize.summarize(c, config.summary.words, config.summary.method) for c in clusters]
    ranked = rank.rank(stories, config.digest.max_stories)
    return Digest(title=config.digest.title, topic=config.digest.topic, created=now, stories=tuple(ranked))


def render_digest(config: Config, digest: Digest) -> Rendered:
    base = config.output.base_url
    return render.render(
        digest,
        templates=templates_dir(),
        subject=config.email.subject,
        archive_url=base or None,
        unsubscribe=config.email.unsubscribe or None,
    )


def issue_id(config: Config, digest: Digest) -> str:
    return f"{config.digest.title}/{digest.created.date().isoformat()}"


def email_for(config: Config, digest: Digest, rendered: Rendered, recipient: str) -> EmailMessage:
    return deliver.build_message(
        rendered,
        sender=config.email.sender,
        recipient=recipient,
        issue=issue_id(config, digest),
        date=digest.created,
        list_id=f"{_slug(config.digest.title)}.{config.email.sender.rpartition('@')[2]}",
        unsubscribe=config.email.unsubscribe or None,
    )


@dataclass(frozen=True)
class Preview:
    digest: Digest
    paths: tuple[Path, ...]
    gathered: Gathered


def preview(config: Config, now: datetime | None = None) -> Preview:
    """Run the pipeline without sending or recording anything; write out/preview.{html,txt,eml}."""
    now = now or datetime.now(UTC)
    gathered = gather(config.sources)
    digest = build_digest(config, gathered.articles, now)
    rendered = render_digest(config, digest)
    recipient = config.email.to[0] if config.email.to else "reader@localhost"
    out = config.output.dir
    out.mkdir(parents=True, exist_ok=True)
    paths = (out / "preview.html", out / "preview.txt", out / "preview.eml")
    paths[0].write_text(rendered.html, encoding="utf-8")
    paths[1].write_text(rendered.text, encoding="utf-8")
    deliver.write_message(email_for(config, digest, rendered, recipient), paths[2])
    return Preview(digest=digest, paths=paths, gathered=gathered)


def read_articles(locations: Sequence[str]) -> Gathered:
    """Articles from feed URLs, feed files or folders given on the command line."""
    return gather(Source(location=location) for location in locations)


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
    articles = []
    for number, value in read_jsonl(lines, name):
        try:
            articles.append(Article.from_dict(value))
        except ValueError as exc:
            raise InputError(f"{name}:{number}: {exc}", 'each line needs at least "id" and "text"') from None
    return articles


def clusters_from_jsonl(lines: Iterable[str], name: str) -> list[Cluster]:
    clusters = []
    for number, value in read_jsonl(lines, name):
        try:
            clusters.append(Cluster.from_dict(value))
        except ValueError as exc:
            raise InputError(f"{name}:{number}: {exc}", 'each line needs "id" and "articles": [...]') from None
    return clusters


def cluster_articles(articles: Sequence[Article], settings: clusterer.Settings) -> list[Cluster]:
    return clusterer.cluster(articles, settings)


def summarize_clusters(clusters: Sequence[Cluster], words: int, method: str) -> list[Story]:
    return [summarize.summarize(c, words, method) for c in clusters]


def _slug(value: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in value.lower()).strip("-") or "digest"
