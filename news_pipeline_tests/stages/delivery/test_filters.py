"""Subscriber filters: categories, minimum tier, keywords in the title or the summary."""

from __future__ import annotations

from news_pipeline.delivery import build_digest, passes_filters
from news_pipeline_tests.stages.delivery.sample import (
    BASE_URL,
    CATEGORY_NAMES,
    ordinary_report,
    story,
    subscriber,
)


def _ids(**fields) -> list[str]:
    digest = build_digest(
        ordinary_report(),
        subscriber("webhook", **fields),
        language="zh",
        base_url=BASE_URL,
        category_names=CATEGORY_NAMES,
    )
    return [s["story_id"] for s in digest.stories]


def test_no_filter_keeps_every_story_in_report_order() -> None:
    assert _ids() == ["s1", "s2", "s3", "s4", "s5", "s6"]


def test_categories_and_minimum_tier() -> None:
    assert _ids(categories=["models"]) == ["s1", "s5"]
    assert _ids(min_tier="headline") == ["s1", "s2"]
    assert _ids(min_tier="section") == ["s1", "s2", "s3", "s4"]
    assert _ids(categories=["models", "business"], min_tier="section") == ["s1", "s3"]


def test_keywords_match_title_or_summary_ignoring_case_and_width() -> None:
    assert _ids(keywords=["qwen"]) == ["s1"]
    assert _ids(keywords=["千问"]) == ["s2"]
    assert _ids(keywords=["ＱＷＥＮ", "千问"]) == ["s1", "s2"]
    assert _ids(keywords=["nothing-like-this"]) == []


def test_a_story_without_a_known_tier_counts_as_a_brief() -> None:
    odd = story(9, tier="unknown")
    assert passes_filters(odd, subscriber("webhook"))
    assert not passes_filters(odd, subscriber("webhook", min_tier="brief", categories=["x"]))
    assert not passes_filters(odd, subscriber("webhook", min_tier="section"))


def test_the_digest_links_the_report_under_the_site() -> None:
    digest = build_digest(
        ordinary_report(), subscriber("webhook"), language="en", base_url=None, category_names={}
    )
    assert digest.report_url is None
    assert digest.selection_line() == "6 stories"
