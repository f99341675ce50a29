"""The email in the reader's language (#15): `[digest] locale`, gettext catalogs kept in the package (German,
French, Spanish; English is the source), CLDR dates and plural forms, a story's `lang` and `dir`.

The catalogs are checked against what Babel extracts from the templates, digest/publish.py, the webhook channel
and the readers' site now (babel.cfg, as `make catalogs` extracts it), so a new string without its translations
fails here. Every page digest writes (the email's two parts in every shape, the archive's pages, the feeds, the
webhook's Slack bodies, and each page and the confirmation email of `digest serve`, asked over loopback) is
rendered in each locale, and none of them may hold an English fixed string.
"""

from __future__ import annotations

import gettext
import html
import logging
import re
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from conftest import ROOT, write_config
from smtp_server import free_port
from test_render import (
    CREATED,
    TEMPLATES,
    TRACKING,
    make_digest,
    make_story,
    one_outlet_story,
    two_article_story,
    visible_text,
)
from test_site import SECRET, SECRET_ENV, csrf_of, link_in, running

from digest import config, i18n, pipeline, publish, render
from digest.channels import webhook
from digest.errors import ConfigError
from digest.models import Digest, Issue, Sentence
from digest.site import CSRF_SLOT, app
from digest.site.tokens import Signer

LOCALES = ("de", "fr", "es")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
NAV = {"index": "index.html", "rss": "../../policy.rss", "atom": "../../policy.atom"}
ARCHIVE = "https://news.example.org/policy/2026-11-25.html"
NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
# Some of what each language's reader must see (dates as CLDR writes them there).
EXPECTED = {
    "de": ("In dieser Ausgabe", "Berichtet haben: 4 Medien", "25. November 2026", "23. Nov. 2026", "auch bei"),
    "fr": ("Dans ce numéro", "Couverture\xa0: 4 médias", "25 novembre 2026", "23 nov. 2026", "également dans"),
    "es": ("En esta edición", "Cobertura: 4 medios", "25 de noviembre de 2026", "23 nov 2026", "también en"),
}


