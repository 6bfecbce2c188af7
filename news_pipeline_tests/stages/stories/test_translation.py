"""Language-neutral terms: Traditional to Simplified, concepts, names, pinyin names, numbers."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import numpy as np
import polars as pl

from news_pipeline.stories import translation
from news_pipeline.stories.anchors import fingerprint_terms
from news_pipeline.stories.nfkc import nfkc
from news_pipeline.stories.similarity import name_weight
from news_pipeline.stories.translation import (
    name_hash,
    name_hashes,
    pinyin_hashes,
    simplified_translated_terms,
    to_simplified,
    translated_terms,
)


def terms_of(titles: list[str], leads: list[str]) -> list[set[str]]:
    frame = translated_terms(titles, leads)
    return [set(frame.filter(pl.col("doc") == doc)["term"]) for doc in range(len(titles))]


def test_traditional_text_becomes_simplified_with_mainland_words() -> None:
    assert to_simplified(["晶片大廠擴產，軟體更新"]) == ["芯片大厂扩产，软件更新"]
    assert to_simplified(["plain English"]) == ["plain English"]


def test_a_helper_converting_half_of_the_phrases_gives_the_same_texts() -> None:
    texts = ["晶片大廠擴產，軟體更新", "台積電的新晶片" * 3, "plain English", "網路軟體公司"]
    scripts = ["hant", "hant", None, "hant"]
    inline = to_simplified(texts, scripts)
    assert inline[0] == "芯片大厂扩产，软件更新"
    helped: list[list[str]] = []

    class RecordingHelper(ThreadPoolExecutor):
        def submit(self, function, /, *args, **kwargs):  # type: ignore[no-untyped-def]
            helped.append(args[0])
            return super().submit(function, *args, **kwargs)

    with RecordingHelper(1) as helper:
        assert to_simplified(texts, scripts, helper) == inline
    # the helper took the later texts, and this thread the earlier ones
    assert helped == [[texts[1], texts[3]]]


def test_to_simplified_changes_nothing_the_second_time() -> None:
    # every Traditional character OpenCC's table knows, one text per character and all in
    # one text (which the phrase converter takes), and a chain (薴 -> 苧 -> 苎) inside a
    # Simplified text, which only the character table converts
    table = (resources.files("opencc") / "dictionary" / "TSCharacters.txt").read_text("utf-8")
    characters = [
        line.split("\t")[0] for line in table.splitlines() if len(line.split("\t")[0]) == 1
    ]
    texts = [*characters, "".join(characters), "这种植物纤维作物在南方叫做薴麻"]
    once = to_simplified(texts)
    assert to_simplified(once) == once
    assert once[-1].endswith("苎麻")


def test_terms_of_simplified_text_are_the_terms_of_the_original() -> None:
    titles = ["機器狗公司完成融資", "晶片大廠擴產", "Robot dog company completes funding round"]
    leads = ["騰訊表示，微信用戶可以試用。", "參數3970億", "Users of the messaging app can try it."]
    expected = translated_terms(titles, leads).sort("doc", "term")
    simplified = simplified_translated_terms(to_simplified(titles), to_simplified(leads))
    assert simplified.sort("doc", "term").equals(expected)
    assert expected.height > 0


def test_one_event_in_three_scripts_shares_concepts() -> None:
    zh_hans, zh_hant, en = terms_of(
        ["机器狗公司完成融资", "機器狗公司完成融資", "Robot dog company completes funding round"],
        ["", "", ""],
    )
    for term in ("c:robot", "c:dog", "c:fund"):
        assert term in zh_hans and term in zh_hant and term in en, term
    assert "ct:fund" in en and "ct:fund" in zh_hant


def test_names_from_capitals_dictionary_and_aliases() -> None:
    zh, en = terms_of(
        ["腾讯微信上线新功能", "Tencent adds a feature to WeChat"],
        ["腾讯表示，微信用户可以试用。", "Users of the messaging app can try it from today."],
    )
    assert {"m:wechat", "m:tencent", "mt:wechat"} <= zh  # dictionary name, alias
    assert {"m:wechat", "m:tencent", "mt:tencent"} <= en  # capitalised words
    # a sentence's first word is capitalised too: an everyday word weighs (almost) nothing
    assert name_weight("users") < 0.3 < name_weight("tencent")


def test_pinyin_of_a_chinese_title_matches_an_english_name() -> None:
    hashes = set(pinyin_hashes(["云栖动力完成新一轮融资", "no han here"])["hash"].to_list())
    assert name_hash("yunqi") in hashes
    assert name_hash("yunqidongli") in hashes
    assert name_hash("lingxi") not in hashes


def test_numbers_with_units_are_one_anchor_in_every_form() -> None:
    forms = ["参数3970亿", "參數3970億", "397B parameters", "397 billion"]
    titles = pl.Series(to_simplified(forms))
    terms = fingerprint_terms(nfkc(titles), pl.Series(["", "", "", ""]), 240)
    for row in terms.to_list():
        assert "a:n:397e9" in row, row


def test_mostly_traditional_agrees_with_counting_every_han_character() -> None:
    # spans decided by their length, by their first characters, and by a whole count
    rng = random.Random(7)
    alphabet = ["a", " ", "中", "文", "億", "。"]
    texts = []
    for _ in range(300):
        latin_lead = "x" * rng.choice([0, 50, 200])
        texts.append(latin_lead + "".join(rng.choices(alphabet, k=rng.randint(0, 400))))
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    ends = np.cumsum([len(text) for text in texts])
    starts = ends - [len(text) for text in texts]
    traditional = np.array([rng.randint(0, 60) for _ in texts], dtype=np.int64)
    got = translation._mostly_traditional(
        translation._han_table(), codes, starts, ends, traditional
    )
    han = [sum(1 for char in text if char in "中文億") for text in texts]
    expected = [
        count >= translation.TRADITIONAL_SHARE * han_count
        for count, han_count in zip(traditional.tolist(), han, strict=True)
    ]
    assert got.tolist() == expected


def test_name_hashes_equal_name_hash_of_each_name() -> None:
    names = ["lingxi", "wangxingxing", "", "a", "zhipu" * 9, "émile", "云栖"]
    assert name_hashes(names).tolist() == [name_hash(name) for name in names]
