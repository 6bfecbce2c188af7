"""Boilerplate rules: portal furniture removed, article text kept, titles trimmed."""

from __future__ import annotations

from pathlib import Path

import pytest

from news_pipeline.text.boilerplate import load_boilerplate_rules, remove_boilerplate, trim_title
from news_pipeline_tests.paths import SEEDS_DIR
from news_pipeline_tests.stages.text.pages import (
    EN_PARAGRAPHS,
    SCRIPT_SHELL,
    ZH_PARAGRAPHS,
    ZH_TITLE,
    clean,
    item_row,
    page_html,
    raw_frame,
)

# Written to look like the seed-000 portal furniture (not copied from it).
PORTAL_NOISE = [
    "炒股就看金麒麟研报，专业及时，帮您发现主题投资机会！",
    "来源：钛媒体APP",
    "责任编辑：王小明",
    "24小时滚动播报财经新闻与视频，扫描二维码关注更多福利（sinafinance）",
    "海量资讯、精准解读，尽在新浪财经APP",
    "扫描下方二维码，关注我们的公众号获取更多资讯",
    "版权所有 © 2026 示例科技网 未经授权禁止转载",
]


def test_portal_boilerplate_lines_removed_article_kept() -> None:
    rules = load_boilerplate_rules().for_source("sina", "https://finance.sina.com.cn/x.shtml")
    text = "\n".join([PORTAL_NOISE[0], PORTAL_NOISE[1], *ZH_PARAGRAPHS, *PORTAL_NOISE[2:]])
    assert remove_boilerplate(text, rules) == "\n".join(ZH_PARAGRAPHS)


def test_boilerplate_glued_into_a_one_line_summary_is_cut() -> None:
    rules = load_boilerplate_rules().generic
    summary = (
        "炒股就看金麒麟研报，专业及时，帮您发现主题投资机会！"
        "字节跳动推出了新一代视频生成模型。用户可以一键分享给好友。"
        "责任编辑：王小明 24小时滚动播报财经新闻与视频，"
        "扫描二维码关注更多福利（sinafin..."
    )
    assert remove_boilerplate(summary, rules) == (
        "字节跳动推出了新一代视频生成模型。用户可以一键分享给好友。"
    )


def test_source_prefix_of_a_one_line_summary_is_cut_but_not_a_source_sentence() -> None:
    rules = load_boilerplate_rules().generic
    glued = "来源：钛媒体APP 好莱坞从业者发出预警：AI视频终究躲不过版权风暴。"
    assert remove_boilerplate(glued, rules) == "好莱坞从业者发出预警：AI视频终究躲不过版权风暴。"
    sentence = "来源：据路透社报道，该公司计划在年内完成新一轮融资，估值将超过千亿美元。"
    assert remove_boilerplate(sentence, rules) == sentence


def test_related_reading_tail_is_cut() -> None:
    rules = load_boilerplate_rules().generic
    text = "\n".join([*ZH_PARAGRAPHS, "相关阅读", "阿里发布新模型", "百度推出红包活动"])
    assert remove_boilerplate(text, rules) == "\n".join(ZH_PARAGRAPHS)
    english = "\n".join([*EN_PARAGRAPHS, "Related Articles", "Another story headline"])
    assert remove_boilerplate(english, rules) == "\n".join(EN_PARAGRAPHS)


def test_english_boilerplate_removed() -> None:
    rules = load_boilerplate_rules().generic
    noise = [
        "Sign up for our newsletter to get the latest AI news every morning.",
        "Related: OpenAI's new model tops the leaderboard",
        "Photo: Jane Doe/Reuters",
        "Photo by John Smith/Getty Images",
        "We use cookies to improve your experience. By continuing you accept our use of cookies.",
        "Advertisement",
        "© 2026 Tech Daily Media. All rights reserved.",
    ]
    text = "\n".join(
        [
            EN_PARAGRAPHS[0],
            noise[0],
            noise[1],
            EN_PARAGRAPHS[1],
            *noise[2:4],
            EN_PARAGRAPHS[2],
            *noise[4:],
        ]
    )
    assert remove_boilerplate(text, rules) == "\n".join(EN_PARAGRAPHS)


def test_clean_text_passes_unchanged() -> None:
    rules = load_boilerplate_rules().for_source("sina", "https://finance.sina.com.cn/x.shtml")
    clean_zh = "\n".join(
        [
            *ZH_PARAGRAPHS,
            "数据显示，国内用户扫码支付的比例已经超过八成，编辑部认为这一趋势仍将延续。",
            "该公司在其微信公众号宣布了这一消息，并表示相关阅读材料将在下周公开。",
            "法院认定，被告未经许可使用原告作品训练模型，构成侵权。",
            "来源方面，分析师指出训练数据的合规性已经成为行业的共同难题，需要尽快明确规则。",
        ]
    )
    clean_en = "\n".join(
        [
            *EN_PARAGRAPHS,
            "Google said it would keep third-party cookies in Chrome after regulators objected.",
            "The related lawsuit, filed in California, names three photo agencies as plaintiffs.",
            "Subscribers to the premium plan get access to the larger model first.",
        ]
    )
    assert remove_boilerplate(clean_zh, rules) == clean_zh
    assert remove_boilerplate(clean_en, rules) == clean_en


