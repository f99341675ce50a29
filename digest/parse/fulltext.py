"""Full text: teasers filled in from their pages' main text (trafilatura), cached by URL.

Parse only extracts; the pages come through fetch (`full_text_urls` -> fetch.fetch_all -> `apply_full_text`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import replace

from digest.language import normalize
from digest.models import Article, FetchResult, Ingested, Source
from digest.parse.clean import html_language, paragraphs
from digest.parse.sources import settled


def full_text_urls(items: Iterable[Ingested], cache: Mapping[str, str]) -> list[str]:
    """Pages to fetch for full text: the teasers' URLs that the cache of extracted pages lacks, each once."""
    urls: dict[str, None] = {}
    for item in items:
        wanted = set(item.teasers)
        urls.update((a.url, None) for a in item.articles if a.id in wanted and a.url and a.url not in cache)
    return list(urls)


def apply_full_text(
    items: Sequence[Ingested], pages: Iterable[FetchResult], cache: MutableMapping[str, str]
) -> list[Ingested]:
    """Teasers filled in from their pages' main text (cached by URL); a page that failed leaves its teaser. A page
    fetched now declares its article's language (`<html lang>`) unless the source's config does; one from the
    cache has its text detected."""
    declared: dict[str, str] = {}
    failed: dict[str, str] = {}
    for page in pages:
        if page.outcome == "ok" and page.documents:
            data = page.documents[0].data
            cache[page.source.location] = page_text(data, page.source.location)
            code = normalize(html_language(data[:4096].decode("utf-8", "replace")))
            if code:
                declared[page.source.location] = code
        elif page.outcome == "error":
            failed[page.source.location] = page.error or "no answer"
    return [_filled(item, cache, declared, failed) for item in items]


def _filled(
    item: Ingested, cache: Mapping[str, str], declared: Mapping[str, str], failed: Mapping[str, str]
) -> Ingested:
    if not item.teasers:
        return item
    wanted = set(item.teasers)
    articles = tuple(
        _page_read(a, cache[a.url], declared, item.source) if a.id in wanted and a.url and a.url in cache else a
        for a in item.articles
    )
    unread = [a.url for a in item.articles if a.id in wanted and a.url in failed]
    warning = _unread_warning(item.source.location, unread, len(wanted), failed)
    return replace(item, articles=articles, warnings=(*item.warnings, *warning))


def _unread_warning(
    source: str, unread: Sequence[str | None], wanted: int, failed: Mapping[str, str]
) -> tuple[str, ...]:
    """One line for a feed whose article pages could not be fetched: the wait was for them, and the stories
    now rest on the feed's teasers."""
    if not unread:
        return ()
    first = unread[0] or ""
    return (
        f"{source}: {len(unread)} of {wanted} article pages could not be read for their full text, so the "
        f"feed's own text is used for them; the first, {first}: {failed[first]}",
    )


def _page_read(article: Article, text: str, declared: Mapping[str, str], source: Source) -> Article:
    """The article with its page's text (when longer) and its language settled again on it."""
    read = replace(_longer(article, text), language=declared.get(article.url or "", article.language))
    return settled(read, source)


def extract_full_text(article: Article, page: bytes) -> Article:
    """The article with its page's main text, when that says more than the feed did."""
    return _longer(article, page_text(page, article.url))


def page_text(page: bytes, url: str | None = None) -> str:
    """The main text of an article page (trafilatura), one paragraph per block; '' when none is found."""
    import trafilatura  # imported here: it takes a third of a second, and only full-text sources need it

    extracted = trafilatura.extract(
        page, url=url, include_comments=False, include_tables=False, favor_precision=True, deduplicate=False
    )
    return paragraphs((extracted or "").split("\n"))


def _longer(article: Article, text: str) -> Article:
    return replace(article, text=text) if len(text.split()) > len(article.text.split()) else article
