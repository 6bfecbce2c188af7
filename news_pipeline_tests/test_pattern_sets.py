"""A PatternSet answers exactly as its patterns searched one by one (or one alternation of
them) do (pattern_sets.py), including for the characters that IGNORECASE treats specially,
and for sets of case-sensitive patterns."""

from __future__ import annotations

import random
import re
import sys

import pytest

from news_pipeline.editorial import vocabulary
from news_pipeline.pattern_sets import (
    UNFOLDED_ASCII_EQUIVALENTS,
    PatternSet,
    required_literals,
)
from news_pipeline.text.boilerplate import load_boilerplate_rules

FURNITURE = vocabulary.boilerplate_sentence_patterns()


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


def test_every_character_ignorecase_equates_with_an_ascii_letter_is_known() -> None:
    # The substring tests run on text.lower(): a character that IGNORECASE matches to an
    # ASCII letter must lower-case to it, or be one the set sends to the alternation.
    every_character = "".join(
        chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF
    )
    equivalents = re.findall("[a-z]", every_character, re.IGNORECASE)
    unfolded = {
        char for char in equivalents if not (len(char.lower()) == 1 and "a" <= char.lower() <= "z")
    }
    assert unfolded == set(UNFOLDED_ASCII_EQUIVALENTS)


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\bsubscribe\b", {"subscribe"}),
        (r"^tags?:", {"tag"}),
        (r"\bshare (this|on)\b", {"share "}),
        ("(?:下载|打开)[^，。！]{0,12}(?:APP|App|客户端)", {"app", "客户端"}),
        ("(图片|图源)(来源|来自)", {"图"}),  # the parser factors out the common prefix
        (r"\d{4}", None),
        (r"(?:foo)?bar", {"bar"}),
        ("caf[eé]", {"caf"}),
        ("Éte", {"te"}),
    ],
)
def test_required_literals_are_what_every_match_contains(
    pattern: str, literals: set[str] | None
) -> None:
    parsed = re.compile(pattern, re.IGNORECASE)  # valid
    from re import _parser

    found = required_literals(_parser.parse(parsed.pattern, re.IGNORECASE).data)
    assert (set(found) if found is not None else None) == literals


@pytest.mark.parametrize(
    "text",
    [
        "Please SUBSCRIBE to our newsletter",
        "SUBSCRİBE now",  # dotted capital I: IGNORECASE matches it to i, lower() does not
        "ſign up today",  # long s
        "Tags: ai, chips",
        "责任编辑：王小明",
        "下载新浪财经APP，看更多",
        "打开客户端阅读",
        "【快讯】",
        "A plain sentence about a model release.",
        "Montag, 3. Juni: Tag der offenen Tür",
        "",
    ],
)
def test_furniture_patterns_answer_as_the_alternation(text: str) -> None:
    assert PatternSet(FURNITURE).search(text) == bool(_alternation(FURNITURE).search(text))


def test_random_texts_get_the_alternations_answer() -> None:
    pieces = [
        *("subscribe", "SUBSCRİBE", "subſcribe", "Sign Up", "COOKİES", "Copyright 2020"),
        *("责任编辑", "编辑：", "下载新浪财经APP", "tags:", "Editing by", "photo: ", "share on"),
        *("ı", "İ", "K", "the", "。", " ", "中文", "1999", "-", "a"),
    ]
    patterns = PatternSet(FURNITURE)
    alternation = _alternation(FURNITURE)
    rng = random.Random(14)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        assert patterns.search(text) == bool(alternation.search(text)), text


def test_case_sensitive_rules_answer_as_searching_each_pattern() -> None:
    # boilerplate.yaml mixes (?i) patterns with case-sensitive ones (APP|App|app): the set is
    # built with flags=0 and must answer as one search per pattern, as compiled
    rules = load_boilerplate_rules().generic
    patterns = [pattern.pattern for pattern in (*rules.drop_line, *rules.cut_from)]
    pieces = [
        *("Copyright 2026", "COPYRIGHT", "All Rights Reserved", "Editing by Jane Doe", "via:"),
        *("Source: Wire", "SOURCE:", "Follow us", "follow US", "Share on X", "Facebook", "Email"),
        *("责任编辑", "編輯：", "原创文章，作者：", "如若转载", "请注明出处", "下载", "App", "APP"),
        *("İ", "ſ", "K", " ", "。", "：", "(c)", "©", "2025", "a", "the", "\u3000"),
    ]
    compiled = [re.compile(pattern) for pattern in patterns]
    pattern_set = PatternSet(patterns, flags=0)
    rng = random.Random(12)
    matched = 0
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 7)))
        expected = any(pattern.search(text) for pattern in compiled)
        matched += expected
        assert pattern_set.search(text) == expected, text
    assert 100 < matched < 4900  # both answers were exercised
