"""Event clustering and copy detection (digest/cluster.py) on small hand-written cases."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from conftest import SHARED_SEEDS

from digest import pipeline
from digest.cluster import cluster, find_copies
from digest.cluster.corpus import Corpus, Vocabulary
from digest.models import Article, Cluster

DAY = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)

QUAKE_A = [
    (
        "Quake kills 12 near Varna Bay",
        "A magnitude 6.1 earthquake struck near Varna Bay on Tuesday, killing at least 12 people and injuring "
        "dozens, the regional emergency office said.\nThe quake's epicentre was 14 kilometres north of the port "
        "town of Lesk, at a depth of 10 kilometres.\nRescue teams led by fire chief Anton Morel searched collapsed "
        "homes in Lesk through the night.\nAftershocks of up to magnitude 4.2 rattled the coast on Wednesday.",
    ),
    (
        "Varna Bay earthquake: rescuers search rubble in Lesk",
        "Rescuers in Lesk dug through the rubble of collapsed houses on Wednesday after Tuesday's magnitude 6.1 "
        "earthquake near Varna Bay left 12 people dead.\nFire chief Anton Morel said 37 people had been taken to "
        "hospital.\nThe epicentre lay north of Lesk, and aftershocks kept residents sleeping outdoors.\nThe "
        "regional emergency office opened shelters in two schools.",
    ),
    (
        "Twelve dead as 6.1 tremor hits Varna Bay coast",
        "At least twelve people died when a 6.1 magnitude tremor hit the Varna Bay coast on Tuesday evening.\nMost "
        "of the victims were in Lesk, where old stone houses collapsed, according to fire chief Anton Morel.\n"
        "Seismologists recorded several aftershocks, the strongest of magnitude 4.2.\nThe emergency office said "
        "power had been restored to most of Lesk by Wednesday.",
    ),
]
QUAKE_B = [
    (
        "Earthquake injures 40 in mountain town of Oskel",
        "A magnitude 5.4 earthquake hit the mountain town of Oskel on Friday, injuring 40 people and damaging "
        "the old bridge over the Tarn river, officials said.\nMayor Ilse Brandvik said no one had been killed.\n"
        "The epicentre was 6 kilometres east of Oskel, and the quake was felt in the valley towns of Dorn and "
        "Hale.\nEngineers closed the bridge while they inspect it.",
    ),
    (
        "Oskel quake damages Tarn bridge, 40 hurt",
        "Forty people were hurt when a 5.4 magnitude quake shook Oskel on Friday afternoon.\nMayor Ilse Brandvik "
        "said the Tarn bridge would stay closed for at least a week.\nResidents of Dorn and Hale also felt the "
        "shaking, which cracked walls and broke windows.\nNo deaths were reported.",
    ),
    (
        "No deaths after 5.4 earthquake in Oskel",
        "Nobody died in Friday's magnitude 5.4 earthquake in Oskel, Mayor Ilse Brandvik told reporters, though "
        "40 residents needed treatment.\nThe quake's epicentre was just east of the town, and it damaged the "
        "bridge over the Tarn.\nThe valley towns of Dorn and Hale reported only minor damage.\nGeologists said "
        "aftershocks were likely over the weekend.",
    ),
]
STORY = (
    "The city council of Marlow approved a budget of 310 million crowns on Monday after a debate that lasted "
    "nine hours.\nThe budget raises spending on schools by 8 percent and freezes bus fares for two years.\n"
    "Council leader Petra Holm said the plan would be paid for by selling the old harbour offices.\nThe "
    "opposition voted against it, saying the sale would fetch far less than the council expects.\nA final "
    "vote on the harbour sale is due in April."
)
REWORDED = (
    "Marlow's city council passed a 310 million crown budget on Monday following a debate of nine hours.\n"
    "The budget increases school spending by 8 percent and keeps bus fares frozen for two years.\nPetra Holm, "
    "the council leader, said selling the old harbour offices would pay for the plan.\nThe opposition voted "
    "against the budget, saying the sale would bring in far less than the council expects.\nThe harbour sale "
    "faces a final vote in April."
)
BOILERPLATE = (
    "Sign up for the Northgate Courier morning newsletter to get the news before breakfast.\nThe Northgate "
    "Courier is an independent newspaper owned by its readers and has been since 1921.\nRead our full policy "
    "on corrections, complaints and how we report on our own city.\nFollow the Northgate Courier on every "
    "platform where you read the news today."
)


def _article(
    index: int, title: str | None, text: str, outlet: str | None = None, published: datetime | None = None
) -> Article:
    return Article(id=f"a{index}", title=title, text=text, outlet=outlet, published=published)


def _events(articles: list[Article], clusters: list[Cluster]) -> list[set[str]]:
    return sorted(({a.id for a in c.articles} for c in clusters), key=sorted)


def _quakes(titles: bool = True, dates: bool = True) -> list[Article]:
    a = [
        _article(i, t if titles else None, x, published=DAY + timedelta(hours=i) if dates else None)
        for i, (t, x) in enumerate(QUAKE_A)
    ]
    b = [
        _article(10 + i, t if titles else None, x, published=DAY + timedelta(days=3, hours=i) if dates else None)
        for i, (t, x) in enumerate(QUAKE_B)
    ]
    return a + b


def test_empty_input() -> None:
    assert cluster([]) == []


def test_one_article() -> None:
    (only,) = cluster([_article(0, "Budget passed", STORY)])
    assert [a.id for a in only.articles] == ["a0"]
    assert only.copies == {}
    assert only.terms


def test_two_earthquakes_stay_apart_and_each_is_one_story() -> None:
    articles = _quakes()
    assert _events(articles, cluster(articles)) == [{"a0", "a1", "a2"}, {"a10", "a11", "a12"}]


@pytest.mark.parametrize(("titles", "dates"), [(False, True), (True, False), (False, False)])
def test_articles_without_titles_or_dates(titles: bool, dates: bool) -> None:
    articles = _quakes(titles=titles, dates=dates)
    assert _events(articles, cluster(articles)) == [{"a0", "a1", "a2"}, {"a10", "a11", "a12"}]


def test_terms_are_words_as_written() -> None:
    clusters = cluster(_quakes())
    oskel = next(c for c in clusters if any(a.id == "a10" for a in c.articles))
    assert "Oskel" in oskel.terms
    assert all(":" not in t for c in clusters for t in c.terms)


def test_a_term_written_in_mixed_case_is_shown_so() -> None:
    """heise's "MongoDB-basiertes" was shown as "MONGODB": neither lowercase nor capitalized was ever written."""
    vocabulary = Vocabulary("de")
    vocabulary.tokens("ein eigenes MongoDB-basiertes Angebot der NASA")
    assert [vocabulary.cased(w) for w in ("mongodb", "nasa", "angebot")] == ["MongoDB", "NASA", "Angebot"]


