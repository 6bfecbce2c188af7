"""dedupe_articles: URL duplicates, stories, cross-day seen_before, determinism, and the
quality floors on the hand-labelled set in data/dedupe_eval (true story ids written by hand,
never taken from the code's output)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from news_pipeline.schema import (
    CLEANED_ARTICLES_SCHEMA,
    DEDUPED_STORIES_SCHEMA,
    REASON_DUPLICATE_URL,
    REASON_FETCH_FAILED,
    REASON_SEEN_BEFORE,
    conform,
)
from news_pipeline.stories import dedupe
from news_pipeline.stories.dedupe import (
    DedupeSettings,
    dedupe_articles,
    evaluate_pairs,
    evaluation_labels,
    fingerprint_terms,
    minhash_signatures,
    shingle_documents,
    text_fingerprints,
)
from news_pipeline_tests.paths import TEST_DATA_DIR

EVAL_SET = TEST_DATA_DIR / "dedupe_eval" / "articles.jsonl"
DAY = date(2026, 2, 14)


def labelled_articles() -> pl.DataFrame:
    return pl.read_ndjson(EVAL_SET).with_columns(
        pl.col("partition_date").str.to_date(),
        pl.col("published_at").str.to_datetime("%Y-%m-%dT%H:%M:%S", time_unit="us"),
        pl.lit("item").alias("record_kind"),
        pl.col("title").alias("listed_title"),
    )


def run_in_order(articles: pl.DataFrame) -> dict[date, pl.DataFrame]:
    """Each day deduped with all earlier days' outputs as previous."""
    outputs: dict[date, pl.DataFrame] = {}
    for day in sorted(articles["partition_date"].unique().to_list()):
        history = pl.concat(list(outputs.values())) if outputs else pl.DataFrame()
        rows = conform(articles.filter(pl.col("partition_date") == day), CLEANED_ARTICLES_SCHEMA)
        outputs[day] = dedupe_articles(rows, history)
    return outputs


@pytest.fixture(scope="module")
def labelled() -> pl.DataFrame:
    return labelled_articles()


@pytest.fixture(scope="module")
def labelled_outputs(labelled: pl.DataFrame) -> dict[date, pl.DataFrame]:
    return run_in_order(labelled)


def item(article_id: str, url: str, title: str, text: str, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "partition_date": DAY,
        "record_kind": "item",
        "article_id": article_id,
        "source": "sina",
        "source_weight": 1.0,
        "url": url,
        "title": title,
        "listed_title": title,
        "text": text,
        "published_at": datetime(2026, 2, 14, 5, 0),
    }
    row.update(extra)
    return row


def frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return conform(pl.DataFrame(rows), CLEANED_ARTICLES_SCHEMA)


# ---- the labelled set -------------------------------------------------------------------


def test_labelled_set_is_what_the_issue_asks_for(labelled: pl.DataFrame) -> None:
    assert labelled.height >= 80
    assert labelled["partition_date"].n_unique() >= 3
    assert labelled["source"].n_unique() >= 5
    assert labelled.filter(pl.col("text").str.contains(r"\p{Han}")).height >= 30
    assert labelled.filter(~pl.col("text").str.contains(r"\p{Han}")).height >= 30


def test_quality_floors_on_labelled_set(
    labelled: pl.DataFrame, labelled_outputs: dict[date, pl.DataFrame]
) -> None:
    predicted = evaluation_labels(pl.concat(list(labelled_outputs.values())))
    truth = labelled.sort("partition_date", maintain_order=True)["story"].to_list()
    figures = evaluate_pairs(truth, predicted)
    assert figures["pairwise_precision"] >= 0.97, figures
    assert figures["pairwise_recall"] >= 0.93, figures


