"""Grounding: figures with their units, versions, names, language and links (grounding.py)."""

from __future__ import annotations

import pytest

from news_pipeline.editor import EditorAnswer, Rejection, check_answer, latin_names, quantities

SOURCE_ZH = (
    "阿里巴巴开源了千问3.5旗舰模型Qwen3.5-397B-A17B，总参数3970亿，每次推理只激活170亿。"
    "部署显存占用下降60%，接口价格约为同级模型的1/18，支持201种语言。"
    "字节跳动的豆包2.0同日发布。OpenAI的GPT-5.2仍是对标对象。"
)
SOURCE_EN = (
    "Alibaba released Qwen3.5 on Monday. The model has 397 billion parameters, of which "
    "17 billion are active, and costs about a quarter of what rivals charge. Sam Altman "
    "said on Friday that India has 100 million weekly users."
)


def _answer(title: str, summary: str, insight: str = "这一发布值得关注。") -> EditorAnswer:
    return EditorAnswer(title=title, summary=summary, insight=insight)


def _values(text: str) -> set[tuple[float, bool]]:
    return {(round(q.value, 6), q.percent) for q in quantities(text)}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("3970亿", "397B"),
        ("397B", "397 billion"),
        ("1万亿", "1 trillion"),
        ("630亿", "63 billion"),
        ("100万", "1M"),
        ("1亿", "100 million"),
        ("六成", "60%"),
        ("百分之六十", "60 percent"),
        ("十八分之一", "1/18"),
        ("四分之一", "a quarter"),
        ("二十五万", "250,000"),
        ("两家", "two"),
    ],
)
def test_the_same_figure_in_other_units_and_scripts_is_equal(first: str, second: str) -> None:
    assert _values(first) & _values(second), (quantities(first), quantities(second))


def test_dates_times_years_and_versions_are_not_figures() -> None:
    text = "2026年2月15日晚8点，GPT-5.2与Qwen3.5-397B-A17B在Feb. 16, 2026 同台；on 14 February."
    assert quantities(text) == []


def test_a_percentage_is_not_a_plain_number() -> None:
    source = quantities("价格下降了60元。")
    assert not any(q.matches(p) for q in quantities("价格下降了60%。") for p in source)


def test_a_grounded_chinese_answer_passes() -> None:
    answer = _answer(
        "阿里开源千问3.5：总参数3970亿，仅激活170亿",
        "Qwen3.5-397B-A17B总参数397B，显存占用降低六成，价格约为同级模型的十八分之一。",
    )
    check_answer(answer, SOURCE_ZH, "zh")


@pytest.mark.parametrize(
    ("summary", "kind", "shown"),
    [
        ("千问3.5总参数4000亿。", "ungrounded_number", "4000亿"),
        ("显存占用下降70%。", "ungrounded_number", "70%"),
        ("推理吞吐提升19倍。", "ungrounded_number", "19"),
        ("它的对标对象是GPT-5。", "ungrounded_name", "GPT-5"),
        ("它超过了Gemini。", "ungrounded_name", "Gemini"),
        ("它超过了Gemini 3 Pro。", "ungrounded_number", "3"),
        ("Qwen3.6已经发布。", "ungrounded_name", "Qwen3.6"),
        ("详情见 https://qwen.example/blog 。", "unexpected_content", "https://"),
        ("详情见 qwen-blog.com 。", "unexpected_content", "qwen-blog.com"),
        ("千问3.5 <b>开源</b>了。", "unexpected_content", "<b"),
    ],
)
def test_what_no_article_says_is_rejected(summary: str, kind: str, shown: str) -> None:
    with pytest.raises(Rejection) as caught:
        check_answer(_answer("阿里开源千问3.5", summary), SOURCE_ZH, "zh")
    assert caught.value.kind == kind
    assert shown in caught.value.detail


def test_version_digits_must_match_exactly_but_spacing_may_differ() -> None:
    check_answer(_answer("OpenAI仍以GPT 5.2为对标", "豆包2.0同日发布。"), SOURCE_ZH, "zh")
    with pytest.raises(Rejection):
        check_answer(_answer("豆包2.1发布", "字节跳动发布了新模型。"), SOURCE_ZH, "zh")


def test_an_english_name_of_a_chinese_actor_is_grounded_by_its_chinese_name() -> None:
    answer = EditorAnswer(
        title="Alibaba open-sources Qwen3.5-397B-A17B",
        summary="ByteDance released Doubao 2.0 on the same day, while Alibaba opened its model.",
        insight="Chinese labs now compete on price.",
    )
    check_answer(answer, SOURCE_ZH, "en")
    with pytest.raises(Rejection, match="Tencent"):
        check_answer(
            EditorAnswer(
                title="Alibaba opens Qwen3.5", summary="Tencent followed.", insight="A shift."
            ),
            SOURCE_ZH,
            "en",
        )


def test_english_capitalised_words_are_names_only_where_english_makes_them_so() -> None:
    text = "Later, Alibaba and Steinberger met investors. Investors met Them in Hangzhou."
    assert latin_names(text, "en") == ["Alibaba", "Steinberger", "Them", "Hangzhou"]
    assert latin_names("Alibaba Releases Its New Model", "en", title=True) == ["Alibaba"]
    assert latin_names("OpenAI发布新模型，AI和App都有更新", "zh") == ["OpenAI"]


def test_english_answer_grounded_in_english_articles() -> None:
    answer = EditorAnswer(
        title="Alibaba Releases Qwen3.5",
        summary="Alibaba released Qwen3.5, a model with 397B parameters, 17B of them active. "
        "It costs about 25% of what rivals charge.",
        insight="Sam Altman's rivals face cheaper models.",
    )
    check_answer(answer, SOURCE_EN, "en")
    invented = EditorAnswer(
        title="Alibaba Releases Qwen3.5",
        summary="India has 200 million weekly users.",
        insight="Growth.",
    )
    with pytest.raises(Rejection, match="200 million"):
        check_answer(invented, SOURCE_EN, "en")


@pytest.mark.parametrize(
    ("language", "title", "summary"),
    [
        ("zh", "Alibaba releases Qwen3.5", "阿里发布了新模型。"),
        ("zh", "阿里发布千问3.5", "Alibaba released a new model on Monday."),
        ("en", "阿里发布千问3.5", "Alibaba released a new model."),
    ],
)
def test_the_answer_must_be_in_the_report_language(language: str, title: str, summary: str) -> None:
    insight = "值得关注。" if language == "zh" else "It matters."
    with pytest.raises(Rejection) as caught:
        answer = EditorAnswer(title=title, summary=summary, insight=insight)
        check_answer(answer, SOURCE_ZH, language)
    assert caught.value.kind == "wrong_language"
