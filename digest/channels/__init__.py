"""Channels: how an issue reaches a recipient. Email is one channel, webhooks another.

The send workflow (digest/send.py) knows nothing of SMTP or HTTP: for each delivery it asks the delivery's
channel for a session once (`open`), then hands it each issue and recipient (`deliver`). A channel says
how each delivery is named for good (`key`: the email's Message-ID, the webhook's Idempotency-Key), so a
delivery interrupted mid-transaction is retried under the same name and the receiver can drop the repeat.

    Channel.open() -> Session        raises ChannelDown: nothing of this channel can go out this run
    Session.deliver(issue, recipient, key) -> Outcome
                                     raises ChannelDown when the connection is lost for good mid-run

A channel also says how many sessions may work in parallel (`connections`, each in its own thread), how many
deliveries a second at most (`rate`, 0 = no limit), and how long to wait before each new attempt of a delivery
the receiver deferred (`delays`: an Outcome "deferred" is tried again after the next one, later in the run).
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
    """How one delivery ended: sent, rejected (final: the receiver refused it), failed (try again next run) or
    deferred (the receiver said "later": try again later in this run)."""

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

    @property
    def connections(self) -> int: ...

    @property
    def rate(self) -> float: ...

    @property
    def delays(self) -> tuple[float, ...]: ...

    def sleep(self, seconds: float) -> None:
        """How the channel waits (tests pass one that does not)."""
        ...

    def key(self, issue: Issue, recipient: str) -> str:
        """The delivery's lasting name, the same on every attempt."""
        ...

    def open(self) -> Session: ...
