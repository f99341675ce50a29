"""Summaries: every sentence verbatim in the credited outlet's article, every outlet listed, budget kept."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import numpy as np
import pytest
from conftest import ROOT, SHARED_SEEDS

from digest import config, pipeline
from digest import text as textlib
from digest.cluster import cluster
from digest.models import SUMMARY_METHODS, Article, Cluster, Story
from digest.summarize import (
    DEFAULT,
    MIN_PER_ARTICLE,
    POOL_LIMIT,
    Tuning,
    centroid,
    clean_headline,
    clean_sentences,
    is_boilerplate,
    is_heading,
    is_timestamp,
    is_whole,
    needs_context,
    pool,
    reading_order,
    summarize,
    trim_opening,
)
from digest.summarize.headline import headings, opening_headline
from digest.summarize.length import ends_nearer, fits
from digest.summarize.sentences import Candidate, lowercase_names, standfirst

METHODS = list(SUMMARY_METHODS)


def _normal(text: str) -> str:
    return " ".join(text.split())


def _words(story: Story) -> int:
    return sum(len(s.text.split()) for s in story.sentences)


def _ends_near(story: Story, budget: int) -> bool:
    """The length rule (digest.summarize.length): within the budget, or past it by less than half a sentence
    (a last sentence of L words after u ends nearer: u + L - budget < budget - u, so the total < budget + L/2)."""
    longest = max((len(s.text.split()) for s in story.sentences), default=0)
    return _words(story) < budget + longest / 2 or len(story.sentences) == 1


def _jaccard(a: str, b: str) -> float:
    first, second = ({w.lower() for w in textlib.words(t)} for t in (a, b))
    return len(first & second) / len(first | second)


TITLE = "Council backs harbour bridge"  # a title, for tests of what the summary says: untitled, the first
# statement heads the story and the summary goes on from there


def _titled(pairs: list[tuple[str, str]]) -> Cluster:
    """A cluster of (title, text) articles, each from its own outlet."""
    return Cluster(
        "x", tuple(Article(f"a{i}", text, title=title, outlet=f"o{i}") for i, (title, text) in enumerate(pairs))
    )


@pytest.fixture(scope="module")
def seed_clusters() -> list[Cluster]:
    settings = config.load(ROOT / "config.toml")
    return cluster(pipeline.gather(settings.sources).articles)


@pytest.fixture(scope="module")
def shared_clusters() -> list[Cluster]:
    if not SHARED_SEEDS.is_dir():
        pytest.skip("../shared/seeds is not beside the clone")
    return cluster(pipeline.read_articles([str(SHARED_SEEDS)]).articles)


@pytest.mark.parametrize("method", METHODS)
def test_sentences_are_verbatim_from_the_credited_outlet(seed_clusters: list[Cluster], method: str) -> None:
    for group in seed_clusters:
        story = summarize(group, words=100, method=method)
        by_outlet: dict[str, list[str]] = {}
        for article in group.articles:
            by_outlet.setdefault(article.label, []).append(_normal(article.text))
        for sentence in story.sentences:
            assert any(_normal(sentence.text) in text for text in by_outlet[sentence.outlet]), sentence
            assert sentence.url in {a.url for a in group.articles if a.label == sentence.outlet}
        assert {c.outlet for c in story.outlets} == {a.label for a in group.articles}
        assert _ends_near(story, 100)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("budget", [25, 60, 120, 250])
def test_summary_ends_at_the_sentence_boundary_nearest_the_budget(
    seed_clusters: list[Cluster], budget: int, method: str
) -> None:
    for group in seed_clusters:
        story = summarize(group, words=budget, method=method)
        assert _ends_near(story, budget), story.headline
        assert story.sentences or not any(a.text.strip() for a in group.articles)
        capped = summarize(group, words=budget, method=method, tuning=Tuning(nearest=False))
        assert _words(capped) <= budget or len(capped.sentences) == 1, story.headline


@pytest.mark.parametrize("method", METHODS)
def test_the_nearest_boundary_keeps_summaries_nearer_the_budget(seed_clusters: list[Cluster], method: str) -> None:
    """Whole sentences never add up to the budget: a cap leaves a summary short by about half a sentence."""
    groups = [g for g in seed_clusters if len(g.articles) > 1]
    misses = []
    for budget in (60, 120):
        stories = [summarize(g, words=budget, method=method) for g in groups]
        capped = [summarize(g, words=budget, method=method, tuning=Tuning(nearest=False)) for g in groups]
        miss, capped_miss = (sum(abs(_words(s) - budget) for s in found) for found in (stories, capped))
        assert miss <= capped_miss
        assert any(_words(s) > budget for s in stories) or miss == capped_miss
        misses.append((miss, capped_miss))
    # sumy's rankers and the concepts program fill a cap closely; the default's floor leaves room
    if method == "centroid":
        assert sum(m for m, _ in misses) < sum(c for _, c in misses)


def test_what_the_reader_was_told_is_not_told_again() -> None:
    """`said` (an update's earlier stories): no sentence the same as one of them, near-identical wording too."""
    sentences = [
        "The regional council approved the new harbour bridge on Tuesday by a vote of 31 to 9.",
        "Construction is expected to start next spring and to take three years.",
        "The mayor welcomed the decision at a press conference after the vote.",
        "Critics said the cost estimate of 240 million crowns was far too low.",
    ]
    group = Cluster("x", (Article("a", "\n".join(sentences), outlet="One", title=TITLE),))
    said = ["The regional council approved the new harbour bridge on Tuesday, by a vote of 31 to 9.", sentences[1]]
    told = summarize(group, words=40, said=said)
    assert [s.text for s in told.sentences] == sentences[2:]
    assert [s.text for s in summarize(group, words=40).sentences][:1] == sentences[:1]


def test_a_story_headed_by_its_first_statement_does_not_repeat_it() -> None:
    """An item with no title (an RSS item may have only a description) is headed by its first clean sentence;
    the summary goes on from there instead of printing the headline again under it. In our words."""
    lead = "The council met on Monday to discuss the budget for next year."
    group = Cluster("x", (Article("a", f"{lead} It approved a rise in spending on schools and roads.", outlet="O"),))
    for method in METHODS:
        story = summarize(group, method=method)
        assert story.headline == lead
        assert [s.text for s in story.sentences] == ["It approved a rise in spending on schools and roads."]
    alone = summarize(Cluster("y", (Article("b", lead, outlet="O"),)))
    assert (alone.headline, alone.sentences) == (lead, ())  # a headline alone, as a title-only item is


def test_a_sentence_past_the_budget_must_end_nearer_it() -> None:
    assert fits(90, 10, 100) and not fits(90, 11, 100)
    assert ends_nearer(90, 19, 100) and not ends_nearer(90, 20, 100)  # 109 is nearer 100 than 90 is; 110 is not
    assert not ends_nearer(101, 1, 100)  # once past the budget, nothing more
    assert list(ends_nearer(95, np.array([6, 9, 10, 12]), 100)) == [True, True, False, False]


def test_also_credits_other_outlets_carrying_the_sentence() -> None:
    shared = "The regional council approved the new harbour bridge on Tuesday by a vote of 31 to 9."
    articles = (
        Article("a", f"{shared}\nConstruction is expected to start next spring.", url="u1", outlet="One", title=TITLE),
        Article("b", f"{shared}\nThe mayor welcomed the decision at a press conference.", url="u2", outlet="Two"),
        Article("c", "Critics of the harbour bridge said the cost estimate was far too low.", url="u3", outlet="Three"),
    )
    story = summarize(Cluster("x", articles), words=60)
    bridge = next(s for s in story.sentences if s.text == shared)
    assert {bridge.outlet, *(c.outlet for c in bridge.also)} == {"One", "Two"}
    for sentence in story.sentences:
        assert sentence.outlet not in {c.outlet for c in sentence.also}


def test_outlets_listed_original_first_and_copies_marked(seed_clusters: list[Cluster]) -> None:
    copied = [g for g in seed_clusters if g.copies]
    assert copied, "the seeds have a reworded copy"
    for group in copied:
        story = summarize(group)
        assert [c.outlet for c in story.outlets] == [a.label for a in group.articles]
        assert story.outlets[0].copy_of is None
        for credit, article in zip(story.outlets, group.articles, strict=True):
            assert (credit.copy_of is not None) == (article.id in group.copies)
            assert credit.title == article.title and credit.url == article.url


def test_copies_contribute_no_sentences(seed_clusters: list[Cluster]) -> None:
    for group in seed_clusters:
        copies = {a.label for a in group.articles if a.id in group.copies}
        assert not {s.outlet for s in summarize(group).sentences} & copies


@pytest.mark.parametrize("method", METHODS)
def test_no_two_sentences_are_near_duplicates(seed_clusters: list[Cluster], method: str) -> None:
    for group in seed_clusters:
        story = summarize(group, words=200, method=method)
        for first, second in itertools.combinations(story.sentences, 2):
            assert _jaccard(first.text, second.text) < textlib.SAME_SENTENCE, (first.text, second.text)


def test_a_fact_several_outlets_report_is_said_once() -> None:
    story = _titled(
        [
            (
                "Acme buys Widget Works",
                "Acme Corp agreed on Monday to buy Widget Works for 3.2 billion dollars, the companies said.\n"
                "The deal still needs approval from regulators in Brussels and Washington.",
            ),
            (
                "Widget Works sold to Acme",
                "Widget Works will be bought by Acme Corp for 3.2 billion dollars under a deal announced Monday.\n"
                "Widget Works employs about 4,000 people at plants in Ohio and Ontario.",
            ),
            (
                "Acme deal for Widget Works",
                "The 3.2 billion dollar purchase of Widget Works by Acme Corp was announced on Monday.\n"
                "Shares of Widget Works rose 18 percent in early trading after the announcement.",
            ),
        ]
    )
    summary = summarize(story, words=120)
    assert sum("3.2 billion" in s.text for s in summary.sentences) == 1
    assert len(summary.sentences) >= 3


def test_one_quote_two_outlets_attribute_differently_is_one_sentence() -> None:
    """Invented, after ECB+'s Oscars host story, whose summary had the host's quote twice: two outlets print one
    quote, each with its own tail ("said in a statement", "said in a press release announcing ..."). The other
    outlets use the quote's words, so its terms weigh little and the tails keep the cosine under REDUNDANT;
    it is still the same sentence."""
    quote = '"I am so excited to be hosting the awards for the second time," Lina Berg said'
    articles = (
        Article("a", f"Lina Berg will host the Nordic film awards in March.\n{quote} in a statement.", outlet="One"),
        Article(
            "b",
            "The comedian Lina Berg returns as host of the Nordic film awards after a year away.\n"
            f"{quote} in a press release announcing the big news this week.",
            outlet="Two",
        ),
        Article(
            "c",
            "Lina Berg is to host the Nordic film awards for a second time, organizers said on Friday.\n"
            "Fans were excited that she is hosting the awards again.",
            outlet="Three",
        ),
        Article(
            "d",
            "Hosting the Nordic film awards for the second time, Lina Berg said she was excited.\n"
            "The ceremony will be held in Oslo on March 14.",
            outlet="Four",
        ),
    )
    candidates = pool(articles, DEFAULT.per_article)
    first, second = (i for i, c in enumerate(candidates) if c.text.startswith(quote))
    space = centroid.space(candidates, articles)
    summary = centroid._Summary(candidates, space, DEFAULT)
    summary.add(first)
    assert space.similarity[first, second] < centroid.REDUNDANT
    assert summary.repeated()[second]


def test_other_outlets_leads_do_not_retell_the_event() -> None:
    """Invented, after ECB+'s Tara Reid story (18 outlets), whose summary told the check-in eight times: each
    outlet's lead retells it in its own words, too differently for the near-duplicate test to see."""
    story = _titled(
        [
            (
                "Mara Lind enters rehab",
                "Singer Mara Lind has checked herself into a rehab clinic in Arizona, her publicist said on Friday.\n"
                "Lind cancelled the last four concerts of her autumn tour last week after collapsing on stage in Oslo.",
            ),
            (
                "Lind in treatment",
                "Pop star Mara Lind is in rehab, a spokesman for the singer confirmed.\n"
                "Her record label said the new album, Glass Houses, would still come out in March despite the "
                "cancelled tour.",
            ),
            (
                "Mara Lind seeks help",
                "Mara Lind has checked into a treatment programme for addiction, her representative told reporters.\n"
                "The singer collapsed on stage in Oslo during her autumn tour two weeks ago.",
            ),
            (
                "Lind checks in",
                "The singer Mara Lind checked into a clinic on Friday, according to her publicist.\n"
                "Tickets for the cancelled concerts of the tour will be refunded, the promoter said.",
            ),
        ]
    )
    leads = {text.split("\n")[0] for text in (a.text for a in story.articles)}

    def told(tuning: Tuning) -> list[str]:
        return [s.text for s in summarize(story, words=120, tuning=tuning).sentences]

    summary = told(DEFAULT)
    assert sum(s in leads for s in summary) == 1, summary
    # The room goes to what the other sentences add: the cancelled tour. (The refunds sentence, at a cosine of
    # 0.32 to the tour's through "cancelled concerts of the tour", is taken for a retelling of it since
    # Tuning.retold_any: the cost of a rule by cosine, which the folds chose on WikinewsSum all the same.)
    assert len(summary) >= 2 and any("tour" in s for s in summary if s not in leads), summary
    assert sum(s in leads for s in told(Tuning(retold=1.0))) > 1  # without the rule, the leads retell it


def test_another_outlets_sentence_retelling_a_chosen_one_is_not_told_again() -> None:
    """Invented, after the seeds' training data law story: Pixel & Frame's "The law obliges developers to publish
    a summary of their training data sources ..." and Northgate Courier's "Under the act, developers must say
    where their training data came from ..." tell one fact, at a cosine (0.43) under the near-duplicate test's
    (REDUNDANT), and both were in the summary. Here the two outlets tell the bridge's repairs."""
    repairs = "The repairs will replace the bridge's steel cables and resurface its deck, and the work is expected"
    engineers = "Engineers will replace the steel cables of the bridge and lay a new surface on its deck over eight"
    story = Cluster(
        "x",
        (
            Article(
                "a",
                "The city council of Tolvik voted on Monday to close the harbour bridge for repairs from March.\n"
                f"{repairs} to take eight months.\n"
                "Ferries between the two banks will run every ten minutes while the bridge is shut.",
                outlet="One",
                title="Tolvik closes its bridge",
            ),
            Article(
                "b",
                "Tolvik's harbour bridge will shut in March after a council vote.\n"
                f"{engineers} months, at a cost of 40 million crowns.\n"
                "Shop owners near the bridge said they feared losing customers for most of the year.",
                outlet="Two",
                title="Harbour bridge to shut",
            ),
            Article(
                "c",
                "The harbour bridge is Tolvik's busiest road, carrying 30,000 cars a day.\n"
                "Cyclists will be allowed on the ferries free of charge.",
                outlet="Three",
                title="Bridge closure: what to know",
            ),
        ),
    )

    def told(tuning: Tuning) -> list[str]:
        return [s.text for s in summarize(story, words=100, tuning=tuning).sentences]

    summary = told(DEFAULT)
    assert sum(s.startswith((repairs, engineers)) for s in summary) == 1, summary
    assert len(summary) >= 4  # the room goes to the ferries and the shops
    assert sum(s.startswith((repairs, engineers)) for s in told(Tuning(retold_any=1.0))) == 2  # without the rule


def test_an_articles_lead_is_not_a_retelling_of_its_own_later_sentence() -> None:
    """The retelling rule is about other outlets: a lead shares words with its own article's later sentences
    because it introduces them, which does not make it a retelling of what was chosen."""
    articles = (
        Article(
            "a",
            "The harbour bridge in Tolvik will close for repairs from March, the city council said on Monday.\n"
            "Ferries between the two banks of the Tolvik harbour will run every ten minutes while the bridge is shut.",
            outlet="One",
        ),
        Article("b", "Tolvik's council approved a new budget for its schools after a long debate.", outlet="Two"),
    )
    candidates = pool(articles, DEFAULT.per_article)
    lead, ferries = (i for i, c in enumerate(candidates) if c.article == 0)
    space = centroid.space(candidates, articles)
    assert space.similarity[lead, ferries] >= DEFAULT.retold  # close enough that another outlet's would retell it
    summary = centroid._Summary(candidates, space, DEFAULT)
    summary.add(ferries)
    assert not summary.repeated()[lead]


def test_sentences_needing_context_lose_to_standalone_ones() -> None:
    text = (
        "The city council voted on Monday to close the old Riverside swimming pool at the end of the summer.\n"
        '"It was a hard decision for everyone," he said.\n'
        "He added that a new pool would open in 2028.\n"
        "The council also approved a budget of 4 million crowns for repairs to the library roof."
    )
    story = summarize(Cluster("x", (Article("a", text, outlet="One", title=TITLE),)), words=200)
    assert story.sentences
    assert not any(needs_context(s.text) for s in story.sentences)
    alone = summarize(Cluster("y", (Article("b", '"It was a hard decision for everyone," he said.', title=TITLE),)))
    assert len(alone.sentences) == 1  # with nothing better, a sentence that needs context is still used


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ('"I love working there," he said.', True),
        ("“Some of those songs were pretty good,” she wrote.", True),
        ('"We wanted to put the process on the wall and let visitors decide."', True),
        ("He said the plan would cost about 3 million crowns in all.", True),
        ("But the council did not say when the work would start.", True),
        # A connective adverbial leans back when it stands alone before its comma, not when it governs a phrase
        # (WikinewsSum's Firefox story opened a sentence on "True, ..."; ECB+'s Gulf of Aden story).
        ("True, Microsoft made significant security improvements to the browser in August.", True),
        ("In addition, a host of other equipment such as grapnels was confiscated.", True),
        ("Therefore the court must decide the case again in May.", True),
        ("In addition to looking great in a tux, the actor has TV hosting experience.", False),
        ("As a result of the riots, the police have cordoned off the city centre.", False),
        # A possessive opening is someone's the reader met in the sentence before (the Guardian's feed).
        ("His attorney confirmed the news in a statement.", True),
        ("Her parents worked hard until they were forced to leave.", True),
        ("Hiscox shares fell 3% on Monday after the insurer's profit warning.", False),
        ("Thank you for contacting me regarding your concerns about the vote.", True),
        ("Songloom, which says it has around 6 million monthly users, has not said.", True),
        ("The label asked whether the model was trained on its songs; the company declined to say.", True),
        ("Asked if the studio would appeal, a spokesman said it would.", True),
        ("The council has not said when the work will start.", False),
        ("The company declined to comment on the lawsuit.", False),
        ("Daniels said, refusing to answer directly.", True),
        ("The mayor said, adding that the budget would wait until spring.", True),
        ('"We will appeal," the studio said, adding that it had done nothing wrong.', False),
        ("The mayor said, however, that the budget would wait until spring.", False),
        ('"It was a hard year," said Anna Berg, the council\'s chair.', False),
        ("The council said on Monday that the work would start in May.", False),
        # After a short opening phrase, or "these" pointing back (found in WikinewsSum dev summaries).
        ("At present, they can only vote to dismiss the entire Commission.", True),
        ("In 2003, it said it found seven research vessels and one submarine.", True),
        ("The valuation of these facilities is pegged at a little over Rs 1,000 crore.", True),
        ("For these reasons the stated probability can easily be inaccurate.", True),
        ("In 2003, the ministry said it found seven research vessels.", False),
        ("For the president, of course, it was yet another opportunity for grandstanding.", True),  # Guardian feed
        # Reported speech a pronoun said (ECB+ dev's prison escape and Gulf of Aden stories, in our words).
        ("The escape happened near Baytown, about 25 miles east of Houston, it said.", True),
        ("The merchant ship was later escorted to safety, he added.", True),
        ("The escape happened near Baytown, the prison agency said.", False),
        ("On June 27, 1973, he pleaded guilty to one charge of conspiring to obstruct justice.", True),
        ("On June 27, 1973, the court heard the first of the tapes.", False),
        ("On Monday, Daniels told the court these were her own words.", False),
        ("Most of these were built in the 1990s, the ministry said.", True),
        # A "that" after a preposition in the first words points back (ECB+ dev's Gigante and Esther Williams
        # stories, WikinewsSum's tanker-lease letter, in our words); further in, it may point within the sentence.
        ("In that letter, the inspector said the lease broke two accounting rules.", True),
        ("None of that swayed the jurors, who convicted him of extortion.", True),
        ("After that, the council voted again.", True),
        ("The owner lived in that valley, the police said.", True),
        ("In that the vote failed, the council met again in March.", False),
        ("Gas imports fell in 2003, when demand grew in that country.", False),
        ("The ministry said in a statement that the bridge would open.", False),
        # A coordinating opening goes on from the sentence before (SI's NBA brawl story, cnn.com's Firefox review).
        ("Or Vernon Maxwell going into the crowd to punch out a fan.", True),
        ("Plus, Firefox is available for Linux and Mac computers as well.", True),
        ("Either way, full accountability among Air Force leadership is in order.", True),
        ("Either candidate would need a majority of the council to win.", False),
        ("Plush toys sold out within an hour of the store's opening.", False),
    ],
)
def test_needs_context(sentence: str, expected: bool) -> None:
    assert needs_context(sentence) is expected


