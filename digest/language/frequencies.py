"""wordfreq's Zipf frequencies of many words at once, read from wordfreq's own lists without importing wordfreq.

`wordfreq.zipf_frequency` costs a seeds preview a third of its time: importing wordfreq (and langcodes, 0.1 s),
building a 321,000-word dict on the first look-up (0.1 s), then running its tokenizer on every word. Here the
list's ASCII words (a cBpack: gzip + msgpack, one bucket of words per centibel) are kept sorted in a numpy
array beside their buckets, in digest's cache folder, and a batch of words is looked up with one vectorized
binary search.

What this gives is exactly what `wordfreq.zipf_frequency(word, code)` gives (tests/test_text.py compares the
two over many words), because it only answers for plain words, which wordfreq's tokenizer reads as the word
itself lowercased; every other word is asked of wordfreq itself, so wordfreq stays a dependency and is imported
only when such a word comes.

Plain: ASCII letters and digits in a language whose wordfreq tokenizer keeps ASCII as it is (`PLAIN_LANGUAGES`),
and, letters only, with apostrophes inside ("country's", "that’s": wordfreq reads ’ as '), unless it starts as
French elision does ("l'arc" is two tokens to wordfreq). Runs of two or more digits are wordfreq's: the list
holds them as zeros ("2021" as "0000") and the digits' own frequency multiplies it (`_digit_frequency`, as
wordfreq's `digit_freq`: Benford's law, and a curve over the years).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

# wordfreq's regex tokenizer, NFC or NFKC, no transliteration, no dotless i: plain ASCII is read as written.
PLAIN_LANGUAGES = frozenset({"en", "de", "fr", "es", "pt", "it", "nl"})
_PLAIN = re.compile(r"[a-z0-9]+|[a-z]+(?:'[a-z]+)+")
_ELISION = re.compile(r"[a-z]{1,2}'[aehiouy]")  # wordfreq's French case: "l'", "qu'" before a vowel or h
_DIGITS = re.compile(r"[0-9]{2,}")  # wordfreq's \d[\d.,]+ in a word of ASCII letters and digits
_MINIMUM = 1e-9  # wordfreq's frequency of a word it does not list: Zipf 0

# wordfreq's digit_freq: Benford's law for the first digit (with leading zeroes), and for 4 digits a year curve
# peaking on a plateau from 2019 to 2039.
_LEADING_DIGIT = [0.009, 0.300, 0.175, 0.124, 0.096, 0.078, 0.066, 0.057, 0.050, 0.045]
_YEAR_LOG_PEAK = -1.9185
_NOT_YEAR = 0.1
_REFERENCE_YEAR = 2019
_PLATEAU = 20

log = logging.getLogger(__name__)
_known: dict[str, dict[str, float]] = {}  # wordfreq code -> word as asked -> its Zipf frequency


def zipf(words: Iterable[str], code: str) -> list[float]:
    """`wordfreq.zipf_frequency(word, code)` of each word, plain words looked up together."""
    asked = list(words)
    known = _known.setdefault(code, {})
    new = [w for w in dict.fromkeys(asked) if w not in known]
    if new:
        known.update(_look_up(new, code))
    return [known[w] for w in asked]


def _look_up(words: Sequence[str], code: str) -> dict[str, float]:
    keys = {word: _key(word, code) for word in words}
    wanted = {_smashed(key) for key in keys.values() if key is not None}
    buckets = _buckets(code, wanted)
    found = {word: _zipf_of(key, buckets.get(_smashed(key))) for word, key in keys.items() if key is not None}
    others = [word for word, key in keys.items() if key is None]
    if others:
        import wordfreq  # only for a word this module cannot read as wordfreq would

        found.update((word, float(wordfreq.zipf_frequency(word, code))) for word in others)
    return found


def _key(word: str, code: str) -> str | None:
    """The one token wordfreq reads the word as, or None when it is not plain (wordfreq must tokenize it)."""
    key = word.lower().replace("’", "'")
    if code not in PLAIN_LANGUAGES or not key.isascii() or not _PLAIN.fullmatch(key) or _ELISION.match(key):
        return None
    return key


def _smashed(key: str) -> str:
    return _DIGITS.sub(lambda run: "0" * len(run[0]), key)


def _buckets(code: str, wanted: set[str]) -> dict[str, int]:
    """The bucket (centibels below 1) of each wanted token wordfreq lists: binary searches, all at once, in the
    language's index (see `_index`)."""
    if not wanted:
        return {}
    words, buckets = _index(code)
    keys = sorted(key for key in wanted if len(key) <= words.itemsize)  # a longer one is not listed
    if not keys or not len(words):
        return {}
    import numpy as np

    probes = np.array([key.encode("ascii") for key in keys], dtype=words.dtype)
    at = np.minimum(np.searchsorted(words, probes), len(words) - 1)
    listed = words[at] == probes
    return {
        key: int(bucket) for key, bucket, hit in zip(keys, buckets[at].tolist(), listed.tolist(), strict=True) if hit
    }


