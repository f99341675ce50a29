"""`digest sources` over the loopback server (#16): a site's address becomes its feed, an OPML export goes in
once and comes back out with the same URLs, a broken OPML is one line naming its line, and config.toml keeps
its comments through every edit."""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import DATA, SEEDS
from http_server import LoopbackServer, Reply

from digest import config, pipeline, store
from digest.cli import main
from digest.errors import ConfigError
from digest.models import SourceKind

SOURCES = DATA / "sources"
FEED = (SEEDS / "feeds" / "ledger.xml").read_bytes()
ATOM = (SEEDS / "feeds" / "circuit-review.atom").read_bytes()
HTML = {"Content-Type": "text/html; charset=utf-8"}


def _page(name: str) -> Reply:
    return Reply(body=(SOURCES / name).read_bytes(), headers=HTML)


def _config(folder: Path) -> Path:
    """config-before.toml in `folder`, with the `feeds` folder it reads."""
    (folder / "feeds").mkdir()
    shutil.copy(SEEDS / "feeds" / "ledger.xml", folder / "feeds" / "ledger.xml")
    path = folder / "config.toml"
    shutil.copy(SOURCES / "config-before.toml", path)
    return path


def _digest(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "#" in line]


def test_a_sites_address_adds_the_feed_its_page_links_to(tmp_path: Path) -> None:
    path = _config(tmp_path)
    before = path.read_text(encoding="utf-8")
    with LoopbackServer({"/": _page("site-home.html"), "/feed.xml": Reply(body=FEED)}) as server:
        result = _digest("sources", "add", server.url("/"), "--config", str(path), "--category", "News")
        feed = server.url("/feed.xml")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"added {feed} (The Ledger) to {path}\n"
    loaded = config.load(path)
    added = loaded.sources[-1]
    assert (added.location, added.kind, added.title, added.category) == (feed, SourceKind.FEED, "The Ledger", "News")
    assert added.site == server.url("/")
    text = path.read_text(encoding="utf-8")
    table = (
        f"[[sources]]\n# added by `digest sources add {server.url('/')}`\n"
        f'url = "{feed}"\ntitle = "The Ledger"\nsite = "{server.url("/")}"\ncategory = "News"\n\n'
    )
    assert text == before.replace("[fetch]\n", table + "[fetch]\n")  # after the last [[sources]], all else kept


def test_a_site_that_advertises_no_feed_is_tried_at_the_usual_paths(tmp_path: Path) -> None:
    path = _config(tmp_path)
    routes = {"/news/": _page("site-no-link.html"), "/index.xml": Reply(body=FEED), "/feed": _page("site-no-link.html")}
    with LoopbackServer(routes) as server:
        result = _digest("sources", "add", server.url("/news/"), "--config", str(path))
        assert config.load(path).sources[-1].location == server.url("/index.xml")
        tried = {r.path for r in server.requests}
    assert result.exit_code == 0, result.output
    assert {"/news/feed", "/feed", "/rss.xml", "/atom.xml", "/index.xml"} <= tried


def test_several_feeds_are_listed_and_one_is_taken_by_title_or_first(tmp_path: Path) -> None:
    path = _config(tmp_path)
    routes = {"/": _page("site-two-feeds.html"), "/feed.xml": Reply(body=FEED), "/comments.atom": Reply(body=ATOM)}
    with LoopbackServer(routes) as server:
        several = _digest("sources", "add", server.url("/"), "--config", str(path))
        unchanged = path.read_text(encoding="utf-8")
        picked = _digest("sources", "add", server.url("/"), "--config", str(path), "--pick", "comments")
        first = _digest("sources", "add", server.url("/"), "--config", str(path), "--first")
        urls = [s.location for s in config.load(path).sources]
        feeds = server.url("/feed.xml"), server.url("/comments.atom")
    assert several.exit_code == 1 and several.stdout == ""
    assert several.stderr.count("\n") == 1 and "has 2 feeds" in several.stderr
    assert all(url in several.stderr for url in feeds) and "--first" in several.stderr
    assert unchanged == (SOURCES / "config-before.toml").read_text(encoding="utf-8")
    assert picked.exit_code == 0 and first.exit_code == 0
    assert urls[-2:] == [feeds[1], feeds[0]]


