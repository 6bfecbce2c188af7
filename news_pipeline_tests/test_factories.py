"""The shared row factories keep to the column contracts they claim to."""

from __future__ import annotations

import pytest

from news_pipeline import schema
from news_pipeline_tests.factories import (
    categorized_frame,
    categorized_row,
    deduped_frame,
    deduped_row,
    feed_row,
)


def test_rows_have_every_column_and_frames_the_contract_types() -> None:
    rows = [deduped_row(), deduped_row(excluded_reason="no_text"), feed_row()]
    assert all(list(row) == list(schema.DEDUPED_STORIES_SCHEMA) for row in rows)
    assert deduped_frame(rows).schema == schema.DEDUPED_STORIES_SCHEMA
    assert categorized_frame([categorized_row()]).schema == schema.CATEGORIZED_ITEMS_SCHEMA
    assert deduped_frame([]).schema == schema.DEDUPED_STORIES_SCHEMA


def test_defaults_follow_the_kind_of_row() -> None:
    excluded = deduped_row(excluded_reason="no_text")
    assert excluded["story_id"] is None and excluded["text"] is None and excluded["is_lead"] is None
    member = deduped_row(story_id="s2", is_lead=False)
    assert member["story_id"] == "s2" and member["is_lead"] is False and member["text"]
    off_topic = categorized_row(off_topic=True)
    assert off_topic["tier"] is None and off_topic["ai_relevance"] < 0.3


def test_a_misspelt_column_is_refused() -> None:
    with pytest.raises(KeyError, match="storyid"):
        deduped_row(storyid="s1")
    with pytest.raises(KeyError, match="teir"):
        categorized_row(teir="headline")