def extracted() -> dict[str, tuple[str, ...]]:
    """Every message the templates and modules ask for now (msgid -> its translator comments)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        methods, options = parse_mapping_cfg(handle)  # type: ignore[no-untyped-call]
    found: dict[str, tuple[str, ...]] = {}
    for _, _, message, comments, _ in extract_from_dir(
        ROOT, methods, options, comment_tags=("Translators:",), strip_comment_tags=True
    ):
        key = message[0] if isinstance(message, tuple) else message
        found[key] = found.get(key, ()) + tuple(comments)
    return found


def catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def messages(of: Catalog) -> dict[str, Message]:
    return {m.id[0] if isinstance(m.id, tuple | list) else m.id: m for m in of if m.id}


def forms(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string or ""]


def test_the_template_lists_every_message_the_code_asks_for() -> None:
    template = messages(catalog(i18n.CATALOGS / "digest.pot"))
    assert set(template) == set(extracted()), "run `make catalogs`, then translate what it added"


@pytest.mark.parametrize("locale", LOCALES)
def test_each_catalog_translates_every_message_with_its_placeholders(locale: str) -> None:
    found = extracted()
    path = i18n.catalog_path(locale)
    translated = messages(catalog(path))
    assert set(translated) == set(found), f"{path} does not match the templates: run `make catalogs`"
    plurals = gettext.GNUTranslations  # the standard library must accept the catalog's Plural-Forms
    assert isinstance(i18n._read_catalog(path), plurals)
    for key, message in translated.items():
        assert not message.fuzzy, key
        strings = forms(message)
        assert all(s.strip() for s in strings), f"{locale}: {key!r} is not translated"
        if isinstance(message.id, tuple | list):
            assert len(strings) == catalog(path).num_plurals, f"{locale}: {key!r} needs every plural form"
        # A placeholder a translator comment names may stand in for one of the msgid's (the plain name for
        # English's possessive); every other one must be kept, and none invented.
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        wanted = {name for text in ids for name in PLACEHOLDER.findall(text)}
        named = {name for comment in found[key] for name in PLACEHOLDER.findall(comment)}
        for text in strings:
            used = set(PLACEHOLDER.findall(text))
            assert used <= wanted | named, f"{locale}: {key!r} -> {text!r} uses an unknown placeholder"
            assert wanted - named <= used, f"{locale}: {key!r} -> {text!r} drops a placeholder"


class Recording(gettext.NullTranslations):
    """A catalog that notes every message asked of it."""

    def __init__(self, inner: gettext.NullTranslations) -> None:
        super().__init__()
        self.inner = inner
        self.asked: set[str] = set()

    def gettext(self, message: str) -> str:
        self.asked.add(message)
        return self.inner.gettext(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        self.asked.add(msgid1)
        return self.inner.ngettext(msgid1, msgid2, n)


@dataclass(frozen=True)
class Written:
    """Everything digest wrote in one locale, as a reader sees it, and the messages it asked for."""

    pages: tuple[str, ...]
    asked: frozenset[str]

    @property
    def seen(self) -> str:
        return "\n".join(self.pages)


def _seen_html(page: str) -> str:
    return visible_text(page)[0] + " " + " ".join(re.findall(r'title="([^"]*)"', html.unescape(page)))


def write_everything(locale: str, monkeypatch: pytest.MonkeyPatch, folder: Path) -> Written:
    """Every shape of every page: the email with and without its table of contents, links to the web and an
    unsubscribe link, past Gmail's clip, a one-outlet story, a copy, a folded coverage list; an issue's
    archive page between two others; the index with issues and its sign-up form, and without; the three feeds by
    issue and by story; the webhook's Slack body whole, cut short with and without an archive link; every page
    of the readers' site and its confirmation email (`folder` holds the site's config, state and output)."""
    texts = i18n.texts(locale)
    recording = Recording(texts.translations)
    recorded = replace(texts, translations=recording)
    monkeypatch.setattr(i18n, "texts", lambda locale=i18n.DEFAULT: recorded)
    wide = make_story(7, outlets=6)  # more outlets than the email lists: folded into one line, a copy in it
    undated = replace(make_story(8), first_published=None)
    digest = replace(
        make_digest(7),
        stories=(*make_digest(7).stories, wide, undated, one_outlet_story(copy=True), two_article_story()),
    )
    shapes = [
        render.render(digest, templates=TEMPLATES, locale=locale, archive_url=ARCHIVE, unsubscribe="u@example.org"),
        render.render(make_digest(2), templates=TEMPLATES, locale=locale),
        render.render(make_digest(60, tracking=TRACKING), templates=TEMPLATES, locale=locale, archive_url=ARCHIVE),
        render.render(make_digest(60, tracking=TRACKING), templates=TEMPLATES, locale=locale),
    ]
    pages = [part for shape in shapes for part in (shape.subject, _seen_html(shape.html), shape.text)]
    nav = NAV | {"previous": "2026-11-24.html", "next": "2026-11-26.html"}
    pages.append(_seen_html(render.archive_page(digest, templates=TEMPLATES, subject="S", nav=nav, locale=locale)))
    issue = Issue("policy-1", "policy", "Policy Watch", CREATED, shapes[0].subject, shapes[0].html, "", digest.stories)
    signup = {"action": "../../subscribe", "digest": "policy", "csrf": "token"}
    for issues, form in (([("2026-11-25.html", issue)], signup), ([], None)):
        index = render.archive_index(
            "Policy Watch", digest.topic, issues, NAV, templates=TEMPLATES, locale=locale, signup=form
        )
        pages.append(_seen_html(index))
    site = publish.Site(Path("out"), "https://news.example.org/", "policy", "Policy Watch", digest.topic, locale)
    for granularity in ("issue", "story"):
        pages += [html.unescape(feed.decode()) for feed in publish.feeds(site, [issue], granularity)]
        pages.append(html.unescape(publish.json_feed(site, [issue], granularity).decode()))
    long = replace(issue, stories=make_digest(60).stories)
    for shown, url in ((issue, ARCHIVE), (long, ARCHIVE), (long, None)):
        pages.append(slack_text(webhook.slack_payload(shown, url, locale)))
    pages += site_pages(folder, locale)
    return Written(tuple(pages), frozenset(recording.asked))


def slack_text(body: Any) -> str:
    """Every text a Slack body shows (its `text` and each block's), Slack's three escapes decoded."""
    if isinstance(body, dict):
        return " ".join(slack_text(v) if k != "text" or not isinstance(v, str) else v for k, v in body.items())
    if isinstance(body, list):
        return " ".join(slack_text(item) for item in body)
    return ""


def site_pages(folder: Path, locale: str) -> list[str]:
    """Each page `digest serve` answers, over loopback, for a digest in `locale`, and the confirmation email:
    a sign-up answered, refused (no such digest, expired form, not an address) and over the client limit; the
    confirmation page, confirmed, and refused (a bad link, a digest no longer published); the unsubscribe page,
    one click, a POST without one, a bad link; the plain answers to an unknown digest's index and a body too large."""
    folder.mkdir()
    port = free_port()
    path = write_config(folder, digest=f'locale = "{locale}"')
    text = path.read_text(encoding="utf-8").replace("https://digest.example.org/", f"http://127.0.0.1:{port}/")
    path.write_text(text + f'\n[site]\nsecret_env = "{SECRET_ENV}"\nclient_limit = 2\n', encoding="utf-8")
    settings = config.load(path)
    index = settings.output.dir / "archive" / "ai" / "index.html"
    index.parent.mkdir(parents=True)
    index.write_text(f'<form><input name="csrf" value="{CSRF_SLOT}"></form>', encoding="utf-8")
    mails: list[EmailMessage] = []
    served = app.build(settings, environ={SECRET_ENV: SECRET}, send_mail=mails.append)
    uv = uvicorn.Server(uvicorn.Config(served, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    signer = Signer(SECRET, 3600)
    answers: list[httpx.Response] = []
    with running(uv, port) as base, httpx.Client(base_url=base) as client:
        csrf = csrf_of(client.get("archive/ai/index.html").text)
        answers.append(client.post("subscribe", data={"email": "u@example.org", "digest": "nope", "csrf": csrf}))
        answers.append(client.post("subscribe", data={"email": "u@example.org", "csrf": "stale"}))
        for address in ("u@example.org", "not an address", "v@example.org"):  # the third is over the limit
            answers.append(client.post("subscribe", data={"email": address, "csrf": csrf}))
        deadline = time.monotonic() + 10
        while not mails:  # the confirmation goes out after the answer
            assert time.monotonic() < deadline, "no confirmation email"
            time.sleep(0.02)
        (mail,) = mails
        confirm = link_in(mail, "confirm")
        answers += [client.get(confirm), client.post(confirm), client.get("confirm/garbage")]
        answers.append(client.get(f"confirm/{signer.confirm('gone', 'u@example.org')}"))
        unsubscribe = f"unsubscribe/{signer.unsubscribe('ai', 'u@example.org')}"
        answers += [client.get(unsubscribe), client.post(unsubscribe, data={"other": "x"})]
        answers += [client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}), client.get("unsubscribe/x")]
        plain = [client.get("archive/nope/index.html"), client.post("subscribe", content=b"x" * 5000)]
    assert [a.status_code for a in answers] == [400, 403, 200, 400, 429, 200, 200, 400, 400, 200, 400, 200, 400]
    assert [a.status_code for a in plain] == [404, 413]
    language = i18n.language_tag(locale)
    assert all(f'<html lang="{language}">' in a.text for a in answers) and mail["Content-Language"] == language
    body = mail.get_body(("plain",))
    assert body is not None
    titles = [html.unescape(re.findall(r"<title>(.*)</title>", a.text)[0]) for a in answers]
    seen = [_seen_html(a.text) for a in answers] + titles + [a.text for a in plain]
    return [*seen, str(mail["Subject"]), body.get_content()]


@pytest.fixture(scope="module", params=LOCALES)
def written(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Written]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        folder = tmp_path_factory.mktemp("site") / request.param
        return request.param, write_everything(request.param, monkeypatch, folder)


def test_every_page_asks_for_every_message(written: tuple[str, Written]) -> None:
    """So the check below, that no English is left, covers every fixed string."""
    _, pages = written
    assert set(extracted()) - pages.asked == set()


def english(msgid: str) -> re.Pattern[str] | None:
    """What `msgid` looks like filled in ("Coverage: 4 outlets"), or None when it has too few letters of its own
    to tell English from the translation (a bare colon)."""
    literal = PLACEHOLDER.sub("", msgid)
    if len(re.findall(r"[A-Za-z]", literal)) < 2:
        return None
    parts = [part for part in re.split(r"(%\(\w+\)[sd])", msgid) if part]
    while parts and PLACEHOLDER.fullmatch(parts[-1]):  # what follows the last words is anything
        parts.pop()
    while parts and PLACEHOLDER.fullmatch(parts[0]) and not parts[0].endswith(")d"):
        parts.pop(0)
    parts[0], parts[-1] = parts[0].lstrip(), parts[-1].rstrip()
    pattern = "".join(
        r"\d+" if part.endswith(")d") else ".{1,300}?" if PLACEHOLDER.fullmatch(part) else re.escape(part)
        for part in parts
    )
    return re.compile(r"(?<![\w-])" + pattern + (r"(?![\w-])" if pattern[-1:].isalnum() else ""))


def test_no_english_fixed_string_is_left(written: tuple[str, Written]) -> None:
    locale, pages = written
    translated = messages(catalog(i18n.catalog_path(locale)))
    seen = pages.seen.replace("\xa0", " ")
    for key, message in translated.items():
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        if set(forms(message)) <= set(ids):  # "Links:" is German too
            continue
        for msgid in ids:
            if msgid in forms(message):  # French "2 articles" is the English plural too
                continue
            pattern = english(msgid)
            found = pattern.search(seen) if pattern else None
            assert found is None, f"{locale}: English {found.group()!r} (from {key!r}) is left"


def test_the_readers_language_is_what_they_see(written: tuple[str, Written]) -> None:
    locale, pages = written
    for expected in EXPECTED[locale]:
        assert expected in pages.seen, f"{locale}: {expected!r} missing"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_document_is_in_the_locale_and_a_story_in_another_language_says_its_own(locale: str) -> None:
    german = replace(make_story(0), language="de")
    english = replace(make_story(1), language="en")
    rendered = render.render(replace(make_digest(0), stories=(german, english)), templates=TEMPLATES, locale=locale)
    assert rendered.html.startswith(f'<!doctype html><html lang="{locale}" dir="auto"')
    assert '<h2 id="s2" lang="en">' in rendered.html
    own = '<h2 id="s1">' if locale == "de" else '<h2 id="s1" lang="de">'
    assert own in rendered.html


@pytest.mark.parametrize(
    ("locale", "number", "expected"),
    [
        ("en", 0, "0 outlets"),
        ("en", 1, "1 outlet"),
        ("de", 1, "1 Medium"),
        ("de", 2, "2 Medien"),
        ("de", 0, "0 Medien"),
        # French counts 0 with 1 (CLDR "one"), and round millions take "de" (CLDR "many"), as does Spanish.
        ("fr", 0, "0 média"),
        ("fr", 1, "1 média"),
        ("fr", 2, "2 médias"),
        ("fr", 1_000_000, "1000000 de médias"),
        ("fr", 1_000_001, "1000001 médias"),
        ("es", 0, "0 medios"),
        ("es", 1, "1 medio"),
        ("es", 2, "2 medios"),
        ("es", 2_000_000, "2000000 de medios"),
    ],
)
def test_counts_take_the_plural_form_of_their_language(locale: str, number: int, expected: str) -> None:
    assert i18n.texts(locale).ngettext("%(num)d outlet", "%(num)d outlets", number) == expected


@pytest.mark.parametrize(
    ("locale", "hours", "expected"),
    [
        ("en", 48.0, "48 hours"),
        ("en", 0.0003, "0.0003 hours"),  # as the site always wrote it
        ("de", 1.0, "1 Stunde"),
        ("de", 48.0, "48 Stunden"),
        ("fr", 1.5, "1,5\xa0heure"),  # French counts below 2 as one
        ("fr", 48.0, "48\xa0heures"),
        ("es", 24.0, "24 horas"),
        ("es", 0.0003, "0,0003 horas"),
    ],
)
def test_the_confirmation_links_lifetime_is_written_as_the_locale_writes_hours(
    locale: str, hours: float, expected: str
) -> None:
    assert i18n.texts(locale).hours(hours) == expected


def test_a_rendered_count_agrees_in_german() -> None:
    one = render.render(make_digest(1), templates=TEMPLATES, locale="de").text
    two = render.render(make_digest(2), templates=TEMPLATES, locale="de").text
    assert "1 Meldung aus 4 Medien" in one and "2 Meldungen aus 5 Medien" in two


def test_a_locale_without_a_catalog_warns_once_and_keeps_its_dates(caplog: pytest.LogCaptureFixture) -> None:
    i18n.texts.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="digest.i18n"):
            first = render.render(make_digest(7), templates=TEMPLATES, locale="it")
            again = render.render(make_digest(1), templates=TEMPLATES, locale="it")
            render.archive_page(make_digest(1), templates=TEMPLATES, subject="S", nav=NAV, locale="it")
    finally:
        i18n.texts.cache_clear()
    warnings = [r for r in caplog.records if r.name == "digest.i18n"]
    assert len(warnings) == 1, warnings
    assert "no catalog for locale it" in warnings[0].getMessage()
    assert "In this issue" in first.text and "1 story from 4 outlets" in again.text  # English words
    assert "25 novembre 2026" in first.text and "23 nov 2026" in first.text  # Italian dates
    assert '<html lang="en"' in first.html


