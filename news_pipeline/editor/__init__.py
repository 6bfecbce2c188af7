"""The editor: an optional LLM that writes each story's title, summary and insight line.

Modules: `inputs` (what is sent per story, cut to a token budget), `injection` (instructions
planted in articles are taken out), `prompt` (messages, cache key), `client` (the async
Chat Completions client: concurrency cap, timeouts, retries, the address policy), `answer`
(pydantic validation), `grounding` (every figure and name must be in the articles), `cache`
(answers and the request ledger in DuckDB), `stage` (`edit_stories`). No Dagster here.
"""

from news_pipeline.editor.answer import REJECTION_KINDS, EditorAnswer, Rejection, parse_answer
from news_pipeline.editor.cache import EditorCache
from news_pipeline.editor.client import ChatClient, ClientSettings, EditorRequestError, redact
from news_pipeline.editor.grounding import check_answer, latin_names, quantities
from news_pipeline.editor.injection import looks_like_instruction, strip_instructions
from news_pipeline.editor.inputs import StoryInput, estimate_tokens, story_inputs
from news_pipeline.editor.prompt import build_messages, cache_key
from news_pipeline.editor.stage import EditorStats, edit_stories
from news_pipeline.editor.vocabulary import prompt_version

__all__ = [
    "REJECTION_KINDS",
    "ChatClient",
    "ClientSettings",
    "EditorAnswer",
    "EditorCache",
    "EditorRequestError",
    "EditorStats",
    "Rejection",
    "StoryInput",
    "build_messages",
    "cache_key",
    "check_answer",
    "edit_stories",
    "estimate_tokens",
    "latin_names",
    "looks_like_instruction",
    "parse_answer",
    "prompt_version",
    "quantities",
    "redact",
    "story_inputs",
    "strip_instructions",
]