@pytest.mark.parametrize(
    ("sentence", "language", "expected"),
    [
        # English words are not looked for in other languages: Italian's "I" is an article ("the"), and a
        # Dutch quotation „...” is a quotation, not a "we" speaking.
        ("I lavori inizieranno a marzo, ha detto il sindaco del paese.", "it", False),
        ("„We zijn klaar”, zei de wethouder na de stemming van maandag.", "nl", False),
        ("Still lag der See am Morgen nach dem Sturm über dem Dorf.", "de", False),  # "still": calm
        # Their own words for an opening that leans back, and for a first person speaking.
        ("Er sagte, die Arbeiten würden im März beginnen.", "de", True),
        ("Die Arbeiten beginnen im März, sagte der Bürgermeister.", "de", False),
        ("„Er kommt morgen“, sagte die Bürgermeisterin am Montag.", "de", False),
        ("Mais le conseil n'a pas dit quand les travaux commenceraient.", "fr", True),
        ("Nous avons voté contre ce budget, explique la conseillère.", "fr", True),
        ("J'ai voté contre ce budget, explique la conseillère municipale.", "fr", True),
        ("L'Assemblée a voté le budget lundi par 31 voix contre 9.", "fr", False),
        ("Le conseil a voté le budget lundi par 31 voix contre 9.", "fr", False),
        ("Pero el consejo no dijo cuándo empezarían las obras.", "es", True),
        ("El consejo aprobó el presupuesto el lunes por 31 votos.", "es", False),
        ("Hij zei dat de werken in maart beginnen.", "nl", True),
        ("Son avocat a confirmé la nouvelle lundi soir.", "fr", True),
        ("Su abogado confirmó la noticia el lunes por la noche.", "es", True),
        ("Ihr Anwalt bestätigte die Nachricht am Montagabend.", "de", True),
        # The first word after a short opening phrase, as in English ("At present, they ..."): the tramway line
        # of seeds/multilingual (Journal des Terres) is "elle".
        ("Longue de 14 kilomètres, elle relie la gare centrale au quartier des Tanneries.", "fr", True),
        ("Selon la préfecture, le trafic reprendra normalement mercredi matin.", "fr", False),
        ("Secondo il sindaco, questo progetto costerà 40 milioni di euro.", "it", True),
        # German and Dutch put the verb second: a connective or "dafür" (for that) leaning back follows it, in
        # the first words of the first clause (heise developer's feed, ../shared/eval/feeds/heise.atom).
        ("Dass es dafür kein einfaches Rezept gibt, ist der Komplexität geschuldet.", "de", True),
        ("Entwickler müssen deshalb vorhandenen Code anpassen.", "de", True),
        ("Die Sache ist aber nicht hoffnungslos.", "de", True),
        ("Die Stadt beginnt im März, aber der Bahnhof wird erst 2027 fertig.", "de", False),  # a clause's "aber"
        ("Microsoft ändert das Protokoll, und Entwickler müssen dafür Code anpassen.", "de", False),
        ("De gemeente stelt daarom de werken uit tot maart.", "nl", True),
        ("Questo progetto costerà 40 milioni di euro, ha detto il sindaco.", "it", True),
        ("Eu votei contra o orçamento, disse a vereadora.", "pt", True),
        # A quotation with no speaker named, in any quoting style.
        ("„Wir sind bereit und der Haushalt steht.“", "de", True),
        ("« Nous sommes prêts et le budget est prêt. »", "fr", True),
        ("“We are ready and the budget is done.”", "en", True),
    ],
)
def test_needs_context_in_other_languages(sentence: str, language: str, expected: bool) -> None:
    assert needs_context(sentence, language) is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The council approved the budget on Monday by 31 votes to 9.", True),
        ('"We are ready," the mayor said after the vote on Monday.', True),
        ("and then the council approved the budget on Monday.", False),
        ("The council approved the budget on Monday by 31 votes", False),
        ("Will the council approve the budget on Monday at last?", False),
        ("The council approved the budget, and critics said the plan was …", False),
        ("The council approved the budget, and critics said the plan was...", False),
        ('The mayor said "we are ready and the budget is done.', False),
        # German quotes open with „ and close with “; Polish ones close with ”; French ones are «…».
        ("„Wir sind bereit“, sagte die Bürgermeisterin nach der Abstimmung am Montag.", True),
        ("Die Bürgermeisterin sagte: „Wir sind bereit und der Haushalt steht.“", True),
        ("„Jesteśmy gotowi”, powiedziała burmistrz po głosowaniu w poniedziałek.", True),
        ("« Nous sommes prêts », a dit la maire après le vote de lundi.", True),
        ("»Wir sind bereit«, sagte die Bürgermeisterin nach der Abstimmung am Montag.", True),
        ("”Vi är redo”, sade borgmästaren efter omröstningen på måndagen.", True),
        ("「準備はできている」と市長は月曜日の投票の後に述べた。", True),
        ("Die Bürgermeisterin sagte: „Wir sind bereit und der Haushalt steht.", False),
        ('The mayor said we are ready, and the budget is done," she added on Monday.', False),
        ("Read more at [the council site](https://example.org/budget) on Monday.", False),
        ("Short one.", False),
    ],
)
def test_is_whole(sentence: str, expected: bool) -> None:
    assert is_whole(sentence) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The Guardian's feed (../shared/eval/feeds/guardian.rss): the item's text is its standfirst, with no
        # final stop, and "Continue reading...": the story had a headline and no summary.
        (
            "Everything you need to know about the inquiry into Russian hacking, alleged collusion and Donald "
            "Trump, plus the latest news\n\nContinue reading...",
            "Everything you need to know about the inquiry into Russian hacking, alleged collusion and Donald "
            "Trump, plus the latest news",
        ),
        # A podcast episode's description (giantbomb-podcast.rss) is its summary too.
        (
            "We break down the latest details in the expansion plan and then cover the Kinectless Xbox One",
            "We break down the latest details in the expansion plan and then cover the Kinectless Xbox One",
        ),
        ("Trump-Russia investigation: the key questions answered", ""),  # the title again
        ("Here is what the council decided on Monday about the harbour bridge:", ""),  # a lead-in
        ("Por Matt Spetalnick e Jason Szep", ""),  # a byline (uolNoticias.rss)
        ("HARBOUR BRIDGE TO CLOSE FOR REPAIRS IN MARCH AND APRIL", ""),  # a heading
        ("Will the harbour bridge really close for repairs in March?", ""),  # a question
    ],
)
def test_an_item_whose_text_is_a_standfirst_is_summarized_by_it(text: str, expected: str) -> None:
    title = "Trump-Russia investigation: the key questions answered"
    assert standfirst(text, title) == expected
    story = summarize(Cluster("x", (Article("a", text, title=title, outlet="The Guardian"),)), words=100)
    assert [s.text for s in story.sentences] == ([expected] if expected else [])


