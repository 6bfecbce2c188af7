"""dedupe_articles within one day: URL duplicates, stories and leads, pass-through rows."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime

import polars as pl
import pytest

from news_pipeline.schema import (
    DEDUPED_STORIES_SCHEMA,
    REASON_DUPLICATE_URL,
    REASON_FETCH_FAILED,
)
from news_pipeline.stories import dedupe_articles, grouping
from news_pipeline_tests.stages.stories.articles import frame, item

# ---- seed 000 ---------------------------------------------------------------------------

ROUNDUP = (
    "除夕还没到，AI战场已经硝烟弥漫。腾讯元宝撒出10亿红包，百度拿出5亿，阿里再送30亿免单，"
    "背后是国产大模型集体出招。Kimi、MiniMax、智谱和字节先后推出新品，DeepSeek悄悄做完"
    "一次关键升级，阿里的Qwen3.5也已蓄势待发。"
)
ROUNDUP_URL = "https://finance.sina.com.cn/tech/2026-02-14/doc-inhmuhwq2238716.shtml"
ROLL_URL = "https://finance.sina.com.cn/tech/roll/2026-02-14/doc-inhmrlwk8263687.shtml"


def test_seed_000_one_story_one_duplicate() -> None:
    title = "春节档大模型混战：阿里亮剑、字节狂飙，谁也不敢躺平"
    rows = frame(
        [
            item("s1", ROUNDUP_URL, title, "来源：TechWeb\n" + ROUNDUP),
            item("s3", ROUNDUP_URL, title, "来源：TechWeb\n" + ROUNDUP),
            item("s8", ROLL_URL, title, ROUNDUP + "\n责任编辑：李思"),
            item(
                "other",
                "https://finance.sina.com.cn/tech/2026-02-14/doc-inhmuhwr9351190.shtml",
                "豆包大模型2.0系列亮相，字节跳动一次推出四款模型",
                "字节跳动推出豆包大模型2.0系列，三款通用Agent模型分为Lite、Mini和Pro三档。",
            ),
        ]
    )
    out = dedupe_articles(rows, pl.DataFrame()).sort("article_id")
    by_id = {row["article_id"]: row for row in out.to_dicts()}
    assert by_id["s3"]["excluded_reason"] == REASON_DUPLICATE_URL
    assert by_id["s3"]["excluded_detail"] == ROUNDUP_URL
    assert by_id["s1"]["excluded_reason"] is None and by_id["s8"]["excluded_reason"] is None
    assert by_id["s1"]["story_id"] == by_id["s8"]["story_id"]
    assert by_id["s1"]["story_size"] == 2
    assert by_id["s1"]["is_lead"] != by_id["s8"]["is_lead"]
    assert by_id["other"]["story_id"] != by_id["s1"]["story_id"]
    assert by_id["other"]["story_size"] == 1 and by_id["other"]["is_lead"]


def test_duplicate_keeps_earliest_and_names_its_listed_url() -> None:
    text = "OpenAI hired the OpenClaw developer to build personal agents for its users."
    rows = frame(
        [
            item(
                "late",
                "https://m.example.com/story/1?utm_source=rss",
                "OpenClaw creator joins OpenAI",
                text,
                published_at=datetime(2026, 2, 14, 9, 0),
            ),
            item(
                "early",
                "https://www.example.com/story/1/",
                "OpenClaw creator joins OpenAI",
                text,
                published_at=datetime(2026, 2, 14, 8, 0),
            ),
        ]
    )
    out = {row["article_id"]: row for row in dedupe_articles(rows, pl.DataFrame()).to_dicts()}
    assert out["early"]["excluded_reason"] is None
    assert out["late"]["excluded_reason"] == REASON_DUPLICATE_URL
    assert out["late"]["excluded_detail"] == "https://www.example.com/story/1/"
    assert out["late"]["canonical_url"] == "https://example.com/story/1"


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform"
)
def test_a_forked_worker_gives_the_same_urls_and_converts_phrases(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    traditional = "台積電宣布晶片擴產計畫，新軟體平台同步上線，客戶可以提前預約產能。"
    simplified = "台积电宣布芯片扩产计划，新软件平台同步上线，客户可以提前预约产能。"
    rows = frame(
        [
            item("a", "https://m.example.com/story/1?utm_source=rss", "OpenClaw joins", "x" * 80),
            item("b", "https://www.example.com/story/1/", "OpenClaw joins", "x" * 80),
            item("c", "HTTPS://Example.com:443/story/2#top", "Another story", "y" * 80),
            item("tw", "https://tw.example.org/n/1", "台積電晶片擴產", traditional, script="hant"),
            item(
                "tw2",
                "https://tw.example.org/n/2",
                "網路軟體",
                "網路軟體公司發表新版本。" * 4,
                script="hant",
            ),
            item("cn", "https://cn.example.net/n/1", "台积电芯片扩产", simplified, script="hans"),
        ]
    )
    in_thread = dedupe_articles(rows, pl.DataFrame())
    monkeypatch.setattr(grouping, "SIDE_FORK_MIN_ROWS", 0)
    forked_pids: list[int] = []
    submitted: list[str] = []
    real_executor = grouping.ProcessPoolExecutor

    def recording_executor(*args: object, **kwargs: object) -> ProcessPoolExecutor:
        executor = real_executor(*args, **kwargs)  # type: ignore[arg-type]
        forked_pids.append(executor.submit(os.getpid).result())
        real_submit = executor.submit

        def submit(function, /, *call_args, **call_kwargs):  # type: ignore[no-untyped-def]
            submitted.append(function.__name__)
            return real_submit(function, *call_args, **call_kwargs)

        executor.submit = submit  # type: ignore[method-assign]
        return executor

    monkeypatch.setattr(grouping, "ProcessPoolExecutor", recording_executor)
    forked = dedupe_articles(rows, pl.DataFrame())
    assert forked_pids and forked_pids[0] != os.getpid()
    assert submitted == ["canonical_urls", "convert_phrases"]
    assert forked.equals(in_thread)
    by_id = {row["article_id"]: row for row in forked.to_dicts()}
    assert [by_id[key]["canonical_url"] for key in "abc"] == [
        "https://example.com/story/1",
        "https://example.com/story/1",
        "https://example.com/story/2",
    ]
    # the Traditional report reads, phrases and all, as the Simplified one: one text
    assert by_id["tw"]["story_id"] == by_id["cn"]["story_id"]
    assert {by_id["tw"]["match_reason"], by_id["cn"]["match_reason"]} == {"lead", "same_text"}


# ---- pass-through and shapes --------------------------------------------------------------


def test_empty_inputs() -> None:
    out = dedupe_articles(pl.DataFrame(), pl.DataFrame())
    assert out.height == 0
    assert out.schema == pl.Schema(DEDUPED_STORIES_SCHEMA)


def test_excluded_and_feed_rows_pass_through() -> None:
    rows = frame(
        [
            item("ok", "https://example.com/1", "Galbot raises $300M", "Galbot raised $300M."),
            item(
                "dead",
                "https://example.com/2",
                "Unreachable",
                None,
                excluded_reason=REASON_FETCH_FAILED,
                excluded_detail="timeout",
            ),
            item("feed", "https://example.com/rss.xml", None, None, record_kind="feed"),
        ]
    )
    out = dedupe_articles(rows, pl.DataFrame())
    assert out["article_id"].to_list() == ["ok", "dead", "feed"]
    dead = out.row(1, named=True)
    assert dead["excluded_reason"] == REASON_FETCH_FAILED
    assert dead["excluded_detail"] == "timeout"
    assert dead["story_id"] is None
    assert out.row(2, named=True)["story_id"] is None
    assert out.row(0, named=True)["is_lead"] is True
