"""The taxonomy's term search finds what one alternation of all its terms would find."""

from __future__ import annotations

import random
import re

from news_pipeline.editorial.taxonomy import _term_pattern, _TermSet

TERMS = [
    "model",
    "language",
    "language model",
    "Large Language Model",
    "AI",
    "agent",
    "GPU",
    "GPU cluster",
    "大模型",
    "模型",
    "机器",
    "机器人",
    "人形机器人",
    "aa",
    "chip",
]
FRAGMENTS = [
    "model",
    "models",
    "Models",
    "language  model",
    "language\nmodel",
    "large language model",
    "Large Language Model",
    "AI",
    "ai",
    "RAID",
    "agents",
    "agentic",
    "GPU4",
    "GPU clusters",
    "机器学习",
    "大模型",
    "模型",
    "人形机器人",
    "机器人",
    "aaa",
    "aaaa",
    "chips",
    "chipset",
    "İstanbul",
    " ",
    "，",
    "-",
    "x",
]


def alternation_spans(text: str) -> list[tuple[int, int, str]]:
    ordered = sorted(dict.fromkeys(TERMS), key=len, reverse=True)
    pattern = re.compile("|".join(_term_pattern(term, False) for term in ordered))
    return [(match.start(), match.end(), match.group(0)) for match in pattern.finditer(text)]


def test_spans_are_the_alternations_on_generated_texts() -> None:
    terms = _TermSet([(term, "", False, 1.0) for term in TERMS])
    generator = random.Random(20261130)
    for _ in range(2000):
        text = "".join(generator.choice(FRAGMENTS) for _ in range(generator.randint(1, 12)))
        assert terms.spans(text) == alternation_spans(text), text


def test_a_text_that_lower_case_lengthens_is_still_searched() -> None:
    terms = _TermSet([(term, "", False, 1.0) for term in TERMS])
    text = "İstanbul: a model of 大模型"
    assert len(text.lower()) != len(text)
    assert terms.spans(text) == alternation_spans(text) != []
