"""What happened decides before who it happened to; names the lists never saw; AI relevance
that keeps real AI stories and drops the misleading words (categories.py, relevance.py).

Every story here is written for this test and names invented companies."""

from __future__ import annotations

import pytest

from news_pipeline.editorial import Taxonomy, classify_story


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        # the event (a lawsuit, a fine, a ban, an accident, a scam) over the product
        (
            "Photo agency sues Brindle Labs over its image model",
            "The agency says the image model was trained on 40,000 of its photos.",
            "policy",
        ),
        (
            "监管部门对青石科技的邮件助手处以罚款",
            "青石科技旗下的AI邮件助手未经同意读取用户邮件，被罚款200万元。",
            "policy",
        ),
        (
            "某市禁止公务设备安装云雀智能的桌面智能体",
            "通知称，该智能体可自动操作电脑，存在数据外泄风险。",
            "policy",
        ),
        (
            "倉儲機器人撞傷工人 廠方暫停使用",
            "一台搬運機器人在倉庫內撞傷一名工人，當局已介入調查。",
            "policy",
        ),
        (
            "Scammers clone a CEO's voice with Tarn-R1 to steal $2 million",
            "Police said the fraud used the voice cloning feature of the model.",
            "policy",
        ),
        # analysis, essays, interviews about models are research
        (
            "观点：开源模型的下一场竞争不在参数",
            "笔者认为，参数规模已不是决定因素，未来的竞争在数据与工具。",
            "research",
        ),
        (
            "Interview: the engineer who built Brindle-7 on what comes next",
            "We asked her why the model family grew so fast.",
            "research",
        ),
        (
            "回看这一年：国产模型如何走向开源",
            "一年前，很少有人会在服务器上部署国产模型；如今情况完全不同。",
            "research",
        ),
        # funding is business; a release goes to what was released
        (
            "云雀智能完成5亿元融资，将用于训练新模型",
            "本轮融资由多家机构领投，资金主要用于算力和模型训练。",
            "business",
        ),
        (
            "Pellucid Intelligence releases Tarn-R1, a 70B open-weight model",
            "Tarn-R1 has 70 billion parameters and a 128k context window.",
            "models",
        ),
        ("青石科技发布推理芯片QX-900", "QX-900采用7纳米工艺，面向数据中心推理。", "compute"),
    ],
)
def test_the_event_decides(taxonomy: Taxonomy, title: str, body: str, expected: str) -> None:
    result = classify_story(title, body, taxonomy)
    assert result.category == expected, result.evidence
    assert not result.off_topic
    assert result.evidence and ":" in result.evidence[0]


def test_evidence_names_the_deciding_phrase(taxonomy: Taxonomy) -> None:
    result = classify_story("Photo agency sues Brindle Labs over its image model", "", taxonomy)
    assert result.evidence[0] == "title event: sues"


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("Ostrava AI ships Brindle-7", "The model answers in 30 languages and runs on one GPU."),
        ("青石科技推出QX-900加速卡", "这款加速卡面向大模型推理，单卡显存96GB。"),
        ("云雀智能的新机器人会叠衣服", "这款机器人能在三分钟内叠好一筐衣服。"),
    ],
)
def test_stories_about_unknown_names_are_not_other(
    taxonomy: Taxonomy, title: str, body: str
) -> None:
    result = classify_story(title, body, taxonomy)
    assert result.category != "other", result.evidence
    assert not result.off_topic


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("送藥機械人進駐醫院", "這款機械人可自動搭乘電梯，把藥物送到各樓層的護理站。"),
        ("AI寫的歌登上音樂排行榜", "這首歌由AI作曲並演唱，製作人只修改了歌詞。"),
        ("An AI-written song tops the charts", "The song was composed and sung by AI."),
        ("Quillbox 2.0 drafts your replies on its own", "The email assistant sends replies."),
    ],
)
def test_real_ai_stories_are_not_off_topic(taxonomy: Taxonomy, title: str, body: str) -> None:
    assert not classify_story(title, body, taxonomy).off_topic


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("Models walk in wool coats as the autumn shows open", "The models wore wool."),
        ("旅行社五一线路报名火爆", "多家旅行社表示，出境游报名人数增加。"),
        ("Football agent demands record fee", "The player's agent asked for a 10% cut."),
        ("Potato chips maker raises prices", "Potato chip prices rise by 5% this spring."),
        ("扫地机器人销量增长", "扫地机器人线上销量同比增长两成，均价下降。"),
        ("模型博览会开幕", "展会上有火车模型和飞机模型，吸引了很多模型爱好者。"),
        ("餐馆包间预订火爆", "不少餐馆推出小程序，顾客可一键预订除夕包间。"),
        ("Hotel bookings soar before the holiday", "Guests can book rooms in the app."),
        ("新款笔记本电脑支持邮件和日程同步", "这款电脑预装办公软件，桌面更简洁。"),
    ],
)
def test_misleading_words_are_off_topic(taxonomy: Taxonomy, title: str, body: str) -> None:
    result = classify_story(title, body, taxonomy)
    assert result.off_topic, (result.ai_relevance, result.evidence)
