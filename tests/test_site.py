"""The readers' site (#17) over loopback: `digest serve` (uvicorn in a thread) with a real SMTP server
(aiosmtpd) receiving the confirmation emails and the issues, a real SQLite state, and httpx as the reader.

Sign-up, confirmation and one-click unsubscribe end to end; a forged or altered token refused with 400 and
nothing changed; the same answer for a new, pending or known address; rate limits per client and per address;
413 for a body over the limit; CSRF; a missing secret as one clear config error; SIGTERM.
(tests/test_site_browser.py walks the same flow in Chromium; tests/test_site_store.py runs the store's side
on SQLite and PostgreSQL.)
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from conftest import write_config
from smtp_server import Handler, Received, free_port, smtp_server

from digest import cli, config, pipeline, store
from digest.errors import ConfigError
from digest.site import server

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
SECRET_ENV = "DIGEST_TEST_SITE_SECRET"
SECRET = "test-secret-0123456789-abcdefghij"
OWNER = "owner@example.org"


def no_sleep(seconds: float) -> None:
    """Retries happen at once in tests."""


def site_config(folder: Path, smtp_port: int, web_port: int, site: str = "", digest: str = "") -> Path:
    """The seeds digest mailing `OWNER` over 127.0.0.1:smtp_port, served at 127.0.0.1:web_port, with [site]
    (and `digest`'s keys); quiet days send a short issue, so every run after the first has something to send."""
    path = write_config(folder, port=smtp_port, digest=f"quiet_day = true\n{digest}")
    text = path.read_text(encoding="utf-8")
    text = text.replace('to = ["a@example.org", "b@example.org", "c@example.org"]', f'to = ["{OWNER}"]')
    text = text.replace('base_url = "https://digest.example.org/"', f'base_url = "http://127.0.0.1:{web_port}/"')
    text += f'\n[site]\nsecret_env = "{SECRET_ENV}"\n{site}\n'
    path.write_text(text, encoding="utf-8")
    return path


def run_once(path: Path, now: datetime) -> pipeline.RunResult:
    result = pipeline.run(config.load(path), now=now, sleep=no_sleep)
    assert result.ok, [r.failures() for r in result.reports]
    return result


@dataclass
class Live:
    """A served site: its config, base URL and the SMTP server's inbox."""

    path: Path
    base: str
    inbox: Handler
    runs: int = 1

    def next_issue(self) -> None:
        """A real `digest run`, a day after the last, to the same SMTP server."""
        run_once(self.path, NOW + timedelta(days=self.runs))
        self.runs += 1

    def mail_to(self, address: str) -> list[Received]:
        return [r for r in self.inbox.received if address in r.recipients]

    def status(self, address: str) -> str | None:
        with store.Store(config.load(self.path).state) as state:
            found = state.subscriber("ai", address)
        return found.status if found else None


@contextmanager
def serving(path: Path, port: int) -> Iterator[str]:
    """`digest serve`'s uvicorn server for this config, in a thread, on 127.0.0.1:port."""
    with running(server.server(config.load(path), "127.0.0.1", port), port) as base:
        yield base


@contextmanager
def running(uv: uvicorn.Server, port: int) -> Iterator[str]:
    """A uvicorn server listening on 127.0.0.1:port, in a thread, until the block ends."""
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        uv.should_exit = True
        thread.join(15)


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Live]:
    """A first issue sent to OWNER (so the archive and its index exist), then the site served. A test marked
    `site("key = value")` gets those [site] keys."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    marker = request.node.get_closest_marker("site")
    extra = marker.args[0] if marker else ""
    handler = Handler()
    with smtp_server(handler) as smtp_port:
        web_port = free_port()
        path = site_config(tmp_path, smtp_port, web_port, extra)
        run_once(path, NOW)
        with serving(path, web_port) as base:
            yield Live(path, base, handler)


def form_page(client: httpx.Client, base: str) -> str:
    answer = client.get(f"{base}archive/ai/index.html")
    assert answer.status_code == 200
    return answer.text


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the index page has no sign-up form"
    return found.group(1)


def sign_up(client: httpx.Client, base: str, address: str) -> httpx.Response:
    token = csrf_of(form_page(client, base))
    return client.post(f"{base}subscribe", data={"email": address, "digest": "ai", "csrf": token})


def wait_for_mail(live: Live, address: str, count: int = 1) -> list[Received]:
    deadline = time.monotonic() + 10
    while len(live.mail_to(address)) < count:
        assert time.monotonic() < deadline, f"no mail to {address}"
        time.sleep(0.02)
    return live.mail_to(address)


def link_in(message: EmailMessage, path: str) -> str:
    body = message.get_body(("html", "plain"))
    assert body is not None
    found = re.search(rf'https?://[^\s"<>]+/{path}/[A-Za-z0-9_.\-]+', body.get_content())
    assert found, f"no /{path}/ link in the message"
    return found.group(0)


# -- serving ----------------------------------------------------------------------------------------------


def test_serve_answers_the_archive_feeds_and_the_index_with_a_live_form(live: Live) -> None:
    with httpx.Client() as client:
        home = client.get(live.base)
        assert home.status_code == 302 and home.headers["location"].endswith("/archive/ai/index.html")
        page = form_page(client, live.base)
        assert "DIGEST-CSRF-SLOT" not in page and csrf_of(page)
        assert client.cookies.get("digest_csrf")
        issue = client.get(f"{live.base}archive/ai/2026-11-25.html")
        assert issue.status_code == 200 and "<h2" in issue.text
        rss = client.get(f"{live.base}ai.rss")
        assert rss.status_code == 200 and rss.headers["content-type"].startswith("application/rss+xml")
        feed = client.get(f"{live.base}ai.json").json()
        assert feed["version"] == "https://jsonfeed.org/version/1.1"
        assert client.get(f"{live.base}no-such-file.html").status_code == 404
        assert client.post(f"{live.base}ai.rss").status_code == 405


def test_the_json_feed_is_valid_json_feed_1_1(live: Live) -> None:
    """Structure per https://jsonfeed.org/version/1.1: required keys, absolute URLs, RFC 3339 dates; and no
    recipient's own unsubscribe link in any item."""
    feed = json.loads((live.path.parent / "out" / "ai.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "AI Digest"
    assert feed["feed_url"] == f"{live.base}ai.json" and feed["home_page_url"] == f"{live.base}archive/ai/index.html"
    assert feed["items"], "no items"
    for item in feed["items"]:
        assert {"id", "url", "title", "content_html", "date_published"} <= set(item)
        assert all(isinstance(item[key], str) and item[key] for key in ("id", "url", "title", "content_html"))
        assert item["url"].startswith(live.base)
        assert datetime.fromisoformat(item["date_published"]).tzinfo is not None
        assert "DIGEST-UNSUBSCRIBE-TOKEN" not in item["content_html"] and "/unsubscribe/" not in item["content_html"]
        hrefs = re.findall(r'href="([^"]+)"', item["content_html"])
        assert hrefs and all(re.match(r"(https?|mailto):", h) for h in hrefs), hrefs
    for name in ("ai.rss", "ai.atom"):
        assert "DIGEST-UNSUBSCRIBE-TOKEN" not in (live.path.parent / "out" / name).read_text(encoding="utf-8")


# -- sign-up, confirmation, unsubscribe ------------------------------------------------------------------


def test_sign_up_confirm_get_the_next_issue_and_unsubscribe_in_one_click(live: Live) -> None:
    reader = "Reader@Example.ORG"
    with httpx.Client() as client:
        answer = sign_up(client, live.base, reader)
        assert answer.status_code == 200 and "Check your inbox" in answer.text
        (confirmation,) = wait_for_mail(live, "reader@example.org")
        assert confirmation.message()["Content-Language"] == "en"
        link = link_in(confirmation.message(), "confirm")
        assert live.status("reader@example.org") == "pending"
        page = client.get(link)  # a mail scanner following the link confirms nothing
        assert page.status_code == 200 and "<form" in page.text and live.status("reader@example.org") == "pending"
        done = client.post(link)
        assert done.status_code == 200 and "You are subscribed" in done.text
    assert live.status("reader@example.org") == "confirmed"

    live.next_issue()
    (issue,) = live.mail_to("reader@example.org")[1:]
    message = issue.message()
    header = message["List-Unsubscribe"]
    found = re.fullmatch(r"<(http://127\.0\.0\.1:\d+/unsubscribe/[^>]+)>, <mailto:[^>]+>", header)
    assert found, header
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link_in(message, "unsubscribe") == found.group(1), "the footer links to the header's page"
    owner = live.mail_to(OWNER)[-1].message()["List-Unsubscribe"]
    assert owner != header, "each recipient has a token of their own"

    with httpx.Client() as client:
        page = client.get(found.group(1))
        assert page.status_code == 200 and "Unsubscribe" in page.text
        assert live.status("reader@example.org") == "confirmed", "GET never unsubscribes"
        # What a mail provider sends (RFC 8058): no cookies, the body List-Unsubscribe=One-Click.
        one_click = client.post(
            found.group(1),
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert one_click.status_code == 200
    assert live.status("reader@example.org") == "unsubscribed"

    before = len(live.mail_to("reader@example.org"))
    live.next_issue()
    assert len(live.mail_to("reader@example.org")) == before, "a run after unsubscribing sends it nothing"
    assert len(live.mail_to(OWNER)) == 3


def test_a_to_address_that_unsubscribes_gets_nothing_more(live: Live) -> None:
    link = re.search(r"<(http[^>]+)>", live.mail_to(OWNER)[0].message()["List-Unsubscribe"])
    assert link
    with httpx.Client() as client:
        assert client.post(link.group(1), data={"List-Unsubscribe": "One-Click"}).status_code == 200
    live.next_issue()
    assert len(live.mail_to(OWNER)) == 1


def test_a_forged_or_altered_token_is_refused_and_changes_nothing(live: Live) -> None:
    from digest.site.tokens import Signer

    real = live.mail_to(OWNER)[0].message()["List-Unsubscribe"]
    token = re.search(r"/unsubscribe/([^>]+)>", real)
    assert token
    good = token.group(1)
    payload, _, signature = good.rpartition(".")
    altered = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    forged = Signer("another-secret-of-enough-length", 3600).unsubscribe("ai", OWNER)
    other_kind = Signer(SECRET, 3600).confirm("ai", OWNER)  # a confirmation token is no unsubscribe token
    with httpx.Client() as client:
        for bad in (altered, forged, other_kind, "garbage", good[:-3]):
            for method in ("GET", "POST"):
                answer = client.request(method, f"{live.base}unsubscribe/{bad}", data={"List-Unsubscribe": "One-Click"})
                assert answer.status_code == 400, (bad, method)
        confirm_forged = Signer("another-secret-of-enough-length", 3600).confirm("ai", OWNER)
        for bad in (confirm_forged, good, other_kind[:-2] + "xx"):  # an unsubscribe token is no confirmation
            assert client.post(f"{live.base}confirm/{bad}").status_code == 400, bad
        assert live.status(OWNER) is None
        assert client.post(f"{live.base}unsubscribe/{good}", data={"other": "x"}).status_code == 400
        assert live.status(OWNER) is None, "a POST without List-Unsubscribe=One-Click changes nothing"


@pytest.mark.site("confirm_hours = 0.0003")  # about one second
def test_an_expired_confirmation_link_is_refused(live: Live) -> None:
    from digest.site.tokens import Signer

    token = Signer(SECRET, 3600).confirm("ai", "late@example.org")
    time.sleep(2.1)  # itsdangerous counts whole seconds
    with httpx.Client() as client:
        assert client.get(f"{live.base}confirm/{token}").status_code == 400
        assert client.post(f"{live.base}confirm/{token}").status_code == 400
    assert live.status("late@example.org") is None


def test_the_answer_is_the_same_for_a_new_a_pending_and_a_known_address(live: Live) -> None:
    def answer(address: str) -> tuple[int, str]:
        with httpx.Client() as client:
            reply = sign_up(client, live.base, address)
        return reply.status_code, reply.text.replace(address, "ADDRESS")

    new = answer("new@example.org")
    wait_for_mail(live, "new@example.org")
    pending = answer("new@example.org")
    wait_for_mail(live, "new@example.org", 2)  # a pending address gets its link again
    with store.Store(config.load(live.path).state) as state:
        state.set_subscriber("ai", "known@example.org", "confirmed", NOW)
    known = answer("known@example.org")
    assert new == pending == known and new[0] == 200
    time.sleep(0.3)
    assert live.mail_to("known@example.org") == [], "a confirmed address gets no second confirmation"


@pytest.mark.site("client_limit = 3\naddress_limit = 2")
def test_sign_ups_are_limited_per_client_and_per_address(live: Live) -> None:
    with httpx.Client() as client:
        replies = [sign_up(client, live.base, "same@example.org").status_code for _ in range(3)]
        assert replies == [200, 200, 200]
        wait_for_mail(live, "same@example.org", 2)
        time.sleep(0.3)
        assert len(live.mail_to("same@example.org")) == 2, "the third sign-up of one address sends nothing"
        over = sign_up(client, live.base, "fourth@example.org")
        assert over.status_code == 429 and over.headers["retry-after"]
    time.sleep(0.3)
    assert live.mail_to("fourth@example.org") == []


@pytest.mark.site("client_limit = 1")
def test_forwarded_headers_from_anyone_but_a_configured_proxy_are_ignored(live: Live) -> None:
    """No proxies configured: a client cannot pick the address its rate limit counts against."""
    with httpx.Client(headers={"X-Forwarded-For": "203.0.113.1"}) as client:
        assert sign_up(client, live.base, "first@example.org").status_code == 200
    with httpx.Client(headers={"X-Forwarded-For": "203.0.113.2"}) as client:
        assert sign_up(client, live.base, "second@example.org").status_code == 429


@pytest.mark.site('client_limit = 1\nproxies = ["127.0.0.1"]')
def test_a_configured_proxy_names_the_client(live: Live) -> None:
    for number in (1, 2):
        with httpx.Client(headers={"X-Forwarded-For": f"203.0.113.{number}"}) as client:
            assert sign_up(client, live.base, f"via-proxy-{number}@example.org").status_code == 200
    with httpx.Client(headers={"X-Forwarded-For": "203.0.113.1"}) as client:
        assert sign_up(client, live.base, "again@example.org").status_code == 429


@pytest.mark.site("max_body = 512")
def test_a_body_over_the_limit_gets_413(live: Live) -> None:
    with httpx.Client() as client:
        token = csrf_of(form_page(client, live.base))
        big = {"email": "x@example.org", "csrf": token, "pad": "x" * 600}
        assert client.post(f"{live.base}subscribe", data=big).status_code == 413

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
            yield b"email=x%40example.org&pad="
            for _ in range(10):
                yield b"y" * 100

        streamed = client.post(f"{live.base}subscribe", content=chunks())
        assert streamed.status_code == 413
        assert client.post(f"{live.base}unsubscribe/x", content=b"z" * 600).status_code == 413
    time.sleep(0.2)
    assert live.mail_to("x@example.org") == []


def test_the_form_needs_its_csrf_token_and_cookie(live: Live) -> None:
    with httpx.Client() as client:
        token = csrf_of(form_page(client, live.base))
        fields = {"email": "csrf@example.org", "digest": "ai"}
        assert client.post(f"{live.base}subscribe", data=fields).status_code == 403
        assert client.post(f"{live.base}subscribe", data={**fields, "csrf": token + "x"}).status_code == 403
    with httpx.Client() as stranger:  # a token without the cookie it pairs with: another site's forged form
        assert stranger.post(f"{live.base}subscribe", data={**fields, "csrf": token}).status_code == 403
    with httpx.Client() as client:
        assert sign_up(client, live.base, "not an address").status_code == 400
        token = csrf_of(form_page(client, live.base))
        many = {**fields, "csrf": token, **{f"f{n}": "x" for n in range(30)}}  # more fields than a form of ours
        assert client.post(f"{live.base}subscribe", data=many).status_code == 403
    assert live.status("csrf@example.org") is None


def test_a_german_digest_signs_up_and_confirms_in_german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #15 over loopback: the answer page, the confirmation email (with its Content-Language) and the
    confirmation pages of a German digest are German, as is the issue the run mailed."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    handler = Handler()
    with smtp_server(handler) as smtp_port:
        web_port = free_port()
        path = site_config(tmp_path, smtp_port, web_port, digest='locale = "de"')
        run_once(path, NOW)
        with serving(path, web_port) as base, httpx.Client() as client:
            live = Live(path, base, handler)
            answer = sign_up(client, base, "leserin@example.org")
            assert answer.status_code == 200 and '<!doctype html>\n<html lang="de">' in answer.text
            assert "<h1>Bitte sehen Sie in Ihren Posteingang</h1>" in answer.text
            assert "Der Link gilt 48 Stunden lang." in answer.text and "AI Digest: alle Ausgaben" in answer.text
            (received,) = wait_for_mail(live, "leserin@example.org")
            mail = received.message()
            assert mail["Content-Language"] == "de"
            assert mail["Subject"] == "Bestätigen Sie Ihr Abonnement von AI Digest"
            body = mail.get_body(("plain",))
            assert body is not None
            text = body.get_content()
            assert text.startswith("Jemand, hoffentlich Sie selbst, möchte AI Digest an diese Adresse erhalten.")
            assert "Öffnen Sie zur Bestätigung diesen Link innerhalb von 48 Stunden:" in text
            assert "Falls Sie das nicht waren, ignorieren Sie diese Nachricht" in text
            link = link_in(mail, "confirm")
            page = client.get(link)
            assert page.status_code == 200 and '<html lang="de">' in page.text
            assert "<title>Bestätigen Sie Ihr Abonnement: AI Digest</title>" in page.text
            assert "Bestätigen Sie, dass leserin@example.org AI Digest erhalten soll." in page.text
            assert '<button type="submit">Abonnement bestätigen</button>' in page.text
            done = client.post(link)
            assert done.status_code == 200 and "<h1>Ihr Abonnement ist bestätigt</h1>" in done.text
            assert "leserin@example.org erhält die nächste Ausgabe von AI Digest." in done.text
            bad = client.get(f"{base}confirm/garbage")
            assert bad.status_code == 400 and "<h1>Dieser Link funktioniert nicht</h1>" in bad.text
    assert live.status("leserin@example.org") == "confirmed"
    issue = live.mail_to(OWNER)[0].message()
    assert issue["Content-Language"] == "de" and issue["Subject"].startswith("AI Digest: 25. November 2026")


# -- configuration and the command -----------------------------------------------------------------------


def test_a_missing_secret_is_a_clear_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    path = site_config(tmp_path, 25, free_port())
    for command in (["serve", "--port", str(free_port())], ["run"]):
        result = CliRunner().invoke(cli.main, [*command, "--config", str(path)])
        assert result.exit_code == 1, result.output
        lines = result.output.strip().splitlines()
        assert lines[-1].startswith("error: site.secret_env: the environment variable DIGEST_TEST_SITE_SECRET")
        assert "Traceback" not in result.output
        assert not (tmp_path / "state.db").exists(), "the run stops before it fetches or opens its state"
    monkeypatch.setenv(SECRET_ENV, "short")
    result = CliRunner().invoke(cli.main, ["serve", "--config", str(path)])
    assert result.exit_code == 1 and "fewer than 16" in result.output


def test_check_says_whether_the_secret_is_set_before_a_run_would_stop_on_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`digest check` is where an operator looks before the first run: it tests the secret too (left in #17)."""
    path = site_config(tmp_path, free_port(), free_port())
    monkeypatch.delenv(SECRET_ENV, raising=False)
    missing = CliRunner().invoke(cli.main, ["check", "--no-smtp", "--config", str(path)])
    assert missing.exit_code == 1
    assert f"site secret {SECRET_ENV}: error: site.secret_env: the environment variable {SECRET_ENV}" in missing.output
    monkeypatch.setenv(SECRET_ENV, SECRET)
    ready = CliRunner().invoke(cli.main, ["check", "--no-smtp", "--config", str(path)])
    assert ready.exit_code == 0, ready.output
    assert f"site secret {SECRET_ENV}: set ({len(SECRET)} characters)" in ready.output
    assert SECRET not in ready.output  # never the secret itself
    assert not (tmp_path / "state.db").exists()


def test_an_address_in_use_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    path = site_config(tmp_path, 25, free_port())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli.main, ["serve", "--config", str(path), "--port", str(port)])
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1].startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    assert "--port" in result.output and "Traceback" not in result.output


def test_site_keys_are_validated_with_their_line(tmp_path: Path) -> None:
    path = site_config(tmp_path, 25, 8080, 'proxies = ["not-an-ip"]')
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("proxies"))
    assert f"config.toml:{line}: site.proxies has 'not-an-ip'" in str(caught.value)
    (tmp_path / "plain").mkdir()
    assert config.load(write_config(tmp_path / "plain")).site is None, "no [site] table: no site"


def test_serve_shuts_down_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    path = site_config(tmp_path, 25, port)
    environ = {**os.environ, SECRET_ENV: SECRET}
    command = [str(Path(sys.executable).parent / "digest"), "serve", "--config", str(path), "--port", str(port)]
    process = subprocess.Popen(command, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/ai.rss")
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, "digest serve did not start"
                time.sleep(0.1)
        assert answer.status_code == 404  # no run yet: no feed, and an answer all the same
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        log = process.stdout.read() if process.stdout else ""  # uvicorn's access log is on stdout
    finally:
        if process.poll() is None:
            process.kill()
        if process.stdout:
            process.stdout.close()
    assert "Shutting down" in log and '"GET /ai.rss HTTP/1.1" 404' in log, log