def test_regional_english_writes_its_own_dates_and_plain_english_keeps_digests() -> None:
    assert i18n.texts("en_US").long_date(CREATED) == "November 25, 2026"
    assert i18n.texts("en_GB").long_date(CREATED) == "25 November 2026"
    assert i18n.texts().long_date(CREATED) == "25 November 2026" == render.long_date(CREATED)
    assert render.make_subject("{date}", make_digest(0), locale="de") == "25. November 2026"


def test_a_region_uses_its_languages_catalog() -> None:
    texts = i18n.texts("de_CH")
    assert texts.gettext("In this issue") == "In dieser Ausgabe" and texts.language == "de-CH"


ARABIC = (
    "أعلنت الهيئة التنظيمية اليوم عن إصلاحات شاملة بعد مفاوضات طويلة مع الأسواق.",
    "وقال المتحدث إن القواعد الجديدة ستدخل حيز التنفيذ في بداية العام المقبل.",
)


def rtl_digest() -> Digest:
    story = make_story(0)
    arabic = replace(
        story,
        headline="الهيئة التنظيمية تعلن إصلاحات شاملة للأسواق",
        sentences=tuple(
            Sentence(text, s.outlet, s.url, s.also) for text, s in zip(ARABIC, story.sentences, strict=False)
        ),
        language="ar",
        update=True,
    )
    return replace(make_digest(0), stories=(arabic, make_story(1)))


