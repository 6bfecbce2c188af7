"""Repair of UTF-8 text that was decoded as cp1252 and lost some of its bytes.

Seed 003 shows the damage: every byte >= 0x80 of the UTF-8 text went through cp1252 (cp1254
for the lead byte of 4-byte emoji, hence 'ğ'), and the bytes cp1252 leaves undefined or
invisible (0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E, 0xAD) were dropped. They are all UTF-8
continuation bytes, so each damaged character is a lead byte with too few continuation bytes.
ftfy cannot restore missing bytes; `detection` enumerates the characters each damaged one can
have been, and `repair` lets a word-segmentation language model of Chinese (`word_model`)
choose among them, jointly over a whole line (Viterbi over words, their parts of speech and
open brackets). `fixing` is what the text stage calls: a field, or a whole page before
extraction, each behind a one-search test, so clean text costs almost nothing; the model
loads on the first damaged line that needs it, not on import.
"""

from news_pipeline.text.mojibake.detection import (
    looks_like_dropped_byte_mojibake,
    may_be_utf8_mojibake,
)
from news_pipeline.text.mojibake.fixing import ftfy_may_change, repair_html, repair_text
from news_pipeline.text.mojibake.repair import repair_dropped_byte_mojibake

__all__ = [
    "ftfy_may_change",
    "looks_like_dropped_byte_mojibake",
    "may_be_utf8_mojibake",
    "repair_dropped_byte_mojibake",
    "repair_html",
    "repair_text",
]
