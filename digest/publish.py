"""Publishing: the web archive (one page per issue and an index) and the RSS 2.0 / Atom / JSON Feed 1.1 feeds.

The pages themselves come from `pages` (render.WebPages: the issues' look, light and dark); this module
decides what goes where: files under `out/`, each issue's previous/next neighbours, and feeds in which every
link is absolute (under `output.base_url`, or DEFAULT_BASE_URL when it is empty), as the W3C feed validator
requires. Feeds are made with feedgen, minding its traps: the last `link()` call becomes the RSS <link>, so
the rel="self" link goes first; entries are added with order="append" (the default prepends); every datetime
is aware. The JSON Feed (https://jsonfeed.org/version/1.1) carries the same items, written with the json module.
Output is static files, so any static host serves the archive and the feed links resolve. The feeds' own words
(description, story counts) and their `language` are in the digest's locale (digest.i18n).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urljoin

import nh3

from digest import i18n
from digest.models import Issue, Story
from digest.site import TOKEN_SLOT

if TYPE_CHECKING:  # feedgen (and lxml) load when feeds are written, not for a preview (#12)
    from feedgen.feed import FeedGenerator

_BODY = re.compile(r"(<body[^>]*>)", re.I)
_IN_PAGE = re.compile(r"""(\shref=["'])#""")
# A recipient's own unsubscribe link (#17): in each email it is theirs; in a feed it would be nobody's.
_OWN_LINK = re.compile(rf"""<a\s[^>]*href=["'][^"']*{TOKEN_SLOT}[^"']*["'][^>]*>.*?</a>\s*(·\s*)?""", re.S)
# Where `python -m http.server 8080 --directory out` serves the output: feeds need absolute links even when
# output.base_url is empty, and a file: URL is neither valid in a feed nor reachable by a reader.
DEFAULT_BASE_URL = "http://localhost:8080/"


class Pages(Protocol):
    """What makes the archive's HTML (render.WebPages); `nav` holds hrefs relative to the page."""

    def issue(self, issue: Issue, nav: Mapping[str, str]) -> str: ...

    def index(self, issues: Sequence[tuple[str, Issue]], nav: Mapping[str, str]) -> str: ...


@dataclass(frozen=True)
class Site:
    """Where the output lives: `folder` on disk, served at `base_url` ("" when not served anywhere)."""

    folder: Path
    base_url: str
    digest: str
    title: str
    topic: str
    locale: str = i18n.DEFAULT  # the readers' language: the feeds' words and `language`

    @property
    def texts(self) -> i18n.Texts:
        return i18n.texts(self.locale)

    def url(self, relative: str) -> str:
        """Absolute, as feeds require: under base_url, or DEFAULT_BASE_URL when it is empty."""
        base = self.base_url or DEFAULT_BASE_URL
        return urljoin(base if base.endswith("/") else base + "/", relative)


def archive_path(digest: str, issue: str) -> str:
    """archive/<digest>/<date>.html; a second issue on one day is <date>-2.html (the issue id's tail)."""
    return f"archive/{digest}/{issue.removeprefix(digest + '-')}.html"


def anchor(position: int) -> str:
    """The id of the story at `position` (from 1) on its issue's page: the email's table of contents and the
    feeds link to it."""
    return f"s{position}"


def publish(
    site: Site, issues: Sequence[Issue], *, keep: int, granularity: str = "issue", pages: Pages | None = None
) -> list[Path]:
    """Write each issue's archive page, the archive index and both feeds; returns the files written.

    Without `pages`, an issue's page is its email with a line of links on top, and the index is plain."""
    newest = sorted(issues, key=lambda i: (i.created, i.id), reverse=True)
    written = []
    for position, issue in enumerate(newest):
        nav = _nav(site, newest, position)
        page = pages.issue(issue, nav) if pages else archive_page(site, issue, nav)
        written.append(_write(site.folder / archive_path(issue.digest, issue.id), page))
    links = [(_page(issue), issue) for issue in newest]
    index = pages.index(links, _feed_links(site)) if pages else index_page(site, newest)
    written.append(_write(site.folder / "archive" / site.digest / "index.html", index))
    rss, atom = feeds(site, newest[:keep], granularity)
    written.append(_write(site.folder / f"{site.digest}.rss", rss))
    written.append(_write(site.folder / f"{site.digest}.atom", atom))
    written.append(_write(site.folder / f"{site.digest}.json", json_feed(site, newest[:keep], granularity)))
    return written


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)  # readers of a served folder never see half a file
    return path


