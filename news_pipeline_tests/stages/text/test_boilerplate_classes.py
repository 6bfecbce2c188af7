"""Boilerplate by class, not by one site's strings: copyright, reprint, disclaimer, source,
editor and byline lines, share/follow lines and end marks, in zh-Hans, zh-Hant and English, at
the start, in the middle and at the end of an article; and the news sentences that merely
mention these things survive (a copyright lawsuit is news)."""

from __future__ import annotations

import pytest

from news_pipeline.text.boilerplate import load_boilerplate_rules, remove_boilerplate
from news_pipeline_tests.stages.text.pages import EN_PARAGRAPHS, HANT_PARAGRAPHS, ZH_PARAGRAPHS

# Written for these tests, one or more per class and script.
NOISE = {
    "zh-Hans": [
        "责任编辑：李明",
        "（编辑：王芳 校对：张强）",
        "本文来源：未来科技评论（ID：weilaikeji）",
        "来源：科技日报",
        "原创文章，作者：小周，如若转载，请注明出处：https://example.com/a/123",
        "本站原创内容，转载请注明出处。",
        "该文观点仅代表作者本人，本平台仅提供信息存储空间服务。",
        "如有侵权，请联系删除。",
        "免责声明：本文仅供参考，不构成任何投资建议。",
        "声明：市场有风险，投资需谨慎。",
        "版权所有 © 2026 未来科技网",
        "微信扫一扫",
        "关注该公众号",
        "↑ 点击上方蓝字，关注我们",
        "关注「未来科技」，获取每日AI快讯。",
        "觉得不错，欢迎点赞、在看、转发～",
        "投稿或寻求报道：hello@example.com",
        "（文中图片来源于网络）",
        "【未来科技】",
        "标签：大模型 机器人 芯片",
        "大模型 开源 机器人 芯片 融资",
        "炒股就用星河财经App，行情研报一手掌握，助您把握每个机会！",
        "下载未来资讯客户端，随时随地看AI快讯",
    ],
    "zh-Hant": [
        "（責任編輯：陳怡君）",
        "記者王大明／台北報導",
        "編譯李小華／綜合外電報導",
        "科技新報／綜合報導",
        "本網站內容未經授權，不得轉載、公開播送或公開傳輸。",
        "本文採用 CC BY 4.0 授權，轉載請註明出處",
        "免責聲明：本文內容僅供參考，不構成投資建議。",
        "來源：中央社",
        "微信掃一掃",
        "加入科技新報LINE好友，掌握第一手消息",
        "喜歡這篇的話，歡迎訂閱本站電子報",
        "【延伸閱讀】更多AI新聞，請見人工智慧專區",
    ],
    "en": [
        "Source: Reuters",
        "This article first appeared on The Example Review.",
        "Originally published at example.org on Feb 14, 2026.",
        "© 2026 Example Media Group. All rights reserved.",
        "Copyright 2026 Example News",
        "Reporting by Jane Doe; Editing by John Roe",
        "Edited by Mary Major",
        "Share: X Facebook LinkedIn Copy link",
        "Follow us on X and LinkedIn for more AI news.",
        "Sign up for The Morning Byte to get stories like this in your inbox.",
        "Updated 2 hours ago",
        "By Ann Lee · Feb 16, 2026 14:50 UTC",
        "Listen to this article",
        "Technology",
    ],
}
ARTICLES = {"zh-Hans": ZH_PARAGRAPHS, "zh-Hant": HANT_PARAGRAPHS, "en": EN_PARAGRAPHS}


@pytest.mark.parametrize("script", sorted(NOISE))
@pytest.mark.parametrize("position", ["start", "middle", "end"])
def test_boilerplate_lines_go_in_any_position(script: str, position: str) -> None:
    rules = load_boilerplate_rules().generic
    paragraphs = ARTICLES[script]
    for noise in NOISE[script]:
        if position == "start":
            lines = [noise, *paragraphs]
        elif position == "middle":
            lines = [paragraphs[0], noise, *paragraphs[1:]]
        else:
            lines = [*paragraphs, noise]
        assert remove_boilerplate("\n".join(lines), rules) == "\n".join(paragraphs), noise


@pytest.mark.parametrize(
    "text",
    [
        # End marks cut what follows (the outlet's footer).
        "— 完 —\n关注我们，每天三分钟读懂AI。",
        "（完）\n本文来源：某网",
        "— END —\n点击阅读原文",
        "—THE END—\nMore from us",
        "Read more:\nAnother story headline",
    ],
)
def test_end_mark_cuts_the_footer(text: str) -> None:
    rules = load_boilerplate_rules().generic
    article = "\n".join(ZH_PARAGRAPHS)
    assert remove_boilerplate(f"{article}\n{text}", rules) == article


NEWS_SENTENCES = [
    "Copyright lawsuits against AI companies have multiplied, and Disney's is the latest.",
    "Copyright holders say the model reproduces protected characters without permission.",
    "The source of the leak, according to the filing, was a contractor's laptop.",
    "Sources said the deal could be announced as early as next week.",
    "The company says all rights reserved by artists must be honoured in training data.",
    "Reporters asked whether the editor of the magazine had approved the AI-written cover.",
    "He said the article first appeared in a trade journal before it spread on social media.",
    "版权所有者认为，模型未经授权使用了他们的作品，并要求停止传播。",
    "法院认定，被告未经许可使用原告作品训练模型，构成侵权，需赔偿损失。",
    "该平台表示，如有侵权将第一时间删除，但原告认为这一承诺并不足够。",
    "记者从多位知情人士处获悉，双方的谈判已经进入最后阶段。",
    "本文作者曾在该公司工作多年，对其研发流程十分了解。",
    "原告律師表示，未經授權轉載新聞內容已經構成侵權，將向法院提告。",
    "免责条款是否有效，成为双方争论的焦点。",
    "用 QQ 脑洞秀把自己变成 Q 版主角",
    "新版App上线后，用户可一键生成周报，公司称这将助您节省一半时间。",
    "The model scored 90.1 on the benchmark · a record for open weights.",
]


@pytest.mark.parametrize("sentence", NEWS_SENTENCES)
def test_news_sentences_that_mention_these_things_survive(sentence: str) -> None:
    rules = load_boilerplate_rules().generic
    text = "\n".join([EN_PARAGRAPHS[0], sentence, EN_PARAGRAPHS[1]])
    assert remove_boilerplate(text, rules) == text
