"""Extractive summaries: budgets, whole sentences, cluster support, furniture (summaries.py)."""

from __future__ import annotations

import pytest

from news_pipeline.editorial import split_sentences, summarize_story, text_length

ZH_LEAD = (
    "阿里巴巴在除夕前发布了千问3.5系列开源模型，旗舰版总参数3970亿，每次推理激活170亿。"
    "官方表示这一代模型部署所需显存下降六成，推理吞吐最高提升19倍。"
    "团队还公布了百万Token输入仅需0.8元的接口价格，约为同级模型的十八分之一。"
    "新模型支持201种语言，词表扩大到25万个词元。"
    "责任编辑：王小明。"
)


def test_summary_respects_chinese_budget_and_uses_whole_lead_sentences() -> None:
    summary = summarize_story(ZH_LEAD, [], "zh", budget_chars=120)
    assert summary
    assert text_length(summary, "zh") <= 120
    lead_sentences = split_sentences(ZH_LEAD)
    for sentence in split_sentences(summary):
        assert sentence in lead_sentences


def test_summary_respects_english_word_budget() -> None:
    lead = (
        "Ant Group released Ling-2.5-1T, a model with one trillion parameters, on Monday. "
        "The model reads up to one million tokens of context in a single request. "
        "Its training corpus grew from 20 trillion to 29 trillion tokens this year. "
        "The company says its answers use about a quarter of the tokens of rival thinking "
        "models at similar accuracy. "
        "Developers can download the weights from Hugging Face under a permissive license."
    )
    summary = summarize_story(lead, [], "en", budget_words=30)
    assert 0 < len(summary.split()) <= 30
    assert summary.endswith(".")
    for sentence in split_sentences(summary):
        assert sentence in split_sentences(lead)


def test_overlong_first_sentence_is_used_whole_not_cut() -> None:
    first = "这是一句非常长的导语" + "，其中包含很多细节" * 20 + "。"
    lead = first + "短句。"
    summary = summarize_story(lead, [], "zh", budget_chars=40)
    # The only candidate sentence exceeds the budget: it appears whole, never truncated.
    assert summary == first


def test_sentence_shared_by_other_members_ranks_higher() -> None:
    lead = (
        "A small robotics firm held a launch event in Shenzhen on Tuesday afternoon. "
        "Guests were served tea while the company's founder told stories about the early days. "
        "The firm said its humanoid robot will sell for 99,000 yuan starting in March."
    )
    others = [
        "The humanoid robot will sell for 99,000 yuan, the firm said, with sales starting in "
        "March.",
        "Starting in March the firm's humanoid robot sells for 99,000 yuan.",
    ]
    summary = summarize_story(lead, others, "en", budget_words=16)
    assert (
        summary == "The firm said its humanoid robot will sell for 99,000 yuan starting in March."
    )
    without_cluster = summarize_story(lead, [], "en", budget_words=16)
    assert without_cluster == (
        "A small robotics firm held a launch event in Shenzhen on Tuesday afternoon."
    )


@pytest.mark.parametrize(
    "furniture",
    [
        "责任编辑：李四。",
        "炒股就看金麒麟研报，专业及时，帮您把握投资机会。",
        "24小时滚动播报财经新闻与视频，扫描二维码关注领取更多福利。",
        "Sign up for our newsletter to get the latest AI news every morning.",
    ],
)
def test_boilerplate_never_enters_a_summary(furniture: str) -> None:
    chinese = not furniture.isascii()
    body = (
        "宇树科技的人形机器人在春晚完成了高速集群武术表演。创始人表示这项技术首次公开亮相。"
        if chinese
        else "Unitree's humanoids performed a fast group martial-arts routine at the gala. "
        "The founder said the swarm control had never been shown in public."
    )
    lead = furniture + body + furniture
    summary = summarize_story(lead, [furniture], "zh" if chinese else "en", 500, 500)
    assert summary
    assert furniture.rstrip("。.") not in summary


