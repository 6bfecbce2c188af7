"""Language detection with the source's hint, and Simplified/Traditional script."""

from __future__ import annotations

from news_pipeline.text.language import detect_language, detect_script
from news_pipeline_tests.stages.text.pages import EN_PARAGRAPHS, HANT_PARAGRAPHS, ZH_PARAGRAPHS


def test_language_detection_and_hint() -> None:
    assert detect_language("\n".join(EN_PARAGRAPHS), "zh") == "en"
    assert detect_language("\n".join(ZH_PARAGRAPHS), "en") == "zh"
    assert detect_language("OK", "zh-CN") == "zh"
    assert detect_script("\n".join(HANT_PARAGRAPHS)) == "hant"
    assert detect_script("\n".join(ZH_PARAGRAPHS)) == "hans"
    assert detect_script("no Chinese here") is None
