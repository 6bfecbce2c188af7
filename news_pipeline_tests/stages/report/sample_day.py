"""One hand-written day of feed rows for the report tests, with its expected report.

Built with the shared row factories; the expectations below were written by hand from the
rows, not computed by the code under test.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl

from news_pipeline.report import Language, ReportPaths, ReportView, render_daily_report
from news_pipeline_tests.factories import (
    categorized_frame,
    categorized_row,
    deduped_frame,
    deduped_row,
    feed_row,
)

DAY = date(2026, 2, 14)  # a Saturday; the window is 2026-02-13 16:00 .. 2026-02-14 16:00 UTC
TIMEZONE = "Asia/Shanghai"
GENERATED_AT = datetime(2026, 2, 14, 23, 30)  # naive UTC -> 2026-02-15 07:30 +08:00

ITHOME = "https://www.ithome.example"
SINA = "https://tech.sina.example"


def utc(hour: int, minute: int = 0, day: int = 14) -> datetime:
    return datetime(2026, 2, day, hour, minute)


def feed(source: str, url: str, reason: str | None = None, detail: str | None = None) -> dict:
    return feed_row(
        partition_date=DAY, source=source, url=url, excluded_reason=reason, excluded_detail=detail
    )


def item(
    source: str,
    url: str,
    title: str,
    published_at: datetime,
    *,
    story_id: str | None = None,
    is_lead: bool = False,
    reason: str | None = None,
    detail: str | None = None,
) -> dict:
    """An item row: a member of `story_id`, excluded for `reason`, or (neither) an orphan."""
    return deduped_row(
        partition_date=DAY,
        source=source,
        url=url,
        listed_title=title,
        published_at=published_at,
        story_id=story_id,
        is_lead=is_lead if story_id else None,
        excluded_reason=reason,
        excluded_detail=detail,
    )


def story(
    story_id: str,
    title: str,
    url: str,
    category: str | None,
    tier: str | None,
    importance: float,
    published_at: datetime,
    *,
    off_topic: bool = False,
    summary: str = "",
    key_facts: list[str] | None = None,
) -> dict:
    return categorized_row(
        partition_date=DAY,
        story_id=story_id,
        title=title,
        url=url,
        category=category,
        tier=tier,
        importance=importance,
        published_at=published_at,
        off_topic=off_topic,
        summary=summary,
        key_facts=key_facts or [],
    )


def frames(items: list[dict], stories: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(categorized, deduped), in the order build_report takes them."""
    return categorized_frame(stories), deduped_frame(items)


def render_day(
    tmp_path: Path,
    items: list[dict],
    stories: list[dict],
    language: Language = "zh",
    templates_dir: Path | None = None,
) -> tuple[ReportView, ReportPaths]:
    categorized, deduped = frames(items, stories)
    return render_daily_report(
        categorized,
        deduped,
        day=DAY,
        timezone=TIMEZONE,
        generated_at=GENERATED_AT,
        out_dir=tmp_path / f"out-{language}",
        language=language,
        templates_dir=templates_dir,
    )


