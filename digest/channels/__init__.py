"""Channels: how an issue reaches a recipient. Email is one channel, webhooks another.

The send workflow (digest/send.py) knows nothing of SMTP or HTTP: for each delivery it asks the delivery's
channel for a session once (`open`), then hands it each issue and recipient (`deliver`). A channel says
how each delivery is named for good (`key`: the email's Message-ID, the webhook's Idempotency-Key), so a
delivery interrupted mid-transaction is retried under the same name and the receiver can drop the repeat.

    Channel.open() -> Session        raises ChannelDown: nothing of this channel can go out this run
    Session.deliver(issue, recipient, key) -> Outcome
                                     raises ChannelDown when the connection is lost for good mid-run
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from digest.errors import ChannelDown
from digest.models import Issue

__all__ = ["Channel", "ChannelDown", "Outcome", "Session", "retry_delays"]


def retry_delays(retries: int, backoff: float) -> tuple[float, ...]:
    """`retries` waits, the first `backoff` seconds and each next one twice as long (every channel's rule)."""
    return tuple(backoff * 2**attempt for attempt in range(retries))


@dataclass(frozen=True)
class Outcome:
    """How one delivery ended: sent, rejected (final: the receiver refused it) or failed (try again next run)."""

    status: str
    error: str | None = None


class Session(Protocol):
    def deliver(self, issue: Issue, recipient: str, key: str) -> Outcome: ...

    def close(self) -> None: ...


class Channel(Protocol):
    @property
    def name(self) -> str:
        """Stored with each delivery: "email" or "webhook"."""
        ...

    def key(self, issue: Issue, recipient: str) -> str:
        """The delivery's lasting name, the same on every attempt."""
        ...

    def open(self) -> Session: ...
