"""Whether a receiver took a message: HTTP status and, for the chat platforms that answer
200 with an error code in the body, the body. 429 and 5xx (and connection trouble) are worth
another attempt; anything else is not, until the next run."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from news_pipeline.fetch import parse_retry_after

# Feishu "request frequency limited"; WeCom "api freq out of limit".
_FEISHU_RATE_LIMITED = {11232, 9499}
_WECOM_RATE_LIMITED = {45009}
_DETAIL_CHARS = 200


@dataclass(frozen=True)
class Verdict:
    ok: bool
    retryable: bool = False
    detail: str = ""
    retry_after: float | None = None


Judge = Callable[[int, Mapping[str, str], bytes], Verdict]


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _snippet(body: bytes) -> str:
    return " ".join(body.decode("utf-8", "replace").split())[:_DETAIL_CHARS]


def http_verdict(status: int, headers: Mapping[str, str], body: bytes) -> Verdict:
    """Any 2xx is taken (the generic webhook, Slack's incoming webhooks)."""
    if 200 <= status < 300:
        return Verdict(ok=True)
    detail = f"HTTP {status}" + (f": {_snippet(body)}" if body else "")
    if 300 <= status < 400:
        return Verdict(ok=False, detail=f"{detail} (redirects are not followed)")
    retryable = status == 429 or status >= 500
    return Verdict(
        ok=False,
        retryable=retryable,
        detail=detail,
        retry_after=parse_retry_after(headers.get("retry-after")) if retryable else None,
    )


def feishu_verdict(status: int, headers: Mapping[str, str], body: bytes) -> Verdict:
    """Feishu answers 200 with `code` (or `StatusCode`) 0 on success."""
    verdict = http_verdict(status, headers, body)
    if not verdict.ok:
        return verdict
    answer = _json(body)
    code = answer.get("code", answer.get("StatusCode"))
    if code == 0:
        return verdict
    message = str(answer.get("msg") or answer.get("StatusMessage") or _snippet(body))
    return Verdict(
        ok=False,
        retryable=code in _FEISHU_RATE_LIMITED,
        detail=f"feishu code {code}: {message[:_DETAIL_CHARS]}",
    )


def wecom_verdict(status: int, headers: Mapping[str, str], body: bytes) -> Verdict:
    """WeCom answers 200 with `errcode` 0 on success."""
    verdict = http_verdict(status, headers, body)
    if not verdict.ok:
        return verdict
    answer = _json(body)
    code = answer.get("errcode")
    if code == 0:
        return verdict
    message = str(answer.get("errmsg") or _snippet(body))
    return Verdict(
        ok=False,
        retryable=code in _WECOM_RATE_LIMITED,
        detail=f"wecom errcode {code}: {message[:_DETAIL_CHARS]}",
    )


def telegram_verdict(status: int, headers: Mapping[str, str], body: bytes) -> Verdict:
    """Telegram answers `{"ok": true}`; a 429 says how long to wait in `retry_after`."""
    answer = _json(body)
    if 200 <= status < 300 and answer.get("ok") is True:
        return Verdict(ok=True)
    verdict = http_verdict(status, headers, body)
    parameters = answer.get("parameters") if isinstance(answer.get("parameters"), dict) else {}
    retry_after = parameters.get("retry_after")
    description = str(answer.get("description") or _snippet(body))[:_DETAIL_CHARS]
    return Verdict(
        ok=False,
        retryable=verdict.retryable,
        detail=f"HTTP {status}: {description}",
        retry_after=float(retry_after) if isinstance(retry_after, int | float) else None,
    )
