"""A story in a right-to-left language, in Chromium (Debian's, /usr/bin/chromium, driven by Playwright as in
tests/test_browser.py): an Arabic story inside an English digest reads right to left, its lines start at the
card's right edge, while its credits and the English story beside it read left to right.

Skipped when /usr/bin/chromium is missing (`.ci/run` installs it).
"""

from __future__ import annotations

from typing import Any

from chromium import chromium
from test_locale import ARABIC, rtl_digest
from test_render import TEMPLATES

from digest import render

# For each story's first sentence: its direction, where its text's first line starts and ends, and its box;
# and the direction of the credit after it.
MEASURE_JS = """
() => [...document.querySelectorAll("h2[id]")].map((h2) => {
  const p = h2.parentElement.querySelector("p:not(.m)");
  const range = document.createRange();
  range.selectNodeContents(p.firstChild);
  const line = range.getClientRects()[0];
  const box = p.getBoundingClientRect();
  const credit = p.querySelector("span.m");
  return {
    heading: getComputedStyle(h2).direction,
    direction: getComputedStyle(p).direction,
    lang: p.lang,
    left: line.left - box.left,
    right: box.right - line.right,
    credit: credit ? getComputedStyle(credit).direction : null,
    text: p.firstChild.textContent.trim(),
  };
})
"""


def test_an_rtl_story_renders_right_to_left_in_chromium() -> None:
    page = render.render(rtl_digest(), templates=TEMPLATES).html
    with chromium() as browser:
        tab = browser.new_context(viewport={"width": 800, "height": 900}).new_page()
        tab.set_content(page, wait_until="load")
        arabic, english = tab.evaluate(MEASURE_JS)
    facts: dict[str, Any] = arabic
    assert facts["text"] == ARABIC[0] and facts["lang"] == "ar"
    assert facts["heading"] == facts["direction"] == "rtl"
    assert facts["right"] < 2 < facts["left"], facts  # the first line starts at the right edge
    assert facts["credit"] == "ltr"
    assert english["heading"] == english["direction"] == english["credit"] == "ltr"
    assert english["left"] < 2 < english["right"], english