def _page(issue: Issue) -> str:
    """The file name of an issue's page, which is also its href from the index and from its neighbours."""
    return Path(archive_path(issue.digest, issue.id)).name


def _nav(site: Site, newest: Sequence[Issue], position: int) -> dict[str, str]:
    """Links from the page of newest[position]: the index, the feeds, and the issues before and after it."""
    nav = {"index": "index.html", **_feed_links(site)}
    if position + 1 < len(newest):
        nav["previous"] = _page(newest[position + 1])
    if position > 0:
        nav["next"] = _page(newest[position - 1])
    return nav


def _feed_links(site: Site) -> dict[str, str]:
    """The feeds, relative to a page in archive/<digest>/."""
    return {
        "rss": f"../../{site.digest}.rss",
        "atom": f"../../{site.digest}.atom",
        "json": f"../../{site.digest}.json",
    }


def archive_page(site: Site, issue: Issue, nav: Mapping[str, str]) -> str:
    """The email's HTML with a small web header linking back to the index and to the issues around it."""
    links = [f'<a href="{html.escape(nav["index"])}">&larr; All issues of {html.escape(site.title)}</a>']
    if "previous" in nav:
        links.append(f'<a href="{html.escape(nav["previous"])}" rel="prev">Previous issue</a>')
    if "next" in nav:
        links.append(f'<a href="{html.escape(nav["next"])}" rel="next">Next issue</a>')
    header = (
        '<div style="font:14px/1.4 system-ui,sans-serif;padding:8px 16px;border-bottom:1px solid #ccc">'
        + " · ".join(links)
        + "</div>"
    )
    return _BODY.sub(lambda m: m.group(1) + header, issue.html, count=1)


def index_page(site: Site, issues: Sequence[Issue]) -> str:
    def stories(issue: Issue) -> str:
        return site.texts.ngettext("%(num)d story", "%(num)d stories", len(issue.stories))

    rows = "\n".join(
        f'<li><a href="{html.escape(_page(i))}">{html.escape(i.subject)}</a> <small>({stories(i)})</small></li>'
        for i in issues
    )
    title = html.escape(site.title)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{title}: archive</title></head>"
        '<body style="font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em">'
        f"<h1>{title}</h1><p>Topic: {html.escape(site.topic)}</p><ul>\n{rows}\n</ul>"
        f'<p><a href="../../{html.escape(site.digest)}.rss">RSS</a> · '
        f'<a href="../../{html.escape(site.digest)}.atom">Atom</a></p></body></html>\n'
    )


def feeds(site: Site, issues: Sequence[Issue], granularity: str) -> tuple[bytes, bytes]:
    """RSS 2.0 and Atom documents, newest first, one item per issue (or per story)."""
    rss = _generator(site, issues, granularity, site.url(f"{site.digest}.rss"), "application/rss+xml")
    atom = _generator(site, issues, granularity, site.url(f"{site.digest}.atom"), "application/atom+xml")
    return rss.rss_str(pretty=True), atom.atom_str(pretty=True)


def _generator(site: Site, issues: Sequence[Issue], granularity: str, self_url: str, kind: str) -> FeedGenerator:
    """One feed document; each format gets its own so that its rel="self" link names itself."""
    from feedgen.feed import FeedGenerator

    generator = FeedGenerator()
    generator.id(site.url(f"archive/{site.digest}/index.html"))
    generator.title(site.title)
    generator.author({"name": site.title})  # Atom requires an author for the feed or for every entry
    generator.description(site.texts.gettext("Daily digest on: %(topic)s") % {"topic": site.topic})
    generator.language(site.texts.language)
    generator.generator("digest")
    generator.link(href=self_url, rel="self", type=kind)
    generator.link(href=site.url(f"archive/{site.digest}/index.html"), rel="alternate")  # last link = RSS <link>
    if issues:
        generator.updated(issues[0].created)
        generator.lastBuildDate(issues[0].created)
    for issue in issues:
        if granularity == "story":
            for position, story in enumerate(issue.stories, 1):
                _story_entry(generator, site, issue, story, position)
        else:
            _issue_entry(generator, site, issue)
    return generator


def _issue_entry(generator: FeedGenerator, site: Site, issue: Issue) -> None:
    entry = generator.add_entry(order="append")
    link = site.url(archive_path(issue.digest, issue.id))
    entry.id(f"tag:digest,{issue.created.date().isoformat()}:{issue.digest}/{issue.id}")
    entry.guid(entry.id(), permalink=False)
    entry.title(issue.subject)
    entry.link(href=link)
    entry.published(issue.created)
    entry.updated(issue.created)
    entry.description(_summary(issue, site.texts))
    entry.content(_clean_html(issue.html, link), type="html")


