"""Feed text and URLs are untrusted: the checks that both page formats share.

Only absolute http(s) URLs ever become links; every other text is shown as one line of text.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_WHITESPACE = re.compile(r"\s+")


def as_text(value: Any) -> str:
    """The value as a string, with None as the empty string."""
    return "" if value is None else str(value)


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) URL with a host, else None (render as text)."""
    if not url:
        return None
    candidate = url.strip()
    if _CONTROL_CHARS.search(candidate) or any(ch.isspace() for ch in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return candidate


def plain_text(value: Any) -> str:
    """One line of text: control characters and line breaks folded into single spaces."""
    return _WHITESPACE.sub(" ", _CONTROL_CHARS.sub(" ", as_text(value))).strip()
