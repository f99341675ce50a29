"""Signed tokens: what the site's links carry, so that nothing about a reader has to be looked up to trust them.

Three kinds, each with its own salt so one never passes for another:
- confirm: (digest, address), expires after `[site] confirm_hours`; the link in the confirmation email;
- unsubscribe: (digest, address), never expires (an old issue's link must still work); one per recipient;
- csrf: a random nonce, also set as a cookie (signed double submit), expires after CSRF_MAX_AGE.

The secret is read from the environment variable that `[site] secret_env` names. A missing or empty secret is
a ConfigError with the fix: a default secret would let anyone forge every link.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer

from digest.config import SiteSettings
from digest.errors import ConfigError

MIN_SECRET = 16  # characters: shorter is guessable offline from one token
CSRF_MAX_AGE = 2 * 3600  # seconds a sign-up form stays good


class BadToken(Exception):
    """A token that was forged, altered, expired, or is of another kind."""


def secret(settings: SiteSettings, environ: Mapping[str, str] = os.environ) -> str:
    value = environ.get(settings.secret_env, "")
    if not value:
        raise ConfigError(
            f"site.secret_env: the environment variable {settings.secret_env} is not set",
            f"set {settings.secret_env} to a long random string, e.g. "
            f'`export {settings.secret_env}="$(python3 -c "import secrets; print(secrets.token_urlsafe(32))")"`',
        )
    if len(value) < MIN_SECRET:
        raise ConfigError(
            f"site.secret_env: {settings.secret_env} holds {len(value)} characters, fewer than {MIN_SECRET}",
            f"set {settings.secret_env} to a long random string (32 characters or more)",
        )
    return value


@dataclass(frozen=True)
class Signer:
    """Makes and checks the site's tokens with one secret."""

    key: str
    confirm_seconds: int

    @classmethod
    def of(cls, settings: SiteSettings, environ: Mapping[str, str] = os.environ) -> Signer:
        return cls(secret(settings, environ), int(settings.confirm_hours * 3600))

    def _timed(self, salt: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.key, salt=f"digest.{salt}")

    def confirm(self, digest: str, address: str) -> str:
        return str(self._timed("confirm").dumps([digest, address]))

    def check_confirm(self, token: str) -> tuple[str, str]:
        return _pair(self._timed("confirm"), token, self.confirm_seconds)

    def unsubscribe(self, digest: str, address: str) -> str:
        return str(URLSafeSerializer(self.key, salt="digest.unsubscribe").dumps([digest, address]))

    def check_unsubscribe(self, token: str) -> tuple[str, str]:
        return _pair(URLSafeSerializer(self.key, salt="digest.unsubscribe"), token, None)

    def csrf(self) -> tuple[str, str]:
        """A fresh (nonce, token): the nonce goes in the cookie, the token in the form."""
        nonce = secrets.token_urlsafe(16)
        return nonce, str(self._timed("csrf").dumps(nonce))

    def check_csrf(self, token: str, cookie: str) -> bool:
        try:
            nonce = self._timed("csrf").loads(token, max_age=CSRF_MAX_AGE)
        except BadData:
            return False
        return isinstance(nonce, str) and bool(cookie) and secrets.compare_digest(nonce, cookie)


def _pair(serializer: URLSafeSerializer | URLSafeTimedSerializer, token: str, max_age: int | None) -> tuple[str, str]:
    try:
        if isinstance(serializer, URLSafeTimedSerializer):
            value = serializer.loads(token, max_age=max_age)
        else:
            value = serializer.loads(token)
    except BadData:
        raise BadToken(token) from None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise BadToken(token)
    return value[0], value[1]


class UnsubscribeLinks:
    """Each recipient's unsubscribe link, as the email channel asks for it (channels.email.UnsubscribeLinks).
    Without a signer (a dry run, which sends nothing) only `page`, the footer's link with its slot, is known."""

    slot: str

    def __init__(self, signer: Signer | None, base_url: str) -> None:
        from digest.site import TOKEN_SLOT

        self.signer, self.base = signer, base_url if base_url.endswith("/") else base_url + "/"
        self.slot = TOKEN_SLOT

    def page(self) -> str:
        """The link with the slot in place of a token: what the rendered issue's footer carries."""
        return f"{self.base}unsubscribe/{self.slot}"

    def token(self, digest: str, recipient: str) -> str:
        assert self.signer is not None, "a dry run makes no tokens"
        return self.signer.unsubscribe(digest, recipient)

    def url(self, digest: str, recipient: str) -> str:
        return f"{self.base}unsubscribe/{self.token(digest, recipient)}"
