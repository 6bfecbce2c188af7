"""nfkc: character-wise where that is exact, polars' normalize elsewhere; always NFKC."""

from __future__ import annotations

import polars as pl

from news_pipeline.stories import nfkc as nfkc_module
from news_pipeline.stories.nfkc import nfkc

# each needs NFKC (its full-width comma) and is wrong if mapped one character at a time
_INTERACTING = [
    "cafe\u0301，",  # a combining accent composes with the letter before it
    "\uac00\u11a8，",  # a trailing jamo joins the syllable before it (가 + ᆨ = 각)
    "\uff76\uff9e，",  # half-width ka and voiced mark: NFKD ends in a combining mark (ガ)
    "\u0b47\u0b3e，",  # Oriya vowel signs: the second has combining class 0 yet composes
    "\ufb01nal，",  # one ligature becomes two letters
    "\u3231 \u2026，",  # ㈱ and … become several characters
    "\u0378 unassigned，",  # unknown to Python's Unicode database
]
_SIMPLE = [
    "全角ＧＰＴ－５，参数３９７０亿",  # full-width letters, digits and comma
    "为什么？！\u3000好",  # full-width punctuation, ideographic space
    "\uf900 compatibility ideograph，",  # 豈 folds to the unified ideograph
    "\u2160 2\u00b2，",  # Roman numeral one and superscript two: one character each
]


def _polars(values: list[str | None]) -> list[str]:
    return pl.Series([value or "" for value in values]).str.normalize("NFKC").to_list()


def test_every_text_is_its_nfkc() -> None:
    values = ["Plain ASCII.", "已是规范的中文。", None, *_SIMPLE, *_INTERACTING]
    assert nfkc(pl.Series(values, dtype=pl.String)).to_list() == _polars(values)
    assert nfkc(pl.Series(values, dtype=pl.String))[3] == "全角GPT-5,参数3970亿"


def test_texts_of_simple_characters_are_mapped_and_the_others_left_to_polars() -> None:
    nfkc(pl.Series(_SIMPLE + _INTERACTING))
    table = nfkc_module._table()
    simple = {char for text in _SIMPLE for char in text}
    assert all(table._simple[ord(char)] for char in simple)
    # the character that makes each interacting text unsafe is known as not simple
    for unsafe in ("\u0301", "\u11a8", "\uff9e", "\u0b3e", "\ufb01", "\u3231", "\u0378"):
        assert table._known[ord(unsafe)] and not table._simple[ord(unsafe)]


def test_many_texts_across_gather_chunks() -> None:
    mixed = _SIMPLE + _INTERACTING + ["plain text", None]
    values = [f"{mixed[index % len(mixed)] or ''}{index}" for index in range(2_600)]
    values[1_500] = None
    assert nfkc(pl.Series(values, dtype=pl.String)).to_list() == _polars(values)


def test_the_callers_python_strings_give_the_same_column() -> None:
    values = ["Plain ASCII.", *_SIMPLE, *_INTERACTING, None]
    column = pl.Series(values, dtype=pl.String)
    strings = [value or "" for value in values]
    assert nfkc(column, strings).to_list() == nfkc(column).to_list() == _polars(values)
