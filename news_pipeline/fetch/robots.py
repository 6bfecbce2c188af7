"""robots.txt as RFC 9309 reads it, parsed by protego (Scrapy's parser).

protego matches `*` and `$` in paths and applies the longest matching rule, an Allow winning
over a Disallow of equal length; urllib.robotparser, used before, knows neither wildcard and
applies the first rule that matches.

What fetching /robots.txt tells (RFC 9309 §2.3.1):
- 2xx: its rules, of which the first ROBOTS_MAX_BYTES are parsed (§2.5);
- 4xx, "unavailable": no restrictions, except 429, which says the server is overloaded and
  is read like a 5xx (as Google does);
- 5xx or no answer at all (refused, timed out, TLS or DNS failure), "unreachable": the whole
  host is disallowed. Its pages are then not requested and their rows carry the reason
  (status blocked, or timeout/fetch_error when the host did not answer);
- a redirect loop or a chain past the redirect limit: unavailable (§2.3.1.2 allows it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from protego import Protego

from news_pipeline import schema
from news_pipeline.fetch.charsets import charset_from_content_type, decode_document
from news_pipeline.fetch.policy import FetchBlocked

if TYPE_CHECKING:
    from news_pipeline.fetch.fetcher import FetchResult

ROBOTS_MAX_BYTES = 512 * 1024
MAX_CRAWL_DELAY = 10.0  # seconds; a larger robots.txt Crawl-delay would stall a daily run
_UNANSWERED_STATUSES = (schema.STATUS_TIMEOUT, schema.STATUS_FETCH_ERROR)


def product_token(user_agent: str) -> str:
    """The name robots.txt groups are matched against: "news_pipeline" of
    "news_pipeline/0.1 (+https://...)" (RFC 9309 §2.2.1), so that a group for a word that
    merely occurs in the comment (e.g. "github") does not apply to us."""
    token = re.split(r"[/\s]", user_agent.strip(), maxsplit=1)[0]
    return token or user_agent


@dataclass(frozen=True)
class RobotsRules:
    """One origin's robots.txt: its parsed rules, none, or the whole host closed."""

    origin: str
    parser: Protego | None = None
    closed: str | None = None  # why every path of the host is disallowed
    closed_status: str = schema.STATUS_BLOCKED

    def refusal(self, url: str, user_agent: str) -> FetchBlocked | None:
        """Why `url` must not be fetched, or None when robots.txt allows it."""
        if self.closed is not None:
            return FetchBlocked(self.closed, self.closed_status)
        if self.parser is not None and not self.parser.can_fetch(url, product_token(user_agent)):
            return FetchBlocked("robots.txt disallows this path")
        return None

    def crawl_delay(self, user_agent: str) -> float | None:
        """The group's Crawl-delay in seconds, capped at MAX_CRAWL_DELAY."""
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(product_token(user_agent))
        return min(float(delay), MAX_CRAWL_DELAY) if delay else None


def robots_rules(origin: str, result: FetchResult) -> RobotsRules:
    """What the fetch of `origin`/robots.txt means for the host's other URLs (see above)."""
    code = result.http_status
    if result.status == schema.STATUS_OK and result.body is not None:
        text = decode_document(result.body, charset_from_content_type(result.content_type)).text
        try:
            return RobotsRules(origin, parser=Protego.parse(text))
        except Exception as error:  # a parser failure must not take the run down
            reason = f"robots.txt of {origin} could not be parsed ({type(error).__name__})"
            return RobotsRules(origin, closed=reason)
    if code is not None and 400 <= code < 500 and code != 429:
        return RobotsRules(origin)
    if result.status == schema.STATUS_FETCH_ERROR and code is not None and 300 <= code < 400:
        return RobotsRules(origin)
    if code is not None and (code >= 500 or code == 429):
        reason = f"robots.txt of {origin} answered HTTP {code}: the host is disallowed"
        return RobotsRules(origin, closed=reason)
    reason = f"robots.txt of {origin} unreachable ({result.error}): the host is disallowed"
    status = result.status if result.status in _UNANSWERED_STATUSES else schema.STATUS_BLOCKED
    return RobotsRules(origin, closed=reason, closed_status=status)
