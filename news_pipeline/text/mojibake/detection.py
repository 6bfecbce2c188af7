"""Finding the damage: runs of cp1252 characters that are UTF-8 bytes, some sequences short.

Each character of such a run maps back to one byte; walking the bytes as UTF-8 gives whole
sequences (decoded as they are), truncated ones (a lead byte with too few continuation bytes:
their candidates are every character the dropped bytes can complete) and invalid ones (the
run is not mojibake after all).
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from dataclasses import dataclass

DROPPED_BYTES: tuple[int, ...] = (0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E, 0xAD)
_UNUSABLE_CATEGORIES = frozenset({"Cn", "Co", "Cs", "Cc"})


def _build_char_to_byte() -> dict[str, int]:
    """Map each character of the cp1252 view (plus cp1254's Turkish letters) to its byte."""
    char_to_byte: dict[str, int] = {chr(value): value for value in range(0x80)}
    for value in range(0x80, 0x100):
        try:
            char_to_byte[bytes([value]).decode("cp1252")] = value
        except UnicodeDecodeError:
            continue
    for value in range(0x80, 0x100):
        try:
            char_to_byte.setdefault(bytes([value]).decode("cp1254"), value)
        except UnicodeDecodeError:
            continue
    return char_to_byte


_CHAR_TO_BYTE = _build_char_to_byte()


def _utf8_length(lead: int) -> int:
    """Number of bytes of a UTF-8 sequence starting with `lead` (0 when it cannot start one)."""
    if lead < 0x80:
        return 1
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _is_continuation(value: int) -> bool:
    return 0x80 <= value <= 0xBF


def _usable(char: str) -> bool:
    return unicodedata.category(char) not in _UNUSABLE_CATEGORIES


@functools.cache
def _candidates(sequence: bytes, length: int) -> tuple[str, ...]:
    """Characters a truncated UTF-8 sequence (lead + present continuation bytes) can have been."""
    lead, present = sequence[0], sequence[1:]
    missing = length - len(sequence)
    found: list[str] = []
    for slots in itertools.combinations(range(length - 1), missing):
        for inserted in itertools.product(DROPPED_BYTES, repeat=missing):
            tail = list(present)
            for slot, value in zip(slots, inserted, strict=True):
                tail.insert(slot, value)
            try:
                char = bytes([lead, *tail]).decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(char) == 1 and _usable(char) and char not in found:
                found.append(char)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Position:
    """One character of the repaired text: fixed, or a damaged one with its candidates."""

    original: str
    candidates: tuple[str, ...]
    damaged: bool = False


@dataclass(frozen=True, slots=True)
class RunAnalysis:
    positions: list[Position]
    complete_multibyte: int
    truncated: int
    invalid: int


def analyse_run(run: str) -> RunAnalysis:
    """Walk a run of byte-mappable characters as UTF-8, noting complete and truncated sequences."""
    data = bytes(_CHAR_TO_BYTE[char] for char in run)
    positions: list[Position] = []
    complete = truncated = invalid = 0
    index = 0
    while index < len(data):
        lead = data[index]
        length = _utf8_length(lead)
        if length == 1:
            positions.append(Position(run[index], (run[index],)))
            index += 1
            continue
        end = index + 1
        while end < len(data) and _is_continuation(data[end]) and end - index < length:
            end += 1
        original = run[index:end]
        if length == 0:
            invalid += 1
            positions.extend(Position(char, (char,)) for char in original)
        elif end - index == length:
            try:
                char = data[index:end].decode("utf-8")
                complete += 1
                positions.append(Position(original, (char,)))
            except UnicodeDecodeError:
                invalid += 1
                positions.extend(Position(char, (char,)) for char in original)
        else:
            options = _candidates(data[index:end], length)
            if options:
                truncated += 1
                positions.append(Position(original, options, damaged=True))
            else:
                invalid += 1
                positions.extend(Position(char, (char,)) for char in original)
        index = end
    return RunAnalysis(positions, complete, truncated, invalid)


def split_runs(text: str) -> list[tuple[bool, str]]:
    """Split text into (byte-mappable?, substring) runs; other characters cannot be mojibake."""
    runs: list[tuple[bool, str]] = []
    for mappable, chars in itertools.groupby(text, key=lambda char: char in _CHAR_TO_BYTE):
        runs.append((mappable, "".join(chars)))
    return runs


def run_is_damaged(analysis: RunAnalysis) -> bool:
    """Dropped-byte damage: UTF-8 structure throughout, some sequences whole, some truncated."""
    return analysis.truncated >= 1 and analysis.complete_multibyte >= 1 and analysis.invalid == 0


def looks_like_dropped_byte_mojibake(text: str) -> bool:
    """True when some run of the text is UTF-8-as-cp1252 with truncated sequences."""
    for mappable, run in split_runs(text):
        if mappable and any(ord(char) >= 0x80 for char in run) and run_is_damaged(analyse_run(run)):
            return True
    return False
