"""Sentence splitting of Chinese, English and mixed text (sentences.py)."""

from __future__ import annotations

from news_pipeline.editorial import split_sentences


def test_chinese_terminators_each_end_a_sentence() -> None:
    text = "阿里发布了新模型。效果如何？值得一试！参数很多；价格很低……下一句"
    assert split_sentences(text) == [
        "阿里发布了新模型。",
        "效果如何？",
        "值得一试！",
        "参数很多；",
        "价格很低……",
        "下一句",
    ]


def test_closing_quotes_stay_with_their_sentence() -> None:
    text = (
        "他说：“这是开源第一。”随后演示开始。她答道「可以」』不算。记者问：『真的吗？』对方点头。"
    )
    sentences = split_sentences(text)
    assert sentences[0] == "他说：“这是开源第一。”"
    assert sentences[1] == "随后演示开始。"
    assert "记者问：『真的吗？』" in sentences
    assert sentences[-1] == "对方点头。"


def test_english_quote_after_period_closes_the_sentence() -> None:
    text = 'Altman said "the project stays open." Developers cheered.'
    assert split_sentences(text) == ['Altman said "the project stays open."', "Developers cheered."]


def test_decimals_and_versions_do_not_split() -> None:
    text = "Qwen3.5 beats GPT-5.2 on 3.5 of the tests. Kling 3.0 ships today."
    assert split_sentences(text) == [
        "Qwen3.5 beats GPT-5.2 on 3.5 of the tests.",
        "Kling 3.0 ships today.",
    ]


def test_abbreviations_and_initials_do_not_split() -> None:
    text = (
        "Dr. Lee of the U.S. lab, e.g. the one in Ohio, spoke to J. Smith. "
        "The talk ended at 5 p.m. sharp. Then questions followed."
    )
    assert split_sentences(text) == [
        "Dr. Lee of the U.S. lab, e.g. the one in Ohio, spoke to J. Smith.",
        "The talk ended at 5 p.m. sharp.",
        "Then questions followed.",
    ]


def test_ascii_exclamation_before_chinese_and_line_breaks_split() -> None:
    text = "Wow!这很快\n第二段没有句号\n\nThird paragraph?"
    assert split_sentences(text) == ["Wow!", "这很快", "第二段没有句号", "Third paragraph?"]


def test_mixed_chinese_sentence_with_english_period_inside() -> None:
    text = "模型名为Ling-2.5-1T，支持100万Token。它于2月16日开源。"
    assert split_sentences(text) == ["模型名为Ling-2.5-1T，支持100万Token。", "它于2月16日开源。"]


def test_empty_and_whitespace_text() -> None:
    assert split_sentences("") == []
    assert split_sentences("  \n \n") == []
