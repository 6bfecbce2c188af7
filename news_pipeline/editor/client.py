"""The async Chat Completions client of the editor (any OpenAI-compatible endpoint).

One httpx client per run, connections pinned to the addresses the policy approved (the same
policy as the sources: loopback and private addresses refused unless allowed), no redirects
followed (the Authorization header must not travel to another host), a cap on concurrent
requests, timeouts per socket operation and per exchange, and retries with exponential
backoff on 429, 5xx, timeouts and dropped connections, honouring Retry-After. Errors say what
happened in one line with the key and any bearer token redacted: providers echo keys back.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from news_pipeline.fetch import AddressPolicy, FetchBlocked, FetchSettings, make_transport

__all__ = [
    "ChatClient",
    "ClientSettings",
    "Completion",
    "EditorRequestError",
    "redact",
]

DEFAULT_USER_AGENT = "news_pipeline-editor/0.1"
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})
# Statuses after which no other story will fare better: stop sending for the whole run.
FATAL_STATUSES = {401: "unauthorized", 403: "forbidden", 404: "not_found"}
_DETAIL_CHARS = 300
_SECRET_SHAPES = re.compile(
    r"(?i)(bearer\s+)\S+|\b(sk|pk|api|key)-[A-Za-z0-9_\-*]{6,}|\b[A-Za-z0-9_\-]{32,}\b"
)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class ClientSettings:
    max_concurrency: int = 4
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    total_timeout: float = 120.0
    max_retries: int = 3
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 30.0
    # A Retry-After longer than this is not waited for: the story keeps its extractive text.
    retry_after_max_seconds: float = 120.0
    max_response_bytes: int = 2_000_000
    user_agent: str = DEFAULT_USER_AGENT


@dataclass(frozen=True)
class Completion:
    content: str
    prompt_tokens: int | None
    completion_tokens: int | None
    finish_reason: str | None


class EditorRequestError(Exception):
    """A request that gave no answer; `kind` says why (timeout, rate_limited, http_error,
    connection_error, bad_response, unauthorized, forbidden, not_found, blocked_address,
    over_budget). `fatal`: the endpoint will not answer any story of this run."""

    def __init__(
        self,
        kind: str,
        detail: str,
        *,
        status: int | None = None,
        fatal: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.status = status
        self.fatal = fatal
        self.retry_after = retry_after


class AttemptObserver(Protocol):
    """Counts and permits each HTTP attempt (the budget and the request ledger)."""

    def before_attempt(self) -> bool: ...

    def after_attempt(self, outcome: str, completion: Completion | None) -> None: ...


def redact(text: str, secret: str | None) -> str:
    """The text without the key, bearer tokens or key-shaped strings, cut to one short line."""
    if secret:
        text = text.replace(secret, "[redacted]")
    text = _SECRET_SHAPES.sub(lambda m: (m.group(1) or "") + "[redacted]", text)
    return " ".join(text.split())[:_DETAIL_CHARS]


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def _error_detail(status: int, body: bytes) -> str:
    """The provider's message: `{"error": {"message": ...}}` (OpenAI, DeepSeek, DashScope) or
    `{"error": "..."}` (Ollama)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}"
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        message = error.get("message") or error.get("code") or error.get("type") or ""
        return f"HTTP {status}: {message}"
    if isinstance(error, str):
        return f"HTTP {status}: {error}"
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return f"HTTP {status}: {data['message']}"
    return f"HTTP {status}"


def _completion(body: bytes) -> Completion:
    try:
        data = json.loads(body)
        choice = data["choices"][0]
        content = choice["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise EditorRequestError("bad_response", "not a chat completion") from None
    if not isinstance(content, str):
        raise EditorRequestError("bad_response", "the completion has no text")
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}

    def count(key: str) -> int | None:
        value = usage.get(key)
        return value if isinstance(value, int) and value >= 0 else None

    return Completion(
        content=content,
        prompt_tokens=count("prompt_tokens"),
        completion_tokens=count("completion_tokens"),
        finish_reason=choice.get("finish_reason"),
    )


