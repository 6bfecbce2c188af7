"""The editor's data files: the prompt (data/editor_prompt.yaml) and what grounding and the
instruction guard know (data/editor_grounding.yaml), loaded once per process."""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

from news_pipeline.datafiles import data_path, load_data_yaml

PROMPT_FILE = "editor_prompt.yaml"
GROUNDING_FILE = "editor_grounding.yaml"


@functools.cache
def _load(name: str) -> dict[str, Any]:
    return load_data_yaml(name)


@functools.cache
def prompt_version() -> str:
    """A hash of the prompt file: any edit to the prompt is a new version (and cache key)."""
    digest = hashlib.sha256(data_path(PROMPT_FILE).read_bytes()).hexdigest()[:12]
    return f"v{_load(PROMPT_FILE)['version']}-{digest}"


def prompt_text(language: str) -> dict[str, str]:
    """`system`, `data_intro` and `retry` of one report language."""
    return dict(_load(PROMPT_FILE)[language])


def grounding() -> dict[str, Any]:
    return _load(GROUNDING_FILE)


@functools.cache
def instruction_patterns() -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in grounding()["instruction_patterns"]]