def test_labelled_exclusions_match_the_notes(labelled_outputs: dict[date, pl.DataFrame]) -> None:
    rows = pl.concat(list(labelled_outputs.values()))
    reason = dict(zip(rows["article_id"], rows["excluded_reason"], strict=True))
    # written by hand in articles.jsonl: mobile / AMP / fragment listings of one URL
    assert reason["d1-04"] == REASON_DUPLICATE_URL
    assert reason["d1-07"] == REASON_DUPLICATE_URL
    assert reason["d1-15"] == REASON_DUPLICATE_URL
    assert reason["d2-08"] == REASON_DUPLICATE_URL
    # republications on a later day
    for article_id in ("d2-20", "d2-21", "d2-22", "d3-14", "d3-15"):
        assert reason[article_id] == REASON_SEEN_BEFORE, article_id
    # follow-ups are new stories
    for article_id in ("d2-23", "d2-24", "d3-11", "d3-12", "d3-13", "d3-19"):
        assert reason[article_id] is None, article_id


def test_labelled_match_reasons_and_leads(labelled_outputs: dict[date, pl.DataFrame]) -> None:
    rows = {row["article_id"]: row for row in pl.concat(list(labelled_outputs.values())).to_dicts()}
    # d1-02 is d1-01 with other boilerplate, d1-05 reports the same release in English
    assert rows["d1-02"]["match_reason"] == "near_duplicate"
    assert rows["d1-05"]["match_reason"] == "same_event"
    # the Doubao story's heaviest source is ithome (weight 1.2): d1-03 leads it
    assert rows["d1-03"]["is_lead"] is True
    assert rows["d1-03"]["match_reason"] == "lead"
    assert rows["d1-01"]["story_id"] == rows["d1-03"]["story_id"]
    assert rows["d1-03"]["story_size"] == 4


def test_rerunning_an_earlier_day_gives_identical_output(
    labelled: pl.DataFrame, labelled_outputs: dict[date, pl.DataFrame]
) -> None:
    everything = pl.concat(list(labelled_outputs.values()))
    for day in sorted(labelled_outputs)[:2]:
        rows = conform(labelled.filter(pl.col("partition_date") == day), CLEANED_ARTICLES_SCHEMA)
        # previous now also holds this day's own rows and the later days' rows
        again = dedupe_articles(rows, everything)
        assert again.equals(labelled_outputs[day]), day


def test_result_does_not_depend_on_row_order(labelled: pl.DataFrame) -> None:
    day_one = conform(labelled.filter(pl.col("partition_date") == DAY), CLEANED_ARTICLES_SCHEMA)
    shuffled_order = list(range(day_one.height))
    random.Random(3).shuffle(shuffled_order)
    straight = dedupe_articles(day_one, pl.DataFrame())
    shuffled = dedupe_articles(day_one[shuffled_order], pl.DataFrame())
    columns = ["article_id", "story_id", "is_lead", "excluded_reason", "excluded_detail"]
    assert (
        straight.select(columns)
        .sort("article_id")
        .equals(shuffled.select(columns).sort("article_id"))
    )


# ---- seed 000 ---------------------------------------------------------------------------

ROUNDUP = (
    "除夕还没到，AI战场已经硝烟弥漫。腾讯元宝撒出10亿红包，百度拿出5亿，阿里再送30亿免单，"
    "背后是国产大模型集体出招。Kimi、MiniMax、智谱和字节先后推出新品，DeepSeek悄悄做完"
    "一次关键升级，阿里的Qwen3.5也已蓄势待发。"
)
ROUNDUP_URL = "https://finance.sina.com.cn/tech/2026-02-14/doc-inhmuhwq2238716.shtml"
ROLL_URL = "https://finance.sina.com.cn/tech/roll/2026-02-14/doc-inhmrlwk8263687.shtml"


