"""A set of regexes asked one question: does any of them match a text?

One alternation of all of them, as `re` runs it, tries every pattern at every position of
the text (about 0.1 ms for a 90-character sentence with the summary furniture patterns), and
one search per pattern pays Python's call for each; most patterns hold a literal that every
match contains ("subscribe", "责任编辑"), so one Aho-Corasick pass over the lower-cased text
finds the literals it holds, and only the patterns holding one of them are run. The answer is
the alternation's, character for character (see `_literal_key`). The literals are read as if
the pattern were case-insensitive, which a case-sensitive pattern's matches satisfy too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import ahocorasick

try:
    from re import _parser as regex_parser  # the parser `re` itself uses (Python 3.11+)
except ImportError:  # pragma: no cover - another Python: every pattern is simply run
    regex_parser = None  # type: ignore[assignment]

__all__ = ["PatternSet"]

# Under re.IGNORECASE these match an ASCII letter ("ı" and "İ" match "i", "ſ" matches "s")
# while str.lower() does not turn them into it; a text holding one skips the substring tests.
# Every other character that IGNORECASE equates with an ASCII letter lower-cases to it
# (test_pattern_sets checks this over all of Unicode).
UNFOLDED_ASCII_EQUIVALENTS = "\u0130\u0131\u017f"
_UNFOLDED_RE = re.compile(f"[{UNFOLDED_ASCII_EQUIVALENTS}]")


def _literal_key(char: int) -> str | None:
    """The character a pattern literal must appear as in the lower-cased text, or None when
    case-insensitive matching lets other characters stand for it (non-ASCII cased letters)."""
    text = chr(char)
    if text.isascii():
        return text.lower()
    if text.lower() == text and text.upper() == text:
        return text  # no case: IGNORECASE matches only the character itself
    return None


def _most_selective(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    if not candidates:
        return None
    return max(candidates, key=lambda options: min(len(option) for option in options))


def required_literals(items: Iterable[tuple[object, object]]) -> frozenset[str] | None:
    """Lower-cased strings of which every match of a parsed pattern contains one, or None.

    Runs of literals in sequence count; a group or a repeat of at least one counts through
    its contents; an alternation counts when each of its branches does. Everything else
    (classes, optional parts, anchors) only ends a run.
    """
    if regex_parser is None:
        return None
    constants = regex_parser  # opcodes are re-exported by the parser module
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            candidates.append(frozenset({"".join(run)}))
            run.clear()

    for opcode, argument in items:
        if opcode is constants.LITERAL:
            key = _literal_key(argument)  # type: ignore[arg-type]
            if key is not None:
                run.append(key)
                continue
            flush()
        elif opcode is constants.BRANCH:
            flush()
            branches = [required_literals(branch) for branch in argument[1]]  # type: ignore[index]
            if branches and all(branch is not None for branch in branches):
                candidates.append(frozenset().union(*branches))  # type: ignore[arg-type]
        elif opcode is constants.SUBPATTERN:
            flush()
            _group, added, removed, body = argument  # type: ignore[misc]
            inner = None if added or removed else required_literals(body)
            if inner is not None:
                candidates.append(inner)
        elif opcode in (constants.MAX_REPEAT, constants.MIN_REPEAT):
            flush()
            minimum, _maximum, body = argument  # type: ignore[misc]
            inner = required_literals(body) if minimum >= 1 else None
            if inner is not None:
                candidates.append(inner)
        else:
            flush()
    flush()
    return _most_selective(candidates)


def _literals_of(pattern: str) -> frozenset[str] | None:
    if regex_parser is None:
        return None
    try:
        parsed = regex_parser.parse(pattern, re.IGNORECASE)
    except (re.error, AttributeError, TypeError):  # pragma: no cover - then just run it
        return None
    literals = required_literals(parsed.data)
    return literals if literals and all(literals) else None


class PatternSet:
    """`search(text)` is whether any of `patterns`, compiled with `flags`, matches in text."""

    def __init__(self, patterns: Sequence[str], flags: int = re.IGNORECASE) -> None:
        self._compiled = [re.compile(pattern, flags) for pattern in patterns]
        # Each literal names the patterns that hold it. One Aho-Corasick pass over the
        # lower-cased text finds the literals it holds, whatever their number.
        holders: dict[str, list[re.Pattern[str]]] = {}
        self._unscreened: list[re.Pattern[str]] = []
        for pattern, compiled in zip(patterns, self._compiled, strict=True):
            literals = _literals_of(pattern)
            if literals is None:
                self._unscreened.append(compiled)
            for literal in sorted(literals or ()):
                holders.setdefault(literal, []).append(compiled)
        self._literals: ahocorasick.Automaton | None = None
        if holders:
            self._literals = ahocorasick.Automaton()
            for literal, patterns_holding in holders.items():
                self._literals.add_word(literal, patterns_holding)
            self._literals.make_automaton()

    def search(self, text: str) -> bool:
        if _UNFOLDED_RE.search(text):
            return any(pattern.search(text) for pattern in self._compiled)
        if self._literals is not None:
            tried: set[int] = set()
            for _end, patterns_holding in self._literals.iter(text.lower()):
                if id(patterns_holding) in tried:  # the same literal again
                    continue
                tried.add(id(patterns_holding))
                if any(pattern.search(text) for pattern in patterns_holding):
                    return True
        return any(pattern.search(text) for pattern in self._unscreened)