def test_an_rtl_story_is_marked_right_to_left_and_its_credits_left_to_right() -> None:
    page = render.render(rtl_digest(), templates=TEMPLATES).html
    rtl = 'lang="ar" dir="rtl" style="text-align:right"'
    assert f'<h2 id="s1" {rtl}><span class="up" lang="en" dir="ltr">Update</span>' in page
    assert f'<p {rtl}>{ARABIC[0]} <span class="m" lang="en" dir="ltr">—&nbsp;' in page
    assert '<h2 id="s2">' in page  # the English story inherits the document's language


def _write(tmp_path: Path, line: str) -> tuple[Path, int]:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    assert text.count('\nlocale = "en"\n') == 1
    text = text.replace('\nlocale = "en"\n', f"\n{line}\n", 1)
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "seeds").symlink_to(ROOT / "seeds")
    return path, text[: text.index(line)].count("\n") + 1


@pytest.mark.parametrize(("written_as", "loaded"), [("de", "de"), ("de-CH", "de_CH"), ("fr_CA", "fr_CA"), ("it", "it")])
def test_config_takes_a_locale(tmp_path: Path, written_as: str, loaded: str) -> None:
    path, _ = _write(tmp_path, f'locale = "{written_as}"')
    assert config.load(path).digest.locale == loaded


