"""One page: main text, metadata, dates, the feed-summary fallback, exclusions, repair."""

from __future__ import annotations

from datetime import datetime
from html import escape

import pytest

from news_pipeline.fetch.body_store import BodyStore
from news_pipeline.text.extraction import normalise_whitespace
from news_pipeline_tests.stages.text.pages import (
    EN_PARAGRAPHS,
    EN_TITLE,
    SCRIPT_SHELL,
    ZH_PARAGRAPHS,
    ZH_TITLE,
    clean,
    clean_one,
    item_row,
    page_html,
    raw_frame,
)


def test_canonical_link_is_resolved_to_absolute() -> None:
    html = page_html(
        EN_TITLE, EN_PARAGRAPHS, head_extra='<link rel="canonical" href="/story/seedance-2">'
    )
    row = clean_one(
        item_row(
            "https://m.techdaily.example.com/s?id=9&utm_source=rss",
            html.encode(),
            final_url="https://m.techdaily.example.com/s?id=9&utm_source=rss",
        )
    )
    assert row["page_canonical_url"] == "https://m.techdaily.example.com/story/seedance-2"


def test_published_at_kept_when_present_else_taken_from_page() -> None:
    meta = '<meta property="article:published_time" content="2026-02-14T14:28:00+08:00">'
    html = page_html(ZH_TITLE, ZH_PARAGRAPHS, meta_charset="utf-8", head_extra=meta).encode()
    listed_time = datetime(2026, 2, 14, 5, 0)
    out = clean(
        raw_frame(
            [
                item_row(
                    "https://a.example.cn/1",
                    html,
                    published_at=listed_time,
                    published_at_source="feed",
                ),
                item_row("https://a.example.cn/2", html),
            ]
        )
    )
    kept, from_page = out.rows(named=True)
    assert (kept["published_at"], kept["published_at_source"]) == (listed_time, "feed")
    # 14:28 in UTC+8 is 06:28 UTC.
    assert from_page["published_at"] == datetime(2026, 2, 14, 6, 28)
    assert from_page["published_at_source"] == "page"


def test_page_without_text_falls_back_to_feed_summary() -> None:
    summary = (
        "<p>腾讯QQ在元宝上线了“脑洞秀”功能，用户上传一张照片即可生成Q版形象。</p>"
        "<p>生成的短视频可以一键分享给好友。</p>"
    )
    row = clean_one(
        item_row(
            "https://tech.example.cn/qq.html",
            SCRIPT_SHELL.encode(),
            listed_title="QQ脑洞秀上线元宝",
            listed_summary=summary,
        )
    )
    assert row["text_source"] == "feed"
    assert row["text"] == (
        "腾讯QQ在元宝上线了“脑洞秀”功能，用户上传一张照片即可生成Q版形象。\n"
        "生成的短视频可以一键分享给好友。"
    )
    assert row["excluded_reason"] is None
    assert row["language"] == "zh"


def test_missing_body_falls_back_to_feed_summary() -> None:
    row = clean_one(
        item_row(
            "https://tech.example.cn/nobody.html",
            None,
            listed_summary="OpenAI released a new reasoning model for developers on Thursday.",
            source_language="en",
        )
    )
    assert row["text_source"] == "feed"
    assert row["language"] == "en"


def test_neither_page_nor_feed_text_is_no_text() -> None:
    row = clean_one(
        item_row("https://tech.example.cn/empty.html", SCRIPT_SHELL.encode(), listed_summary="")
    )
    assert row["excluded_reason"] == "no_text"
    assert row["text"] is None
    assert row["text_chars"] is None
    assert "feed summary 0 chars" in row["excluded_detail"]


def test_corrupt_body_is_no_text_with_the_reason(body_store: BodyStore) -> None:
    row = item_row("https://a.example.com/broken", None, listed_summary="短")
    row["content_hash"] = "0" * 64
    path = body_store.path_for(row["content_hash"])
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a zstd frame")
    cleaned = clean_one(row)
    assert cleaned["excluded_reason"] == "no_text"
    assert "extraction failed" in cleaned["excluded_detail"]


def test_body_missing_from_the_store_is_no_text_with_the_reason(
    body_store: BodyStore,
) -> None:
    html = page_html(EN_TITLE, EN_PARAGRAPHS).encode()
    row = item_row("https://a.example.com/gone", html, listed_summary="")
    body_store.path_for(row["content_hash"]).unlink()
    cleaned = clean_one(row)
    assert cleaned["excluded_reason"] == "no_text"
    assert "not in the body store" in cleaned["excluded_detail"]


def test_page_metadata_is_read_from_the_head() -> None:
    head = (
        '<meta property="og:site_name" content="Tech Daily">'
        '<meta property="article:publisher" content="https://www.facebook.com/techdaily">'
        '<meta name="author" content="Jane Doe">'
        '<meta name="description" content="Disney sent ByteDance a letter over Seedance 2.0.">'
    )
    html = page_html(EN_TITLE, EN_PARAGRAPHS, head_extra=head, title_suffix=" | Tech Daily")
    row = clean_one(item_row("https://techdaily.example.com/a", html.encode(), source="td"))
    assert row["site_name"] == "Tech Daily"
    assert row["author"] == "Jane Doe"
    assert row["description"] == "Disney sent ByteDance a letter over Seedance 2.0."
    assert row["title"] == EN_TITLE


