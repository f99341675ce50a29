"""The language of a text, conservatively, and language tags as ISO 639-1 codes.

CLD2 (pycld2) over py3langid: CLD2's tables are compiled into the extension, so importing it costs about 2 ms
and a call well under one, where py3langid took 0.27 s to import and 1.1 s for its first call (it unpickles its
model) on this machine; CLD2 also says when its answer is unreliable, which is what "unknown rather than
wrong" needs. Measured on ../shared/eval/feeds: of the 1,042 articles whose feed declares a language (en 958,
de 44, pt 40; customfields.rss's `kn` left out), CLD2 agrees on all 524 with 40 letters or more but two
(unsure, none contradicting); under 40 letters it is unsure of 11 of 18 (and calls "iPhone 16 Pro im Test"
English). heise's German with English product names is 62-70% German: MIN_PERCENT is below that.
"""

from __future__ import annotations

import re

import pycld2

MIN_LETTERS = 40  # fewer letters (a headline, a link post) are not enough to tell a language by
MIN_PERCENT = 60  # of the text in the top language, else it is mixed: unknown (German tech news runs 62-70%)
# A declared language (a feed's <language>, a page's lang) stands unless the text says otherwise at length and
# without doubt: feeds keep their platform's default ("en-US" on a Portuguese blog) or a wrong code ("kn").
CONTRADICT_LETTERS = 200
CONTRADICT_PERCENT = 90

# CLD2's codes that are not ISO 639-1, and tags older than their code.
_RENAMED = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro", "nb": "no", "nn": "no"}
_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*$")
# What CLD2 rejects as input: C0 controls but tab and newline, and lone surrogates.
_UNREADABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def normalize(tag: str | None) -> str | None:
    """ "de-DE", "pt_BR", "EN" -> "de", "pt", "en"; None for what is no language tag ("", "x-default", "123")."""
    match = _TAG.match(tag or "")
    if not match:
        return None
    code = match[1].lower()
    if len(code) == 3:
        return _THREE_LETTERS.get(code)
    return _RENAMED.get(code, code)


_THREE_LETTERS = {"eng": "en", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr", "spa": "es", "por": "pt"}


def _guess(text: str) -> tuple[str | None, int, int]:
    """(ISO 639-1 code or None, percent of the text in it, letters) from CLD2; None when it is not sure."""
    clean = _UNREADABLE.sub(" ", text)
    letters = sum(1 for c in clean if c.isalpha())
    if letters < MIN_LETTERS:
        return None, 0, letters
    try:
        reliable, _bytes, found = pycld2.detect(clean)
    except pycld2.error:  # input CLD2 cannot read after all: unknown, not a failure
        return None, 0, letters
    _name, code, percent, _score = found[0]
    if not reliable or code == "un":
        return None, 0, letters
    return normalize(code.split("-")[0]), int(percent), letters


def detect(text: str) -> str | None:
    """The ISO 639-1 code of the language the text is in; None for short or mixed text, or when unsure."""
    code, percent, _letters = _guess(text)
    return code if percent >= MIN_PERCENT else None


def settle(declared: str | None, text: str) -> str | None:
    """An article's language: what its feed or page declares, unless its text says otherwise at length and
    without doubt; else what its text says; None when neither tells.

    On ../shared/eval/feeds: customfields.rss declares `kn` (Kannada) for English items, uolNoticias.rss is
    Portuguese with an empty <language>, heise.atom declares `de` for German.
    """
    code, percent, letters = _guess(text)
    if declared is None:
        return code if percent >= MIN_PERCENT else None
    if code and code != declared and percent >= CONTRADICT_PERCENT and letters >= CONTRADICT_LETTERS:
        return code
    return declared
