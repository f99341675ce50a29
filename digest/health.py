"""`digest check`: every source tried now, every channel's server (the SMTP login, each webhook's host), and
with [site] the secret its links are signed with (what `digest run` and `digest serve` would stop on).

Nothing is recorded, and a check before the first run creates no state file: it reads what the state recorded
of each source, if there is a state.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from digest import pipeline, store
from digest.channels import email
from digest.config import Config, SiteSettings, StateSettings
from digest.errors import ConfigError, DeliveryError
from digest.models import FeedHealth


@dataclass(frozen=True)
class ChannelHealth:
    """One channel endpoint: the SMTP server, one webhook URL, or the readers' site's signing secret. `problem`
    is None when it answered (or, for the secret, is set and long enough)."""

    channel: str
    endpoint: str
    problem: str | None
    detail: str = ""


@dataclass(frozen=True)
class CheckResult:
    sources: tuple[FeedHealth, ...]
    channels: tuple[ChannelHealth, ...]

    @property
    def smtp(self) -> str | None:
        """Why the SMTP login failed, or None (also when it was not tried)."""
        return next((c.problem for c in self.channels if c.channel == "email"), None)

    @property
    def ok(self) -> bool:
        return not any(c.problem for c in self.channels) and not any(s.error for s in self.sources)


def check(
    config: Config,
    *,
    smtp: bool = True,
    connect: email.Connect | None = None,
    transport: httpx.BaseTransport | None = None,
    environ: Mapping[str, str] = os.environ,
) -> CheckResult:
    """Try every source now and, optionally, the SMTP login; then every webhook's server, and the site's secret.
    Nothing is recorded."""
    now = datetime.now(UTC)
    gathered = pipeline.gather(config.sources, limits=config.fetch, now=now, transport=transport)
    known = _recorded_health(config.state, [item.source.location for item in gathered.items])
    rows = tuple(item.health(known.get(item.source.location), now) for item in gathered.items)
    channels = [_smtp(config, connect)] if smtp else []
    hooks = dict.fromkeys(hook.url for digest in config.digests for hook in digest.webhooks)
    channels += [_webhook(url, config.webhook.timeout, transport) for url in hooks]
    if config.site is not None:
        channels.append(_site_secret(config.site, environ))
    return CheckResult(rows, tuple(channels))


def _site_secret(site: SiteSettings, environ: Mapping[str, str]) -> ChannelHealth:
    from digest.site.tokens import secret

    name = site.secret_env
    try:
        value = secret(site, environ)
    except ConfigError as problem:
        return ChannelHealth("site", f"secret {name}", str(problem))
    return ChannelHealth("site", f"secret {name}", None, f"set ({len(value)} characters)")


def _smtp(config: Config, connect: email.Connect | None) -> ChannelHealth:
    endpoint = f"{config.email.host}:{config.email.port}"
    try:
        connection = email.EmailChannel(config.email, connect=connect).connect()
    except DeliveryError as failure:  # a password that cannot be found
        return ChannelHealth("email", endpoint, str(failure))
    try:
        connection.open()
    except DeliveryError as failure:
        return ChannelHealth("email", endpoint, str(failure))
    finally:
        connection.close()
    return ChannelHealth("email", endpoint, None, "login ok")


def _webhook(url: str, timeout: float, transport: httpx.BaseTransport | None) -> ChannelHealth:
    """Whether the receiver answers at all: a HEAD request posts nothing. Any HTTP answer below 500 (even 405,
    as Slack gives to anything but POST) shows the server is there; no answer or a 5xx is a problem."""
    try:
        with httpx.Client(transport=transport, timeout=timeout, follow_redirects=False) as client:
            response = client.head(url)
    except httpx.HTTPError as exc:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return ChannelHealth("webhook", url, f"cannot reach the webhook ({reason}) (check its URL in `webhooks`)")
    if response.status_code >= 500:
        return ChannelHealth("webhook", url, f"the webhook's server answers HTTP {response.status_code}")
    return ChannelHealth("webhook", url, None, f"reachable (HTTP {response.status_code} to HEAD)")


def _recorded_health(where: StateSettings, locations: Sequence[str]) -> dict[str, FeedHealth]:
    """What the state file recorded of these sources; a check before the first run does not create it."""
    if not where.exists():
        return {}
    with store.Store(where) as state:
        return {location: health for location in locations if (health := state.feed_health(location))}
