"""Key facts: numbers with their units, never years or plain text (key_facts.py)."""

from __future__ import annotations

from news_pipeline.editorial import extract_key_facts, split_sentences
from news_pipeline.editorial.key_facts import story_key_facts


def test_key_facts_find_numbers_with_units_in_chinese() -> None:
    text = (
        "阿里今天开源了新一代千问模型。"
        "旗舰版总参数达3970亿参数，推理时只激活其中一小部分。"
        "接口价格仅为同级别模型的1/18。"
        "模型可以一次读入100万 Token 的上下文。"
        "发布会在杭州举行，现场气氛热烈。"
    )
    facts = extract_key_facts(text, "zh")
    assert facts == [
        "旗舰版总参数达3970亿参数，推理时只激活其中一小部分。",
        "接口价格仅为同级别模型的1/18。",
        "模型可以一次读入100万 Token 的上下文。",
    ]


def test_key_facts_find_money_and_model_sizes_in_english() -> None:
    text = (
        "The startup was founded three years ago in Paris. "
        "It raised $2B from investors led by a sovereign fund. "
        "Its newest model, Atlas-397B, has 397B parameters in total. "
        "The team plans to hire more engineers soon."
    )
    facts = extract_key_facts(text, "en")
    assert facts == [
        "It raised $2B from investors led by a sovereign fund.",
        "Its newest model, Atlas-397B, has 397B parameters in total.",
    ]


def test_key_facts_mixed_currency_and_limit() -> None:
    text = (
        "银河通用完成10亿美元融资。"
        "公司估值超过30亿美元。"
        "今年计划交付1000台机器人。"
        "工厂面积扩大到2万平方米，员工增加到800人。"
        "创始人没有透露更多细节。"
    )
    facts = extract_key_facts(text, "zh", max_facts=2)
    assert len(facts) == 2
    assert all(fact in split_sentences(text) for fact in facts)


def test_years_and_plain_text_are_not_facts() -> None:
    assert extract_key_facts("2026年春节期间，许多公司发布了新产品。大家都很期待。", "zh") == []
    assert extract_key_facts("Nothing here has a figure in it at all.", "en") == []


def test_story_facts_take_the_lead_first_then_what_other_members_add() -> None:
    lead = "阿里发布千问3.5，旗舰版总参数达3970亿参数。发布会在杭州举行。"
    repeated = "千问3.5旗舰版总参数达3970亿参数。"
    new_fact = "接口价格仅为同级别模型的1/18。"
    facts = story_key_facts(lead, [repeated, new_fact], "zh", max_facts=4)
    assert facts == ["阿里发布千问3.5，旗舰版总参数达3970亿参数。", new_fact]
    assert story_key_facts(lead, [repeated, new_fact], "zh", max_facts=1) == [facts[0]]
