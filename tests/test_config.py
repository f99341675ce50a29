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
    "unknown key": _case("max_stories = 12", "max_storys = 12", "digest.max_storys is not a known key"),
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
