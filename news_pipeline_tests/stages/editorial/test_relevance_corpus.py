"""AI relevance on the stories_eval corpus: its true text, every article a story of its own.

That corpus labels every article `story` (part of an AI story) or `off_topic`. Its Taiwanese
robot stories and its AI-song story were once dropped as off-topic with relevance 0.00 when a
report stood alone: every AI report must stay on topic by itself, in any language or script,
and every off-topic item must be caught.
"""

from __future__ import annotations

from datetime import UTC

import polars as pl

from news_pipeline.editorial import Taxonomy, categorize_stories
from news_pipeline_tests.factories import deduped_frame, deduped_row
from news_pipeline_tests.support.site_corpus import TIMEZONE, load_corpus

_LANGUAGES = {"zh-Hans": ("zh", "hans"), "zh-Hant": ("zh", "hant"), "en": ("en", None)}


def _deduped() -> pl.DataFrame:
    """Each listed article with its true text, a story of its own."""
    rows = []
    for article in load_corpus().articles:
        if article.outcome not in ("story", "off_topic"):
            continue
        language, script = _LANGUAGES[article.language]
        rows.append(
            deduped_row(
                partition_date=article.published_at.astimezone(TIMEZONE).date(),
                source=article.site,
                url=f"https://{article.site}.example.com/{article.id}",
                listed_title=article.title,
                text=article.body,
                language=language,
                script=script,
                published_at=article.published_at.astimezone(UTC).replace(tzinfo=None),
                story_id=article.id,
            )
        )
    return deduped_frame(rows)


def test_every_ai_report_stays_and_every_off_topic_item_goes(taxonomy: Taxonomy) -> None:
    categorized = categorize_stories(_deduped(), taxonomy)
    off_topic_ids = {
        article.id for article in load_corpus().articles if article.outcome == "off_topic"
    }
    flagged = set(categorized.filter(pl.col("off_topic"))["story_id"])
    dropped = categorized.filter(
        pl.col("off_topic") & ~pl.col("story_id").is_in(sorted(off_topic_ids))
    )
    assert dropped.is_empty(), dropped.select("story_id", "title", "ai_relevance").rows()
    assert flagged == off_topic_ids
    assert len(off_topic_ids) >= 5