def _story_entry(generator: FeedGenerator, site: Site, issue: Issue, story: Story, position: int) -> None:
    """One story as an entry: its headline links to the article it is the title of, as in the email, and its
    anchor on the issue's page (where every outlet is listed) ends the description. (Not a rel="related"
    link: feedgen 1.0 writes no rel on an entry's links, so it would be a second alternate, a validator error.)"""
    entry = generator.add_entry(order="append")
    entry.id(f"tag:digest,{issue.created.date().isoformat()}:{issue.digest}/{issue.id}/{story.id}")
    entry.guid(entry.id(), permalink=False)
    entry.title(story.headline)
    page = f"{site.url(archive_path(issue.digest, issue.id))}#{anchor(position)}"
    article = _web_url(story.headline_url or story.url)
    entry.link(href=article or page)
    # A second apart in the issue's order: feed readers sort by it, and the validator warns on equal updates.
    when = issue.created - timedelta(seconds=position - 1)
    entry.published(when)
    entry.updated(when)
    text = " ".join(f"{s.text} ({s.outlet})" for s in story.sentences)
    every = site.texts.gettext("Every outlet: %(page)s") % {"page": page}
    entry.description(f"{text or story.headline} {every}")


def json_feed(site: Site, issues: Sequence[Issue], granularity: str) -> bytes:
    """JSON Feed 1.1, newest first: the items of the RSS and Atom feeds, each with id, url, title, content_html
    and date_published (RFC 3339), every URL absolute."""
    items = []
    for issue in issues:
        if granularity == "story":
            items += [_story_item(site, issue, story, n) for n, story in enumerate(issue.stories, 1)]
        else:
            items.append(_issue_item(site, issue))
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": site.title,
        "home_page_url": site.url(f"archive/{site.digest}/index.html"),
        "feed_url": site.url(f"{site.digest}.json"),
        "description": site.texts.gettext("Daily digest on: %(topic)s") % {"topic": site.topic},
        "authors": [{"name": site.title}],
        "language": site.texts.language,
        "items": items,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _issue_item(site: Site, issue: Issue) -> dict[str, object]:
    link = site.url(archive_path(issue.digest, issue.id))
    return {
        "id": f"tag:digest,{issue.created.date().isoformat()}:{issue.digest}/{issue.id}",
        "url": link,
        "title": issue.subject,
        "summary": _summary(issue, site.texts),
        "content_html": _clean_html(issue.html, link),
        "date_published": issue.created.isoformat(),
    }


def _story_item(site: Site, issue: Issue, story: Story, position: int) -> dict[str, object]:
    page = f"{site.url(archive_path(issue.digest, issue.id))}#{anchor(position)}"
    sentences = "".join(f"<p>{html.escape(s.text)} ({html.escape(s.outlet)})</p>" for s in story.sentences)
    every = site.texts.gettext("Every outlet")
    item: dict[str, object] = {
        "id": f"tag:digest,{issue.created.date().isoformat()}:{issue.digest}/{issue.id}/{story.id}",
        "url": page,
        "title": story.headline,
        "content_html": sentences + f'<p><a href="{html.escape(page)}">{html.escape(every)}</a></p>',
        "date_published": (issue.created - timedelta(seconds=position - 1)).isoformat(),
    }
    if article := _web_url(story.headline_url or story.url):
        item["external_url"] = article  # the article the headline is the title of, as the RSS item links
    return item


def _web_url(url: str | None) -> str | None:
    """An http(s) link from a feed, or None: a feed reader must not be handed a javascript: or data: link."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def _summary(issue: Issue, texts: i18n.Texts) -> str:
    headlines = "; ".join(s.headline for s in issue.stories)
    if not headlines:
        return issue.subject
    stories = texts.ngettext("%(num)d story", "%(num)d stories", len(issue.stories))
    return texts.gettext("%(stories)s: %(headlines)s") % {"stories": stories, "headlines": headlines}


def _clean_html(markup: str, page: str) -> str:
    """The issue's HTML for a feed reader: no styles or scripts, only safe tags and absolute links (in-page
    anchors, the table of contents, point into the issue's page at `page`)."""
    body = markup.split("<body", 1)[-1]
    body = body.split(">", 1)[-1] if "<body" in markup else body
    clean = nh3.clean(_OWN_LINK.sub("", body), url_schemes={"http", "https", "mailto"})
    return _IN_PAGE.sub(lambda m: f"{m.group(1)}{html.escape(page)}#", clean)
