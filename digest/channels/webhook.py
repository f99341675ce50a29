"""The webhook channel: one HTTP POST of each issue to each webhook URL, as Slack-style blocks or as JSON.

`slack` is an incoming-webhook body (`text` as the fallback, `blocks` for the layout) that Slack, Mattermost
and Rocket.Chat accept; `json` is the issue itself (title, date, archive URL, stories with their sentences and
outlets). Each POST carries an `Idempotency-Key` header, the delivery's lasting name, so a receiver can drop
the repeat of a POST whose answer was lost. 5xx answers, timeouts and connection errors are retried with
backoff; any other answer outside 2xx is final, recorded with the first line of its body. The few words of
its own a `slack` body has ("Coverage:", "Read this issue on the web") are in the digest's locale (digest.i18n).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from digest import __version__, i18n
from digest.channels import Outcome, retry_delays
from digest.models import Issue, Story, Webhook, iso
from digest.text import one_line

# Slack's limits: 50 blocks a message, 3000 characters a section, 150 a header; `text` is shown in
# notifications and where blocks are not supported.
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_ERROR = 200
USER_AGENT = f"digest/{__version__} (+https://github.com/digest-news/digest)"


ArchiveUrl = Callable[[Issue], str | None]


class WebhookChannel:
    """Webhooks of one digest; recipients are their URLs."""

    name = "webhook"
    connections = 1  # a digest has a handful of webhooks, each POSTed once
    rate = 0.0

    def __init__(
        self,
        hooks: Sequence[Webhook],
        archive_url: ArchiveUrl,
        *,
        locale: str = i18n.DEFAULT,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 2.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.formats = {hook.url: hook.format for hook in hooks}
        self.archive_url = archive_url
        self.locale = locale
        self.timeout = timeout
        self.delays = retry_delays(retries, backoff)
        self.transport = transport
        self.sleep = sleep

    def key(self, issue: Issue, recipient: str) -> str:
        return hashlib.sha256(f"{issue.id}\n{recipient}".encode()).hexdigest()[:32]

    def open(self) -> WebhookSession:
        client = httpx.Client(
            transport=self.transport,
            timeout=self.timeout,
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,  # a redirected POST would turn into a GET and deliver nothing
        )
        return WebhookSession(self, client)


class WebhookSession:
    def __init__(self, channel: WebhookChannel, client: httpx.Client) -> None:
        self.channel = channel
        self.client = client

    def deliver(self, issue: Issue, recipient: str, key: str) -> Outcome:
        kind = self.channel.formats.get(recipient, "slack")
        body = payload(issue, kind, self.channel.archive_url(issue), self.channel.locale)
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        error = "not attempted"
        for delay in (*self.channel.delays, None):
            try:
                response = self.client.post(recipient, content=data, headers=headers)
            except httpx.TransportError as exc:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                error = f"cannot reach the webhook ({reason}) (check its URL in `webhooks`, and that it is up)"
            else:
                if response.is_success:
                    return Outcome("sent")
                error = f"HTTP {response.status_code}{_first_line(response)}"
                if response.status_code < 500 and response.status_code != 429:
                    return Outcome("rejected", error)
            if delay is not None:
                self.channel.sleep(delay)
        return Outcome("failed", error)

    def close(self) -> None:
        self.client.close()


def _first_line(response: httpx.Response) -> str:
    line = one_line(response.text.strip().split("\n", 1)[0])[:MAX_ERROR] if response.content else ""
    return f": {line}" if line else ""


def payload(issue: Issue, kind: str, archive_url: str | None, locale: str = i18n.DEFAULT) -> dict[str, Any]:
    return slack_payload(issue, archive_url, locale) if kind == "slack" else json_payload(issue, archive_url)


def json_payload(issue: Issue, archive_url: str | None) -> dict[str, Any]:
    """The issue as data: what a receiver needs to show it or file it, with every credit."""
    return {
        "digest": issue.digest,
        "issue": issue.id,
        "title": issue.title,
        "subject": issue.subject,
        "date": iso(issue.created),
        "archive_url": archive_url,
        "stories": [_story(story) for story in issue.stories],
    }


def _story(story: Story) -> dict[str, Any]:
    return {
        "headline": story.headline,
        "url": story.headline_url or story.url,
        "outlet": story.headline_outlet,
        "first_published": iso(story.first_published),
        "update": story.update,
        "sentences": [{"text": s.text, "outlet": s.outlet, "url": s.url} for s in story.sentences],
        "outlets": [c.to_dict() for c in story.outlets],
    }


def slack_payload(issue: Issue, archive_url: str | None, locale: str = i18n.DEFAULT) -> dict[str, Any]:
    """Header, then per story a section (linked headline, credited sentences) and a context line of its outlets,
    in `locale` (as i18n.parse_locale gives it).

    A long issue keeps its first stories within MAX_BLOCKS and points to the archive for the rest.
    """
    t = i18n.texts(locale)
    blocks: list[dict[str, Any]] = [_header(issue.subject)]
    stories = list(issue.stories)
    shown = 0
    for story in stories:
        room = MAX_BLOCKS - len(blocks) - (1 if shown + 1 < len(stories) else 0)  # keep a block for "more"
        if room < 3:
            break
        blocks += [_section(_story_text(story)), _context(story, t), {"type": "divider"}]
        shown += 1
    if shown < len(stories):
        more = t.ngettext("%(num)d more story", "%(num)d more stories", len(stories) - shown)
        if archive_url:
            link = _link(archive_url, t.gettext("read the issue"))
            # Translators: %(stories)s is "3 more stories" (as translated above); %(link)s links to the issue.
            more = t.gettext("%(stories)s in the archive: %(link)s") % {"stories": more, "link": link}
        blocks.append(_section(more))
    elif archive_url:
        blocks.append(_context_text(_link(archive_url, t.gettext("Read this issue on the web"))))
    return {"text": _fallback(issue, archive_url, t), "blocks": blocks}


def _fallback(issue: Issue, archive_url: str | None, t: i18n.Texts) -> str:
    headlines = "; ".join(s.headline for s in issue.stories[:5])
    rest = len(issue.stories) - 5
    # Translators: after five headlines in a chat notification: how many more stories the issue has.
    more = " " + t.ngettext("(+%(num)d more)", "(+%(num)d more)", rest) if rest > 0 else ""
    return one_line(f"{issue.subject}: {headlines}{more}" + (f" {archive_url}" if archive_url else ""))


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": _cut(one_line(text), MAX_HEADER)}}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, MAX_SECTION)}}


def _context(story: Story, t: i18n.Texts) -> dict[str, Any]:
    outlets = ", ".join(
        _link(c.url, c.outlet)
        + (" " + t.gettext("(copy of %(outlet)s)") % {"outlet": _escape(c.copy_of)} if c.copy_of else "")
        for c in story.outlets
    )
    return _context_text(t.gettext("Coverage: %(outlets)s") % {"outlets": outlets})


def _context_text(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(text, MAX_SECTION)}]}


def _story_text(story: Story) -> str:
    """The linked headline and as many whole credited sentences as a section holds (never half a link)."""
    lines = [f"*{_link(story.headline_url or story.url, _cut(story.headline, MAX_HEADER))}*"]
    size = len(lines[0])
    for sentence in story.sentences:
        line = f"{_escape(sentence.text)} — {_link(sentence.url, sentence.outlet)}"
        if size + 1 + len(line) > MAX_SECTION:
            break
        lines.append(line)
        size += 1 + len(line)
    return "\n".join(lines)


def _link(url: str | None, label: str) -> str:
    """Slack's <url|label>; `|` and `>` cannot appear inside either, so they are escaped or dropped."""
    if not url:
        return _escape(label)
    return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{_escape(label).replace('|', '¦')}>"


def _escape(text: str) -> str:
    """Slack's mrkdwn needs only these three escaped; everything else is literal text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