@cache
def _index(code: str) -> tuple[Any, Any]:
    """The ASCII words of the language's list, sorted, as a numpy array of bytes, beside each one's bucket: what
    a plain token is looked up in. Read from digest's cache folder (a file named for wordfreq's list, its size
    and time, so a new wordfreq makes a new one), 3 ms; else made from the list (0.1 s) and written there for
    the next start. A cache that cannot be read or written costs that 0.1 s, never a frequency."""
    import numpy as np

    path = _index_path(code)
    try:
        with path.open("rb") as stored:
            return np.load(stored, allow_pickle=False), np.load(stored, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        pass
    bucket_of: dict[bytes, int] = {}
    for index, bucket in enumerate(_frequency_list(code)):
        bucket_of.update((word.encode("ascii"), index) for word in bucket if word.isascii())  # as wordfreq: the last
    ascii_words = sorted(bucket_of)
    words = np.array(ascii_words, dtype=f"S{max(map(len, ascii_words), default=1)}")
    buckets = np.array([bucket_of[word] for word in ascii_words], dtype=np.uint16)
    _store(path, words, buckets)
    return words, buckets


def _store(path: Path, *arrays: Any) -> None:
    import numpy as np

    partial = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=path.name, delete=False) as partial:
            for array in arrays:
                np.save(partial, array, allow_pickle=False)
        os.replace(partial.name, path)  # whole or not at all, for a process starting beside this one
    except OSError as exc:
        log.debug("word frequency index not cached: %s", exc)
        if partial is not None:
            Path(partial.name).unlink(missing_ok=True)


_INDEX_FORMAT = 1  # raise with any change to what `_index` stores


def _index_path(code: str) -> Path:
    source = _list_path(code)
    stat = source.stat()
    tag = hashlib.sha1(f"{_INDEX_FORMAT}|{source}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return cache_folder() / f"wordfreq-{code}-{tag}.npy"


def cache_folder() -> Path:
    """digest's folder for what it computes once and keeps ($XDG_CACHE_HOME/digest, else ~/.cache/digest; a
    service with no home directory keeps it in the temporary folder)."""
    if cached := os.environ.get("XDG_CACHE_HOME"):
        return Path(cached) / "digest"
    try:
        return Path.home() / ".cache" / "digest"
    except RuntimeError:  # no HOME and no passwd entry
        return Path(tempfile.gettempdir()) / "digest-cache"


def _list_path(code: str) -> Path:
    """wordfreq's "best" list of the language: large if it has one, else small."""
    folder = _data_folder()
    path = folder / f"large_{code}.msgpack.gz"
    return path if path.exists() else folder / f"small_{code}.msgpack.gz"


@cache
def _frequency_list(code: str) -> list[list[str]]:
    """wordfreq's list of the language, as its buckets."""
    import gzip

    import msgpack  # type: ignore[import-untyped]  # wordfreq's own dependency, as the reader of its lists

    path = _list_path(code)
    with gzip.open(path, "rb") as packed:
        data = msgpack.unpackb(packed.read(), raw=False)
    header = data[0]
    if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
        raise ValueError(f"{path} is not a cBpack wordfreq can read")
    buckets: list[list[str]] = data[1:]
    return buckets


def _data_folder() -> Path:
    spec = find_spec("wordfreq")  # where the package is, without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("wordfreq is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _zipf_of(key: str, bucket: int | None) -> float:
    """wordfreq's arithmetic, step by step, so that the float comes out the same."""
    if bucket is None:
        frequency = _MINIMUM
    else:
        frequency = 10 ** (-bucket / 100)
        if _smashed(key) != key:
            frequency *= _digit_frequency(key)
        frequency = max(1.0 / (1.0 / frequency), _MINIMUM)
        leading_zeroes = math.floor(-math.log(frequency, 10))
        frequency = round(frequency, leading_zeroes + 3)
    return float(round(math.log(frequency, 10) + 9, 2))


def _digit_frequency(key: str) -> float:
    frequency = 1.0
    for run in _DIGITS.findall(key):
        frequency *= _year_frequency(run) if len(run) == 4 else _benford(run)
    return frequency


def _benford(digits: str) -> float:
    return float(_LEADING_DIGIT[int(digits[0])] / 10 ** (len(digits) - 1))


def _year_frequency(digits: str) -> float:
    year = int(digits)
    if year <= _REFERENCE_YEAR:
        log_frequency = _YEAR_LOG_PEAK - 0.0083 * (_REFERENCE_YEAR - year)
    elif year <= _REFERENCE_YEAR + _PLATEAU:
        log_frequency = _YEAR_LOG_PEAK
    else:
        log_frequency = _YEAR_LOG_PEAK - 0.2 * (year - (_REFERENCE_YEAR + _PLATEAU))
    return float(10.0**log_frequency) + _NOT_YEAR * _benford(digits)