def test_a_standfirst_the_reader_has_had_is_not_told_again() -> None:
    text = "Everything you need to know about the inquiry into the harbour bridge, plus the latest news"
    story = summarize(Cluster("x", (Article("a", text, title="Bridge inquiry", outlet="One"),)), said=[text])
    assert story.sentences == ()


def test_an_untitled_item_is_headed_by_its_standfirst() -> None:
    """An RSS item may have no title (RSS 2.0 asks for a title or a description): one whose description is a
    standfirst was headed "Untitled" while its summary was that standfirst."""
    text = "We break down the latest details in the expansion plan and then cover the Kinectless Xbox One"
    story = summarize(Cluster("x", (Article("a", text, url="https://x.test/1", outlet="Giant Bomb"),)))
    assert story.headline == text and story.headline_url == "https://x.test/1"
    nothing = summarize(Cluster("x", (Article("a", "Continue reading...", url="https://x.test/2", outlet="G"),)))
    assert nothing.headline == "Untitled" and nothing.headline_url == "https://x.test/2"


def test_a_standfirst_is_not_used_beside_whole_sentences() -> None:
    text = "The harbour bridge closes in March\nThe council voted on Monday to close the harbour bridge for repairs."
    assert standfirst(text, "Bridge to close") == "The harbour bridge closes in March"
    story = summarize(Cluster("x", (Article("a", text, title="Bridge to close", outlet="One"),)), words=100)
    assert [s.text for s in story.sentences] == [text.split("\n")[1]]