def test_the_default_locale_is_english() -> None:
    assert config.load(ROOT / "config.toml").digest.locale == "en"


@pytest.mark.parametrize("value", ['"xx"', '"de CH"', '""', '"deutsch"'])
def test_an_unknown_or_malformed_locale_is_a_config_error_naming_key_and_line(tmp_path: Path, value: str) -> None:
    path, line = _write(tmp_path, f"locale = {value}")
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert f"config.toml:{line}: digest.locale is not a known locale" in str(caught.value)
    assert "fix `digest.locale`" in caught.value.hint


def test_the_feeds_speak_the_locale() -> None:
    digest = make_digest(2)
    issue = Issue("policy-1", "policy", "Policy Watch", CREATED, "S", "<p>x</p>", "", digest.stories)
    site = publish.Site(Path("out"), "https://news.example.org/", "policy", "Policy Watch", digest.topic, "de")
    rss, atom = (feed.decode() for feed in publish.feeds(site, [issue], "issue"))
    assert "<language>de</language>" in rss and 'xml:lang="de"' in atom
    assert "Nachrichtenüberblick zu: " in html.unescape(rss) and "2 Meldungen: " in html.unescape(rss)


def test_an_english_email_loads_no_babel() -> None:
    """English is the templates' own words and digest's own dates: its runs pay nothing for other languages."""
    code = (
        "import sys\nsys.path.insert(0, 'tests')\nfrom test_render import make_digest, TEMPLATES\n"
        "from digest import render\nrender.render(make_digest(7), templates=TEMPLATES)\n"
        "assert not [m for m in sys.modules if m == 'babel' or m.startswith('babel.')], 'babel loaded'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_a_german_email_loads_babels_dates_and_catalog_reader() -> None:
    code = (
        "import sys\nsys.path.insert(0, 'tests')\nfrom test_render import make_digest, TEMPLATES\n"
        "from digest import render\nrender.render(make_digest(7), templates=TEMPLATES, locale='de')\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('babel.'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    assert "babel.dates" in done.stdout.split() and "babel.messages.pofile" in done.stdout.split()


def test_a_german_digest_previews_and_publishes_in_german(tmp_path: Path) -> None:
    """The seeds through the whole pipeline with `locale = "de"`: the preview's parts and .eml, the archive's
    pages and both feeds."""
    settings = config.load(write_config(tmp_path, digest='locale = "de"'))
    preview = pipeline.preview(settings, now=NOW)
    html_part, text_part, eml = (path.read_text(encoding="utf-8") for path in preview.paths)
    assert '<html lang="de"' in html_part and "In dieser Ausgabe" in html_part
    assert "Berichtet haben:" in text_part and "Zuerst berichtet von" in text_part and "Coverage" not in text_part
    assert "Subject: AI Digest: 25. November 2026" in eml
    assert "\nContent-Language: de\n" in eml.replace("\r\n", "\n")
    assert pipeline.run(settings, now=NOW, dry_run=True).ok
    out = tmp_path / "out"
    page = (out / "archive" / "ai" / "2026-11-25.html").read_text(encoding="utf-8")
    index = (out / "archive" / "ai" / "index.html").read_text(encoding="utf-8")
    assert "Alle Ausgaben von AI Digest" in page and "AI Digest im Feedreader abonnieren" in page
    assert "1 Ausgabe, neueste zuerst" in index and "All issues" not in page + index
    assert "<language>de</language>" in (out / "ai.rss").read_text(encoding="utf-8")
