"""Each recipient's own unsubscribe link in the email (#17): the body is encoded once and each token spliced
in; what a recipient decodes must be exactly what a message built for them alone holds, whatever the
recipient's address (a token longer than a quoted-printable line) and whatever the text (non-ASCII, long
lines), and the headers must follow RFC 8058."""

from __future__ import annotations

import email.policy
import re
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage

import pytest

from digest.channels import email as channel
from digest.config import EmailSettings
from digest.models import Issue
from digest.site import TOKEN_SLOT
from digest.site.tokens import Signer, UnsubscribeLinks

LINKS = UnsubscribeLinks(Signer("a-test-secret-of-enough-length", 3600), "https://digest.example.org/")
SETTINGS = EmailSettings(
    sender="Digest <digest@example.org>", to=(), subject="{title}", host="localhost", port=25, security="none",
    user="", password_env="X", ca_file=None, oauth2_file=None, timeout=5, unsubscribe="",
)  # fmt: skip
FOOTER = f"https://digest.example.org/unsubscribe/{TOKEN_SLOT}"


def issue(html: str, text: str) -> Issue:
    return Issue("ai-2026-11-25", "ai", "AI", datetime(2026, 11, 25, 7, tzinfo=UTC), "AI: 25 November", html, text)


def parsed(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> list[str]:
    return [part.get_content() for part in message.iter_parts()]


CASES = {
    "plain": (f'<p>Hi</p><a href="{FOOTER}">Unsubscribe</a>', f"Hi\nTo unsubscribe: {FOOTER}\n"),
    "long lines, twice": (
        "<p>" + "word " * 200 + f'<a href="{FOOTER}">x</a>' + "y" * 300 + f'<a href="{FOOTER}">again</a></p>',
        "z" * 90 + FOOTER + "\n" + FOOTER,
    ),
    "non-ASCII": (f'<p>Grüße, 東京 — “quotes”</p><a href="{FOOTER}">Abmelden</a>', f"Grüße 東京\n{FOOTER}"),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("recipient", ["r@example.org", "a.very.long.local.part.indeed." * 3 + "x@example.org"])
def test_the_spliced_message_is_the_message_built_for_the_recipient(case: str, recipient: str) -> None:
    html, text = CASES[case]
    mail = channel.IssueMail(SETTINGS, issue(html, text), LINKS)
    assert mail.slot is not None, "the slot is found whole in the encoded body"
    spliced = parsed(mail.for_recipient(recipient))
    alone = parsed(channel.issue_message(SETTINGS, issue(html, text), recipient, LINKS).as_bytes())
    assert parts(spliced) == parts(alone)
    token = LINKS.token("ai", recipient)
    assert all(TOKEN_SLOT not in p and f"/unsubscribe/{token}" in p for p in parts(spliced))
    for name in ("To", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Id"):
        assert spliced[name] == alone[name], name
    raw = mail.for_recipient(recipient)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert re.search(rb"\r\nList-Unsubscribe: <https://digest\.example\.org/unsubscribe/[\w.\-]+>,\r\n <mailto:", raw)
    for part in spliced.iter_parts():
        encoded = part.get_payload(decode=False)
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert isinstance(encoded, str) and all(len(line) <= 78 for line in encoded.splitlines())  # as Python's own


def test_the_headers_follow_rfc_8058() -> None:
    mail = channel.IssueMail(SETTINGS, issue(*CASES["plain"]), LINKS)
    message = parsed(mail.for_recipient("r@example.org"))
    found = re.fullmatch(
        r"<(https://digest\.example\.org/unsubscribe/[\w.\-]+)>, <(mailto:[^>]+)>", message["List-Unsubscribe"]
    )
    assert found, message["List-Unsubscribe"]
    assert found.group(2) == "mailto:digest@example.org?subject=unsubscribe"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    other = parsed(mail.for_recipient("s@example.org"))["List-Unsubscribe"]
    assert other != message["List-Unsubscribe"], "a token per recipient"


def test_without_the_site_the_body_is_shared_and_unchanged() -> None:
    mail = channel.IssueMail(SETTINGS, issue("<p>Hi</p>", "Hi"))
    one, two = mail.for_recipient("a@example.org"), mail.for_recipient("b@example.org")
    assert one.split(b"\r\n\r\n", 1)[1] == two.split(b"\r\n\r\n", 1)[1]
    assert "List-Unsubscribe" not in parsed(one)
