"""An answer of the model: parsed, validated with pydantic, or rejected with its kind."""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from news_pipeline.editorial import text_length

__all__ = ["EditorAnswer", "Rejection", "parse_answer"]

# Rejection kinds, as the metadata counts them.
INVALID_JSON = "invalid_json"
INVALID_ANSWER = "invalid_answer"
WRONG_LANGUAGE = "wrong_language"
UNEXPECTED_CONTENT = "unexpected_content"
UNGROUNDED_NUMBER = "ungrounded_number"
UNGROUNDED_NAME = "ungrounded_name"
REJECTION_KINDS = (
    INVALID_JSON,
    INVALID_ANSWER,
    WRONG_LANGUAGE,
    UNEXPECTED_CONTENT,
    UNGROUNDED_NUMBER,
    UNGROUNDED_NAME,
)
# Kinds that earn one more request with the error: the model may just have formatted badly.
RETRIED_KINDS = (INVALID_JSON, INVALID_ANSWER)

# Longest acceptable field, in characters for zh and words for en (editorial.text_length).
LIMITS = {
    "zh": {"title": 60, "summary": 400, "insight": 200},
    "en": {"title": 30, "summary": 160, "insight": 70},
}
_FENCED = re.compile(r"^\s*```(?:json|JSON)?\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


class Rejection(Exception):
    """An answer the report will not use; `kind` is one of REJECTION_KINDS."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


class EditorAnswer(BaseModel):
    """The keys the prompt asks for; extra keys are ignored, strings only."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    title: str
    summary: str
    insight: str

    @field_validator("title", "summary", "insight")
    @classmethod
    def _one_paragraph(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("is empty")
        return value


def parse_answer(content: str, language: str) -> EditorAnswer:
    """The answer in `content`, or Rejection (invalid_json / invalid_answer)."""
    fenced = _FENCED.match(content or "")
    text = fenced.group(1) if fenced else (content or "")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise Rejection(INVALID_JSON, f"not JSON ({error.msg} at character {error.pos})") from None
    if not isinstance(data, dict):
        raise Rejection(INVALID_JSON, f"a JSON {type(data).__name__}, not an object")
    try:
        answer = EditorAnswer.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]) or "answer"
        raise Rejection(INVALID_ANSWER, f"{field}: {problem['msg']}") from None
    for field, limit in LIMITS[language].items():
        length = text_length(getattr(answer, field), language)
        if length > limit:
            raise Rejection(INVALID_ANSWER, f"{field}: {length} long, the limit is {limit}")
    return answer
