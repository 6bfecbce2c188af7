"""CC-CEDICT as the stories stage reads it: loading, segmentation, stems, the supplement."""

from __future__ import annotations

from news_pipeline.stories.lexicon import load_lexicon, segment, stem


def test_dictionary_carries_chinese_words_into_english() -> None:
    lexicon = load_lexicon()
    concepts, _ = lexicon.lookup("机器人")
    assert "robot" in concepts
    concepts, names = lexicon.lookup("微信")
    assert "wechat" in names and "wechat" in concepts
    assert lexicon.lookup("不是一个词语") is None


def test_supplement_replaces_an_outdated_gloss() -> None:
    # CC-CEDICT glosses 开源 as "to expand one's financial resources"
    concepts, _ = load_lexicon().lookup("开源")
    assert concepts == ["open", "sourc"]


def test_segmentation_takes_the_longest_dictionary_word() -> None:
    lexicon = load_lexicon()
    found = segment(["人形机器人登台", "hello", "芯片"], lexicon)
    words = [
        (int(doc), lexicon.senses(int(entry))[0])
        for doc, entry in zip(found.doc, found.entry, strict=True)
    ]
    # 人形机器人 is one supplement entry, not 人形 + 机器人
    assert (0, ["humanoid", "robot"]) in words
    assert all(doc != 1 for doc, _ in words)
    assert any(doc == 2 and "chip" in concepts for doc, concepts in words)


def test_inflections_meet_on_one_stem() -> None:
    assert {stem(w) for w in ("raise", "raises", "raised", "raising")} == {"rais"}
    assert stem("companies") == stem("company")
    assert stem("robots") == stem("robot") == stem("robotics")
    assert stem("spring") == "spring"  # a short stem keeps its -ing
