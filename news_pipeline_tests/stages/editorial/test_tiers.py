"""Tiers with the default settings: how many headlines a day gets, and that the report shows
exactly those as its top stories."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from selectolax.lexbor import LexborHTMLParser

from news_pipeline.editorial import Taxonomy, categorize_stories, load_taxonomy
from news_pipeline.report import build_report, write_report
from news_pipeline_tests.factories import DAY, deduped_frame, deduped_row

DEFAULT_HEADLINES = 5
TOPICS = (
    "OpenAI releases a reasoning model for code",
    "Anthropic adds an AI agent to its chatbot",
    "Nvidia ships a GPU for AI inference",
    "DeepMind robotics lab shows a humanoid robot",
    "Mistral raises funding for its AI models",
    "Hugging Face opens a machine learning hub",
    "DeepSeek publishes a large language model paper",
    "Zhipu launches an AI image generation model",
)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


def eight_stories() -> pl.DataFrame:
    """Eight on-topic one-article stories; each is published an hour later than the one
    before, so that (through the recency term) every story has its own importance."""
    return deduped_frame(
        deduped_row(
            source=f"wire{n}",
            url=f"https://news.example.com/{n}",
            listed_title=title,
            published_at=datetime(2026, 2, 14, 1 + n, 0),
            story_id=f"story-{n}",
        )
        for n, title in enumerate(TOPICS)
    )


def test_a_day_of_eight_stories_gets_five_headlines_by_default(taxonomy: Taxonomy) -> None:
    categorized = categorize_stories(eight_stories(), taxonomy)

    assert categorized.height == 8 and not categorized["off_topic"].any()
    assert categorized["importance"].n_unique() == 8
    ranked = categorized.sort("importance", descending=True)
    tiers = ranked["tier"].to_list()
    assert tiers[:DEFAULT_HEADLINES] == ["headline"] * DEFAULT_HEADLINES
    assert "headline" not in tiers[DEFAULT_HEADLINES:]


def test_the_report_shows_exactly_the_default_headlines(taxonomy: Taxonomy, tmp_path: Path) -> None:
    deduped = eight_stories()
    categorized = categorize_stories(deduped, taxonomy)
    expected = (
        categorized.sort("importance", descending=True)["title"].head(DEFAULT_HEADLINES).to_list()
    )
    report = build_report(categorized, deduped, DAY, "Asia/Shanghai", datetime(2026, 2, 14, 20))
    paths = write_report(
        report,
        out_dir=tmp_path,
        language="en",
        category_names=taxonomy.display_names(),
        categorized=categorized,
        deduped=deduped,
    )

    assert [s.title for s in report.stories if s.tier == "headline"] == expected
    page = LexborHTMLParser(paths.html.read_text(encoding="utf-8"))
    listed = [li.text() for li in page.css("section.headlines ul.summary-list li")]
    assert listed == expected
    assert len(page.css("article.story.headline")) == DEFAULT_HEADLINES
    markdown = paths.markdown.read_text(encoding="utf-8")
    top = markdown.split("## Top stories\n\n", 1)[1].split("\n\n", 1)[0]
    assert top.splitlines() == [f"- {title}" for title in expected]
