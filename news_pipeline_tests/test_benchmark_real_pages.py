"""The real-page corpus of the benchmark (benchmarks/real_pages.py), on three pages we write:
every page becomes an item inside the partition's window, spread over the hosts, and the
snippet scores count as trafilatura's evaluation does."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from benchmarks import real_pages
from benchmarks.corpus import PARTITION_DAY, TIMEZONE
from news_pipeline.schema import RAW_ARTICLES_SCHEMA, DayWindow

PAGE = (
    "<html><head><title>{title}</title><meta property='article:published_time' "
    "content='{day}'></head><body><article><p>{text}</p></article></body></html>"
)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    eval_dir = tmp_path / "tests" / "eval"
    eval_dir.mkdir(parents=True)
    entries = {}
    for number, day in enumerate(["2019-05-01", "2018-01-02", "2020-07-03"]):
        name = f"page{number}.html"
        text = f"Paragraph number {number} of a page written for this test, long enough."
        (eval_dir / name).write_text(
            PAGE.format(title=f"Title {number}", day=day, text=text), encoding="utf-8"
        )
        entries[f"https://site{number}.example/a"] = {
            "file": name,
            "with": [f"Paragraph number {number}"],
            "without": ["Cookie banner"],
        }
    (tmp_path / "tests" / "evaldata.json").write_text(json.dumps(entries), encoding="utf-8")
    return tmp_path


def test_pages_become_items_in_the_window_spread_over_hosts(clone: Path, tmp_path: Path) -> None:
    corpus = real_pages.ensure_real_corpus(clone, tmp_path / "cache", limit=None, hosts=2)
    raw = corpus.read_raw()
    assert raw.schema == pl.Schema(RAW_ARTICLES_SCHEMA)
    items = raw.filter(pl.col("record_kind") == "item")
    assert items["url"].to_list() == [f"https://site{n}.example/a" for n in range(3)]
    assert items["source"].to_list() == ["real-01", "real-02", "real-01"]
    assert items["listed_title"].to_list() == ["Title 0", "Title 1", "Title 2"]
    window = DayWindow(PARTITION_DAY, TIMEZONE)
    times = items["published_at"].to_list()
    assert all(window.start_utc <= moment < window.end_utc for moment in times)
    # ordered as the pages' own dates: 2018 (page1), 2019 (page0), 2020 (page2)
    assert times[1] < times[0] < times[2]
    assert all(corpus.bodies.get(h) for h in items["content_hash"])
    assert raw.filter(pl.col("record_kind") == "feed").height == 2


def test_window_times_put_undated_pages_last() -> None:
    window = DayWindow(date(2026, 2, 15), TIMEZONE)
    times = real_pages.window_times([None, "2020-01-01", "2019-01-01"], window)
    assert times[2] < times[1] < times[0]


def test_snippet_scores_count_found_and_unwanted_snippets(clone: Path) -> None:
    eval_dir = real_pages.eval_dir_of(clone)
    texts = ["Paragraph number 0 ... Cookie banner", "nothing", None]
    files = ["page0.html", "page1.html", "page2.html"]
    scores = real_pages.snippet_scores(texts, files, eval_dir)
    assert scores["snippets_found_share"] == pytest.approx(1 / 3)
    assert scores["unwanted_kept_out_share"] == pytest.approx(2 / 3)
    assert scores["snippet_precision"] == pytest.approx(1 / 2)
    assert scores["snippet_recall"] == pytest.approx(1 / 3)