def test_a_feed_url_is_added_as_it_is_and_only_once(tmp_path: Path) -> None:
    path = _config(tmp_path)
    with LoopbackServer({"/atom": Reply(body=ATOM)}) as server:
        added = _digest("sources", "add", server.url("/atom"), "--config", str(path), "--outlet", "CR")
        again = _digest("sources", "add", server.url("/atom"), "--config", str(path), "--outlet", "Other")
        sources = config.load(path).sources
    assert added.exit_code == 0 and again.exit_code == 0
    assert "already a source" in again.stdout
    assert [s.location for s in sources].count(server.url("/atom")) == 1
    assert sources[-1].outlet == "CR"


def test_a_new_feed_with_no_entries_yet_is_added_all_the_same(tmp_path: Path) -> None:
    """A feed that parses but has no items (a blog's first day) is a feed: adding it is not refused."""
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>New Blog</title><link>http://x/</link></channel></rss>'
    path = _config(tmp_path)
    with LoopbackServer({"/feed.xml": Reply(body=empty)}) as server:
        added = _digest("sources", "add", server.url("/feed.xml"), "--config", str(path))
        sources = config.load(path).sources
    assert added.exit_code == 0, added.output
    assert sources[-1].location == server.url("/feed.xml") and sources[-1].kind is SourceKind.FEED


def test_a_page_that_is_no_feed_and_links_to_none_is_one_error_line(tmp_path: Path) -> None:
    path = _config(tmp_path)
    with LoopbackServer({"/": _page("site-no-link.html")}) as server:
        result = _digest("sources", "add", server.url("/"), "--config", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "advertises no feed" in result.stderr


def test_a_folder_is_added_relative_to_the_config_and_removed_again(tmp_path: Path) -> None:
    path = _config(tmp_path)
    (tmp_path / "more").mkdir()
    shutil.copy(SEEDS / "feeds" / "circuit-review.atom", tmp_path / "more" / "c.atom")
    added = _digest("sources", "add", str(tmp_path / "more"), "--config", str(path))
    assert added.exit_code == 0, added.output
    assert 'path = "more"' in path.read_text(encoding="utf-8")
    removed = _digest("sources", "remove", str(tmp_path / "more"), "--config", str(path))
    assert removed.exit_code == 0
    assert path.read_text(encoding="utf-8") == (SOURCES / "config-before.toml").read_text(encoding="utf-8")


def test_removing_the_last_source_is_refused_and_leaves_the_file(tmp_path: Path) -> None:
    path = _config(tmp_path)
    result = _digest("sources", "remove", "feeds", "--config", str(path))
    assert result.exit_code == 1 and "sources is missing or empty" in result.stderr
    assert path.read_text(encoding="utf-8") == (SOURCES / "config-before.toml").read_text(encoding="utf-8")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".config.toml")]  # no temporary file left


def test_a_source_whose_folder_is_gone_can_be_removed(tmp_path: Path) -> None:
    """A config copied away from its sample folders does not load; removing the broken source is how it is
    fixed, so removal may not be refused for the very error it fixes (found walking a new user's first hour)."""
    path = _config(tmp_path)
    configfile_text = path.read_text(encoding="utf-8")
    path.write_text(configfile_text.replace('path = "feeds"', 'path = "feeds"\n\n[[sources]]\npath = "gone"'))
    assert _digest("sources", "list", "--config", str(path)).exit_code == 1  # "names no file or folder"
    removed = _digest("sources", "remove", "gone", "--config", str(path))
    assert removed.exit_code == 0, removed.output
    assert removed.stdout == f"removed gone from {path}\n" and removed.stderr == ""
    assert [s.location for s in config.load(path).sources] == [str(tmp_path / "feeds")]


def test_removing_one_of_two_broken_sources_says_what_still_fails(tmp_path: Path) -> None:
    path = _config(tmp_path)
    shutil.rmtree(tmp_path / "feeds")
    text = path.read_text(encoding="utf-8").replace('path = "feeds"', 'path = "feeds"\n\n[[sources]]\npath = "gone"')
    path.write_text(text)
    removed = _digest("sources", "remove", "gone", "--config", str(path))
    assert removed.exit_code == 0
    assert removed.stderr.startswith(f"note: {path} still does not load: ") and "feeds" in removed.stderr
    assert "gone" not in path.read_text(encoding="utf-8")


