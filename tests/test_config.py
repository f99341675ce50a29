"""Config validation: each bad config gives one line naming the key (and line), exit 1, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from digest import config
from digest.errors import ConfigError

GOOD = (ROOT / "config.toml").read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "seeds").symlink_to(ROOT / "seeds")
    return path


def test_default_config_loads() -> None:
    loaded = config.load(ROOT / "config.toml")
    assert loaded.digest.topic and loaded.sources
    assert all(not s.location.startswith("http") for s in loaded.sources), "the default config must stay offline"


def _case(old: str, new: str, message: str) -> tuple[str, str, str, int]:
    """A config with `old` replaced by `new`; the error must name the line that now holds `new`."""
    text = GOOD.replace(old, new)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if new in row)
    return text, message, new, line


BAD = {
    "unknown key": _case(
        "max_stories = 12",
        "max_storys = 12",
        "digest.max_storys is not a known key: did you mean max_stories? (known: ",
    ),
    "whole number": _case("port = 587", "port = 2525.0", "email.port must be a whole number, not 2525.0"),
    "bad topic": _case(
        "topic = 'AI OR",
        "topic = '(AI OR",
        "digest.topic is not a valid query: a parenthesis is not closed; use words,",
    ),
    "wrong type": _case("max_stories = 12", 'max_stories = "12"', "digest.max_stories must be a whole number"),
    "bad time": _case('schedule = "07:00"', 'schedule = "7am"', 'digest.schedule must be a time like "07:00"'),
    "bad zone": _case('"Europe/London"', '"Mars/Olympus"', "digest.timezone is not a known time zone"),
    "bad day": _case('"mon", "tue"', '"monday", "funday"', "digest.days has 1 unknown day name ['funday']"),
    "range": _case("threshold = 0.5", "threshold = 1.5", "cluster.threshold must be a number between 0 and 1"),
    "choice": _case('method = "centroid"', 'method = "gpt"', 'summary.method must be one of "centroid"'),
    "address": _case('to = ["reader@example.org"]', 'to = ["reader"]', "email.to has 1 invalid address ['reader']"),
    "bool": _case(
        "feed_items = 20", "feed_items = true", "output.feed_items must be a whole number, not true or false"
    ),
    "url scheme": _case('path = "seeds/articles"', 'url = "ftp://x"', "sources[4].url must start with http"),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_config_names_the_key_and_line(tmp_path: Path, name: str) -> None:
    text, message, _, line = BAD[name]
    with pytest.raises(ConfigError) as caught:
        config.load(_write(tmp_path, text))
    assert message in str(caught.value)
    assert f"config.toml:{line}: " in str(caught.value)
    assert "fix `" in caught.value.hint
    assert "\n" not in str(caught.value)


def test_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"invalid TOML: .* \(at line \d+"):
        config.load(_write(tmp_path, GOOD.replace("[cluster]", "[cluster")))


def test_source_needs_url_or_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config.toml:\d+: sources\[4\] needs exactly one of url or path"):
        config.load(_write(tmp_path, GOOD.replace('path = "seeds/articles"', 'outlet = "x"')))


def test_missing_topic_is_required(tmp_path: Path) -> None:
    text = "\n".join(line for line in GOOD.splitlines() if not line.startswith("topic ="))
    with pytest.raises(ConfigError, match=r"digest.topic is required"):
        config.load(_write(tmp_path, text))


def test_cli_prints_one_line_and_exits_1(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("port = 587", "port = 99999"))
    result = subprocess.run(
        [sys.executable, "-m", "digest", "preview", "--config", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ") and "email.port must be a port number" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        config.load(tmp_path / "nope.toml")


def test_unknown_table_suggests_the_likely_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[sumary\] is not a known table: did you mean summary\? \(known: "):
        config.load(_write(tmp_path, GOOD.replace("[summary]", "[sumary]")))


TWO_DIGESTS = """
[[digests]]
name = "first"
topic = "AI"
max_stories = 5

[[digests]]
name = "second"
topic = "court"
max_stories = 0
"""


def _two_digests(tmp_path: Path, tables: str = TWO_DIGESTS) -> Path:
    start, end = GOOD.index("[digest]\n"), GOOD.index("# Where articles come from")
    return _write(tmp_path, GOOD[:start] + tables.lstrip() + "\n" + GOOD[end:])


def _line(path: Path, text: str, after: int = 0) -> int:
    rows = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, row in enumerate(rows, 1) if n > after and row.startswith(text))


def test_an_error_in_a_digests_table_names_that_table_and_its_line(tmp_path: Path) -> None:
    path = _two_digests(tmp_path)
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert str(caught.value).startswith(f"{path}:{_line(path, 'max_stories = 0')}: digests[1].max_stories must be")
    assert caught.value.hint == "fix `digests[1].max_stories` in config.toml"


def test_a_key_missing_from_the_second_digests_table_points_at_its_header(tmp_path: Path) -> None:
    path = _two_digests(tmp_path, TWO_DIGESTS.replace('topic = "court"\n', "").replace("= 0", "= 3"))
    second = _line(path, "[[digests]]", after=_line(path, "[[digests]]"))
    with pytest.raises(ConfigError, match=rf"config.toml:{second}: digests\[1\].topic is required"):
        config.load(path)


def test_a_bad_topic_in_preview_is_one_line_naming_the_file_and_line(tmp_path: Path) -> None:
    path = _two_digests(tmp_path, TWO_DIGESTS.replace('"court"', '"court OR"').replace("= 0", "= 3"))
    result = subprocess.run(
        [sys.executable, "-m", "digest", "preview", "--config", str(path)], capture_output=True, text=True, check=False
    )
    line = _line(path, 'topic = "court OR"')
    assert result.returncode == 1
    assert result.stderr == (
        f"error: {path}:{line}: digests[1].topic is not a valid query: it ends where a word was expected; "
        'use words, "phrases", AND, OR, NOT and balanced parentheses (fix `digests[1].topic` in config.toml)\n'
    )
