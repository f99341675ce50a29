"""The topic query language: words and "quoted phrases", AND (or just a space), OR, NOT (or a leading -),
parentheses; a trailing * matches a prefix (copyright* matches copyrighted). Case-insensitive in every script
(Unicode case folding: `Überwachung` matches `überwachung`, `STRASSE` matches `Straße`; accents count as
written: `aeroport` does not match `aéroport`), matched on whole words (Unicode word boundaries) in the title and
text, in Unicode's composed form (NFC) whichever form the feed used. A term in a script written without spaces
(Chinese, Japanese, Thai) matches within a run of its script: there, nothing marks where a word ends.

Not a stage: config checks every topic when it loads (so a bad one names its file and line), and select
picks stories with it (a story is on the topic when one of its articles matches).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from digest.errors import QueryError
from digest.models import Article

_GRAMMAR = 'use words, "phrases", AND, OR, NOT and balanced parentheses'
_TOKEN = re.compile(r'\s*(?:(\()|(\))|"([^"]*)"|(-)(?=[\w"(])|([^\s()"]+))')
# Scripts written without spaces between words: Han, kana, Hangul syllables aside (Korean has spaces), Thai, Lao,
# Khmer, Myanmar.
_SPACELESS = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Term:
    text: str
    pattern: re.Pattern[str]

    def matches(self, haystack: str) -> bool:
        return self.pattern.search(haystack) is not None


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class AllOf:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    operands: tuple[Node, ...]


Node = Term | Not | AllOf | AnyOf


@dataclass(frozen=True)
class Query:
    """A parsed topic query."""

    source: str
    root: Node

    def matches(self, article: Article) -> bool:
        return _evaluate(self.root, _haystack(article))

    def rules_out(self, article: Article) -> bool:
        """Whether the article fails the query because of what it puts after a NOT: such an article stays out
        of a digest even when its story is on the topic (`AI NOT crypto` keeps a crypto piece out of an AI
        story). One that matches is never ruled out (`(AI NOT crypto) OR blockchain` keeps a blockchain piece
        that mentions crypto)."""
        haystack = _haystack(article)
        return not _evaluate(self.root, haystack) and any(_evaluate(n, haystack) for n in _negated(self.root))

    def explain(self, article: Article) -> list[str]:
        """The query terms found in the article (what made it match), in query order."""
        haystack = _haystack(article)
        return [t.text for t in _terms(self.root) if t.matches(haystack)]


def parse_query(source: str) -> Query:
    """Parse a topic query; raises QueryError saying where it is wrong."""
    tokens = _tokenize(source)
    if not tokens:
        raise QueryError(source, "it is empty", 'set a topic, e.g. topic = "AI OR copyright"')
    parser = _Parser(source, tokens)
    root = parser.parse_or()
    if parser.position < len(tokens):
        raise parser.error(f"unexpected {tokens[parser.position][1]!r}")
    return Query(source, root)


def _tokenize(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    source = source.rstrip()
    while position < len(source):
        match = _TOKEN.match(source, position)
        if not match or match.end() == position:
            raise QueryError(source, "a quote is not closed", 'close every "phrase" with a second quote')
        position = match.end()
        opening, closing, phrase, minus, word = match.groups()
        if opening:
            tokens.append(("(", "("))
        elif closing:
            tokens.append((")", ")"))
        elif phrase is not None:
            tokens.append(("term", phrase))
        elif minus:
            tokens.append(("NOT", "-"))
        elif word in ("AND", "OR", "NOT"):
            tokens.append((word, word))
        else:
            tokens.append(("term", word))
    return tokens


class _Parser:
    def __init__(self, source: str, tokens: list[tuple[str, str]]) -> None:
        self.source = source
        self.tokens = tokens
        self.position = 0

    def error(self, problem: str, hint: str = _GRAMMAR) -> QueryError:
        return QueryError(self.source, problem, hint)

    def peek(self) -> str | None:
        return self.tokens[self.position][0] if self.position < len(self.tokens) else None

    def parse_or(self) -> Node:
        operands = [self.parse_and()]
        while self.peek() == "OR":
            self.position += 1
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else AnyOf(tuple(operands))

    def parse_and(self) -> Node:
        operands = [self.parse_not()]
        while self.peek() in ("AND", "NOT", "term", "("):
            if self.peek() == "AND":
                self.position += 1
            operands.append(self.parse_not())
        return operands[0] if len(operands) == 1 else AllOf(tuple(operands))

    def parse_not(self) -> Node:
        if self.peek() == "NOT":
            self.position += 1
            return Not(self.parse_not())
        return self.parse_atom()

    def parse_atom(self) -> Node:
        kind = self.peek()
        if kind is None:
            raise self.error("it ends where a word was expected")
        value = self.tokens[self.position][1]
        self.position += 1
        if kind == "term":
            if not value.split():
                raise self.error('it has an empty phrase ""', "remove the empty quotes")
            return _term(value)
        if kind == "(":
            node = self.parse_or()
            if self.peek() != ")":
                raise self.error("a parenthesis is not closed")
            self.position += 1
            return node
        raise self.error(f"unexpected {value!r}")


def _term(text: str) -> Term:
    words = _folded(text).split()
    prefix = words[-1].endswith("*") and len(words[-1]) > 1
    if prefix:
        words[-1] = words[-1][:-1]
    body = r"\s+".join(re.escape(w) for w in words)
    head = "" if _SPACELESS.match(words[0][:1]) else r"(?<!\w)"
    tail = r"\w*" if prefix else "" if _SPACELESS.match(words[-1][-1:]) else r"(?!\w)"
    return Term(text, re.compile(rf"{head}{body}{tail}"))


def _folded(text: str) -> str:
    """Composed (NFC) and case-folded: how terms and texts are compared."""
    return unicodedata.normalize("NFC", text).casefold()


def _evaluate(node: Node, haystack: str) -> bool:
    if isinstance(node, Term):
        return node.matches(haystack)
    if isinstance(node, Not):
        return not _evaluate(node.operand, haystack)
    if isinstance(node, AllOf):
        return all(_evaluate(n, haystack) for n in node.operands)
    return any(_evaluate(n, haystack) for n in node.operands)


def _terms(node: Node) -> Iterable[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        return  # a term under NOT never explains a match
    else:
        for child in node.operands:
            yield from _terms(child)


def _negated(node: Node) -> Iterable[Node]:
    """What the query puts after each NOT (not looking inside it: a NOT within a NOT is not an exclusion)."""
    if isinstance(node, Not):
        yield node.operand
    elif not isinstance(node, Term):
        for child in node.operands:
            yield from _negated(child)


def _haystack(article: Article) -> str:
    return _folded(f"{article.title or ''}\n{article.text}")
