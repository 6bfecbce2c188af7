"""Mojibake that went through HTML, and the cheap tests in front of every repair.

A page's extraction turns U+00A0 (how cp1252 shows byte 0xA0, the last byte of many CJK
characters) into a space or strips it at a line's end; the repair must take the space as that
byte. The cheap tests must let every damaged text through and keep ftfy's output exact.
"""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
import textwrap

import ftfy
import pytest
from ftfy.badness import MOJIBAKE_CATEGORIES, is_bad

from news_pipeline.text.mojibake import (
    ftfy_may_change,
    looks_like_dropped_byte_mojibake,
    may_be_utf8_mojibake,
    repair_dropped_byte_mojibake,
    repair_html,
    repair_text,
)
from news_pipeline_tests.stages.text.pages import clean_one, item_row
from news_pipeline_tests.stages.text.test_mojibake import (
    CLEAN_TEXTS,
    EVAL_DIR,
    damage,
    damaged_char_accuracy,
)


def _eval_texts() -> list[str]:
    return [(EVAL_DIR / f"{name}.txt").read_text("utf-8") for name in ("simplified", "traditional")]


def _extracted(text: str) -> str:
    """What HTML extraction leaves of a damaged text: U+00A0 as a space, line ends trimmed."""
    return "\n".join(line.strip() for line in text.replace("\u00a0", " ").split("\n"))


def test_a_space_where_byte_a0_was_is_repaired() -> None:
    exact = total = 0
    for original in _eval_texts():
        damaged = damage(original)
        assert "\u00a0" in damaged
        repaired, changed = repair_text(_extracted(damaged))
        assert changed
        file_exact, file_total = damaged_char_accuracy(original, repaired)
        exact += file_exact
        total += file_total
    assert exact / total >= 0.97


def test_characters_ending_in_a0_before_a_space_and_at_a_line_end() -> None:
    # 加 is E5 8A A0: seen as "åŠ" + U+00A0; extraction leaves "åŠ " or, at a line's end, "åŠ".
    original = "OpenClaw 作者加入 OpenAI，负责个人代理\n下周的发布会他也会参加"
    damaged = _extracted(damage(original))
    assert "åŠ å…¥" in damaged and damaged.endswith("åŠ")
    assert repair_dropped_byte_mojibake(damaged) == original


def test_page_repaired_before_extraction_keeps_markup() -> None:
    title = "千问3.5来了：阿里除夕开源新模型"
    paragraph = "模型总参数3970亿，每次推理只激活170亿，开发者可以直接下载权重。"
    html = (
        f'<html lang="zh"><head><meta charset="utf-8"><title>{damage(title)}</title>'
        f'<meta name="description" content="{damage(paragraph)}"></head>'
        f'<body><article><h1 class="t">{damage(title)}</h1><p>{damage(paragraph)}</p>'
        "</article></body></html>"
    )
    repaired, changed = repair_html(html)
    assert changed
    assert f"<title>{title}</title>" in repaired
    assert f'content="{paragraph}"' in repaired
    assert f'<h1 class="t">{title}</h1><p>{paragraph}</p>' in repaired
    assert repair_html(repaired) == (repaired, False)


def test_damaged_page_and_feed_title_repaired_through_extraction() -> None:
    title = "微软AI负责人：我们要有自己的前沿模型"
    paragraphs = [
        "微软AI负责人苏莱曼表示，公司将在今年推出自研的前沿大模型，减少对外部合作伙伴的依赖。",
        "他说，这并不意味着与OpenAI的合作会结束，双方的协议仍然有效，但微软需要掌握自己的命运。",
    ]
    body = "".join(f"<p>{damage(p)}</p>" for p in paragraphs)
    html = (
        f'<html><head><meta charset="utf-8"><title>{damage(title)}</title></head><body>'
        f"<article><h1>{damage(title)}</h1>{body}</article></body></html>"
    )
    row = clean_one(
        item_row("https://blog.example.com/p/1", html.encode(), listed_title=damage(title))
    )
    assert row["title"] == title
    assert row["listed_title"] == title
    assert row["text"] == "\n".join(paragraphs)
    assert row["mojibake_repaired"] is True


@pytest.mark.parametrize(
    "text",
    [
        # Latin text: an accented letter before a dash or a quote is no damage.
        "Leudot talvet tekevät meistä väsyneempiä – näillä keinoilla torjut kaamosoireita",
        "Il a dit « l’été dernier » — c’est fini.",
        "Gemüsebrühe für die Soße, Rührei à la française",
    ],
)
def test_latin_text_is_not_taken_for_damage(text: str) -> None:
    assert not looks_like_dropped_byte_mojibake(text)
    assert repair_text(text) == (text, False)


def test_mojibake_of_another_code_page_is_left_to_ftfy() -> None:
    original = "„Es ist beeindruckend“, sagte sie über die Unterstützung der Vögel."
    cp1250 = original.encode("utf-8").decode("cp1250")
    assert repair_text(cp1250) == (original, True)


def test_cheap_test_lets_every_damaged_text_through() -> None:
    for original in [*_eval_texts(), "开源模型再降价", "## 🎯 本周重点", "微軟證實將自行研發"]:
        for line in original.split("\n"):
            damaged = damage(line)
            if looks_like_dropped_byte_mojibake(damaged):
                assert may_be_utf8_mojibake(damaged)
                assert may_be_utf8_mojibake(_extracted(damaged))
    for text in CLEAN_TEXTS:
        assert not looks_like_dropped_byte_mojibake(text)


