"""Site furniture: sentences two stories of one day share word for word (furniture.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from news_pipeline.editorial.furniture import DaySentences
from news_pipeline.editorial.sentences import split_sentences

DAY = date(2026, 2, 15)
NEXT_DAY = date(2026, 2, 16)
SLOGAN = "Download our app for more news."


def _text(row: dict[str, Any]) -> str:
    return row["text"]


def test_a_sentence_of_two_stories_of_one_day_is_furniture() -> None:
    first = {"text": f"Qwen ships a model. {SLOGAN}"}
    second = {"text": f"Nvidia ships a chip. {SLOGAN}"}
    sentences = DaySentences([((DAY, "s1"), [first]), ((DAY, "s2"), [second])], _text)
    assert sentences.furniture == {SLOGAN}
    assert sentences.without_furniture(first, first["text"]) == "Qwen ships a model."


def test_members_of_one_story_or_stories_of_other_days_share_no_furniture() -> None:
    one = {"text": f"Qwen ships a model. {SLOGAN}"}
    copy = {"text": f"Qwen has shipped a model. {SLOGAN}"}
    later = {"text": f"Nvidia ships a chip. {SLOGAN}"}
    groups = [((DAY, "s1"), [one, copy]), ((NEXT_DAY, "s2"), [later])]
    sentences = DaySentences(groups, _text)
    assert sentences.furniture == set()
    assert sentences.without_furniture(one, one["text"]) == one["text"]


def test_short_pieces_are_never_furniture() -> None:
    first = {"text": "Foto. Qwen ships a model."}
    second = {"text": "Foto. Nvidia ships a chip."}
    sentences = DaySentences([((DAY, "s1"), [first]), ((DAY, "s2"), [second])], _text)
    assert sentences.furniture == set()


def test_without_furniture_puts_one_sentence_on_a_line_once_a_day_has_furniture() -> None:
    first = {"text": f"Qwen ships a model.  It is open. {SLOGAN}"}
    second = {"text": f"Nvidia ships a chip. {SLOGAN}"}
    third = {"text": "DeepSeek ships a paper.  It is long."}
    groups = [((DAY, "s1"), [first]), ((DAY, "s2"), [second]), ((DAY, "s3"), [third])]
    sentences = DaySentences(groups, _text)
    assert sentences.without_furniture(third, third["text"]) == (
        "DeepSeek ships a paper.\nIt is long."
    )


def test_split_reads_back_the_days_sentences_of_a_text_without_furniture() -> None:
    first = {"text": f"Qwen ships a model. It is open.\nU.S. users get it first. {SLOGAN}"}
    second = {"text": f"Nvidia ships a chip... Its rivals wait! {SLOGAN}"}
    quiet = {"text": "DeepSeek ships a paper. Version 3.5 is out."}
    groups = [((DAY, "s1"), [first]), ((DAY, "s2"), [second])]
    with_furniture = DaySentences(groups, _text)
    without = DaySentences([((DAY, "s3"), [quiet])], _text)
    for day, row in ((with_furniture, first), (with_furniture, second), (without, quiet)):
        text = day.without_furniture(row, row["text"])
        assert day.split(text) == split_sentences(text)
        assert SLOGAN not in day.split(text)
    assert with_furniture.split("Qwen ships a model.") == ["Qwen ships a model."]
    # a text the day did not return is split as usual
    assert without.split("One. Two.") == ["One.", "Two."]


def test_split_is_not_fooled_by_a_text_other_than_the_rows() -> None:
    row = {"text": "Qwen ships a model. It is open."}
    day = DaySentences([((DAY, "s1"), [row])], _text)
    other = "Nvidia ships a chip. Its rivals wait."
    assert day.without_furniture(row, other) == other
    assert day.split(other) == ["Nvidia ships a chip.", "Its rivals wait."]
