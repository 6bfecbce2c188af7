"""Site furniture: sentences that several stories of one day share word for word.

Two separate events do not share a sentence word for word; a portal's slogan, app advert or
tag line does, so such sentences are kept out of summaries and key facts. Finding them needs
every article's sentences; `DaySentences` keeps them, so that taking the furniture out of an
article afterwards does not split its text again, and summaries and key facts read the
sentences of the furniture-free text from it (`split`) instead of splitting that text anew.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from news_pipeline.editorial.sentences import split_sentences

__all__ = ["DaySentences"]

# Shorter pieces ("Foto:", "1.") repeat between unrelated stories by chance.
MIN_FURNITURE_CHARS = 6
# Stands for "two or more stories" where one story id would be.
_SHARED = object()
# Furniture-free texts whose sentences are kept for `split`: the stories in flight.
_RECENT_TEXTS = 256


class DaySentences:
    """The sentences of every article row, and the furniture among them."""

    def __init__(
        self,
        groups: Iterable[tuple[tuple[date, str], list[dict[str, Any]]]],
        text_of: Callable[[dict[str, Any]], str],
    ) -> None:
        self._sentences: dict[int, list[str]] = {}
        self._text_of = text_of
        # (day, sentence) -> the one story it was seen in, or _SHARED
        seen_in: dict[tuple[date, str], object] = {}
        for (day, story_id), rows in groups:
            for row in rows:
                sentences = split_sentences(text_of(row))
                self._sentences[id(row)] = sentences
                for sentence in sentences:
                    if len(sentence) < MIN_FURNITURE_CHARS:
                        continue
                    key = (day, sentence)
                    known = seen_in.get(key)
                    if known is None:
                        seen_in[key] = story_id
                    elif known is not _SHARED and known != story_id:
                        seen_in[key] = _SHARED
        self.furniture: set[str] = {
            sentence for (_, sentence), story in seen_in.items() if story is _SHARED
        }
        self._recent: dict[str, tuple[str, ...]] = {}

    def without_furniture(self, row: dict[str, Any], text: str) -> str:
        """The row's text (`text`) with furniture sentences left out, one sentence a line;
        unchanged when the day has no furniture at all. Asked once per row: its sentences
        are let go, and kept for `split` of the text returned."""
        sentences = self._sentences.pop(id(row), None)
        if sentences is None:  # not a row of the day
            return text
        if self.furniture:
            sentences = [s for s in sentences if s not in self.furniture]
            text = "\n".join(sentences)
        elif text != self._text_of(row):  # not the text the sentences are of
            return text
        if len(self._recent) >= _RECENT_TEXTS:
            del self._recent[next(iter(self._recent))]
        self._recent[text] = tuple(sentences)
        return text

    def split(self, text: str) -> list[str]:
        """`split_sentences(text)` for a text `without_furniture` returned lately, read from the
        split the day was searched with: its sentences, one a line, split no further (the
        splitter gives a sentence back whole)."""
        known = self._recent.get(text)
        return list(known) if known is not None else split_sentences(text)