def test_seed_000_one_story_one_duplicate() -> None:
    title = "春节档大模型混战：阿里亮剑、字节狂飙，谁也不敢躺平"
    rows = frame(
        [
            item("s1", ROUNDUP_URL, title, "来源：TechWeb\n" + ROUNDUP),
            item("s3", ROUNDUP_URL, title, "来源：TechWeb\n" + ROUNDUP),
            item("s8", ROLL_URL, title, ROUNDUP + "\n责任编辑：李思"),
            item(
                "other",
                "https://finance.sina.com.cn/tech/2026-02-14/doc-inhmuhwr9351190.shtml",
                "豆包大模型2.0系列亮相，字节跳动一次推出四款模型",
                "字节跳动推出豆包大模型2.0系列，三款通用Agent模型分为Lite、Mini和Pro三档。",
            ),
        ]
    )
    out = dedupe_articles(rows, pl.DataFrame()).sort("article_id")
    by_id = {row["article_id"]: row for row in out.to_dicts()}
    assert by_id["s3"]["excluded_reason"] == REASON_DUPLICATE_URL
    assert by_id["s3"]["excluded_detail"] == ROUNDUP_URL
    assert by_id["s1"]["excluded_reason"] is None and by_id["s8"]["excluded_reason"] is None
    assert by_id["s1"]["story_id"] == by_id["s8"]["story_id"]
    assert by_id["s1"]["story_size"] == 2
    assert by_id["s1"]["is_lead"] != by_id["s8"]["is_lead"]
    assert by_id["other"]["story_id"] != by_id["s1"]["story_id"]
    assert by_id["other"]["story_size"] == 1 and by_id["other"]["is_lead"]


def test_duplicate_keeps_earliest_and_names_its_listed_url() -> None:
    text = "OpenAI hired the OpenClaw developer to build personal agents for its users."
    rows = frame(
        [
            item(
                "late",
                "https://m.example.com/story/1?utm_source=rss",
                "OpenClaw creator joins OpenAI",
                text,
                published_at=datetime(2026, 2, 14, 9, 0),
            ),
            item(
                "early",
                "https://www.example.com/story/1/",
                "OpenClaw creator joins OpenAI",
                text,
                published_at=datetime(2026, 2, 14, 8, 0),
            ),
        ]
    )
    out = {row["article_id"]: row for row in dedupe_articles(rows, pl.DataFrame()).to_dicts()}
    assert out["early"]["excluded_reason"] is None
    assert out["late"]["excluded_reason"] == REASON_DUPLICATE_URL
    assert out["late"]["excluded_detail"] == "https://www.example.com/story/1/"
    assert out["late"]["canonical_url"] == "https://example.com/story/1"


# ---- cross-day --------------------------------------------------------------------------

QWEN_TITLE = "阿里发布 Qwen3.5：3970 亿参数、激活 170 亿"
QWEN_TEXT = (
    "阿里巴巴今日开源千问 Qwen3.5，总参数 3970 亿，每次推理激活 170 亿参数。"
    "阿里称部署显存降低 60%，推理吞吐最高提升 19 倍，API 价格为每百万 Tokens 0.8 元。"
)


def day_rows(day: date, article_id: str, url: str, title: str, text: str) -> pl.DataFrame:
    return frame([item(article_id, url, title, text, partition_date=day)])


def test_republication_within_lookback_is_seen_before() -> None:
    first = dedupe_articles(
        day_rows(DAY, "a", "https://ithome.com/0/1.htm", QWEN_TITLE, QWEN_TEXT), pl.DataFrame()
    )
    later = DAY + timedelta(days=7)
    again = dedupe_articles(
        day_rows(later, "b", "https://36kr.com/p/2", QWEN_TITLE, "转载自IT之家。\n" + QWEN_TEXT),
        first,
    )
    assert again["excluded_reason"].to_list() == [REASON_SEEN_BEFORE]
    assert again["excluded_detail"].to_list() == first["story_id"].to_list()


def test_story_older_than_lookback_is_reported_again() -> None:
    first = dedupe_articles(
        day_rows(DAY, "a", "https://ithome.com/0/1.htm", QWEN_TITLE, QWEN_TEXT), pl.DataFrame()
    )
    later = DAY + timedelta(days=8)
    again = dedupe_articles(
        day_rows(later, "b", "https://36kr.com/p/2", QWEN_TITLE, QWEN_TEXT), first
    )
    assert again["excluded_reason"].to_list() == [None]
    assert again["is_lead"].to_list() == [True]


