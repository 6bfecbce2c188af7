"""Thin pages: a video's caption among player chrome, or a paywall teaser, is not an article.

Such a page has a title and a sentence or two, enough to pass the length floors, and would
become a story of its own or, worse, the lead and summary of one. It is recognised from the
page itself: the prose its text holds once chrome lines are set aside (measured in Latin-
equivalent characters, a CJK character counting 2.5), and evidence that it is a video page
(og:type video, player markup, a "视频｜" title, player chrome in the text) or a paywall
(schema.org's isAccessibleForFree false, paywall containers, "subscribe to continue reading").
The patterns and limits are in data/thin_pages.yaml. The HTML is only searched when the prose
is short enough for the page to be thin at all.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from news_pipeline.cjk import CJK_LETTER_RANGES, character_class
from news_pipeline.datafiles import load_data_yaml
from news_pipeline.text.boilerplate import simplified_view

CJK_WEIGHT = 2.5
# A line reads as prose when it holds a sentence: sentence punctuation and some length, or
# simply a long line.
_SENTENCE_MARK = re.compile(r"[。！？；!?;…]|[.](?:\s|$)")
MIN_SENTENCE_SIZE = 30
MIN_LONG_LINE_SIZE = 120
_CJK_LETTER = re.compile(character_class(CJK_LETTER_RANGES))

REASON_VIDEO = "video page"
REASON_PAYWALL = "paywall teaser"


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


@dataclass(frozen=True)
class ThinPageRules:
    max_video_prose: int
    max_paywall_prose: int
    video_markup: tuple[re.Pattern[str], ...]
    video_title: tuple[re.Pattern[str], ...]
    video_chrome: tuple[re.Pattern[str], ...]
    paywall_declared: tuple[re.Pattern[str], ...]
    paywall_markup: tuple[re.Pattern[str], ...]
    paywall_truncated: re.Pattern[str]
    paywall_text: tuple[re.Pattern[str], ...]


@functools.cache
def load_thin_page_rules() -> ThinPageRules:
    """data/thin_pages.yaml, compiled once per process."""
    data: dict[str, Any] = load_data_yaml("thin_pages.yaml")
    return ThinPageRules(
        max_video_prose=int(data["max_prose"]["video"]),
        max_paywall_prose=int(data["max_prose"]["paywall"]),
        video_markup=_compile(data["video"]["markup"]),
        video_title=_compile(data["video"]["title"]),
        video_chrome=_compile(data["video"]["chrome"]),
        paywall_declared=_compile(data["paywall"]["declared"]),
        paywall_markup=_compile(data["paywall"]["markup"]),
        paywall_truncated=re.compile(data["paywall"]["truncated"]),
        paywall_text=_compile(data["paywall"]["text"]),
    )


def latin_equivalent_size(text: str) -> int:
    """Characters, a CJK letter counting CJK_WEIGHT (it carries about as much as that)."""
    return round(len(text) + (CJK_WEIGHT - 1) * len(_CJK_LETTER.findall(text)))


def _any(patterns: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    """The first match of any pattern in `text` or in its Simplified view."""
    view = simplified_view(text)
    for pattern in patterns:
        match = pattern.search(view) or (pattern.search(text) if view != text else None)
        if match:
            return match
    return None


def _in_html(patterns: tuple[re.Pattern[str], ...], html: str) -> bool:
    return any(pattern.search(html) for pattern in patterns)


def prose_size(text: str, rules: ThinPageRules) -> int:
    """Latin-equivalent characters of the lines of `text` that read as prose, player chrome
    and short unpunctuated lines (headings, navigation, bylines) left out."""
    total = 0
    for line in text.split("\n"):
        size = latin_equivalent_size(line.strip())
        is_sentence = size >= MIN_SENTENCE_SIZE and _SENTENCE_MARK.search(line) is not None
        if (is_sentence or size >= MIN_LONG_LINE_SIZE) and not _any(rules.video_chrome, line):
            total += size
    return total


def _video_evidence(
    html: str, title: str, raw_text: str, pagetype: str | None, rules: ThinPageRules
) -> list[str]:
    """What says the page is a video page: og:type, its title or player chrome in its text
    (a player in the markup alone does not: articles embed them)."""
    evidence = []
    if (pagetype or "").lower().startswith("video"):
        evidence.append(f"og:type {pagetype}")
    if _any(rules.video_title, title):
        evidence.append("video title")
    if _any(rules.video_chrome, raw_text):
        evidence.append("player chrome in the text")
    if evidence and _in_html(rules.video_markup, html):
        evidence.append("player markup")
    return evidence


def _paywall_evidence(html: str, raw_text: str, text: str, rules: ThinPageRules) -> list[str]:
    """What says the text is a teaser: a call to subscribe in it, the publisher's
    isAccessibleForFree false, or a paywall container with a text that ends cut off."""
    evidence = []
    marker = _any(rules.paywall_text, raw_text)
    if marker:
        evidence.append(f"“{marker.group(0)}”")
    if _in_html(rules.paywall_declared, html):
        evidence.append("isAccessibleForFree false")
    if rules.paywall_truncated.search(text) and _in_html(rules.paywall_markup, html):
        evidence.append("paywall markup, text cut off")
    return evidence


def thin_page_reason(
    html: str,
    title: str,
    raw_text: str,
    text: str,
    pagetype: str | None,
    rules: ThinPageRules | None = None,
) -> str | None:
    """Why the page is thin (a sentence for excluded_detail), or None when it is an article.

    `raw_text` is the extracted text before boilerplate removal (where a paywall's call to
    subscribe still is), `text` the cleaned text whose prose is measured.
    """
    rules = rules or load_thin_page_rules()
    prose = prose_size(text, rules)
    if prose >= max(rules.max_video_prose, rules.max_paywall_prose):
        return None
    if prose < rules.max_paywall_prose:
        paywall = _paywall_evidence(html, raw_text, text, rules)
        if paywall:
            return (
                f"{REASON_PAYWALL}: {prose} characters of prose before the paywall "
                f"({'; '.join(paywall)})"
            )
    if prose < rules.max_video_prose:
        video = _video_evidence(html, title, raw_text, pagetype, rules)
        if video:
            return (
                f"{REASON_VIDEO}: {prose} characters of caption besides player chrome "
                f"({'; '.join(video)})"
            )
    return None
