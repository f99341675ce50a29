"""The email channel: the message (standard library MIME), the SMTP connection (yagmail), retries.

yagmail builds messages unfit for HTML digests (a <br> per newline, the HTML source as its text part), so
the message is built here with EmailMessage: multipart/alternative, the text part first, HTML second.

A server that cannot be reached is tried once per run, with `email.retries`: then every delivery still to
make waits for the next run (ChannelDown), instead of each recipient paying for the same dead server. A 4xx
answer is a deferral, tried again later in the run by the send workflow; a 5xx answer is final.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Protocol

import yagmail

from digest.channels import Outcome, retry_delays
from digest.config import EmailSettings
from digest.errors import ChannelDown, DeliveryError
from digest.models import Issue, Rendered
from digest.text import one_line


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
    message["From"] = one_line(sender)
    message["To"] = one_line(recipient)
    message["Subject"] = one_line(rendered.subject)
    message["Date"] = format_datetime(date)
    domain = sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = message_id(issue, recipient, domain)
    if list_id:
        message["List-Id"] = f"<{one_line(list_id)}>"
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{one_line(unsubscribe)}>"
        if unsubscribe.startswith("https://"):
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return message


def issue_message(settings: EmailSettings, issue: Issue, recipient: str) -> EmailMessage:
    """The message of one issue for one recipient, as sent and as `digest preview` writes it."""
    return build_message(
        Rendered(subject=issue.subject, html=issue.html, text=issue.text),
        sender=settings.sender,
        recipient=recipient,
        issue=issue.id,
        date=issue.created,
        list_id=f"{issue.digest}.{domain(settings)}",
        unsubscribe=settings.unsubscribe or None,
    )


class IssueMail:
    """One issue's message, built and encoded once: each recipient's copy differs only in To and Message-ID.

    Encoding the HTML and text parts costs milliseconds a message, which over a list of thousands is the
    sender's whole CPU budget; the headers are folded again per recipient, the encoded body is shared.
    """

    def __init__(self, settings: EmailSettings, issue: Issue) -> None:
        self.settings, self.issue = settings, issue
        template = issue_message(settings, issue, _PLACEHOLDER)
        flat = template.as_bytes()  # also writes the MIME boundary into Content-Type
        self.body = flat[flat.index(b"\r\n\r\n") + 2 :]  # the blank line, then the body
        self.headers = list(template.items())

    def for_recipient(self, recipient: str) -> bytes:
        own = {"To": one_line(recipient), "Message-ID": message_id(self.issue.id, recipient, domain(self.settings))}
        head = b"".join(SMTP.fold_binary(name, own.get(name, value)) for name, value in self.headers)
        return head + self.body


_PLACEHOLDER = "recipient@invalid"


def domain(settings: EmailSettings) -> str:
    return settings.sender.rpartition("@")[2] or "localhost"


def write_message(message: EmailMessage, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(message.as_bytes())


# -- sending ----------------------------------------------------------------------------------------------


class Connection(Protocol):
    """What sending needs from an SMTP connection; tests pass fakes, `digest run` a yagmail one."""

    def open(self) -> None: ...

    def send(self, sender: str, recipient: str, data: bytes) -> None:
        """One SMTP transaction: MAIL FROM sender, RCPT TO recipient, DATA data (a whole message)."""
        ...

    def close(self) -> None: ...


class YagmailConnection:
    """yagmail for the connection only: host, port, SSL/STARTTLS with verified certificates, login or OAuth2."""

    def __init__(self, settings: EmailSettings, environ: Mapping[str, str] = os.environ) -> None:
        self.settings = settings
        self.password = _password(settings, environ) if settings.user and not settings.oauth2_file else None
        self.client: Any = None

    def open(self) -> None:
        """Connect and log in now (sending connects on demand); raises DeliveryError with a hint."""
        if self.client is not None:
            return
        try:
            self.client = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelDown(
                f"SMTP login refused by {self.settings.host}: {exc.smtp_code} {_text(exc.smtp_error)}",
                f"check email.user and ${self.settings.password_env}",
                transient=False,
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise ChannelDown(
                f"cannot connect to SMTP server {self.settings.host}:{self.settings.port}: {reason}",
                "check email.host, email.port, email.security and email.ca_file",
            ) from None

    def _connect(self) -> Any:
        settings = self.settings
        context = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
        extra: dict[str, Any] = {"timeout": settings.timeout}
        if settings.security == "ssl":
            extra["context"] = context
        client = yagmail.SMTP(
            user=settings.user or settings.sender,
            password=self.password,
            host=settings.host,
            port=settings.port,
            smtp_ssl=settings.security == "ssl",
            smtp_starttls={"context": context} if settings.security == "starttls" else False,
            smtp_skip_login=not settings.user and not settings.oauth2_file,
            oauth2_file=str(settings.oauth2_file) if settings.oauth2_file else None,
            soft_email_validation=False,
            **extra,
        )
        client.user = settings.user  # yagmail turns a login without "@" into "<login>@gmail.com"
        try:
            client.login()
        except BaseException:
            if client.smtp is not None:  # a refused login leaves the socket open
                client.smtp.close()
            raise
        return client

    def send(self, sender: str, recipient: str, data: bytes) -> None:
        if self.client is None:
            self.client = self._connect()  # connection errors go to send()'s retry loop as they are
        international = not (sender.isascii() and recipient.isascii())
        try:
            self.client.smtp.sendmail(sender, [recipient], data, mail_options=("SMTPUTF8",) if international else ())
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server closes the connection after 421: reconnect next time
                self.close()
            raise
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()  # the next attempt reconnects
            raise

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):  # closing a dead connection has nothing left to report
                self.client.smtp.quit()
            self.client = None


def _password(settings: EmailSettings, environ: Mapping[str, str]) -> str:
    """From the environment variable the config names, else the keyring; never an interactive prompt."""
    value = environ.get(settings.password_env)
    if value:
        return value
    try:
        import keyring  # optional: only when the user installed it

        stored = keyring.get_password("yagmail", settings.user)
    except Exception:  # keyring absent or without a backend: fall through to the clear error below
        stored = None
    if stored:
        return str(stored)
    raise DeliveryError(
        f"no SMTP password for {settings.user}",
        f"set the environment variable {settings.password_env} (email.password_env) or store it with keyring",
    )


def send_message(
    connection: Connection,
    sender: str,
    recipient: str,
    data: bytes,
    *,
    reconnect: Callable[[], None] | None = None,
    attempts: int = 3,
) -> Outcome:
    """Send one message: 5xx is final (rejected), 4xx is deferred (the send workflow tries it again later in
    the run, so the connection goes on with other recipients meanwhile). A lost connection is given to
    `reconnect` (which raises ChannelDown when the server is gone) before the message is tried again."""
    error = "not attempted"
    for _ in range(attempts):
        try:
            connection.send(sender, recipient, data)
            return Outcome("sent")
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            return _refused(code, reply)
        except smtplib.SMTPAuthenticationError as exc:
            return Outcome("failed", f"login refused: {exc.smtp_code} {_text(exc.smtp_error)}")
        except smtplib.SMTPResponseException as exc:
            return _refused(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if reconnect is None:
                break
            reconnect()
    return Outcome("failed", error)


def _refused(code: int, reply: bytes | str) -> Outcome:
    return Outcome("rejected" if code >= 500 else "deferred", f"{code} {_text(reply)}")


Connect = Callable[[], Connection]


class EmailChannel:
    """Email over up to `email.connections` SMTP connections, each opened with retries and reused."""

    name = "email"

    def __init__(
        self,
        settings: EmailSettings,
        *,
        connect: Connect | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.connect = connect or (lambda: YagmailConnection(settings))
        self.sleep = sleep
        self.connections = settings.connections
        self.rate = settings.rate
        self.delays = retry_delays(settings.retries, settings.backoff)
        self.envelope_sender = parseaddr(settings.sender)[1] or settings.sender
        self._mails: dict[str, IssueMail] = {}
        self._lock = threading.Lock()

    def mail(self, issue: Issue) -> IssueMail:
        """The issue's message, built once for all of this run's connections."""
        with self._lock:
            if issue.id not in self._mails:
                self._mails[issue.id] = IssueMail(self.settings, issue)
            return self._mails[issue.id]

    def key(self, issue: Issue, recipient: str) -> str:
        return message_id(issue.id, recipient, domain(self.settings))

    def open(self) -> EmailSession:
        session = EmailSession(self)
        session.reconnect()
        return session


class EmailSession:
    def __init__(self, channel: EmailChannel) -> None:
        self.channel = channel
        self.connection: Connection | None = None
        self.delays = channel.delays

    def reconnect(self) -> None:
        """(Re)open the connection, waiting out `email.retries`; ChannelDown when the server stays unreachable."""
        connection = self.connection = self.connection or self.channel.connect()
        for delay in (*self.delays, None):
            connection.close()
            try:
                connection.open()
                return
            except ChannelDown as error:
                if not error.transient or delay is None:
                    raise
            self.channel.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def deliver(self, issue: Issue, recipient: str, key: str) -> Outcome:
        connection = self.connection or self.channel.connect()
        data = self.channel.mail(issue).for_recipient(recipient)
        return send_message(connection, self.channel.envelope_sender, recipient, data, reconnect=self.reconnect)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _text(reply: bytes | str) -> str:
    return one_line(reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply)