def test_new_development_is_a_new_story() -> None:
    first = dedupe_articles(
        day_rows(DAY, "a", "https://ithome.com/0/1.htm", QWEN_TITLE, QWEN_TEXT), pl.DataFrame()
    )
    follow_up = dedupe_articles(
        day_rows(
            DAY + timedelta(days=1),
            "b",
            "https://ithome.com/0/2.htm",
            "Qwen3.5 登顶 LMArena 开源榜，阿里宣布 Qwen3.5-Max 下周上线",
            "阿里巴巴的 Qwen3.5 在 LMArena 开源模型榜单排名第一，得分 1452。"
            "阿里同时宣布 Qwen3.5-Max 将于下周上线，总参数 3970 亿的开源版本下载量已破 200 万。",
        ),
        first,
    )
    assert follow_up["excluded_reason"].to_list() == [None]


def test_previous_rows_that_were_excluded_are_not_matched() -> None:
    first = dedupe_articles(
        day_rows(DAY, "a", "https://ithome.com/0/1.htm", QWEN_TITLE, QWEN_TEXT), pl.DataFrame()
    )
    hidden = first.with_columns(pl.lit(REASON_SEEN_BEFORE).alias("excluded_reason"))
    again = dedupe_articles(
        day_rows(DAY + timedelta(days=1), "b", "https://36kr.com/p/2", QWEN_TITLE, QWEN_TEXT),
        hidden,
    )
    assert again["excluded_reason"].to_list() == [None]


# ---- pass-through and shapes --------------------------------------------------------------


def test_empty_inputs() -> None:
    out = dedupe_articles(pl.DataFrame(), pl.DataFrame())
    assert out.height == 0
    assert out.schema == pl.Schema(DEDUPED_STORIES_SCHEMA)


def test_excluded_and_feed_rows_pass_through() -> None:
    rows = frame(
        [
            item("ok", "https://example.com/1", "Galbot raises $300M", "Galbot raised $300M."),
            item(
                "dead",
                "https://example.com/2",
                "Unreachable",
                None,
                excluded_reason=REASON_FETCH_FAILED,
                excluded_detail="timeout",
            ),
            item("feed", "https://example.com/rss.xml", None, None, record_kind="feed"),
        ]
    )
    out = dedupe_articles(rows, pl.DataFrame())
    assert out["article_id"].to_list() == ["ok", "dead", "feed"]
    dead = out.row(1, named=True)
    assert dead["excluded_reason"] == REASON_FETCH_FAILED
    assert dead["excluded_detail"] == "timeout"
    assert dead["story_id"] is None
    assert out.row(2, named=True)["story_id"] is None
    assert out.row(0, named=True)["is_lead"] is True


def test_story_ids_are_stable_across_runs(labelled: pl.DataFrame) -> None:
    rows = conform(labelled.filter(pl.col("partition_date") == DAY), CLEANED_ARTICLES_SCHEMA)
    first = dedupe_articles(rows, pl.DataFrame())
    second = dedupe_articles(rows, pl.DataFrame())
    assert first["story_id"].to_list() == second["story_id"].to_list()


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


def test_shared_title_weight_sums_the_tokens_both_titles_carry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # blocks of 3 pairs, so the lookups of one pair never leak into the next block's
    monkeypatch.setattr(dedupe, "_TITLE_PAIR_BLOCK", 3)
    weights = {"t:a": 1.0, "t:b": 2.0, "t:c": 4.0, "t:d": 8.0, "t:e": 16.0}
    titles = {0: ["t:a", "t:b"], 1: ["t:b", "t:c"], 2: [], 3: ["t:a", "t:b", "t:c"], 4: ["t:e"]}
    frame = pl.DataFrame(
        [
            {"doc": doc, "term": term, "weight": weights[term]}
            for doc, terms in titles.items()
            for term in terms
        ],
        schema={"doc": pl.Int64, "term": pl.String, "weight": pl.Float64},
    )
    pairs = [(a, b) for a in titles for b in titles if a < b] + [(4, 3), (1, 0)]
    expected = [sum(weights[term] for term in set(titles[a]) & set(titles[b])) for a, b in pairs]
    first, second = (np.array(side, dtype=np.int64) for side in zip(*pairs, strict=True))
    assert dedupe._shared_title_weight(first, second, frame).tolist() == expected


# ---- evaluate_pairs ---------------------------------------------------------------------


