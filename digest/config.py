"""Load config.toml and validate every value into frozen dataclasses.

Every key is declared once in `_SCHEMA` (type, default, check); anything else is an error that names the
key and its line, says what is wrong and how to fix it. Nothing downstream re-checks config values.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest import i18n
from digest.errors import ConfigError, DigestError, QueryError
from digest.models import SUMMARY_METHODS, WEBHOOK_FORMATS, ClusterSettings, FetchLimits, Source, SourceKind, Webhook
from digest.query import parse_query
from digest.sources import opml, search
from digest.text import count

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SECURITY = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class DigestSettings:
    name: str
    title: str
    topic: str
    timezone: str
    schedule: str
    days: tuple[str, ...]
    max_stories: int
    max_age_days: int
    to: tuple[str, ...]
    quiet_day: bool
    catch_up_hours: float
    webhooks: tuple[Webhook, ...] = ()
    locale: str = i18n.DEFAULT  # the reader's language, as i18n.parse_locale gives it ("de", "de_CH")


@dataclass(frozen=True)
class SummarySettings:
    words: int
    method: str


@dataclass(frozen=True)
class EmailSettings:
    sender: str
    to: tuple[str, ...]
    subject: str
    host: str
    port: int
    security: str
    user: str
    password_env: str
    ca_file: Path | None
    oauth2_file: Path | None
    timeout: float
    unsubscribe: str
    retries: int = 2
    backoff: float = 2.0
    connections: int = 4
    rate: float = 0.0


@dataclass(frozen=True)
class StateSettings:
    """Where the state lives: a SQLite file (`path`, the default) or a PostgreSQL database (`url`)."""

    path: Path
    url: str = ""
    password_env: str = "DIGEST_STATE_PASSWORD"
    lease: float = 120.0

    def exists(self) -> bool:
        """Whether there is a state to read yet; a PostgreSQL server's database always counts as one."""
        return bool(self.url) or self.path.exists()


@dataclass(frozen=True)
class WebhookSettings:
    timeout: float = 10.0
    retries: int = 2
    backoff: float = 2.0


@dataclass(frozen=True)
class OutputSettings:
    dir: Path
    base_url: str
    feed_items: int
    granularity: str


@dataclass(frozen=True)
class SiteSettings:
    """The readers' site (`digest serve`, #17): sign-up with confirmation and one-click unsubscribe.

    The secret that signs its links lives in the environment variable `secret_env`, never in the file; it is
    read when a link is made or checked (digest/site/tokens.py), so commands that need none run without it."""

    secret_env: str = "DIGEST_SITE_SECRET"
    host: str = "127.0.0.1"
    port: int = 8080
    proxies: tuple[str, ...] = ()
    confirm_hours: float = 48.0
    client_limit: int = 10
    address_limit: int = 3
    max_body: int = 4096


@dataclass(frozen=True)
class Config:
    path: Path
    digests: tuple[DigestSettings, ...]
    sources: tuple[Source, ...]
    cluster: ClusterSettings
    continuity_days: int
    summary: SummarySettings
    email: EmailSettings
    output: OutputSettings
    state: StateSettings
    fetch: FetchLimits
    webhook: WebhookSettings = WebhookSettings()
    site: SiteSettings | None = None

    @property
    def digest(self) -> DigestSettings:
        """The first (often the only) digest."""
        return self.digests[0]

    def find(self, name: str | None) -> DigestSettings:
        """The digest called `name` (its slug or title); the first when None."""
        if name is None:
            return self.digest
        for digest in self.digests:
            if name in (digest.name, digest.title):
                return digest
        known = ", ".join(d.name for d in self.digests)
        raise ConfigError(f"no digest named {name!r} in {self.path}", f"use one of: {known}")


# A check returns an error message (what is wrong + how to fix it) or None.
Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class _Key:
    kind: type | tuple[type, ...]
    default: Any
    check: Check | None = None


def _positive(value: Any) -> str | None:
    return None if value > 0 else "must be greater than 0"


def _not_negative(value: Any) -> str | None:
    return None if value >= 0 else "must be 0 or more"


