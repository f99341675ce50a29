"""seeds/multilingual (German, French and Spanish, invented) read, grouped and summarized as its README declares,
each language on its own (issue 15)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import pytest
import wordfreq
from conftest import SEEDS

from digest import pipeline, summarize
from digest import text as textlib
from digest.cluster import by_language, cluster
from digest.models import Article, Cluster

SAMPLE = SEEDS / "multilingual"
LANGUAGES = ("de", "fr", "es")


@dataclass(frozen=True)
class Row:
    event: str
    language: str
    url: str
    outlet: str
    role: str


def _expected() -> list[Row]:
    """The table under `## Expected grouping` in seeds/multilingual/README.md."""
    section = (SAMPLE / "README.md").read_text(encoding="utf-8").split("## Expected grouping", 1)[1]
    cells = [[c.strip() for c in line.strip().strip("|").split("|")] for line in section.splitlines()]
    return [Row(*row) for row in cells if len(row) == 5 and re.match(r"https?://", row[2])]


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    gathered = pipeline.read_articles([str(SAMPLE / "feeds"), str(SAMPLE / "articles")])
    assert not gathered.errors
    return list(gathered.articles)


@pytest.fixture(scope="module")
def clusters(articles: list[Article]) -> list[Cluster]:
    return cluster(articles)


def test_the_sample_has_what_it_declares() -> None:
    rows = _expected()
    assert {r.language for r in rows} == set(LANGUAGES)
    for language in LANGUAGES:
        events: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            if row.language == language:
                events[row.event].add(row.outlet)
        assert len([e for e, outlets in events.items() if len(outlets) >= 3]) >= 2, language
        assert "older" in {r.role for r in rows if r.language == language}
    assert "copy" in {r.role for r in rows}


def test_every_article_is_read_in_its_declared_language(articles: list[Article]) -> None:
    language = {a.url: a.language for a in articles}
    assert language == {row.url: row.language for row in _expected()}


def test_each_event_is_one_story_and_no_story_mixes_events_or_languages(clusters: list[Cluster]) -> None:
    event = {row.url: row.event for row in _expected()}
    story_of = {a.url: c.id for c in clusters for a in c.articles}
    by_event: dict[str, set[str]] = defaultdict(set)
    for url, name in event.items():
        by_event[name].add(story_of[url])
    assert all(len(stories) == 1 for stories in by_event.values()), dict(by_event)
    assert len(clusters) == len(by_event), "two declared events were merged into one story"
    assert all(len({a.language for a in c.articles}) == 1 for c in clusters)


def test_an_event_covered_in_two_languages_is_two_stories(clusters: list[Cluster]) -> None:
    flinkpaket = [c for c in clusters if any("flinkpaket" in (a.url or "") for a in c.articles)]
    assert sorted(c.articles[0].language or "" for c in flinkpaket) == ["de", "fr"]


def test_the_copy_is_marked_and_its_original_leads(clusters: list[Cluster]) -> None:
    original = next(r for r in _expected() if r.role == "original")
    copy = next(r for r in _expected() if r.role == "copy")
    story = next(c for c in clusters if any(a.url == copy.url for a in c.articles))
    by_url = {a.url: a for a in story.articles}
    assert story.articles[0].url == original.url
    assert story.copies == {by_url[copy.url].id: by_url[original.url].id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_stop_word_of_the_language_is_among_a_storys_grouping_terms(clusters: list[Cluster], language: str) -> None:
    # digest's own list, and wordfreq's 50 commonest words of the language (a list digest does not use)
    common = {w for w in wordfreq.top_n_list(language, 50) if not w.isdigit()}
    stop = textlib.stop_words(language) | common
    stories = [c for c in clusters if c.articles[0].language == language]
    assert stories
    for story in stories:
        assert story.terms
        assert not {t.lower() for t in story.terms} & stop, story.terms


@pytest.mark.parametrize("language", LANGUAGES)
def test_summaries_are_whole_verbatim_sentences_credited_in_the_storys_language(
    clusters: list[Cluster], language: str
) -> None:
    abbreviated = re.compile(r"\b(?:\w|Nr|ca|bzw|Dr|Dra|Sr|env|aprox|ej|ex)\.$", re.I)
    for story in (summarize.summarize(c, 80) for c in clusters if c.articles[0].language == language):
        assert story.language == language
        assert story.sentences
        texts = {a.label: a.text for a in clusters_by_id(clusters)[story.id].articles}
        for sentence in story.sentences:
            assert sentence.text in texts[sentence.outlet]
            assert sentence.text[0].isupper() or sentence.text[0] in '«“"'  # « Nous ne pouvons plus… », a déclaré
            assert sentence.text.endswith((".", "!", "»", "”", '"'))
            assert not abbreviated.search(sentence.text), sentence.text


def test_a_german_summary_keeps_a_sentence_whole_around_nr_and_z_b(clusters: list[Cluster]) -> None:
    story = next(c for c in clusters if any("cyberangriff-stadtwerke" in (a.url or "") for a in c.articles))
    whole = "Das Kundenzentrum am Marktplatz Nr. 5 bleibt geöffnet, z. B. für Fragen zu Abschlägen."
    assert whole in story.articles[0].text
    assert whole in summarize.clean_sentences(story.articles[0].text, "de")
    assert whole not in summarize.clean_sentences(story.articles[0].text)  # read as English, Punkt cuts it


def clusters_by_id(clusters: list[Cluster]) -> dict[str, Cluster]:
    return {c.id: c for c in clusters}


@pytest.mark.parametrize("method", ["concepts", "lexrank"])
def test_every_method_summarizes_in_the_storys_language(clusters: list[Cluster], method: str) -> None:
    story = next(c for c in clusters if any("tramway-t4" in (a.url or "") for a in c.articles))
    summary = summarize.summarize(story, 60, method)
    texts = {a.label: a.text for a in story.articles}
    assert summary.language == "fr" and summary.sentences
    assert all(s.text in texts[s.outlet] for s in summary.sentences)


def test_an_article_of_unknown_language_is_read_with_the_main_language() -> None:
    german = [Article(str(i), "Text", language="de") for i in range(3)]
    french = Article("f", "Texte", language="fr")
    unknown = Article("u", "Kurz", language=None)
    groups = by_language([*german, french, unknown])
    assert {code: sorted(a.id for a in members) for code, members in groups.items()} == {
        "de": ["0", "1", "2", "u"],
        "fr": ["f"],
    }
    assert set(by_language([unknown])) == {None}  # nothing known: read as English, as before


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Der Streik am 3. März legte den Flughafen lahm; am Montag, 14. November, folgte der zweite."),
        ("fr", "La grève du 3 mars a paralysé l'aéroport ; lundi 14 novembre, une autre a suivi."),
        ("es", "La huelga del 3 de marzo paralizó el aeropuerto; el lunes 14 de noviembre llegó otra."),
    ],
)
def test_dates_are_features_in_each_language(language: str, text: str) -> None:
    """What tells two strikes at one airport apart is their dates, however the language writes them; the
    features are keyed as in English, so "3. März" and "3 mars" are one date."""
    from digest.cluster.corpus import _features

    found = _features(Article(id="a", text=text, language=language), language)
    assert {"month:mar", "date:mar-3", "month:nov", "date:nov-14", "day:monday"} <= set(found)


def test_a_short_month_name_that_is_a_word_is_no_date() -> None:
    from digest.cluster.corpus import _features

    found = _features(Article(id="a", text="El mar estaba en calma el 3 de mar.", language="es"), "es")
    assert not any(f.startswith(("month:", "date:")) for f in found)


# Invented two-outlet reports of one event in scripts written without spaces between words (issue 15).
UNSPACED = {
    "zh": (
        "港城市政府周二宣布，新的地铁线路将于明年三月开通。这条线路全长二十四公里，设有十八个车站。"
        "市长表示，新线路每天可运送约三十万名乘客。",
        "港城新地铁线预计明年三月通车。市政府说，这条二十四公里长的线路耗资一百二十亿元。"
        "交通局官员称，新线将大大缓解市中心的交通拥堵。",
    ),
    "ja": (
        "港市は火曜日、新しい地下鉄路線を来年三月に開業すると発表した。路線の全長は二十四キロで、十八の駅が設けられる。"
        "市長は、新路線が一日に約三十万人を運ぶと述べた。",
        "港市の新しい地下鉄は来年三月に開業する見通しだ。市によると、二十四キロの路線の建設費は千二百億円に上る。"
        "交通局の担当者は、市の中心部の渋滞が大きく和らぐと話した。",
    ),
    "th": (
        "เทศบาลเมืองท่าประกาศเมื่อวันอังคารว่ารถไฟฟ้าสายใหม่จะเปิดให้บริการในเดือนมีนาคมปีหน้า "
        "เส้นทางนี้มีความยาวยี่สิบสี่กิโลเมตรและมีสถานีสิบแปดแห่ง",
        "รถไฟฟ้าสายใหม่ของเมืองท่าคาดว่าจะเปิดในเดือนมีนาคมปีหน้า "
        "เจ้าหน้าที่กล่าวว่าเส้นทางยาวยี่สิบสี่กิโลเมตรนี้จะช่วยลดปัญหาการจราจรในใจกลางเมือง",
    ),
}


@pytest.mark.parametrize("language", sorted(UNSPACED))
def test_scripts_without_spaces_get_summary_sentences(language: str) -> None:
    """Chinese, Japanese and Thai stories get whole sentences, verbatim and credited, within the word budget
    (a word per two ideographs or four Thai letters), not a headline alone."""
    texts = UNSPACED[language]
    articles = tuple(
        Article(id=f"{language}{n}", text=text, outlet=f"Outlet {n}", title=text[:12], language=language)
        for n, text in enumerate(texts)
    )
    story = summarize.summarize(Cluster(id="c-1", articles=articles), 80)
    assert story.sentences and story.language == language
    for sentence in story.sentences:
        assert sentence.text in texts[int(sentence.outlet.split()[-1])]
    assert sum(summarize.sentences.word_count(s.text) for s in story.sentences) <= 80


def test_a_budget_counts_words_in_every_script() -> None:
    from digest.summarize.sentences import word_count

    assert word_count("The court set a hearing for January.") == 7
    assert word_count("港城市政府周二宣布") == 5  # nine ideographs
    assert word_count("Die Stadt 港城 baut.") == 4
