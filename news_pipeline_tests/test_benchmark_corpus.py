"""The benchmark corpus has the properties issue 7 asks of it (page weight, text length,
languages, near-duplicate share and cluster sizes), cheaply: a plan of 3,000 articles and
the pages of a few dozen."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from benchmarks import corpus
from news_pipeline.fetch import BodyStore
from news_pipeline.schema import RAW_ARTICLES_SCHEMA


@pytest.fixture(scope="module")
def plans() -> list[corpus.ArticlePlan]:
    return corpus.plan_corpus(3000, seed=7)


@pytest.fixture(scope="module")
def bodies(tmp_path_factory: pytest.TempPathFactory) -> BodyStore:
    return BodyStore(tmp_path_factory.mktemp("corpus") / "bodies")


@pytest.fixture(scope="module")
def chunk(plans: list[corpus.ArticlePlan], bodies: BodyStore) -> tuple[pl.DataFrame, pl.DataFrame]:
    clustered = [plan for plan in plans if plan.member > 0][:12]
    originals = {plan.story for plan in clustered}
    picked = clustered + [p for p in plans if p.story in originals and p.member == 0]
    picked += [p for p in plans if p.member == 0][:20]
    raw, truth = corpus.generate_chunk(picked, seed=7, bodies=bodies)
    assert raw is not None
    return raw, truth


def test_near_duplicates_are_ten_to_twenty_percent_in_clusters_of_two_to_five(
    plans: list[corpus.ArticlePlan],
) -> None:
    assert len(plans) == 3000
    copies = sum(1 for plan in plans if plan.member > 0)
    assert 0.10 <= copies / len(plans) <= 0.20
    story_sizes = Counter(Counter(plan.story for plan in plans).values())
    assert set(story_sizes) <= {1, 2, 3, 4, 5}
    assert all(story_sizes[size] > 0 for size in (2, 3, 4, 5))
    kinds = Counter(plan.kind for plan in plans if plan.member > 0)
    assert kinds[corpus.KIND_SYNDICATED] > 0 and kinds[corpus.KIND_REWORDED] > 0


def test_both_languages_and_every_story_keeps_one_language(
    plans: list[corpus.ArticlePlan],
) -> None:
    languages = Counter(plan.language for plan in plans)
    assert languages["zh"] > 0.4 * len(plans) and languages["en"] > 0.25 * len(plans)
    per_story: dict[int, set[str]] = {}
    for plan in plans:
        per_story.setdefault(plan.story, set()).add(plan.language)
    assert all(len(languages) == 1 for languages in per_story.values())


def test_pages_weigh_50_to_300_kb_around_500_to_3000_characters_of_text(
    chunk: tuple[pl.DataFrame, pl.DataFrame], bodies: BodyStore
) -> None:
    raw, truth = chunk
    for content_hash, text, url in zip(
        raw["content_hash"], truth["text"], truth["url"], strict=True
    ):
        page = bodies.get(content_hash)
        assert 50_000 <= len(page) <= 300_000, url
        assert 500 <= len(text) <= 3000, url
        charset = "gbk" if b'charset="gbk"' in page[:200] else "utf-8"
        html = page.decode(charset)
        for paragraph in text.split("\n"):
            assert f"<p>{paragraph}</p>" in html
        for furniture in ('class="main-nav"', 'class="ad ', 'class="comments"', "<footer"):
            assert furniture in html


def test_raw_frame_matches_the_raw_articles_contract(
    chunk: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    raw, _ = chunk
    assert raw.schema == pl.Schema(RAW_ARTICLES_SCHEMA)
    assert raw["url"].n_unique() == raw.height
    assert set(raw["record_kind"]) == {"item"} and set(raw["status"]) == {"ok"}


def test_copies_share_most_sentences_with_their_original(
    chunk: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    _, truth = chunk
    originals = dict(truth.filter(pl.col("member") == 0).select("story", "text").iter_rows())
    copies = truth.filter(pl.col("member") > 0)
    shares: dict[str, list[float]] = {corpus.KIND_SYNDICATED: [], corpus.KIND_REWORDED: []}
    for story, kind, text in copies.select("story", "kind", "text").iter_rows():
        original = originals[story]
        first, second = _sentences(original), _sentences(text)
        shares[kind].append(len(first & second) / len(first))
        if kind == corpus.KIND_REWORDED:
            assert text != original
    assert shares[corpus.KIND_SYNDICATED] and min(shares[corpus.KIND_SYNDICATED]) >= 0.6
    reworded = sorted(shares[corpus.KIND_REWORDED])
    assert reworded and reworded[len(reworded) // 2] >= 0.5 and max(reworded) < 1.0


def _sentences(text: str) -> set[str]:
    return {part for part in re.split(r"(?<=[。！？.?])\s*|\n", text) if part}


def test_generation_is_deterministic(tmp_path: Path) -> None:
    plans = corpus.plan_corpus(40, seed=11)
    assert plans == corpus.plan_corpus(40, seed=11)
    bodies = BodyStore(tmp_path / "bodies")
    first, _ = corpus.generate_chunk(plans[:3], seed=11, bodies=bodies)
    second, _ = corpus.generate_chunk(plans[:3], seed=11, bodies=bodies)
    assert first is not None and second is not None
    assert first["content_hash"].to_list() == second["content_hash"].to_list()
    assert bodies.count() == 3
