"""`digest preview` on the seeds: one HTML document with every story and outlet, a tag-free text part,
and a .eml that parses as multipart/alternative."""

from __future__ import annotations

import email
import html
import re
import shutil
import subprocess
import sys
import webbrowser
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from digest import cli, config, pipeline


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> pipeline.Preview:
    folder = tmp_path_factory.mktemp("preview")
    shutil.copy(ROOT / "config.toml", folder / "config.toml")
    (folder / "seeds").symlink_to(ROOT / "seeds")
    return pipeline.preview(config.load(folder / "config.toml"))


def test_html_is_one_document_with_every_story_and_outlet(preview: pipeline.Preview) -> None:
    page = preview.paths[0].read_text(encoding="utf-8")
    assert page.lower().count("<!doctype html") == 1 and page.count("</html>") == 1
    text = html.unescape(page)
    assert len(preview.digest.stories) >= 3
    for story in preview.digest.stories:
        assert story.headline in text
        for credit in story.outlets:
            assert credit.outlet in text
        for sentence in story.sentences:
            assert sentence.text in text


def test_multi_outlet_stories_have_attributed_sentences(preview: pipeline.Preview) -> None:
    multi = [s for s in preview.digest.stories if s.independent_outlets >= 2]
    assert len(multi) >= 3
    for story in multi:
        outlets = {c.outlet for c in story.outlets}
        assert story.sentences and all(s.outlet in outlets for s in story.sentences)


def test_text_part_has_no_html(preview: pipeline.Preview) -> None:
    text = preview.paths[1].read_text(encoding="utf-8")
    assert not re.search(r"</?[a-zA-Z][^>]*>", text)
    for story in preview.digest.stories:
        assert " ".join(story.headline.split()[:3]) in text


def test_eml_is_multipart_alternative(preview: pipeline.Preview) -> None:
    message = email.message_from_bytes(preview.paths[2].read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    assert message.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert message["Subject"] and "\n" not in message["Subject"]
    assert message["Message-ID"].startswith("<") and message["List-Unsubscribe"]
    html_part = message.get_body(("html",))
    assert html_part is not None
    assert "<html" in html_part.get_content()


def test_preview_command_prints_the_story_table(tmp_path: Path) -> None:
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    (tmp_path / "seeds").symlink_to(ROOT / "seeds")
    result = subprocess.run(
        [sys.executable, "-m", "digest", "preview"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Halvard" in result.stdout and "NewsFlux Hub (copy)" in result.stdout
    assert (tmp_path / "out" / "preview.eml").is_file()


def test_explain_says_why_each_article_matched(preview: pipeline.Preview) -> None:
    for story in preview.digest.stories:
        matched = preview.matches[story.id]
        assert len(matched) == story.articles
        assert all(terms for _, terms in matched), "every article in a story matched some query term"


def _seeds_folder(folder: Path, extra: str = "") -> Path:
    text = (ROOT / "config.toml").read_text(encoding="utf-8").replace("[fetch]", extra + "\n[fetch]", 1)
    (folder / "config.toml").write_text(text, encoding="utf-8")
    (folder / "seeds").symlink_to(ROOT / "seeds")
    return folder / "config.toml"


def test_preview_ends_its_source_report_with_one_line_naming_the_failures(tmp_path: Path) -> None:
    (tmp_path / "broken.xml").write_bytes(b"<html><body>Document moved</body></html>")
    path = _seeds_folder(tmp_path, '[[sources]]\npath = "broken.xml"\n')
    result = subprocess.run(
        [sys.executable, "-m", "digest", "preview", "--config", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == f"1 of 6 sources failed: {tmp_path / 'broken.xml'}"


@pytest.mark.parametrize("answer", [False, webbrowser.Error("could not locate runnable browser")])
def test_preview_open_without_a_browser_prints_the_file_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: bool | webbrowser.Error
) -> None:
    def no_browser(url: str) -> bool:
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(webbrowser, "open", no_browser)
    result = CliRunner().invoke(cli.main, ["preview", "--open", "--config", str(_seeds_folder(tmp_path))])
    assert result.exit_code == 0, result.output
    url = (tmp_path / "out" / "preview.html").resolve().as_uri()
    assert result.output.splitlines()[-1] == f"no browser to open; the preview is at {url}"