def _category_alphabet() -> list[str]:
    chars: set[str] = set()
    for spec in MOJIBAKE_CATEGORIES.values():
        index = 0
        while index < len(spec):
            if index + 2 < len(spec) and spec[index + 1] == "-":
                chars.update(
                    chr(code) for code in range(ord(spec[index]), ord(spec[index + 2]) + 1)
                )
                index += 3
            else:
                chars.add(spec[index])
                index += 1
    return sorted(chars | set("aZ .,!?-0\n") | {"中", "ー", "한", "€", "“", "”", "’", "…"})


def test_ftfy_gate_is_exact_on_every_pair_and_sample() -> None:
    alphabet = _category_alphabet()
    assert len(alphabet) > 300
    for pair in itertools.product(alphabet, repeat=2):
        text = "".join(pair)
        if is_bad(text) or is_bad(f"x{text} "):
            assert ftfy_may_change(text) or ftfy_may_change(f"x{text} "), text
    samples = [
        *CLEAN_TEXTS,
        "AT&amp;T said",
        "ﬁnal",
        "line\r\nbreak",
        "e\u0301",
        "\ufeffbom",
        "Ã©tÃ©",
        "â€œquotedâ€\x9d",
    ]
    for text in samples:
        fixed = ftfy.fix_text(text, fix_character_width=False, uncurl_quotes=False)
        if fixed != text:
            assert ftfy_may_change(text), text
    assert not ftfy_may_change("中文，“引号”——《书名》…… and English’s “quotes” — dash")


def test_badness_asked_around_its_anchor_pairs_answers_as_ftfy() -> None:
    """_is_bad searches only near the pairs every match of ftfy's heuristic holds; its answer
    must be is_bad's on whole texts, "Ã " (bad only at a text's start) included."""
    from news_pipeline.text.mojibake.fixing import _is_bad

    alphabet = _category_alphabet()
    padding = ["Plain words here. ", "中文的句子。", " ", "\n", "Ã ", "Â ", "x"]
    rng = random.Random(7)
    bad = 0
    for _ in range(20000):
        parts = [rng.choice(padding) for _ in range(rng.randint(0, 3))]
        parts += [rng.choice(alphabet) for _ in range(rng.randint(1, 3))]
        parts += [rng.choice(padding) for _ in range(rng.randint(0, 3))]
        rng.shuffle(parts)
        text = "".join(parts)
        assert _is_bad(text) == is_bad(text), repr(text)
        bad += is_bad(text)
    assert 1000 < bad < 19000  # both answers were exercised
    assert is_bad("Ã tout") and _is_bad("Ã tout")
    assert not is_bad("Voilà Ã tout") and not _is_bad("Voilà Ã tout")


def test_a_bare_ampersand_does_not_send_text_to_ftfy_but_an_entity_does() -> None:
    for text in ("AT&T and Q&A", "R&D spending & more", "a &b c"):
        assert ftfy.fix_text(text, fix_character_width=False, uncurl_quotes=False) == text
        assert not ftfy_may_change(text)
    for text in ("AT&amp;T", "caf&eacute;", "&#8217;s", "&#x4e2d;"):
        assert ftfy.fix_text(text, fix_character_width=False, uncurl_quotes=False) != text
        assert ftfy_may_change(text)


def test_models_load_only_for_pages_that_need_them() -> None:
    """Clean pages in Chinese, English and German load neither the mojibake word model nor
    lingua's models (checked in a fresh interpreter, where nothing is loaded yet)."""
    script = textwrap.dedent(
        """
        from news_pipeline.text.extraction import PageTask, process_page
        from news_pipeline.text.language import _language_detector
        from news_pipeline.text.mojibake.word_model import language_model
        from news_pipeline.text import load_boilerplate_rules
        from news_pipeline_tests.stages.text.pages import EN_PARAGRAPHS, ZH_PARAGRAPHS, page_html
        from news_pipeline.fetch.body_store import BodyStore
        import sys, tempfile
        de = ["Der Konzern hat am Donnerstag ein neues Modell vorgestellt, das auf den eigenen "
              "Chips läuft und nach Angaben des Unternehmens deutlich weniger Strom verbraucht.",
              "Die Firma will das Modell in den kommenden Wochen für alle Kunden freischalten "
              "und sich damit gegen die Konkurrenz aus den Vereinigten Staaten behaupten."]
        store = BodyStore(tempfile.mkdtemp())
        rules = load_boilerplate_rules()
        for number, (title, paragraphs) in enumerate(
            [("字节跳动发布豆包大模型2.0", ZH_PARAGRAPHS), ("Disney and ByteDance", EN_PARAGRAPHS),
             ("Neues Modell vorgestellt", de)]
        ):
            body = page_html(title, paragraphs, meta_charset="utf-8").encode()
            path = str(store.path_for(store.put(body)))
            task = PageTask(number, path, None, f"https://x.example/{number}", None, "s", None,
                            None, None, False)
            result = process_page(task, rules)
            assert result.text and result.language in ("zh", "en", "de"), result
        assert language_model.cache_info().currsize == 0, "mojibake model loaded"
        assert _language_detector.cache_info().currsize == 0, "lingua loaded"
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]
