"""Languages (issue 15): tags as codes, conservative detection, what settles an article's language, the
resources each language is read with, and the topic query across scripts and cases."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from conftest import SEEDS
from http_server import LoopbackServer, Reply

from digest import config, text
from digest.errors import ConfigError
from digest.fetch import fetch_all
from digest.language import detect, main_language, normalize, resources, settle
from digest.models import Article, Document, FetchResult, Source, SourceKind
from digest.parse import apply_full_text, full_text_urls, ingest, parse_all
from digest.query import parse_query

SAMPLE = SEEDS / "multilingual"
GERMAN = (
    "Der Stadtrat hat am Dienstag nach langer Debatte einen neuen Haushalt beschlossen. Die Grundsteuer steigt "
    "um drei Prozent, dafür öffnen die Büchereien wieder am Sonntag."
)
ENGLISH = (
    "The city council approved a new budget on Tuesday after a long debate. The property levy rises by three "
    "percent, and the branch libraries open on Sundays again."
)


@pytest.mark.parametrize(
    ("tag", "code"),
    [("de-DE", "de"), ("pt_BR", "pt"), ("EN", "en"), ("fr-FR", "fr"), ("iw", "he"), ("es-419", "es"), ("deu", "de")],
)
def test_language_tags_become_iso_639_1_codes(tag: str, code: str) -> None:
    assert normalize(tag) == code


@pytest.mark.parametrize("tag", [None, "", "x-default", "123", "german", "  "])
def test_what_is_no_language_tag_is_unknown(tag: str | None) -> None:
    assert normalize(tag) is None


def test_detection_names_the_language_of_a_paragraph() -> None:
    assert (detect(GERMAN), detect(ENGLISH)) == ("de", "en")
    assert detect("Le gouvernement a annoncé mardi une nouvelle réforme des retraites pour les fonctionnaires.") == "fr"
    assert detect("El gobierno anunció el martes una nueva reforma de las pensiones para los funcionarios.") == "es"


@pytest.mark.parametrize("short", ["iPhone 16 Pro im Test", "Apple", "", "2026-11-25 08:00", "Bundestag"])
def test_short_text_is_unknown_rather_than_a_guess(short: str) -> None:
    assert detect(short) is None


def test_mixed_text_is_unknown() -> None:
    mixed = f"{GERMAN} {ENGLISH} {GERMAN[:60]} {ENGLISH[:60]}"
    assert detect(mixed) is None


def test_unreadable_characters_do_not_stop_detection() -> None:
    assert detect(GERMAN.replace(" ", "\x00 ", 3) + "\ud800") == "de"


def test_a_declared_language_stands_unless_long_text_clearly_says_otherwise() -> None:
    assert settle("kn", ENGLISH * 2) == "en"  # customfields.rss declares Kannada for English items
    assert settle("kn", "Short English headline here") == "kn"
    assert settle("de", GERMAN) == "de"
    assert settle(None, GERMAN) == "de"
    assert settle(None, "Kurz") is None


def test_the_main_language_is_the_most_common_known_one() -> None:
    assert main_language(["de", None, "fr", "de"]) == "de"
    assert main_language(["fr", "de"]) == "de"  # a tie goes to the first in alphabetical order
    assert main_language([None, None]) is None


def _feed(body: bytes, source: Source) -> FetchResult:
    return FetchResult(source, "ok", (Document(source, source.location, body),))


RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>
<link>https://t.example/</link>{language}
<item><title>Haushalt beschlossen</title><link>https://t.example/a</link><description>{text}</description></item>
<item><title>Kurz</title><link>https://t.example/b</link><description>Kurz.</description></item>
</channel></rss>"""


def test_an_rss_feed_declares_its_language_and_a_short_item_keeps_it() -> None:
    body = RSS.format(language="<language>de-AT</language>", text=GERMAN).encode()
    item = ingest(_feed(body, Source("https://t.example/feed", SourceKind.FEED)))
    assert [a.language for a in item.articles] == ["de", "de"]


