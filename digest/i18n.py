"""The reader's language: the fixed strings of the email, the archive pages and the feeds from gettext catalogs
kept in the package (`digest/locale/<locale>/LC_MESSAGES/digest.po`, read at run time with Babel, so a fresh
clone needs no build step), dates and plural forms from CLDR.

English is the source language: its strings are the templates' own (`digest/locale/digest.pot` lists them for
translators), and plain "en" writes dates as digest always has ("25 November 2026", "23 Nov 2026"), so an
English digest loads no Babel at all. A regional English ("en_US", "en_GB") writes dates as that region does.
A well-formed locale without a catalog (say "it") keeps the English strings, says so in one warning per
process, and still writes its dates as CLDR says for that locale.

Plural forms are the catalog's (`Plural-Forms`, CLDR's categories for the language: French and Spanish have a
third, "many", for round millions), counts are written `%(num)d`, and `Texts.attributes` gives an element the
`lang` (and `dir="rtl"`) of a story whose language differs from the document's.
"""

from __future__ import annotations

import functools
import gettext
import io
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from markupsafe import Markup

DEFAULT: Final = "en"
CATALOGS: Final = Path(__file__).resolve().parent / "locale"
DOMAIN: Final = "digest"
# Written right to left: Arabic, Hebrew (and its old code), Persian, Urdu, Pashto, Sindhi, Uyghur, Yiddish,
# Dhivehi, Central Kurdish.
RTL: Final = frozenset({"ar", "he", "iw", "fa", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"})
_LANGUAGE_TAG: Final = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

log = logging.getLogger(__name__)


def long_date(moment: datetime) -> str:
    """'25 November 2026', independent of the process locale (strftime's %B is not): plain "en"."""
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def short_date(moment: datetime) -> str:
    """'23 Nov 2026', independent of the process locale: plain "en"."""
    return f"{moment.day} {_MONTHS[moment.month - 1][:3]} {moment.year}"


def parse_locale(value: str) -> str:
    """A locale as config may write it ("de", "de_CH", "de-CH", "pt_BR") in Babel's form ("de_CH").

    Raises ValueError for a malformed one and for one CLDR does not know ("xx")."""
    if value == DEFAULT:
        return DEFAULT
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(value, sep="-" if "-" in value else "_")
    except (UnknownLocaleError, ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from exc
    return str(locale)


def language_tag(locale: str) -> str:
    """The locale as an HTML `lang` value (BCP 47): "de_CH" -> "de-CH"."""
    return locale.replace("_", "-")


@dataclass(frozen=True)
class Texts:
    """What a page needs to speak the reader's language: its gettext, dates, and `lang` attributes.

    `language` is the BCP 47 tag of the fixed strings as written ("en" when a locale has no catalog)."""

    locale: str
    language: str
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        """The form of `singular`/`plural` for `number`, with `%(num)d` filled in ("3 outlets", "1 média")."""
        return self.translations.ngettext(singular, plural, number) % {"num": number}

    def long_date(self, moment: datetime) -> str:
        """The issue's date: "25 November 2026", "25. November 2026", "25 de noviembre de 2026"."""
        if self.locale == DEFAULT:
            return long_date(moment)
        from babel.dates import format_date

        return format_date(moment.date(), "long", locale=self.locale)

    def short_date(self, moment: datetime) -> str:
        """An article's date: "23 Nov 2026", "23. Nov. 2026", "23 nov. 2026" (CLDR's yMMMd for the locale)."""
        if self.locale == DEFAULT:
            return short_date(moment)
        from babel.dates import format_skeleton

        return format_skeleton("yMMMd", moment.date(), locale=self.locale)

    def hours(self, hours: float) -> str:
        """A span of hours as the locale writes it, with CLDR's plural: "48 hours", "1 Stunde", "1,5 heure"."""
        if self.locale == DEFAULT:
            return f"{hours:g} hours"
        from babel.units import format_unit

        return format_unit(hours, "duration-hour", format="#,##0.######", locale=self.locale)

    @property
    def rtl(self) -> bool:
        return self.language.split("-")[0] in RTL

    def attributes(self, language: str | None) -> Markup:
        """` lang="ar" dir="rtl" ...` for text in `language` inside this document; "" when it is the document's own
        language, unknown, or not a language tag (it came from a feed)."""
        if not language or not _LANGUAGE_TAG.fullmatch(language):
            return Markup("")
        primary = language.split("-")[0].lower()
        if primary == self.language.split("-")[0]:
            return Markup("")
        # MJML aligns its text left with an inline style, so the side a line starts on is said inline too.
        if primary in RTL:
            direction = ' dir="rtl" style="text-align:right"'
        else:
            direction = ' dir="ltr" style="text-align:left"' if self.rtl else ""
        return Markup(f' lang="{language}"{direction}')

    def home(self, language: str | None) -> Markup:
        """The document's own `lang` (and direction) back, for its words inside text marked by `attributes`
        (a credit after a story's sentence, the "Update" badge in its headline); "" where nothing was marked."""
        if not self.attributes(language):
            return Markup("")
        foreign_rtl = language is not None and language.split("-")[0].lower() in RTL
        direction = (' dir="rtl"' if self.rtl else ' dir="ltr"') if foreign_rtl != self.rtl else ""
        return Markup(f' lang="{self.language}"{direction}')


@functools.cache
def texts(locale: str = DEFAULT) -> Texts:
    """The Texts of `locale` (as parse_locale gives it); loaded once per process, so a locale without a
    catalog is warned about once."""
    if locale == DEFAULT:
        return Texts(DEFAULT, DEFAULT, gettext.NullTranslations())
    language = locale.split("_")[0]
    if language == DEFAULT:  # the source language: its strings are the templates' own
        return Texts(locale, language_tag(locale), gettext.NullTranslations())
    for candidate in dict.fromkeys((locale, language)):
        path = catalog_path(candidate)
        if path.is_file():
            return Texts(locale, language_tag(locale), _read_catalog(path))
    log.warning(
        "no catalog for locale %s in %s: the email's fixed strings stay in English (dates are written as %s writes "
        "them); shipped: %s",
        locale,
        CATALOGS,
        locale,
        ", ".join(shipped()),
    )
    return Texts(locale, DEFAULT, gettext.NullTranslations())


def catalog_path(locale: str) -> Path:
    return CATALOGS / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def shipped() -> list[str]:
    """The locales with a catalog, English (the source) first."""
    return [DEFAULT, *sorted(p.parent.parent.name for p in CATALOGS.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))]


def _read_catalog(path: Path) -> gettext.GNUTranslations:
    """A .po file as gettext translations: Babel reads it and writes it as .mo in memory for the standard
    library's gettext, which then applies the catalog's Plural-Forms."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        catalog = read_po(handle, locale=path.parent.parent.name, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