def test_same_input_in_any_order_gives_the_same_clusters() -> None:
    articles = [*_quakes(), _article(20, "Budget passed", STORY, published=DAY)]
    expected = cluster(articles)
    for seed in range(5):
        shuffled = articles[:]
        random.Random(seed).shuffle(shuffled)
        assert cluster(shuffled) == expected


def test_reworded_copy_is_found_and_credits_the_earlier() -> None:
    original = _article(0, "Marlow passes budget", STORY, outlet="Ledger", published=DAY)
    copy = _article(1, "Council approves spending plan", REWORDED, outlet="Farm", published=DAY + timedelta(hours=5))
    assert find_copies([copy, original], 0.5) == {"a1": "a0"}
    (story,) = cluster([copy, original])
    assert [a.id for a in story.articles] == ["a0", "a1"]
    assert story.copies == {"a1": "a0"}


def test_wire_copy_under_another_headline() -> None:
    wire = _article(0, "Marlow council passes 310m budget", STORY, outlet="Wire", published=DAY)
    local = _article(1, "Bus fares frozen as budget passes", STORY, outlet="Local", published=DAY + timedelta(hours=2))
    assert find_copies([local, wire], 0.5) == {"a1": "a0"}


def test_undated_copy_counts_as_later() -> None:
    dated = _article(0, "Marlow passes budget", STORY, outlet="Ledger", published=DAY)
    undated = _article(1, "Marlow passes budget", STORY, outlet="Farm")
    assert find_copies([undated, dated], 0.5) == {"a1": "a0"}


