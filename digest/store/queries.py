"""Every query of the state, in SQLAlchemy Core against digest/store/schema.py: the same statements on SQLite
and PostgreSQL (dialect-specific inserts only where "insert unless there" needs them).

Deliveries are claimed before they are made: a sender takes a batch of deliveries still to make (`claim`, with
FOR UPDATE SKIP LOCKED on PostgreSQL, so concurrent senders take disjoint batches), marks each `sending`
before its transaction and its outcome after, and renews its lease while it works. A delivery whose sender
went quiet past its lease may be claimed by another sender; one that failed in an earlier run is tried again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, and_, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from digest.config import StateSettings
from digest.models import Article, Delivery, FeedHealth, HttpCache, Issue, Story, iso, parse_iso
from digest.store import locks, schema
from digest.store.engine import guarded, open_engine
from digest.store.schema import articles, deliveries, feeds, issue_articles, issues, pages, subscribers

_HELD = ("claimed", "sending")
SUBSCRIBER_STATUSES = ("pending", "confirmed", "unsubscribed")
_FAR_FUTURE = "9999-12-31T00:00:00Z"


@dataclass(frozen=True)
class Subscriber:
    """One reader of one digest, as the site and `digest subscribers` see them."""

    digest: str
    address: str
    status: str
    created: datetime
    updated: datetime


class Store:
    """An open state. Use as a context manager, or call close(). Safe to share between threads."""

    def __init__(self, state: StateSettings | Path) -> None:
        self.settings = state if isinstance(state, StateSettings) else StateSettings(state)
        self.path = self.settings.path
        self.engine = open_engine(self.settings)
        self.postgres = self.engine.dialect.name == "postgresql"
        # SQLite writes one transaction at a time anyway; a lock makes threads queue here instead of retrying
        # on a busy database (and guards the single connection of an in-memory state).
        self._serial: AbstractContextManager[Any] = nullcontext() if self.postgres else threading.Lock()

    @classmethod
    def in_memory(cls) -> Store:
        """An empty state that lives and dies with the process (a dry run before any real one)."""
        return cls(Path(":memory:"))

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """One transaction, committed when the block ends; database errors become StateError."""
        with self._serial, guarded(self.settings), self.engine.begin() as connection:
            yield connection

    @property
    def schema_version(self) -> int:
        with self._begin() as db:
            return schema.version(db)

    def digest_lock(self, digest: str) -> AbstractContextManager[None]:
        """Held while a run decides which issue of `digest` to send; see digest/store/locks.py."""
        return locks.digest_lock(self.engine, self.settings, digest)

    @property
    def exclusive(self) -> bool:
        """Whether this process is the state's only sender (a SQLite file under its run lock)."""
        return not self.postgres

    def _insert(self, table: Any) -> Any:
        """INSERT that can say ON CONFLICT, in this database's dialect."""
        return (postgresql.insert if self.postgres else sqlite.insert)(table)

    # -- feeds ------------------------------------------------------------------------------------------

    def http_cache(self, location: str) -> HttpCache:
        with self._begin() as db:
            row = db.execute(select(feeds.c.etag, feeds.c.last_modified).where(feeds.c.location == location)).first()
        return HttpCache(row.etag, row.last_modified) if row else HttpCache()

    def record_feed(self, health: FeedHealth, cache: HttpCache | None = None) -> None:
        """Store the outcome of one fetch; the HTTP cache is replaced only when a new one is given."""
        values: dict[str, Any] = {
            "status": health.status,
            "error": health.error,
            "hint": health.hint,
            "failures": health.failures,
            "last_attempt": iso(health.last_attempt),
            "last_success": func.coalesce(iso(health.last_success), feeds.c.last_success),
            "items": health.items,
            "latest_item": func.coalesce(iso(health.latest_item), feeds.c.latest_item),
            "redirect": health.redirect,
            "disabled": int(health.disabled),
        }
        if cache is not None:
            values |= {"etag": cache.etag, "last_modified": cache.last_modified}
        new = {"location": health.location, "status": "new", "failures": 0, "items": 0, "disabled": 0}
        with self._begin() as db:
            db.execute(self._insert(feeds).values(new).on_conflict_do_nothing())
            db.execute(update(feeds).where(feeds.c.location == health.location).values(values))

    def feed_health(self, location: str) -> FeedHealth | None:
        with self._begin() as db:
            row = db.execute(select(feeds).where(feeds.c.location == location)).first()
        return _health(row) if row else None

    # -- articles ---------------------------------------------------------------------------------------

    def save_articles(self, found: Iterable[Article], seen: datetime) -> int:
        """Insert new articles (an article keeps its first sighting); returns how many were new."""
        rows = [
            {
                "id": a.id,
                "url": a.url,
                "outlet": a.outlet,
                "title": a.title,
                "text": a.text,
                "published": iso(a.published),
                "first_seen": iso(seen),
                "language": a.language,
            }
            for a in found
        ]
        if not rows:
            return 0
        with self._begin() as db:
            ids = [row["id"] for row in rows]
            known = set(db.execute(select(articles.c.id).where(articles.c.id.in_(ids))).scalars())
            db.execute(self._insert(articles).on_conflict_do_nothing(), rows)
        return len({row["id"] for row in rows} - known)

    def has_article_url(self, url: str) -> bool:
        with self._begin() as db:
            return db.execute(select(articles.c.id).where(articles.c.url == url).limit(1)).first() is not None

    def page_texts(self, urls: Iterable[str]) -> dict[str, str]:
        """Main text already extracted from these article pages (the full-text cache)."""
        wanted = list(urls)
        with self._begin() as db:
            rows = db.execute(select(pages.c.url, pages.c.text).where(pages.c.url.in_(wanted))).all()
        return {row.url: str(row.text) for row in rows}

    def save_page_texts(self, texts: Mapping[str, str]) -> None:
        if not texts:
            return
        insert = self._insert(pages)
        upsert = insert.on_conflict_do_update(
            index_elements=[pages.c.url], set_={"text": insert.excluded.text, "fetched": insert.excluded.fetched}
        )
        fetched = iso(_now())
        with self._begin() as db:
            db.execute(upsert, [{"url": url, "text": body, "fetched": fetched} for url, body in texts.items()])

    def articles_since(self, since: datetime) -> list[Article]:
        """Articles first seen at or after `since`, oldest first."""
        query = (
            select(articles).where(articles.c.first_seen >= iso(since)).order_by(articles.c.first_seen, articles.c.id)
        )
        with self._begin() as db:
            return [_article(row) for row in db.execute(query)]

    # -- issues -----------------------------------------------------------------------------------------

    def save_issue(self, issue: Issue, members: Mapping[str, Sequence[str]], planned: Sequence[Delivery]) -> bool:
        """Record a new issue, its articles per story and its deliveries (pending); False if the id was taken.

        An issue already there (a resumed run, or one another process saved first) is left as it is.
        """
        stories = json.dumps([s.to_record() for s in issue.stories], ensure_ascii=False)
        row = {
            "id": issue.id,
            "digest": issue.digest,
            "title": issue.title,
            "created": iso(issue.created),
            "subject": issue.subject,
            "html": issue.html,
            "text": issue.text,
            "stories": stories,
        }
        links = [{"issue": issue.id, "article": a, "story": story} for story, ids in members.items() for a in ids]
        todo = [
            {
                "issue": issue.id,
                "channel": d.channel,
                "recipient": d.recipient,
                "key": d.key,
                "status": "pending",
                "attempts": 0,
                "updated": iso(issue.created),
            }
            for d in planned
        ]
        with self._begin() as db:
            if db.execute(select(issues.c.id).where(issues.c.id == issue.id)).first():
                return False
            db.execute(issues.insert().values(row))
            if links:
                db.execute(self._insert(issue_articles).on_conflict_do_nothing(), links)
            if todo:
                db.execute(self._insert(deliveries).on_conflict_do_nothing(), todo)
        return True

    def issue(self, ident: str) -> Issue | None:
        with self._begin() as db:
            row = db.execute(select(issues).where(issues.c.id == ident)).first()
        return _issue(row) if row else None

    def issue_ids(self, digest: str) -> list[str]:
        with self._begin() as db:
            return list(db.execute(select(issues.c.id).where(issues.c.digest == digest)).scalars())

    def sent_issues(self, digest: str, limit: int | None = None) -> list[Issue]:
        """Issues of a digest that reached at least one recipient, newest first."""
        query = (
            select(issues)
            .where(issues.c.digest == digest, _reached())
            .order_by(issues.c.created.desc(), issues.c.id.desc())
            .limit(limit)
        )
        with self._begin() as db:
            return [_issue(row) for row in db.execute(query)]

    def unfinished_issues(self, digest: str, max_attempts: int) -> list[Issue]:
        """Issues with deliveries still to make: pending, held by a sender, interrupted while sending, or failed
        for now in fewer than `max_attempts` runs."""
        status = deliveries.c.status
        retry = and_(status == "failed", deliveries.c.attempts < max_attempts)
        todo = exists().where(deliveries.c.issue == issues.c.id, or_(status.in_(("pending", *_HELD)), retry))
        query = select(issues).where(issues.c.digest == digest, todo).order_by(issues.c.created, issues.c.id)
        with self._begin() as db:
            return [_issue(row) for row in db.execute(query)]

    def last_sent(self, digest: str) -> datetime | None:
        newest = self.sent_issues(digest, limit=1)
        return newest[0].created if newest else None

    def sent_articles(self, digest: str) -> frozenset[str]:
        """Articles already in an issue of this digest that reached someone."""
        query = (
            select(issue_articles.c.article)
            .distinct()
            .join(issues, issues.c.id == issue_articles.c.issue)
            .where(issues.c.digest == digest, _reached())
        )
        with self._begin() as db:
            return frozenset(db.execute(query).scalars())

    # -- deliveries -------------------------------------------------------------------------------------

    def deliveries(self, issue: str) -> list[Delivery]:
        query = (
            select(deliveries).where(deliveries.c.issue == issue).order_by(deliveries.c.channel, deliveries.c.recipient)
        )
        with self._begin() as db:
            return [_delivery(row) for row in db.execute(query)]

    def to_do(self, issue: str, channel: str, since: datetime, max_attempts: int) -> int:
        """How many deliveries of the issue over the channel are still to make by a run that began at `since`."""
        claimable = self._claimable(issue, channel, "", since, _FAR_FUTURE, max_attempts)
        query = select(func.count()).select_from(deliveries).where(*claimable)
        with self._begin() as db:
            return int(db.execute(query).scalar_one())

    def claim(
        self,
        issue: str,
        channel: str,
        owner: str,
        limit: int,
        since: datetime,
        now: datetime,
        lease: float,
        max_attempts: int,
    ) -> list[Delivery]:
        """Take up to `limit` deliveries still to make for `owner`, held until now + lease unless renewed.

        Still to make: pending; held by another sender whose lease ran out (on a SQLite file, by any other
        sender: it is dead, the run lock says so); failed before `since` (this run's start: what failed in
        this run waits for the next), in fewer than `max_attempts` runs.
        """
        expired = _FAR_FUTURE if self.exclusive else iso(now)
        assert expired is not None
        until = iso(_plus(now, lease))
        recipients: list[str] = []
        with self._begin() as db:
            # One kind at a time, so each is an index range in recipient order (an OR of the three would scan
            # the issue's every delivery, 15 ms a claim at 10,000 recipients).
            for kind in self._claimable_kinds(owner, since, expired, max_attempts):
                if len(recipients) >= limit:
                    break
                pick = (
                    select(deliveries.c.recipient)
                    .where(deliveries.c.issue == issue, deliveries.c.channel == channel, kind)
                    .order_by(deliveries.c.recipient)
                    .limit(limit - len(recipients))
                    .with_for_update(skip_locked=True)
                )
                recipients += db.execute(pick).scalars()
            if not recipients:
                return []
            mine = and_(deliveries.c.issue == issue, deliveries.c.recipient.in_(recipients))
            db.execute(update(deliveries).where(mine).values(status="claimed", owner=owner, lease=until))
            rows = db.execute(select(deliveries).where(mine).order_by(deliveries.c.recipient)).all()
        return [_delivery(row) for row in rows]

    def _claimable(
        self, issue: str, channel: str, owner: str, since: datetime, expired: str, max_attempts: int
    ) -> tuple[Any, ...]:
        kinds = self._claimable_kinds(owner, since, expired, max_attempts)
        return (deliveries.c.issue == issue, deliveries.c.channel == channel, or_(*kinds))

    @staticmethod
    def _claimable_kinds(owner: str, since: datetime, expired: str, max_attempts: int) -> tuple[Any, ...]:
        """Pending; held by another sender past its lease; failed before this run began, in too few runs yet."""
        status, lease, holder = deliveries.c.status, deliveries.c.lease, deliveries.c.owner
        return (
            status == "pending",
            and_(
                status.in_(_HELD),
                or_(holder.is_(None), holder != owner),  # never our own: they are in our queue or in flight
                or_(lease.is_(None), lease < expired),
            ),
            and_(status == "failed", deliveries.c.updated < iso(since), deliveries.c.attempts < max_attempts),
        )

    def held_elsewhere(self, issue: str, channel: str, owner: str, now: datetime) -> datetime | None:
        """When the first live claim of another sender on this issue's channel runs out (None: there is none)."""
        if self.exclusive:
            return None
        query = select(func.min(deliveries.c.lease)).where(
            deliveries.c.issue == issue,
            deliveries.c.channel == channel,
            deliveries.c.status.in_(_HELD),
            deliveries.c.owner != owner,
            deliveries.c.lease >= iso(now),
        )
        with self._begin() as db:
            return parse_iso(db.execute(query).scalar_one())

    def mark_delivery(
        self,
        issue: str,
        recipient: str,
        status: str,
        when: datetime,
        error: str | None = None,
        owner: str | None = None,
        again: bool = False,
    ) -> bool:
        """Move one delivery on; `sending` is written before the transaction (SMTP, HTTP), the outcome after it.

        `sending` counts an attempt (a run that tried it) unless it is `again` in the same run. With `owner`,
        only while that sender holds it (False: its lease ran out and another sender took it).
        """
        ours = [deliveries.c.issue == issue, deliveries.c.recipient == recipient]
        if owner is not None:
            ours += [deliveries.c.owner == owner, deliveries.c.status.in_(_HELD)]
        attempts = deliveries.c.attempts + (1 if status == "sending" and not again else 0)
        change = (
            update(deliveries).where(*ours).values(status=status, error=error, updated=iso(when), attempts=attempts)
        )
        with self._begin() as db:
            return bool(db.execute(change).rowcount)

    def mark_many(self, issue: str, recipients: Sequence[str], status: str, when: datetime, error: str) -> None:
        """Give many deliveries one outcome at once (a channel down: every one left fails alike)."""
        if not recipients:
            return
        which = and_(deliveries.c.issue == issue, deliveries.c.recipient.in_(list(recipients)))
        with self._begin() as db:
            db.execute(update(deliveries).where(which).values(status=status, error=error, updated=iso(when)))

    def renew(self, issue: str, owner: str, now: datetime, lease: float) -> None:
        """Extend the owner's claims on the issue: it is alive and working through them."""
        held = and_(deliveries.c.issue == issue, deliveries.c.owner == owner, deliveries.c.status.in_(_HELD))
        with self._begin() as db:
            db.execute(update(deliveries).where(held).values(lease=iso(_plus(now, lease))))

    # -- subscribers (#17) ------------------------------------------------------------------------------

    def subscriber(self, digest: str, address: str) -> Subscriber | None:
        where = and_(subscribers.c.digest == digest, subscribers.c.address == address)
        with self._begin() as db:
            row = db.execute(select(subscribers).where(where)).first()
        return _subscriber(row) if row else None

    def subscribers(self, digest: str | None = None, status: str | None = None) -> list[Subscriber]:
        """Subscribers of one digest (or all), optionally of one status, by digest and address."""
        query = select(subscribers).order_by(subscribers.c.digest, subscribers.c.address)
        if digest is not None:
            query = query.where(subscribers.c.digest == digest)
        if status is not None:
            query = query.where(subscribers.c.status == status)
        with self._begin() as db:
            return [_subscriber(row) for row in db.execute(query)]

    def set_subscriber(
        self, digest: str, address: str, status: str, when: datetime, *, only: str | None = None
    ) -> bool:
        """Give the address this status (creating its row); with `only`, only a row in that status changes (or
        none there yet). True when the row now has `status` because of this call."""
        assert status in SUBSCRIBER_STATUSES, status
        where = and_(subscribers.c.digest == digest, subscribers.c.address == address)
        if only is not None:
            where = and_(where, subscribers.c.status == only)
        new = {"digest": digest, "address": address, "status": status, "created": iso(when), "updated": iso(when)}
        with self._begin() as db:
            # RETURNING says whether the row was new (an INSERT's rowcount is not reliable on PostgreSQL's driver).
            insert = self._insert(subscribers).values(new).on_conflict_do_nothing().returning(subscribers.c.address)
            if db.execute(insert).first() is not None:
                return True
            changed = db.execute(update(subscribers).where(where).values(status=status, updated=iso(when)))
            return bool(changed.rowcount)


