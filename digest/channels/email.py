"""The email channel: the message (standard library MIME), the SMTP connection (yagmail), retries.

yagmail builds messages unfit for HTML digests (a <br> per newline, the HTML source as its text part), so
the message is built here with EmailMessage: multipart/alternative, the text part first, HTML second.

With the readers' site (#17), each recipient's copy carries its own unsubscribe link: in List-Unsubscribe
(RFC 8058 one-click, beside a mailto:) and in the footer, where the rendered issue holds a slot for it. Those
copies are built per recipient; without the site, one encoded body serves every recipient. Each message says
the language of its words in Content-Language (RFC 3282), the BCP 47 tag of the digest's locale (#15).

A server that cannot be reached is tried once per run, with `email.retries`: then every delivery still to
make waits for the next run (ChannelDown), instead of each recipient paying for the same dead server. A 4xx
answer is a deferral, tried again later in the run by the send workflow; a 5xx answer is final.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from digest import i18n
from digest.channels import Outcome, retry_delays
from digest.config import EmailSettings
from digest.errors import ChannelDown, DeliveryError
from digest.models import Issue, Rendered
from digest.text import one_line


class _MailPolicy(EmailPolicy):
    """SMTP's policy, except that List-Unsubscribe is folded only between its URIs and never turned into
    RFC 2047 encoded words: a mail provider reads the URIs as they are, and a token longer than a line would
    otherwise be encoded."""

    def fold_binary(self, name: str, value: str) -> bytes:
        text = str(value)
        if name.lower() == "list-unsubscribe" and text.isascii() and len(text) < 900:
            return f"{name}: {(',' + self.linesep + ' ').join(text.split(', '))}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


POLICY = _MailPolicy(linesep="\r\n")


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
    unsubscribe: str | Sequence[str] | None = None,
    one_click: bool = False,
    cte: str | None = None,
    language: str = i18n.DEFAULT,
) -> EmailMessage:
    """A complete multipart/alternative message for one recipient, its words in `language` (a BCP 47 tag).
    `unsubscribe` is one URI or several (List-Unsubscribe lists them in order); List-Unsubscribe-Post says that a
    POST to the first unsubscribes at once, for an https link, or whenever `one_click` (the site's own link,
    which answers that POST)."""
    message = EmailMessage(policy=POLICY)
    message["From"] = one_line(sender)
    message["To"] = one_line(recipient)
    message["Subject"] = one_line(rendered.subject)
    message["Date"] = format_datetime(date)
    domain = sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = message_id(issue, recipient, domain)
    if list_id:
        message["List-Id"] = f"<{one_line(list_id)}>"
    links = [unsubscribe] if isinstance(unsubscribe, str) else list(unsubscribe or ())
    if links:
        message["List-Unsubscribe"] = ", ".join(f"<{one_line(link)}>" for link in links)
        if one_click or links[0].startswith("https://"):
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # cte None: the shorter of quoted-printable and base64, as the email package decides
    message.set_content(rendered.text, subtype="plain", charset="utf-8", cte=cte)
    message.add_alternative(rendered.html, subtype="html", charset="utf-8", cte=cte)
    message["Content-Language"] = language  # after the parts: setting content clears every Content-* header
    return message


class UnsubscribeLinks(Protocol):
    """Each recipient's own unsubscribe link (digest/site/tokens.py makes them, signed)."""

    @property
    def slot(self) -> str:
        """What stands for the recipient's token in the rendered issue."""
        ...

    def token(self, digest: str, recipient: str) -> str: ...

    def url(self, digest: str, recipient: str) -> str: ...


def issue_message(
    settings: EmailSettings,
    issue: Issue,
    recipient: str,
    links: UnsubscribeLinks | None = None,
    *,
    token: str | None = None,
    cte: str | None = None,
    locale: str = i18n.DEFAULT,
) -> EmailMessage:
    """The message of one issue for one recipient, as sent and as `digest preview` writes it; with `links`, its
    footer and List-Unsubscribe carry the recipient's own link (the footer `token` instead, when given). `locale`
    is the digest's: the message says its language."""
    rendered = Rendered(subject=issue.subject, html=issue.html, text=issue.text)
    unsubscribe: list[str] = [settings.unsubscribe] if settings.unsubscribe else []
    if links is not None:
        token = links.token(issue.digest, recipient) if token is None else token
        rendered = Rendered(
            subject=issue.subject,
            html=issue.html.replace(links.slot, token),
            text=issue.text.replace(links.slot, token),
        )
        unsubscribe = [links.url(issue.digest, recipient), mailto_unsubscribe(settings)]
    return build_message(
        rendered,
        sender=settings.sender,
        recipient=recipient,
        issue=issue.id,
        date=issue.created,
        list_id=f"{issue.digest}.{domain(settings)}",
        unsubscribe=unsubscribe,
        one_click=links is not None,
        cte=cte,
        language=i18n.texts(locale).language,
    )