def test_stories_sharing_an_outlets_boilerplate_are_not_copies() -> None:
    quake = QUAKE_B[0][1]
    first = _article(0, "Budget passed", f"{STORY}\n{BOILERPLATE}", outlet="Northgate Courier", published=DAY)
    second = _article(1, "Oskel quake", f"{quake}\n{BOILERPLATE}", outlet="Northgate Courier", published=DAY)
    assert find_copies([first, second], 0.5) == {}
    assert len(cluster([first, second])) == 2


def test_headlines_with_one_word_in_common_are_two_events() -> None:
    """A title-only feed (Science's table of contents in ../shared/eval/feeds/rss-1.rss is one): two short
    headlines sharing one rare word are two stories, however high their cosine."""
    articles = [
        _article(0, "A step on the path to a Lassa vaccine", "", published=DAY),
        _article(1, "Moving beyond mice for vaccine studies", "", published=DAY),
        _article(2, "Lassa fever vaccine passes first trial in Sierra Leone", "", published=DAY),
        _article(3, "First trial of Lassa fever vaccine ends in Sierra Leone", "", published=DAY),
    ]
    assert _events(articles, cluster(articles)) == [{"a0"}, {"a1"}, {"a2", "a3"}]


def test_numbers_do_not_hide_an_outlets_boilerplate() -> None:
    """Reddit's feed gives every post the same body but for the user, the subreddit and the comment count."""
    posts = [("Tiramisu on a stick", "food", 277), ("I'm Sorry", "creepy", 537), ("Trying to fit in", "aww", 80)]
    articles = [
        _article(i, title, f"submitted by user{i} to {where}\n\n[link] [{count} comments]", outlet="reddit")
        for i, (title, where, count) in enumerate(posts)
    ]
    assert len(cluster(articles)) == 3


def test_ten_thousand_identical_articles_are_one_story_of_copies() -> None:
    articles = [
        _article(i, "Marlow passes budget", STORY, outlet=f"Site {i}", published=DAY + timedelta(minutes=i))
        for i in range(10_000)
    ]
    (story,) = cluster(articles)
    assert story.articles[0].id == "a0"
    assert len(story.copies) == 9_999
    assert set(story.copies.values()) == {"a0"}


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="../shared/seeds is not beside the clone")
def test_shared_seeds_reworded_copy() -> None:
    """000 rewords The Verge's 001 (dated; 000 is not), so 000 is the copy."""
    articles = pipeline.read_articles([str(SHARED_SEEDS)]).articles
    by_file = {
        path.name[:3]: next(a for a in articles if a.title and a.title in path.read_text(encoding="utf-8"))
        for path in SHARED_SEEDS.iterdir()
    }
    pair = [by_file["000"], by_file["001"]]
    assert find_copies(pair, 0.5) == {by_file["000"].id: by_file["001"].id}
    assert find_copies([by_file["002"], by_file["001"]], 0.5) == {}


TRIAL_2019 = [
    (
        "Halden jailed for six years over harbour fraud",
        "A court in Marlow sentenced former port director Viktor Halden to six years in prison on Thursday for "
        "taking 4 million crowns in bribes from dredging firms, in a trial that began in January 2019.\nJudge "
        "Mira Stenlund said Halden had abused the trust of the city.\nHis lawyer said he would appeal.",
    ),
    (
        "Former port director Halden gets six-year sentence",
        "Viktor Halden, who ran the Marlow port authority until 2017, was sentenced to six years on Thursday.\n"
        "The court found he accepted 4 million crowns from two dredging companies.\nJudge Mira Stenlund called "
        "the bribes a betrayal of the city, and Halden's defence team announced an appeal.",
    ),
]
TRIAL_2024 = [
    (
        "Halden goes on trial again, this time for tax evasion",
        "Viktor Halden, the former Marlow port director, went on trial on Monday accused of hiding 900,000 "
        "crowns from the tax office between 2021 and 2023.\nProsecutor Lene Aas told the court Halden used a "
        "shell company in Eastmere.\nHalden denies the charges; the trial is expected to last three weeks.",
    ),
    (
        "Tax trial opens for ex-port chief Halden",
        "The trial of Viktor Halden on tax evasion charges opened in Marlow on Monday.\nProsecutors led by Lene "
        "Aas say he hid 900,000 crowns through an Eastmere shell company from 2021 to 2023.\nHalden, who served "
        "a prison term for bribery, says he is innocent.",
    ),
]


