"""Print the dedupe quality figures on the labelled set and a speed comparison.

Quality: the days of news_pipeline_tests/data/dedupe_eval/articles.jsonl are deduped in
order, each with the earlier days' output as ``previous``, and the predicted stories are
scored against the hand-written ones (pairwise precision/recall/F1, B-cubed F1).
Speed: our dedupe (the whole stage, and its near-duplicate core alone) against a plain
datasketch MinHashLSH loop over the same shingles on N synthetic documents (Chinese and
English, 500-1,500 characters, about 12% near-duplicates in clusters of 2-5), same process.

    python scripts/eval_dedupe.py [--docs N] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from news_pipeline.schema import CLEANED_ARTICLES_SCHEMA, conform
from news_pipeline.stories import (
    DedupeSettings,
    dedupe_articles,
    estimated_jaccard,
    evaluate_pairs,
    evaluation_labels,
    lsh_candidate_pairs,
    minhash_signatures,
    shingle_documents,
)

EVAL_SET = (
    Path(__file__).resolve().parent.parent
    / "news_pipeline_tests"
    / "data"
    / "dedupe_eval"
    / "articles.jsonl"
)


def load_eval_set(path: Path = EVAL_SET) -> pl.DataFrame:
    frame = pl.read_ndjson(path)
    return frame.with_columns(
        pl.col("partition_date").str.to_date(),
        pl.col("published_at").str.to_datetime("%Y-%m-%dT%H:%M:%S", time_unit="us"),
        pl.lit("item").alias("record_kind"),
        pl.col("title").alias("listed_title"),
        pl.col("text").str.len_chars().cast(pl.Int64).alias("text_chars"),
    )


def run_days_in_order(
    articles: pl.DataFrame, settings: DedupeSettings | None = None
) -> pl.DataFrame:
    """Each partition deduped with every earlier partition's output as ``previous``."""
    outputs: list[pl.DataFrame] = []
    history = pl.DataFrame()
    for day in sorted(articles["partition_date"].unique().to_list()):
        cleaned = conform(articles.filter(pl.col("partition_date") == day), CLEANED_ARTICLES_SCHEMA)
        result = dedupe_articles(cleaned, history, settings)
        outputs.append(result)
        history = pl.concat(outputs, how="vertical_relaxed")
    return pl.concat(outputs, how="vertical_relaxed")


def quality(settings: DedupeSettings | None = None) -> dict[str, float]:
    articles = load_eval_set()
    deduped = run_days_in_order(articles, settings)
    truth = articles.sort("partition_date", maintain_order=True)["story"].to_list()
    return evaluate_pairs(truth, evaluation_labels(deduped))


_ZH_WORDS = list(
    "模型发布开源参数推理算力芯片数据中心智能体机器人融资估值用户市场价格训练视频图像语音"
    "公司宣布表示今天消息显示报道透露计划合作升级版本性能能力成本场景应用开发者平台服务"
)
_EN_WORDS = [
    "model",
    "release",
    "open",
    "source",
    "parameters",
    "inference",
    "compute",
    "chip",
    "data",
    "center",
    "agent",
    "robot",
    "funding",
    "valuation",
    "users",
    "market",
    "price",
    "training",
    "video",
    "image",
    "speech",
    "company",
    "announced",
    "said",
    "today",
    "report",
    "plans",
    "partnership",
    "upgrade",
    "version",
    "performance",
    "capability",
    "cost",
    "scenario",
    "app",
    "developer",
    "platform",
    "service",
    "launch",
    "benchmark",
    "startup",
    "investors",
    "revenue",
    "growth",
    "research",
]


def synthetic_corpus(count: int, seed: int = 7) -> pl.DataFrame:
    """Chinese and English texts of 500-1,500 characters; about 12% are copies of another
    text with a cut start and a boilerplate tail, in clusters of 2-5."""

    rng = random.Random(seed)
    texts: list[str] = []
    while len(texts) < count:
        chinese = rng.random() < 0.5
        if chinese:
            body = "".join(rng.choice(_ZH_WORDS) for _ in range(rng.randint(500, 1500)))
        else:
            body = " ".join(rng.choice(_EN_WORDS) for _ in range(rng.randint(90, 260)))
        texts.append(body)
        if rng.random() < 0.05:
            for _ in range(rng.randint(1, 4)):
                if len(texts) >= count:
                    break
                cut = rng.randint(0, len(body) // 10)
                tail = "责任编辑：王五" if chinese else "Sign up for our newsletter."
                texts.append(body[cut:] + tail)
    start = datetime(2026, 2, 14)
    return pl.DataFrame(
        {
            "partition_date": [date(2026, 2, 14)] * count,
            "record_kind": ["item"] * count,
            "article_id": [f"a{index}" for index in range(count)],
            "source": [f"site{index % 40}" for index in range(count)],
            "source_weight": [1.0] * count,
            "url": [f"https://site{index % 40}.example.com/a/{index}" for index in range(count)],
            "title": [text[:24] for text in texts],
            "text": texts,
            "published_at": [start + timedelta(seconds=index) for index in range(count)],
        }
    )


_TOKEN_RE = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
    "|[0-9a-z\u00c0-\u024f\u0370-\u052f]+"
)