def _subscriber(row: Row[Any]) -> Subscriber:
    created = parse_iso(row.created) or datetime.min
    return Subscriber(row.digest, row.address, row.status, created, parse_iso(row.updated) or created)


def _reached() -> Any:
    return exists().where(deliveries.c.issue == issues.c.id, deliveries.c.status == "sent")


def _now() -> datetime:
    return datetime.now(UTC)


def _plus(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)


def _issue(row: Row[Any]) -> Issue:
    return Issue(
        id=row.id,
        digest=row.digest,
        title=row.title,
        created=parse_iso(row.created) or datetime.min,
        subject=row.subject,
        html=row.html,
        text=row.text,
        stories=tuple(Story.from_record(s) for s in json.loads(row.stories)),
    )


def _article(row: Row[Any]) -> Article:
    return Article(
        id=row.id,
        text=row.text,
        url=row.url,
        outlet=row.outlet,
        title=row.title,
        published=parse_iso(row.published),
        language=row.language,
    )


def _health(row: Row[Any]) -> FeedHealth:
    return FeedHealth(
        location=row.location,
        status=row.status,
        last_attempt=parse_iso(row.last_attempt),
        last_success=parse_iso(row.last_success),
        failures=row.failures,
        items=row.items,
        latest_item=parse_iso(row.latest_item),
        error=row.error,
        hint=row.hint,
        redirect=row.redirect,
        disabled=bool(row.disabled),
    )


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        issue=row.issue,
        channel=row.channel,
        recipient=row.recipient,
        key=row.key,
        status=row.status,
        attempts=row.attempts,
        error=row.error,
    )