@pytest.mark.parametrize("dated", [True, False])
def test_two_trials_of_one_person_in_different_years_stay_apart(dated: bool) -> None:
    years = [datetime(2019, 6, 6, tzinfo=UTC), datetime(2024, 10, 7, tzinfo=UTC)]
    articles = [
        _article(10 * e + i, title, text, published=years[e] + timedelta(hours=i) if dated else None)
        for e, trial in enumerate([TRIAL_2019, TRIAL_2024])
        for i, (title, text) in enumerate(trial)
    ]
    assert _events(articles, cluster(articles)) == [{"a0", "a1"}, {"a10", "a11"}]


@pytest.mark.parametrize(("pair", "single"), [(TRIAL_2019, TRIAL_2024[0]), (TRIAL_2024, TRIAL_2019[1])])
def test_one_report_of_another_trial_does_not_join_a_close_pair(
    pair: list[tuple[str, str]], single: tuple[str, str]
) -> None:
    """The lone report shares the man, the town and the court with the pair, but is much further from either
    than they are from each other: the pair's cohesion, not the threshold alone, keeps it apart."""
    articles = [_article(i, title, text) for i, (title, text) in enumerate(pair)] + [_article(10, *single)]
    assert _events(articles, cluster(articles)) == [{"a0", "a1"}, {"a10"}]


def test_a_copy_is_always_in_its_originals_cluster() -> None:
    articles = [*_quakes(), _article(30, "Oskel hit by quake", QUAKE_B[0][1] + "\nMore to follow.", outlet="Farm")]
    for story in cluster(articles):
        ids = {a.id for a in story.articles}
        assert all(copy in ids and original in ids for copy, original in story.copies.items())
        assert story.originals()


def _partition(clusters: list[Cluster], name: dict[str, str]) -> set[frozenset[str]]:
    return {frozenset(name[a.id] for a in c.articles) for c in clusters}


@pytest.mark.parametrize("dated", [True, False])
def test_shuffled_input_and_renamed_ids_give_the_same_partition(dated: bool) -> None:
    """Ids and input order pick neither originals nor the order of merges: ties are broken by content."""
    articles = [*_quakes(dates=dated), *(_article(20 + i, t, x) for i, (t, x) in enumerate(TRIAL_2019))]
    articles.append(_article(30, "Marlow passes budget", STORY, published=DAY if dated else None))
    articles.append(_article(31, "Council approves spending plan", REWORDED, published=DAY if dated else None))
    identity = {a.id: a.id for a in articles}
    expected = _partition(cluster(articles), identity)
    for seed in range(4):
        draw = random.Random(seed)
        renamed = {a.id: f"{draw.randrange(10**9):x}-{a.id[::-1]}" for a in articles}
        back = {new: old for old, new in renamed.items()}
        shuffled = [
            Article(id=renamed[a.id], text=a.text, title=a.title, outlet=a.outlet, published=a.published)
            for a in articles
        ]
        draw.shuffle(shuffled)
        assert _partition(cluster(shuffled), back) == expected


def test_which_undated_text_is_the_original_does_not_depend_on_ids() -> None:
    def copied(ids: tuple[int, int]) -> dict[str, str]:
        articles = [_article(ids[0], "Marlow passes budget", STORY), _article(ids[1], "Council approves", REWORDED)]
        text = {a.id: a.text[:6] for a in articles}
        return {text[copy]: text[original] for copy, original in find_copies(articles, 0.5).items()}

    assert copied((1, 2)) == copied((2, 1))
    assert len(copied((1, 2))) == 1


