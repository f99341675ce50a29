"""A topic as sources: the digest's topic query as a news search's RSS feed (Google News, Bing News).

The query language is digest.query's (words, "phrases", AND, OR, NOT, parentheses, prefix*), rendered in the
syntax both engines share: a space for AND, OR, a leading - for NOT, quotes for phrases. Neither has prefix
search, so `copyright*` asks for `copyright` (the digest's own query still matches the longer words).
"""

from __future__ import annotations

from urllib.parse import urlencode

from digest import query

ENGINES = ("google-news", "bing-news")


def search_url(engine: str, topic: str, language: str, region: str) -> str:
    """The RSS feed of a news search for `topic`, in `language` ("en") as read in `region` ("US")."""
    terms = engine_query(topic)
    if engine == "google-news":
        params = {"q": terms, "hl": f"{language}-{region}", "gl": region, "ceid": f"{region}:{language}"}
        return "https://news.google.com/rss/search?" + urlencode(params)
    if engine == "bing-news":
        params = {"q": terms, "format": "rss", "setlang": language, "cc": region, "mkt": f"{language}-{region}"}
        return "https://www.bing.com/news/search?" + urlencode(params)
    raise ValueError(f"unknown news search {engine!r}")


def engine_query(topic: str) -> str:
    """The topic query in a search engine's syntax; raises QueryError as the digest's own query would."""
    return _render(query.parse_query(topic).root, nested=False)


def _render(node: query.Node, nested: bool) -> str:
    """A node in engine syntax; a group inside another is parenthesized (engines bind OR tighter than space)."""
    if isinstance(node, query.Term):
        words = node.text.split()
        words[-1] = words[-1].rstrip("*") or words[-1]
        return f'"{" ".join(words)}"' if len(words) > 1 else words[0]
    if isinstance(node, query.Not):
        return "-" + _render(node.operand, nested=True)
    joiner = " " if isinstance(node, query.AllOf) else " OR "
    inner = joiner.join(_render(child, nested=True) for child in node.operands)
    return f"({inner})" if nested else inner
