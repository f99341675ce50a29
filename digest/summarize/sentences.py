"""What may be a summary sentence: whole, clean statements from the opening of each original article.

A sentence is taken verbatim from its paragraph, or as a verbatim tail of it when wire furniture opens it
(timestamps, photo codes, bylines, agency datelines: "Saturday November 13, 2004 8:16 PM AP Photo LON104 By
RAVI NESSMAN Associated Press Writer RAMALLAH, West Bank (AP) - Marwan Barghouti ..." is used from "Marwan").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from digest import text as textlib
from digest.language import resources
from digest.models import Article

MIN_WORDS, MAX_WORDS = 6, 60
POOL_LIMIT = 300  # sentences in all: bounds sumy's quadratic rankers, our similarity matrix and the ILP
MIN_PER_ARTICLE = 2  # even a cluster of a hundred articles takes this many opening sentences of each
FURNITURE_WORDS = 25  # a whole paragraph may be furniture up to this length; longer ones are judged by sentence
DATELINE_WORDS = 30  # an agency dateline further into a sentence than this is prose, not furniture

_BOILERPLATE = re.compile(
    r"""(read\ the\ full\ story|full\ story|follow\ topics\ and\ authors|leave\ a\ (reply|comment)|similar\ posts
    |your\ email\ address\ will\ not|required\ fields\ are\ marked|share\ (this|on)|sign\ up\ for
    |subscribe\ (to|now|today)|click\ here|all\ rights\ reserved|\(photo\ (by|credit)|photo:|image:|getty\ images
    |curated\ by|summarized\ by|condensed\ by|previously,\ on
    # a notice, not the word: "advertisement" alone, a cookie banner, a newsletter's sign-up or a menu ending
    # on it; not "the plant, which makes Nabisco cookies" (ECB+ dev's Kraft plant explosion story)
    |^\W*advertisements?\W*$|\bwatch\ an?\ (brief\ |short\ )?(ad|advertisement)\b
    |\bcookies?\ (policy|settings|preferences|consent|notice)|\b(we|site|website)\ uses?\ cookies\b
    |\baccept\ (all\ )?cookies\b|\bnewsletters?\W*$|\bour\ (free\ |daily\ |weekly\ )?newsletter\b
    |related\ (stories|articles)|back\ to\ (top|main)|site\ license|^updated:
    |(your|active|online)\ subscription|\blog\ ?in\b|\bsign\ in\b|registered\ user|without\ ads
    |advertise\ (in|with|on)|optimi[sz]ed\ for\ viewing|can\ be\ reached\ (at|via|by)|(purchase|view)\ this\ article
    |for\ (further|more)\ information,?\ (visit|see|go|call|contact)|^author:|^source$|^\W*$
    |\s[–—-]\ live!?$|\bwas\ originally\ published\ (in|on)\ .+\ on\ medium\b
    |^the\ post\ .+\ appeared\ first\ on\s|\b(hit|more\ after)\ the\ jump\b|^continue\ reading\b
    # what a page says of itself, not of the news: an editor's note, a correction notice, "excerpts from ..."
    |^editor['’]?s\ note|^(correction|clarification):\ (an\ earlier|a\ previous|this\ (article|story|report|post))
    |^excerpts?\ (from|of)\ |^here\ (is|are)\ (the\ )?(full\ )?(text|transcript|excerpts?)\ of\s
    |^an\ earlier\ version\ of\ this\ (article|story|report|post)\b
    |^this\ (article|story|report|post)\ (has\ been|was)\ (updated|corrected|amended|changed)
    |^this\ (article|story|post)\ (originally\ )?(appeared|was\ (first\ )?published)\ (in|on|at)\ )""",
    re.I | re.X,
)
_PARENTHESES = re.compile(r"\([^)]*\)")
HEADING_SHARE = 0.9  # capitalized words, after the first, that make a line a heading or a list of names
_HASHTAGS = re.compile(r"(^|\s)#\w+(\s+#\w+)+")
_BREADCRUMBS = re.compile(r"\s[>|»]\s.*\s[>|»]\s|^home\s[>|»]", re.I)  # "Home > News > World"
# A question is not news: it asks what a summary should tell. Thai and Lao end a sentence with a space, not a stop.
_ENDS_WELL = re.compile(r"""(?:[.!。！।۔]|[\u0e00-\u0eff])["'”“’»«)」』]*$""")
_ENDS_OPEN = re.compile(r"[,;:?(\[{–—-]$")  # a lead-in, a question or a list going on: not a statement
# Scripts written without spaces between words, and how many characters make about one word of English's
# budget: a Chinese or Japanese word is about two characters, a Thai, Lao, Khmer or Burmese one about four.
_SOUTHEAST_ASIAN = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]+")
_UNSPACED = ((textlib.IDEOGRAPHIC, 2), (_SOUTHEAST_ASIAN, 4))
# Each quotation mark, and the marks it closes when one of them is open (else it opens a quote): English “…”,
# German „…“ and »…«, Polish „…”, French «…», Swedish ”…” and »…», Japanese 「…」 and 『…』.
_CLOSES = {"“": "„", "”": "“„”", "«": "»", "»": "«»", "」": "「", "』": "『", "„": "", "「": "", "『": ""}
_LINK = re.compile(r"https?://|\]\(")  # a raw URL or a Markdown link
_URL_START = re.compile(r"(?:https?://|www\.)")
# Titles and place words Punkt does not know end no sentence: "led by Rev.", "reached Mt." go on to a name.
_ABBREVIATED = re.compile(
    r"\b([A-Z]|Adm|Brig|Capt|Cmdr|Col|Cpl|Det|Dr|Fr|Ft|Gen|Gov|Hon|Insp|Lt|Maj|Messrs|Mme|Mr|Mrs|Ms|Msgr|Mt|No"
    r"|Prof|Pvt|Rep|Rev|Rt|Sen|Sgt|St|Supt)\.$"
)
_GLUED = re.compile(r"(?<=\w\w)[.!?](?=\w\w)")  # a stop inside a word: two sentences a page glued
_ADDRESS = re.compile(r"[/@]|[.!?].*[.!?]")  # a link, an email address, a file name or a version: not glued
_ON_ARTICLE = re.compile(r"\b(?:a|an|the)\.$")  # no sentence ends on one: "pointed a." | "38 caliber revolver"
_OPENS_ON_CONTEXT = re.compile(
    r"^(he|she|they|it|his|her|their|its|this|that|these|those|but|and|or|so|also|however|meanwhile|still|yet"
    r"|instead|then|nor|plus|either way|none|neither|both|whether|such|another|not"
    r"|moreover|furthermore|therefore|thus|hence|consequently|nevertheless|nonetheless|additionally|likewise"
    r"|similarly|otherwise)\b"
    # Adverbials that lean back when they stand alone before a comma ("In addition, ...", "As a result, ...",
    # "True, ..."), but not when they govern a phrase ("In addition to looking great ...", "As a result of ...").
    r"|^(?:true|granted|sure|indeed|even so|that said|in addition|besides|as a result|in turn|again|by contrast"
    r"|in contrast|afterwards|later|in response|as such|ultimately|regardless|after all|in fact|of course"
    r"|what's more|worse|better still),",
    re.I,
)
# The same after a short opening phrase or two ("At present, they ...", "For the president, of course, it was
# ..."), a "these"/"those" pointing back within the first words ("The valuation of these facilities ..."), or a
# "that" after a preposition there ("In that letter, ...", "None of that swayed jurors"): in the first words
# nothing in the sentence itself can be what it points to.
_REFERS_BACK = re.compile(
    r"^[A-Z][\w'’.-]*(?:\s[\w'’.-]+){0,3},(?:\s+[\w'’.-]+(?:\s[\w'’.-]+){0,2},)?\s+(?:he|she|they|it|these|those)\b"
    r"|^\S+(?:\s\S+){0,3}\s(?:these|those)\s[a-z]"
    r"|^(?:\S+\s){0,3}(?:about|after|at|before|by|despite|during|for|from|in|like|of|on|since|to|under|until|with)"
    r"\s+that(?:,|\s+(?!(?:a|an|he|i|is|it|of|she|the|they|this|was|we|which|who|you)\b)[a-z])",
    re.I,
)
_PRONOUN_SPEAKER = re.compile(r"""[,.!?]["”’]\s+(he|she|they)\s+(said|says|added|wrote|told|asked|noted)\b""")
# Reported speech whose speaker is a pronoun: "The escape happened near Baytown, it said." tells who said it
# only to a reader of the sentence before.
_PRONOUN_SOURCE = re.compile(
    r""",\s+(?:he|she|it|they)\s+(?:said|says|added|wrote|noted|explained|stated|told\s+\w+)\.["”’]?$"""
)
# A quotation in any of the quoting styles of _CLOSES; a sentence that is one alone names no speaker.
_QUOTATION = r"\"[^\"]*\"|“[^”]*”|„[^“”]*[“”]|«[^»]*»|»[^«»]*[«»]|”[^”]*”|「[^」]*」|『[^』]*』"
_BARE_QUOTE = re.compile(rf"^(?:{_QUOTATION})$")
_FIRST_PERSON = re.compile(r"\b(I|we|We|you|You|my|My|our|Our|your|Your|me|us)\b")  # a letter or a column
_QUOTED = re.compile(_QUOTATION)
_APOSTROPHE = re.compile("['’]")
_CLAUSE_END = re.compile(r"[,;:–—(]")
_OPENING_PHRASE = re.compile(r"^(?:[^\s,]+\s){0,3}[^\s,]+,\s+(\S+)")  # up to four words and a comma; the next
SHIFTED_WORDS = 4  # first words of the first clause in which German's "deshalb", Dutch's "daarom" lean back
# Ends on a bare auxiliary ("..., has not said.", "it would.", "declined to say."), or says who spoke but not
# what ("Daniels said, refusing to answer directly."): what is meant is in the sentence before.
_SAYS_NOTHING = re.compile(r"""^[^"“]*\b(?:said|says|added|wrote|replied)\s*,\s+\w+ing\b""")
_ENDS_ELLIPTICAL = re.compile(
    r"\b(?:(?:has|have|had|did|does|do|would|will|could|can|should)(?: not|n[’']t)?"
    r"(?: (?:say|said|confirm|confirmed|disclose|disclosed|answer|answered|explain|explained))?"
    r"|declined to (?:say|explain|confirm|disclose))[.!][\"”’]?$",
    re.I,
)

# Wire furniture at a sentence's start. Each pattern ends where the sentence proper begins (a capital or a
# quote), so what is left is still a sentence, and a verbatim tail of the original.
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_CLOCK = r"\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?|[AP]\.?M\.?)(?:\s+[A-Z]{2,4}T)?|\d{1,2}:\d{2}(?:\s+[A-Z]{2,4}T)?"
_DATE = (
    rf"(?:{_WEEKDAY},?\s+)?(?:{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?"
    rf"|\d{{4}}-\d\d-\d\d)"
)
_NEXT = r"(?=[A-Z\"“])"
# A text that is only a date or a time ("Saturday November 20, 2004 6:23PM"): a page's stamp, not a title.
_WHEN_ONLY = re.compile(rf"^\W*(?:(?:{_DATE}|{_CLOCK})[\s,|:-]*)+$")
_MINUTE = r"\d{1,3}(?:\+\d{1,2})?\s?mins?(?=:)"  # a live blog's match minute: "13 min: ", "45+2 min: "
_TIMESTAMP = re.compile(rf"^(?:{_DATE}(?:[,\s]+\(?(?:{_CLOCK})\)?)?|\(?(?:{_CLOCK})\)?|{_MINUTE})[\s,:|-]+{_NEXT}")
_PHOTO_CODE = re.compile(
    rf"^\(?(?:AP|Reuters|AFP|Getty|EPA)\s+(?:Photos?|Images?)\b(?:/[^)]*\))?(?:\s+[A-Z]{{2,5}}\d{{2,5}}\b)?[\s,]*{_NEXT}"
)
# "By RAVI NESSMAN Associated Press Writer": a byline in capitals ends where the capitals do.
_BYLINE = re.compile(
    r"^By\s+(?:[A-Z][A-Z.'-]+\s+){1,4}(?:(?:The\s+)?(?:Associated\s+Press|AP|Reuters|AFP)\s+)?"
    rf"(?:(?:Staff|Senior|Special)\s+)?(?:Writer|Correspondent|Reporter)?\s*{_NEXT}"
)
# "By Sidney Blumenthal Dec. 2, 2004 | ...", "By Meng Yan (China Daily)": a name after "By" and then nothing, a
# date, a bar or a parenthesis. "By Friday, ...", "By June 1974, ..." and "By then ..." begin sentences.
_NAME = rf"(?!(?:{_MONTH}|{_WEEKDAY})\b)[A-Z][\w'’.-]*"
_BY_NAMES = rf"^By\s+{_NAME}(?:\s+(?:{_NAME}|de|van|von|and)){{0,4}}\s*"
_BYLINE_NAME = re.compile(rf"{_BY_NAMES}(?=$|[(|]|{_DATE})")
# A line that is only a byline, in the languages digest reads ("Por Matt Spetalnick e Jason Szep", "Von Anna
# Berg"): only a whole line, as "Von Braun (1912-1977) ..." opens a sentence on a name.
_BYLINE_ALONE = re.compile(
    rf"^(?:By|Von|Par|Por|Door|Di|Da)\s+{_NAME}(?:\s+(?:{_NAME}|de|da|van|von|and|und|et|e|y|en)){{0,4}}\s*"
    r"(?:\([^)]*\)\s*)?$"
)
_PLACE_LABEL = re.compile(rf"^[A-Z][a-z]+(?:\s[A-Z][a-z]+)?\s:\s+{_NEXT}")  # "Port Vila : "
_AGENCY_DATELINE = re.compile(rf"\([A-Z][\w.]*(?:\s[A-Z][\w.]*){{0,2}}\)\s*(?:--?|–|—|:)\s+{_NEXT}")  # "(AP) - "
_CITY_DATELINE = re.compile(  # "NEW LONDON, Conn. -- ", "WASHINGTON, Nov. 23 - ", "MUMBAI: "
    rf"^[A-Z][A-Z.'-]{{2,}}(?:\s[A-Z][A-Z.'-]+)*(?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*){{0,2}})?(?:,\s*{_MONTH}\s\d{{1,2}})?"
    rf"\s*(?:--|–|—|-|:)\s+{_NEXT}"
)
# A dateline after a headline the page glued on: "Former CFO likely to help prosecutors ALEXANDRIA, Va. -- ".
_GLUED_DATELINE = re.compile(
    rf"\b[A-Z]{{3,}}(?:\s[A-Z]{{3,}})*,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*){{0,2}}\s*--\s+{_NEXT}|(?<![,;]\s)\b[A-Z]{{4,}}:\s+(?=[A-Z])"
)
# A heading the page glued to the sentence after it: "Torino Scale The hazard rating ...", "A Debate on the
# Future of Organized Labor A handful of union leaders ...". A run of capitalized words (with a title's small
# words) cannot stand before "The", "A" or "An" and a lowercase word in an English sentence. In the 12,245
# sentences of ECB+ dev, the 31 real feeds and the seeds it finds two labels ("Risk:", "Ajman:"), and nothing else.
_TITLE_WORD = r"[A-Z0-9][\w'’.,:/()-]*"
TITLE_SMALL_WORDS = ("of", "the", "and", "in", "on", "for", "to", "a", "an", "at", "by", "with", "from", "v", "vs")
_TITLE_SMALL = rf"(?:{'|'.join(TITLE_SMALL_WORDS)}|vs\.|&|-|–)"
_GLUED_HEADING = re.compile(
    rf"^{_TITLE_WORD}(?:\s+(?:{_TITLE_WORD}|{_TITLE_SMALL})){{0,19}}\s+(?=(?:The|A|An)\s+[a-z])"
)
_OPENING_FURNITURE = (_TIMESTAMP, _PHOTO_CODE, _BYLINE, _BYLINE_NAME, _PLACE_LABEL, _GLUED_HEADING)
_DATELINES = (_AGENCY_DATELINE, _CITY_DATELINE, _GLUED_DATELINE)


@dataclass(frozen=True)
class Candidate:
    """A sentence that may go into the summary, and what the methods measure it by."""

    text: str
    article: int  # index into the cluster's originals
    position: int  # order among the article's clean sentences (another's copy of one counts): 0 is its lead
    terms: tuple[str, ...]  # stems of its content words
    forms: tuple[str, ...]  # those words as written (lowercased), for their general-English frequency
    facts: frozenset[str]  # stems of its names and numbers: what a paraphrase keeps
    also: frozenset[int] = frozenset()  # the other articles printing the same sentence (the pool keeps it once)

    @property
    def words(self) -> int:
        return word_count(self.text)


def word_count(text: str) -> int:
    """Words as a budget counts them: between spaces, and in scripts written without them a word for every
    few characters (the same count as `len(text.split())` for text with spaces)."""
    count = 0
    for pattern, characters in _UNSPACED:
        count += sum(math.ceil(len(run) / characters) for run in pattern.findall(text))
        text = pattern.sub(" ", text)
    return count + len(text.split())


def is_boilerplate(sentence: str) -> bool:
    """Page furniture, share prompts, bylines, hashtag lines, navigation bars: never summary material."""
    if _BOILERPLATE.search(sentence) or _HASHTAGS.search(sentence) or _BREADCRUMBS.search(sentence):
        return True
    if _BYLINE_ALONE.match(sentence):
        return True
    tokens = sentence.split()
    # A run of lowercase words with no punctuation is a navigation bar, not prose.
    return len(tokens) >= 5 and sentence == sentence.lower() and not re.search(r"[.,;:!?]", sentence)


def is_heading(sentence: str, language: str | None = None) -> bool:
    """A heading, a list of names, a signature or a header line, not a statement: after the first word (and
    without what is in parentheses), nine words in ten are capitalized, or none is a lowercase word other than a
    title's small words ("Initiative for South American Regional Infrastructure Integration.", "New Zealand:
    Stephen Fleming (capt), Mark Richardson, ...", "Dr. James G. Roche, Secretary of the Air Force."). In
    ECB+ dev, WikinewsSum dev's sources, the 31 real feeds and both seed sets it finds 112 of 15,597
    sentences, and one statement among them ("He's with the ... Party."), which needs context anyway."""
    words = [
        w for w in textlib.words(_PARENTHESES.sub(" ", sentence), language)[1:] if w[0].isupper() or w[0].islower()
    ]
    if len(words) < 2:
        return False
    capitalized = sum(w[0].isupper() for w in words)
    lowercase_content = any(w[0].islower() and w.lower() not in TITLE_SMALL_WORDS for w in words)
    return capitalized >= HEADING_SHARE * len(words) or not lowercase_content


def is_timestamp(text: str) -> bool:
    """Only a date or a time, as some pages and feeds title an item: it says when, not what."""
    return bool(_WHEN_ONLY.match(text.strip()))


def is_whole(sentence: str, names: frozenset[str] = frozenset(), stop: bool = True) -> bool:
    """A complete statement: sensible length, capital or quote start, final stop, balanced quotes, plain text.

    A name styled in lowercase may open it: one with a capital or a digit inside ("eBay", "iOS"), or one of
    `names` (an outlet's own, "heise Developer fasst ... zusammen"); any other lowercase start is a fragment.
    `stop=False` asks only that it not end mid-phrase (a standfirst, `standfirst`).
    """
    count = word_count(sentence)
    ends = _ENDS_WELL.search(sentence) if stop else not _ENDS_OPEN.search(sentence)
    if not MIN_WORDS <= count <= MAX_WORDS or not ends or _ABBREVIATED.search(sentence):
        return False
    first = sentence[0]
    uncased = first.isalpha() and first.lower() == first.upper()  # Chinese, Japanese, Thai, Arabic, Hebrew...
    if not (first.isupper() or first.isdigit() or uncased or first in "\"“„”‘'「『«»" or _named(sentence, names)):
        return False
    if sentence.endswith(("...", "…")) or _LINK.search(sentence):  # a teaser cut short; markup, not prose
        return False
    return _unbalanced_quotes(sentence) == 0


def _named(sentence: str, names: frozenset[str]) -> bool:
    """The sentence opens on a name styled in lowercase (see `is_whole`)."""
    word = sentence.split(maxsplit=1)[0].rstrip(",:;")
    inner = word[:1].islower() and any(c.isupper() or c.isdigit() for c in word[1:])
    return inner or word in names


def lowercase_names(outlet: str | None) -> frozenset[str]:
    """An outlet's name styled in lowercase ("heise developer", "t3n"): its first word, which may open a sentence
    (not a lowercase word inside a name, "Food in Invironment")."""
    words = (outlet or "").split()
    return frozenset(words[:1]) if words and words[0][:1].islower() else frozenset()


def needs_context(sentence: str, language: str | None = None) -> bool:
    """Reads badly on its own: a quotation with no speaker named (in any quoting style), a sentence that opens on
    a pronoun, a possessive or a connective, or one where "I" or "we" speak (a letter, a column). In English also
    a pronoun or "these" just after a short opening phrase, a "that" after a preposition in the first words ("In
    that letter, ..."), a bare "has not said" at the end, a speaker without what was said, and a quote or a
    report a "he" nobody has named said. Other languages have their own words for the opening and the first
    person (digest.language.resources; `_leans_back`): Italian's "I" is an article, and a Dutch "„We zijn
    klaar”, zei ..." is a quotation, not a "we" speaking."""
    if _BARE_QUOTE.match(sentence):
        return True
    if language not in (None, "en"):
        return _leans_back(sentence, language)
    return any(rule(sentence) for rule in ENGLISH_CONTEXT_RULES.values())


def _opens_on_context(sentence: str) -> bool:
    return bool(_OPENS_ON_CONTEXT.match(sentence) or _REFERS_BACK.search(sentence))


def _elliptical(sentence: str) -> bool:
    return bool(_ENDS_ELLIPTICAL.search(sentence) or _SAYS_NOTHING.match(sentence))


def _quotes_nobody(sentence: str) -> bool:
    return bool(_PRONOUN_SPEAKER.search(sentence) or _BARE_QUOTE.match(sentence) or _PRONOUN_SOURCE.search(sentence))


def _first_person(sentence: str) -> bool:
    return bool(_FIRST_PERSON.search(_QUOTED.sub("", sentence)))


# needs_context's English rules by name, so that bench/summarize_directions.py can measure each one's worth.
ENGLISH_CONTEXT_RULES: dict[str, Callable[[str], bool]] = {
    "opening": _opens_on_context,
    "elliptical": _elliptical,
    "quotes": _quotes_nobody,
    "first person": _first_person,
}


def _leans_back(sentence: str, language: str) -> bool:
    """needs_context in another language: its first word refers back, or the first after a short opening phrase
    ("Longue de 14 kilomètres, elle relie ..."), or in German and Dutch one of the first words of its first
    clause; or a first person speaks outside quotes."""
    found = resources(language)
    words = _elided(textlib.words(_QUOTED.sub(" ", sentence), language))
    opening = _elided(textlib.words(sentence, language)[:1]) if sentence[:1].isalpha() else []  # not a quotation's
    phrase = _OPENING_PHRASE.match(sentence)
    after = _elided(textlib.words(phrase.group(1), language)[:1]) if phrase else []
    clause = _elided(textlib.words(_CLAUSE_END.split(sentence, maxsplit=1)[0], language)[:SHIFTED_WORDS])
    return (
        any(w in found.refers_back for w in opening[:1])
        or any(w in found.refers_back and w not in found.joining for w in after[:1])
        or any(w in found.shifted for w in clause)
        or any(w in found.first_person for w in words)
    )


def _elided(words: list[str]) -> list[str]:
    """Lowercased words with an elision split off ("J'ai" is "j", "ai"; "dell'Europa" is "dell", "europa")."""
    return [piece for word in words for piece in _APOSTROPHE.split(word.lower()) if piece]


def trim_opening(sentence: str) -> str:
    """The sentence without the wire furniture that opens it: a verbatim tail of it (or all of it).

    Timestamps, photo codes, bylines, place labels and a heading glued on are taken off the front one after
    another; then an agency or city dateline within the first words takes everything before it (a headline
    glued on, say).
    """
    previous = None
    while previous != sentence:
        previous = sentence
        for pattern in _OPENING_FURNITURE:
            if match := pattern.match(sentence):
                sentence = sentence[match.end() :]
        for pattern in _DATELINES:
            match = pattern.search(sentence)
            if match and len(sentence[: match.start()].split()) < DATELINE_WORDS:
                sentence = sentence[match.end() :]
                break
    return sentence


def standfirst(text: str, title: str | None, language: str | None = None, names: frozenset[str] = frozenset()) -> str:
    """The text's first paragraph when it is one statement without its final stop, as feeds often give an
    item's standfirst ("Everything you need to know about the inquiry ..., plus the latest news"), else "".
    Not a heading, furniture, or the title again."""
    paragraph = next((p.strip() for p in text.split("\n") if p.strip()), "")
    paragraph = trim_opening(paragraph)
    if len(textlib.sentences(paragraph, language)) != 1 or not is_whole(paragraph, names, stop=False):
        return ""
    if is_boilerplate(paragraph) or is_heading(paragraph, language):
        return ""
    if title and textlib.same_sentence(textlib.word_set(paragraph, language), textlib.word_set(title, language)):
        return ""
    return paragraph


def clean_sentences(text: str, language: str | None = None, names: frozenset[str] = frozenset()) -> Iterator[str]:
    """Whole sentences of a text, in order, without furniture; lazily, so a long article costs only what is used.
    `names`: lowercase names that may open a sentence (`is_whole`)."""
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        if not paragraph or (len(paragraph.split()) <= FURNITURE_WORDS and is_boilerplate(paragraph)):
            continue
        for sentence in _rejoined(paragraph, _unglued(textlib.sentences(paragraph, language)), names):
            sentence = trim_opening(sentence)
            if is_whole(sentence, names) and not is_boilerplate(sentence) and not is_heading(sentence, language):
                yield sentence


def _unglued(pieces: list[str]) -> list[str]:
    """Punkt's pieces, split again where a page glued two sentences without a space ("... auf seinem Handy
    landen.Wenn ihr ein Star-Selfie habt ..."): a stop after a word in lowercase (a capital only first) and
    before a capital and a lowercase letter, in a word that is no address, file name or name styled with a
    stop inside ("SciDev.Net": one stop, no slash, no @, no capital inside before the stop)."""
    found = []
    for piece in pieces:
        start = 0
        for match in _GLUED.finditer(piece):
            at = match.start()
            opening = piece.rfind(" ", 0, at) + 1
            word, before = piece[opening:].split(" ", 1)[0], piece[opening + 1 : at]
            lowercase_before, capital_after = before.islower() and len(before) >= 2, piece[at + 1].isupper()
            if lowercase_before and capital_after and piece[at + 2].islower() and not _ADDRESS.search(word):
                found.append(piece[start : at + 1])
                start = at + 1
        found.append(piece[start:])
    return found


def _rejoined(paragraph: str, sentences: list[str], names: frozenset[str] = frozenset()) -> Iterator[str]:
    """Punkt's sentences of a paragraph, with a split after a title it does not know ("Capt.", "Sen.") or an
    article undone, and one before a piece that goes on in lowercase (`_continues`) or closes the parentheses
    the sentence opened (`_closes`): spans of the paragraph, so a sentence joined again is still verbatim
    whatever spaces stood between."""
    start = end = 0
    pending = False
    for sentence in sentences:
        found = paragraph.find(sentence, end)
        found = found if found >= 0 else end  # Punkt's pieces are stripped substrings, in order
        joins = pending or (bool(end) and (_continues(sentence, names) or _closes(paragraph[start:end], sentence)))
        if end and not joins:
            yield paragraph[start:end]
        start = start if joins else found
        end = found + len(sentence)
        pending = bool(_ABBREVIATED.search(paragraph[start:end]) or _ON_ARTICLE.search(paragraph[start:end]))
    if end:
        yield paragraph[start:end]


def _continues(piece: str, names: frozenset[str]) -> bool:
    """Punkt split a sentence before this piece: it goes on in lowercase after an abbreviation Punkt does not
    know ("200 W. American Blvd." | "with her husband ...", "Much of B.C." | "is in the grips ..."), a quote
    ("“See that guy?”" | "said Elverton Thomas ..."), an exclamation inside a name ("on the E!" | "network
    ...") or a spaced ellipsis. Not a name styled in lowercase, which opens a sentence ("eBay"), nor a link."""
    return piece[:1].islower() and not _named(piece, names) and not _URL_START.match(piece)


def _closes(span: str, piece: str) -> bool:
    """Punkt split inside parentheses, and this piece closes them ("making off with a two-million-euro ($2." |
    "6-million) booty, ...")."""
    closing = piece.find(")")
    return span.count("(") > span.count(")") and closing >= 0 and not 0 <= piece.find("(") < closing


def _unbalanced_quotes(text: str) -> int:
    """Quotation marks of a text left without their pair."""
    still_open: Counter[str] = Counter()
    for char in text:
        if char in _CLOSES:
            closed = next((mark for mark in _CLOSES[char] if still_open[mark]), None)
            if closed:
                still_open[closed] -= 1
            else:
                still_open[char] += 1
    return sum(still_open.values()) + text.count('"') % 2


def pool(
    articles: Sequence[Article], per_article: int, language: str | None = None, said: Sequence[str] = ()
) -> list[Candidate]:
    """The first whole, clean sentences of every article: up to `per_article` each, fewer when POOL_LIMIT says;
    none that is the same sentence as one the reader was `said` already (an update's earlier story). A sentence
    several articles print is kept once, under the first, with the others in its `also`: they support it."""
    quota = max(MIN_PER_ARTICLE, min(per_article, POOL_LIMIT // max(1, len(articles))))
    found: dict[str, Candidate] = {}
    also: dict[str, set[int]] = {}
    told = [textlib.word_set(s, language) for s in said]
    for index, article in enumerate(articles):
        taken = position = 0
        names = lowercase_names(article.outlet)
        for sentence in clean_sentences(article.text, language, names):
            key = _key(sentence)
            if key in found:
                # Another article printed it first: this one prints it too, so it counts in this one's positions.
                if found[key].article != index:
                    also.setdefault(key, set()).add(index)
                    position += 1
                continue
            if _said(sentence, told, language):
                continue
            found[key] = candidate(sentence, index, position, language)
            taken += 1
            position += 1
            if taken == quota:
                break
        # An item whose text is only a standfirst without a stop would leave its story with no summary at all.
        lead = standfirst(article.text, article.title, language, names) if not position else ""
        if lead and _key(lead) not in found and not _said(lead, told, language):
            found[_key(lead)] = candidate(lead, index, 0, language)
    return [replace(c, also=frozenset(also[key])) if key in also else c for key, c in found.items()]


def _said(sentence: str, told: Sequence[frozenset[str]], language: str | None) -> bool:
    """The reader has had this sentence, in `told` (word sets of what an update's earlier stories said)."""
    return bool(told) and textlib.same_as_any(textlib.word_set(sentence, language), told)


def _key(sentence: str) -> str:
    """A sentence as the pool tells copies of it apart: case and spacing aside."""
    return " ".join(sentence.lower().split())


def candidate(sentence: str, article: int, position: int, language: str | None = None) -> Candidate:
    pairs = textlib.stemmed_terms(sentence, language)
    terms, forms = tuple(s for s, _ in pairs), tuple(w for _, w in pairs)
    return Candidate(sentence, article, position, terms, forms, facts(sentence, language))


def facts(sentence: str, language: str | None = None) -> frozenset[str]:
    """Stems of the names (capitalized after the first word) and numbers of a sentence."""
    tokens = textlib.words(sentence, language)
    stop = textlib.stop_words(language)
    return frozenset(
        textlib.stem(w, language)
        for i, w in enumerate(tokens)
        if w[0].isdigit() or (i > 0 and w[0].isupper() and w.lower() not in stop)
    )
