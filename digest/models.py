"""The objects that flow between stages.

Stages take and return these and nothing else, so any stage can be run on its own data
(`digest cluster` reads Articles as JSON Lines, `digest summarize` reads Clusters).
This module imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class SourceKind(StrEnum):
    """What a source is. Fetch and parse dispatch on this, never on how the location is spelled."""

    FEED = "feed"  # a feed (RSS, Atom, JSON Feed) at an http(s) URL
    PAGE = "page"  # an article's web page at an http(s) URL, read for its main text (full text of a teaser)
    FILE = "file"  # a local file: a feed, or one article (.md, .txt, .html)
    FOLDER = "folder"  # a local folder of article and feed files
    SEARCH = "search"  # a news search's feed (Google News, Bing News): each item credited to its own publisher
    SITEMAP = "sitemap"  # a news sitemap at an http(s) URL: its pages, read for their main text


@dataclass(frozen=True)
class Source:
    """Where articles come from, and what kind of thing is there."""

    location: str
    kind: SourceKind
    outlet: str | None = None
    full_text: bool = False
    language: str | None = None  # a sitemap's pages in this language only (ISO 639: "en"); None: all
    # How a reader's list shows it (OPML import and export, `digest sources list`); no stage reads these.
    title: str | None = None
    category: str | None = None  # its folder, "Tech/AI"
    site: str | None = None  # the site's home page (OPML htmlUrl)

    @classmethod
    def at(cls, location: str, outlet: str | None = None, full_text: bool = False) -> Source:
        """The source a location names when nothing else says (a command-line argument): an http(s) URL is a
        feed whatever its path ends in; anything else is a local file or folder (a `file:` URL included)."""
        if is_web_url(location):
            return cls(location, SourceKind.FEED, outlet, full_text)
        kind = SourceKind.FOLDER if local_path(location).is_dir() else SourceKind.FILE
        return cls(location, kind, outlet, full_text)

    @property
    def remote(self) -> bool:
        return self.kind in _REMOTE


_REMOTE = frozenset({SourceKind.FEED, SourceKind.PAGE, SourceKind.SEARCH, SourceKind.SITEMAP})


# What a local folder's files may be: articles, or feeds (a feed file's suffix does not say which format it holds).
ARTICLE_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm"})
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".rdf", ".feed", ".json"})


def is_web_url(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


def local_path(location: str) -> Path:
    """A plain path, or a file: URL (file:///srv/feeds/a%20b.xml) as a path."""
    if location.lower().startswith("file:"):
        from urllib.request import url2pathname  # loads http.client and ssl: not for every command's start

        return Path(url2pathname(urlsplit(location).path))
    return Path(location)


@dataclass(frozen=True)
class Article:
    """One article. Only `id` and `text` are required (as in the JSON Lines format)."""

    id: str
    text: str
    url: str | None = None
    outlet: str | None = None
    title: str | None = None
    published: datetime | None = None
    # ISO 639-1 ("en", "de"): from the source's config, the feed or page, or detected; None when unknown.
    language: str | None = None

    @property
    def label(self) -> str:
        """The outlet to credit, falling back to the URL host or the id."""
        return self.outlet or host(self.url) or self.id

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "outlet": self.outlet,
            "title": self.title,
            "text": self.text,
            "published": iso(self.published),
            "language": self.language,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Build from a JSON object; raises ValueError/TypeError naming the bad field."""
        for key in ("id", "text"):
            if not isinstance(data.get(key), str):
                raise ValueError(f'field "{key}" is required and must be a string')
        for key in ("url", "outlet", "title", "published", "language"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise ValueError(f'field "{key}" must be a string or null')
        return cls(
            id=data["id"],
            text=data["text"],
            url=data.get("url"),
            outlet=data.get("outlet"),
            title=data.get("title"),
            published=parse_iso(data.get("published")),
            language=data.get("language"),
        )


@dataclass(frozen=True)
class Cluster:
    """Articles about one event. `copies` maps a copy's id to the id of the article it copies.

    `articles` is ordered originals first (earliest first); `terms` are what ties the cluster together.
    """

    id: str
    articles: tuple[Article, ...]
    copies: dict[str, str] = field(default_factory=dict)
    terms: tuple[str, ...] = ()

    def originals(self) -> tuple[Article, ...]:
        return tuple(a for a in self.articles if a.id not in self.copies)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "articles": [a.to_dict() | {"copy_of": self.copies.get(a.id)} for a in self.articles],
            "terms": list(self.terms),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cluster:
        if not isinstance(data.get("id"), str):
            raise ValueError('field "id" is required and must be a string')
        raw = data.get("articles")
        if not isinstance(raw, list) or not all(isinstance(a, dict) for a in raw):
            raise ValueError('field "articles" must be a list of article objects')
        articles = tuple(Article.from_dict(a) for a in raw)
        copies = {a["id"]: a["copy_of"] for a in raw if isinstance(a.get("copy_of"), str)}
        terms = data.get("terms") or []
        return cls(id=data["id"], articles=articles, copies=copies, terms=tuple(map(str, terms)))


@dataclass(frozen=True)
class Credit:
    """An outlet credited for a sentence or listed as coverage."""

    outlet: str
    url: str | None
    title: str | None = None
    copy_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"outlet": self.outlet, "title": self.title, "url": self.url, "copy_of": self.copy_of}


@dataclass(frozen=True)
class Sentence:
    """A summary sentence, verbatim from the article of `outlet`; `also` lists outlets carrying it too."""

    text: str
    outlet: str
    url: str | None
    also: tuple[Credit, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "outlet": self.outlet,
            "url": self.url,
            "also": [{"outlet": c.outlet, "url": c.url} for c in self.also],
        }


@dataclass(frozen=True)
class Story:
    """A summarized cluster: what the reader sees for one event."""

    id: str
    headline: str
    url: str | None
    sentences: tuple[Sentence, ...]
    outlets: tuple[Credit, ...]
    first_reported: Credit | None = None
    first_published: datetime | None = None
    articles: int = 0
    terms: tuple[str, ...] = ()
    update: bool = False
    # The article the headline is the title of: the headline links there (`url` is the first report's).
    headline_url: str | None = None
    headline_outlet: str | None = None
    # ISO 639-1 of the story's articles (the HTML carries it as `lang`); None when unknown.
    language: str | None = None

    @property
    def independent_outlets(self) -> int:
        return len({c.outlet for c in self.outlets if c.copy_of is None})

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "headline": self.headline,
            "headline_url": self.headline_url,
            "headline_outlet": self.headline_outlet,
            "sentences": [s.to_dict() for s in self.sentences],
            "outlets": [c.to_dict() for c in self.outlets],
        }

    def to_record(self) -> dict[str, Any]:
        """Everything, for the state store (to_dict is the `digest summarize` output format)."""
        first = self.first_reported.to_dict() if self.first_reported else None
        return self.to_dict() | {
            "url": self.url,
            "first_reported": first,
            "first_published": iso(self.first_published),
            "articles": self.articles,
            "terms": list(self.terms),
            "update": self.update,
            "language": self.language,
        }

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Story:
        first = data.get("first_reported")
        return cls(
            id=data["id"],
            headline=data["headline"],
            url=data.get("url"),
            sentences=tuple(
                Sentence(
                    s["text"], s["outlet"], s.get("url"), tuple(Credit(a["outlet"], a.get("url")) for a in s["also"])
                )
                for s in data["sentences"]
            ),
            outlets=tuple(Credit(**c) for c in data["outlets"]),
            first_reported=Credit(**first) if first else None,
            first_published=parse_iso(data.get("first_published")),
            articles=data.get("articles", 0),
            terms=tuple(data.get("terms", ())),
            update=bool(data.get("update", False)),
            # Records stored before headlines carried their article link to the first report's.
            headline_url=data.get("headline_url", data.get("url")),
            headline_outlet=data.get("headline_outlet"),
            language=data.get("language"),
        )


@dataclass(frozen=True)
class Digest:
    """One issue: the ranked stories of one topic at one time."""

    title: str
    topic: str
    created: datetime
    stories: tuple[Story, ...]

    @property
    def outlets(self) -> tuple[str, ...]:
        seen = dict.fromkeys(c.outlet for s in self.stories for c in s.outlets)
        return tuple(seen)


@dataclass(frozen=True)
class Rendered:
    """A digest rendered for email: subject, HTML and plain-text bodies."""

    subject: str
    html: str
    text: str


def parse_iso(value: str | None) -> datetime | None:
    """ISO 8601 -> aware UTC datetime (naive input is taken as UTC); raises ValueError."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in UTC with a Z ("2026-12-01T07:00:00Z"): the one way digest writes dates."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def host(url: str | None) -> str | None:
    """The host of a URL, lowercase, without a leading "www." (what names an outlet when nothing else does)."""
    if not url:
        return None
    try:
        name = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return None
    return name.removeprefix("www.") or None


@dataclass(frozen=True)
class Document:
    """Raw bytes fetched for a source: a feed, or one file of a folder source."""

    source: Source
    location: str
    data: bytes


@dataclass(frozen=True)
class HttpCache:
    """What a feed's last response said for conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


STALE_AFTER = timedelta(days=30)
"""A feed URL that answers but whose newest item is older than this is "stale" in `digest check`: a news feed
silent for a month has most often moved or died while its old URL keeps serving the last items. A local file
or folder is as old as its owner keeps it, and never stale."""


@dataclass(frozen=True)
class FeedHealth:
    """One source's record in the state store, as `digest check` shows it."""

    location: str
    status: str
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    failures: int = 0
    items: int = 0
    latest_item: datetime | None = None
    error: str | None = None
    hint: str | None = None
    redirect: str | None = None
    disabled: bool = False

    def stale(self, now: datetime) -> bool:
        """A feed URL read without error, but nothing in it is newer than STALE_AFTER."""
        old = self.latest_item is not None and now - self.latest_item > STALE_AFTER
        return old and self.error is None and is_web_url(self.location)


@dataclass(frozen=True)
class Delivery:
    """One recipient's copy of one issue over one channel. status: pending, claimed (by a sender, under a lease),
    sending, sent, rejected, failed.

    `key` names the delivery for good (an email's Message-ID, a webhook's Idempotency-Key): a retry reuses it.
    """

    issue: str
    channel: str
    recipient: str
    key: str
    status: str
    attempts: int = 0
    error: str | None = None


WEBHOOK_FORMATS = ("slack", "json")


@dataclass(frozen=True)
class Webhook:
    """A webhook receiver: its URL and the body it wants (one of WEBHOOK_FORMATS)."""

    url: str
    format: str = "slack"


@dataclass(frozen=True)
class Issue:
    """One built digest as stored and published: what the archive page and the feeds are made of."""

    id: str
    digest: str
    title: str
    created: datetime
    subject: str
    html: str
    text: str
    stories: tuple[Story, ...] = ()


# The summary methods: digest's own two ("centroid", the default, and "concepts": Gillick and Favre's concept
# coverage), then sumy's rankers. Config, the CLI and the summarize stage all read this one list.
SUMMARY_METHODS = ("centroid", "concepts", "lexrank", "textrank", "luhn", "lsa")


@dataclass(frozen=True)
class ClusterSettings:
    """How the cluster stage groups (config's `[cluster]` table; `digest cluster --threshold`).

    `threshold`: mean locally scaled similarity to merge: best on ECB+ dev, and mid-way in the range (0.43-0.55)
    where ../shared/seeds groups as an editor would and tests/test_cluster.py's two trials of one man stay apart.
    `copy_threshold`: share of an article's sentences found near-verbatim in an earlier one for it to be a copy.
    `max_gap_days`: articles further apart are less and less likely one event (and are never copies).
    """

    threshold: float = 0.5
    copy_threshold: float = 0.5
    max_gap_days: float = 4.0


@dataclass(frozen=True)
class FetchLimits:
    """How hard fetching may try (config's `[fetch]` table): concurrency, timeouts, size cap, retries.

    `concurrency` bounds requests in flight overall and `per_host` per origin (scheme, host, port), as browsers
    do. `deadline` bounds one source from its first byte sent to its last byte read, retries included.
    A wait (Retry-After or backoff) longer than `max_retry_wait` is not waited for: the source fails this run.
    """

    concurrency: int = 16
    per_host: int = 4
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0
    max_bytes: int = 10 * 1024 * 1024
    retries: int = 2
    backoff: float = 1.0
    max_retry_wait: float = 30.0


@dataclass(frozen=True)
class FetchResult:
    """What fetching one source gave. outcome: `ok` (documents), `not_modified` (304) or `error`.

    `cache` is the HttpCache to store for next time (None: keep the stored one); `redirect` is where a permanent
    redirect points (the source should be updated to it); `gone` means HTTP 410: disable the source.
    """

    source: Source
    outcome: str
    documents: tuple[Document, ...] = ()
    status: int | None = None
    cache: HttpCache | None = None
    redirect: str | None = None
    error: str | None = None
    hint: str | None = None
    gone: bool = False


@dataclass(frozen=True)
class Ingested:
    """One source after fetch and parse: its articles, or why there are none.

    `error`/`hint` are set when the source gave no articles (a fetch error when `fetched.outcome` is `error`,
    otherwise a parse error). `teasers` are the ids of articles whose page should be fetched for full text.
    `empty` says the source is a feed that holds no entries (yet): an error for a run, not for adding it.
    """

    fetched: FetchResult
    articles: tuple[Article, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None
    hint: str | None = None
    teasers: tuple[str, ...] = ()
    empty: bool = False

    @property
    def source(self) -> Source:
        return self.fetched.source

    @property
    def status(self) -> str:
        """ok, not_modified, gone or error: the FeedHealth status."""
        if self.fetched.gone:
            return "gone"
        if self.error:
            return "error"
        return self.fetched.outcome

    def health(self, previous: FeedHealth | None, now: datetime) -> FeedHealth:
        """The record to store for this source, carrying counts forward from the previous one."""
        failed = self.error is not None
        fresh = self.fetched.outcome == "ok" and not failed
        before_items, before_failures = (previous.items, previous.failures) if previous else (0, 0)
        dates = [a.published for a in self.articles if a.published]
        return FeedHealth(
            location=self.source.location,
            status=self.status,
            last_attempt=now,
            last_success=None if failed else now,
            failures=before_failures + 1 if failed else 0,
            items=len(self.articles) if fresh else before_items,
            latest_item=max(dates) if dates else None,
            error=self.error,
            hint=self.hint,
            redirect=self.fetched.redirect,
            disabled=self.fetched.gone,
        )