def test_evaluate_pairs_by_hand() -> None:
    # truth: {1,2,3} {4,5}; predicted: {1,2} {3,4,5}
    truth = ["a", "a", "a", "b", "b"]
    predicted = ["x", "x", "y", "y", "y"]
    figures = evaluate_pairs(truth, predicted)
    # same-story pairs: truth {12,13,23,45}, predicted {12,34,35,45}: 2 in common
    assert figures["pairwise_precision"] == pytest.approx(2 / 4)
    assert figures["pairwise_recall"] == pytest.approx(2 / 4)
    # B-cubed precision per item: 1, 1, 1/3, 2/3, 2/3 ; recall: 2/3, 2/3, 1/3, 1, 1
    assert figures["bcubed_precision"] == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    assert figures["bcubed_recall"] == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)


def test_evaluate_pairs_perfect() -> None:
    figures = evaluate_pairs(["a", "a", "b"], ["p", "p", "q"])
    assert figures["pairwise_f1"] == 1.0
    assert figures["bcubed_f1"] == 1.0


# ---- anchors on busy days ------------------------------------------------------------------


def anchors_of(title: str, text: str) -> set[str]:
    terms = fingerprint_terms(pl.Series([title]), pl.Series([text]), 240)[0].to_list()
    return {term for term in terms if term.startswith("a:")}


def test_title_case_headline_words_are_not_names() -> None:
    # two unrelated reports whose Title Case headlines share "Grow" and "Merger": read as
    # names, they are two shared anchors plus title overlap
    rows = frame(
        [
            item(
                "a",
                "https://example.com/vendors",
                "Vendors Grow as Talks Near Merger",
                "Two payroll software sellers expanded their customer lists while their boards "
                "discussed combining the companies.",
            ),
            item(
                "b",
                "https://example.org/bank",
                "Earnings Grow as Bank Weighs Merger",
                "A regional lender posted higher quarterly profit and said it is studying an "
                "offer from a larger rival.",
            ),
            item(
                "c",
                "https://example.net/robots",
                "Galbot raises $300M for warehouse robots",
                "The Beijing robot maker Galbot closed a $300M round at a $3B valuation.",
            ),
            item(
                "d",
                "https://example.net/glasses",
                "Meta adds live translation to Ray-Ban Display",
                "Meta's display glasses now translate conversations in twelve languages.",
            ),
        ]
    )
    result = dedupe_articles(rows, pl.DataFrame())
    assert result["story_id"].n_unique() == 4
    assert not {"a:e:grow", "a:e:merger"} & anchors_of("Vendors Grow as Talks Near Merger", "")


def test_title_case_headline_still_joins_its_event() -> None:
    rows = frame(
        [
            item(
                "a",
                "https://example.com/hire",
                "OpenAI Hires OpenClaw Creator Peter Steinberger",
                "OpenAI has brought on Peter Steinberger, the developer behind OpenClaw, to "
                "lead work on personal agents.",
            ),
            item(
                "b",
                "https://example.org/join",
                "OpenClaw's creator is joining OpenAI",
                "Peter Steinberger, who started the OpenClaw agent project, moves to OpenAI "
                "to build agents for everyday users.",
            ),
            # a third report makes the shared title words rarer than the pool's (idf > 0)
            item(
                "c",
                "https://example.net/robots",
                "Galbot raises $300M for warehouse robots",
                "The Beijing robot maker Galbot closed a $300M round at a $3B valuation.",
            ),
        ]
    )
    result = dedupe_articles(rows, pl.DataFrame()).sort("article_id")
    story_ids = result["story_id"].to_list()
    assert story_ids[0] == story_ids[1] != story_ids[2]
    assert sorted(result["match_reason"].to_list()[:2]) == ["lead", "same_event"]


def test_digits_inside_a_name_are_not_a_number() -> None:
    anchors = anchors_of("Vexor7b tops a coding benchmark", "It has 397B parameters.")
    assert "a:i:vexor7b" in anchors
    assert {anchor for anchor in anchors if anchor.startswith("a:n:")} == {"a:n:397e9"}


def test_one_chinese_product_name_is_one_anchor() -> None:
    anchors = anchors_of("通义千问上线新功能", "")
    assert {anchor for anchor in anchors if anchor.startswith("a:e:")} == {"a:e:qwen"}
