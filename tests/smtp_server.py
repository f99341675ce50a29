"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), with scripted faults.

aiosmtpd's `Controller(port=0)` cannot report the port it got, so a free port is found by binding a socket
first. The handler records every accepted message as the raw bytes the client sent.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

TLS = Path(__file__).resolve().parent / "data" / "tls"
USER, PASSWORD = "digest", "s3cret"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Handler:
    """Accepts mail; `reject` maps a recipient to a reply; `busy` answers that many MAIL commands with 421;
    `delay` seconds pass before each message is answered (connections are served concurrently meanwhile)."""

    received: list[Received] = field(default_factory=list)
    reject: dict[str, str] = field(default_factory=dict)
    busy: int = 0
    on_mail: Callable[[int], None] | None = None
    mails: int = 0
    delay: float = 0.0

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        self.mails += 1
        if self.on_mail:
            self.on_mail(self.mails)
        if self.busy > 0:
            self.busy -= 1
            return "421 4.3.2 Service busy, try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == USER.encode() and data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@contextmanager
def smtp_server(handler: Handler, *, tls: bool = False, auth: bool = False) -> Iterator[int]:
    """Serve on 127.0.0.1; yields the port. With tls, STARTTLS is offered and required; with auth, login is
    (only over TLS, as a real server would)."""
    options: dict[str, Any] = {}
    if tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(TLS / "cert.pem", TLS / "key.pem")
        options |= {"tls_context": context, "require_starttls": True}
    if auth:
        assert tls, "AUTH without TLS would send the password in clear"
        options |= {"authenticator": _authenticate, "auth_required": True}
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