@pytest.mark.parametrize(
    ("sentence", "outlet", "expected"),
    [
        # A lowercase start is a fragment of a sentence split wrongly, unless it is a name styled so: with a
        # capital or a digit inside, or the outlet's own (heise developer's weekly digest, whose one sentence
        # opened "heise Developer fasst ...": its story had no summary at all; ../shared/eval/feeds/heise.atom).
        ("eBay said on Monday that it would close the auction site's forums.", "The Ledger", True),
        ("v201509 introduced a new user list type for the advertising interface.", "Ads Blog", True),
        ("heise Developer fasst jede Woche wichtige Nachrichten zu Tools zusammen.", "heise developer", True),
        ("heise Developer fasst jede Woche wichtige Nachrichten zu Tools zusammen.", "The Ledger", False),
        ("of India at the Award Ceremony held at New Delhi on 20th April 2017.", "The Ledger", False),
        # A list item's number or a page marker is not a name (WikinewsSum's Senate record of the tanker lease).
        ("(3) To delay for two years to do an analysis of alternatives is simply silly.", "The Ledger", False),
        # Only the name's first word: "in" inside "Food in Invironment on Medium" is no name.
        ("in the sun, on a radiator, or a gas oven near the pilot light for ten days.", "Food in Invironment", False),
    ],
)
def test_a_name_styled_in_lowercase_may_open_a_sentence(sentence: str, outlet: str, expected: bool) -> None:
    assert is_whole(sentence, lowercase_names(outlet)) is expected
    story = summarize(Cluster("x", (Article("a", sentence, title="Weekly", outlet=outlet),)), words=100)
    assert [s.text for s in story.sentences] == ([sentence] if expected else [])


