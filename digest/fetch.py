"""Get the bytes of each source: feed URLs over HTTP (httpx), feed files, and folders of article files.

Every source yields Documents or one FetchError; a failing source never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx

from digest import __version__
from digest.errors import FetchError
from digest.models import Document, Source

USER_AGENT = f"digest/{__version__} (+https://github.com/digest-news/digest)"
MAX_BYTES = 10 * 1024 * 1024
TIMEOUT = httpx.Timeout(20.0, connect=10.0)
ARTICLE_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ".feed", ".json"}


def fetch(source: Source, client: httpx.Client | None = None) -> list[Document]:
    """All documents of one source; raises FetchError with a fix hint."""
    if source.location.startswith(("http://", "https://")):
        return [_http(source, client)]
    path = Path(source.location.removeprefix("file://"))
    if path.is_dir():
        return list(_folder(source, path))
    if path.is_file():
        return [Document(source, str(path), _read(source, path))]
    raise FetchError(source.location, "no such file or folder", "check the path in [[sources]]")


def _folder(source: Source, folder: Path) -> Iterator[Document]:
    """Article and feed files of a folder, in name order; other files (README.md is prose too) are read as articles."""
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if path.is_file() and not path.name.startswith(".") and suffix in ARTICLE_SUFFIXES | FEED_SUFFIXES:
            yield Document(source, str(path), _read(source, path))


def _read(source: Source, path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise FetchError(str(path), f"file is {size} bytes, over the {MAX_BYTES}-byte cap", "split or trim it")
        return path.read_bytes()
    except OSError as exc:
        raise FetchError(str(path), f"cannot read: {exc.strerror}", "check the file's permissions") from None


def _http(source: Source, client: httpx.Client | None) -> Document:
    own = client is None
    session = client or httpx.Client(timeout=TIMEOUT, follow_redirects=True, headers={"User-Agent": USER_AGENT})
    try:
        with session.stream("GET", source.location) as response:
            if response.status_code >= 400:
                raise FetchError(
                    source.location,
                    f"HTTP {response.status_code} {response.reason_phrase}",
                    "check the feed URL in [[sources]]",
                )
            chunks, total = [], 0
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > MAX_BYTES:
                    raise FetchError(source.location, f"response over {MAX_BYTES} bytes", "is this really a feed?")
                chunks.append(chunk)
            return Document(source, str(response.url), b"".join(chunks))
    except httpx.TimeoutException:
        raise FetchError(source.location, "timed out", "the server is slow or down; try again later") from None
    except httpx.HTTPError as exc:
        raise FetchError(source.location, f"cannot connect: {exc}", "check the URL and your network") from None
    finally:
        if own:
            session.close()
