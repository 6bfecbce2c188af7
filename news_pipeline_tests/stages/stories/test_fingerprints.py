"""Shingles, text hashes and MinHash signatures."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest

from news_pipeline.schema import DEDUPED_STORIES_SCHEMA, conform
from news_pipeline.stories import fingerprints
from news_pipeline.stories.anchors import TERMS_COLUMN
from news_pipeline.stories.fingerprints import (
    ensure_fingerprints,
    minhash_signatures,
    shingle_documents,
    text_fingerprints,
)
from news_pipeline.stories.settings import DedupeSettings
from news_pipeline_tests.stages.stories.articles import labelled_articles


def test_full_width_and_ascii_text_share_a_text_hash() -> None:
    shingles = shingle_documents(
        [
            "ＧＰＴ－５ 发布，参数 １２００ 亿。",
            "GPT-5 发布，参数 1200 亿。",
            "完全不同的一段文字内容",
        ],
        DedupeSettings(),
    )
    assert shingles.text_hashes[0] == shingles.text_hashes[1]
    assert shingles.text_hashes[0] != shingles.text_hashes[2]


def test_fingerprints_in_blocks_equal_one_pass_over_all_texts() -> None:
    # more texts than one block of text_fingerprints, so block edges are crossed
    generator = random.Random(5)
    vocabulary = ["model", "release", "qwen3.5", "开源", "模型", "发布", "参数", "Ｇ", "１２"]
    texts: list[str | None] = [
        " ".join(generator.choices(vocabulary, k=generator.randint(0, 40))) for _ in range(2500)
    ]
    texts[1023:1026] = [None, "", "模型"]
    settings = DedupeSettings()
    signatures, text_hashes = text_fingerprints(texts, settings)
    shingles = shingle_documents(texts, settings)
    assert np.array_equal(signatures, minhash_signatures(shingles, settings))
    assert np.array_equal(text_hashes, shingles.text_hashes)


def test_fingerprints_in_parts_equal_one_part(monkeypatch: pytest.MonkeyPatch) -> None:
    # the labelled set, with a Traditional copy (OpenCC) and a missing text, in parts of 7
    articles = labelled_articles()
    traditional = articles.filter(pl.col("text").str.contains("[\u4e00-\u9fff]")).head(1)
    extra = traditional.with_columns(
        pl.col("text").str.replace_all("发", "發").str.replace_all("国", "國") + "，臺灣晶片產業",
        pl.lit("hant").alias("script"),
    )
    missing = articles.head(1).with_columns(pl.lit(None, dtype=pl.String).alias("text"))
    frame = conform(
        pl.concat([articles, extra, missing], how="diagonal_relaxed"), DEDUPED_STORIES_SCHEMA
    )
    settings = DedupeSettings()
    whole = ensure_fingerprints(frame, settings)
    monkeypatch.setattr(fingerprints, "_PART_DOCS", 7)
    in_parts = ensure_fingerprints(frame, settings)
    assert frame.height > 3 * 7
    assert in_parts.equals(whole)
    assert whole[TERMS_COLUMN].null_count() == 0
