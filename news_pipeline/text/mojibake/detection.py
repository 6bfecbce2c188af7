"""Finding the damage: runs of cp1252 characters that are UTF-8 bytes, some sequences short.

Each character of such a run maps back to one byte; walking the bytes as UTF-8 gives whole
sequences (decoded as they are), truncated ones (a lead byte with too few continuation bytes:
their candidates are every character the dropped bytes can complete) and invalid ones (the
run is not mojibake after all).

Byte 0xA0 reads as U+00A0 (no-break space), which HTML extraction and whitespace clean-up turn
into a plain space or strip at a line's end. The walk therefore takes a space inside a
sequence (a continuation byte follows it) as that byte, and lets a truncated sequence before a
space or at a line's end also be completed by 0xA0 (the space is then its byte, not a space).

`may_be_utf8_mojibake` is the cheap test that runs first: one regular-expression search for
the lead character of a three- or four-byte sequence followed by a continuation character.
Damage needs such a pair (a truncated sequence that kept a continuation byte), so a text
without one is never analysed; only the lines (text nodes, in HTML) that hold one are.
Evidence of damage is counted on what cannot be Latin text: whole sequences read without a
space standing in, and truncated ones that kept a continuation byte; a sequence cut short by a
letter of another code page ("â€ś", UTF-8 read as cp1250) makes its run invalid.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass, field

DROPPED_BYTES: tuple[int, ...] = (0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E, 0xAD)
NO_BREAK_BYTE = 0xA0
_SPACE = 0x20
# Characters below this (Latin-1, Latin Extended, IPA, Greek, Cyrillic) that cp1252 lacks are
# what other single-byte code pages make of UTF-8.
_OTHER_CODE_PAGE_END = 0x0530
_UNUSABLE_CATEGORIES = frozenset({"Cn", "Co", "Cs", "Cc"})
# Characters that end a line of the repair: a damaged sequence never spans one.
LINE_BREAKS = "\n"
# In an HTML document, markup ends a text node as a line break ends a line.
HTML_BREAKS = "\n<>"


def _build_char_to_byte() -> dict[str, int]:
    """Map each character of the cp1252 view (plus cp1254's Turkish letters, and the C1
    controls of the Latin-1 view, which is how bytes undefined in cp1252 are often kept) to
    its byte."""
    char_to_byte: dict[str, int] = {chr(value): value for value in range(0xA0)}
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
# The same map as a str.translate table (the bytes as Latin-1 characters), so that a run's
# bytes come from two C calls, and ASCII stretches, each character its own position.
_TO_BYTE_TABLE = str.maketrans({char: chr(value) for char, value in _CHAR_TO_BYTE.items()})
_ASCII_STRETCH = re.compile(r"[\x00-\x7f]+")


def _char_class(low: int, high: int) -> str:
    chars = sorted(char for char, value in _CHAR_TO_BYTE.items() if low <= value <= high)
    return "".join(re.escape(char) for char in chars)


# The lead byte of a three- or four-byte sequence (0xE0-0xF4: Han, kana, emoji, CJK punctuation)
# followed by a continuation byte (0x80-0xBF). Damage needs such a pair: a truncated sequence
# that kept a continuation byte is one, and two-byte sequences (Latin letters) are left to ftfy.
_LEAD_THEN_CONTINUATION = re.compile(f"[{_char_class(0xE0, 0xF4)}][{_char_class(0x80, 0xBF)}]")


def may_be_utf8_mojibake(text: str) -> bool:
    """The cheap test: False means `text` holds no trace of a three- or four-byte UTF-8
    sequence read through cp1252, so it cannot have dropped-byte damage and no costlier
    analysis needs to run."""
    return _LEAD_THEN_CONTINUATION.search(text) is not None


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
    if missing < 0:
        return ()
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
    """One character of the repaired text: fixed, or a damaged one with its candidates.

    `spaced` holds the candidates after which a space follows: the space that came after the
    damaged sequence was a real one for them, while the other candidates took it as byte 0xA0.
    """

    original: str
    candidates: tuple[str, ...]
    damaged: bool = False
    spaced: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class RunAnalysis:
    """The positions of a run and its counts of sequences: whole, truncated, invalid. Only
    the `evident` ones are evidence of damage: whole ones read without a space standing for
    0xA0, and truncated ones that kept a continuation byte (a bare accented letter before an
    ASCII one, "ät", is what Latin text looks like, not damage)."""

    positions: list[Position]
    complete_multibyte: int
    truncated: int
    invalid: int
    evident_complete: int = 0
    evident_truncated: int = 0


@functools.cache
def _plain_position(char: str) -> Position:
    return Position(char, (char,))


def _plain_positions(chars: str) -> list[Position]:
    """Positions of characters read as themselves (frozen, so one per character is shared)."""
    return list(map(_plain_position, chars))


def analyse_run(run: str, following: str = "") -> RunAnalysis:
    """Walk a run of byte-mappable characters as UTF-8, noting complete and truncated sequences.

    A space inside a sequence counts as byte 0xA0; a truncated sequence before a space, or at
    the end of a line (`following` is the character after the run, "" at a line's end), may
    also have ended in 0xA0 (see the module's docstring). A sequence cut short by a letter of
    another single-byte code page ("â€ś": UTF-8 read as cp1250) is invalid: that text is
    mojibake of another kind, which ftfy repairs.
    """
    data = run.translate(_TO_BYTE_TABLE).encode("latin-1")
    positions: list[Position] = []
    complete = truncated = invalid = evident_complete = evident_truncated = 0
    index = 0
    while index < len(data):
        length = _utf8_length(data[index])
        if length == 1:  # ASCII: a long script or style text node is mostly this
            end = _ASCII_STRETCH.match(run, index).end()  # type: ignore[union-attr]
            positions.extend(_plain_positions(run[index:end]))
            index = end
            continue
        sequence, end = _take_sequence(data, index, length)
        position: Position | None = None
        if len(sequence) == length:
            try:
                position = Position(run[index:end], (sequence.decode("utf-8"),))
                complete += 1
                evident_complete += " " not in run[index:end]
            except UnicodeDecodeError:
                position = None
        elif length:
            kept_continuation = len(sequence) >= 2 and " " not in run[index:end]
            position, end = _truncated(sequence, length, run, index, end, following)
            truncated += position is not None
            evident_truncated += position is not None and kept_continuation
        if position is None:
            invalid += 1
            positions.extend(Position(char, (char,)) for char in run[index:end])
        else:
            positions.append(position)
        index = end
    return RunAnalysis(positions, complete, truncated, invalid, evident_complete, evident_truncated)


def _take_sequence(data: bytes, index: int, length: int) -> tuple[bytes, int]:
    """The bytes of the sequence starting at `index` (a space between continuation bytes read
    as 0xA0) and the index after it."""
    sequence = bytearray(data[index : index + 1])
    end = index + 1
    while end < len(data) and len(sequence) < length:
        if _is_continuation(data[end]):
            sequence.append(data[end])
        elif data[end] == _SPACE and end + 1 < len(data) and _is_continuation(data[end + 1]):
            sequence.append(NO_BREAK_BYTE)
        else:
            break
        end += 1
    return bytes(sequence), end


def _truncated(
    sequence: bytes, length: int, run: str, start: int, end: int, following: str
) -> tuple[Position | None, int]:
    """The damaged position of a short sequence `run[start:end]`, and where the walk goes on.

    Before a space, the candidates completed with 0xA0 take the space as their byte; the
    others keep it (`Position.spaced`). At a line's end, 0xA0 may have been stripped.
    """
    dropped = _candidates(sequence, length)
    followed_by_space = end < len(run) and run[end] == " "
    if end == len(run) and following and ord(following) < _OTHER_CODE_PAGE_END:
        return None, end
    if not followed_by_space and (end < len(run) or following):
        return (Position(run[start:end], dropped, damaged=True) if dropped else None), end
    with_a0 = _candidates(sequence + bytes([NO_BREAK_BYTE]), length)
    options = dropped + tuple(char for char in with_a0 if char not in dropped)
    if not options:
        return None, end
    if not followed_by_space:
        return Position(run[start:end], options, damaged=True), end
    spaced = frozenset(dropped)
    return Position(run[start : end + 1], options, damaged=True, spaced=spaced), end + 1


def split_runs(text: str, breaks: str = LINE_BREAKS) -> list[tuple[bool, str]]:
    """Split text into (byte-mappable?, substring) runs; other characters cannot be mojibake,
    and a run never spans one of `breaks`."""

    def mappable(char: str) -> bool:
        return char in _CHAR_TO_BYTE and char not in breaks

    return [(kind, "".join(chars)) for kind, chars in itertools.groupby(text, key=mappable)]


def run_is_damaged(analysis: RunAnalysis) -> bool:
    """Dropped-byte damage: UTF-8 structure throughout, some sequences evidently whole, some
    evidently truncated."""
    return (
        analysis.evident_truncated >= 1 and analysis.evident_complete >= 1 and analysis.invalid == 0
    )


def run_has_mojibake(analysis: RunAnalysis) -> bool:
    """A run worth decoding once the text is known to be damaged: UTF-8 structure throughout."""
    return analysis.invalid == 0 and (analysis.truncated + analysis.complete_multibyte) >= 1


@dataclass(frozen=True, slots=True)
class Segment:
    """A line (or, in HTML, a text node) and, when it holds a trace of mojibake, its runs with
    their analyses (None for runs that cannot be mojibake). `runs` is None for a segment
    without a trace: it passes through untouched and costs nothing to analyse."""

    text: str
    runs: list[tuple[str, RunAnalysis | None]] | None = None


def _analyse_segment(segment: str, breaks: str) -> list[tuple[str, RunAnalysis | None]]:
    runs = split_runs(segment, breaks)
    analysed: list[tuple[str, RunAnalysis | None]] = []
    for number, (mappable, run) in enumerate(runs):
        if not mappable or run.isascii():
            analysed.append((run, None))
            continue
        following = runs[number + 1][1][0] if number + 1 < len(runs) else ""
        analysed.append((run, analyse_run(run, following)))
    return analysed


def analyse(text: str, breaks: str = LINE_BREAKS) -> list[Segment]:
    """`text` cut at `breaks` into segments; only those holding a trace of mojibake (the cheap
    test's match) are analysed run by run, the text between them is one plain segment."""
    segments: list[Segment] = []
    done = 0
    for match in _LEAD_THEN_CONTINUATION.finditer(text):
        if match.start() < done:
            continue
        start = max(text.rfind(char, done, match.start()) for char in breaks) + 1
        start = max(start, done)
        ends = [end for char in breaks if (end := text.find(char, match.end())) >= 0]
        end = min(ends, default=len(text))
        if start > done:
            segments.append(Segment(text[done:start]))
        segments.append(Segment(text[start:end], _analyse_segment(text[start:end], breaks)))
        done = end
    if done < len(text):
        segments.append(Segment(text[done:]))
    return segments


def is_damaged(segments: list[Segment]) -> bool:
    return any(
        analysis is not None and run_is_damaged(analysis)
        for segment in segments
        for _, analysis in segment.runs or ()
    )


def looks_like_dropped_byte_mojibake(text: str, breaks: str = LINE_BREAKS) -> bool:
    """True when some run of the text is UTF-8-as-cp1252 with truncated sequences."""
    return may_be_utf8_mojibake(text) and is_damaged(analyse(text, breaks))
