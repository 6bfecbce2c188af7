"""Thin pages: a video's caption among player chrome, or a paywall teaser, is excluded as
no_text with a detail saying why; articles that embed a player or sit on a metered site stay."""

from __future__ import annotations

from html import escape

from news_pipeline.text.thin import (
    latin_equivalent_size,
    load_thin_page_rules,
    prose_size,
    thin_page_reason,
)
from news_pipeline_tests.stages.text.pages import (
    EN_PARAGRAPHS,
    ZH_PARAGRAPHS,
    clean_one,
    item_row,
    page_html,
)

CAPTION = "Engineers put a humanoid robot through a kitchen test in a short clip from the lab."


def _page(title: str, head: str, body: str) -> bytes:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title>{head}</head><body><nav><a href='/'>Home</a> <a href='/ai'>AI</a></nav>"
        f"<main><article><h1>{escape(title)}</h1>{body}</article></main>"
        "<footer><p>About us | Contact</p></footer></body></html>"
    ).encode()


def test_video_page_with_caption_and_player_chrome_is_no_text() -> None:
    body = (
        '<div class="byline">By Ann Lee · Feb 16, 2026 14:50 UTC</div>'
        '<div class="player"><button>Watch</button> <span>3:05</span> <span>CC</span> '
        "<span>Share</span> <span>Autoplay next video</span></div>"
        f"<div class='caption'><p>{CAPTION}</p></div><div>Up next: More videos</div>"
    )
    head = '<meta property="og:type" content="video.other">'
    row = clean_one(
        item_row("https://v.example.com/1", _page("Robot in the kitchen", head, body), source="v")
    )
    assert row["excluded_reason"] == "no_text"
    assert row["excluded_detail"].startswith("video page: ")
    assert "og:type video.other" in row["excluded_detail"]
    assert row["text"] is None


def test_chinese_video_page_known_by_its_title_and_player_chrome() -> None:
    caption = "春晚微电影中，机器人叠衣服、递东西的片段。"
    html = (
        '<html lang="zh-CN"><head><meta charset="utf-8"><title>视频｜春晚里的机器人</title></head>'
        "<body><h1>视频｜春晚里的机器人</h1><div class='video-box'><div>视频加载中，请稍候</div>"
        f"<span>播放</span> <span>时长 02:37</span></div><p>{caption}</p></body></html>"
    )
    row = clean_one(item_row("https://zh.example.com/v/1", html.encode()))
    assert row["excluded_reason"] == "no_text"
    assert "video title" in row["excluded_detail"]


def test_article_that_embeds_a_player_is_kept() -> None:
    body = '<video src="/clip.mp4"></video>' + "".join(f"<p>{p}</p>" for p in EN_PARAGRAPHS)
    row = clean_one(item_row("https://n.example.com/a", _page("Disney and ByteDance", "", body)))
    assert row["excluded_reason"] is None
    assert row["text"] == "\n".join(EN_PARAGRAPHS)


def test_short_list_page_with_a_player_is_not_a_video_page() -> None:
    facts = "".join(
        f"<li>{item}</li>" for item in ("Optik: Teleobjektiv", "ISO: 640", "Ort: Kasberg")
    )
    body = f'<iframe src="https://www.youtube.com/embed/x"></iframe><ul>{facts}</ul>'
    row = clean_one(item_row("https://n.example.com/b", _page("Plejaden", "", body)))
    assert row["excluded_reason"] is None or not row["excluded_detail"].startswith("video")


def test_paywall_teaser_is_no_text() -> None:
    teaser = (
        "<p>Microsoft plans to build frontier models of its own, its AI chief said on Friday.</p>"
        "<p>The move would reduce its reliance on OpenAI.</p>"
        "<div class='paywall'><p>Subscribe to continue reading</p>"
        "<p>Already a subscriber? Sign in</p></div>"
    )
    row = clean_one(item_row("https://p.example.com/1", _page("Microsoft's AI plan", "", teaser)))
    assert row["excluded_reason"] == "no_text"
    assert row["excluded_detail"].startswith("paywall teaser: ")
    assert "Subscribe to continue reading" in row["excluded_detail"]


def test_declared_paywall_with_short_text_is_no_text_but_long_article_stays() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"isAccessibleForFree": "False"}</script>'
    )
    short = "<p>Microsoft plans to build frontier models of its own, its AI chief said.</p>"
    row = clean_one(item_row("https://p.example.com/2", _page("Microsoft", head, short)))
    assert row["excluded_reason"] == "no_text"
    assert "isAccessibleForFree false" in row["excluded_detail"]
    long_body = "".join(f"<p>{p}</p>" for p in EN_PARAGRAPHS * 4)
    row = clean_one(item_row("https://p.example.com/3", _page("Disney", head, long_body)))
    assert row["excluded_reason"] is None


def test_paywall_container_counts_only_with_a_cut_off_text() -> None:
    container = "<div class='inline-paywall'></div>"
    complete = "".join(f"<p>{p}</p>" for p in EN_PARAGRAPHS[:2]) + container
    row = clean_one(item_row("https://m.example.com/1", _page("Disney letter", "", complete)))
    assert row["excluded_reason"] is None
    cut = f"<p>{EN_PARAGRAPHS[0]}</p><p>The letter says the model reproduces ...</p>" + container
    row = clean_one(item_row("https://m.example.com/2", _page("Disney letter", "", cut)))
    assert row["excluded_reason"] == "no_text"
    assert "text cut off" in row["excluded_detail"]


def test_feed_with_the_full_text_rescues_a_paywalled_page() -> None:
    teaser = f"<p>{EN_PARAGRAPHS[0]}</p><p>Subscribe to continue reading</p>"
    summary = "".join(f"<p>{p}</p>" for p in EN_PARAGRAPHS * 6)
    row = clean_one(
        item_row("https://p.example.com/4", _page("Disney", "", teaser), listed_summary=summary)
    )
    assert row["excluded_reason"] is None
    assert row["text_source"] == "feed"


def test_chinese_paywall_marker() -> None:
    html = page_html(
        "模型价格战",
        [ZH_PARAGRAPHS[0], "订阅后即可阅读全文，首月仅需1元。"],
        meta_charset="utf-8",
    )
    row = clean_one(item_row("https://zh.example.com/p/1", html.encode()))
    assert row["excluded_reason"] == "no_text"
    assert "订阅后即可阅读全文" in row["excluded_detail"]


def test_prose_measure_leaves_out_chrome_and_headings() -> None:
    text = "\n".join(["Video", "2:16 CC Share Autoplay next video", "Watch", CAPTION])
    assert prose_size(text, load_thin_page_rules()) == latin_equivalent_size(CAPTION)
    assert latin_equivalent_size("机器人") == 8  # 3 characters counted 2.5 times, rounded
    assert thin_page_reason("", "A title", CAPTION, CAPTION, None) is None
