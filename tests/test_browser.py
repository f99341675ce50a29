"""The HTML part in a real browser: headless Chromium (Debian's, /usr/bin/chromium) driven by Playwright.

Two digests (the seeds corpus, and 20 hostile stories: long unbreakable words and URLs, markup in every
field), each at 375 px (a phone) and 800 px (a desktop), in light and dark color schemes:
- no horizontal scrolling, and no element reaches past the right edge;
- every headline (h2) is rendered, inside the viewport's width, with readable contrast; the hostile digest is
  past Gmail's clip, so its last stories are headline links under "More in this issue";
- every visible text has contrast >= 4.5:1 against what is really behind it (computed styles, alpha composited),
  and sits on a light background in the light scheme and a dark one in the dark scheme;
- nothing from a feed runs (no script, no dialog) and the page requests nothing (no fonts, pixels, images).

The archive's pages get the same checks: an issue's page (the seeds issue between two others, with links to
both and story anchors) and the index of three issues, newest first.

Full-page screenshots go to out/screenshots/<page>-<width>-<scheme>.png (or $DIGEST_SCREENSHOTS) for a person
to look at.
Skipped when /usr/bin/chromium is missing (`.ci/run` installs Debian's `chromium` in CI); Playwright never
downloads a browser of its own here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from chromium import chromium
from conftest import ROOT
from playwright.sync_api import Browser, Dialog, FloatRect, Route

from digest import config, pipeline, publish, render
from digest.models import Credit, Digest, Issue, Sentence, Story

SCREENSHOTS = Path(os.environ.get("DIGEST_SCREENSHOTS") or ROOT / "out" / "screenshots")
SCREENSHOT_MAX_HEIGHT = 6000  # px: the top of a long page shows the layout; the whole would be megabytes
NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
WIDTHS = (375, 800)
Scheme = Literal["light", "dark"]
SCHEMES: tuple[Scheme, ...] = ("light", "dark")
# Colored on purpose (the "Update" badge): contrast is checked, the light/dark background is not.
BADGES = ("span.up",)
MIN_CONTRAST = 4.5
# Set by the markup planted in the hostile digest, should it ever run.
PWNED = "__digestPwned"
EVIL_SCRIPT = f"<script>window.{PWNED}=1;alert(1)</script>"
EVIL_IMG = f'<img src="https://tracker.invalid/p.gif" onerror="window.{PWNED}=2">'
LONG_WORD = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft"
LONG_URL = "https://www.long-outlet-name.example.com/2026/11/23/" + "a" * 60 + "?utm_source=" + "b" * 30

# One pass over the rendered page: every fact the assertions need, measured by the browser itself.
MEASURE_JS = """
() => {
  const vw = window.innerWidth;
  const visible = (el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  const backgrounds = (el) => {
    const chain = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = getComputedStyle(e).backgroundColor;
      chain.push(bg);
      const alpha = bg.startsWith("rgba(") ? parseFloat(bg.split(",")[3]) : 1;
      if (alpha >= 1) break;
    }
    return chain;
  };
  const label = (el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : "");
  const texts = [];
  const overflowing = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.left < -0.5 || r.right > vw + 0.5)) {
      overflowing.push(`${label(el)} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
    const own = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.data).join("");
    if (own.trim()) {
      texts.push({where: label(el), text: own.trim().slice(0, 60), color: getComputedStyle(el).color,
                  backgrounds: backgrounds(el)});
    }
  }
  const headlines = [...document.querySelectorAll("h2")].map((h) => {
    const r = h.getBoundingClientRect();
    const parts = [h, ...h.querySelectorAll("*")].filter((e) =>
      [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.data.trim()));
    return {text: h.textContent.trim().slice(0, 60), visible: visible(h),
            left: r.left, right: r.right, width: r.width, height: r.height,
            parts: parts.map((e) => ({where: label(e), text: e.textContent.trim().slice(0, 60),
                                       color: getComputedStyle(e).color, backgrounds: backgrounds(e)}))};
  });
  return {
    viewport: vw,
    scrollWidth: document.scrollingElement.scrollWidth,
    headlines,
    more: document.querySelectorAll("ul.more li").length,
    neighbours: [...document.querySelectorAll("a[rel=prev], a[rel=next]")].map((a) => a.getAttribute("rel")),
    anchors: [...document.querySelectorAll("h2[id]")].map((h) => h.id),
    texts,
    overflowing,
    scripts: document.scripts.length,
    pwned: window.__digestPwned === undefined ? null : window.__digestPwned,
  };
}
"""


@dataclass(frozen=True)
class Page:
    name: str
    html: str
    stories: int  # headlines (h2) expected: stories, or issues on the index
    clipped: bool = False  # past Gmail's clip: the last stories are headline links under "More in this issue"
    neighbours: tuple[str, ...] = ()  # rel="prev"/"next" links expected


def seeds_digest() -> Digest:
    """The issue `digest preview` builds from the seeds corpus, at a fixed time."""
    settings = config.load(ROOT / "config.toml")
    return pipeline.build_digest(settings, pipeline.gather(settings.sources).articles, NOW)


def hostile_story(index: int) -> Story:
    outlets = tuple(
        Credit(
            outlet=f"Outlet{index}{j}" + "X" * 50 if j == 2 else f"Outlet {j} {EVIL_SCRIPT}",
            url=f"{LONG_URL}&story={index}&outlet={j}",
            title=LONG_URL if j == 1 else f"{LONG_WORD} {EVIL_IMG}",
            copy_of="Outlet 0" if j == 3 else None,
        )
        for j in range(4)
    )
    sentences = tuple(
        Sentence(
            text=f"Sentence {k} of story {index} cites {LONG_URL} and says {LONG_WORD} {EVIL_SCRIPT} loudly.",
            outlet=outlets[k % 4].outlet,
            url=outlets[k % 4].url,
            also=outlets[1:3] if k == 1 else (),
        )
        for k in range(4)
    )
    return Story(
        id=f"hostile-{index}",
        headline=f"{index}: {LONG_WORD} {EVIL_SCRIPT} {EVIL_IMG}",
        url=outlets[0].url,
        sentences=sentences,
        outlets=outlets,
        first_reported=outlets[0],
        first_published=NOW,
        articles=4,
        update=index % 5 == 1,
    )


def hostile_digest() -> Digest:
    return Digest(
        title=f"Policy {EVIL_SCRIPT} Watch {LONG_WORD}",
        topic=f'"{LONG_WORD}" OR {EVIL_IMG}',
        created=NOW,
        stories=tuple(hostile_story(i) for i in range(20)),
    )


def archive(folder: Path, digest: Digest, title: str) -> tuple[str, str]:
    """The seeds issue's archive page between the issues of the day before and after, and the index of all
    three, as publish writes them with render's pages."""
    settings = config.load(ROOT / "config.toml")
    issues = [
        Issue(
            id=f"ai-{(digest.created + timedelta(days=day)).date().isoformat()}",
            digest="ai",
            title=title,
            created=digest.created + timedelta(days=day),
            subject=f"{title}: day {day}",
            html="",
            text="",
            stories=digest.stories if day == 0 else digest.stories[day + 1 :: 3],
        )
        for day in (-1, 0, 1)
    ]
    site = publish.Site(folder, "https://digest.example.org/", "ai", title, digest.topic)
    publish.publish(site, issues, keep=5, pages=render.WebPages(ROOT / "templates", title, settings.digest.topic))
    page = (folder / publish.archive_path(issues[1].digest, issues[1].id)).read_text(encoding="utf-8")
    return page, (folder / "archive" / "ai" / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Page]:
    settings = config.load(ROOT / "config.toml")
    seeds = seeds_digest()
    hostile = hostile_digest()
    issue_page, index = archive(tmp_path_factory.mktemp("archive"), seeds, settings.digest.title)
    hostile_page, _ = archive(tmp_path_factory.mktemp("hostile"), hostile, hostile.title)
    return {
        "seeds": Page("seeds", pipeline.render_digest(settings, seeds).html, len(seeds.stories)),
        "hostile20": Page("hostile20", pipeline.render_digest(settings, hostile).html, len(hostile.stories), True),
        "archive": Page("archive", issue_page, len(seeds.stories), neighbours=("prev", "next")),
        "archive-hostile20": Page("archive-hostile20", hostile_page, len(hostile.stories), neighbours=("prev", "next")),
        "index": Page("index", index, 3),
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


RGB = re.compile(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+))?\s*\)")


def rgba(css: str) -> tuple[float, float, float, float]:
    match = RGB.fullmatch(css.strip())
    assert match, f"unexpected computed color {css!r}"
    r, g, b, a = match.groups()
    return float(r), float(g), float(b), 1.0 if a is None else float(a)


def over(top: tuple[float, float, float, float], below: tuple[float, float, float]) -> tuple[float, float, float]:
    """`top` composited over an opaque `below`."""
    alpha = top[3]
    return (
        top[0] * alpha + below[0] * (1 - alpha),
        top[1] * alpha + below[1] * (1 - alpha),
        top[2] * alpha + below[2] * (1 - alpha),
    )


def backdrop(chain: list[str]) -> tuple[float, float, float]:
    """What is really behind an element: its own background and its ancestors', down to the first opaque one."""
    layers = [rgba(c) for c in chain]
    assert layers and layers[-1][3] >= 1, f"no opaque background behind the text: {chain}"
    color = layers[-1][:3]
    for layer in reversed(layers[:-1]):
        color = over(layer, color)
    return color


def luminance(color: tuple[float, float, float]) -> float:
    linear = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in color]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_of(text: dict[str, Any]) -> tuple[float, float]:
    """(WCAG contrast ratio of the text, luminance of its background)."""
    behind = backdrop(text["backgrounds"])
    front = over(rgba(text["color"]), behind)
    light, dark = sorted((luminance(front), luminance(behind)), reverse=True)
    return (light + 0.05) / (dark + 0.05), luminance(behind)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["seeds", "hostile20", "archive", "archive-hostile20", "index"])
def test_digest_in_chromium(browser: Browser, pages: dict[str, Page], name: str, width: int, scheme: Scheme) -> None:
    page = pages[name]
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    requests: list[str] = []
    dialogs: list[str] = []

    def refuse(route: Route) -> None:
        requests.append(route.request.url)
        route.abort()

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    try:
        context.route("**/*", refuse)
        tab = context.new_page()
        tab.on("dialog", dismiss)
        tab.set_content(page.html, wait_until="load")
        facts: dict[str, Any] = tab.evaluate(MEASURE_JS)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        height = min(tab.evaluate("document.scrollingElement.scrollHeight"), SCREENSHOT_MAX_HEIGHT)
        clip: FloatRect = {"x": 0, "y": 0, "width": width, "height": height}
        tab.screenshot(path=SCREENSHOTS / f"{name}-{width}-{scheme}.png", full_page=True, clip=clip)
    finally:
        context.close()

    assert facts["viewport"] == width
    # Nothing from a feed ran, and the page fetched nothing.
    assert facts["pwned"] is None, f"markup from a feed ran: window.{PWNED} = {facts['pwned']}"
    assert facts["scripts"] == 0 and not dialogs, f"{facts['scripts']} script elements, dialogs {dialogs}"
    assert not requests, f"the page requested {requests}"
    # No horizontal scrolling, and nothing clipped or hanging off the right edge.
    assert facts["scrollWidth"] <= width, f"horizontal overflow: {facts['scrollWidth']} px > {width} px"
    assert not facts["overflowing"], f"elements past the viewport: {facts['overflowing'][:5]}"
    # Every headline is there, rendered, inside the viewport and readable.
    headlines, more = facts["headlines"], facts["more"]
    assert (more > 0) == page.clipped
    assert len(headlines) - (1 if more else 0) + more == page.stories
    assert set(facts["neighbours"]) == set(page.neighbours)  # at the top and at the bottom
    if name.startswith("archive"):  # every story has the anchor the feeds link to
        assert facts["anchors"] == [publish.anchor(n) for n in range(1, page.stories + 1)]
    for headline in headlines:
        assert headline["visible"] and headline["width"] > 0 and headline["height"] > 0, headline["text"]
        assert headline["left"] >= 0 and headline["right"] <= width, headline
        assert headline["parts"], f"headline without text: {headline}"
        for part in headline["parts"]:
            ratio, _ = contrast_of(part)
            assert ratio >= MIN_CONTRAST, f"headline {part['where']} {part['text']!r}: contrast {ratio:.2f}"
    # Every visible text is readable, on the background of the scheme asked for (dark mode really applies).
    assert len(facts["texts"]) > page.stories
    for text in facts["texts"]:
        ratio, background = contrast_of(text)
        assert ratio >= MIN_CONTRAST, f"{scheme}: {text['where']} {text['text']!r}: contrast {ratio:.2f}"
        if text["where"] in BADGES:
            continue
        if scheme == "dark":
            assert background < 0.05, f"dark scheme, light background behind {text['where']} {text['text']!r}"
        else:
            assert background > 0.7, f"light scheme, dark background behind {text['where']} {text['text']!r}"
