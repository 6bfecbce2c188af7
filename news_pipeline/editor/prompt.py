"""The messages of one request, and the cache key of a story.

The story goes to the model as JSON between <story_data> tags, after a system message that
says it is material to edit and not instructions. Inside the JSON every `<` and `>` is
written as a \\u escape, so no article can close the tag and speak outside the data.
"""

from __future__ import annotations

import hashlib
import json

from news_pipeline.editor.inputs import StoryInput
from news_pipeline.editor.vocabulary import prompt_text, prompt_version

__all__ = ["build_messages", "cache_key", "retry_messages"]

Message = dict[str, str]
# What is quoted back of an unusable answer when asking again.
_QUOTED_ANSWER_CHARS = 2000


def _story_data(story: StoryInput) -> str:
    data = json.dumps(story.payload(), ensure_ascii=False)
    return data.replace("<", "\\u003c").replace(">", "\\u003e")


def build_messages(story: StoryInput) -> list[Message]:
    text = prompt_text(story.report_language)
    user = f"{text['data_intro']}\n<story_data>\n{_story_data(story)}\n</story_data>"
    return [{"role": "system", "content": text["system"]}, {"role": "user", "content": user}]


def retry_messages(
    messages: list[Message], language: str, answer: str, error: str
) -> list[Message]:
    """The same conversation, the unusable answer, and one request to answer again."""
    retry = prompt_text(language)["retry"].format(error=error)
    return [
        *messages,
        {"role": "assistant", "content": answer[:_QUOTED_ANSWER_CHARS]},
        {"role": "user", "content": retry},
    ]


def cache_key(model: str, story: StoryInput) -> str:
    """sha256 of (model, prompt version, report language, the story as sent)."""
    material = json.dumps(
        {
            "model": model,
            "prompt_version": prompt_version(),
            "language": story.report_language,
            "story": story.payload(),
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()
