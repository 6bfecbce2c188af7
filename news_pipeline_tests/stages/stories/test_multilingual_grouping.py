"""One event in zh-Hans, zh-Hant and English is one story; look-alike events stay apart.

The events are invented for these tests (云栖动力 / Yunqi Dynamics, 岚图智算 / Lantu Compute);
neither name is in data/entities.yaml, so the grouping must work without the alias list."""

from __future__ import annotations

import polars as pl

from news_pipeline import wordlists
from news_pipeline.stories import dedupe_articles
from news_pipeline_tests.stages.stories.articles import frame, item

YUNQI = [
    item(
        "hans",
        "https://news.example.cn/a/1.html",
        "人形机器人公司云栖动力完成12亿元B轮融资",
        "云栖动力今日宣布完成12亿元B轮融资，本轮由多家产业基金领投。公司创始人周明远表示，"
        "资金将用于人形机器人量产和训练数据采集。",
    ),
    item(
        "hant",
        "https://tech.example.tw/n/2",
        "人形機器人新創雲棲動力完成12億元B輪融資",
        "中國人形機器人業者雲棲動力宣布完成人民幣12億元B輪融資，創辦人周明遠說，"
        "資金將投入量產與訓練資料。",
    ),
    item(
        "en",
        "https://machine.example.com/yunqi-funding",
        "Humanoid robot startup Yunqi Dynamics raises 1.2 billion yuan",
        "Chinese humanoid robot maker Yunqi Dynamics has closed a 1.2 billion yuan Series B "
        "round, founder Zhou Mingyuan said, to fund mass production and training data.",
    ),
]


def story_ids(rows: list[dict[str, object]]) -> dict[str, str]:
    result = dedupe_articles(frame(rows), pl.DataFrame())
    return dict(zip(result["article_id"], result["story_id"], strict=True))


def test_the_test_names_are_unknown_to_the_alias_list() -> None:
    aliases = wordlists.entity_aliases()
    assert not any(name in aliases for name in ("云栖动力", "云栖", "岚图智算", "岚图"))


def test_one_event_in_three_languages_and_scripts_is_one_story() -> None:
    ids = story_ids(YUNQI)
    assert ids["hans"] == ids["hant"] == ids["en"]


def test_words_and_a_pinyin_name_join_reports_without_numbers() -> None:
    # nothing Latin in the Chinese report, no number in either: the dictionary's words
    # (humanoid, robot, funding, factory) and 云栖 read as Yunqi are the only bridge
    rows = [
        item(
            "zh",
            "https://news.example.cn/a/9.html",
            "人形机器人公司云栖动力获得新一轮融资 将建设量产工厂",
            "云栖动力表示，新一轮融资将用于建设人形机器人量产工厂。",
        ),
        item(
            "en",
            "https://machine.example.com/yunqi-factory",
            "Humanoid robot maker Yunqi Dynamics gets new funding to build a factory",
            "Yunqi Dynamics said the new funding will pay for a factory for its humanoid robots.",
        ),
        item(
            "other",
            "https://daily.example.org/chips",
            "Chip exports fall for a third month",
            "Exports of memory chips fell again in January, customs data showed.",
        ),
    ]
    ids = story_ids(rows)
    assert ids["zh"] == ids["en"] != ids["other"]


def test_two_companies_releases_on_one_day_stay_apart() -> None:
    # same vocabulary (open-source, parameters, activated, context window), other actors
    rows = [
        item(
            "m1",
            "https://news.example.cn/m/1.html",
            "星衡智能开源Orbit-3大模型：总参数2300亿，激活220亿",
            "星衡智能今日开源Orbit-3大模型，总参数2300亿，每次推理激活220亿参数，"
            "上下文窗口扩展到25万。",
        ),
        item(
            "m2",
            "https://ai.example.com/orbit-3",
            "Orbit-3 goes open source with 230 billion parameters",
            "Xingheng released Orbit-3 as open source: 230 billion parameters in total, 22 "
            "billion activated per token, and a context window of 250,000 tokens.",
        ),
        item(
            "l1",
            "https://tech.example.tw/l/1",
            "岚图智算開源Tide-2模型 激活參數120億",
            "岚图智算宣布開源Tide-2模型，總參數1萬億，每次推理激活參數120億，上下文窗口128K。",
        ),
        item(
            "l2",
            "https://daily.example.org/tide-2",
            "Lantu Compute open-sources Tide-2, a trillion-parameter model",
            "Lantu Compute open-sourced Tide-2 with one trillion parameters, 12 billion "
            "activated, and a 128K context window.",
        ),
    ]
    ids = story_ids(rows)
    assert ids["m1"] == ids["m2"]
    assert ids["l1"] == ids["l2"]
    assert ids["m1"] != ids["l1"]
