"""Every error digest raises on purpose. Each carries a message and a hint that says how to fix it.

    DigestError                  base: `message` says what failed, `hint` how to fix it
    ├── ConfigError              config.toml: names the key (and its line)
    ├── SourceError              one source could not be read; the run goes on without it
    │   ├── FetchError           network, HTTP status, size cap, timeout
    │   └── ParseError           not a feed, no entries, unreadable file
    │       └── EmptyFeed        a feed that parses but holds no entries (yet): a feed all the same
    ├── InputError               a file given to a command: JSON Lines to `digest cluster`, an OPML file
    ├── QueryError               the topic query does not parse
    ├── RenderError              a template or MJML failed
    ├── StateError               the SQLite state file cannot be opened or is from a newer digest
    ├── ServeError               `digest serve` cannot listen on its address
    └── DeliveryError            a channel (email, webhook) could not deliver
        └── ChannelDown          its server is unreachable or refuses us: all of its deliveries wait for the next run

The CLI prints `error: <message> (<hint>)` on one line and exits 1; nothing else is caught.
"""

from __future__ import annotations


class DigestError(Exception):
    """Base class: a user-facing failure with a fix hint."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(DigestError):
    """A missing, unknown or invalid config value."""


class SourceError(DigestError):
    """A source that could not be read. `source` names it."""

    def __init__(self, source: str, message: str, hint: str = "") -> None:
        super().__init__(f"{source}: {message}", hint)
        self.source = source


class FetchError(SourceError):
    """The bytes of a source could not be had."""


class ParseError(SourceError):
    """The bytes were had but hold no articles."""


class EmptyFeed(ParseError):
    """A feed with no entries: nothing to read now, but a feed (a new one may have none yet)."""


class InputError(DigestError):
    """A bad file given to a command: JSON Lines to a stage command, an OPML file to `digest sources import`."""


class QueryError(DigestError):
    """A topic query that does not parse. `problem` says what is wrong without repeating the query."""

    def __init__(self, query: str, problem: str, hint: str) -> None:
        super().__init__(f"topic query {query!r}: {problem}", hint)
        self.problem = problem


class RenderError(DigestError):
    """A template or the MJML step failed."""


class StateError(DigestError):
    """The state file cannot be opened or is not ours."""


class ServeError(DigestError):
    """`digest serve` cannot take its address (in use, not this machine's, a privileged port)."""


class DeliveryError(DigestError):
    """An issue could not be delivered."""


class ChannelDown(DeliveryError):
    """A channel's server cannot be reached (`transient`: worth retrying) or refuses us (a login refused)."""

    def __init__(self, message: str, hint: str = "", *, transient: bool = True) -> None:
        super().__init__(message, hint)
        self.transient = transient