def test_no_seed_boilerplate_survives_in_any_text_field() -> None:
    noisy_paragraphs = [PORTAL_NOISE[0], PORTAL_NOISE[1], *ZH_PARAGRAPHS, *PORTAL_NOISE[2:]]
    html = page_html(
        ZH_TITLE,
        noisy_paragraphs,
        meta_charset="utf-8",
        head_extra='<meta name="description" content="责任编辑：王小明">',
    )
    shell_summary = (
        "<p>炒股就看金麒麟研报，专业及时，帮您发现主题投资机会！</p>"
        "<p>QQ脑洞秀上线元宝，用户可上传照片生成Q版形象并制作动画短视频。</p>"
        "<p>责任编辑：王小明</p><p>24小时滚动播报财经新闻与视频，扫描二维码关注更多福利</p>"
    )
    out = clean(
        raw_frame(
            [
                item_row("https://finance.sina.com.cn/tech/1.shtml", html.encode(), source="sina"),
                item_row(
                    "https://finance.sina.com.cn/tech/2.shtml",
                    SCRIPT_SHELL.encode(),
                    source="sina",
                    listed_summary=shell_summary,
                ),
            ]
        )
    )
    assert out["text"].to_list()[0] == "\n".join(ZH_PARAGRAPHS)
    assert out["text_source"].to_list() == ["page", "feed"]
    for column in ("title", "text", "description"):
        for value in out[column].drop_nulls().to_list():
            for marker in ("金麒麟", "责任编辑", "24小时滚动播报", "二维码", "来源："):
                assert marker not in value, (column, marker, value)


def test_site_rules_apply_only_to_their_site_and_extra_file_merges(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "generic:\n  drop_line:\n    - '^本站快讯提示：.*$'\n"
        "sites:\n  mysite:\n    drop_line:\n      - '^MYSITE-PROMO$'\n",
        encoding="utf-8",
    )
    rules = load_boilerplate_rules(extra)
    text = "第一段正文内容。\n本站快讯提示：请关注\nMYSITE-PROMO\n第二段正文内容。"
    assert remove_boilerplate(text, rules.for_source("mysite", None)) == (
        "第一段正文内容。\n第二段正文内容。"
    )
    assert remove_boilerplate(text, rules.for_source("othersite", None)) == (
        "第一段正文内容。\nMYSITE-PROMO\n第二段正文内容。"
    )
    portal_notice = "新浪声明：此消息系转载自合作媒体，文章内容仅供参考。"
    default = load_boilerplate_rules()
    on_site = default.for_source("x", "https://finance.sina.com.cn/0/1")
    look_alike = default.for_source("x", "https://notsina.com.cn/0/1")
    assert remove_boilerplate(portal_notice, on_site) == ""
    assert remove_boilerplate(portal_notice, look_alike) == portal_notice


def test_bad_rules_file_names_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("generic:\n  drop_lines:\n    - 'x'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="drop_lines"):
        load_boilerplate_rules(bad)
    bad.write_text("generic:\n  strip:\n    - '(unclosed'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unclosed"):
        load_boilerplate_rules(bad)


@pytest.mark.parametrize(
    ("title", "site_names", "expected"),
    [
        ("豆包2.0正式发布_新浪科技_新浪网", ["sina"], "豆包2.0正式发布"),
        (
            "Seedance 2.0 draws Hollywood backlash - Tech Daily",
            ["Tech Daily"],
            "Seedance 2.0 draws Hollywood backlash",
        ),
        ("Qwen3.5 is coming | techdaily", ["techdaily"], "Qwen3.5 is coming"),
        (
            "GPT-5.2 vs Gemini 3 Pro - a benchmark",
            ["Tech Daily"],
            "GPT-5.2 vs Gemini 3 Pro - a benchmark",
        ),
        ("Meta releases llama_guard 4", ["meta"], "Meta releases llama_guard 4"),
    ],
)
def test_title_suffix_trimmed(title: str, site_names: list[str], expected: str) -> None:
    assert trim_title(title, site_names, load_boilerplate_rules().generic) == expected


def test_the_seed_000_snippets_lose_their_portal_boilerplate() -> None:
    """Read at run time from ../shared (never copied here): every snippet of seed 000's
    article list goes through the rules, and none of its portal lines survives."""
    seeds = sorted(SEEDS_DIR.glob("000_*.txt"))
    if not seeds:
        pytest.skip(f"seed 000 is not beside the repository ({SEEDS_DIR})")
    listing = seeds[0].read_text(encoding="utf-8").split("## 相关新闻", 1)[1]
    rules = load_boilerplate_rules().for_source("sina", "https://finance.sina.com.cn/x.shtml")
    cleaned = remove_boilerplate(listing, rules)
    for marker in ("金麒麟", "责任编辑", "24小时滚动播报", "扫描二维码"):
        assert marker in listing
        assert marker not in cleaned, marker
    assert "豆包" in cleaned
