"""cleaned_articles over a frame: row accounting, ids, empty inputs, the worker pool."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import polars as pl
import pytest

from news_pipeline.fetch.body_store import BodyStore
from news_pipeline.schema import CLEANED_ARTICLES_SCHEMA, RAW_ARTICLES_SCHEMA
from news_pipeline.text import clean_articles
from news_pipeline.text.stage import worker_context
from news_pipeline_tests.stages.text.pages import (
    EN_PARAGRAPHS,
    EN_TITLE,
    SCRIPT_SHELL,
    ZH_PARAGRAPHS,
    ZH_TITLE,
    clean,
    item_row,
    page_html,
    raw_frame,
)


def test_failed_and_out_of_window_rows_carry_their_reasons() -> None:
    rows = [
        item_row(
            "https://a.example.com/404",
            None,
            status="http_error",
            http_status=404,
            error="Not Found",
        ),
        item_row(
            "https://a.example.com/slow",
            None,
            status="timeout",
            http_status=None,
            error="read timeout after 20s",
        ),
        item_row("https://a.example.com/old", None, status="out_of_window", http_status=None),
        {**item_row("https://a.example.com/rss", None), "record_kind": "feed"},
        {
            **item_row(
                "https://dead.example.com/rss",
                None,
                status="fetch_error",
                http_status=None,
                error="connection refused",
            ),
            "record_kind": "feed",
        },
    ]
    out = clean(raw_frame(rows))
    assert out.height == 5
    reasons = out["excluded_reason"].to_list()
    assert reasons == ["fetch_failed", "fetch_failed", "out_of_window", None, "fetch_failed"]
    details = out["excluded_detail"].to_list()
    assert "http_status=404" in details[0] and "status=http_error" in details[0]
    assert "status=timeout" in details[1] and "read timeout" in details[1]
    assert "connection refused" in details[4]
    assert out["text"].null_count() == 5
    assert out["url"].to_list() == [row["url"] for row in rows]


def test_empty_inputs_give_the_cleaned_schema() -> None:
    for raw in (pl.DataFrame(), pl.DataFrame(schema=RAW_ARTICLES_SCHEMA)):
        out = clean(raw)
        assert out.height == 0
        assert out.schema == pl.Schema(CLEANED_ARTICLES_SCHEMA)


def test_article_id_is_stable_per_source_and_url() -> None:
    html = page_html(EN_TITLE, EN_PARAGRAPHS).encode()
    first = clean(
        raw_frame(
            [
                item_row("https://a.example.com/1", html),
                item_row("https://a.example.com/2", html),
                item_row("https://a.example.com/1", html, source="other-site"),
            ]
        )
    )
    again = clean(raw_frame([item_row("https://a.example.com/1", html)]))
    ids = first["article_id"].to_list()
    assert len(set(ids)) == 3
    assert again["article_id"][0] == ids[0]
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)


def test_two_workers_give_the_same_frame_as_one() -> None:
    rows = []
    for number in range(12):
        if number % 3 == 0:
            html = page_html(f"{ZH_TITLE}（{number}）", ZH_PARAGRAPHS, meta_charset="gbk")
            body = html.encode("gbk")
        elif number % 3 == 1:
            body = page_html(f"{EN_TITLE} {number}", EN_PARAGRAPHS).encode()
        else:
            body = SCRIPT_SHELL.encode()
        rows.append(
            item_row(
                f"https://a.example.com/{number}",
                body,
                listed_summary="短讯：这是一条来自订阅源的简短摘要，内容足够长。",
            )
        )
    rows.insert(
        5, item_row("https://a.example.com/dead", None, status="http_error", http_status=500)
    )
    raw = raw_frame(rows)
    single = clean(raw, workers=1)
    parallel = clean(raw, workers=2)
    assert single.height == 13
    assert single.equals(parallel)
    assert single["text_source"].to_list().count("feed") == 4


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_counts_pages_and_ends_at_the_rows(body_store: BodyStore, workers: int) -> None:
    rows = [
        item_row(f"https://a.example.com/{number}", page_html(EN_TITLE, EN_PARAGRAPHS).encode())
        for number in range(5)
    ]
    rows += [
        item_row(f"https://a.example.com/shell/{number}", SCRIPT_SHELL.encode(), listed_summary="")
        for number in range(3)
    ]
    rows += [
        item_row("https://a.example.com/404", None, status="http_error", http_status=404),
        item_row("https://a.example.com/old", None, status="out_of_window", http_status=None),
        {**item_row("https://a.example.com/rss", None), "record_kind": "feed"},
    ]
    raw = raw_frame(rows)
    calls: list[tuple[int, int, int]] = []
    out = clean_articles(
        raw,
        body_store,
        workers=workers,
        progress=lambda done, total, failed: calls.append((done, total, failed)),
    )
    pages = raw.filter((pl.col("record_kind") == "item") & (pl.col("status") == "ok")).height
    no_text = out.filter(pl.col("excluded_reason") == "no_text").height
    assert (pages, no_text) == (8, 3)
    assert calls[0] == (0, pages, 0)
    assert calls[-1] == (pages, pages, no_text)
    assert all(total == pages for _, total, _ in calls)
    done = [call[0] for call in calls]
    failed = [call[2] for call in calls]
    assert done == sorted(set(done))
    assert failed == sorted(failed)


def test_progress_of_nothing_to_clean_is_zero_of_zero(body_store: BodyStore) -> None:
    calls: list[tuple[int, int, int]] = []
    feed_only = raw_frame([{**item_row("https://a.example.com/rss", None), "record_kind": "feed"}])
    for raw in (pl.DataFrame(), feed_only):
        clean_articles(raw, body_store, progress=lambda *call: calls.append(call))
        assert calls[-1] == (0, 0, 0)


def test_page_workers_start_with_the_extraction_module_loaded() -> None:
    """The forkserver imports the extraction module once, so each worker forked from it has
    trafilatura before its first page, and nothing of Dagster."""
    loaded = (
        "[name in __import__('sys').modules"
        " for name in ('news_pipeline.text.extraction', 'trafilatura', 'dagster')]"
    )
    with ProcessPoolExecutor(1, mp_context=worker_context()) as pool:
        assert pool.submit(eval, loaded).result() == [True, True, False]


def test_page_workers_do_not_import_the_main_script(tmp_path: Path) -> None:
    """multiprocessing has spawn and forkserver workers import the parent's main script as
    __mp_main__; `news-pipeline run`'s script imports Dagster (1.2 s per worker). A script
    that notes such an import cleans pages with two workers: no worker imports it."""
    marker = tmp_path / "imported-by-a-worker"
    script = tmp_path / "main_script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            if __name__ == "__mp_main__":
                open({str(marker)!r}, "w").close()
            if __name__ == "__main__":
                sys.path.insert(0, {str(Path(__file__).resolve().parents[3])!r})
                from pathlib import Path
                from news_pipeline.fetch.body_store import BodyStore
                from news_pipeline.text import clean_articles
                from news_pipeline_tests.stages.text import pages
                pages.BODIES = BodyStore(Path({str(tmp_path / "bodies")!r}))
                rows = [
                    pages.item_row(
                        f"https://a.example.com/{{n}}",
                        pages.page_html(pages.EN_TITLE, pages.EN_PARAGRAPHS).encode(),
                    )
                    for n in range(4)
                ]
                out = clean_articles(pages.raw_frame(rows), pages.BODIES, workers=2)
                print(out["text"].drop_nulls().len())
            """
        ),
        "utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "4"
    assert not marker.exists()
