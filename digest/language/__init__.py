"""Languages: which language an article is in, and what each language's text primitives read it with.

Not a stage: parse settles each article's language (`settle`: the source's config, else what the feed or page
declares unless its text clearly says otherwise, else what its text says), and `digest.text` reads each text
with its language's resources. One job per module:

- `detect`: the language of a text (CLD2 through pycld2: its model is compiled in, 2 ms to import and well
  under a millisecond a call), conservative: unknown (None) for short or mixed text rather than a wrong guess;
  language tags ("de-DE", "pt_BR", "iw") as ISO 639-1 codes.
- `resources`: which Punkt model, Snowball stemmer, stop words and wordfreq list serve each code, and the
  language-neutral fallback (Unicode words as written, lowercased, unstemmed; character pairs for scripts
  written without spaces) for a language that has none.
- `frequencies`: wordfreq's Zipf frequencies of a batch of words, exactly as `wordfreq.zipf_frequency` gives
  them, from an index of its list kept in digest's cache folder, without importing wordfreq (0.2 s a start).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from digest.language.detect import detect, normalize, settle
from digest.language.resources import ENGLISH, Resources, resources

__all__ = ["ENGLISH", "Resources", "detect", "main_language", "normalize", "resources", "settle"]


def main_language(languages: Iterable[str | None]) -> str | None:
    """The language most of these are in (ties to the first in alphabetical order); None when none is known."""
    counts = Counter(code for code in languages if code)
    if not counts:
        return None
    return min(counts, key=lambda code: (-counts[code], code))