def _unit(value: Any) -> str | None:
    return None if 0.0 < value <= 1.0 else "must be a number between 0 and 1 (e.g. 0.3)"


def _one_of(*choices: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in choices else "must be one of " + ", ".join(f'"{c}"' for c in choices)

    return check


def _schedule(value: Any) -> str | None:
    """A time of day like "07:00" (seconds allowed: "07:00:30"), or a five-field cron expression with day names."""
    if re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?", value):
        return None
    fields = value.split()
    if len(fields) == 5:
        if re.search(r"\d", fields[4]):
            return "uses day numbers in its day-of-week field: use names like mon-fri (numbers are ambiguous)"
        from apscheduler.triggers.cron import CronTrigger  # only a cron schedule needs it; it takes 70 ms to load

        try:
            CronTrigger.from_crontab(value, timezone="UTC")
        except ValueError as exc:
            return f"is not a valid cron expression ({exc})"
        return None
    return 'must be a time like "07:00" or a cron expression like "30 6 * * mon-fri"'


def _day_names(value: Any) -> str | None:
    bad = [d for d in value if not isinstance(d, str) or d.lower()[:3] not in _DAYS]
    return f"has {count(len(bad), 'unknown day name')} {bad}: use mon, tue, wed, thu, fri, sat, sun" if bad else None


def _zone(value: Any) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return 'is not a known time zone: use an IANA name like "Europe/Berlin" or "UTC"'
    return None


def _not_blank(value: Any) -> str | None:
    return None if value.strip() else "must not be empty"


def _topic(value: Any) -> str | None:
    """Parsed now, so a bad query is an error naming its file and line, not a failure halfway through a run."""
    if problem := _not_blank(value):
        return problem
    try:
        parse_query(value)
    except QueryError as error:
        return f"is not a valid query: {error.problem}; {error.hint}"
    return None


def _addresses(value: Any) -> str | None:
    bad = [a for a in value if not isinstance(a, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+", a)]
    return (
        f"has {count(len(bad), 'invalid address')} {bad}: use plain addresses like reader@example.org" if bad else None
    )


def _address(value: Any) -> str | None:
    return _addresses([value]) if value else None


def _webhooks(value: Any) -> str | None:
    """Each a URL, or a table {url = "...", format = "json"}; http is allowed for receivers on the same network."""
    for item in value:
        url = item.get("url") if isinstance(item, dict) else item
        if not isinstance(url, str) or not re.match(r"https?://[^/\s]+", url):
            return f'has {item!r}: give http(s) URLs, or tables like {{ url = "https://...", format = "json" }}'
        if isinstance(item, dict):
            unknown = set(item) - {"url", "format"}
            if unknown:
                return f"has a webhook with unknown keys {sorted(unknown)}: use url and format"
            if item.get("format", "slack") not in WEBHOOK_FORMATS:
                return "has a webhook format that is not one of " + ", ".join(f'"{f}"' for f in WEBHOOK_FORMATS)
    return None


def _port(value: Any) -> str | None:
    return None if 0 < value < 65536 else "must be a port number between 1 and 65535"


def _url_or_empty(value: Any) -> str | None:
    ok = not value or re.match(r"https?://", value)
    return None if ok else 'must be an http(s) URL like "https://example.org/digest/" or ""'


def _env_name(value: Any) -> str | None:
    ok = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value)
    return None if ok else 'must be the name of an environment variable, like "DIGEST_SITE_SECRET"'


def _proxies(value: Any) -> str | None:
    """Addresses or networks of the proxies whose X-Forwarded-For/-Proto are believed (uvicorn's own syntax)."""
    import ipaddress

    for item in value:
        try:
            ipaddress.ip_network(item, strict=False)
        except (TypeError, ValueError):
            return f'has {item!r}: give IP addresses or networks, like ["127.0.0.1", "10.0.0.0/8"]'
    return None


def _postgres_url(value: Any) -> str | None:
    if not value:
        return None
    if not re.fullmatch(r"postgres(ql)?://[^/?#\s]+/[^/?#\s]+", value):
        return 'must be a PostgreSQL URL like "postgresql://digest@db.example.org:5432/digest" or ""'
    if re.match(r"[^:]+://[^/@]*:[^/@]*@", value):
        return "must not hold a password: put it in the environment variable named by state.password_env"
    return None


def _language(value: Any) -> str | None:
    ok = re.fullmatch(r"[a-z]{2,3}", value)
    return None if ok else 'must be a two-letter language code like "en" or "de"'


def _locale(value: Any) -> str | None:
    try:
        i18n.parse_locale(value)
    except ValueError:
        return 'is not a known locale: use a language code like "de", or one with a region like "fr_CA" or "de-CH"'
    return None


def _region(value: Any) -> str | None:
    ok = re.fullmatch(r"[A-Z]{2}", value)
    return None if ok else 'must be a two-letter country code in capitals like "US" or "GB"'


def _slug_check(value: Any) -> str | None:
    ok = re.fullmatch(r"[a-z0-9][a-z0-9-]*", value)
    return None if ok else 'must be lowercase letters, digits and dashes, like "ai-daily"'


_DIGEST_KEYS: dict[str, _Key] = {
    "name": _Key(str, "", _slug_check),
    "title": _Key(str, "Digest", _not_blank),
    "topic": _Key(str, None, _topic),
    "timezone": _Key(str, "UTC", _zone),
    "schedule": _Key(str, "07:00", _schedule),
    "days": _Key(list, list(_DAYS), _day_names),
    "max_stories": _Key(int, 10, _positive),
    "max_age_days": _Key(int, 2, _not_negative),
    "to": _Key(list, [], _addresses),
    "quiet_day": _Key(bool, False),
    "catch_up_hours": _Key((int, float), 12, _not_negative),
    "webhooks": _Key(list, [], _webhooks),
    "webhook_format": _Key(str, "slack", _one_of(*WEBHOOK_FORMATS)),
    "locale": _Key(str, i18n.DEFAULT, _locale),
}

_SCHEMA: dict[str, dict[str, _Key]] = {
    "cluster": {
        "threshold": _Key((int, float), ClusterSettings.threshold, _unit),
        "copy_threshold": _Key((int, float), ClusterSettings.copy_threshold, _unit),
        "max_gap_days": _Key((int, float), ClusterSettings.max_gap_days, _positive),
        "continuity_days": _Key(int, 14, _not_negative),
    },
    "summary": {
        "words": _Key(int, 120, _positive),
        "method": _Key(str, "centroid", _one_of(*SUMMARY_METHODS)),
    },
    "email": {
        "from": _Key(str, "digest@localhost", _address),
        "to": _Key(list, [], _addresses),
        "subject": _Key(str, "{title}: {date}", _not_blank),
        "host": _Key(str, "localhost", _not_blank),
        "port": _Key(int, 25, _port),
        "security": _Key(str, "starttls", _one_of(*_SECURITY)),
        "user": _Key(str, ""),
        "password_env": _Key(str, "DIGEST_SMTP_PASSWORD"),
        "ca_file": _Key(str, ""),
        "oauth2_file": _Key(str, ""),
        "timeout": _Key((int, float), 30, _positive),
        "retries": _Key(int, 2, _not_negative),
        "backoff": _Key((int, float), 2, _not_negative),
        "unsubscribe": _Key(str, ""),
        "connections": _Key(int, EmailSettings.connections, _positive),
        "rate": _Key((int, float), EmailSettings.rate, _not_negative),
    },
    "webhook": {
        "timeout": _Key((int, float), 10, _positive),
        "retries": _Key(int, 2, _not_negative),
        "backoff": _Key((int, float), 2, _not_negative),
    },
    "output": {
        "dir": _Key(str, "out", _not_blank),
        "base_url": _Key(str, "", _url_or_empty),
        "feed_items": _Key(int, 20, _positive),
        "granularity": _Key(str, "issue", _one_of("issue", "story")),
    },
    "state": {
        "path": _Key(str, "state.db", _not_blank),
        "url": _Key(str, "", _postgres_url),
        "password_env": _Key(str, StateSettings.password_env, _not_blank),
        "lease": _Key((int, float), StateSettings.lease, _positive),
    },
    "site": {
        "secret_env": _Key(str, SiteSettings.secret_env, _env_name),
        "host": _Key(str, SiteSettings.host, _not_blank),
        "port": _Key(int, SiteSettings.port, _port),
        "proxies": _Key(list, [], _proxies),
        "confirm_hours": _Key((int, float), SiteSettings.confirm_hours, _positive),
        "client_limit": _Key(int, SiteSettings.client_limit, _positive),
        "address_limit": _Key(int, SiteSettings.address_limit, _positive),
        "max_body": _Key(int, SiteSettings.max_body, _positive),
    },
    "fetch": {
        "concurrency": _Key(int, FetchLimits.concurrency, _positive),
        "per_host": _Key(int, FetchLimits.per_host, _positive),
        "connect_timeout": _Key((int, float), FetchLimits.connect_timeout, _positive),
        "read_timeout": _Key((int, float), FetchLimits.read_timeout, _positive),
        "deadline": _Key((int, float), FetchLimits.deadline, _positive),
        "max_bytes": _Key(int, FetchLimits.max_bytes, _positive),
        "retries": _Key(int, FetchLimits.retries, _not_negative),
        "backoff": _Key((int, float), FetchLimits.backoff, _not_negative),
        "max_retry_wait": _Key((int, float), FetchLimits.max_retry_wait, _not_negative),
    },
}

_SOURCE_KEYS: dict[str, _Key] = {
    "url": _Key(str, None, _not_blank),
    "path": _Key(str, None, _not_blank),
    "outlet": _Key(str, None, _not_blank),
    "full_text": _Key(bool, False),
    # Sources of sources, and their details (#16): see _listed_sources.
    "opml": _Key(str, None, _not_blank),
    "search": _Key(str, None, _one_of(*search.ENGINES)),
    "sitemap": _Key(str, None, _not_blank),
    "query": _Key(str, None, _topic),
    "language": _Key(str, None, _language),
    "region": _Key(str, None, _region),
    "title": _Key(str, None, _not_blank),
    "category": _Key(str, None, _not_blank),
    "site": _Key(str, None, _url_or_empty),
}


class _Reader:
    """Validates one parsed TOML document, locating each key's line in the text for error messages."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def fail(self, key: str, problem: str, table: str, index: int | None = None) -> ConfigError:
        line = self.line_of(table, key.rsplit(".", 1)[-1], index)
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{where}: {key} {problem}", f"fix `{key}` in {self.path.name}")

    def line_of(self, table: str, key: str, index: int | None) -> int | None:
        """1-based line of `key` inside `[table]` (or the index-th `[[table]]`); the header if key absent."""
        current, count, header = "", -1, None
        for number, raw in enumerate(self.lines, 1):
            line = raw.strip()
            heading = re.fullmatch(r"\[\[?\s*([\w.-]+)\s*\]\]?(\s*#.*)?", line)
            if heading:
                current = heading.group(1)
                if current == table:
                    count += 1
                    if index is None or count == index:
                        header = number
                continue
            in_table = current == table and (index is None or count == index)
            if in_table and re.match(rf"{re.escape(key)}\s*=", line):
                return number
        return header

    def table(
        self, doc: dict[str, Any], name: str, schema: dict[str, _Key], index: int | None = None
    ) -> dict[str, Any]:
        label = f"{name}[{index}]" if index is not None else name
        for key in doc:
            if key not in schema:
                raise self.fail(f"{label}.{key}", f"is not a known key{_did_you_mean(key, schema)}", name, index)
        values: dict[str, Any] = {}
        for key, spec in schema.items():
            full = f"{label}.{key}"
            if key not in doc:
                if spec.default is None and name != "sources":
                    raise self.fail(full, "is required", name, index)
                values[key] = spec.default
                continue
            value = doc[key]
            if not _has_type(value, spec.kind):
                raise self.fail(full, f"must be {_type_name(spec.kind)}, not {_shown(value)}", name, index)
            problem = spec.check(value) if spec.check else None
            if problem:
                raise self.fail(full, problem, name, index)
            values[key] = value
        return values


def _has_type(value: Any, kind: type | tuple[type, ...]) -> bool:
    if isinstance(value, bool) and kind is not bool:
        return False  # TOML true is not a number
    return isinstance(value, kind)


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    """`: did you mean max_stories? (known: ...)`: the likely name first, then every name."""
    names = list(known)
    close = difflib.get_close_matches(name, names, n=1)
    guess = f": did you mean {close[0]}?" if close else ""
    return f"{guess} (known: {', '.join(names)})"


def _shown(value: Any) -> str:
    """A wrong number is shown as written (`not 2525.0`); anything else by its type (`not a string`)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    return _type_name(type(value))


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "a whole number", float: "a number", bool: "true or false", list: "a list"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def load(path: str | Path, *, sources_required: bool = True) -> Config:
    """Read and validate the config file; raises ConfigError naming the key and line. `sources_required` off
    lets a config with no sources yet load (what `digest sources add` starts from)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file", "pass --config PATH or create config.toml") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}", "check the file's permissions and encoding") from None
    return load_text(path, text, sources_required=sources_required)


def _build(path: Path, text: str, doc: dict[str, Any], sources_required: bool = True) -> Config:
    reader = _Reader(path, text)
    known = {*_SCHEMA, "digest", "digests", "sources"}
    for key in doc:
        if key not in known:
            raise ConfigError(
                f"{path}: [{key}] is not a known table{_did_you_mean(key, sorted(known))}",
                f"remove or rename [{key}] in {path.name}",
            )
    tables: dict[str, dict[str, Any]] = {}
    for name, schema in _SCHEMA.items():
        tables[name] = reader.table(doc.get(name, {}), name, schema)
    c, s, e, o = (tables[k] for k in ("cluster", "summary", "email", "output"))
    base = path.parent
    email = EmailSettings(
        sender=e["from"],
        to=tuple(e["to"]),
        subject=e["subject"],
        host=e["host"],
        port=e["port"],
        security=e["security"],
        user=e["user"],
        password_env=e["password_env"],
        ca_file=_existing(reader, base, e["ca_file"], "email.ca_file", "email"),
        oauth2_file=_existing(reader, base, e["oauth2_file"], "email.oauth2_file", "email"),
        timeout=float(e["timeout"]),
        unsubscribe=e["unsubscribe"],
        retries=e["retries"],
        backoff=float(e["backoff"]),
        connections=e["connections"],
        rate=float(e["rate"]),
    )
    w, st = tables["webhook"], tables["state"]
    digests = _digests(reader, path, doc, email.to)
    return Config(
        path=path,
        digests=digests,
        sources=_sources(reader, path, doc.get("sources"), tuple(d.topic for d in digests), sources_required),
        cluster=ClusterSettings(float(c["threshold"]), float(c["copy_threshold"]), float(c["max_gap_days"])),
        continuity_days=c["continuity_days"],
        summary=SummarySettings(words=s["words"], method=s["method"]),
        email=email,
        output=OutputSettings(
            dir=base / o["dir"], base_url=o["base_url"], feed_items=o["feed_items"], granularity=o["granularity"]
        ),
        state=StateSettings(base / st["path"], st["url"], st["password_env"], float(st["lease"])),
        fetch=FetchLimits(**{k: type(getattr(FetchLimits, k))(v) for k, v in tables["fetch"].items()}),
        webhook=WebhookSettings(timeout=float(w["timeout"]), retries=w["retries"], backoff=float(w["backoff"])),
        site=_site(tables["site"]) if "site" in doc else None,
    )


def _site(values: dict[str, Any]) -> SiteSettings:
    """[site] is opt-in: without the table there is no sign-up, and unsubscribing stays `email.unsubscribe`."""
    return SiteSettings(
        secret_env=values["secret_env"],
        host=values["host"],
        port=values["port"],
        proxies=tuple(values["proxies"]),
        confirm_hours=float(values["confirm_hours"]),
        client_limit=values["client_limit"],
        address_limit=values["address_limit"],
        max_body=values["max_body"],
    )


def _existing(reader: _Reader, base: Path, value: str, key: str, table: str) -> Path | None:
    if not value:
        return None
    path = base / value
    if not path.is_file():
        raise reader.fail(key, f"names a file that does not exist ({path})", table)
    return path


def _digests(
    reader: _Reader, path: Path, doc: dict[str, Any], recipients: tuple[str, ...]
) -> tuple[DigestSettings, ...]:
    """One [digest] table, or several [[digests]]: each its own topic, schedule and recipients."""
    if "digest" in doc and "digests" in doc:
        raise ConfigError(
            f"{path}: both [digest] and [[digests]] are set",
            "keep one: [digest] for one digest, [[digests]] for several",
        )
    tables: list[tuple[dict[str, Any], int | None]]
    if "digests" in doc:
        raw = doc["digests"]
        if not isinstance(raw, list) or not raw:
            raise reader.fail("digests", "must be one or more [[digests]] tables", "digests")
        tables = [(reader.table(item, "digests", _DIGEST_KEYS, i), i) for i, item in enumerate(raw)]
    else:
        tables = [(reader.table(doc.get("digest", {}), "digest", _DIGEST_KEYS), None)]
    digests = tuple(_digest(values, recipients) for values, _ in tables)
    names = [d.name for d in digests]
    for (_, index), name in zip(tables, names, strict=True):
        if names.count(name) > 1:
            raise reader.fail(
                f"digests[{index}].name", f"repeats the name {name!r}: give each digest its own", "digests", index
            )
    return digests


def _digest(values: dict[str, Any], recipients: tuple[str, ...]) -> DigestSettings:
    return DigestSettings(
        name=values["name"] or _slug(values["title"]),
        title=values["title"],
        topic=values["topic"],
        timezone=values["timezone"],
        schedule=values["schedule"],
        days=tuple(day.lower()[:3] for day in values["days"]),
        max_stories=values["max_stories"],
        max_age_days=values["max_age_days"],
        to=tuple(values["to"]) or recipients,
        quiet_day=values["quiet_day"],
        catch_up_hours=float(values["catch_up_hours"]),
        webhooks=tuple(_webhook(item, values["webhook_format"]) for item in values["webhooks"]),
        locale=i18n.parse_locale(values["locale"]),
    )


def _webhook(item: str | dict[str, str], default_format: str) -> Webhook:
    if isinstance(item, str):
        return Webhook(item, default_format)
    return Webhook(item["url"], item.get("format", default_format))


def _slug(title: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", title.lower())) or "digest"


def _local_source(reader: _Reader, path: Path, index: int) -> tuple[str, SourceKind]:
    """A `path` source is a folder or a file, and must exist: a typo would otherwise cost its articles quietly."""
    if path.is_dir():
        return str(path), SourceKind.FOLDER
    if path.is_file():
        return str(path), SourceKind.FILE
    raise reader.fail(f"sources[{index}].path", f"names no file or folder ({path})", "sources", index)


def _sources(
    reader: _Reader, path: Path, raw: Any, topics: tuple[str, ...] = (), required: bool = True
) -> tuple[Source, ...]:
    if raw is None and not required:
        return ()
    if not isinstance(raw, list) or (not raw and required):
        raise ConfigError(
            f"{path}: sources is missing or empty",
            "add one with `digest sources add URL`, or a [[sources]] table with"
            ' url = "https://..." or path = "seeds/feeds"',
        )
    sources = []
    for index, item in enumerate(raw):
        values = reader.table(item, "sources", _SOURCE_KEYS, index)
        listed = _listed_sources(reader, path, values, index, topics)
        if listed is not None:
            sources.extend(listed)
            continue
        if (values["url"] is None) == (values["path"] is None):
            raise reader.fail(f"sources[{index}]", f"needs exactly one of {_LOCATION_KEYS}", "sources", index)
        if values["url"] is not None and not re.match(r"https?://", values["url"]):
            raise reader.fail(f"sources[{index}].url", "must start with http:// or https://", "sources", index)
        if values["url"] is not None:
            location, kind = values["url"], SourceKind.FEED
        else:
            location, kind = _local_source(reader, path.parent / values["path"], index)
        sources.append(
            Source(
                location,
                kind,
                outlet=values["outlet"],
                full_text=values["full_text"],
                language=values["language"],
                title=values["title"],
                category=values["category"],
                site=values["site"] or None,
            )
        )
    return _each_once(sources)


# -- sources of sources (#16): an OPML list, a news search on the topic, a news sitemap ---------------------------

_LOCATION_KEYS = "url or path (or opml, search, sitemap)"
# Which keys go with which kind of source, beside its location key; outlet, full_text and category go with several.
_ONLY_WITH = {
    "query": ("search",),
    "region": ("search",),
    "title": ("url", "sitemap"),
    "site": ("url", "sitemap"),
    "outlet": ("url", "path", "sitemap"),
    "full_text": ("url", "path", "opml", "search"),
}


def _listed_sources(
    reader: _Reader, path: Path, values: dict[str, Any], index: int, topics: tuple[str, ...]
) -> list[Source] | None:
    """The sources an `opml`, `search` or `sitemap` table stands for; None for a `url` or `path` table."""
    given = [key for key in ("url", "path", "opml", "search", "sitemap") if values[key] is not None]
    if len(given) != 1:
        raise reader.fail(f"sources[{index}]", f"needs exactly one of {_LOCATION_KEYS}", "sources", index)
    kind = given[0]
    for key, kinds in _ONLY_WITH.items():
        if values[key] not in (None, False) and kind not in kinds:
            allowed = " or ".join(kinds)
            raise reader.fail(f"sources[{index}].{key}", f"goes only with {allowed}, not {kind}", "sources", index)
    if kind == "opml":
        return _opml_sources(reader, path.parent / values["opml"], values, index)
    if kind == "search":
        language, region = values["language"] or "en", values["region"] or "US"
        queries = [values["query"]] if values["query"] else list(dict.fromkeys(topics))
        return [
            Source(
                search.search_url(values["search"], query, language, region),
                SourceKind.SEARCH,
                full_text=values["full_text"],
                language=values["language"],
                title=f"{values['search']}: {query}",
                category=values["category"],
            )
            for query in queries
        ]
    if kind == "sitemap":
        if not re.match(r"https?://", values["sitemap"]):
            raise reader.fail(f"sources[{index}].sitemap", "must start with http:// or https://", "sources", index)
        return [
            Source(
                values["sitemap"],
                SourceKind.SITEMAP,
                outlet=values["outlet"],
                language=values["language"],
                title=values["title"],
                category=values["category"],
                site=values["site"] or None,
            )
        ]
    return None


def _opml_sources(reader: _Reader, file: Path, values: dict[str, Any], index: int) -> list[Source]:
    """The feeds of an OPML file, read at load; its folders are their categories (the table's `category` else)."""
    try:
        listed = opml.read_opml(file.read_bytes(), str(file))
    except FileNotFoundError:
        raise reader.fail(f"sources[{index}].opml", f"names no file ({file})", "sources", index) from None
    except OSError as exc:
        raise reader.fail(f"sources[{index}].opml", f"cannot be read ({exc.strerror})", "sources", index) from None
    except DigestError as error:
        raise ConfigError(f"sources[{index}].opml: {error.message}", error.hint) from None
    return [
        Source(
            feed.url,
            SourceKind.FEED,
            full_text=values["full_text"],
            language=values["language"],
            title=feed.title,
            category=feed.category or values["category"],
            site=feed.site,
        )
        for feed in listed.feeds
    ]


def _each_once(sources: list[Source]) -> tuple[Source, ...]:
    """One source per location: a feed both listed in an OPML file and in its own table is fetched once."""
    seen: dict[tuple[str, SourceKind], Source] = {}
    for source in sources:
        seen.setdefault((source.location, source.kind), source)
    return tuple(seen.values())


def load_text(path: str | Path, text: str, *, sources_required: bool = True) -> Config:
    """Validate config text as if it were the file at `path`: what an in-place edit checks before it writes."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", "fix the syntax at that line") from None
    return _build(Path(path), text, doc, sources_required)
