"""Secrets never leave through a log line, metadata, the ledger or a report.

Webhook URLs carry their token in the path or the query (Slack, Feishu, WeCom, Telegram's
`bot<token>`); SMTP has a password. Only a URL's scheme and host are ever shown, and every
text that may quote a secret (an exception, a server's answer) passes `Redactor.clean`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

MASK = "***"
# Pieces of a URL shorter than this are words ("hooks", "v2"), not tokens.
_MIN_SECRET_LENGTH = 6
# A path segment or query value is taken for a token when it is this long, or when it mixes
# letters and digits ("bot123:AAE…", a UUID); plain words ("webhook", "sendMessage") are not.
_LONG_PIECE = 16


def shown_url(url: str) -> str:
    """What may be shown of a URL: scheme, host and port, and a mask for the rest."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    rest = f"/{MASK}" if (parts.path.strip("/") or parts.query) else "/"
    return f"{parts.scheme}://{host}{port}{rest}"


def _token_like(piece: str) -> bool:
    if len(piece) >= _LONG_PIECE:
        return True
    return any(ch.isdigit() for ch in piece) and any(ch.isalpha() for ch in piece)


def url_secrets(url: str) -> list[str]:
    """The parts of a URL that may be secret: all of it, its path and query, user info,
    Telegram's `bot<id>:<key>` token and its key, and each token-like path segment and query
    value (raw and percent-decoded)."""
    parts = urlsplit(url)
    certain = [url, parts.path, parts.query, parts.netloc.rpartition("@")[0]]
    for segment in parts.path.split("/"):
        if ":" in segment:
            certain += [segment.removeprefix("bot"), segment.partition(":")[2]]
    pieces = parts.path.split("/")
    pieces += [value for _name, value in parse_qsl(parts.query, keep_blank_values=True)]
    found = [*certain, *filter(_token_like, pieces)]
    found += [unquote(piece) for piece in found]
    return [piece for piece in dict.fromkeys(found) if len(piece) >= _MIN_SECRET_LENGTH]


class Redactor:
    """Replaces every known secret in a text with a mask, longest first."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        unique = {secret for secret in secrets if secret and len(secret) >= _MIN_SECRET_LENGTH}
        ordered = sorted(unique, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def clean(self, text: str | None) -> str | None:
        if text is None or self._pattern is None:
            return text
        return self._pattern.sub(MASK, text)
