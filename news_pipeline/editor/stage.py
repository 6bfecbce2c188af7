"""The edited_stories stage: each story's title, summary and insight, from the editor when
it is configured and its answer holds up, else the extractive ones of categorized_items.

Per day, stories go most important first: an answer cached under the story's key is judged
again and used without a request; the others are sent (at most `max_concurrency` at once)
while the day's budget lasts. An answer is used only if it parses (one retry with the error
otherwise), is in the report's language and is grounded in the articles. Nothing here raises
because of the model or the network: every story ends with a row that says what happened.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from news_pipeline import schema
from news_pipeline.editor.answer import RETRIED_KINDS, Rejection, parse_answer
from news_pipeline.editor.cache import EditorCache
from news_pipeline.editor.client import (
    ChatClient,
    ClientSettings,
    Completion,
    EditorRequestError,
    Sleep,
    redact,
)
from news_pipeline.editor.grounding import check_answer
from news_pipeline.editor.inputs import StoryInput, estimate_tokens, story_inputs
from news_pipeline.editor.prompt import build_messages, cache_key, retry_messages
from news_pipeline.editor.vocabulary import prompt_version
from news_pipeline.progress import ProgressReporter, no_progress
from news_pipeline.sources import EditorConfig

__all__ = ["EditorStats", "edit_stories"]

EDITED = "edited"
CACHED = "cached"
REJECTED = "rejected"
FAILED = "failed"
OVER_BUDGET = "over_budget"
NOT_CONFIGURED = "not_configured"
OFF_TOPIC = "off_topic"


@dataclass
class EditorStats:
    """What one materialization of edited_stories did, for the asset's metadata."""

    stories: int = 0
    llm: int = 0
    requests: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated_cost: float = 0.0
    instructions_removed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)


class _Budget:
    """The day's calls and tokens: spent in earlier runs, reserved before each request and
    settled with the tokens the provider reports."""

    def __init__(self, config: EditorConfig, spent_calls: int, spent_tokens: int) -> None:
        self.max_calls = config.max_calls_per_day
        self.max_tokens = config.max_tokens_per_day
        self.calls = spent_calls
        self.tokens = spent_tokens

    def reserve(self, tokens: int) -> bool:
        if self.calls + 1 > self.max_calls or self.tokens + tokens > self.max_tokens:
            return False
        self.calls += 1
        self.tokens += tokens
        return True

    def settle(self, reserved: int, used: int) -> None:
        self.tokens += used - reserved


class _Requests:
    """The AttemptObserver of one story's requests: budget, ledger, counts."""

    def __init__(self, day: _Day, story: StoryInput, key: str, prompt_estimate: int) -> None:
        self.day, self.story, self.key = day, story, key
        self.prompt_estimate = prompt_estimate
        self.reserved = prompt_estimate + day.config.max_output_tokens
        self.count = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def before_attempt(self) -> bool:
        if not self.day.budget.reserve(self.reserved):
            return False
        self.count += 1
        self.day.stats.requests += 1
        return True

    def after_attempt(self, outcome: str, completion: Completion | None) -> None:
        prompt = completion_tokens = 0
        if completion is not None:
            prompt = completion.prompt_tokens
            prompt = self.prompt_estimate if prompt is None else prompt
            completion_tokens = completion.completion_tokens
            if completion_tokens is None:
                completion_tokens = estimate_tokens(completion.content)
        self.day.budget.settle(self.reserved, prompt + completion_tokens)
        self.prompt_tokens += prompt
        self.completion_tokens += completion_tokens
        self.day.account_tokens(prompt, completion_tokens)
        self.day.cache.record_request(
            self.story.partition_date,
            self.story.story_id,
            self.key,
            model=self.day.config.model,
            outcome=outcome,
            prompt_tokens=prompt,
            completion_tokens=completion_tokens,
        )


