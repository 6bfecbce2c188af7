"""What the text stage calls: repair of a field, and of a whole page before extraction.

Most text has nothing to repair, so each step is preceded by a test that costs one regular-
expression search: `may_be_utf8_mojibake` before the dropped-byte analysis, and
`ftfy_may_change` before ftfy, whose own per-line passes cost more than the rest of the
repair. A page is repaired before extraction because extraction destroys evidence: the
no-break space that stands for byte 0xA0 becomes a plain space or disappears.
"""

from __future__ import annotations

import re
import unicodedata
from re import _parser as regex_parser  # the parser `re` itself uses, for a pattern's width

import ftfy
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES
from ftfy.chardata import HTML_ENTITY_RE

from news_pipeline.text.mojibake.detection import HTML_BREAKS, may_be_utf8_mojibake
from news_pipeline.text.mojibake.repair import repair_dropped_byte_mojibake

# Characters that some step of ftfy.fix_text (as configured below) acts on: control and C1
# characters, line separators, ligatures, byte-order marks, surrogates; and the HTML entities
# it decodes (its own HTML_ENTITY_RE: a bare "&", as in "AT&T", is left alone).
_FTFY_STEP_CHARS = (
    "\x00-\x08\x0b\x0d-\x1f\x7f-\x9f\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3"
    "\u2028\u2029\u206a-\u206f\ufb00-\ufb06\ufeff\ufff9-\ufffc\ud800-\udfff"
)
# ftfy's encoding fixes run only when its mojibake heuristic (`ftfy.badness.is_bad`) matches.
# Every pattern of that heuristic holds a character of one of these categories next to another
# non-ASCII character, or one of a few characters on their own (C1 controls, Œ œ Ã Â); the
# other categories (`common`, and curly quotes, dashes and the ellipsis) never match alone.
# Text without such a pair cannot be bad, and is_bad (a long regular expression) need not run.
_BADNESS_ANCHOR_CATEGORIES = (
    "c1",
    "bad",
    "law",
    "currency",
    "numeric",
    "kaomoji",
    "upper_accented",
    "lower_accented",
    "upper_common",
    "lower_common",
    "box",
)
_ANCHORS = "".join(MOJIBAKE_CATEGORIES[name] for name in _BADNESS_ANCHOR_CATEGORIES)
_MAY_BE_BAD = re.compile(
    f"[\x80-\x9fŒœÃÂ]|[{_ANCHORS}][\u0080-\U0010ffff]|[\u0080-\U0010ffff][{_ANCHORS}]"
)
_FTFY_STEP = re.compile(f"[{_FTFY_STEP_CHARS}]|{HTML_ENTITY_RE.pattern}")
# The longest match of ftfy's heuristic. It has no lookaround, and its one anchor (^) matches
# only at the real start of the text when searched between two positions: so a match near an
# anchor pair is found by searching the few characters around the pair, not the whole text.
_BADNESS_WIDTH = regex_parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags).getwidth()[1]


def _is_bad(text: str) -> bool:
    """`ftfy.badness.is_bad(text)`, asked only around the pairs `_MAY_BE_BAD` finds (every
    match of the heuristic holds one: test_mojibake_evidence checks every pair)."""
    return any(
        BADNESS_RE.search(text, max(0, pair.start() - _BADNESS_WIDTH), pair.end() + _BADNESS_WIDTH)
        for pair in _MAY_BE_BAD.finditer(text)
    )


def ftfy_may_change(text: str) -> bool:
    """False when `ftfy.fix_text` (as `repair_text` calls it) would return `text` unchanged:
    no character any of its steps acts on, NFC already, and not bad by its heuristic."""
    return (
        _FTFY_STEP.search(text) is not None
        or not unicodedata.is_normalized("NFC", text)
        or _is_bad(text)
    )


def repair_text(text: str) -> tuple[str, bool]:
    """ftfy's fixes plus the dropped-byte repair; returns (text, whether anything changed).

    The dropped-byte repair runs on the text as received, before ftfy: ftfy decodes the intact
    parts of such text and straightens the curly quotes among the mojibake bytes, which loses
    the bytes the repair needs. ftfy keeps full-width characters and curly quotes (its
    defaults would turn Chinese punctuation into ASCII).
    """
    repaired = repair_dropped_byte_mojibake(text) if may_be_utf8_mojibake(text) else text
    if ftfy_may_change(repaired):
        repaired = ftfy.fix_text(repaired, fix_character_width=False, uncurl_quotes=False)
    return repaired, repaired != text


def repair_html(html: str) -> tuple[str, bool]:
    """The page with its dropped-byte mojibake repaired, text node by text node (and in
    attribute values), while U+00A0 still stands where byte 0xA0 was. Markup is ASCII and
    passes through. Returns (html, whether anything changed)."""
    if not may_be_utf8_mojibake(html):
        return html, False
    repaired = repair_dropped_byte_mojibake(html, HTML_BREAKS)
    return repaired, repaired != html