def test_an_opml_export_is_imported_once_per_feed_and_exported_with_the_same_urls(tmp_path: Path) -> None:
    path = _config(tmp_path)
    opml = SOURCES / "reader-export.opml"
    first = _digest("sources", "import", str(opml), "--config", str(path))
    again = _digest("sources", "import", str(opml), "--config", str(path))
    exported = _digest("sources", "export", "--config", str(path))
    assert first.exit_code == 0, first.output
    assert first.stdout == (
        f"imported 6 feeds from {opml} into {path}: 7 feed outlines in 4 folders, 1 duplicate, 0 already in the "
        "config, 2 outlines without a feed skipped\n"
    )
    assert again.stdout.startswith(f"imported 0 feeds from {opml}") and "6 already in the config" in again.stdout
    root = ElementTree.fromstring(exported.stdout)
    assert root.get("version") == "2.0"
    outlines = {o.get("xmlUrl", ""): o for o in root.iter("outline") if o.get("xmlUrl")}
    assert sorted(outlines) == sorted(
        [
            "https://circuit-review.example/feed.xml",
            "https://model-notes.example/atom.xml",
            "https://lab-ledger.example/rss?section=ai&format=full",
            "https://northgate-courier.example/rss.xml",
            "http://pixel-and-frame.example/index.xml",
            "https://quill-weekly.example/feed.json",
        ]
    )
    tech = next(o for o in root.find("body") or [] if o.get("text") == "Tech")
    assert [o.get("text") for o in tech] == ["The Circuit Review", "AI"]
    assert [o.get("xmlUrl") for o in tech[1]] == [
        "https://model-notes.example/atom.xml",
        "https://lab-ledger.example/rss?section=ai&format=full",
    ]
    assert outlines["https://model-notes.example/atom.xml"].get("htmlUrl") == "https://model-notes.example/"
    assert "1 sources are not feeds" in exported.stderr  # the folder of the config's own table


def test_config_after_import_is_the_golden_file_and_still_loads(tmp_path: Path) -> None:
    path = _config(tmp_path)
    _digest("sources", "import", str(SOURCES / "reader-export.opml"), "--config", str(path))
    golden = SOURCES / "config-imported.toml"
    if os.environ.get("DIGEST_UPDATE_GOLDEN"):
        golden.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert path.read_text(encoding="utf-8") == golden.read_text(encoding="utf-8")
    before = (SOURCES / "config-before.toml").read_text(encoding="utf-8")
    assert set(_comments(before)) <= set(_comments(golden.read_text(encoding="utf-8")))
    assert len(config.load(path).sources) == 7


def test_a_broken_opml_is_one_line_naming_its_line(tmp_path: Path) -> None:
    path = _config(tmp_path)
    result = _digest("sources", "import", str(SOURCES / "broken.opml"), "--config", str(path))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"error: {SOURCES / 'broken.opml'}:23: broken OPML (")
    assert result.stderr.count("\n") == 1
    assert path.read_text(encoding="utf-8") == (SOURCES / "config-before.toml").read_text(encoding="utf-8")


def test_an_opml_file_is_a_source_read_at_load(tmp_path: Path) -> None:
    path = _config(tmp_path)
    shutil.copy(SOURCES / "reader-export.opml", tmp_path / "feeds.opml")
    with path.open("a", encoding="utf-8") as file:
        file.write('\n[[sources]]\nopml = "feeds.opml"\n\n[[sources]]\nurl = "https://model-notes.example/atom.xml"\n')
    loaded = config.load(path)
    feeds = [s for s in loaded.sources if s.kind is SourceKind.FEED]
    assert len(feeds) == 6  # the feed also in its own table is fetched once
    assert {s.category for s in feeds} == {"Tech", "Tech/AI", "News", None}
    listed = _digest("sources", "list", "--config", str(path))
    assert listed.exit_code == 0 and listed.stdout.count("Tech/AI") == 2