def test_a_post_repeated_a_month_later_is_not_a_copy() -> None:
    """An API blog posts the same "sunset reminder" again a month later: a new post. A mirror a day later copies it."""
    reminder = (
        "This is a reminder that version 21 of the Example API will be switched off on the first of next month.\n"
        "Requests to version 21 endpoints will return an error after that date, so please upgrade your clients.\n"
        "The migration guide lists every change between version 21 and the current release of the API."
    )
    old = _article(0, "v21 sunset reminder", reminder, outlet="Example", published=DAY)
    again = _article(1, "v21 sunset reminder", reminder, outlet="Example", published=DAY + timedelta(days=31))
    mirror = _article(2, "Sunset reminder", reminder, outlet="Mirror", published=DAY + timedelta(days=1))
    assert find_copies([again, mirror, old], 0.5) == {"a2": "a0"}
    assert find_copies([again, old], 0.5, window_days=60) == {"a1": "a0"}


def test_an_outlets_template_words_do_not_tie_its_stories() -> None:
    """Reddit's feed wraps every post in the same words ("submitted by", "Advertise", "REDDIT"): six posts on six
    subjects, with the words of the template around a one-line text, are six stories."""
    posts = [
        ("Tiramisu on a stick", "tiramisu dessert recipe mascarpone"),
        ("Old lighthouse keeper's diary found", "lighthouse keeper diary attic"),
        ("Cat learns to open fridge", "cat fridge door paw"),
        ("Volcano eruption seen from plane", "volcano eruption plane window"),
        ("First snow in the desert", "snow desert dunes morning"),
        ("Marathon runner finishes backwards", "marathon runner backwards finish"),
    ]
    articles = [
        _article(
            i,
            f"{title} REDDIT",
            f"{words} submitted by user{i}\nAdvertise REDDIT premium gold karma",
            outlet="reddit",
            published=DAY + timedelta(minutes=i),
        )
        for i, (title, words) in enumerate(posts)
    ]
    assert len(cluster(articles)) == 6


def test_a_topic_word_in_every_article_of_one_outlet_is_not_its_template() -> None:
    """A digest on one topic from one outlet (the Guardian's pieces chosen by "Trump") has the topic's name in
    every article, each time in another place; only the words that keep their place ("Continue reading" last)
    are the outlet's furniture (issue 13: "Trump" was taken for the Guardian's template, splitting its State
    of the Union pieces into four stories)."""
    stories = [
        ("Trump lauds his first year", "The president spoke for an hour.\nTrump praised the economy."),
        ("Senators react to the speech", "Trump was interrupted by applause.\nDemocrats sat on their hands."),
        ("Late-night hosts mock the address", "Hosts laughed at the teleprompter.\nThey said Trump read well."),
        ("A golf partner tells all", "The golfer said Trump cheats.\nHe has played with him for years."),
        ("Tax suit over a Florida club", "A county disputes the bill.\nLawyers for Trump filed the suit on Monday."),
        ("Memo release alarms the bureau", "Agents fear the memo.\nThe White House and Trump want it out."),
    ]
    articles = [
        _article(i, title, f"{text}\nContinue reading...", outlet="The Guardian", published=DAY)
        for i, (title, text) in enumerate(stories)
    ]
    corpus = Corpus(articles)
    template = {corpus.vocabulary.names[term] for term in corpus.templates["The Guardian"]}
    assert template == {"continu", "read"}