def test_whitespace_normalised_paragraphs_kept() -> None:
    messy = "\u3000\u3000第一段\u00a0内容。\u3000\r\n\r\n\r\n  第二段   内容。 \r第三段\u200b。\n\n"
    assert normalise_whitespace(messy) == "第一段 内容。\n第二段 内容。\n第三段。"


def test_mojibake_in_page_text_is_repaired() -> None:
    sentence = "英伟达发布新一代数据中心芯片，性能提升三倍，预计今年下半年开始供货。"
    # UTF-8 read as Windows-1252, bytes cp1252 leaves undefined kept as C1 controls.
    undefined = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
    damaged = "".join(
        chr(byte) if byte in undefined else bytes([byte]).decode("cp1252")
        for byte in sentence.encode("utf-8")
    )
    assert damaged != sentence
    paragraphs = [damaged, *EN_PARAGRAPHS]
    row = clean_one(item_row("https://a.example.com/m", page_html(EN_TITLE, paragraphs).encode()))
    assert row["text"].split("\n")[0] == sentence
    assert row["mojibake_repaired"] is True


def test_c_element_lookup_extracts_what_lxml_html_lookup_extracts() -> None:
    """Form controls lose their lxml.html classes under the C lookup; the extraction may not
    depend on them (a page that is all form, and an article with a form inside)."""
    import lxml.html
    import trafilatura
    import trafilatura.utils

    from news_pipeline.text.extraction import _use_c_element_lookup

    form = (
        '<form action="/s"><label for="q">Search the archive</label>'
        '<input id="q" name="q" value="Seedance"><select name="y"><option selected>2026</option>'
        "<option>2025</option></select><textarea name="
        '"c">A comment that was typed in</textarea></form>'
    )
    pages = [
        page_html(EN_TITLE, [*EN_PARAGRAPHS[:1], form, *EN_PARAGRAPHS[1:]]).replace(
            escape(form), form
        ),
        f"<html><body><h1>{EN_TITLE}</h1>{form}<p>{EN_PARAGRAPHS[0]}</p></body></html>",
    ]
    plain_parser = lxml.html.HTMLParser(
        collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True
    )

    def extracted(tree: object) -> str | None:
        return trafilatura.extract(tree, include_comments=False, include_tables=True)

    _use_c_element_lookup()
    for html in pages:
        ours = trafilatura.load_html(html)
        theirs = lxml.html.fromstring(html.encode(), parser=plain_parser)
        assert type(ours.find(".//input")) is lxml.html.HtmlElement
        assert isinstance(theirs.find(".//input"), lxml.html.InputElement)
        assert extracted(ours) == extracted(theirs)
        assert EN_PARAGRAPHS[0] in (extracted(ours) or "")


def test_only_a_short_text_on_a_page_with_more_paragraphs_is_extracted_again_in_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import trafilatura

    from news_pipeline.text.extraction import FULL_EXTRACTION_BELOW

    passes: list[bool] = []
    bare_extraction = trafilatura.bare_extraction

    def recording(*args: object, **kwargs: object) -> object:
        passes.append(bool(kwargs["fast"]))
        return bare_extraction(*args, **kwargs)

    def extraction_passes(url: str, html: str) -> tuple[list[bool], dict]:
        passes.clear()
        row = clean_one(item_row(url, html.encode()))
        return list(passes), row

    monkeypatch.setattr(trafilatura, "bare_extraction", recording)
    long_article = EN_PARAGRAPHS * 3  # about 1,500 characters
    assert sum(map(len, long_article)) > FULL_EXTRACTION_BELOW
    done, row = extraction_passes("https://a.example.com/long", page_html(EN_TITLE, long_article))
    assert done == [True]
    assert row["text"].count(EN_PARAGRAPHS[0]) == 3

    # A short article that is most of its page's paragraphs: the fast text is all there is.
    done, row = extraction_passes("https://a.example.com/short", page_html(EN_TITLE, EN_PARAGRAPHS))
    assert done == [True]
    assert row["text"].split("\n") == EN_PARAGRAPHS

    # The same article on a page whose sidebar holds three times more paragraph text.
    sidebar = "".join(f"<p>{escape(paragraph)}</p>" for paragraph in EN_PARAGRAPHS * 3)
    crowded = page_html(EN_TITLE, EN_PARAGRAPHS).replace("<aside>", f"<aside>{sidebar}")
    done, _ = extraction_passes("https://a.example.com/crowded", crowded)
    assert done == [True, False]

    # Text in <div>s, no paragraph: trafilatura's fallbacks get their say.
    divs = "".join(f"<div>{escape(paragraph)}</div>" for paragraph in EN_PARAGRAPHS)
    done, _ = extraction_passes(
        "https://a.example.com/divs", f"<html><body><h1>{EN_TITLE}</h1>{divs}</body></html>"
    )
    assert done == [True, False]

    # Chinese letters count two and a half: 3 x 171 of them are not short.
    done, _ = extraction_passes("https://a.example.cn/long", page_html(ZH_TITLE, ZH_PARAGRAPHS * 3))
    assert done == [True]
