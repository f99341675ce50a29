"""Render stage: a Digest -> an email subject, an HTML body (via MJML) and a plain-text body; and the web
archive's pages (an issue, the index) in the same style.

Jinja templates do the layout: `digest.mjml.j2` (autoescaped; mjml-python escapes nothing, so Jinja is the
only thing between feed text and the HTML), which also makes an issue's archive page (`web`: the coverage
lists unfolded, links to the previous and next issues); `archive.mjml.j2`, the archive's index; both take
their look from `_head.mjml.j2`; and `digest.txt.j2` (not escaped; wrapped at 72 columns by the `wrap`
filter, links cited as "[n]" and listed at the end).

How a story credits its outlets is decided here, once for both parts (`StoryView`): a story from one outlet
names it once (several articles of it are listed, each sentence citing its own by number); copies are said in
one line where the reader reads; a long coverage list folds to outlet names in the email (the archive page
keeps it whole); a story first published well before the issue shows its date.

The reader's language (`[digest] locale`) is digest.i18n's: every fixed string of the templates goes through
gettext (jinja2's i18n extension, newstyle: `_("Coverage: %(outlets)s", outlets=...)`, counts with
`ngettext("%(num)d outlet", "%(num)d outlets", n)`), dates through its `long_date`/`short_date` filters, and a
story in another language than the document's carries its `lang` (and `dir="rtl"`) via `lang(story)`.

Everything that came from a feed is cleaned once, up front (`_clean_digest`): control characters go
(they break the MJML parser and can smuggle line breaks into headers) and only http(s) links are kept.
"""

from __future__ import annotations

import logging
import re
import string
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import jinja2
import mjml
from markupsafe import Markup, escape

from digest import i18n
from digest.errors import RenderError
from digest.i18n import long_date, short_date
from digest.models import Credit, Digest, Issue, Rendered, Sentence, Story
from digest.text import one_line

__all__ = ["long_date", "short_date"]  # the English dates, where they always lived

HTML_TEMPLATE: Final = "digest.mjml.j2"
TEXT_TEMPLATE: Final = "digest.txt.j2"
INDEX_TEMPLATE: Final = "archive.mjml.j2"
TEXT_WIDTH: Final = 72
TOC_AFTER: Final = 5  # a table of contents only pays off when there is something to skip
FOLD_AFTER: Final = 4  # a coverage list longer than this is one line of outlet names in the email
OLDER_THAN: Final = timedelta(days=3)  # a story first published this long before the issue shows its date
INDEX_HEADLINES: Final = 3  # top headlines of each issue on the archive's index
NOBREAK_MAX: Final = 30  # longest text `nobreak` will glue together
GMAIL_CLIP_BYTES: Final = 102 * 1024  # Gmail hides everything past this behind "View entire message"

# Colors live here rather than in the template so tests can check their contrast (WCAG AA, >= 4.5:1).
# `bg` is the card every text sits on; `page` only shows around the card on screens wider than 600 px.
PALETTE: Final[Mapping[str, str]] = {
    "page": "#eef0f3",
    "bg": "#ffffff",
    "text": "#1a1a1a",
    "muted": "#555555",
    "link": "#0b57d0",
    "rule": "#d9d9d9",
    "badge_bg": "#8a3c00",
    "badge_text": "#ffffff",
    "dark_page": "#000000",
    "dark_bg": "#121212",
    "dark_text": "#e8e8e8",
    "dark_muted": "#b3b3b3",
    "dark_link": "#8ab4f8",
    "dark_rule": "#3a3a3a",
    "dark_badge_bg": "#ffb870",
    "dark_badge_text": "#121212",
}

_WEB_SCHEMES: Final = frozenset({"http", "https"})
_MAIL_SCHEMES: Final = frozenset({"http", "https", "mailto"})
# Text-part glue: keep a "[n]" with the word before it and "—" with the outlet after it when wrapping.
_GLUE_REF: Final = re.compile(r" (?=\[\d+\])")
_GLUE_DASH: Final = re.compile(r"— ")
_ASCII_SPACES: Final = re.compile(r"[ \t\n\r\f\v]+")

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """Installed wheels carry the templates inside the package; a checkout has them at the top level."""
    inside = PACKAGE / "templates"
    return inside if inside.is_dir() else PACKAGE.parent / "templates"