def test_boilerplate_never_appears() -> None:
    for line in [
        "Read the full story at The Verge.",
        "Follow topics and authors from this story to see more like this.",
        "#Seedance #great #hope #video #generation #shoddy",
        "Leave a Reply",
        "Similar Posts",
        "Your email address will not be published. Required fields are marked *",
        "world politics tech business tabloid sports science health entertainment",
        "Curated by Humans | Summarized by Machines",
        "By Meng Yan",
        "By Meng Yan (China Daily)",
        "Updated: 2004-05-24 22:21",
        "Home > Programs > Democracy Now!",
        "Or you can join Salon Premium today and read Salon without ads.",
        "Share this article on Facebook.",
        "(Photo by Jane Doe/Getty Images)",
        # The footers Medium's and WordPress's feeds add to every item (content-encoded.rss, in our words).
        "Ten Weeds You Can Eat was originally published in Greenways on Medium, where people are continuing the "
        "conversation by highlighting and responding to this story.",
        "The post Ten Weeds You Can Eat appeared first on Greenways.",
        # A live blog's link to another (the Guardian feed's transfer deadline day blog, in our words).
        "Keep up with the rest of tonight's matches – live!",
        # A blog's and a newspaper's pointers to the rest of the page (ECB+ dev's Catching Fire story, in our words).
        "Hit the jump for more on why the sequel might miss its release date.",
        "Continue reading the main story",
        # What a page says of itself, not of the news: WikinewsSum's miami.com source opens "Excerpts from the
        # Report ..., as translated by The Herald.", an ECB+ one "Here is the transcript of the announcement.";
        # the notes newsrooms add to a story, in our words.
        "Excerpts from the council's report on the harbour bridge, as translated by the Courier.",
        "Here is the full text of the mayor's statement.",
        "Editor's note: This story has been updated with the final vote count.",
        "Correction: An earlier version of this article misstated the cost of the bridge.",
        "An earlier version of this story misspelled the mayor's name.",
        "This article originally appeared on The Conversation.",
        # Notices, not the words: ads, cookies and newsletters (in our words).
        "ADVERTISEMENT",
        "Just watch a brief advertisement to get a free day pass.",
        "This website uses cookies to improve your experience.",
        "Read our cookie policy.",
        "Get the best of the week in our free newsletter.",
        "home news world business sport weather podcasts newsletters",
    ]:
        assert is_boilerplate(line), line
    for news in (
        # The words in the news: ECB+ dev's Kraft plant explosion story ("the plant, which makes Nabisco cookies
        # and crackers"), a podcast episode (giantbomb-podcast.rss, "Grandma's Cookies"), in our words.
        "About 80 people worked at the bakery, which makes biscuits and cookies for two supermarket chains.",
        "We talk about Grandma's Cookies, vendor trash and the new handheld.",
        "These are advertisements from the 2003 campaign.",
        "The union said in its newsletter that the strike would go ahead.",
        "The excerpts from the diary were read in court.",
        "Here is what the council decided on Monday.",
        "Clarification: a question that came up during code review.",  # a glossary line, eval/feeds/many-links.rss
    ):
        assert not is_boilerplate(news), news
    assert not is_boilerplate("The council approved the budget on Monday by 31 votes to 9.")
    assert not is_boilerplate("The novel was originally published in 1998 and sold a million copies.")
    assert not is_boilerplate("Most of the council's members said they would rather live with the old bridge.")


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("The service was led by Rev. John Smith of the parish.", "The service was led by Rev. John Smith"),
        ("The mass was said by Fr. Paul Dias in the chapel on Sunday.", "The mass was said by Fr. Paul Dias"),
        ("The climbers reached Mt. Cook on Tuesday after a long walk.", "The climbers reached Mt. Cook"),
        ("The Hon. Mary Jones spoke to the council on Monday.", "The Hon. Mary Jones spoke"),
    ],
)
def test_a_title_punkt_does_not_know_ends_no_sentence(text: str, first: str) -> None:
    """customfields.rss's "Archbishop of Bangalore Most. Rev. Dr. Bernard Moras" was cut at "Rev." (our words)."""
    found = list(clean_sentences(text + " It ended at noon after the last hymn was sung."))
    assert found[0].startswith(first) and found[0] == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Punkt split before a piece that goes on in lowercase: after an abbreviation it does not know (ECB+
        # dev's "200 W. American Blvd." | "with her husband", a feed's "Govt." | "of India"), after a quote
        # ("See that guy?" | "said ..."), an exclamation inside a name ("the E!" | "network"), a web address cut
        # at its dot ("according to TMZ." | "com", which was taken for a whole sentence). In our words.
        (
            "She was hit outside the store at 12 W. Lake Blvd. with her husband beside her. "
            "The driver of the car fled the scene.",
            [
                "She was hit outside the store at 12 W. Lake Blvd. with her husband beside her.",
                "The driver of the car fled the scene.",
            ],
        ),
        (
            "The awards were given by the Minister of State for Finance, Govt. of India, at the ceremony.",
            ["The awards were given by the Minister of State for Finance, Govt. of India, at the ceremony."],
        ),
        (
            "“Did you see him?” said a barber who was cutting hair at the time. "
            "Police came to the shop within minutes.",
            [
                "“Did you see him?” said a barber who was cutting hair at the time.",
                "Police came to the shop within minutes.",
            ],
        ),
        (
            "The singer was first seen checking in to the clinic by TMZ. com on Friday night.",
            ["The singer was first seen checking in to the clinic by TMZ. com on Friday night."],
        ),
        # Not a name styled in lowercase, which opens a sentence, nor a link on a line of its own.
        (
            "The auction site was sold on Monday. eBay said it would keep its staff.",
            ["The auction site was sold on Monday.", "eBay said it would keep its staff."],
        ),
        (
            "Read the council's report on the bridge. www.example.org has it.",
            ["Read the council's report on the bridge."],
        ),
        # A page glued two sentences without a space (itunes-keywords-astext.rss, a German podcast's episode
        # notes: "... auf seinem Handy landen.Wenn ihr ein Star-Selfie habt ..."). In our words.
        (
            "Am Ende landen alle Fotos auf seinem Handy.Wenn ihr ein Foto habt, schickt es uns bitte.",
            ["Am Ende landen alle Fotos auf seinem Handy.", "Wenn ihr ein Foto habt, schickt es uns bitte."],
        ),
        # Not a name styled with a stop inside, a link, a file name or a version.
        (
            "In a SciDev.Net editorial this year, the director wrote about the floods.",
            ["In a SciDev.Net editorial this year, the director wrote about the floods."],
        ),
        (
            "The release notes are at example.org/News.Html for everyone who asked.",
            ["The release notes are at example.org/News.Html for everyone who asked."],
        ),
        # Punkt split inside parentheses, before the piece closing them: ECB+ dev's "a two - million - euro
        # ($2." | "6 - million) booty", a feed's "(e.g." | "AFL and libFuzzer)" and "(for Facebook, ... etc." |
        # "), there are ...". In our words.
        (
            "Thieves made off with jewels worth two million euros ($2. 6 million) on Monday. "
            "Police are looking for them across the city.",
            [
                "Thieves made off with jewels worth two million euros ($2. 6 million) on Monday.",
                "Police are looking for them across the city.",
            ],
        ),
        (
            "Several fuzzing engines exist (e.g. AFL and libFuzzer), and the team runs them all day.",
            ["Several fuzzing engines exist (e.g. AFL and libFuzzer), and the team runs them all day."],
        ),
        # On an article, which ends no sentence: ECB+ dev's "pointed a." | "38 caliber revolver at the officers."
        (
            "The suspect turned and pointed a. 38 caliber revolver at the officers. Both of them fired at him.",
            ["The suspect turned and pointed a. 38 caliber revolver at the officers.", "Both of them fired at him."],
        ),
        # Parentheses closed within a sentence, or never closed, join nothing.
        (
            "The city council (which met on Monday) voted on it. The mayor (who chairs it spoke first of all. "
            "Then the meeting ended at noon.",
            [
                "The city council (which met on Monday) voted on it.",
                "The mayor (who chairs it spoke first of all.",
                "Then the meeting ended at noon.",
            ],
        ),
    ],
)
def test_punkt_pieces_are_joined_or_split_into_whole_sentences(text: str, expected: list[str]) -> None:
    found = list(clean_sentences(text))
    assert found == expected
    assert all(sentence in text for sentence in found)  # still verbatim


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # Lines of WikinewsSum dev's sources and the real feeds, in our words: a heading, a team sheet, a
        # signature, a header, a citation.
        ("Initiative for Andean Regional Road and River Integration.", True),
        ("Riverton: Sam Ford (capt), Ian Marsh, Alex Shore, Ben Lowe (wkt), Cal Diaz, Tom Reed, Joe Park.", True),
        ("Dr. Maria L. Ortega, Secretary of the Harbour Board.", True),
        ("Council Record: March 3, 2005 (Assembly) Page A112-A118 Inquiry Into Harbour Leasing Ms. ORTEGA.", True),
        ("Hale, B., & Moreno, C. (2011).", True),
        ("Riverton FC v Lakeside Athletic 4.", True),
        # Statements, however many names they hold.
        ("Subsequently, Deputy Mayor Ortega reprimanded Director Hale.", False),
        ("The others were Harbour Secretary Ann Lowe, Roads Secretary Tom Reed and Parks Secretary Joe Park.", False),
        ("The council approved the budget on Monday by 31 votes to 9.", False),
        ("Die Polizei nahm den Mann am Montag in Berlin fest.", False),
        ("市议会周一以31票对9票通过了预算。", False),
    ],
)
def test_is_heading(sentence: str, expected: bool) -> None:
    assert is_heading(sentence) is expected


