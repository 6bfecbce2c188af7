"""Quality floors of story grouping, measured on data the grouping was not tuned on.

The held-out third of the stories_eval corpus (news_pipeline_tests/data/stories_eval, split by
story key, stored in articles.yaml) goes through the real pipeline exactly as
scripts/eval_stories.py runs it: the nine sites served on loopback, `news-pipeline run` over
2026-02-14..16 as a subprocess, and only report.json and cleaned_articles read back. Its
pairwise precision, recall and cross-language/script recall must stay at or above the floors
of the issue (B-cubed F1 is reported beside them). The older labelled set (dedupe_eval) keeps
its own floors. Takes about a minute; no marker: it runs wherever the suite runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl
import pytest

from news_pipeline.stories import evaluate_pairs, evaluation_labels
from news_pipeline_tests.stages.stories.articles import labelled_articles, run_in_order

SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"

HOLDOUT_PRECISION = 0.97
HOLDOUT_RECALL = 0.93
HOLDOUT_CROSS_LANGUAGE_RECALL = 0.90
LABELLED_SET_PRECISION = 0.97
LABELLED_SET_RECALL = 0.93


@pytest.fixture(scope="module")
def holdout(tmp_path_factory: pytest.TempPathFactory) -> dict:
    sys.path.insert(0, str(SCRIPTS))
    try:
        import eval_stories
    finally:
        sys.path.remove(str(SCRIPTS))
    work = tmp_path_factory.mktemp("stories_eval")
    data_dir = work / "data"
    data_dir.mkdir()
    corpus = eval_stories.load_corpus()
    with eval_stories.serve_corpus(corpus, port=0, out_dir=work / "sites") as bases:
        (data_dir / eval_stories.BASES_FILE).write_text(json.dumps(bases), "utf-8")
        sources = work / "sources.yaml"
        sources.write_text(eval_stories.sources_yaml(corpus, bases), "utf-8")
        eval_stories.run_pipeline(sources, data_dir)
    figures = eval_stories.evaluate(corpus, bases, data_dir)
    return figures["scopes"]["holdout"]


def test_holdout_pairwise_floors(holdout: dict) -> None:
    pairwise = holdout["pairwise"]
    summary = {**pairwise, "bcubed_f1": holdout["bcubed_f1"]}
    assert pairwise["precision"] >= HOLDOUT_PRECISION, summary
    assert pairwise["recall"] >= HOLDOUT_RECALL, summary


def test_holdout_cross_language_floor(holdout: dict) -> None:
    cross = holdout["cross_language"]
    by_languages = holdout["pair_recall_by_languages"]
    assert cross["recall"] >= HOLDOUT_CROSS_LANGUAGE_RECALL, (cross, by_languages)


def test_holdout_look_alikes_stay_apart(holdout: dict) -> None:
    assert holdout["look_alike"]["merged"] == 0, holdout["look_alike"]


def test_labelled_set_floors() -> None:
    articles = labelled_articles()
    outputs = run_in_order(articles)
    predicted = evaluation_labels(pl.concat(list(outputs.values())))
    truth = articles.sort("partition_date", maintain_order=True)["story"].to_list()
    figures = evaluate_pairs(truth, predicted)
    assert figures["pairwise_precision"] >= LABELLED_SET_PRECISION, figures
    assert figures["pairwise_recall"] >= LABELLED_SET_RECALL, figures