class ChatClient:
    """`async with ChatClient(...) as client: await client.complete(messages, ...)`."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None,
        settings: ClientSettings,
        *,
        allow_private_addresses: bool = False,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self._api_key = api_key or None
        self.settings = settings
        self._policy = AddressPolicy(allow_private_addresses, [])
        self._sleep = sleep
        self._client: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"ChatClient(url={self.url!r}, model={self.model!r})"

    async def __aenter__(self) -> ChatClient:
        transport_settings = FetchSettings(
            http2=False,
            max_concurrency=self.settings.max_concurrency,
            connect_timeout=self.settings.connect_timeout,
            read_timeout=self.settings.read_timeout,
            total_timeout=self.settings.total_timeout,
        )
        self._client = httpx.AsyncClient(
            transport=make_transport(transport_settings, self._policy),
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(
                connect=self.settings.connect_timeout,
                read=self.settings.read_timeout,
                write=self.settings.read_timeout,
                pool=self.settings.total_timeout,
            ),
            headers={"User-Agent": self.settings.user_agent, "Accept": "application/json"},
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def check_address(self) -> None:
        """Refuse the endpoint up front when the address policy forbids it."""
        parts = urlsplit(self.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = parts.hostname or ""
        if self._policy.exempt(host, port):
            return
        try:
            await self._policy.permitted_addresses(host, port)
        except FetchBlocked as error:
            raise EditorRequestError("blocked_address", str(error), fatal=True) from None
        except OSError as error:
            raise EditorRequestError(
                "connection_error", f"cannot resolve {host}: {error}", fatal=True
            ) from None

    async def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        temperature: float,
        observer: AttemptObserver,
    ) -> Completion:
        """One completion, retried on transient failures; EditorRequestError when none."""
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "response_format": {"type": "json_object"},
            "temperature": temperature,
            "max_tokens": max_tokens,
            "stream": False,
        }
        attempt = 0
        while True:
            if not observer.before_attempt():
                raise EditorRequestError("over_budget", "the day's budget is spent")
            attempt += 1
            try:
                completion = await self._attempt(payload)
            except EditorRequestError as error:
                observer.after_attempt(error.kind, None)
                delay = self._retry_delay(error, attempt)
                if delay is None:
                    raise
                await self._sleep(delay)
                continue
            observer.after_attempt("ok", completion)
            return completion

    def _retry_delay(self, error: EditorRequestError, attempt: int) -> float | None:
        if error.fatal or attempt > self.settings.max_retries:
            return None
        retryable = error.kind in ("timeout", "connection_error", "rate_limited") or (
            error.status in RETRY_STATUSES
        )
        if not retryable:
            return None
        if error.retry_after is not None:
            if error.retry_after > self.settings.retry_after_max_seconds:
                return None
            return error.retry_after
        backoff = self.settings.backoff_base_seconds * 2 ** (attempt - 1)
        return min(backoff, self.settings.backoff_max_seconds)

    async def _attempt(self, payload: dict[str, Any]) -> Completion:
        assert self._client is not None, "use ChatClient in `async with`"
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        try:
            async with asyncio.timeout(self.settings.total_timeout):
                status, retry_after, body = await self._post(payload, headers)
        except (TimeoutError, httpx.TimeoutException):
            raise EditorRequestError("timeout", "no answer in time") from None
        except FetchBlocked as error:
            raise EditorRequestError("blocked_address", str(error), fatal=True) from None
        except httpx.TransportError as error:
            detail = redact(f"{type(error).__name__}: {error}", self._api_key)
            raise EditorRequestError("connection_error", detail) from None
        if status == 200:
            return _completion(body)
        detail = redact(_error_detail(status, body), self._api_key)
        if status in FATAL_STATUSES:
            raise EditorRequestError(FATAL_STATUSES[status], detail, status=status, fatal=True)
        raise EditorRequestError(
            "rate_limited" if status == 429 else "http_error",
            detail,
            status=status,
            retry_after=retry_after_seconds(retry_after),
        )

    async def _post(
        self, payload: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, str | None, bytes]:
        assert self._client is not None
        async with self._client.stream("POST", self.url, json=payload, headers=headers) as reply:
            chunks = []
            size = 0
            async for chunk in reply.aiter_bytes():
                size += len(chunk)
                if size > self.settings.max_response_bytes:
                    raise EditorRequestError("bad_response", "the answer is too large")
                chunks.append(chunk)
            return reply.status_code, reply.headers.get("Retry-After"), b"".join(chunks)