# A day of one paper's feed: unrelated short stories, two of which share only a city's name, and two reports of
# one dam collapse. Invented; the shape is the Guardian feed of ../shared/eval/feeds, where such lone pairs
# (a golf partner and a golf-club tax suit, two Oscar pieces) were joined.
ONE_PAPER = [
    ("Harbour ferries halted by dock workers' strike", "Dock workers walked out at dawn, halting every ferry."),
    ("Museum returns bronze heads to Benin", "The museum handed back twelve bronze heads taken in 1897."),
    ("Orcas learn to imitate human speech", "Researchers recorded a killer whale repeating hello and bye-bye."),
    ("Teenagers trafficked to cannabis farms", "Police found boys from Hanoi enslaved on farms in three towns."),
    ("Opposition leader's home attacked", "Gunmen threw grenades at Kalonzo Musyoka's house in Nairobi."),
    ("Glee actor pleads guilty", "Mark Salling admitted the charges in a Los Angeles court and faces four years."),
    ("Catalan leader caught admitting defeat", "Messages from Carles Puigdemont say the independence plan is over."),
    ("Super blue blood moon seen across the globe", "Skywatchers caught a rare lunar trifecta over Asia."),
    (
        "NBA veteran injured in crash",
        "Rasual Butler, the former Miami player, was hurt when his car hit a wall in Los Angeles.",
    ),
    ("Pentagon finds climate threat at 700 sites", "A survey of military sites found flooding endangers bases."),
    (
        "Dam collapse in Laos leaves hundreds missing",
        "The Xe-Pian Xe-Namnoy dam in Attapeu province collapsed on Monday night, flooding six villages.",
    ),
    (
        "Hundreds missing after Laos dam gives way",
        "Floodwater from the collapsed Xe-Pian Xe-Namnoy dam swept through six villages in Attapeu province.",
    ),
]


def test_two_stories_linked_only_to_each_other_need_more_than_a_place_name() -> None:
    """A lone pair has no neighbourhood for local scaling to measure: its one weak link ("Los Angeles") used to
    scale itself up to three times and join two unrelated stories; the dam collapse's two reports still join."""
    articles = [
        _article(i, title, text, outlet="The Paper", published=DAY + timedelta(hours=i))
        for i, (title, text) in enumerate(ONE_PAPER)
    ]
    groups = [sorted(a.id for a in c.articles) for c in cluster(articles) if len(c.articles) > 1]
    assert groups == [["a10", "a11"]]


# A day of a developer news feed: short unrelated items, three of which share only the trade's words ("open
# source", "server", "platform"). Invented; the shape is heise developer's feed in ../shared/eval/feeds, where
# a Parse shutdown and a WildFly release were joined on "Open Source", "Server" and "verfügbar".
DEVELOPER_NEWS = [
    ("Rust 1.7 adds hashing with custom algorithms", "The new release lets programs pick the hash function."),
    ("Firefox 44 blocks unsigned add-ons", "Mozilla's browser now refuses extensions it has not signed."),
    ("Node.js fixes two denial-of-service flaws", "Updates for every maintained branch close the holes."),
    (
        "Facebook shuts down its Parse platform",
        "Developers who use the mobile backend have a year to move to their own database or to the Parse "
        "server, now available as open source.",
    ),
    ("Angular 2 reaches beta", "Google's framework keeps its new template syntax for the final release."),
    (
        "SourceForge and Slashdot change hands again",
        "The new owner, a web media company, wants to repair the hosting platform's name among open source projects.",
    ),
    ("Swift compiler moves to GitHub", "Apple's language takes pull requests from anyone."),
    ("Docker buys a unikernel start-up", "The container company hires the team behind MirageOS."),
    (
        "Red Hat releases WildFly 10",
        "The now available version 10 of the Java application server is the base of Red Hat's commercial "
        "offering and the open source project's third major release since its new name.",
    ),
    ("Visual Studio Code gets a gallery", "Microsoft's editor lists plug-ins written by others."),
    ("PHP 7 arrives a year late", "The interpreter doubles its speed on common benchmarks."),
    ("GitLab offers free private repositories", "The code host matches a rival's new pricing."),
]


def test_a_few_stories_linked_only_among_themselves_need_more_than_the_trades_words() -> None:
    """Three items linked only among themselves had no neighbourhood: their own weak links scaled each other up
    to three times and joined two of them. Scaled as a handful of articles is, none joins."""
    articles = [
        _article(i, title, text, outlet="Dev News", published=DAY + timedelta(hours=i))
        for i, (title, text) in enumerate(DEVELOPER_NEWS)
    ]
    assert [c for c in cluster(articles) if len(c.articles) > 1] == []