def mailto_unsubscribe(settings: EmailSettings) -> str:
    """The mailto: beside the site's link in List-Unsubscribe: `email.unsubscribe` when it is one, else the
    sender's address with the subject "unsubscribe"."""
    if settings.unsubscribe.lower().startswith("mailto:"):
        return settings.unsubscribe
    address = parseaddr(settings.sender)[1] or settings.sender
    return f"mailto:{quote(address, safe='@')}?subject=unsubscribe"


class IssueMail:
    """One issue's message, built and encoded once: each recipient's copy differs only in To and Message-ID
    (and, with the site, List-Unsubscribe and the footer's token).

    Encoding the HTML and text parts costs milliseconds a message, which over a list of thousands is the
    sender's whole CPU budget; the headers are folded again per recipient, the encoded body is shared. With
    per-recipient unsubscribe links the body is encoded once in quoted-printable with the token's slot in it,
    and each recipient's token is spliced in on lines of its own joined by soft line breaks (the token's
    characters stand for themselves in quoted-printable), so the decoded parts are exactly what a full build
    for that recipient gives; a body where the slot cannot be found whole is built per recipient instead.
    """

    def __init__(
        self,
        settings: EmailSettings,
        issue: Issue,
        links: UnsubscribeLinks | None = None,
        locale: str = i18n.DEFAULT,
    ) -> None:
        self.settings, self.issue, self.links, self.locale = settings, issue, links, locale
        if links is None:
            template = issue_message(settings, issue, _PLACEHOLDER, locale=locale)
        else:
            qp = "quoted-printable"
            template = issue_message(settings, issue, _PLACEHOLDER, links, token=links.slot, cte=qp, locale=locale)
        flat = template.as_bytes()  # also writes the MIME boundary into Content-Type
        self.body = flat[flat.index(b"\r\n\r\n") + 2 :]  # the blank line, then the body
        self.headers = list(template.items())
        self.slot: re.Pattern[bytes] | None = None
        if links is not None:
            # The slot as quoted-printable may have carried it: a soft line break between any two characters.
            slot = re.compile(b"(?:=\r\n)?".join(re.escape(bytes([c])) for c in links.slot.encode()))
            whole = len(slot.findall(self.body)) == issue.html.count(links.slot) + issue.text.count(links.slot)
            self.slot = slot if whole else None

    def for_recipient(self, recipient: str) -> bytes:
        own = {"To": one_line(recipient), "Message-ID": message_id(self.issue.id, recipient, domain(self.settings))}
        body = self.body
        if self.links is not None:
            if self.slot is None:
                return issue_message(self.settings, self.issue, recipient, self.links, locale=self.locale).as_bytes()
            token = self.links.token(self.issue.digest, recipient)
            url = self.links.url(self.issue.digest, recipient)
            own["List-Unsubscribe"] = f"<{one_line(url)}>, <{mailto_unsubscribe(self.settings)}>"
            lines = _soft_lines(token.encode("ascii"))
            body = self.slot.sub(lambda _: lines, body)
        head = b"".join(POLICY.fold_binary(name, own.get(name, value)) for name, value in self.headers)
        return head + body


def _soft_lines(token: bytes) -> bytes:
    """The token on lines of its own within quoted-printable's 76 characters, each ended by a soft break."""
    return b"=\r\n" + b"".join(token[i : i + 75] + b"=\r\n" for i in range(0, len(token), 75))


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
        import yagmail  # only a run that sends connects: a preview writes its message without it (#12)

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
    """Email over up to `email.connections` SMTP connections, each opened with retries and reused; `locale` is the
    digest's (its messages say their language)."""

    name = "email"

    def __init__(
        self,
        settings: EmailSettings,
        *,
        connect: Connect | None = None,
        sleep: Callable[[float], None] = time.sleep,
        unsubscribe: UnsubscribeLinks | None = None,
        locale: str = i18n.DEFAULT,
    ) -> None:
        self.settings = settings
        self.unsubscribe = unsubscribe
        self.locale = locale
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
                self._mails[issue.id] = IssueMail(self.settings, issue, self.unsubscribe, self.locale)
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
