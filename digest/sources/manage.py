"""What `digest sources` does: list the sources, add one (a feed, a file, a folder, or a site whose feed is
found), remove one, import an OPML list and export the sources as one. Edits go through configfile.py, so
config.toml keeps its comments and order and always still loads; the network only through pipeline.probe."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tomlkit.items import Table

from digest import config, pipeline, store
from digest.config import Config
from digest.errors import SourceError
from digest.models import FeedHealth, FetchLimits, Ingested, SourceKind, host, is_web_url, local_path
from digest.sources import configfile, opml
from digest.sources.discover import FeedLink, feed_links, usual_feed_urls
from digest.text import count

_LIMITS = FetchLimits()
_LISTED = (SourceKind.FEED, SourceKind.SEARCH)  # what an OPML list can hold: feeds at web addresses


# -- list ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    kind: str
    location: str
    outlet: str | None
    category: str | None
    health: FeedHealth | None


def rows(settings: Config) -> list[Row]:
    """Each source with what the state last recorded of it (nothing before the first run: no state is made)."""
    recorded: dict[str, FeedHealth] = {}
    if settings.state.exists():
        with store.Store(settings.state) as state:
            recorded = {s.location: h for s in settings.sources if (h := state.feed_health(s.location))}
    return [
        Row(s.kind.value, s.location, s.outlet or s.title, s.category, recorded.get(s.location))
        for s in settings.sources
    ]


# -- add ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A feed that gave articles: its URL, the name its articles carry, the site it was found on."""

    url: str
    title: str | None
    site: str | None


def add(
    path: Path,
    location: str,
    *,
    first: bool = False,
    pick: str | None = None,
    outlet: str | None = None,
    category: str | None = None,
    full_text: bool = False,
) -> str:
    """Add a feed URL, a site's address (its feed found), a feed file or a folder; the line to print. A config
    with no sources yet (its samples removed, say) takes its first one."""
    settings = config.load(path, sources_required=False)
    web = is_web_url(location)
    entry = _web_entry(settings, location, first, pick) if web else _local_entry(settings, location)
    if entry is None:
        return f"{location} is already a source in {path}; nothing changed"
    entry |= {k: v for k, v in (("outlet", outlet), ("category", category)) if v}
    if full_text:
        entry["full_text"] = True
    configfile.append(path, [entry], lambda _: f"added by `digest sources add {location}`")
    where = entry.get("url") or entry["path"]
    named = f" ({entry['title']})" if entry.get("title") else ""
    return f"added {where}{named} to {path}"


def _web_entry(settings: Config, location: str, first: bool, pick: str | None) -> dict[str, Any] | None:
    known = {s.location for s in settings.sources}
    if location in known:
        return None
    found = find_feed(location, first=first, pick=pick, limits=settings.fetch)
    if found.url in known:
        return None
    entry: dict[str, Any] = {"url": found.url}
    entry |= {k: v for k, v in (("title", found.title), ("site", found.site)) if v}
    return entry


def _local_entry(settings: Config, location: str) -> dict[str, Any] | None:
    """A file or folder, written relative to the config's folder when it is inside it (as the seeds are)."""
    target = local_path(location).resolve()
    if not target.exists():
        raise SourceError(location, "no such file or folder", "check the path, or give a feed's http(s) URL")
    if any(not s.remote and Path(s.location).resolve() == target for s in settings.sources):
        return None
    gathered = pipeline.read_articles([str(target)])
    if gathered.errors and not gathered.articles:
        raise gathered.errors[0]
    base = settings.path.parent.resolve()
    return {"path": str(target.relative_to(base)) if target.is_relative_to(base) else str(target)}


def find_feed(location: str, *, first: bool = False, pick: str | None = None, limits: FetchLimits = _LIMITS) -> Found:
    """The feed at `location`, or the one its page advertises (else keeps at a usual path such as /feed).

    Several working feeds: the one `pick` names (its URL or title), the first with `first`, else an error
    that lists them all.
    """
    ((result, item),) = pipeline.probe([location], limits=limits)
    if item.articles or item.empty:  # a new feed may have no entries yet: it is a feed all the same
        return Found(result.redirect or location, _name(item), _home(item))
    if result.outcome != "ok" or not result.documents or not _is_page(result.documents[0].data):
        raise SourceError(location, item.error or "gave nothing", item.hint or "check the URL")
    page = result.documents[0]
    links = feed_links(page.data, page.location)
    candidates = links or [FeedLink(url) for url in usual_feed_urls(page.location)]
    probed = pipeline.probe([c.url for c in candidates], limits=limits)
    working = [
        (link, found) for link, (_, found) in zip(candidates, probed, strict=True) if found.articles or found.empty
    ]
    if not working:
        raise SourceError(location, _nothing_found(links), "find the site's feed link and add that URL")
    return _chosen(location, working, page.location, first, pick)