DAY_ITEMS = [
    feed("ithome", f"{ITHOME}/rss.xml"),
    feed("sina", f"{SINA}/rss.xml"),
    feed("deadsite", "https://dead.example/feed", "fetch_failed", "HTTP 503"),
    item(
        "ithome",
        f"{ITHOME}/0/922/114.htm",
        "阿里发布 Qwen3.5",
        utc(2, 10),
        story_id="qwen",
        is_lead=True,
    ),
    item("sina", f"{SINA}/qwen35.shtml", "Qwen3.5 开源：3970 亿参数", utc(3, 0), story_id="qwen"),
    item(
        "sina",
        f"{SINA}/doubao.shtml",
        "豆包大模型 2.0 发布",
        utc(6, 28),
        story_id="doubao",
        is_lead=True,
    ),
    item(
        "ithome",
        f"{ITHOME}/0/922/074.htm",
        "GLM-5 算力告急",
        utc(4, 0),
        story_id="glm",
        is_lead=True,
    ),
    item(
        "ithome",
        f"{ITHOME}/0/922/141.htm",
        "宇树机器人春晚集群表演",
        utc(12, 0),
        story_id="unitree",
        is_lead=True,
    ),
    item(
        "sina",
        f"{SINA}/wechat.shtml",
        "微信上线 AI 拜年歌",
        utc(9, 0),
        story_id="wechat",
        is_lead=True,
    ),
    item("sina", f"{SINA}/stocks.shtml", "A 股收盘", utc(7, 0), story_id="stocks", is_lead=True),
    item("ithome", f"{ITHOME}/stocks.htm", "沪指收涨", utc(7, 30), story_id="stocks"),
    item(
        "sina",
        f"{ITHOME}/0/922/114.htm?utm_source=sina",
        "阿里发布 Qwen3.5",
        utc(2, 20),
        reason="duplicate_url",
        detail=f"{ITHOME}/0/922/114.htm",
    ),
    item("ithome", f"{ITHOME}/empty.htm", "图集", utc(5, 0), reason="no_text"),
    item(
        "sina",
        f"{SINA}/timeout.shtml",
        "超时文章",
        utc(5, 30),
        reason="fetch_failed",
        detail="timeout",
    ),
    item("ithome", f"{ITHOME}/tomorrow.htm", "明日新闻", utc(17, 0), reason="out_of_window"),
    item("ithome", f"{ITHOME}/lastweek.htm", "上周新闻", utc(1, 0, day=10), reason="out_of_window"),
    item(
        "sina",
        f"{SINA}/seedance-again.shtml",
        "Seedance 2.0 争议",
        utc(8, 0),
        reason="seen_before",
        detail="seedance-0212",
    ),
]

DAY_STORIES = [
    story(
        "qwen",
        "阿里发布 Qwen3.5 系列大模型",
        f"{ITHOME}/0/922/114.htm",
        "models",
        "headline",
        9.5,
        utc(2, 10),
        summary="阿里开源 Qwen3.5，总参数 3970 亿，激活 170 亿。",
        key_facts=["总参数 3970 亿", "API 价格为同级 1/18"],
    ),
    story(
        "doubao",
        "字节发布豆包大模型 2.0",
        f"{SINA}/doubao.shtml",
        "models",
        "headline",
        8.7,
        utc(6, 28),
        summary="豆包 2.0 含 Pro、Lite、Mini 三款模型。",
    ),
    story(
        "unitree",
        "宇树机器人春晚集群表演",
        f"{ITHOME}/0/922/141.htm",
        "robotics",
        "section",
        5.2,
        utc(12, 0),
        summary="春晚舞台上机器人完成集群动作。",
    ),
    story(
        "glm",
        "智谱 GLM-5 需求激增",
        f"{ITHOME}/0/922/074.htm",
        "compute",
        "section",
        5.2,
        utc(4, 0),
        summary="智谱启动算力合伙人计划。",
    ),
    story(
        "wechat", "微信上线 AI 拜年歌", f"{SINA}/wechat.shtml", "agents", "brief", 1.1, utc(9, 0)
    ),
    story("stocks", "A 股收盘", f"{SINA}/stocks.shtml", None, None, 0.3, utc(7, 0), off_topic=True),
]

# Ground truth, written by hand from the rows above.
EXPECTED_ORDER = ["qwen", "doubao", "glm", "unitree", "wechat"]
EXPECTED_ARTICLES = {
    "qwen": [("ithome", f"{ITHOME}/0/922/114.htm"), ("sina", f"{SINA}/qwen35.shtml")],
    "doubao": [("sina", f"{SINA}/doubao.shtml")],
    "glm": [("ithome", f"{ITHOME}/0/922/074.htm")],
    "unitree": [("ithome", f"{ITHOME}/0/922/141.htm")],
    "wechat": [("sina", f"{SINA}/wechat.shtml")],
}
EXPECTED_EXCLUDED = {
    ("sina", f"{ITHOME}/0/922/114.htm?utm_source=sina", "duplicate_url"),
    ("ithome", f"{ITHOME}/empty.htm", "no_text"),
    ("sina", f"{SINA}/timeout.shtml", "fetch_failed"),
    ("deadsite", "https://dead.example/feed", "fetch_failed"),
    ("ithome", f"{ITHOME}/tomorrow.htm", "out_of_window"),
    ("sina", f"{SINA}/seedance-again.shtml", "seen_before"),
    ("sina", f"{SINA}/stocks.shtml", "off_topic"),
    ("ithome", f"{ITHOME}/stocks.htm", "off_topic"),
}
EXPECTED_STATS = {"listed": 13, "fetched": 11, "extracted": 10, "stories": 5, "excluded": 8}
