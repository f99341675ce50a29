"""Exactly-once sending: an issue's deliveries are recorded, then made, each recorded before and after.

An issue is saved with one pending delivery per recipient and channel before anything is sent. A sender
claims deliveries in batches (digest/store: FOR UPDATE SKIP LOCKED on PostgreSQL, with a lease it renews
while it works), marks each `sending` before its transaction (SMTP, HTTP POST) and its outcome after, so a
run killed halfway is finished by the next, or by another run sending the same issue once the dead one's
lease is over, without repeating what a receiver accepted: a delivery caught in `sending` is made again under
the same key (Message-ID, Idempotency-Key), which lets the receiver drop the repeat.

Several runs share an issue: the first to save a day's issue (under the digest's lock) sends it, and a run
that finds it unfinished, or finds its own id taken when it comes to save, joins it; each claims batches
until nothing is left to claim, then waits for the batches other runs still hold, made or expired.

Within a run, a channel works over `connections` sessions in parallel (threads), at most `rate` deliveries a
second. A delivery the receiver defers (SMTP 4xx) is tried again after the channel's next delay, later in the
run, while its connection goes on with other recipients; after the last delay it fails for the next run.
A channel that cannot be reached (ChannelDown, or any DeliveryError on opening it) costs one attempt with its
retries, not one per recipient: every delivery still to make over it is marked failed with that one reason
and waits for the next run. Channels are independent: a dead webhook never keeps email from going out.

A failed delivery is tried again in later runs, in at most MAX_ATTEMPTS runs. An issue holds back the next one
only while it was interrupted (deliveries pending or caught sending) or has reached nobody yet (the server was
down): then the next run finishes it first, so nobody gets two issues at once. An issue that reached someone
never holds back the next: a recipient whose server is down misses nothing that others get.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import os
import socket
import sys
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from digest.channels import Channel, Session
from digest.errors import ChannelDown, DeliveryError
from digest.models import Delivery, Issue
from digest.store import Store
from digest.text import count

log = logging.getLogger("digest.send")

_BATCH = 20  # deliveries a process claims at a time: small enough that several processes share a list evenly
_PER_CONNECTION = 10  # one connection for each this many deliveries to make, up to the channel's `connections`
_POLL = 0.5  # seconds between looks at another sender's claims, waiting for them to be made or to expire
MAX_ATTEMPTS = 5  # runs in which one delivery is tried before it is left as failed for good
_INTERRUPTED = ("pending", "claimed", "sending")


@dataclass(frozen=True)
class RunReport:
    """What one run did for one digest: the line `digest run` and `digest schedule` log."""

    digest: str
    issue: str | None
    stories: int = 0
    articles: int = 0
    outlets: int = 0
    recipients: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """Per channel: (deliveries made, all deliveries) of the issue, this run's and earlier runs' together."""
    sent: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    note: str = ""

    def line(self) -> str:
        parts = [self._counts(), self._delivered(), self.note]
        return f"{self.digest}: " + "; ".join(p for p in parts if p) + f" ({self.seconds:.1f} s)"

    def _counts(self) -> str:
        if not self.issue:
            return ""
        things = (count(self.stories, "story"), count(self.articles, "article"), count(self.outlets, "outlet"))
        return f"issue {self.issue}: " + ", ".join(things)

    def _delivered(self) -> str:
        if not self.recipients:
            return ""
        nouns = {"email": "recipient", "webhook": "webhook"}
        shown = [f"{done}/{count(total, nouns.get(name, name))}" for name, (done, total) in self.recipients.items()]
        made = sum(done for done, _ in self.recipients.values())
        earlier = made - len(self.sent)
        this_run = f", {len(self.sent)} this run" if earlier else ""
        return "sent to " + " and ".join(shown) + this_run

    def failures(self) -> list[str]:
        """One line per reason: recipients that failed alike (a dead server) are named together."""
        by_reason: dict[str, list[str]] = {}
        for recipient, reason in self.failed:
            by_reason.setdefault(reason, []).append(recipient)
        lines = []
        for reason, recipients in by_reason.items():
            who = recipients[0] if len(recipients) == 1 else f"{count(len(recipients), 'recipient')} not sent"
            lines.append(f"{self.digest}: {who}: {reason}")
        return lines


def next_issue_id(state: Store, digest: str, timezone: str, now: datetime) -> str:
    """<digest>-<local date>, then -2, -3 ... when that day already has an issue."""
    day = now.astimezone(ZoneInfo(timezone)).date().isoformat()
    taken = set(state.issue_ids(digest))
    ident, number = f"{digest}-{day}", 1
    while ident in taken:
        number += 1
        ident = f"{digest}-{day}-{number}"
    return ident


def send_new(
    state: Store,
    issue: Issue,
    members: Mapping[str, Sequence[str]],
    recipients: Sequence[tuple[str, str]],
    channels: Mapping[str, Channel],
) -> RunReport:
    """Record a new issue with a pending delivery per (channel, recipient), then make them.

    Another run (on another machine, with a PostgreSQL state) may have started an issue of this digest while
    this one was building its own. Under the digest's lock the first to save wins; a later run joins the
    issue still being sent, or, when it is sent already, sends nothing rather than its articles a second time.
    """
    deliveries = [
        Delivery(issue.id, name, recipient, channels[name].key(issue, recipient), "pending")
        for name, recipient in recipients
    ]
    ours = {article for ids in members.values() for article in ids}
    with state.digest_lock(issue.digest):
        started = [i for i in state.unfinished_issues(issue.digest, MAX_ATTEMPTS) if holds_back(state, [i])]
        sent_meanwhile = not started and bool(state.sent_articles(issue.digest) & ours)
        saved = not started and not sent_meanwhile and state.save_issue(issue, members, deliveries)
    if saved:
        return _report(state, issue, *_deliver(state, issue, channels))
    if sent_meanwhile:
        return RunReport(issue.digest, None, note="another run sent these articles meanwhile; sent nothing")
    joined = started or [state.issue(issue.id) or issue]
    report = resume(state, joined, channels)
    return replace(report, note=f"joined {', '.join(i.id for i in joined)}, which another run started")


def holds_back(state: Store, issues: Sequence[Issue]) -> bool:
    """Whether these unfinished issues must be finished before a new one is built (see the module's docstring)."""
    for issue in issues:
        deliveries = state.deliveries(issue.id)
        if any(d.status in _INTERRUPTED for d in deliveries) or not any(d.status == "sent" for d in deliveries):
            return True
    return False


def with_retries(report: RunReport, retried: RunReport) -> RunReport:
    """A new issue's report with what the same run retried of earlier issues."""
    note = "; ".join(n for n in (report.note, f"retried {retried.note.removeprefix('resumed ')}") if n)
    return replace(report, sent=report.sent + retried.sent, failed=report.failed + retried.failed, note=note)


def resume(state: Store, issues: Sequence[Issue], channels: Mapping[str, Channel]) -> RunReport:
    """Finish the deliveries of unfinished issues (interrupted, or being sent by another run, which this run
    then helps); the report is the last issue's, with all their recipients."""
    sent: list[str] = []
    failed: list[tuple[str, str]] = []
    for issue in issues:
        done, refused = _deliver(state, issue, channels)
        sent += done
        failed += refused
    names = ", ".join(i.id for i in issues)
    report = _report(state, issues[-1], tuple(sent), tuple(failed))
    return replace(report, note=f"resumed {names}")


def _report(state: Store, issue: Issue, sent: tuple[str, ...], failed: tuple[tuple[str, str], ...]) -> RunReport:
    """The issue's own counts (stories, the articles behind them, outlets) and where its deliveries stand."""
    totals: Counter[str] = Counter()
    made: Counter[str] = Counter()
    for delivery in state.deliveries(issue.id):
        totals[delivery.channel] += 1
        made[delivery.channel] += delivery.status == "sent"
    outlets = {credit.outlet for story in issue.stories for credit in story.outlets}
    return RunReport(
        issue.digest,
        issue.id,
        stories=len(issue.stories),
        articles=sum(story.articles for story in issue.stories),
        outlets=len(outlets),
        recipients={name: (made[name], totals[name]) for name in sorted(totals, key=_channel_order)},
        sent=sent,
        failed=failed,
    )


def _channel_order(name: str) -> tuple[int, str]:
    return (0 if name == "email" else 1, name)


def _deliver(
    state: Store, issue: Issue, channels: Mapping[str, Channel]
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Make every delivery of the issue not yet made, channel by channel."""
    since = _now()
    names = {d.channel for d in state.deliveries(issue.id) if _to_make(d)}
    sent: list[str] = []
    failed: list[tuple[str, str]] = []
    for name in sorted(names, key=_channel_order):
        channel = channels.get(name)
        if channel is None:  # a channel no longer configured: its deliveries wait, they are not dropped
            waiting = [d for d in state.deliveries(issue.id) if d.channel == name and _to_make(d)]
            failed += [(d.recipient, f"no {name} channel is configured now") for d in waiting]
            continue
        done, refused = _Pass(state, issue, channel, since).run()
        sent += done
        failed += refused
    return tuple(sent), tuple(failed)


def _to_make(delivery: Delivery) -> bool:
    return delivery.status in _INTERRUPTED or (delivery.status == "failed" and delivery.attempts < MAX_ATTEMPTS)


@dataclass(order=True)
class _Deferred:
    due: float
    seq: int
    delivery: Delivery = field(compare=False)
    tries: int = field(compare=False)


class _Pass:
    """One issue over one channel in this process: claim batches, send them over the channel's connections.

    Every connection is a thread with its own session, taking the next delivery from this process's queue:
    a deferred one whose wait is over first, then the current batch, then a new batch claimed from the
    state. A deferred delivery waits in the heap, still claimed by this process, not on a connection.
    """

    def __init__(self, state: Store, issue: Issue, channel: Channel, since: datetime) -> None:
        self.state, self.issue, self.channel, self.since = state, issue, channel, since
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = state.settings.lease
        self.lock = threading.Lock()
        self.queue: deque[Delivery] = deque()
        self.deferred: list[_Deferred] = []
        self.seq = itertools.count()
        self.down: str | None = None
        self.crash: BaseException | None = None
        self.sent: list[str] = []
        self.failed: list[tuple[str, str]] = []
        self.renewed = time.monotonic()
        self.pacer = _Pacer(channel.rate, channel.sleep)

    def run(self) -> tuple[list[str], list[tuple[str, str]]]:
        todo = self.state.to_do(self.issue.id, self.channel.name, self.since, MAX_ATTEMPTS)
        held = self.state.held_elsewhere(self.issue.id, self.channel.name, self.owner, _now())
        if not todo and held is None:
            return [], []
        try:
            first = self.channel.open()  # a dead server costs this one attempt with its retries, for all
        except DeliveryError as down:
            self._fail_the_rest(_down_reason(down))
            return self.sent, self.failed
        wanted = min(self.channel.connections, max(1, math.ceil(todo / _PER_CONNECTION)))
        with _Progress(self.issue.id, self.channel.name, todo) as progress:
            self.progress = progress
            threads = [threading.Thread(target=self._work, args=(None,), daemon=True) for _ in range(wanted - 1)]
            for thread in threads:
                thread.start()
            self._work(first)
            for thread in threads:
                thread.join()
        if self.crash is not None:
            raise self.crash
        if self.down is not None:
            self._fail_the_rest(self.down)
        return self.sent, self.failed

    def _work(self, session: Session | None) -> None:
        """One connection's loop; an extra connection that cannot be opened leaves the work to the others."""
        try:
            if session is None:
                try:
                    session = self.channel.open()
                except DeliveryError as error:
                    log.warning("%s: one %s connection fewer: %s", self.issue.id, self.channel.name, error)
                    return
            while (item := self._next()) is not None:
                self._deliver(session, *item)
        except DeliveryError as down:  # the connection was lost for good: the server went away mid-run
            self.down = self.down or _down_reason(down)
        except BaseException as error:  # a database gone mid-run: stop every connection, report it once
            self.crash = self.crash or error
            self.down = self.down or "stopped"
        finally:
            if session is not None:
                session.close()

    def _next(self) -> tuple[Delivery, int] | None:
        """The next delivery to make and its earlier tries, or None when this issue's channel is done."""
        while True:
            with self.lock:
                if self.down is not None:
                    return None
                if self.deferred and self.deferred[0].due <= time.monotonic():
                    return self._pop_deferred()
                if self.queue:
                    return self.queue.popleft(), 0
                if claimed := self._claim_next():
                    return claimed
                if self.deferred:
                    wait = self.deferred[0].due - time.monotonic()
                else:
                    until = self.state.held_elsewhere(self.issue.id, self.channel.name, self.owner, _now())
                    if until is None:
                        # Another sender's lease may have run out since the claim above (it died): what it held
                        # is ours now, so claim once more before calling this channel done.
                        return self._claim_next()
                    wait = -1.0
            if wait >= 0:
                self.channel.sleep(wait)
                with self.lock:  # waited for it (a test's sleep returns at once): its turn has come
                    if self.deferred:
                        return self._pop_deferred()
            else:
                # Another sender holds deliveries of this issue: wait for it to finish them, or for its lease
                # to run out (it died) and take them over.
                time.sleep(_POLL)

    def _claim_next(self) -> tuple[Delivery, int] | None:
        """A new batch claimed from the state: its first delivery, the rest queued (None: nothing to claim)."""
        batch = self._claim(_BATCH)
        if not batch:
            return None
        self.queue.extend(batch[1:])
        return batch[0], 0

    def _claim(self, limit: int) -> list[Delivery]:
        issue, channel = self.issue.id, self.channel.name
        return self.state.claim(issue, channel, self.owner, limit, self.since, _now(), self.lease, MAX_ATTEMPTS)

    def _pop_deferred(self) -> tuple[Delivery, int]:
        item = heapq.heappop(self.deferred)
        return item.delivery, item.tries

    def _deliver(self, session: Session, delivery: Delivery, tries: int) -> None:
        """One transaction, recorded before (`sending`) and after (its outcome)."""
        state, issue = self.state, self.issue
        self._renew()
        self.pacer.wait()
        # `attempts` counts runs (MAX_ATTEMPTS): a deferred delivery's next try in the same run is not another
        if not state.mark_delivery(issue.id, delivery.recipient, "sending", _now(), owner=self.owner, again=tries > 0):
            return  # our lease ran out and another sender took it over
        try:
            outcome = session.deliver(issue, delivery.recipient, delivery.key)
        except DeliveryError as down:
            reason = _down_reason(down)
            state.mark_delivery(issue.id, delivery.recipient, "failed", _now(), reason)
            self._count(delivery.recipient, "failed", reason)
            raise
        if outcome.status == "deferred" and tries < len(self.channel.delays):
            # Still ours, not in flight: tried again after its wait, while this connection goes on.
            state.mark_delivery(issue.id, delivery.recipient, "claimed", _now(), outcome.error, owner=self.owner)
            due = time.monotonic() + self.channel.delays[tries]
            with self.lock:
                heapq.heappush(self.deferred, _Deferred(due, next(self.seq), delivery, tries + 1))
            return
        status = "failed" if outcome.status == "deferred" else outcome.status
        state.mark_delivery(issue.id, delivery.recipient, status, _now(), outcome.error)
        self._count(delivery.recipient, status, outcome.error or status)

    def _renew(self) -> None:
        """Keep this process's claims alive while it works through them (a quarter of the lease at most apart)."""
        with self.lock:
            due = time.monotonic() - self.renewed > self.lease / 4
            if due:
                self.renewed = time.monotonic()
        if due:
            self.state.renew(self.issue.id, self.owner, _now(), self.lease)

    def _count(self, recipient: str, status: str, reason: str) -> None:
        with self.lock:
            if status == "sent":
                self.sent.append(recipient)
            else:
                self.failed.append((recipient, reason))
        self.progress.advance(status == "sent")

    def _fail_the_rest(self, reason: str) -> None:
        """The channel is down: every delivery left (ours, and any still to claim) fails alike, for the next run."""
        with self.lock:
            left = [*self.queue, *(item.delivery for item in self.deferred)]
            self.queue.clear()
            self.deferred.clear()
        while True:
            names = [d.recipient for d in left]
            self.state.mark_many(self.issue.id, names, "failed", _now(), reason)
            self.failed += [(name, reason) for name in names]
            left = self._claim(500)
            if not left:
                return


def _down_reason(down: DeliveryError) -> str:
    unreachable = isinstance(down, ChannelDown) and down.transient
    return f"not sent, server unreachable: {down}" if unreachable else str(down)


class _Pacer:
    """At most `rate` deliveries a second over all connections of this process (0: no limit)."""

    def __init__(self, rate: float, sleep: Callable[[float], None]) -> None:
        self.interval = 1 / rate if rate > 0 else 0.0
        self.sleep = sleep
        self.lock = threading.Lock()
        self.slot = time.monotonic()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            start = max(self.slot, time.monotonic())
            self.slot = start + self.interval
        delay = start - time.monotonic()
        if delay > 0:
            self.sleep(delay)


class _Progress:
    """A progress bar on a terminal; otherwise one log line a minute (logger `digest.send`), for cron and CI."""

    def __init__(self, issue: str, channel: str, total: int, stream: TextIO | None = None) -> None:
        self.issue, self.channel, self.total = issue, channel, total
        self.stream = stream or sys.stderr
        self.lock = threading.Lock()
        self.done = self.sent = 0
        self.started = self.logged = time.monotonic()
        self.bar: Any = None

    def __enter__(self) -> _Progress:
        if self.stream.isatty() and self.total > _PER_CONNECTION:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            columns = (TextColumn(f"{self.channel}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            self.bar = Progress(*columns, console=Console(file=self.stream), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.issue, total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def advance(self, sent: bool) -> None:
        with self.lock:
            self.done += 1
            self.sent += sent
            now = time.monotonic()
            minute = now - self.logged >= 60
            if minute:
                self.logged = now
            done, made, rate = self.done, self.sent, self.done / max(now - self.started, 1e-9)
        if self.bar is not None:
            self.bar.update(self.task, advance=1)
        elif minute:
            log.info(
                "%s: %s %d/%d done, %d sent, %.0f a second", self.issue, self.channel, done, self.total, made, rate
            )


def _now() -> datetime:
    return datetime.now(UTC)
