"""The webhook channel beside email, against real servers on 127.0.0.1: an HTTP receiver (tests/http_server.py)
and an SMTP server (aiosmtpd). Exactly once per webhook and per recipient, across retries and a killed run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import write_config
from http_server import LoopbackServer, Reply, Request
from smtp_server import Handler, smtp_server

from digest import config, health, pipeline, store
from digest.channels.webhook import MAX_BLOCKS, slack_payload
from digest.models import Credit, Issue, Sentence, Story

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("on_each_backend")  # every test here on SQLite and on PostgreSQL (#18)


RECIPIENTS = 'to = ["a@example.org", "b@example.org"]'


def no_sleep(seconds: float) -> None:
    """Retries happen at once in tests; the delays themselves are the caller's choice."""


def _config(folder: Path, smtp: int, hooks: str) -> Path:
    return write_config(folder, port=smtp, digest=f"{RECIPIENTS}\nwebhooks = [{hooks}]")


def _posts(server: LoopbackServer, path: str) -> list[Request]:
    return [r for r in server.requests if r.path == path and r.method == "POST"]


def _body(request: Request) -> Any:
    return json.loads(request.body)


def test_each_webhook_gets_one_post_and_each_recipient_one_mail(tmp_path: Path) -> None:
    handler = Handler()
    with LoopbackServer({"/slack": Reply(200, b"ok"), "/json": Reply(204)}) as hooks, smtp_server(handler) as port:
        path = _config(tmp_path, port, f'"{hooks.url("/slack")}", {{ url = "{hooks.url("/json")}", format = "json" }}')
        first = pipeline.run(config.load(path), now=NOW, sleep=no_sleep)
        second = pipeline.run(config.load(path), now=NOW + timedelta(hours=2), sleep=no_sleep)
    assert first.ok and first.reports[0].sent
    assert "sent to 2/2 recipients and 2/2 webhooks" in first.reports[0].line()
    assert sorted(r.recipients[0] for r in handler.received) == ["a@example.org", "b@example.org"]
    (slack,), (data,) = _posts(hooks, "/slack"), _posts(hooks, "/json")
    assert slack.headers["content-type"] == "application/json"
    assert slack.headers["idempotency-key"] != data.headers["idempotency-key"]
    blocks = _body(slack)
    assert blocks["text"].startswith("AI Digest: ") and 0 < len(blocks["blocks"]) <= MAX_BLOCKS
    assert blocks["blocks"][0]["type"] == "header"
    issue = _body(data)
    assert issue["issue"] == "ai-2026-11-25" and issue["archive_url"].endswith("/archive/ai/2026-11-25.html")
    story = issue["stories"][0]
    assert story["headline"] and story["sentences"] and story["outlets"]
    assert all(s["text"] and s["outlet"] for s in story["sentences"])
    assert second.reports[0].note == "nothing new; sent nothing"
    assert len(handler.received) == 2 and len(_posts(hooks, "/slack")) == len(_posts(hooks, "/json")) == 1


def test_a_german_digest_posts_german_words_and_mails_content_language_de(tmp_path: Path) -> None:
    """The run hands the digest's locale to the webhook channel as to the renderer (#15)."""
    handler = Handler()
    with LoopbackServer({"/slack": Reply(200, b"ok")}) as hooks, smtp_server(handler) as port:
        digest = f'{RECIPIENTS}\nlocale = "de"\nwebhooks = ["{hooks.url("/slack")}"]'
        result = pipeline.run(config.load(write_config(tmp_path, port=port, digest=digest)), now=NOW, sleep=no_sleep)
    assert result.ok
    (slack,) = _posts(hooks, "/slack")
    blocks = _body(slack)["blocks"]
    contexts = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    assert contexts[0].startswith("Berichtet haben: <") and "Coverage" not in slack.body.decode()
    assert contexts[-1].endswith("|Diese Ausgabe im Web lesen>")
    assert {r.message()["Content-Language"] for r in handler.received} == {"de"}