def render(
    digest: Digest,
    *,
    templates: Path,
    subject: str = "{title}: {date}",
    archive_url: str | None = None,
    unsubscribe: str | None = None,
    locale: str = i18n.DEFAULT,
) -> Rendered:
    """Render `digest` with the templates in `templates`, in `locale` (as i18n.parse_locale gives it); raises
    RenderError naming what to fix."""
    clean = _clean_digest(digest)
    texts = i18n.texts(locale)
    env = _environment(templates, texts)
    title = make_subject(subject, clean, locale=locale)
    context: dict[str, Any] = {
        "digest": clean,
        "subject": title,
        "archive_url": _config_url(archive_url, _WEB_SCHEMES, "archive link", "output.base_url"),
        "unsubscribe": _config_url(unsubscribe, _MAIL_SCHEMES, "unsubscribe link", "email.unsubscribe"),
        "toc": len(clean.stories) > TOC_AFTER,
        "c": PALETTE,
        "view": lambda story: StoryView.of(story, clean.created, web=False),
        "web": False,
        "nav": {},
    }
    html = _fitted_html(env, context, clean.stories)
    refs = LinkRefs()  # fresh per render: numbering starts at [1] in every message
    text = _render_template(env, TEXT_TEMPLATE, context | {"ref": refs.ref, "references": refs.listing})
    return Rendered(subject=title, html=html, text=text)


def archive_page(
    digest: Digest, *, templates: Path, subject: str, nav: Mapping[str, str], locale: str = i18n.DEFAULT
) -> str:
    """An issue's archive page: the email's layout with every story in full and its coverage list unfolded,
    story anchors (#s1, #s2, ...) that feeds link to, and `nav` links (index, previous, next, rss, atom: hrefs
    relative to the page, made by publish) at the top and bottom."""
    clean = _clean_digest(digest)
    context: dict[str, Any] = {
        "digest": clean,
        "subject": one_line(subject),
        "archive_url": None,
        "unsubscribe": None,
        "toc": len(clean.stories) > TOC_AFTER,
        "c": PALETTE,
        "view": lambda story: StoryView.of(story, clean.created, web=True),
        "web": True,
        "nav": dict(nav),
        "full": clean.stories,
        "more": (),
        "linked_credits": True,
    }
    return _mjml_to_html(_render_template(_environment(templates, i18n.texts(locale)), HTML_TEMPLATE, context))


@dataclass(frozen=True)
class IndexEntry:
    """One issue on the archive's index: its page (relative href), subject, date and top headlines, each with
    its story's language."""

    href: str
    subject: str
    created: datetime
    stories: int
    headlines: tuple[tuple[str, str | None], ...]


def archive_index(
    title: str,
    topic: str,
    issues: Sequence[tuple[str, Issue]],
    nav: Mapping[str, str],
    *,
    templates: Path,
    locale: str = i18n.DEFAULT,
    signup: Mapping[str, str] | None = None,
) -> str:
    """The archive's index in the issues' style: issues newest first (as given, each with its page's href),
    with their story count and top headlines linked to their anchors; `nav` holds the feeds' hrefs. `signup`
    (action, digest, csrf) adds the sign-up form that `digest serve` answers (#17)."""
    entries = [
        IndexEntry(
            href=href,
            subject=one_line(issue.subject),
            created=issue.created,
            stories=len(issue.stories),
            headlines=tuple((one_line(s.headline), s.language) for s in issue.stories[:INDEX_HEADLINES]),
        )
        for href, issue in issues
    ]
    context: dict[str, Any] = {"title": one_line(title), "topic": one_line(topic), "issues": entries, "nav": dict(nav)}
    context |= {"c": PALETTE, "signup": dict(signup) if signup else None}
    texts = i18n.texts(locale)
    return _mjml_to_html(_render_template(_environment(templates, texts), INDEX_TEMPLATE, context))


class WebPages:
    """The archive's pages as `publish.publish` asks for them (`pages=`), rendered from the stored issues."""

    def __init__(
        self,
        templates: Path,
        title: str,
        topic: str,
        locale: str = i18n.DEFAULT,
        signup: Mapping[str, str] | None = None,
    ) -> None:
        self.templates, self.title, self.topic, self.locale, self.signup = templates, title, topic, locale, signup

    def issue(self, issue: Issue, nav: Mapping[str, str]) -> str:
        digest = Digest(title=issue.title, topic=self.topic, created=issue.created, stories=issue.stories)
        return archive_page(digest, templates=self.templates, subject=issue.subject, nav=nav, locale=self.locale)

    def index(self, issues: Sequence[tuple[str, Issue]], nav: Mapping[str, str]) -> str:
        return archive_index(
            self.title, self.topic, issues, nav, templates=self.templates, locale=self.locale, signup=self.signup
        )