@pytest.mark.parametrize(
    "sentence",
    [
        # Sentences that open with "By" and a capital, as WikinewsSum dev's and ECB+'s sources do (our words).
        "By midday Friday, more than 100,000 people had given money online to the relief effort.",
        "By June 1974, the agency had its own budget and full legal standing.",
        "By Saturday, several thousand Web sites had been infected.",
        "By Christmas the river had fallen back below its banks.",
        "By then the minister had resigned and left the country.",
        "By using the new console, an administrator sees every server at once.",
    ],
)
def test_a_sentence_opening_with_by_is_not_a_byline(sentence: str) -> None:
    assert not is_boilerplate(sentence)
    assert trim_opening(sentence) == sentence
    assert list(clean_sentences(sentence)) == [sentence]


def _shared_seed_furniture() -> list[str]:
    """Lines of ../shared/seeds that are page furniture: the first line of 004, hashtags, footers, bylines."""
    return [
        "world politics tech business tabloid sports",
        "#Seedance",
        "Similar Posts",
        "Leave a Reply",
        "Your email address",
        "Read the full story",
        "Follow topics and authors",
        "Curated by Humans",
        "Summarized by Machines",
        "Author: showrunner",
        "Previously, on Spyglass",
        "M.G. Siegler •",
        "Charles Pulliam-Moore",
    ]


@pytest.mark.parametrize("method", METHODS)
def test_shared_seed_boilerplate_stays_out(shared_clusters: list[Cluster], method: str) -> None:
    for group in shared_clusters:
        text = " ".join(s.text for s in summarize(group, words=3000, method=method).sentences)
        for furniture in _shared_seed_furniture():
            assert furniture not in text


def test_shared_seed_sentences_are_verbatim_and_whole(shared_clusters: list[Cluster]) -> None:
    for group in shared_clusters:
        texts = {a.label: _normal(a.text) for a in group.articles}
        for sentence in summarize(group, words=3000).sentences:
            assert _normal(sentence.text) in texts[sentence.outlet]
            assert is_whole(sentence.text), sentence.text


def test_pool_is_bounded_for_large_clusters() -> None:
    body = "\n".join(f"Sentence number {i} of this long report says something about the harbour." for i in range(99))
    articles = [
        Article(f"a{i}", body.replace("harbour", f"harbour {i}"), outlet=f"o{i}", title=TITLE) for i in range(150)
    ]
    assert len(pool(articles, DEFAULT.per_article)) <= max(POOL_LIMIT, MIN_PER_ARTICLE * len(articles))
    assert len(pool(articles[:3], DEFAULT.per_article)) == 3 * DEFAULT.per_article
    story = summarize(Cluster("big", tuple(articles)), words=80, method="lexrank")
    assert story.sentences and _ends_near(story, 80)


def test_a_sentence_several_outlets_print_is_kept_once_with_their_support() -> None:
    """Invented: two outlets run the same wire lead; a third leads on the critics. The wire lead is the news
    both carry, so it opens, and the second outlet's next sentence is its second, not its lead."""
    shared = "The regional council approved the new harbour bridge on Tuesday by a vote of 31 to 9."
    articles = (
        Article("a", f"{shared}\nConstruction is expected to start next spring.", outlet="One", title=TITLE),
        Article("b", f"{shared}\nThe mayor welcomed the decision at a press conference.", outlet="Two"),
        Article("c", "Critics of the harbour bridge said the cost estimate was far too low.", outlet="Three"),
    )
    candidates = pool(articles, DEFAULT.per_article)
    assert [(c.article, c.position, c.also) for c in candidates] == [
        (0, 0, frozenset({1})),
        (0, 1, frozenset()),
        (1, 1, frozenset()),
        (2, 0, frozenset()),
    ]
    assert summarize(Cluster("x", articles), words=60).sentences[0].text == shared


def _published(hour: int, outlet: str, *sentences: str) -> Article:
    """An article of one outlet, a paragraph a sentence, published on 5 January 2026 at `hour`."""
    return Article(outlet, "\n".join(sentences), outlet=outlet, published=datetime(2026, 1, 5, hour, tzinfo=UTC))


def test_opening_is_the_first_reports_lead() -> None:
    recap = _published(
        20,
        "Recap",
        "Harbour City approved a new bridge over the river on Monday, ending a decade of debate over its cost.",
        "The bridge will cost 240 million crowns and open in 2029, with tolls for trucks only.",
    )
    report = _published(
        8,
        "Original",
        "Harbour City's council voted 31 to 9 on Monday to build a bridge over the river, ending ten years of debate.",
        "Construction starts in March and the bridge should open in 2029.",
    )
    story = summarize(Cluster("x", (report, recap)), words=80)
    assert story.sentences[0].outlet == "Original"


def test_opening_is_the_earliest_report_whose_lead_is_nearly_the_best() -> None:
    """The first item is a video's one-line blurb; the report came next, a recap of the reactions last (the
    Guardian feed's State of the Union story, in our words)."""
    blurb = _published(3, "Video", "In his speech the mayor says the city is on a mission to build again.")
    report = _published(
        7,
        "Report",
        "Harbour City's mayor promised a new bridge over the river in her annual address to the council on Monday.",
        "The bridge would cost 240 million crowns and open in 2029, the mayor told the council.",
    )
    recap = _published(
        16,
        "Recap",
        "Council members on Monday reacted to the mayor's annual address and her plan for a bridge over the river.",
        "Several members said the bridge over the river would cost far more than the mayor told the council.",
    )
    story = summarize(Cluster("x", (blurb, report, recap)), words=80)
    assert story.sentences[0].outlet == "Report"


@pytest.mark.parametrize("method", METHODS)
def test_edge_cases_never_crash(method: str) -> None:
    single = Cluster(
        "c", (Article("a", "Only one sentence here is long enough to use.", title="One - Site", outlet="Site"),)
    )
    story = summarize(single, method=method)
    assert story.headline == "One" and len(story.sentences) == 1
    empty = Cluster("e", (Article("b", "", title="Nothing"), Article("b2", "Leave a Reply\n#a #b #c")))
    assert summarize(empty, method=method).sentences == ()
    untitled = Cluster("u", (Article("d", "Leave a Reply\nThe council met on Monday to discuss the budget."),))
    headed = summarize(untitled, method=method)
    assert (headed.headline, headed.sentences) == ("The council met on Monday to discuss the budget.", ())
    foreign = Cluster(
        "f", (Article("c", "Der Vorstand hat am Montag die neuen Zahlen vorgestellt und bestätigt.", title="Zahlen"),)
    )
    assert len(summarize(foreign, method=method).sentences) == 1
    chinese = Cluster("z", (Article("z", "董事会周一公布了新的数字。公司表示，销售额增长了百分之十二。"),))
    assert _words(summarize(chinese, words=10, method=method)) <= 40
    assert summarize(Cluster("none", ()), method=method).sentences == ()