def test_a_run_killed_between_two_posts_is_finished_without_a_second_post_to_the_first(tmp_path: Path) -> None:
    """The process dies while the second webhook's POST is in flight: the first was answered and recorded."""
    handler = Handler()
    with LoopbackServer({"/a": Reply(200, b"ok")}) as hooks, smtp_server(handler) as port:
        path = _config(tmp_path, port, f'"{hooks.url("/a")}", "{hooks.url("/b")}"')
        command = [sys.executable, "-m", "digest", "run", "--config", str(path)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        hooks.routes["/b"] = _kill_first_time(process.pid)
        process.communicate(timeout=60)
        assert process.returncode == -signal.SIGKILL
        resumed = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert "sent to 2/2 recipients and 2/2 webhooks, 1 this run; resumed ai-" in resumed.stdout
    assert len(_posts(hooks, "/a")) == 1
    first, again = _posts(hooks, "/b")
    assert first.headers["idempotency-key"] == again.headers["idempotency-key"]
    assert len(handler.received) == 2


def _kill_first_time(pid: int) -> Callable[[Request], Reply]:
    calls: list[Request] = []

    def answer(request: Request) -> Reply:
        calls.append(request)
        if len(calls) == 1:
            os.kill(pid, signal.SIGKILL)
        return Reply(200, b"ok")

    return answer


def test_500_twice_then_200_delivers_once_under_one_key(tmp_path: Path) -> None:
    handler = Handler()
    flaky = [Reply(500, b"busy"), Reply(500, b"busy"), Reply(200, b"ok")]
    with LoopbackServer({"/hook": flaky}) as hooks, smtp_server(handler) as port:
        path = _config(tmp_path, port, f'"{hooks.url("/hook")}"')
        result = pipeline.run(config.load(path), now=NOW, sleep=no_sleep)
        again = pipeline.run(config.load(path), now=NOW + timedelta(hours=2), sleep=no_sleep)
    assert result.ok and again.reports[0].note == "nothing new; sent nothing"
    posts = _posts(hooks, "/hook")
    assert len(posts) == 3 and len({p.headers["idempotency-key"] for p in posts}) == 1
    with store.Store(config.load(path).state) as state:
        statuses = {d.recipient: d.status for d in state.deliveries("ai-2026-11-25")}
    assert statuses == {"a@example.org": "sent", "b@example.org": "sent", hooks.url("/hook"): "sent"}


def test_a_404_webhook_is_one_line_naming_it_and_email_still_goes_out(tmp_path: Path) -> None:
    handler = Handler()
    with LoopbackServer({}) as hooks, smtp_server(handler) as port:
        path = _config(tmp_path, port, f'"{hooks.url("/gone")}"')
        done = subprocess.run(
            [sys.executable, "-m", "digest", "run", "--config", str(path)], capture_output=True, text=True, check=False
        )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: ai: {hooks.url('/gone')}: HTTP 404: not found"]
    assert sorted(r.recipients[0] for r in handler.received) == ["a@example.org", "b@example.org"]
    assert len(_posts(hooks, "/gone")) == 1, "a 4xx is final: not retried"


def test_a_dead_webhook_server_does_not_hold_up_email(tmp_path: Path) -> None:
    handler = Handler()
    with smtp_server(handler) as port:
        path = _config(tmp_path, port, '"http://127.0.0.1:1/hook"')
        result = pipeline.run(config.load(path), now=NOW, sleep=no_sleep)
    assert sorted(r.recipients[0] for r in handler.received) == ["a@example.org", "b@example.org"]
    ((recipient, reason),) = result.reports[0].failed
    assert recipient == "http://127.0.0.1:1/hook" and reason.startswith("cannot reach the webhook (ConnectError")


def test_slack_body_keeps_within_50_blocks_and_points_to_the_archive() -> None:
    story = Story(
        id="s",
        headline="Studio <sues> startup & co",
        url="https://ledger.example/a",
        sentences=(Sentence("A court heard the case.", "The Ledger", "https://ledger.example/a"),),
        outlets=(Credit("The Ledger", "https://ledger.example/a"), Credit("Copycat", None, copy_of="The Ledger")),
        articles=2,
    )
    issue = Issue("ai-1", "ai", "AI", NOW, "AI: 25 November", "<html></html>", "text", stories=(story,) * 30)
    body = slack_payload(issue, "https://digest.example.org/archive/ai/1.html")
    assert len(body["blocks"]) <= MAX_BLOCKS
    assert body["blocks"][-1]["text"]["text"].startswith("14 more stories in the archive: <https://digest")
    section = body["blocks"][1]["text"]["text"]
    assert section.startswith("*<https://ledger.example/a|Studio &lt;sues&gt; startup &amp; co>*")
    assert "(copy of The Ledger)" in body["blocks"][2]["elements"][0]["text"]


def test_a_sentence_that_would_overflow_a_section_is_left_out_whole() -> None:
    long = Sentence("word " * 400, "The Ledger", "https://ledger.example/a")
    story = Story("s", "Headline", "https://ledger.example/a", (long, long), (Credit("The Ledger", None),), articles=1)
    issue = Issue("ai-1", "ai", "AI", NOW, "AI: 25 November", "<html></html>", "text", stories=(story,))
    section = slack_payload(issue, None)["blocks"][1]["text"]["text"]
    assert len(section) <= 3000 and section.count("|The Ledger>") == 1 and section.endswith("|The Ledger>")


def test_check_tries_each_webhook_without_posting(tmp_path: Path) -> None:
    with LoopbackServer({"/hook": Reply(405, b"invalid_payload")}) as hooks:
        path = _config(tmp_path, 1, f'"{hooks.url("/hook")}", "http://127.0.0.1:1/dead"')
        result = health.check(config.load(path), smtp=False)
    alive, dead = result.channels
    assert alive.problem is None and alive.detail == "reachable (HTTP 405 to HEAD)"
    assert dead.problem is not None and dead.problem.startswith("cannot reach the webhook (ConnectError")
    assert [r.method for r in hooks.requests] == ["HEAD"] and not result.ok


def test_a_dead_webhook_does_not_hold_back_the_next_issue_and_is_tried_again(tmp_path: Path) -> None:
    """The first issue reached the email recipients but not the webhook: the next run still sends its own issue
    by email, and tries the webhook again for both, within MAX_ATTEMPTS runs."""
    handler = Handler()
    with smtp_server(handler) as port:
        path = write_config(tmp_path, port=port, digest=f'{RECIPIENTS}\nquiet_day = true\nwebhooks = ["{DEAD}"]')
        first = pipeline.run(config.load(path), now=NOW, sleep=no_sleep)
        second = pipeline.run(config.load(path), now=NOW + timedelta(hours=2), sleep=no_sleep)
    assert first.reports[0].issue == "ai-2026-11-25" and second.reports[0].issue == "ai-2026-11-25-2"
    assert len(handler.received) == 4, "each recipient got both issues once"
    assert [r for r, _ in second.reports[0].failed] == [DEAD, DEAD]
    assert "retried ai-2026-11-25" in second.reports[0].line()
    with store.Store(config.load(path).state) as state:
        tries = {d.issue: d.attempts for d in state.deliveries("ai-2026-11-25") if d.recipient == DEAD}
    assert tries == {"ai-2026-11-25": 2}


DEAD = "http://127.0.0.1:1/hook"