def test_a_broken_opml_source_stops_the_load_naming_the_file_and_line(tmp_path: Path) -> None:
    path = _config(tmp_path)
    shutil.copy(SOURCES / "broken.opml", tmp_path / "feeds.opml")
    with path.open("a", encoding="utf-8") as file:
        file.write('\n[[sources]]\nopml = "feeds.opml"\n')
    with pytest.raises(ConfigError, match=r"sources\[1\]\.opml: .*feeds\.opml:23: broken OPML"):
        config.load(path)


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('url = "https://a.example/feed"\nopml = "x.opml"', "needs exactly one of url or path"),
        ('search = "yahoo-news"', 'must be one of "google-news", "bing-news"'),
        ('search = "google-news"\noutlet = "Google"', "outlet goes only with url or path or sitemap"),
        ('url = "https://a.example/feed"\nregion = "US"', "region goes only with search"),
        ('search = "google-news"\nregion = "us"', "two-letter country code"),
        ('sitemap = "site/news.xml"', "must start with http:// or https://"),
        ('opml = "missing.opml"', "names no file"),
    ],
)
def test_new_source_keys_are_checked_at_load(tmp_path: Path, table: str, problem: str) -> None:
    path = _config(tmp_path)
    with path.open("a", encoding="utf-8") as file:
        file.write(f"\n[[sources]]\n{table}\n")
    with pytest.raises(ConfigError, match=r"config\.toml:\d+: sources\[1\]") as raised:
        config.load(path)
    assert problem in str(raised.value)


def test_a_title_two_sources_share_removes_neither(tmp_path: Path) -> None:
    path = _config(tmp_path)
    with path.open("a", encoding="utf-8") as file:
        for url in ("https://a.example/feed", "https://b.example/feed"):
            file.write(f'\n[[sources]]\nurl = "{url}"\ntitle = "Same"\n')
    before = path.read_text(encoding="utf-8")
    shared = _digest("sources", "remove", "Same", "--config", str(path))
    by_url = _digest("sources", "remove", "https://b.example/feed", "--config", str(path))
    assert shared.exit_code == 1 and "is the title of 2 sources" in shared.stderr
    assert by_url.stdout == f"removed https://b.example/feed from {path}\n"
    assert [s.location for s in config.load(path).sources][-1] == "https://a.example/feed"
    assert len(path.read_text(encoding="utf-8")) < len(before)


def test_list_shows_each_sources_last_health_and_creates_no_state(tmp_path: Path) -> None:
    path = _config(tmp_path)
    with LoopbackServer({"/gone": Reply(404)}) as server:
        gone = server.url("/gone")
        with path.open("a", encoding="utf-8") as file:
            file.write(f'\n[[sources]]\nurl = "{gone}"\n')
        before = _digest("sources", "list", "--config", str(path))
        assert not (tmp_path / "state.db").exists()
        with store.Store(tmp_path / "state.db") as state:
            pipeline.gather(config.load(path).sources, state=state)
    after = _digest("sources", "list", "--config", str(path))
    # The status column, not the whole table: the loopback port in the URL may hold "404" (port 40495 did).
    assert before.exit_code == 0 and "404" not in _feed_status(before.stdout)
    status = _feed_status(after.stdout)
    assert status.startswith("error: HTTP 404"), status
    assert any("│ folder " in line and "│ ok " in line for line in after.stdout.splitlines())


def _feed_status(table: str) -> str:
    """The health column of the feed's row in `sources list` (its text over the row's wrapped lines)."""
    lines = table.splitlines()
    row = next(i for i, line in enumerate(lines) if "│ feed " in line)
    return " ".join(line.split("│")[5].strip() for line in lines[row : row + 3] if line.count("│") > 5)


def test_a_config_with_no_sources_yet_takes_its_first(tmp_path: Path) -> None:
    """After the samples are removed (or in a config written from scratch) `sources add` is how the first
    source goes in: the empty list may not stop it, and the file then loads."""
    path = _config(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8").replace('[[sources]]\n# The sample feeds, offline.\npath = "feeds"\n', "")
    )
    assert "sources is missing or empty" in _digest("sources", "list", "--config", str(path)).stderr
    added = _digest("sources", "add", str(tmp_path / "feeds"), "--config", str(path))
    assert added.exit_code == 0, added.output
    assert [s.location for s in config.load(path).sources] == [str(tmp_path / "feeds")]