def _chosen(
    location: str, working: Sequence[tuple[FeedLink, Ingested]], page: str, first: bool, pick: str | None
) -> Found:
    if pick:
        wanted = pick.strip().lower()
        working = [(link, item) for link, item in working if wanted in (link.url.lower(), (link.title or "").lower())]
        if not working:
            raise SourceError(location, f"links to no feed named {pick!r}", "pass one of its feeds' URLs or titles")
    if len(working) > 1 and not first:
        listed = "; ".join(f"{link.url} ({link.title or _name(item) or 'untitled'})" for link, item in working)
        raise SourceError(
            location,
            f"has {len(working)} feeds: {listed}",
            "add the one you want: `digest sources add URL`, --pick TITLE, or --first",
        )
    link, item = working[0]
    return Found(item.fetched.redirect or link.url, _name(item) or link.title, page)


def _nothing_found(links: Sequence[FeedLink]) -> str:
    if links:
        return f"its page links to {len(links)} feeds and none of them gives articles"
    paths = ", ".join(f"/{p}" for p in ("feed", "rss.xml", "atom.xml", "index.xml"))
    return f"a web page that advertises no feed, and none is at {paths} or the like"


def _name(item: Ingested) -> str | None:
    """The outlet most of a feed's articles are credited to: the feed's cleaned site name."""
    names = Counter(a.outlet for a in item.articles if a.outlet)
    return names.most_common(1)[0][0] if names else None


def _home(item: Ingested) -> str | None:
    """The site of a feed added by its URL: the origin its articles are on."""
    url = next((a.url for a in item.articles if a.url), None)
    return f"{url.split('://', 1)[0]}://{host(url) or ''}/" if url and host(url) else None


def _is_page(data: bytes) -> bool:
    head = data[:4096].lower()
    return b"<html" in head or b"<!doctype html" in head


# -- remove -------------------------------------------------------------------------------------------------------


def remove(path: Path, what: str) -> list[str]:
    """Take out the [[sources]] tables whose url, path, sitemap, opml or title is `what`; what went. A config
    that does not load (a source's folder gone, say) can still lose a source: that is how it is fixed."""
    base = path.parent

    def matches(table: Table) -> bool:
        named = [str(table.get(k)) for k in ("url", "sitemap", "opml", "search", "title") if table.get(k)]
        local = table.get("path")
        return what in named or (local is not None and _same_path(base / str(local), what, base))

    tables = configfile.tables(configfile.read(path))
    found = [_label(table) for table in tables if matches(table)]
    titled = [_label(table) for table in tables if table.get("title") == what]
    if len(titled) > 1:
        raise SourceError(what, f"is the title of {len(titled)} sources ({', '.join(titled)})", "remove one by its URL")
    if configfile.remove(path, matches):
        return found
    if any(what == s.location for s in config.load(path).sources):
        raise SourceError(what, "comes from an OPML list or a search in config.toml", "remove it there")
    raise SourceError(what, f"is not a source in {path}", "see `digest sources list` for the sources")


def _label(table: Table) -> str:
    return str(next((table[k] for k in ("url", "path", "sitemap", "opml", "search") if k in table), "?"))


def _same_path(configured: Path, given: str, base: Path) -> bool:
    """A path as the config writes it (relative to its folder) or as the user types it (relative to here)."""
    target = configured.resolve()
    return target in (local_path(given).resolve(), (base / given).resolve())


# -- import and export ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    listed: opml.OpmlList
    added: int
    already: int

    def line(self, file: Path, path: Path) -> str:
        lst = self.listed
        return (
            f"imported {count(self.added, 'feed')} from {file} into {path}: {count(lst.outlines, 'feed outline')} "
            f"in {count(lst.folders, 'folder')}, {count(lst.duplicates, 'duplicate')}, {self.already} already in "
            f"the config, {count(lst.skipped, 'outline')} without a feed skipped"
        )


def import_opml(path: Path, file: Path) -> Imported:
    """Each feed of an OPML list not yet a source, as a [[sources]] table with its title, site and folder."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise SourceError(str(file), f"cannot be read ({exc.strerror})", "check the OPML file's path") from None
    listed = opml.read_opml(data, str(file))
    settings = config.load(path)
    known = {s.location for s in settings.sources}
    new = [feed for feed in listed.feeds if feed.url not in known]
    if new:
        configfile.append(path, [_entry(feed) for feed in new], lambda _: f"imported from {file.name}")
    return Imported(listed, len(new), len(listed.feeds) - len(new))


def _entry(feed: opml.OpmlFeed) -> Mapping[str, Any]:
    fields = (("url", feed.url), ("title", feed.title), ("site", feed.site), ("category", feed.category))
    return {key: value for key, value in fields if value}


def export_opml(settings: Config, now: datetime) -> tuple[str, int]:
    """The feed sources as OPML 2.0, and how many sources are no feeds (files, folders, sitemaps) left out."""
    listed = [s for s in settings.sources if s.kind in _LISTED]
    feeds = [opml.OpmlFeed(s.location, s.title or s.outlet or host(s.location), s.site, s.category) for s in listed]
    return opml.write_opml(feeds, settings.digest.title, now), len(settings.sources) - len(listed)
