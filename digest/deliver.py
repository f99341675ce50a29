"""Delivery: the email message (standard library MIME) and writing it out.

yagmail builds messages unfit for HTML digests (a <br> per newline, the HTML source as its text part), so
the message is built here with EmailMessage: multipart/alternative, the text part first, HTML second.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from digest.models import Rendered

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def header_safe(value: str) -> str:
    """One line: CR, LF and other control characters become spaces (no header injection)."""
    return " ".join(_CONTROL.sub(" ", value).split())


def message_id(issue: str, recipient: str, domain: str) -> str:
    """Deterministic per issue and recipient, so a re-send after a crash carries the same id."""
    token = hashlib.sha256(f"{issue}\n{recipient}".encode()).hexdigest()[:24]
    return f"<{token}@{domain}>"


def build_message(
    rendered: Rendered,
    *,
    sender: str,
    recipient: str,
    issue: str,
    date: datetime,
    list_id: str | None = None,
    unsubscribe: str | None = None,
) -> EmailMessage:
    """A complete multipart/alternative message for one recipient."""
    message = EmailMessage(policy=SMTP)
    message["From"] = header_safe(sender)
    message["To"] = header_safe(recipient)
    message["Subject"] = header_safe(rendered.subject)
    message["Date"] = format_datetime(date)
    domain = sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = message_id(issue, recipient, domain)
    if list_id:
        message["List-Id"] = f"<{header_safe(list_id)}>"
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{header_safe(unsubscribe)}>"
        if unsubscribe.startswith("https://"):
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return message


def write_message(message: EmailMessage, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(message.as_bytes())