def test_tiny_budget_still_gives_one_sentence(seed_clusters: list[Cluster]) -> None:
    for group in seed_clusters:
        if any(a.text.strip() for a in group.articles):
            assert len(summarize(group, words=3).sentences) == 1


def test_headline_is_representative_and_cleaned() -> None:
    pages = [
        ("Acme to buy Widget Works - Daily Planet", "Acme Corp agreed on Monday to buy Widget Works for 3.2 billion."),
        ("Acme Corp agrees deal for Widget Works | Metro", "Widget Works will be bought by Acme Corp for 3.2 billion."),
        (
            "Markets, weather, sport and a long list of everything else that happened on a busy Monday",
            "Acme Corp will pay 3.2 billion dollars for Widget Works, it said.",
        ),
    ]
    outlets = ("Daily Planet", "Metro", "Courier")
    story = Cluster(
        "x",
        tuple(
            Article(f"a{i}", text, title=title, outlet=o)
            for i, ((title, text), o) in enumerate(zip(pages, outlets, strict=True))
        ),
    )
    headline = summarize(story).headline
    assert "Widget Works" in headline and "|" not in headline and "Daily Planet" not in headline


def test_a_site_name_shared_by_several_pages_is_not_the_headline() -> None:
    story = _titled(
        [
            ("The Times Online", "China apologised on Tuesday for the submarine's intrusion into Japanese waters."),
            ("The Times Online", "The submarine intrusion into Japanese waters was a provocation, officials said."),
            (
                "Japan tracks submarine in its waters",
                "Japan tracked the submarine for two days in its territorial waters.",
            ),
        ]
    )
    assert summarize(story).headline == "Japan tracks submarine in its waters"


def test_a_date_or_a_time_is_not_a_headline() -> None:
    """SI's NBA brawl page (WikinewsSum dev, wns-en-035) is titled "Saturday November 20, 2004 6:23PM"."""
    brawl = "Four Indiana and Detroit players were suspended indefinitely by the NBA on Saturday for the brawl."
    story = _titled(
        [
            ("Saturday November 20, 2004 6:23PM", brawl),
            ("NBA suspends four after brawl", "The league suspended four players after the brawl with fans."),
        ]
    )
    assert summarize(story).headline == "NBA suspends four after brawl"
    alone = summarize(_titled([("December 2, 2026", brawl)]))
    assert alone.headline == brawl  # no title says what: the first clean sentence stands in
    assert not is_timestamp("1984") and not is_timestamp("May 2026 update") and is_timestamp("2026-12-02 07:00")


def test_a_page_titled_by_its_site_or_a_date_is_headed_by_the_headline_its_text_opens_with() -> None:
    """WikinewsSum dev: SI's NBA brawl page (wns-en-035) is titled "Saturday November 20, 2004 6:23PM" and a
    Reuters page of another story "Sports News | Breaking & Latest Sports News", which headed the story; the
    Japan Times pages (wns-en-025) are all titled "The Japan Times Online". Each text opens with its headline."""
    brawl = "Ugly brawl leads to four indefinite suspensions\nFour players were suspended by the NBA for the brawl."
    story = _titled(
        [
            ("Saturday November 20, 2004 6:23PM", brawl),
            ("Sports News | Breaking & Latest Sports News", "Russia won the Davis Cup title on Sunday in Madrid."),
        ]
    )
    found = summarize(story)
    assert (found.headline, found.headline_url) == ("Ugly brawl leads to four indefinite suspensions", None)
    assert found.headline_outlet == "o0"
    japan = _titled(
        [
            ("The Japan Times Online", "Beijing says tech glitch led to sub intrusion\nChina apologised on Tuesday."),
            ("The Japan Times Online", "Japan continues tracking mystery sub\nJapan tracked the submarine on Friday."),
            ("Type 09-1", "Work started on the Type 09-1 Han class submarine in the late 1950s."),
        ]
    )
    originals = list(japan.articles)
    assert headings(originals) == [
        ("Beijing says tech glitch led to sub intrusion", originals[0]),
        ("Japan continues tracking mystery sub", originals[1]),
        ("Type 09-1", originals[2]),
    ]


@pytest.mark.parametrize(
    ("text", "title", "expected"),
    [
        ("Japan continues tracking mystery sub\nJapan tracked it.", None, "Japan continues tracking mystery sub"),
        ("Japan tracked the submarine for two days.\nIt left on Friday.", None, ""),  # a sentence, not a headline
        ("Japan continues tracking mystery sub", None, ""),  # nothing after it: the text is all it has
        ("By REIJI YOSHIDA Staff writer\nChina apologised.", None, ""),
        ("By the numbers: the submarine's voyage\nIt sailed for days.", None, "By the numbers: the submarine's voyage"),
        ("Sports · December 5, 2021 · 9:15 PM UTC\nRussia won.", None, ""),  # a bar of section and date
        ("Saturday November 20, 2004 6:23PM\nFour were suspended.", None, ""),
        ("home news sport\nFour were suspended.", None, ""),  # lowercase section names
        ("Leave a Reply\nThe council met on Monday.", None, ""),
        ("The Japan Times Online\nChina apologised.", "The Japan Times Online", ""),  # its own title again
    ],
)
def test_opening_headline(text: str, title: str | None, expected: str) -> None:
    assert opening_headline(text, title) == expected


def test_a_site_name_or_a_date_is_not_a_title_the_summary_leans_on() -> None:
    """The title terms that raise a sentence's salience (centroid) and the titles' bigrams (concepts) are those
    of the titles that could head the story (`headings`): not "The Times Online" on every page, nor a date."""
    story = _titled(
        [
            ("The Times Online", "China apologised on Saturday for the submarine's intrusion, the Times Online said."),
            ("The Times Online", "The submarine intrusion into Japanese waters was a provocation, officials said."),
            ("Saturday November 20, 2004 6:23PM", "Japan tracked the submarine for two days in its waters."),
            ("Japan tracks submarine", "The navy said the submarine left Japanese waters on Friday night."),
        ]
    )
    originals = list(story.articles)
    assert headings(originals) == [("Japan tracks submarine", originals[3])]
    found = centroid.space(pool(originals, DEFAULT.per_article), originals)
    headline_only = centroid._text_vector("Japan tracks submarine", found.vocabulary, found.term_weights)
    assert {"onlin", "saturday"} <= set(found.vocabulary)  # the words are in the pool, yet no title of it
    assert np.allclose(found.titles, headline_only)


def test_headline_suffix_is_cleaned() -> None:
    """What a publisher appends goes: its name (the outlet, or a name of the article's host) or the page's
    format. Any other tail is the headline's: the Taverncast feed's episode names, the Guardian's "– to what?"
    and its columnists' names, ECB+ dev's "Red Sox - Teixeira Rumor" (all cut before, at any tail of three
    words or fewer)."""
    assert clean_headline("Big news today - The Verge", "The Verge") == "Big news today"
    assert clean_headline("Studio sues | Outlet", "Outlet") == "Studio sues"
    assert clean_headline("Sensex ends at new high- The Economic Times", "economictimes.indiatimes.com") == (
        "Sensex ends at new high"
    )
    assert clean_headline("Cup draw made | BBC News", "BBC", "http://news.bbc.co.uk/sport/1/hi/4102.stm") == (
        "Cup draw made"
    )
    assert clean_headline("Super blue blood moon - in pictures", "The Guardian") == "Super blue blood moon"
    assert clean_headline("Champions League knock-out draw - LIVE") == "Champions League knock-out draw"
    kept = (
        "Studio sues startup - and wins the first round in a long fight",
        "Taverncast 62 - Temporal Anomaly",
        "'His death kills me each day': Mosul residents return home – to what?",
        "Trump's speech was bad. The Democrats' response to it was worse | Cas Mudde",
        "Red Sox - Teixeira Rumor",
    )
    for title in kept:
        assert clean_headline(title, "The Guardian", "https://www.theguardian.com/world/2018") == title