def test_dateline_is_dropped_from_summary_sentences() -> None:
    lead = (
        "【快讯网】华夏科技讯 2月15日消息，字节跳动首次回应了视频生成模型引发的版权争议。"
        "公司表示将加强对训练数据的审核。"
    )
    summary = summarize_story(lead, [], "zh")
    assert (
        summary == "字节跳动首次回应了视频生成模型引发的版权争议。公司表示将加强对训练数据的审核。"
    )
    english = summarize_story(
        "SHANGHAI (Reuters) - Alibaba released a new family of open models on Monday.", [], "en"
    )
    assert english == "Alibaba released a new family of open models on Monday."


def test_summary_of_empty_or_furniture_only_text_is_empty() -> None:
    assert summarize_story("", ["other text"], "zh") == ""
    assert summarize_story("责任编辑：张三。", [], "zh") == ""


# ---- the summary opens with the event, drawn from every article ------------------------------

EXPLAINER_LEAD = (
    "Mixture-of-experts models have been studied for more than thirty years. "
    "The idea is to route each token to a few specialist sub-networks instead of the whole "
    "model. Researchers have long argued the approach saves compute at inference time. "
    "Alibaba's new Qwen3.5 family uses the design at a larger scale than before."
)
EVENT_REPORT = (
    "Alibaba released Qwen3.5 on Monday, an open-weight model family whose flagship has "
    "397 billion parameters. Only 17 billion of them are active for each token. "
    "The company said deployment memory falls by 60 percent."
)
TITLES = ["How mixture-of-experts works", "Alibaba releases Qwen3.5 open-weight models"]


def test_an_explainer_lead_still_opens_with_the_event() -> None:
    summary = summarize_story(EXPLAINER_LEAD, [EVENT_REPORT], "en", titles=TITLES)
    assert summary.startswith("Alibaba released Qwen3.5 on Monday")
    # Lead-only summaries (the old behaviour) opened with the explainer's first sentence.
    assert not summary.startswith("Mixture-of-experts")


def test_the_event_opens_even_when_outlets_repeat_a_detail() -> None:
    lead = (
        "魔法原子、宇树科技、银河通用与松延动力四家机器人企业确认将登上今年春晚。"
        "宇树的人形机器人将在武术节目中完成集群变阵。"
        "魔法原子的机器狗将在宜宾分会场亮相。"
    )
    others = ["魔法原子的机器狗将在宜宾分会场亮相，这是它首次登上春晚。"]
    titles = ["四家机器人企业将登春晚", "春晚机器人阵容揭晓"]
    summary = summarize_story(lead, others, "zh", budget_chars=40, titles=titles)
    event = "魔法原子、宇树科技、银河通用与松延动力四家机器人企业确认将登上今年春晚。"
    assert summary.startswith(event)
    assert "宜宾" not in summary


def test_another_article_adds_only_a_new_fact_and_never_a_paraphrase() -> None:
    lead = (
        "Alibaba released Qwen3.5 on Monday, an open-weight model family whose flagship has "
        "397 billion parameters."
    )
    others = [
        "Alibaba's new Qwen3.5 has 397B parameters, the company said on Monday in Hangzhou.",
        "The Qwen3.5 models support 201 languages and dialects, up from 119 before.",
    ]
    summary = summarize_story(lead, others, "en", budget_words=60, titles=TITLES)
    assert summary == lead + " " + others[1]


def test_a_sentence_leaning_on_an_earlier_one_does_not_open_the_summary() -> None:
    lead = (
        "他在五个月里上线了120多款App，其中九成已有付费用户，产品主要卖到海外。"
        "杭州一名年轻开发者用AI搭建了一条App开发流水线，五个月上线120多款App。"
    )
    titles = ["杭州开发者靠AI五个月上线120多款App"]
    summary = summarize_story(lead, [], "zh", budget_chars=60, titles=titles)
    assert summary.startswith("杭州一名年轻开发者")
