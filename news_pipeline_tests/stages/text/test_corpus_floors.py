"""The text stage's floors on the labelled stories_eval corpus, through the real fetch stage and
the real extraction: mojibake repaired on the damaged pages, thin pages excluded, boilerplate
gone (text precision per site), each for the tune and the holdout split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from news_pipeline.text import clean_articles
from news_pipeline_tests.stages.text.corpus_text import SPLITS, fetch_corpus, score_cleaned
from news_pipeline_tests.support.site_corpus import load_corpus

# Characters of the true text found again on the damaged pages (text and titles).
MOJIBAKE_FLOOR = 0.99
# Character-bigram precision of every site's text against the true bodies (the damaged sites
# keep a few wrong characters) and recall (nothing of the article lost).
PRECISION_FLOOR = {"langchao": 0.93, "xiaobai": 0.95}
DEFAULT_PRECISION_FLOOR = 0.98
RECALL_FLOOR = 0.97


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    corpus = load_corpus()
    fetched = fetch_corpus(corpus, Path(tmp_path_factory.mktemp("stories_eval")))
    cleaned = clean_articles(fetched.raw, fetched.bodies, workers=2)
    return score_cleaned(corpus, fetched.bases, cleaned)


@pytest.mark.parametrize("split", SPLITS)
def test_mojibake_repaired_through_html(figures: dict[str, Any], split: str) -> None:
    mojibake = figures[split]["mojibake"]
    assert mojibake["articles"] >= 5
    for part in ("text", "title", "listed_title"):
        assert mojibake[f"{part}_right"] >= MOJIBAKE_FLOOR, (split, part, mojibake)


@pytest.mark.parametrize("split", SPLITS)
def test_thin_pages_excluded_with_a_reason(figures: dict[str, Any], split: str) -> None:
    thin = figures[split]["thin_pages"]
    assert thin, split
    for page in thin:
        assert page["right"], page
        assert page["excluded_detail"].startswith(("video page:", "paywall teaser:")), page


@pytest.mark.parametrize("split", SPLITS)
def test_text_precision_per_site(figures: dict[str, Any], split: str) -> None:
    sites = figures[split]["text_by_site"]
    assert len(sites) == 9
    for site, text in sites.items():
        floor = PRECISION_FLOOR.get(site, DEFAULT_PRECISION_FLOOR)
        assert text["precision"] >= floor, (split, site, text)
        assert text["recall"] >= RECALL_FLOOR, (split, site, text)