@dataclass(frozen=True)
class StoryView:
    """How one story credits its outlets, for both parts of the email and the archive page."""

    link: str | None  # where the headline links: the article whose title it is
    source: str | None  # the one outlet of a story all from one outlet: named once, not after every sentence
    pieces: tuple[Credit, ...]  # that outlet's articles, when it has several: each sentence cites its own by number
    copies: tuple[tuple[Credit, str], ...]  # each copy and whose report it republished ("The Ledger's")
    copied: Mapping[str, frozenset[str]]  # an outlet's copiers: said by the copy line, not after its sentences
    folded: tuple[Credit, ...] | None  # the coverage as one line of names ("More: ..."), or None for the list
    outlets: int  # how many outlets covered it (each named once)
    dated: datetime | None  # first published well before the issue: shown beside the headline

    def number(self, url: str | None) -> int | None:
        """A sentence's article among `pieces`, from 1 (None when the story lists no pieces)."""
        return next((i for i, c in enumerate(self.pieces, 1) if c.url == url), None)

    @classmethod
    def of(cls, story: Story, issued: datetime, web: bool) -> StoryView:
        link = story.headline_url or story.url
        urls = {s.url for s in story.sentences}
        originals = [c for c in story.outlets if c.copy_of is None]
        alone = len({c.outlet for c in originals}) == 1 and len({s.outlet for s in story.sentences}) == 1
        several = alone and (len(urls) > 1 or len(originals) > 1)
        names = list(dict.fromkeys(c.outlet for c in story.outlets))
        fold = not web and len(story.outlets) > FOLD_AFTER
        older = story.first_published is not None and story.first_published < issued - OLDER_THAN
        return cls(
            link=link,
            source=story.sentences[0].outlet if alone and story.sentences else None,
            pieces=tuple(sorted(originals, key=lambda c: c.url != link)) if several else (),  # the headline's first
            copies=tuple((c, possessive(c.copy_of)) for c in story.outlets if c.copy_of),
            copied={
                original: frozenset(c.outlet for c in story.outlets if c.copy_of == original)
                for original in {c.copy_of for c in story.outlets if c.copy_of}
            },
            folded=tuple(c for c in story.outlets if c.url != link or not link) if fold else None,
            outlets=len(names),
            dated=story.first_published if older else None,
        )


def possessive(name: str) -> str:
    """An outlet's name as an English possessive: "The Ledger's", "Briefly News'" (the `whose` of the English
    copy line; other languages' catalogs use the plain name)."""
    return name + ("'" if name.endswith("s") else "'s")


def make_subject(template: str, digest: Digest, *, locale: str = i18n.DEFAULT) -> str:
    """Fill the `email.subject` template (its {date} in `locale`) and flatten it to one safe header line."""
    values: dict[str, object] = {
        "title": digest.title,
        "date": i18n.texts(locale).long_date(digest.created),
        "stories": len(digest.stories),
        "topic": digest.topic,
    }
    try:
        # str.format would also accept "{title.upper}" or "{0}"; only bare names are meaningful here.
        for _, field, _, _ in string.Formatter().parse(template):
            if field is not None and field not in values:
                raise KeyError(field)
        filled = template.format(**values)
    except (KeyError, ValueError) as exc:
        raise RenderError(
            f"bad subject template {template!r}: {type(exc).__name__}: {exc}",
            "email.subject may only use {title}, {date}, {stories} and {topic}; write {{ and }} for braces",
        ) from exc
    # Done after formatting as well, because the template itself comes from config.
    return one_line(filled)