@dataclass
class _Day:
    config: EditorConfig
    cache: EditorCache
    client: ChatClient
    budget: _Budget
    stats: EditorStats
    semaphore: asyncio.Semaphore
    fatal: EditorRequestError | None = None

    def account_tokens(self, prompt: int, completion: int) -> None:
        self.stats.prompt_tokens += prompt
        self.stats.completion_tokens += completion
        self.stats.estimated_cost += (
            prompt * self.config.price_per_million_input_tokens
            + completion * self.config.price_per_million_output_tokens
        ) / 1e6

    def judge(self, story: StoryInput, content: str) -> dict[str, Any]:
        """The row for an answer: used, or rejected with its kind."""
        try:
            answer = parse_answer(content, story.report_language)
            check_answer(answer, story.grounding_text, story.report_language)
        except Rejection as rejection:
            return {"outcome": REJECTED, "reason": rejection.kind, "detail": rejection.detail}
        return {
            "title": answer.title,
            "summary": answer.summary,
            "insight": answer.insight,
            "summary_source": "llm",
        }

    async def edit(self, story: StoryInput, key: str) -> dict[str, Any]:
        async with self.semaphore:
            if self.fatal is not None:
                return _failure(self.fatal)
            messages = build_messages(story)
            requests: list[_Requests] = []
            try:
                for attempt in range(2):
                    prompt_estimate = estimate_tokens("".join(m["content"] for m in messages))
                    requests.append(_Requests(self, story, key, prompt_estimate))
                    completion = await self.client.complete(
                        messages,
                        max_tokens=self.config.max_output_tokens,
                        temperature=self.config.temperature,
                        observer=requests[-1],
                    )
                    try:
                        parse_answer(completion.content, story.report_language)
                    except Rejection as rejection:
                        if attempt == 0 and rejection.kind in RETRIED_KINDS:
                            messages = retry_messages(
                                messages, story.report_language, completion.content, str(rejection)
                            )
                            continue
                    break
            except EditorRequestError as error:
                if error.fatal and self.fatal is None:
                    self.fatal = error
                return {**_failure(error), **_usage(requests)}
            self.cache.store_answer(
                key,
                model=self.config.model,
                prompt_version=prompt_version(),
                content=completion.content,
                prompt_tokens=sum(r.prompt_tokens for r in requests),
                completion_tokens=sum(r.completion_tokens for r in requests),
            )
            row = self.judge(story, completion.content)
            return {"outcome": EDITED, **row, **_usage(requests)}


def _failure(error: EditorRequestError) -> dict[str, Any]:
    outcome = OVER_BUDGET if error.kind == "over_budget" else FAILED
    return {"outcome": outcome, "reason": error.kind, "detail": error.detail}


def _usage(requests: list[_Requests]) -> dict[str, int]:
    return {
        "requests": sum(r.count for r in requests),
        "prompt_tokens": sum(r.prompt_tokens for r in requests),
        "completion_tokens": sum(r.completion_tokens for r in requests),
    }


async def _edit_all(
    stories: list[StoryInput],
    config: EditorConfig,
    api_key: str | None,
    settings: ClientSettings,
    cache: EditorCache,
    stats: EditorStats,
    progress: ProgressReporter,
    sleep: Sleep,
) -> dict[tuple[Any, str], dict[str, Any]]:
    results: dict[tuple[Any, str], dict[str, Any]] = {}
    keys = {(s.partition_date, s.story_id): cache_key(config.model, s) for s in stories}
    cached = cache.lookup_many(keys.values())
    days = sorted({story.partition_date for story in stories})
    client = ChatClient(
        config.base_url,
        config.model,
        api_key,
        settings,
        allow_private_addresses=config.allow_private_addresses,
        sleep=sleep,
    )
    async with client:
        blocked: EditorRequestError | None = None
        try:
            await client.check_address()
        except EditorRequestError as error:
            blocked = error
            stats.warnings.append(f"editor endpoint refused: {error}")
        for day in days:
            state = _Day(
                config,
                cache,
                client,
                _Budget(config, *cache.spent(day)),
                stats,
                asyncio.Semaphore(settings.max_concurrency),
                fatal=blocked,
            )
            pending = []
            for story in (s for s in stories if s.partition_date == day):
                story_key = (story.partition_date, story.story_id)
                answer = cached.get(keys[story_key])
                if answer is not None:
                    stats.cache_hits += 1
                    results[story_key] = {"outcome": CACHED, **state.judge(story, answer.content)}
                    results[story_key]["cache_hit"] = True
                    progress(len(results), len(stories), 0)
                else:
                    pending.append((story_key, state.edit(story, keys[story_key])))
            for story_key, row in zip(
                [k for k, _ in pending], await _gather(pending, stats), strict=True
            ):
                results[story_key] = row
                progress(len(results), len(stories), 0)
            if state.fatal is not None and state.fatal is not blocked:
                stats.warnings.append(f"editor stopped sending on {day}: {state.fatal}")
    for story_key, row in results.items():
        row["cache_key"] = keys[story_key]
    return results


