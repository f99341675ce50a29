"""The confirmation email: one short message with the signed link, sent over the email channel's own SMTP
connection (the same host, security, login and CA settings as the digest itself), in the digest's locale and
saying so in Content-Language."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

from digest import i18n
from digest.channels.email import YagmailConnection, domain
from digest.config import EmailSettings

log = logging.getLogger("digest.site")


def confirmation(
    settings: EmailSettings, title: str, address: str, link: str, hours: float, t: i18n.Texts
) -> EmailMessage:
    """The message with the confirmation `link`, in the words of `t` (the digest's locale)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.sender
    message["To"] = address
    message["Subject"] = t.gettext("Confirm your subscription to %(title)s") % {"title": title}
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=domain(settings))
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    asked = t.gettext("Someone, hopefully you, asked to get %(title)s at this address.") % {"title": title}
    # Translators: %(hours)s is a span of hours as your language writes it ("48 Stunden").
    within = t.gettext("To confirm, open this link within %(hours)s:") % {"hours": t.hours(hours)}
    ignore = t.gettext("If it was not you, ignore this message: nothing will be sent to you.")
    message.set_content(f"{asked}\n\n{within}\n\n{link}\n\n{ignore}\n", charset="utf-8")
    message["Content-Language"] = t.language  # after set_content, which clears every Content-* header
    return message


def send(settings: EmailSettings, message: EmailMessage) -> bool:
    """Send one message now; a failure is logged, not raised (the reader was answered already)."""
    connection = YagmailConnection(settings)
    recipient = str(message["To"])
    try:
        connection.open()
        connection.send(parseaddr(settings.sender)[1] or settings.sender, recipient, message.as_bytes())
        return True
    except Exception as error:  # a background task has nobody to raise to: the log says it
        log.error("confirmation email to %s not sent: %s", recipient, error)
        return False
    finally:
        connection.close()
