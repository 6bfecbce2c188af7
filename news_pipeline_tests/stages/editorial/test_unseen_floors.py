"""Floors on stories whose names the project has never seen (data/categorize_unseen).

The set runs through `categorize_stories` as the pipeline runs it (scripts/
eval_categorize_unseen.py): every story's articles are members of one story, each day ranked
on its own. The floors hold on the held-out third, which nothing was tuned on; each failure
prints the confusion matrix.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any

import pytest

from news_pipeline.editorial import Taxonomy
from news_pipeline_tests.paths import REPO_ROOT

ACCURACY_FLOOR = 0.85


@pytest.fixture(scope="module")
def evaluation() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "eval_categorize_unseen", REPO_ROOT / "scripts/eval_categorize_unseen.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_categorize_unseen"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def holdout(evaluation: ModuleType, taxonomy: Taxonomy) -> Any:
    stories = evaluation.load_unseen_set()
    predictions = evaluation.predict(stories, taxonomy)
    chosen = [story for story in stories if story.split == "holdout"]
    return evaluation.evaluate(chosen, predictions)


def _report(evaluation: ModuleType, result: Any, taxonomy: Taxonomy) -> str:
    errors = "\n".join(
        f"  {story.id} [{story.category}] {what}: {story.articles[0].title}"
        for story, _, what in result.errors
    )
    return (
        f"\n{evaluation.format_summary('holdout', result)}\n"
        f"{evaluation.format_confusion(result, taxonomy.category_ids())}\n{errors}"
    )


def test_the_set_is_the_one_described(evaluation: ModuleType) -> None:
    stories = evaluation.load_unseen_set()
    assert len(stories) == 166
    assert sum(len(story.articles) for story in stories) == 246
    assert sum(story.split == "holdout" for story in stories) == 53
    languages = {article.language for story in stories for article in story.articles}
    assert languages == {"zh-Hans", "zh-Hant", "en"}


def test_holdout_category_accuracy_floor(
    evaluation: ModuleType, holdout: Any, taxonomy: Taxonomy
) -> None:
    assert holdout.on_topic_total >= 45
    assert holdout.accuracy >= ACCURACY_FLOOR, _report(evaluation, holdout, taxonomy)


def test_no_holdout_story_in_other_where_another_category_fits(
    evaluation: ModuleType, holdout: Any, taxonomy: Taxonomy
) -> None:
    assert holdout.other_where_another_fits == 0, _report(evaluation, holdout, taxonomy)


def test_every_holdout_story_from_three_sources_is_a_headline(
    evaluation: ModuleType, holdout: Any, taxonomy: Taxonomy
) -> None:
    assert holdout.multi_source_total >= 5
    assert holdout.multi_source_headline_recall == 1.0, _report(evaluation, holdout, taxonomy)
