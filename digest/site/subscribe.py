"""Sign-up, confirmation and unsubscribing over the state store, and who gets each issue.

An address is `pending` from its first sign-up until its confirmation link is followed, then `confirmed`;
unsubscribing makes it `unsubscribed`, which also stops a `to` address of the config (the reader asked). A
sign-up never changes a row that exists: a pending address gets its link again, a confirmed one nothing, and
an unsubscribed one stays so until it confirms again, so a stranger's sign-up cannot undo anyone's choice.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from digest.models import iso
from digest.store import Store, Subscriber

if TYPE_CHECKING:  # the pipeline asks for `recipients` without loading itsdangerous
    from digest.site.tokens import Signer


def sign_up(state: Store, signer: Signer, digest: str, address: str, when: datetime | None = None) -> str | None:
    """The confirmation token to mail to `address` (normalized), or None when it is confirmed already."""
    current = state.subscriber(digest, address)
    if current is not None and current.status == "confirmed":
        return None
    if current is None:
        state.set_subscriber(digest, address, "pending", when or _now(), only="pending")
    return signer.confirm(digest, address)


def confirm(state: Store, signer: Signer, token: str, when: datetime | None = None) -> tuple[str, str]:
    """Confirm the address a confirmation token was made for; raises BadToken (forged, altered, expired)."""
    digest, address = signer.check_confirm(token)
    state.set_subscriber(digest, address, "confirmed", when or _now())
    return digest, address


def unsubscribe(state: Store, signer: Signer, token: str, when: datetime | None = None) -> tuple[str, str]:
    """Unsubscribe the recipient an unsubscribe token was made for; raises BadToken and then changes nothing."""
    digest, address = signer.check_unsubscribe(token)
    state.set_subscriber(digest, address, "unsubscribed", when or _now())
    return digest, address


def recipients(state: Store, digest: str, to: Sequence[str]) -> list[str]:
    """Who gets the next issue: the config's `to`, then confirmed subscribers, each once, less whoever
    unsubscribed (compared without case: one reader, whatever case the config spells them in)."""
    rows = state.subscribers(digest)
    left = {same(s.address) for s in rows if s.status == "unsubscribed"}
    chosen: dict[str, str] = {}
    for address in [*to, *(s.address for s in rows if s.status == "confirmed")]:
        if same(address) not in left:
            chosen.setdefault(same(address), address)
    return list(chosen.values())


# -- the operator's side: `digest subscribers list|add|remove|export` --------------------------------------


def add(state: Store, digest: str, address: str, when: datetime | None = None) -> None:
    """Confirmed at once: the operator vouches for the address (it gets no confirmation email)."""
    state.set_subscriber(digest, address, "confirmed", when or _now())


def remove(state: Store, digest: str, address: str, when: datetime | None = None) -> bool:
    """Unsubscribed, as if the reader had clicked (a `to` address of the config stops too); False when the
    address was neither subscribed nor in the store."""
    current = state.subscriber(digest, address)
    state.set_subscriber(digest, address, "unsubscribed", when or _now())
    return current is not None and current.status != "unsubscribed"


def export_csv(rows: Sequence[Subscriber]) -> str:
    """digest,address,status,created,updated: one line per row, for a spreadsheet or another list manager."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["digest", "address", "status", "created", "updated"])
    for row in rows:
        writer.writerow([row.digest, row.address, row.status, iso(row.created), iso(row.updated)])
    return out.getvalue()


def same(address: str) -> str:
    """A key to compare addresses from different places (config `to`, sign-ups): case does not tell them apart."""
    return address.strip().lower()


def _now() -> datetime:
    return datetime.now(UTC)
