"""Sentences in an article that address a model instead of a reader ("ignore previous
instructions...") are taken out before the article is sent, and out of the text an answer is
grounded in, so that a planted instruction neither reaches the model nor vouches for what it
asked the model to write. The patterns are in data/editor_grounding.yaml."""

from __future__ import annotations

from news_pipeline.cjk import HAN_RE
from news_pipeline.editor.vocabulary import instruction_patterns
from news_pipeline.editorial import split_sentences

__all__ = ["looks_like_instruction", "strip_instructions"]


def looks_like_instruction(sentence: str) -> bool:
    return any(pattern.search(sentence) for pattern in instruction_patterns())


def strip_instructions(text: str) -> tuple[str, int]:
    """The text without instruction-like sentences, and how many were removed.

    Lines without such a sentence are kept exactly as they were.
    """
    if not text:
        return text, 0
    lines: list[str] = []
    removed = 0
    for line in text.split("\n"):
        sentences = split_sentences(line)
        kept = [sentence for sentence in sentences if not looks_like_instruction(sentence)]
        if len(kept) == len(sentences):
            lines.append(line)
            continue
        removed += len(sentences) - len(kept)
        if kept:
            lines.append(("" if HAN_RE.search(line) else " ").join(kept))
    return "\n".join(lines), removed
