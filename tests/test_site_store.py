"""The subscribers' side of the state (#17), on SQLite and on PostgreSQL: statuses, who gets an issue, and the
operator's commands (`digest subscribers list|add|remove|export`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import use_state, write_config

from digest import cli, config
from digest.config import StateSettings
from digest.site import subscribe
from digest.site.addresses import normalize
from digest.site.tokens import BadToken, Signer
from digest.store import Store

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
SIGNER = Signer("a-test-secret-of-enough-length", 3600)


def test_sign_up_confirm_and_unsubscribe_move_one_row(state: StateSettings) -> None:
    with Store(state) as store:
        token = subscribe.sign_up(store, SIGNER, "ai", "r@example.org", NOW)
        assert token is not None
        assert [(s.address, s.status) for s in store.subscribers("ai")] == [("r@example.org", "pending")]
        again = subscribe.sign_up(store, SIGNER, "ai", "r@example.org", NOW + timedelta(minutes=1))
        assert again is not None and store.subscriber("ai", "r@example.org").status == "pending"  # type: ignore[union-attr]
        assert subscribe.confirm(store, SIGNER, token, NOW + timedelta(minutes=2)) == ("ai", "r@example.org")
        confirmed = store.subscriber("ai", "r@example.org")
        assert confirmed is not None and confirmed.status == "confirmed"
        assert confirmed.created == NOW and confirmed.updated == NOW + timedelta(minutes=2)
        assert subscribe.sign_up(store, SIGNER, "ai", "r@example.org", NOW) is None, "known: nothing to send"
        subscribe.unsubscribe(store, SIGNER, SIGNER.unsubscribe("ai", "r@example.org"), NOW + timedelta(hours=1))
        assert store.subscriber("ai", "r@example.org").status == "unsubscribed"  # type: ignore[union-attr]
        # A stranger signing the address up again cannot undo the reader's choice; only confirming can.
        assert subscribe.sign_up(store, SIGNER, "ai", "r@example.org", NOW) is not None
        assert store.subscriber("ai", "r@example.org").status == "unsubscribed"  # type: ignore[union-attr]
        assert store.subscribers("other") == []


def test_a_bad_token_changes_nothing(state: StateSettings) -> None:
    with Store(state) as store:
        store.set_subscriber("ai", "r@example.org", "confirmed", NOW)
        forged = Signer("another-secret-of-enough-length", 3600).unsubscribe("ai", "r@example.org")
        for bad in (forged, SIGNER.confirm("ai", "r@example.org"), "x.y"):
            with pytest.raises(BadToken):
                subscribe.unsubscribe(store, SIGNER, bad, NOW)
        assert store.subscriber("ai", "r@example.org").status == "confirmed"  # type: ignore[union-attr]


def test_recipients_are_to_and_confirmed_less_unsubscribed_each_once(state: StateSettings) -> None:
    with Store(state) as store:
        store.set_subscriber("ai", "new@example.org", "confirmed", NOW)
        store.set_subscriber("ai", "wait@example.org", "pending", NOW)
        store.set_subscriber("ai", "left@example.org", "unsubscribed", NOW)
        store.set_subscriber("ai", "owner@example.org", "confirmed", NOW)
        store.set_subscriber("other", "elsewhere@example.org", "confirmed", NOW)
        to = ["Owner@Example.org", "Left@example.org", "b@example.org"]
        assert subscribe.recipients(store, "ai", to) == ["Owner@Example.org", "b@example.org", "new@example.org"]


def test_addresses_are_validated_and_normalized() -> None:
    assert normalize("  Reader@Example.ORG ") == "reader@example.org"
    assert normalize("user@bücher.example") == "user@bücher.example"
    for bad in ("", "no-at-sign", "a@b", "two@@example.org", "a@example.org\nBcc: x@example.org", "x" * 250 + "@e.org"):
        assert normalize(bad) is None, bad


def test_the_operator_commands(state: StateSettings, tmp_path: Path) -> None:
    path = use_state(write_config(tmp_path), state)
    runner = CliRunner()

    def call(*args: str) -> str:
        result = runner.invoke(cli.main, [*args, "--config", str(path)])
        assert result.exit_code == 0, result.output
        return result.output

    assert "subscribed reader@example.org to ai" in call("subscribers", "add", "Reader@Example.org")
    assert "unsubscribed a@example.org from ai (it was not subscribed)" in call(
        "subscribers", "remove", "a@example.org"
    )
    listing = call("subscribers", "list")
    assert "reader@example.org" in listing and "confirmed" in listing and "unsubscribed" in listing
    lines = call("subscribers", "export").splitlines()
    assert lines[0] == "digest,address,status,created,updated"
    assert sorted(line.split(",")[1:3] for line in lines[1:]) == [
        ["a@example.org", "unsubscribed"],
        ["reader@example.org", "confirmed"],
    ]
    bad = runner.invoke(cli.main, ["subscribers", "add", "not an address", "--config", str(path)])
    assert bad.exit_code == 1 and bad.output.startswith("error: 'not an address' is not an email address")
    with Store(config.load(path).state) as store:
        assert subscribe.recipients(store, "ai", config.load(path).digest.to) == [
            "b@example.org",
            "c@example.org",
            "reader@example.org",
        ]
