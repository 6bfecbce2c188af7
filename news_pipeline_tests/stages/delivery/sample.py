"""report.json dicts for delivery tests: ordinary stories, hostile ones, and long days."""

from __future__ import annotations

from typing import Any

from news_pipeline.editorial import load_taxonomy
from news_pipeline.sources import SourcesConfig, SubscriberConfig

DAY = "2026-02-15"
BASE_URL = "https://news.example.com/ai/"
CATEGORY_NAMES = load_taxonomy(None).display_names()
# What a hostile feed could put in a title: Slack and Feishu mentions, WeCom colour tags,
# Markdown links to scripts, raw HTML.
HOSTILE_TITLE = (
    "<!channel> *urgent* [click](javascript:alert(1)) <at id=all></at> & "
    '<script>alert(1)</script> <font color="warning">x</font> `code` ~strike~ _under_'
)
HOSTILE_URL = "https://evil.example.com/a_(b)|c?x=1&y=<2>"


def story(
    index: int,
    *,
    tier: str = "section",
    category: str = "models",
    title: str | None = None,
    summary: str | None = None,
    url: str | None = None,
    sources: tuple[str, ...] = ("example",),
) -> dict[str, Any]:
    url = url or f"https://news.example.com/a/{index}"
    return {
        "story_id": f"s{index}",
        "title": title or f"Example Lab releases model number {index}",
        "url": url,
        "category": category,
        "tier": tier,
        "importance": 10.0 - index / 100,
        "summary": summary if summary is not None else f"A short summary of story {index}.",
        "published_at": f"{DAY}T10:00:00+08:00",
        "articles": [
            {"url": f"{url}?from={name}", "source": name, "title": f"Listed title {index}"}
            for name in sources
        ],
    }


def report(stories: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "date": DAY,
        "timezone": "Asia/Shanghai",
        "generated_at": f"{DAY}T23:30:00+08:00",
        "stories": stories,
        "excluded": [],
        "stats": {
            "listed": 0,
            "fetched": 0,
            "extracted": 0,
            "stories": len(stories),
            "excluded": 0,
        },
        "sources": [],
    }


def ordinary_report() -> dict[str, Any]:
    return report(
        [
            story(1, tier="headline", category="models", title="阿里开源 Qwen3.5 模型"),
            story(2, tier="headline", category="agents", summary="千问 app adds an agent."),
            story(3, tier="section", category="business"),
            story(4, tier="section", category="robotics"),
            story(5, tier="brief", category="models"),
            story(6, tier="brief", category="policy"),
        ]
    )


def hostile_report() -> dict[str, Any]:
    return report(
        [
            story(1, tier="headline", title=HOSTILE_TITLE, summary=HOSTILE_TITLE, url=HOSTILE_URL),
            story(2, tier="section", title=HOSTILE_TITLE, url="javascript:alert(1)"),
            story(3, tier="brief", title=HOSTILE_TITLE, url=HOSTILE_URL),
        ]
    )


def long_report(
    count: int, *, title_unit: str = "模型发布", summary_chars: int = 250
) -> dict[str, Any]:
    """`count` stories with long Chinese titles and summaries, all tiers."""
    stories = []
    for index in range(count):
        tier = "headline" if index < 5 else ("section" if index < count // 2 else "brief")
        stories.append(
            story(
                index,
                tier=tier,
                title=f"{index:03d} " + title_unit * 10,
                summary=("长摘要" * summary_chars)[:summary_chars],
            )
        )
    return report(stories)


def subscriber(channel: str, **fields: Any) -> SubscriberConfig:
    defaults: dict[str, Any] = {"name": f"to-{channel}", "channel": channel}
    if channel == "email":
        defaults |= {
            "smtp_url": "smtp://mailer@127.0.0.1:2525",
            "from": "digest@example.com",
            "to": ["editor@example.com"],
        }
    else:
        defaults["url"] = f"https://hooks.example.com/{channel}"
    if channel == "telegram":
        defaults["chat_id"] = "-1001"
    return SubscriberConfig.model_validate(defaults | fields)


def sources_config(*subscribers: dict[str, Any], language: str = "zh") -> SourcesConfig:
    return SourcesConfig.model_validate(
        {
            "report_language": language,
            "sources": [{"name": "example", "type": "rss", "url": "https://example.com/rss"}],
            "site": {"base_url": BASE_URL},
            "subscribers": list(subscribers),
        }
    )
