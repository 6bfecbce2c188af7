"""Stories written for the editor's tests (facts after the seeds, sentences our own), and a
helper that runs the editor stage against a test server with a real DuckDB file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from news_pipeline.editor import ClientSettings, EditorStats, edit_stories
from news_pipeline.sources import EditorConfig
from news_pipeline_tests.factories import (
    categorized_frame,
    categorized_row,
    deduped_frame,
    deduped_row,
)
from news_pipeline_tests.support.chat_server import ChatServer

API_KEY = "sk-test-0123456789abcdefSECRET"
KEY_ENV = "NEWS_PIPELINE_TEST_EDITOR_KEY"


@dataclass(frozen=True)
class Article:
    source: str
    title: str
    text: str
    language: str = "zh"


@dataclass(frozen=True)
class Story:
    story_id: str
    importance: float
    extractive_title: str
    extractive_summary: str
    articles: tuple[Article, ...]


QWEN = Story(
    "qwen",
    9.0,
    "阿里开源千问3.5旗舰模型",
    "阿里巴巴发布千问3.5系列模型，旗舰版总参数3970亿。",
    (
        Article(
            "aizhi",
            "阿里开源千问3.5旗舰模型：总参数3970亿，每次激活170亿",
            "阿里巴巴在除夕前夜开源了千问3.5系列的旗舰模型Qwen3.5-397B-A17B。"
            "这款模型总参数3970亿，每次推理只激活170亿。"
            "官方称部署显存占用下降60%，推理吞吐最高提升19倍。"
            "接口定价为每百万Tokens 0.8元，大约是同级模型的1/18。",
        ),
        Article(
            "kuaixun",
            "千问3.5来了，支持201种语言",
            "阿里的新模型千问3.5支持201种语言，词表扩大到25万。"
            "团队表示，千问3.5从预训练开始就是原生多模态模型。",
        ),
    ),
)
OPENCLAW = Story(
    "openclaw",
    7.0,
    "OpenAI hires the creator of OpenClaw",
    "OpenAI has hired Peter Steinberger, who built the open-source agent OpenClaw.",
    (
        Article(
            "ainews",
            "OpenAI hires the creator of OpenClaw to build personal agents",
            "OpenAI has hired Peter Steinberger, who built the open-source agent OpenClaw, "
            "chief executive Sam Altman said on Friday. Steinberger will lead work on "
            "personal agents. OpenClaw runs on a user's own computer and can sort an inbox "
            "and keep a calendar.",
            "en",
        ),
    ),
)
ROBOTS = Story(
    "robots",
    5.0,
    "四家机器人企业登上春晚",
    "魔法原子、宇树科技、银河通用与松延动力的机器人将在春晚亮相。",
    (
        Article(
            "techzh",
            "四家机器人企业登上春晚",
            "魔法原子、宇树科技、银河通用与松延动力的机器人将在春晚亮相，其中三家是首次登台。"
            "宇树的人形机器人将表演集群武术。",
        ),
    ),
)
STORIES = (QWEN, OPENCLAW, ROBOTS)


def frames(stories: tuple[Story, ...] = STORIES) -> tuple[pl.DataFrame, pl.DataFrame]:
    """categorized_items and deduped_stories rows of one day holding these stories."""
    categorized = []
    deduped = []
    for story in stories:
        categorized.append(
            categorized_row(
                story_id=story.story_id,
                title=story.extractive_title,
                summary=story.extractive_summary,
                importance=story.importance,
                url=f"https://news.example.com/{story.story_id}/0",
                language=story.articles[0].language,
                article_count=len(story.articles),
            )
        )
        for index, article in enumerate(story.articles):
            deduped.append(
                deduped_row(
                    story_id=story.story_id,
                    source=article.source,
                    url=f"https://news.example.com/{story.story_id}/{index}",
                    listed_title=article.title,
                    text=article.text,
                    language=article.language,
                    is_lead=index == 0,
                )
            )
    return categorized_frame(categorized), deduped_frame(deduped)


class RecordingSleep:
    """The client's sleep: records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


FAST = ClientSettings(
    max_concurrency=1,
    connect_timeout=2.0,
    read_timeout=0.5,
    total_timeout=5.0,
    max_retries=2,
    backoff_base_seconds=1.0,
)


def run_editor(
    server: ChatServer,
    database: Path,
    stories: tuple[Story, ...] = STORIES,
    *,
    language: str = "zh",
    settings: ClientSettings = FAST,
    sleep: RecordingSleep | None = None,
    api_key: str | None = API_KEY,
    api_key_env: str | None = KEY_ENV,
    **config: Any,
) -> tuple[pl.DataFrame, EditorStats]:
    categorized, deduped = frames(stories)
    editor = EditorConfig(
        base_url=config.pop("base_url", server.base_url),
        model=config.pop("model", "test-model"),
        api_key_env=api_key_env,
        allow_private_addresses=config.pop("allow_private_addresses", True),
        **config,
    )
    return edit_stories(
        categorized,
        deduped,
        report_language=language,
        config=editor,
        api_key=api_key,
        api_key_env=api_key_env,
        settings=settings,
        database_path=database,
        sleep=sleep or RecordingSleep(),
    )


def row(frame: pl.DataFrame, story: Story) -> dict[str, Any]:
    return frame.filter(pl.col("story_id") == story.story_id).row(0, named=True)
