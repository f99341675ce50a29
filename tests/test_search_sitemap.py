"""A topic as sources (news search feeds) and sites without a feed (news sitemaps), over the loopback server
(#16). The fixtures are invented items in the shape Google News, Bing News and news sitemaps have; their
`127.0.0.1:PORT` addresses are the test server's."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, SEEDS
from http_server import LoopbackServer, Reply

from digest import config, pipeline, store
from digest.errors import ConfigError
from digest.models import Document, Source, SourceKind
from digest.parse import parse
from digest.parse.entries import content_id
from digest.sources.search import engine_query, search_url

SOURCES = DATA / "sources"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def _fixture(name: str, port: int) -> bytes:
    return (SOURCES / name).read_bytes().replace(b"PORT", str(port).encode())


@pytest.mark.parametrize(
    ("topic", "query"),
    [
        ('AI OR "artificial intelligence" OR chatbot', 'AI OR "artificial intelligence" OR chatbot'),
        ("copyright* AND (music OR film) NOT crypto", "copyright (music OR film) -crypto"),
        ("(robot OR robots) -toy harbour", "(robot OR robots) -toy harbour"),
        ('"training data" OR (licensing deal)', '"training data" OR (licensing deal)'),
    ],
)
def test_the_topic_query_is_rendered_in_search_engine_syntax(topic: str, query: str) -> None:
    assert engine_query(topic) == query


def test_search_urls_carry_the_query_language_and_region() -> None:
    google = search_url("google-news", 'robots OR "robot cranes"', "de", "AT")
    assert google == "https://news.google.com/rss/search?q=robots+OR+%22robot+cranes%22&hl=de-AT&gl=AT&ceid=AT%3Ade"
    bing = search_url("bing-news", "robots", "en", "GB")
    assert bing == "https://www.bing.com/news/search?q=robots&format=rss&setlang=en&cc=GB&mkt=en-GB"


def _config(folder: Path, sources: str, digest: str = "") -> Path:
    path = folder / "config.toml"
    (folder / "seeds").symlink_to(SEEDS)
    path.write_text(
        f"""[digest]\ntopic = 'robots OR "robot cranes"'\n{digest}\n[[sources]]\npath = "seeds/feeds"\n{sources}""",
        encoding="utf-8",
    )
    return path


def test_a_search_source_is_one_feed_per_digest_topic(tmp_path: Path) -> None:
    digests = '[[digests]]\nname = "a"\ntopic = "robots"\n[[digests]]\nname = "b"\ntopic = "cranes"\n'
    path = tmp_path / "config.toml"
    (tmp_path / "seeds").symlink_to(SEEDS)
    sources = '[[sources]]\nsearch = "google-news"\nlanguage = "en"\nregion = "GB"\n'
    path.write_text(f'{digests}\n[[sources]]\npath = "seeds/feeds"\n{sources}', encoding="utf-8")
    searches = [s for s in config.load(path).sources if s.kind is SourceKind.SEARCH]
    assert [s.location for s in searches] == [
        "https://news.google.com/rss/search?q=robots&hl=en-GB&gl=GB&ceid=GB%3Aen",
        "https://news.google.com/rss/search?q=cranes&hl=en-GB&gl=GB&ceid=GB%3Aen",
    ]


def test_a_search_sources_own_query_replaces_the_topic(tmp_path: Path) -> None:
    path = _config(tmp_path, '[[sources]]\nsearch = "bing-news"\nquery = "harbour robots"\n')
    (search,) = [s for s in config.load(path).sources if s.kind is SourceKind.SEARCH]
    assert search.location.startswith("https://www.bing.com/news/search?q=harbour+robots&format=rss")
    assert search.title == "bing-news: harbour robots"  # how `digest sources list` and the OPML export name it


def test_a_search_sources_query_that_does_not_parse_stops_the_load_naming_its_line(tmp_path: Path) -> None:
    path = _config(tmp_path, '[[sources]]\nsearch = "google-news"\nquery = "robots OR ("\n')
    with pytest.raises(ConfigError, match=r"config\.toml:8: sources\[1\]\.query is not a valid query"):
        config.load(path)


def test_google_news_items_are_credited_to_their_publishers_not_the_aggregator() -> None:
    with LoopbackServer() as server:
        server.routes["/rss/search"] = Reply(body=_fixture("google-news.xml", server.port))
        gathered = pipeline.gather([Source(server.url("/rss/search"), SourceKind.SEARCH)])
        # Google's own redirect pages hold no article: none was fetched for full text.
        assert [r.path for r in server.requests] == ["/rss/search"]
    assert not gathered.errors
    assert [a.outlet for a in gathered.articles] == ["The Ledger", "Northgate Courier", "Circuit Review"]
    assert [a.title for a in gathered.articles][1] == "Dockers' union asks for a say in harbour robot trial"


def test_bing_news_items_take_the_publishers_own_url_and_its_page(tmp_path: Path) -> None:
    page = (SOURCES / "harbour-robot-cranes.html").read_bytes()
    with LoopbackServer() as server, store.Store(tmp_path / "s.db") as state:
        server.routes["/news/search"] = Reply(body=_fixture("bing-news.xml", server.port))
        server.routes["/ledger/harbour-robot-cranes"] = Reply(body=page, headers=HTML)
        gathered = pipeline.gather([Source(server.url("/news/search"), SourceKind.SEARCH)], state=state)
        # The publishers are on another host than the search (localhost, not 127.0.0.1), as they are on the web.
        publisher = f"http://localhost:{server.port}/ledger/harbour-robot-cranes"
    ledger, courier = gathered.articles
    assert (ledger.outlet, courier.outlet) == ("The Ledger", "Northgate Courier")
    assert (
        ledger.url == publisher and courier.url == f"http://localhost:{server.port}/courier/dockers-union-robot-trial"
    )
    # The same article as the publisher's own feed gives it: the same id, so copies are told apart by publisher.
    assert ledger.id == content_id(publisher)
    assert "Each driver can watch two cranes at once" in ledger.text
    assert courier.text.startswith("The dockers' union wants a seat")  # its page failed (404): the teaser stays


def _sitemap(data: bytes, location: str, language: str | None = None) -> Document:
    return Document(Source(location, SourceKind.SITEMAP, language=language), location, data)


def test_a_news_sitemap_gives_its_pages_as_articles_with_their_text(tmp_path: Path) -> None:
    pages = {
        "/news/harbour-robot-cranes": Reply(body=(SOURCES / "harbour-robot-cranes.html").read_bytes(), headers=HTML),
        "/news/dockers-union-robot-trial": Reply(
            body=(SOURCES / "dockers-union-robot-trial.html").read_bytes(), headers=HTML
        ),
    }
    with LoopbackServer(pages) as server, store.Store(tmp_path / "s.db") as state:
        server.routes["/news-sitemap.xml"] = Reply(body=_fixture("news-sitemap.xml", server.port))
        source = Source(server.url("/news-sitemap.xml"), SourceKind.SITEMAP, language="en")
        gathered = pipeline.gather([source], state=state)
        state.save_articles(gathered.articles, gathered.articles[0].published)  # type: ignore[arg-type]
        again = pipeline.gather([source], state=state)
        fetched = [r.path for r in server.requests]
    assert not gathered.errors
    cranes, union = gathered.articles
    assert (cranes.title, cranes.outlet) == (
        "Port Calder harbour trials robot cranes after night-shift shortage",
        "The Harbour Gazette",
    )
    assert cranes.published is not None and cranes.published.isoformat() == "2026-11-30T08:12:00+00:00"
    assert union.published is not None and union.published.isoformat() == "2026-11-30T00:00:00+00:00"
    assert "Each driver can watch two cranes at once" in cranes.text and "Copyright" not in cranes.text
    assert "the hours drivers spend fixing" in union.text
    # Each page is read once: the next run takes its text from the state.
    assert fetched.count("/news/harbour-robot-cranes") == 1 and fetched.count("/news-sitemap.xml") == 2
    assert [a.text for a in again.articles] == [cranes.text, union.text]


def test_a_sitemap_without_a_language_keeps_every_news_page_and_ignores_plain_urls() -> None:
    data = _fixture("news-sitemap.xml", 8000)
    articles, _ = parse(_sitemap(data, "http://127.0.0.1:8000/news-sitemap.xml"))
    assert [a.outlet for a in articles] == ["The Harbour Gazette", "The Harbour Gazette", "Hafenblatt"]
    assert all(a.text == "" for a in articles)  # the pages' text comes through fetch, as full text does


def test_a_sitemap_index_names_its_sitemaps_in_the_hint() -> None:
    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://site.example/news-sitemap-1.xml</loc></sitemap></sitemapindex>"""
    with pytest.raises(Exception, match="a sitemap index") as raised:
        parse(_sitemap(index, "https://site.example/sitemap.xml"))
    assert "https://site.example/news-sitemap-1.xml" in str(raised.value)


def test_a_sitemap_without_news_entries_or_not_xml_is_a_clear_error() -> None:
    plain = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://s.example/a</loc></url>
    </urlset>"""
    with pytest.raises(Exception, match=r"no <news:news> entries among its 1 URLs"):
        parse(_sitemap(plain, "https://s.example/sitemap.xml"))
    with pytest.raises(Exception, match="not a sitemap"):
        parse(_sitemap(b"<html><body>hello", "https://s.example/sitemap.xml"))


def test_a_sitemap_source_is_read_from_config(tmp_path: Path) -> None:
    path = _config(tmp_path, '[[sources]]\nsitemap = "https://site.example/news-sitemap.xml"\nlanguage = "de"\n')
    (sitemap,) = [s for s in config.load(path).sources if s.kind is SourceKind.SITEMAP]
    assert (sitemap.location, sitemap.language) == ("https://site.example/news-sitemap.xml", "de")
