"""Pages, rows and frames the text-stage tests are made of (written for these tests)."""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import polars as pl

from news_pipeline.fetch.body_store import BodyStore
from news_pipeline.schema import RAW_ARTICLES_SCHEMA, conform
from news_pipeline.text import BoilerplateRules, clean_articles

DAY = date(2026, 2, 14)

# The running test's store: conftest.py sets it to the test's own body_store before each test.
BODIES = BodyStore(Path("unset"))


def clean(
    raw: pl.DataFrame, rules: BoilerplateRules | None = None, workers: int = 1
) -> pl.DataFrame:
    return clean_articles(raw, BODIES, rules=rules, workers=workers)


ZH_PARAGRAPHS = [
    "2月14日下午，字节跳动正式推出豆包大模型2.0系列，包含Pro、Lite、Mini三款通用模型和一款编程模型。",
    "其中Pro版本面向深度推理和长链路任务，Lite版本在性能与成本之间取得平衡，综合能力超过上一代主力模型豆包1.8。",
    "Mini版本则面向低时延、高并发的业务场景。想试用Pro版本的用户，可在网页版、电脑端或豆包App里打开专家模式。",
]
ZH_TITLE = "字节跳动发布豆包大模型2.0"

HANT_PARAGRAPHS = [
    "臺積電今日宣布擴大先進製程產能，預計明年開始量產，將為人工智慧晶片提供更多供應。",
    "公司表示，資料中心對高效能運算的需求持續增長，這也帶動了先進封裝業務的營收。",
    "分析師認為，這項投資將鞏固該公司在全球晶圓代工市場的領先地位。",
]
HANT_TITLE = "臺積電擴大先進製程產能"

EN_PARAGRAPHS = [
    "Disney has sent a cease-and-desist letter to ByteDance over its new video model Seedance 2.0, "
    "accusing the company of training on Marvel and Star Wars characters without permission.",
    "The letter, seen by Axios, says the model reproduces protected characters in generated clips "
    "and asks ByteDance to stop distributing them within ten days.",
    "ByteDance launched Seedance 2.0 on Thursday with joint audio and video generation, and it has "
    "already been integrated into several of the company's consumer apps.",
]
EN_TITLE = "Disney accuses ByteDance of training Seedance 2.0 on Marvel characters"


def page_html(
    title: str,
    paragraphs: list[str],
    *,
    meta_charset: str | None = None,
    head_extra: str = "",
    title_suffix: str = "",
    chrome: tuple[str, ...] = ("首页", "科技", "财经", "热门文章", "关于我们 | 联系我们"),
) -> str:
    """A realistic article page: navigation, article body, sidebar and footer."""
    home, tech, finance, popular, footer = chrome
    charset = f'<meta charset="{meta_charset}">' if meta_charset else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head>{charset}<title>{escape(title + title_suffix)}</title>"
        f"{head_extra}</head><body>"
        f'<nav><a href="/">{home}</a> <a href="/tech">{tech}</a> <a href="/fin">{finance}</a></nav>'
        f"<article><h1>{escape(title)}</h1>{body}</article>"
        f'<aside><ul><li><a href="/x">{popular}1</a></li><li><a href="/y">{popular}2</a></li></ul>'
        f"</aside><footer><p>{footer}</p></footer></body></html>"
    )


TRADITIONAL_CHROME = ("首頁", "科技", "財經", "熱門文章", "關於我們 | 聯絡我們")


def item_row(url: str, body: bytes | None, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "partition_date": DAY,
        "record_kind": "item",
        "source": "demo-site",
        "source_type": "rss",
        "source_language": "zh",
        "source_weight": 1.0,
        "feed_url": "https://news.example.com/rss.xml",
        "url": url,
        "status": "ok",
        "http_status": 200,
        "content_type": "text/html",
        "content_hash": BODIES.put(body) if body is not None else None,
    }
    row.update(fields)
    return row


def raw_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return conform(pl.DataFrame(rows, infer_schema_length=None), RAW_ARTICLES_SCHEMA)


def clean_one(row: dict[str, Any]) -> dict[str, Any]:
    out = clean(raw_frame([row]))
    assert out.height == 1
    return out.row(0, named=True)


# A JavaScript shell: no article text in the page.
SCRIPT_SHELL = (
    "<html><head><title>加载中</title></head><body><div id='app'></div>"
    "<script>window.__DATA__ = {};</script></body></html>"
)