def python_shingles(text: str, settings: DedupeSettings) -> set[str]:
    """The shingles of dedupe.shingle_documents (CJK characters and Latin words as tokens,
    5-grams for mostly-CJK text, 3-grams otherwise), built the plain-Python way."""
    tokens = _TOKEN_RE.findall(unicodedata.normalize("NFKC", text).lower())
    cjk = sum(1 for token in tokens if len(token) == 1 and token >= "\u3040")
    size = (
        settings.char_shingle_size
        if cjk > settings.cjk_ratio_for_char_shingles * max(len(tokens), 1)
        else settings.word_shingle_size
    )
    if len(tokens) <= size:
        return {" ".join(tokens)}
    return {" ".join(tokens[index : index + size]) for index in range(len(tokens) - size + 1)}


def datasketch_groups(texts: list[str], settings: DedupeSettings) -> list[int]:
    """The plain loop: shingle, MinHash, query a MinHashLSH, insert; a document joins the
    group of the first earlier document the query returns."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=settings.near_duplicate_threshold, num_perm=settings.num_perm)
    groups: list[int] = []
    for index, text in enumerate(texts):
        signature = MinHash(num_perm=settings.num_perm, seed=1)
        signature.update_batch(
            [shingle.encode("utf-8") for shingle in python_shingles(text, settings)]
        )
        found = lsh.query(signature)
        groups.append(min(groups[int(key)] for key in found) if found else index)
        lsh.insert(str(index), signature)
    return groups


def baseline_quality(settings: DedupeSettings | None = None) -> dict[str, float]:
    """The datasketch loop's near-duplicate groups, all days in one index, scored alike."""
    articles = load_eval_set().sort("partition_date", "published_at", maintain_order=True)
    groups = datasketch_groups(articles["text"].to_list(), settings or DedupeSettings())
    return evaluate_pairs(articles["story"].to_list(), [str(group) for group in groups])


def core_rate(texts: list[str], settings: DedupeSettings) -> float:
    """Seconds of our near-duplicate core alone (what the baseline does): shingling,
    MinHash, banding and verification of candidate pairs."""
    started = time.perf_counter()
    signatures = minhash_signatures(shingle_documents(texts, settings), settings)
    candidates = lsh_candidate_pairs(
        signatures, np.ones(len(texts), dtype=bool), settings.lsh_bands
    )
    estimated_jaccard(signatures, candidates)
    return time.perf_counter() - started


def speed(count: int, run_baseline: bool) -> str:
    settings = DedupeSettings()
    corpus = conform(synthetic_corpus(count), CLEANED_ARTICLES_SCHEMA)
    texts = corpus["text"].to_list()
    started = time.perf_counter()
    result = dedupe_articles(corpus, pl.DataFrame(), settings)
    ours = time.perf_counter() - started
    core = core_rate(texts, settings)
    stories = result["story_id"].n_unique()
    line = (
        f"speed on {count:,} synthetic docs: dedupe_articles {count / ours:,.0f} docs/s "
        f"({ours:.2f} s, {stories:,} stories); near-duplicate core {count / core:,.0f} docs/s "
        f"({core:.2f} s)"
    )
    if run_baseline:
        started = time.perf_counter()
        datasketch_groups(texts, settings)
        baseline = time.perf_counter() - started
        line += (
            f"; datasketch MinHashLSH loop {count / baseline:,.0f} docs/s ({baseline:.2f} s); "
            f"ratio {baseline / ours:.1f}x (whole stage), {baseline / core:.1f}x (core)"
        )
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="synthetic documents for speed")
    parser.add_argument("--skip-baseline", action="store_true", help="time only our dedupe")
    args = parser.parse_args(argv)

    def line(figures: dict[str, float]) -> str:
        return ", ".join(f"{name} {value:.3f}" for name, value in figures.items())

    print("labelled set, dedupe_articles: " + line(quality()))
    if not args.skip_baseline:
        print("labelled set, datasketch loop: " + line(baseline_quality()))
    print(speed(args.docs, not args.skip_baseline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
