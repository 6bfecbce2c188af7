"""Reading zh-Hant as zh-Hans, names recognised from their shape, and a title's structure
(chinese.py, names.py, events.py)."""

from __future__ import annotations

import pytest
import yaml

from news_pipeline.cjk import HAN_RE
from news_pipeline.datafiles import data_path
from news_pipeline.editorial import Taxonomy
from news_pipeline.editorial.chinese import to_simplified
from news_pipeline.editorial.events import released_categories, split_background
from news_pipeline.editorial.names import recognise_names


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("這套軟體跑在伺服器上", "这套软件跑在服务器上"),
        ("新晶片的記憶體更大", "新芯片的内存更大"),
        ("這個影片生成模型", "这个视频生成模型"),
        ("著作權訴訟", "著作权诉讼"),
    ],
)
def test_traditional_text_reads_as_simplified(traditional: str, simplified: str) -> None:
    assert to_simplified(traditional) == simplified


def test_simplified_and_english_text_is_left_alone() -> None:
    for text in ("影片很好看，著名导演", "Video model ships with 4 GB of memory"):
        assert to_simplified(text) == text
    # a short zh-Hant title without a Traditional-only character: the story says it is one
    assert to_simplified("影片生成", traditional=True) == "视频生成"


def _names(text: str) -> dict[str, tuple[str, bool]]:
    return {name.text: (name.kind, name.ai) for name in recognise_names(text)}


def test_organisations_are_recognised_by_their_suffix() -> None:
    names = _names("Brindle Labs and Pellucid Intelligence signed with Ostrava AI")
    assert names["Brindle Labs"] == ("org", False)
    assert names["Pellucid Intelligence"] == ("org", True)
    assert names["Ostrava AI"] == ("org", True)
    zh = _names("云雀智能与青石科技宣布合作，这家公司也参与其中")
    assert zh["云雀智能"] == ("org", True)
    assert zh["青石科技"] == ("org", False)
    assert not any(name.endswith("家公司") for name in zh)


def test_common_words_that_end_in_a_suffix_are_not_organisations() -> None:
    assert _names("人工智能与人形机器人、具身智能都在升温") == {}


def test_products_are_recognised_by_their_version() -> None:
    names = _names("Tarn-R1 beats Brindle-7 Mini on March 3, in the Top 10 of Series B deals")
    assert names == {"Tarn-R1": ("product", False), "Brindle-7 Mini": ("product", False)}


def test_latin_names_inside_chinese_text_are_names_but_not_acronyms() -> None:
    names = _names("青石科技SkyForge接入GPU集群，每个Token更便宜，AI应用上线")
    assert "SkyForge" in names
    assert not {"GPU", "Token", "AI"} & set(names)


def test_background_clauses_are_split_off() -> None:
    parts = split_background("诉讼未了仍如期发布新版，画质提升")
    assert "诉讼" not in parts.foreground and "诉讼" in parts.background
    assert len(parts.foreground) == len("诉讼未了仍如期发布新版，画质提升")
    english = split_background("Startup launches a music model weeks after a lawsuit")
    assert "lawsuit" in english.background and "launches" in english.foreground
    assert split_background("法院判决某公司赔偿").background == ""


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("某公司推出云端训练芯片，用于大模型", {"compute"}),
        ("Startup unveils a voice-first model for call centres", {"models"}),
        ("某团队开源自动驾驶数据集", {"research"}),
        ("某公司发布配音模型，支持多种方言", {"multimodal"}),
        ("某公司发布新版本，性能提升", None),
        ("法院判决某公司赔偿", set()),
    ],
)
def test_what_a_release_released(taxonomy: Taxonomy, title: str, expected: set[str] | None) -> None:
    released = released_categories(taxonomy.matcher(), title)
    assert (set(released) if released is not None else None) == expected


def test_every_chinese_organisation_suffix_has_a_han_character() -> None:
    """_chinese_orgs skips text without Han characters: only sound while this holds."""
    data = yaml.safe_load(data_path("name_patterns.yaml").read_text(encoding="utf-8"))
    assert data["org_suffixes"]["zh"]
    assert all(HAN_RE.search(suffix) for suffix in data["org_suffixes"]["zh"])