def test_without_a_declaration_the_text_tells_and_a_short_item_stays_unknown() -> None:
    body = RSS.format(language="", text=GERMAN).encode()
    item = ingest(_feed(body, Source("https://t.example/feed", SourceKind.FEED)))
    assert [a.language for a in item.articles] == ["de", None]


def test_the_sources_language_overrides_everything() -> None:
    body = RSS.format(language="<language>en</language>", text=GERMAN).encode()
    item = ingest(_feed(body, Source("https://t.example/feed", SourceKind.FEED, language="de")))
    assert [a.language for a in item.articles] == ["de", "de"]


def test_a_three_letter_code_in_the_config_is_read_as_its_two_letter_one() -> None:
    body = RSS.format(language="", text=ENGLISH).encode()
    item = ingest(_feed(body, Source("https://t.example/feed", SourceKind.FEED, language="deu")))
    assert [a.language for a in item.articles] == ["de", "de"]


def test_atom_xml_lang_on_an_entry_is_its_language() -> None:
    body = f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<title>T</title><id>t</id><updated>2026-11-24T00:00:00Z</updated>
<entry xml:lang="fr"><title>Un titre</title><id>a</id><updated>2026-11-24T00:00:00Z</updated>
<link href="https://t.example/a"/><content type="text">Court.</content></entry>
<entry><title>Budget</title><id>b</id><updated>2026-11-24T00:00:00Z</updated>
<link href="https://t.example/b"/><content type="text">{ENGLISH}</content></entry></feed>""".encode()
    item = ingest(_feed(body, Source("https://t.example/feed", SourceKind.FEED)))
    assert [a.language for a in item.articles] == ["fr", "en"]


def test_a_json_feed_item_language_beats_the_feeds() -> None:
    body = b"""{"version": "https://jsonfeed.org/version/1.1", "title": "T", "language": "es",
    "items": [{"id": "1", "url": "https://t.example/1", "content_text": "Corto."},
              {"id": "2", "url": "https://t.example/2", "content_text": "Kurz.", "language": "de-CH"}]}"""
    item = ingest(_feed(body, Source("https://t.example/feed.json", SourceKind.FEED)))
    assert [a.language for a in item.articles] == ["es", "de"]


def test_a_local_page_declares_its_language_in_html_lang_and_front_matter_in_language(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text('<html lang="fr-CA"><title>Titre</title><p>Court.</p></html>', "utf-8")
    (tmp_path / "b.md").write_text("---\ntitle: Titel\nlanguage: de\n---\nKurz.\n", "utf-8")
    (tmp_path / "c.md").write_text(f"---\ntitle: Titel\n---\n{GERMAN}\n", "utf-8")
    documents = tuple(
        Document(Source(str(tmp_path), SourceKind.FOLDER), str(p), p.read_bytes()) for p in sorted(tmp_path.iterdir())
    )
    item = ingest(FetchResult(Source(str(tmp_path), SourceKind.FOLDER), "ok", documents))
    assert [a.language for a in item.articles] == ["fr", "de", "de"]


def _config(tmp_path: Path, source: str) -> Path:
    (tmp_path / "feeds").mkdir(exist_ok=True)
    path = tmp_path / "config.toml"
    path.write_text(f'[digest]\ntopic = "x"\n\n[[sources]]\n{source}\n', encoding="utf-8")
    return path


def test_every_source_kind_takes_a_language(tmp_path: Path) -> None:
    loaded = config.load(_config(tmp_path, 'url = "https://t.example/feed"\nlanguage = "de"'))
    assert loaded.sources[0].language == "de"
    loaded = config.load(_config(tmp_path, 'path = "feeds"\nlanguage = "fr"'))
    assert loaded.sources[0].language == "fr"


def test_a_bad_language_names_the_key_and_its_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        config.load(_config(tmp_path, 'url = "https://t.example/feed"\nlanguage = "German"'))
    assert "sources[0].language" in str(error.value) and ":6:" in str(error.value)


@pytest.mark.parametrize(
    ("code", "missing"),
    [
        ("de", ()),
        ("fr", ()),
        ("es", ()),
        ("ko", ("a sentence model", "a stemmer")),
        ("sw", ("a sentence model", "a stemmer", "stop words", "word frequencies")),
    ],
)
def test_each_language_says_what_it_is_read_without(code: str, missing: tuple[str, ...]) -> None:
    assert resources(code).missing == missing
    assert (resources(code).note() == "") == (not missing)


def test_unknown_and_english_read_as_digest_always_read() -> None:
    assert resources(None) is resources("en")
    assert resources(None).stop_words is text.STOP_WORDS
    assert resources("en").note() == ""


@pytest.mark.parametrize(
    ("query", "haystack", "expected"),
    [
        ("Überwachung", "die überwachung der Fahrer", True),
        ("überwachung", "ÜBERWACHUNG AM ARBEITSPLATZ", True),
        ("Überwachung", unicodedata.normalize("NFD", "Die Überwachung"), True),
        ("Überwachung", "Überwachungskamera", False),
        ("Überwach*", "Überwachungskamera", True),
        ("STRASSE", "die Straße", True),
        ("aeroport", "l'aéroport de Port-Aurèle", False),
        ("aéroport", "L'AÉROPORT DE PORT-AURÈLE", True),
        ("Σίσυφος", "ο ΣΊΣΥΦΟΣ", True),
        ("养老金", "政府宣布了新的养老金改革方案", True),
        ('"Port-Aurèle" grève', "La grève à Port-Aurèle", True),
    ],
)
def test_the_topic_query_folds_case_and_keeps_accents_in_every_script(
    query: str, haystack: str, expected: bool
) -> None:
    assert parse_query(query).matches(Article("a", haystack)) is expected


def _digest(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", *args], input=stdin, capture_output=True, text=True, check=False
    )


def test_digest_articles_prints_each_articles_language() -> None:
    listed = _digest("articles", str(SAMPLE / "feeds" / "kaltenbrunner-tagblatt.xml"), str(SAMPLE / "articles"))
    assert listed.returncode == 0, listed.stderr
    languages = Counter(json.loads(line)["language"] for line in listed.stdout.splitlines())
    assert languages == {"de": 6, "fr": 2, "es": 2}


def test_cluster_explain_says_when_a_language_is_read_without_a_model() -> None:
    lines = [
        {"id": "a", "language": "sw", "title": "Serikali yatangaza mpango mpya wa maji", "text": "Wakazi wamefurahi."},
        {"id": "b", "language": "de", "title": "Stadtrat beschließt Haushalt", "text": GERMAN},
    ]
    done = _digest("cluster", "--explain", "-", stdin="".join(json.dumps(line) + "\n" for line in lines))
    assert done.returncode == 0, done.stderr
    swahili, german = sorted(done.stderr.splitlines(), key=lambda line: "(a)" not in line)
    assert "sw: without a sentence model, a stemmer, stop words, word frequencies; language-neutral tokens" in swahili
    assert "without" not in german and "terms: Stadtrat" in german


def test_a_teasers_page_declares_its_language_when_its_text_is_read() -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><language>en</language><item>'
        b"<title>Haushalt</title><link>/artikel</link><description>Kurz.</description></item></channel></rss>"
    )
    body = f"<article><p>{GERMAN}</p><p>{GERMAN.replace('Dienstag', 'Mittwoch')}</p></article>"
    page = f'<html lang="de-AT"><head><title>Haushalt</title></head><body>{body}</body></html>'
    routes = {"/feed": Reply(body=feed), "/artikel": Reply(body=page.encode())}
    with LoopbackServer(routes) as server:
        (item,) = parse_all(fetch_all([Source.at(server.url("/feed"))]))
        assert item.articles[0].language == "en"  # the feed's word, on a teaser too short to doubt it
        cache: dict[str, str] = {}
        pages = fetch_all([Source.at(u) for u in full_text_urls([item], cache)])
        (filled,) = apply_full_text([item], pages, cache)
        (again,) = apply_full_text([item], [], cache)  # from the cache: no page to read a lang from
    assert filled.articles[0].language == "de"
    assert again.articles[0].language == "de"  # the English declaration, contradicted by the German text
