"""Page bytes to text: BOM, header and meta charsets, supersets, detection."""

from __future__ import annotations

from news_pipeline.text.decoding import decode_html
from news_pipeline_tests.stages.text.pages import (
    EN_PARAGRAPHS,
    EN_TITLE,
    HANT_PARAGRAPHS,
    HANT_TITLE,
    TRADITIONAL_CHROME,
    ZH_PARAGRAPHS,
    ZH_TITLE,
    clean_one,
    item_row,
    page_html,
)


def test_gbk_page_without_header_charset_comes_out_right() -> None:
    html = page_html(ZH_TITLE, ZH_PARAGRAPHS, meta_charset="gbk")
    row = clean_one(
        item_row("https://tech.example.cn/a/1.html", html.encode("gbk"), declared_charset=None)
    )
    assert row["text"] == "\n".join(ZH_PARAGRAPHS)
    assert row["title"] == ZH_TITLE
    assert row["text_source"] == "page"
    assert row["language"] == "zh"
    assert row["script"] == "hans"
    assert row["text_chars"] == len("\n".join(ZH_PARAGRAPHS))
    assert row["excluded_reason"] is None


def test_gbk_page_with_no_declaration_anywhere_is_detected() -> None:
    html = page_html(ZH_TITLE, ZH_PARAGRAPHS)
    text, codec = decode_html(html.encode("gbk"))
    assert text == html
    assert codec == "gb18030"


def test_gb2312_header_decodes_gb18030_only_characters() -> None:
    # 䶮 is outside GB2312/GBK but servers labelled gb2312 send it as GB18030.
    html = page_html("新模型发布", [*ZH_PARAGRAPHS, "创始人刘䶮表示将继续投入研发。"])
    text, codec = decode_html(html.encode("gb18030"), "GB2312")
    assert codec == "gb18030"
    assert "刘䶮" in text


def test_utf8_page_with_header_charset() -> None:
    html = page_html(EN_TITLE, EN_PARAGRAPHS, title_suffix=" - Tech Daily")
    row = clean_one(
        item_row(
            "https://www.techdaily.example.com/2026/02/14/disney-seedance",
            html.encode("utf-8"),
            declared_charset="utf-8",
            source="techdaily",
            source_language="en",
            listed_title=EN_TITLE,
        )
    )
    assert row["text"] == "\n".join(EN_PARAGRAPHS)
    assert row["title"] == EN_TITLE
    assert row["language"] == "en"
    assert row["script"] is None


def test_big5_page_is_traditional_chinese() -> None:
    html = page_html(HANT_TITLE, HANT_PARAGRAPHS, meta_charset="big5", chrome=TRADITIONAL_CHROME)
    row = clean_one(
        item_row("https://news.example.tw/a/2.html", html.encode("big5"), source_language="zh")
    )
    assert row["text"] == "\n".join(HANT_PARAGRAPHS)
    assert row["title"] == HANT_TITLE
    assert row["language"] == "zh"
    assert row["script"] == "hant"


def test_weak_latin1_header_loses_to_meta_charset() -> None:
    html = page_html(ZH_TITLE, ZH_PARAGRAPHS, meta_charset="utf-8")
    text, codec = decode_html(html.encode("utf-8"), "ISO-8859-1")
    assert (text, codec) == (html, "utf-8")


def test_utf8_bom_wins_over_a_wrong_header() -> None:
    html = page_html(ZH_TITLE, ZH_PARAGRAPHS)
    text, _ = decode_html(b"\xef\xbb\xbf" + html.encode("utf-8"), "gbk")
    assert text == html