def wrap(text: str, initial: str = "", subsequent: str | None = None) -> str:
    """Fill `text` to TEXT_WIDTH columns; later lines are indented to line up after `initial`.

    Words are never split, so a long URL stays whole (and stays clickable) on a line of its own.
    """
    # Only ASCII whitespace is collapsed: NBSPs (from `nobreak`) must survive until textwrap has run.
    glued = _GLUE_DASH.sub("—\xa0", _GLUE_REF.sub("\xa0", _ASCII_SPACES.sub(" ", text).strip()))
    filled = textwrap.fill(
        glued,
        width=TEXT_WIDTH,
        initial_indent=initial,
        subsequent_indent=" " * len(initial) if subsequent is None else subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    # one_line() turned every feed NBSP into a space, so any NBSP left here is our glue.
    return filled.replace("\xa0", " ")


def nobreak(text: str) -> str:
    """Keep `text` (an outlet name, say) on one line when the `wrap` filter fills the paragraph.

    Long texts stay breakable, or one name could push a line past TEXT_WIDTH.
    """
    return text.replace(" ", "\xa0") if len(text) <= NOBREAK_MAX else text


def nobreak_html(text: str) -> Markup:
    """`nobreak` for the HTML part: escaped, with `&nbsp;` spelled out (a bare U+00A0 is invisible in diffs).

    The stylesheet's `overflow-wrap:anywhere` still breaks it on a screen too narrow for the whole name.
    """
    escaped = escape(text)
    return Markup(escaped.replace(" ", Markup("&nbsp;"))) if len(text) <= NOBREAK_MAX else escaped


class LinkRefs:
    """Numbers URLs in order of first use so the text part can cite "[n]" and list them at the end."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def ref(self, url: str | None) -> str:
        """'[n]' for `url` (the same URL keeps its number), '' when there is no URL."""
        if not url:
            return ""
        number = self._numbers.setdefault(url, len(self._numbers) + 1)
        return f"[{number}]"

    def listing(self) -> list[tuple[int, str]]:
        return [(number, url) for url, number in self._numbers.items()]


def _environment(templates: Path, texts: i18n.Texts) -> jinja2.Environment:
    if not templates.is_dir():
        raise RenderError(
            f"templates folder not found: {templates}",
            f"point it at a folder holding {HTML_TEMPLATE} and {TEXT_TEMPLATE}",
        )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        bytecode_cache=_compiled_templates(),
        # Only the MJML/HTML template is escaped: the text part must show "&" and "<" as they are.
        autoescape=jinja2.select_autoescape(("mjml.j2", "html.j2"), default_for_string=False, default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Newstyle: _() and ngettext() fill their %(name)s placeholders themselves, escaping what is not Markup.
    env.install_gettext_translations(texts.translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        wrap=wrap,
        nobreak=nobreak,
        nobreak_html=nobreak_html,
        long_date=texts.long_date,
        short_date=texts.short_date,
    )
    env.globals.update(
        language=texts.language,  # the document's <html lang>
        rtl=texts.rtl,
        # A story, or a language code: its `lang` where it differs from the document's, and the document's back.
        lang=lambda story: texts.attributes(getattr(story, "language", story)),
        home=lambda story: texts.home(getattr(story, "language", story)),
    )
    return env


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Each template compiled once, not at every start (Jinja's compiler takes 40 ms of a preview): its Python
    bytecode kept in Jinja's per-user cache folder under the system's temporary folder, keyed by the template's
    path and checked against a hash of its source, so an edited template is compiled afresh. A cache that
    cannot be written costs a compile, never the digest."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            log.debug("template bytecode not cached: %s", exc)


@cache
def _compiled_templates() -> _CompiledTemplates | None:
    # Named for the Jinja version and this module's environment options: code compiled under other options or
    # another Jinja is never read back (the source hash alone would not tell).
    key = f"digest-render-{jinja2.__version__}-{_OPTIONS_VERSION}"
    try:
        return _CompiledTemplates(pattern=f"__{key}_%s.cache")
    except (OSError, RuntimeError) as exc:  # no usable temporary folder (Jinja refuses one others can write)
        log.debug("template bytecode not cached: %s", exc)
        return None


_OPTIONS_VERSION = 1  # raise with any change to `_environment`'s options, extensions or gettext style


def _render_template(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as exc:
        raise RenderError(
            f"template {exc.name} not found in {_folder(env)}",
            f"the templates folder needs {HTML_TEMPLATE} and {TEXT_TEMPLATE}",
        ) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(
            f"template {exc.name or name}, line {exc.lineno}: {exc.message}",
            "fix the Jinja syntax at that line",
        ) from exc
    except jinja2.UndefinedError as exc:
        raise RenderError(
            f"template {name}{_template_line(exc)}: {exc.message}",
            "the template uses a name or field the renderer does not provide (see digest/models.py)",
        ) from exc
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {name}: {exc}", "fix the template") from exc
    except UnicodeDecodeError as exc:
        raise RenderError(f"template {name} is not UTF-8: {exc}", "save the template as UTF-8") from exc


def _folder(env: jinja2.Environment) -> str:
    loader = env.loader
    if isinstance(loader, jinja2.FileSystemLoader):
        return ", ".join(map(str, loader.searchpath))
    return "the templates folder"


def _template_line(exc: BaseException) -> str:
    """', line N' of the template frame Jinja put into the traceback, or '' if there is none."""
    line = ""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            line = f", line {tb.tb_lineno}"
        tb = tb.tb_next
    return line


def _fitted_html(env: jinja2.Environment, context: dict[str, Any], stories: tuple[Story, ...]) -> str:
    """The HTML part, made to fit under Gmail's clip, which would hide the rest of the message and its footer.

    Past the clip, sentence credits name their outlets without links (the coverage list links each article
    once), then the last stories shrink to a headline link each, until it fits. The text part is left whole.
    """
    html = _html(env, context, stories, len(stories), linked=True)
    size = _size(html)
    if size <= GMAIL_CLIP_BYTES:
        return html
    full = len(stories)
    compact = _html(env, context, stories, full, linked=False)
    while (compact_size := _size(compact)) > GMAIL_CLIP_BYTES and full > 1:
        # Stories are about the same size: keep the share of them that fits, at least one fewer each time.
        full = max(1, min(full - 1, full * GMAIL_CLIP_BYTES // compact_size))
        compact = _html(env, context, stories, full, linked=False)
    log.info(
        "HTML part would be %d bytes, over Gmail's clip at %d: %d of %d stories in full, credits without links "
        "(%d bytes); the text part has everything",
        size,
        GMAIL_CLIP_BYTES,
        full,
        len(stories),
        compact_size,
    )
    if compact_size > GMAIL_CLIP_BYTES:
        log.warning("HTML part is %d bytes even so; Gmail will clip it", compact_size)
    return compact


def _html(env: jinja2.Environment, context: dict[str, Any], stories: tuple[Story, ...], full: int, linked: bool) -> str:
    """The HTML part with the first `full` stories in full and the rest as headlines."""
    shown = {"full": stories[:full], "more": stories[full:], "linked_credits": linked}
    return _mjml_to_html(_render_template(env, HTML_TEMPLATE, context | shown))


def _size(html: str) -> int:
    return len(html.encode())


def _mjml_to_html(source: str) -> str:
    try:
        return mjml.mjml2html(source, fonts={}, disable_comments=True)
    except ValueError as exc:
        raise RenderError(
            f"{HTML_TEMPLATE} did not produce valid MJML: {exc}",
            "check that the template's <mj-*> tags are closed and nested as MJML requires",
        ) from exc


def _config_url(value: str | None, schemes: frozenset[str], what: str, key: str) -> str | None:
    """A link from config: '' means none; a bare address becomes mailto: where mailto is allowed."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if "mailto" in schemes and ":" not in value and "@" in value:
        value = "mailto:" + value
    url = _safe_url(value, schemes)
    if url is None:
        allowed = " or ".join(f"{s}:" for s in sorted(schemes))
        raise RenderError(f"{what} {value!r} is not a usable URL", f"set {key} to a URL starting with {allowed}")
    return url


def _safe_url(url: str | None, schemes: frozenset[str] = _WEB_SCHEMES) -> str | None:
    """`url` if it is an absolute link with an allowed scheme, else None (no javascript: from feeds)."""
    if not url:
        return None
    url = one_line(url).replace(" ", "%20")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    scheme = parts.scheme.lower()
    # Absolute links only: a relative href would resolve against whatever the mail client uses.
    if scheme not in schemes or not (parts.netloc or (scheme == "mailto" and parts.path)):
        return None
    return url


def _optional(value: str | None) -> str | None:
    return one_line(value) if value else None


def _clean_credit(credit: Credit) -> Credit:
    return replace(
        credit,
        outlet=one_line(credit.outlet),
        url=_safe_url(credit.url),
        title=_optional(credit.title),
        copy_of=_optional(credit.copy_of),
    )


def _clean_sentence(sentence: Sentence) -> Sentence:
    return replace(
        sentence,
        text=one_line(sentence.text),
        outlet=one_line(sentence.outlet),
        url=_safe_url(sentence.url),
        also=tuple(map(_clean_credit, sentence.also)),
    )


def _clean_story(story: Story) -> Story:
    return replace(
        story,
        headline=one_line(story.headline),
        url=_safe_url(story.url),
        headline_url=_safe_url(story.headline_url),
        headline_outlet=_optional(story.headline_outlet),
        sentences=tuple(map(_clean_sentence, story.sentences)),
        outlets=tuple(map(_clean_credit, story.outlets)),
        first_reported=_clean_credit(story.first_reported) if story.first_reported else None,
        terms=tuple(t for t in map(one_line, story.terms) if t),
    )


def _clean_digest(digest: Digest) -> Digest:
    return replace(
        digest,
        title=one_line(digest.title),
        topic=one_line(digest.topic),
        stories=tuple(map(_clean_story, digest.stories)),
    )
