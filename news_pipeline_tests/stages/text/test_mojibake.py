"""Dropped-byte mojibake repair: accuracy floor on our own text, and no harm to clean text."""

from __future__ import annotations

import difflib

import pytest

from news_pipeline.text.mojibake import (
    looks_like_dropped_byte_mojibake,
    repair_dropped_byte_mojibake,
    repair_text,
)
from news_pipeline_tests.paths import TEST_DATA_DIR

EVAL_DIR = TEST_DATA_DIR / "mojibake"
# Bytes that seed 003 lost: undefined in cp1252, or invisible there (soft hyphen), or dropped.
LOST_BYTES = frozenset({0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E, 0xAD})

CLEAN_TEXTS = [
    "阿里发布新一代开源模型，推理成本下降六成；业内人士称“价格战还会继续”。",
    "微軟證實將自行研發前沿模型，並表示「不會一刀切」。",
    "全角标点：（一）【重要】！？；：、“引号”——《书名》……１２３ＡＢＣ",
    "He said “the model is ready” — it’s a naïve café test, façade and jalapeño.",
    "今日重点 🔍🚀🤖 与 👨‍💻 程序员、⚠️ 风险提示 ❤️",
    'Code sample: text.replace("â€", "") strips a broken prefix.',
    "Plain ASCII line with numbers 3.5 and 397B, nothing else.",
    "Ellipsis… bullet • degree 25°C and € 30 and © 2026.",
]


def damage(text: str) -> str:
    """Seed 003's damage: UTF-8 bytes read as cp1252 (cp1254 for 4-byte leads), some lost."""
    out: list[str] = []
    for value in text.encode("utf-8"):
        if value in LOST_BYTES:
            continue
        if value < 0x80:
            out.append(chr(value))
        else:
            out.append(bytes([value]).decode("cp1254" if value >= 0xF0 else "cp1252"))
    return "".join(out)


def damaged_char_accuracy(original: str, repaired: str) -> tuple[int, int]:
    """(exact, total) over the original characters that lost a byte, after alignment."""
    matcher = difflib.SequenceMatcher(None, original, repaired, autojunk=False)
    kept: set[int] = set()
    for block in matcher.get_matching_blocks():
        kept.update(range(block.a, block.a + block.size))
    damaged = [
        index
        for index, char in enumerate(original)
        if any(value in LOST_BYTES for value in char.encode("utf-8"))
    ]
    return sum(index in kept for index in damaged), len(damaged)


def test_damage_reproduces_seed_003_features() -> None:
    damaged = damage("好萊塢 🎯 重點")
    assert "ğ" in damaged
    assert "\x90" not in damaged
    assert "å¥½" in damaged


def test_eval_text_floor() -> None:
    exact = total = 0
    for name in ("simplified", "traditional"):
        original = (EVAL_DIR / f"{name}.txt").read_text(encoding="utf-8")
        repaired, changed = repair_text(damage(original))
        assert changed
        file_exact, file_total = damaged_char_accuracy(original, repaired)
        assert file_total > 400
        exact += file_exact
        total += file_total
    assert exact / total >= 0.98


def test_eval_text_is_large_enough() -> None:
    simplified = (EVAL_DIR / "simplified.txt").read_text(encoding="utf-8")
    traditional = (EVAL_DIR / "traditional.txt").read_text(encoding="utf-8")
    assert len(simplified) + len(traditional) >= 5000
    assert "這" in traditional and "这" not in traditional
    assert "这" in simplified and "這" not in simplified


@pytest.mark.parametrize("text", CLEAN_TEXTS)
def test_clean_text_unchanged(text: str) -> None:
    assert not looks_like_dropped_byte_mojibake(text)
    assert repair_dropped_byte_mojibake(text) == text
    assert repair_text(text) == (text, False)


def test_full_width_punctuation_preserved() -> None:
    text = "ＡＩ週報：「測試」！（１２３）、【快訊】"
    assert repair_text(text) == (text, False)
    damaged_title = damage("模型评测：（一）准确率！")
    repaired, changed = repair_text(damaged_title)
    assert changed
    assert repaired == "模型评测：（一）准确率！"


def test_emoji_with_turkish_lead_byte_repaired() -> None:
    original = "## 🎯 本周重点"
    damaged = damage(original)
    assert damaged.startswith("## ğŸ")
    assert looks_like_dropped_byte_mojibake(damaged)
    assert repair_text(damaged) == (original, True)


def test_short_damaged_title_repaired() -> None:
    original = "开源模型再降价，推理成本下降六成"
    damaged = damage(original)
    assert looks_like_dropped_byte_mojibake(damaged)
    assert repair_dropped_byte_mojibake(damaged) == original


@pytest.mark.parametrize(
    "original",
    [
        # A damaged word before ASCII digits: digits continue only an ASCII number for free.
        "部署成本降低 40%",
        "新版显存占用降低 60%，速度翻倍",
        # A classifier after a numeral (jieba's tables tag "500台" as one numeral word).
        "工厂的月产能从30台提高到500台",
        "他们采购了200台机器人",
    ],
)
def test_word_before_number_and_classifier_after_numeral(original: str) -> None:
    assert repair_dropped_byte_mojibake(damage(original)) == original


def test_modern_vocabulary() -> None:
    original = "通义千问新版本上线，智能体生态继续扩大"
    assert repair_dropped_byte_mojibake(damage(original)) == original


def test_quotes_closed_in_traditional_text() -> None:
    original = "他說：「我們大概完了。」業界隨即回應。"
    assert repair_text(damage(original)) == (original, True)


def test_only_damaged_runs_are_touched() -> None:
    clean_line = "这一行本来就是正常的中文。"
    damaged_line = damage("模型价格下降六成，开发者反应热烈。")
    repaired, changed = repair_text(f"{clean_line}\n{damaged_line}")
    assert changed
    assert repaired == f"{clean_line}\n模型价格下降六成，开发者反应热烈。"
