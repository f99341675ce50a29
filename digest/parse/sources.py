"""Fetched sources -> Ingested records: each source's documents parsed, on a process pool when there are many."""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from digest import language
from digest.errors import EmptyFeed, ParseError
from digest.models import Article, FetchResult, Ingested, Source, SourceKind, host
from digest.parse.documents import parse

TEASER_WORDS = 80
PARALLEL_FROM = 50
BUG = "this is a bug in digest; report it with the feed attached"

logger = logging.getLogger(__name__)


def parse_all(
    results: Iterable[FetchResult], *, workers: int = 1, progress: Callable[[Ingested], None] | None = None
) -> list[Ingested]:
    """Parse each fetched source as it arrives (pass fetch.fetch_each to overlap parsing with the network).

    With `workers` > 1 the parsing runs on that many processes (see `parser_processes`): feedparser is pure
    Python, so threads would not help. bench/ingest.py, 200 feeds of 50 items on 2 cores: 1.8 s on two
    processes against 2.9 s on one while a core was free, but 3.8 s against 3.1 s while other work held it.
    """
    parsed = _in_processes(results, workers) if workers > 1 else map(ingest, results)
    items = []
    for item in parsed:
        if progress:
            progress(item)
        items.append(item)
    return items


def parser_processes(sources: int) -> int:
    """The `workers` for parse_all: one per core from PARALLEL_FROM sources on, else one.

    Starting the processes costs 0.2-0.4 s, the time to parse about 30 feeds of 50 items.
    """
    return max(1, os.cpu_count() or 1) if sources >= PARALLEL_FROM else 1


def _in_processes(results: Iterable[FetchResult], workers: int) -> Iterator[Ingested]:
    """Ingested records in the order their parsing ends; failed fetches skip the round trip."""
    # forkserver, not fork: fetching threads are running, and forking a threaded process can deadlock the child.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["digest.parse"])
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: dict[Future[Ingested], FetchResult] = {}
        for result in results:
            if result.outcome != "ok":
                yield ingest(result)
                continue
            try:
                pending[pool.submit(ingest, result)] = result
            except BrokenProcessPool as exc:
                yield _died(result, exc)
            for future in [f for f in pending if f.done()]:
                yield _collected(future, pending.pop(future))
        for future in as_completed(pending):
            yield _collected(future, pending[future])


def _collected(future: Future[Ingested], result: FetchResult) -> Ingested:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        return _died(result, exc)


def _died(result: FetchResult, exc: BrokenProcessPool) -> Ingested:
    """A parser process was killed (out of memory, a crash in a C extension): its sources fail, the run goes on."""
    return Ingested(result, error=f"the parser process died ({exc})", hint=BUG)


def ingest(result: FetchResult) -> Ingested:
    """One fetched source's articles; a document that fails is a warning while others in the source succeed.

    The record keeps the FetchResult without its documents: once parsed the bytes are dead weight (up to the
    byte cap per source), so a run only ever holds the documents still being parsed.
    """
    if result.outcome != "ok":
        return Ingested(result, error=result.error, hint=result.hint)
    articles: list[Article] = []
    warnings: list[str] = []
    failures: list[ParseError] = []
    for document in result.documents:
        try:
            found, notes = parse(document)
        except ParseError as error:
            failures.append(error)
            continue
        except Exception as exc:  # a feed that trips a bug here or in feedparser must not stop the run
            logger.exception("parsing %s failed unexpectedly", document.location)
            failures.append(ParseError(document.location, f"unreadable ({type(exc).__name__})", BUG))
            continue
        articles.extend(found)
        warnings.extend(notes)
    fetched = replace(result, documents=())
    if failures and not articles:
        first = failures[0]
        empty = all(isinstance(failure, EmptyFeed) for failure in failures)
        return Ingested(
            fetched, warnings=tuple(warnings), error=_message(first, result.source), hint=first.hint, empty=empty
        )
    warnings.extend(str(error) for error in failures)
    articles = [settled(a, result.source) for a in articles]
    return Ingested(fetched, tuple(articles), tuple(warnings), teasers=_teasers(result.source, articles))


def settled(article: Article, source: Source) -> Article:
    """The article with its language settled: the source's configured `language` if any, else what its feed or
    page declared unless its text clearly says otherwise, else what its text says (None when that is unsure)."""
    configured = language.normalize(source.language) or source.language  # "deu" is "de"
    code = configured or language.settle(article.language, f"{article.title or ''}\n{article.text}")
    return article if code == article.language else replace(article, language=code)


def _teasers(source: Source, articles: list[Article]) -> tuple[str, ...]:
    """Articles of a web feed whose page should be read: all with `full_text`, else those under TEASER_WORDS.

    Local files and folders are taken as they are: their links may be made up (the offline sample corpus),
    and reading them must never go to the network.
    """
    if source.kind is SourceKind.SITEMAP:
        return tuple(a.id for a in articles if a.url)  # a sitemap names its pages: their text is all there is
    if source.kind not in (SourceKind.FEED, SourceKind.SEARCH):
        return ()
    wanted = [a for a in articles if a.url and (source.full_text or len(a.text.split()) < TEASER_WORDS)]
    if source.kind is SourceKind.SEARCH:  # a news search's own redirect pages hold no article: only publishers' do
        wanted = [a for a in wanted if host(a.url) != host(source.location)]
    return tuple(a.id for a in wanted)


def _message(error: ParseError, source: Source) -> str:
    """The error without the location when it is the source's own (the record already names the source)."""
    return error.message.removeprefix(f"{source.location}: ")
