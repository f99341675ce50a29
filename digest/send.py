"""Exactly-once sending: an issue's deliveries are recorded, then made, each recorded before and after.

An issue is saved with one pending delivery per recipient and channel before anything is sent. Each delivery
is marked `sending` before its transaction (SMTP, HTTP POST) and its outcome after, so a run killed halfway
is finished by the next without repeating what a receiver accepted: a delivery caught in `sending` is made
again under the same key (Message-ID, Idempotency-Key), which lets the receiver drop the repeat.

A channel that cannot be reached (ChannelDown, or any DeliveryError on opening it) costs one attempt with its
retries, not one per recipient: every delivery still to make over it is marked failed with that one reason
and waits for the next run. Channels are independent: a dead webhook never keeps email from going out.

A failed delivery is tried again in later runs, in at most MAX_ATTEMPTS runs. An issue holds back the next one
only while it was interrupted (deliveries pending or caught sending) or has reached nobody yet (the server was
down): then the next run finishes it first, so nobody gets two issues at once. An issue that reached someone
never holds back the next: a recipient whose server is down misses nothing that others get.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from digest.channels import Channel, Session
from digest.errors import ChannelDown, DeliveryError
from digest.models import Delivery, Issue
from digest.store import Store
from digest.text import count

MAX_ATTEMPTS = 5  # runs in which one delivery is tried before it is left as failed for good
_INTERRUPTED = ("pending", "sending")


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
    """Record a new issue with a pending delivery per (channel, recipient), then make them."""
    deliveries = [
        Delivery(issue.id, name, recipient, channels[name].key(issue, recipient), "pending")
        for name, recipient in recipients
    ]
    state.save_issue(issue, members, deliveries)
    return _report(state, issue, *_deliver(state, issue, channels))


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
    """Finish the deliveries of interrupted issues; the report is the last issue's, with all their recipients."""
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
    todo: dict[str, list[Delivery]] = {}
    for delivery in state.deliveries(issue.id):
        if delivery.status in _INTERRUPTED or (delivery.status == "failed" and delivery.attempts < MAX_ATTEMPTS):
            todo.setdefault(delivery.channel, []).append(delivery)
    sent: list[str] = []
    failed: list[tuple[str, str]] = []
    for name in sorted(todo, key=_channel_order):
        channel = channels.get(name)
        if channel is None:  # a channel no longer configured: its deliveries wait, they are not dropped
            failed += [(d.recipient, f"no {name} channel is configured now") for d in todo[name]]
            continue
        done, refused = _over(state, issue, channel, todo[name])
        sent += done
        failed += refused
    return tuple(sent), tuple(failed)


def _over(
    state: Store, issue: Issue, channel: Channel, todo: Sequence[Delivery]
) -> tuple[list[str], list[tuple[str, str]]]:
    sent: list[str] = []
    failed: list[tuple[str, str]] = []
    remaining = list(todo)
    session: Session | None = None
    try:
        session = channel.open()
        while remaining:
            delivery = remaining[0]
            state.mark_delivery(issue.id, delivery.recipient, "sending", _now())
            outcome = session.deliver(issue, delivery.recipient, delivery.key)
            state.mark_delivery(issue.id, delivery.recipient, outcome.status, _now(), outcome.error)
            remaining.pop(0)
            if outcome.status == "sent":
                sent.append(delivery.recipient)
            else:
                failed.append((delivery.recipient, outcome.error or outcome.status))
    except DeliveryError as down:
        unreachable = isinstance(down, ChannelDown) and down.transient
        reason = f"not sent, server unreachable: {down}" if unreachable else str(down)
        for delivery in remaining:
            state.mark_delivery(issue.id, delivery.recipient, "failed", _now(), reason)
            failed.append((delivery.recipient, reason))
    finally:
        if session is not None:
            session.close()
    return sent, failed


def _now() -> datetime:
    return datetime.now(UTC)
