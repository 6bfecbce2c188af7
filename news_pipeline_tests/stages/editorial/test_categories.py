"""Category, evidence and AI relevance of single stories; the labelled set (categories.py)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from news_pipeline import schema
from news_pipeline.editorial import Taxonomy, classify_story
from news_pipeline_tests.paths import REPO_ROOT as ROOT


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("蚂蚁开源万亿参数模型Ling-2.5-1T", "新模型支持100万Token上下文，激活参数63B。", "models"),
        ("Unitree humanoid robots flip on stage", "The robots ran in formation.", "robotics"),
        ("可灵3.0上线，视频生成时长提升到15秒", "快手的视频生成模型新增原生音频。", "multimodal"),
        ("Voice actor sues AI startup over cloned voice", "The lawsuit says...", "policy"),
        ("具身智能公司完成10亿元融资", "本轮融资由多家机构领投，估值翻倍。", "business"),
    ],
)
def test_classify_story_picks_category_with_evidence(
    taxonomy: Taxonomy, title: str, body: str, expected: str
) -> None:
    result = classify_story(title, body, taxonomy)
    assert result.category == expected
    assert result.evidence
    assert not result.off_topic


def test_longer_term_wins_over_the_term_inside_it(taxonomy: Taxonomy) -> None:
    # "fine-tuning" (models) contains "fine"; it must not read as a policy fine.
    result = classify_story("Fine-tuning recipe for open-weight LLMs", "", taxonomy)
    assert result.category == "models"
    assert "title topic: fine-tuning" in result.evidence


def test_non_ai_story_is_off_topic(taxonomy: Taxonomy) -> None:
    result = classify_story("国足世预赛客场告负", "比赛第80分钟对手打进制胜球。", taxonomy)
    assert result.off_topic
    assert result.ai_relevance == 0.0


def test_labelled_set_meets_accuracy_floor(taxonomy: Taxonomy) -> None:
    spec = importlib.util.spec_from_file_location(
        "eval_categorize", ROOT / "scripts/eval_categorize.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_categorize"] = module
    spec.loader.exec_module(module)
    stories = module.load_labelled_set()
    assert len(stories) >= 120
    languages = {story.lang for story in stories}
    assert languages == {"zh", "en"}
    categories = {story.category for story in stories if not story.off_topic}
    assert categories == set(schema.CATEGORY_IDS)

    overall = module.evaluate(stories, taxonomy)
    assert overall.accuracy >= 0.85
    assert overall.off_topic_total >= 10
    assert overall.off_topic_recall >= 0.90
    assert overall.ai_false_off_topic_rate <= 0.03
    holdout = module.evaluate([s for s in stories if s.split == "holdout"], taxonomy)
    assert holdout.on_topic_total >= 30
    assert holdout.accuracy >= 0.85
