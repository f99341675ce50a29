"""The readers' site in a real browser (#17): headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright) signs up on the index page of a served digest, opens the confirmation link from the email the SMTP
server received, gets the next issue from a real run, and unsubscribes with the link in that issue's footer;
the run after that sends it nothing.

The sign-up, confirmation and unsubscribe pages are shot at 375 and 800 px in light and dark schemes, to
$DIGEST_SCREENSHOTS (default out/screenshots) as site-<page>-<width>-<scheme>.png, and none scrolls sideways.
Skipped when /usr/bin/chromium is missing, as tests/test_browser.py is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import chromium
from conftest import ROOT
from playwright.sync_api import Browser
from test_browser import SCHEMES, WIDTHS
from test_site import Live, link_in, live, wait_for_mail

__all__ = ["live"]  # the fixture, used by name

SHOTS = Path(os.environ.get("DIGEST_SCREENSHOTS") or ROOT / "out" / "screenshots")
READER = "browser-reader@example.org"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def shoot(browser: Browser, url: str, name: str) -> None:
    """The page at each width and scheme: a screenshot, and no sideways scrolling. GET only: nothing changes."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        for scheme in SCHEMES:
            context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
            page = context.new_page()
            page.goto(url)
            overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} at {width} px ({scheme}) scrolls sideways by {overflow} px"
            page.screenshot(path=str(SHOTS / f"site-{name}-{width}-{scheme}.png"), full_page=True)
            context.close()


def test_sign_up_confirm_read_and_unsubscribe_in_chromium(live: Live, browser: Browser) -> None:
    index = f"{live.base}archive/ai/index.html"
    shoot(browser, index, "signup")
    context = browser.new_context(viewport={"width": 800, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(index)
    page.fill("input[name=email]", READER)
    page.click("button:has-text('Subscribe')")
    page.wait_for_selector("h1:has-text('Check your inbox')")
    assert all(url.startswith(live.base) for url in requests), "the site asks for nothing elsewhere"

    (confirmation,) = wait_for_mail(live, READER)
    link = link_in(confirmation.message(), "confirm")
    shoot(browser, link, "confirm")
    assert live.status(READER) == "pending", "opening the link (or shooting it) confirms nothing by itself"
    page.goto(link)
    page.click("button:has-text('Confirm my subscription')")
    page.wait_for_selector("h1:has-text('You are subscribed')")
    assert live.status(READER) == "confirmed"

    live.next_issue()
    issue = live.mail_to(READER)[-1].message()
    assert issue["Subject"].startswith("AI Digest"), issue["Subject"]
    unsubscribe = link_in(issue, "unsubscribe")  # the footer's link
    assert unsubscribe in issue["List-Unsubscribe"]
    shoot(browser, unsubscribe, "unsubscribe")
    assert live.status(READER) == "confirmed", "GET never unsubscribes"
    page.goto(unsubscribe)
    page.click("button:has-text('Unsubscribe')")
    page.wait_for_selector("h1:has-text('You are unsubscribed')")
    assert live.status(READER) == "unsubscribed"
    context.close()

    sent = len(live.mail_to(READER))
    live.next_issue()
    assert len(live.mail_to(READER)) == sent, "the run after unsubscribing sends nothing to that address"
