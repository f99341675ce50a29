"""The text primitives every stage and command shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest import text
from digest.language import frequencies
from digest.text import count


@pytest.mark.parametrize(
    ("number", "noun", "expected"),
    [
        (1, "recipient", "1 recipient"),
        (2, "recipient", "2 recipients"),
        (0, "outlet", "0 outlets"),
        (1, "story", "1 story"),
        (3, "story", "3 stories"),
        (2, "entry", "2 entries"),
        (2, "day", "2 days"),
        (2, "address", "2 addresses"),
        (1, "person", "1 person"),
    ],
)
def test_count_agrees_with_its_number(number: int, noun: str, expected: str) -> None:
    assert count(number, noun) == expected


def test_count_takes_an_irregular_plural() -> None:
    assert count(2, "person", "people") == "2 people"


# -- each language's primitives (issue 15) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "paragraph", "expected"),
    [
        (
            "de",
            "Die Regierung plant z. B. neue Regeln für Banken. Der Antrag Nr. 5 wurde abgelehnt. Das Gesetz soll "
            "am 3. März in Kraft treten.",
            [
                "Die Regierung plant z. B. neue Regeln für Banken.",
                "Der Antrag Nr. 5 wurde abgelehnt.",
                "Das Gesetz soll am 3. März in Kraft treten.",
            ],
        ),
        (
            "de",
            "Es kamen ca. 200 Menschen, d. h. mehr als erwartet. Die Zahl stieg auf 12. Im Jahr davor waren es "
            "weniger.",
            [
                "Es kamen ca. 200 Menschen, d. h. mehr als erwartet.",
                "Die Zahl stieg auf 12.",
                "Im Jahr davor waren es weniger.",
            ],
        ),
        (
            "fr",
            "M. Dupont est arrivé à 10 h. Le président, p. ex. la ministre, a parlé. Il y avait env. 300 personnes.",
            [
                "M. Dupont est arrivé à 10 h.",
                "Le président, p. ex. la ministre, a parlé.",
                "Il y avait env. 300 personnes.",
            ],
        ),
        (
            "es",
            "La Dra. López habló el 3 de marzo. Hubo aprox. 300 personas, p. ej. vecinos.",
            ["La Dra. López habló el 3 de marzo.", "Hubo aprox. 300 personas, p. ej. vecinos."],
        ),
        (
            "zh",
            "政府周二宣布了新的养老金改革方案。专家认为这项改革将影响数百万人！",
            ["政府周二宣布了新的养老金改革方案。", "专家认为这项改革将影响数百万人！"],
        ),
        (
            "sw",
            "Serikali imetangaza mpango mpya. Wakazi wamefurahi!",
            ["Serikali imetangaza mpango mpya.", "Wakazi wamefurahi!"],
        ),
    ],
)
def test_sentences_are_split_with_the_languages_model_and_its_abbreviations(
    language: str, paragraph: str, expected: list[str]
) -> None:
    found = text.sentences(paragraph, language)
    assert found == expected
    assert all(s in paragraph for s in found)  # verbatim


def test_a_run_on_sentence_is_still_verbatim_across_double_spaces() -> None:
    paragraph = "Die Regierung plant z.  B. neue Regeln."
    assert text.sentences(paragraph, "de") == [paragraph]


def test_english_and_unknown_are_read_as_before() -> None:
    paragraph = "Dr. Smith went to Washington on Jan. 5. He said the bill would pass."
    assert (
        text.sentences(paragraph)
        == text.sentences(paragraph, "en")
        == [
            "Dr. Smith went to Washington on Jan. 5.",
            "He said the bill would pass.",
        ]
    )
    assert text.terms("The councils said they would approve budgets") == ["council", "approv", "budget"]
    assert text.stop_words() is text.STOP_WORDS


def test_stems_and_stop_words_are_the_languages() -> None:
    assert text.terms("Die Überwachung der Fahrer wurde für das Jahr 2025 beschlossen", "de") == [
        "uberwach",
        "fahr",
        "jahr",
        "2025",
        "beschloss",
    ]
    assert text.terms("Les contrôleurs aériens sont en grève depuis mardi", "fr") == [
        "contrôleur",
        "aérien",
        "grev",
        "mard",
    ]
    assert {"der", "und", "für", "ein"} <= text.stop_words("de")
    assert {"le", "et", "des"} <= text.stop_words("fr") and {"el", "los", "del"} <= text.stop_words("es")


def test_a_language_without_a_stemmer_keeps_words_as_written_lowercased() -> None:
    assert text.terms("Serikali imetangaza Mpango mpya", "sw") == ["serikali", "imetangaza", "mpango", "mpya"]


def test_scripts_without_spaces_are_read_in_pairs_never_single_characters() -> None:
    chinese = text.words("政府宣布养老金改革。iPhone 16", "zh")
    assert chinese[:4] == ["政府", "府宣", "宣布", "布养"] and chinese[-2:] == ["iPhone", "16"]
    assert all(len(w) > 1 for w in text.terms("政府は火曜日、新しい年金改革案を発表した。", "ja"))
    thai = text.words("รัฐบาลประกาศแผนปฏิรูปบำนาญใหม่ ผู้เชี่ยวชาญกล่าว", "th")
    assert thai == ["รัฐบาลประกาศแผนปฏิรูปบำนาญใหม่", "ผู้เชี่ยวชาญกล่าว"]  # vowel signs kept, runs as written


def test_word_frequencies_are_the_languages() -> None:
    assert text.commonness("Regierung", "de") > text.commonness("Regierung")  # common in German, not in English
    assert text.commonness("养老", "zh") > 1e-4  # read from wordfreq's list, no Chinese tokenizer needed
    assert text.commonness("mpango", "sw") == text.NEUTRAL_COMMONNESS


# -- word frequencies read as wordfreq reads them (issue 12) ----------------------------------------------------


def _checked_words(code: str) -> list[str]:
    """wordfreq's 3,000 commonest words of the language and every 60th word after them (ASCII or not), written
    as lists and texts write them (Capitalized, with ’), and words it does not list (reversed)."""
    import wordfreq

    listed = list(wordfreq.iter_wordlist(code))
    sample = listed[:3000] + listed[3000::60]
    return (
        sample
        + [w.capitalize() for w in sample[::7]]
        + [w.replace("'", "’") for w in sample if "'" in w]
        + [w[::-1] + "q" for w in sample[::11]]
    )


TRICKY_WORDS = [
    # digits: wordfreq lists runs of them as zeros and weighs the digits (years on their own curve)
    "600", "2021", "1990", "2039", "2040", "2100", "1066", "0042", "007", "10", "99", "12345", "covid19", "g7",
    "3d", "100m", "2030s", "b2b", "mp3", "1990s", "5g", "a320",
    # apostrophes, straight and curly, and French elision (two tokens to wordfreq: asked of wordfreq itself)
    "country's", "that’s", "don't", "won’t", "o'clock", "rock'n'roll", "o'neill", "it's", "l'arc", "d'abord",
    "qu'il", "aujourd'hui", "l’homme", "1990's", "x'y",
    # not plain: accents, other scripts, marks
    "café", "Regierung", "Straße", "naïve", "über", "économie", "日本", "ﬁnance",
]  # fmt: skip


@pytest.mark.parametrize("code", sorted(frequencies.PLAIN_LANGUAGES | {"tr", "ru"}))
def test_frequencies_are_wordfreqs_own(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import wordfreq

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # the index made here, from the list, then dropped
    frequencies._index.cache_clear()
    frequencies._known.clear()
    words = _checked_words(code) + TRICKY_WORDS
    try:
        assert frequencies.zipf(words, code) == [wordfreq.zipf_frequency(w, code) for w in words]
    finally:
        frequencies._index.cache_clear()
        frequencies._known.clear()


def test_commonness_reads_no_wordfreq_for_plain_english() -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom digest import text\n"
        "assert text.commonnesses(['council', 'Council', 'country’s', '2021', 'the']) == "
        "[text.commonness(w) for w in ['council', 'Council', 'country’s', '2021', 'the']]\n"
        "print('wordfreq' in sys.modules, 'langcodes' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def test_the_index_is_made_once_and_read_back_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first start makes the index from wordfreq's list and writes it to the cache folder; the next reads it
    back and finds the same frequencies."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    words = _checked_words("en")[::13] + TRICKY_WORDS
    answers = []
    for _ in range(2):
        frequencies._index.cache_clear()
        frequencies._known.clear()
        answers.append(frequencies.zipf(words, "en"))
        assert len(list((tmp_path / "digest").glob("wordfreq-en-*.npy"))) == 1
    frequencies._index.cache_clear()
    frequencies._known.clear()
    assert answers[0] == answers[1]


def test_an_unwritable_cache_costs_no_frequency(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    frequencies._index.cache_clear()
    frequencies._known.clear()
    import wordfreq

    try:
        assert frequencies.zipf(["council", "2021"], "en") == [
            wordfreq.zipf_frequency(w, "en") for w in ["council", "2021"]
        ]
    finally:
        frequencies._index.cache_clear()
        frequencies._known.clear()