WIRE = (
    "Saturday November 13, 2004 8:16 PM AP Photo LON104 By RAVI NESSMAN Associated Press Writer RAMALLAH, "
    "West Bank (AP) - Marwan Barghouti, a leader of the Palestinian uprising, said on Saturday he would run for "
    "president from his Israeli prison cell."
)


@pytest.mark.parametrize(
    ("sentence", "kept"),
    [
        (WIRE, "Marwan Barghouti, a leader of the Palestinian uprising, said on Saturday he would run for"),
        ("WASHINGTON (CNN) -- National security adviser Condoleezza Rice is the choice.", "National security"),
        ("CUZCO, Peru (Reuters) - South American leaders on Wednesday launched a pact.", "South American"),
        ("Santiago, Chile, Jan. 5 (UPI) -- Chile's former dictator was confined to his home.", "Chile's former"),
        ("NEW LONDON, Conn. -- Serial killer Michael Ross testified on Tuesday.", "Serial killer"),
        ("WASHINGTON, Nov. 23 - A harshly critical report by a Pentagon panel says so.", "A harshly"),
        ("INDIATIMES NEWS NETWORK DEBIPRASAD NAYAK MUMBAI: The markets moved further up.", "The markets"),
        ("December 23, 2004 A recently rediscovered asteroid is predicted to pass near the Earth.", "A recently"),
        ("11.03am: Uefa official Giorgio Marchetti takes a swipe at the G14 clubs.", "Uefa official"),
        # A live blog's match minute (the Guardian feed's Tottenham v Manchester United blog, in our words).
        ("13 min: Lingard runs at the defence down the left.", "Lingard runs"),
        ("45+2 min: Kane heads wide from the corner.", "Kane heads"),
        ("90 minutes: that is how long the council debated the bridge.", "90 minutes"),  # not a match minute
        (
            "Former CFO likely to help prosecutors ALEXANDRIA, Va. -- Former Boeing CFO Michael Sears pleaded guilty.",
            "Former Boeing",
        ),
        ("Port Vila : Vanuatu's Prime Minister Serge Vohor was accused of assault.", "Vanuatu's"),
        # A byline in mixed case before a date and a bar (Salon's pages in WikinewsSum dev, in our words).
        ("By Dana Whitfield Dec. 8, 2004 | On June 15, 2003, a sergeant reported abuse.", "On June 15, 2003"),
        # A heading glued to the sentence after it (WikinewsSum dev's sources, in our words).
        ("Torino Scale The hazard rating says how likely an impact is and how bad.", "The hazard rating"),
        ("A Debate on the Future of Organized Labor A handful of union leaders threatened to leave.", "A handful"),
        # Not furniture: a date as the subject, a dash or a colon in prose.
        ("May 5 was the date the council chose for the vote.", "May 5 was"),
        ("The deal was signed by IBM — Lenovo's partner said so on Monday.", "The deal"),
        ("The US said: nothing will change for the farmers this year.", "The US said"),
        ("By the end of the year, the council expects to have spent it all.", "By the end"),
        ("The Supreme Court ruled on Monday that a referendum may go ahead.", "The Supreme Court"),
        ("Halvard Pictures sued Lumora Labs, a startup, on Monday.", "Halvard Pictures"),
        ("Prime Minister Serge Vohor said The Times had got it wrong.", "Prime Minister"),
        # A name in capitals and a colon inside a list is a title, not a dateline after a glued headline
        # (giantbomb-podcast.rss, "..., Assassin's Creed III, XCOM: Enemy Unknown, ...", in our words).
        ("We talk about Halo 4, Fable II, SOCOM: Confrontation and the new handhelds.", "We talk about"),
    ],
)
def test_wire_furniture_is_trimmed_from_the_opening(sentence: str, kept: str) -> None:
    trimmed = trim_opening(sentence)
    assert trimmed.startswith(kept) and sentence.endswith(trimmed)


def test_a_summary_never_opens_with_wire_furniture() -> None:
    articles = (
        Article(
            "a", WIRE + "\nHe is serving five life terms for his role in attacks that killed Israelis.", outlet="AP"
        ),
        Article("b", "Marwan Barghouti said he would run for Palestinian president from his prison cell.", outlet="B"),
    )
    for method in METHODS:
        story = summarize(Cluster("x", articles), words=40, method=method)
        assert story.sentences and all(
            not s.text.startswith(("Saturday", "AP", "By", "RAMALLAH")) for s in story.sentences
        )
        for sentence in story.sentences:
            assert sentence.text in next(a.text for a in articles if a.outlet == sentence.outlet)


@pytest.mark.parametrize("method", METHODS)
def test_headline_is_the_title_of_the_article_it_links_to(seed_clusters: list[Cluster], method: str) -> None:
    for group in seed_clusters:
        story = summarize(group, method=method)
        (source,) = [a for a in group.articles if a.url == story.headline_url]
        assert story.headline == clean_headline(source.title or "", source.outlet, source.url)
        assert story.headline_outlet == source.label and source.id not in group.copies


def test_a_copys_title_never_heads_a_story() -> None:
    original = Article(
        "o", "The council voted on Monday to close the old pool by the river.", "u1", "One", "Pool closes"
    )
    copy = Article("c", original.text, "u2", "Copier", "Council votes to close the old pool by the river on Monday")
    story = summarize(Cluster("x", (original, copy), copies={"c": "o"}))
    assert (story.headline, story.headline_url, story.headline_outlet) == ("Pool closes", "u1", "One")


def test_story_records_keep_the_headline_link_and_read_older_ones(seed_clusters: list[Cluster]) -> None:
    story = summarize(seed_clusters[0])
    assert Story.from_record(story.to_record()) == story
    assert {"headline_url", "headline_outlet"} <= set(story.to_dict())
    older = {k: v for k, v in story.to_record().items() if k not in ("headline_url", "headline_outlet")}
    assert Story.from_record(older).headline_url == story.url  # stored before headlines carried their link


def test_the_default_method_loads_neither_sumy_nor_the_ilp_solver() -> None:
    """sumy's summarizers bring NLTK and scipy.stats, the concepts method scipy.optimize: half a second at every
    start of a command that summarizes, for methods it does not use."""
    import subprocess
    import sys

    code = (
        "from digest.models import Article, Cluster\nfrom digest.summarize import summarize\n"
        "summarize(Cluster('c', (Article('a', 'The council met on Monday to approve the budget for next year.'),)))\n"
        "import sys\nprint(' '.join(sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert not [m for m in loaded if m.startswith(("sumy.summarizers", "sumy.nlp", "nltk", "scipy.optimize"))]


def test_each_articles_sentences_are_read_in_the_order_it_wrote_them() -> None:
    """A method picks by importance; the story shows one article's sentences in its own order, the opening first."""
    first = (
        "The river council approved a new flood barrier for the old harbour on Monday. "
        "Work on the barrier will begin in March and last two years. "
        "The council said the barrier will cost 40 million crowns. "
        "Residents of the harbour had asked for a barrier since the floods of 2019."
    )
    second = "The river council approved a flood barrier for the harbour, which flooded twice in 2019 and 2020."
    group = Cluster("x", (Article("a", first, outlet="A"), Article("b", second, outlet="B")))
    for method in METHODS:
        story = summarize(group, words=80, method=method)
        of_a = [s.text for s in story.sentences if s.outlet == "A"]
        assert of_a == sorted(of_a, key=first.index), method
    picked = [0, 7, 3]  # positions 0, 5, 2 of one article as a method may pick them
    pool_ = [_candidate(0, 0), _candidate(0, 1), _candidate(0, 2), _candidate(0, 3)]
    pool_ += [_candidate(0, 4), _candidate(1, 0), _candidate(1, 1), _candidate(0, 5)]
    assert reading_order(picked, pool_) == [0, 3, 7]
    assert reading_order([5, 4, 0, 6], pool_) == [5, 0, 4, 6]  # each place keeps its article


def _candidate(article: int, position: int) -> Candidate:
    return Candidate(f"s{article}{position}", article, position, (), (), frozenset())
