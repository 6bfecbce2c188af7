"""The taxonomy file: default ids and names, a user's replacement, refusals (taxonomy.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from news_pipeline import schema
from news_pipeline.editorial import Taxonomy, categorize_stories, load_taxonomy
from news_pipeline_tests.stages.editorial.deduped_rows import article, frame


def test_default_taxonomy_has_contract_ids_and_bilingual_names(taxonomy: Taxonomy) -> None:
    assert taxonomy.category_ids() == list(schema.CATEGORY_IDS)
    names = taxonomy.display_names()
    assert names["models"] == {"zh": "模型", "en": "Models"}
    assert all(name["zh"] and name["en"] for name in names.values())
    assert taxonomy.ai_terms.zh and taxonomy.ai_terms.en
    assert taxonomy.entity_weights["OpenAI"] == 1.0


def test_taxonomy_override_file_replaces_default(tmp_path: Path) -> None:
    custom = tmp_path / "taxonomy.yaml"
    custom.write_text(
        """
ai_terms: {zh: [人工智能], en: [AI]}
categories:
  - id: gadgets
    names: {zh: 硬件, en: Gadgets}
    keywords: {zh: [耳机, 手表], en: [earbuds, smartwatch]}
  - id: other
    names: {zh: 其他, en: Other}
""",
        encoding="utf-8",
    )
    replaced = load_taxonomy(custom)
    assert replaced.category_ids() == ["gadgets", "other"]
    assert replaced.display_names()["gadgets"] == {"zh": "硬件", "en": "Gadgets"}

    rows = [
        article("s1", "a1", title="AI smartwatch reads your mood", text="The AI smartwatch..."),
        article("s2", "a2", title="阿里发布千问3.5大模型", text="人工智能大模型，参数3970亿。"),
    ]
    out = categorize_stories(frame(rows), replaced)
    assert dict(zip(out["story_id"], out["category"], strict=True)) == {
        "s1": "gadgets",
        "s2": "other",
    }


def test_a_taxonomy_file_of_the_earlier_shape_still_loads(tmp_path: Path) -> None:
    # `events` were called `strong_keywords` before; such a file keeps working
    custom = tmp_path / "taxonomy.yaml"
    custom.write_text(
        """
ai_terms: {zh: [人工智能], en: [AI]}
categories:
  - id: legal
    names: {zh: 法律, en: Legal}
    keywords: {en: [court]}
    strong_keywords: {en: [sues]}
  - id: other
    names: {zh: 其他, en: Other}
""",
        encoding="utf-8",
    )
    legal = load_taxonomy(custom).categories[0]
    assert legal.events.en == ["sues"]
    rows = [article("s1", "a1", title="Author sues AI lab", text="The AI lab was sued.")]
    out = categorize_stories(frame(rows), load_taxonomy(custom))
    assert out["category"].to_list() == ["legal"]
    assert out["category_evidence"].to_list()[0][0] == "title event: sues"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "ai_terms: {en: [AI]}\ncategories:\n  - {id: x, names: {zh: 甲, en: X}}\n",
            "other",
        ),
        (
            "ai_terms: {en: [AI]}\ncategories:\n  - {id: other, names: {zh: 甲, en: X}}\n"
            "  - {id: other, names: {zh: 乙, en: Y}}\n",
            "duplicate",
        ),
        (
            "ai_terms: {en: [AI]}\nentity_weights: {OpenAI: 3}\n"
            "categories:\n  - {id: other, names: {zh: 甲, en: X}}\n",
            "between 0 and 1",
        ),
    ],
)
def test_bad_taxonomy_files_are_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_taxonomy(path)