async def _gather(pending: list[tuple[Any, Any]], stats: EditorStats) -> list[dict[str, Any]]:
    """Run the day's requests; a bug in one story's editing costs that story only."""
    outcomes = await asyncio.gather(*(job for _, job in pending), return_exceptions=True)
    rows = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            detail = redact(f"{type(outcome).__name__}: {outcome}", None)
            stats.warnings.append(f"editor error: {detail}")
            rows.append({"outcome": FAILED, "reason": "editor_error", "detail": detail})
        else:
            rows.append(outcome)
    return rows


def _base_row(item: dict[str, Any], outcome: str) -> dict[str, Any]:
    return {
        "partition_date": item["partition_date"],
        "story_id": item["story_id"],
        "title": item["title"],
        "summary": item["summary"],
        "insight": None,
        "summary_source": "extractive",
        "outcome": outcome,
        "reason": None,
        "detail": None,
        "cache_hit": False,
        "requests": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "instructions_removed": 0,
        "model": None,
        "prompt_version": None,
        "cache_key": None,
    }


def edit_stories(
    categorized: pl.DataFrame,
    deduped: pl.DataFrame,
    *,
    report_language: str,
    config: EditorConfig | None,
    api_key: str | None,
    api_key_env: str | None,
    settings: ClientSettings,
    database_path: Path,
    progress: ProgressReporter = no_progress,
    sleep: Sleep = asyncio.sleep,
) -> tuple[pl.DataFrame, EditorStats]:
    """One edited_stories row per categorized story (any number of days), and the stats.

    Without `config` nothing is sent and nothing is written but the rows (all extractive).
    """
    categorized = schema.conform(categorized, schema.CATEGORIZED_ITEMS_SCHEMA)
    stats = EditorStats(stories=categorized.height)
    items = list(categorized.iter_rows(named=True))
    results: dict[tuple[Any, str], dict[str, Any]] = {}
    stories: list[StoryInput] = []
    if config is not None:
        stories = story_inputs(categorized, deduped, report_language, config.input_tokens_per_story)
        stats.instructions_removed = sum(s.instructions_removed for s in stories)
    if config is not None and api_key_env and not api_key:
        stats.warnings.append(f"editor: ${api_key_env} is not set; no request was sent")
        for story in stories:
            results[(story.partition_date, story.story_id)] = {
                "outcome": FAILED,
                "reason": "missing_api_key",
                "detail": f"${api_key_env} is not set",
            }
    elif config is not None and stories:
        try:
            cache = EditorCache(database_path)
            results = asyncio.run(
                _edit_all(stories, config, api_key, settings, cache, stats, progress, sleep)
            )
        except Exception as error:  # the editor must never fail the run (CONTRACT.md)
            detail = redact(f"{type(error).__name__}: {error}", api_key)
            stats.warnings.append(f"editor failed, every story keeps its extractive text: {detail}")
            results = {
                (s.partition_date, s.story_id): {
                    "outcome": FAILED,
                    "reason": "editor_error",
                    "detail": detail,
                }
                for s in stories
            }
    if not items:
        progress(0, 0, 0)
    removed = {(s.partition_date, s.story_id): s.instructions_removed for s in stories}
    rows = []
    for item in items:
        story_key = (item["partition_date"], item["story_id"])
        if config is None:
            row = _base_row(item, NOT_CONFIGURED)
        elif item["off_topic"]:
            row = _base_row(item, OFF_TOPIC)
        else:
            row = _base_row(item, FAILED)
            row.update({"model": config.model, "prompt_version": prompt_version()})
            no_articles = {"reason": "no_articles", "detail": "no article rows for this story"}
            row.update(results.get(story_key, no_articles))
            row["instructions_removed"] = removed.get(story_key, 0)
        rows.append(row)
        _count(row, stats)
    if not rows:
        return schema.empty_frame(schema.EDITED_STORIES_SCHEMA), stats
    frame = pl.DataFrame(rows, schema=schema.EDITED_STORIES_SCHEMA)
    return frame, stats


def _count(row: dict[str, Any], stats: EditorStats) -> None:
    stats.outcomes[row["outcome"]] += 1
    if row["summary_source"] == "llm":
        stats.llm += 1
    elif row["outcome"] == REJECTED:
        stats.rejected[row["reason"]] += 1
    elif row["outcome"] in (FAILED, OVER_BUDGET):
        stats.failed[row["reason"]] += 1
