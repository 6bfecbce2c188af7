"""Shingles, text hashes and MinHash signatures."""

from __future__ import annotations

import random

import numpy as np

from news_pipeline.stories.fingerprints import (
    minhash_signatures,
    shingle_documents,
    text_fingerprints,
)
from news_pipeline.stories.settings import DedupeSettings


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
