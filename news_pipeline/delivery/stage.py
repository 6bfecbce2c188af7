"""Deliver days' reports to the subscribers of a sources file, at most once each.

For each (day, subscriber): filter the report's stories, render the channel's message, claim
the ledger row, send with retries, record the outcome. The run's own days go to every
selected subscriber; deliveries of the few days before them that are recorded as failed are
retried too (RETRY_LOOKBACK_DAYS), so a receiver that was down gets yesterday's digest with
today's run.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from news_pipeline.delivery.channels import JUDGES, encode, http_messages
from news_pipeline.delivery.digest import Digest, build_digest
from news_pipeline.delivery.ledger import STATUS_FAILED, Claim, Ledger
from news_pipeline.delivery.mail import mail_message
from news_pipeline.delivery.secrets import Redactor, shown_url, url_secrets
from news_pipeline.delivery.settings import SMTP_PASSWORD_ENV, DeliverySettings
from news_pipeline.delivery.transport import SendOutcome, policy_for, post_parts, send_mail
from news_pipeline.sources import SourcesConfig, SubscriberConfig, check_url


class UnknownSubscriberError(ValueError):
    """A subscriber name that the sources file does not define."""


class MissingReportError(ValueError):
    """A day to deliver whose report has not been built."""


@dataclass(frozen=True)
class DeliveryRequest:
    """Which deliveries a run makes: all subscribers (or the named ones), resending days
    already sent only when `force` is set."""

    force: bool = False
    subscribers: tuple[str, ...] | None = None
    retry_earlier_failures: bool = True


@dataclass(frozen=True)
class DeliveryResult:
    """What one (day, subscriber) came to in this run: `sent`, `failed`, `empty` (nothing
    passed the filters) or `skipped` (at most once: see `detail`)."""

    day: date
    subscriber: str
    channel: str
    outcome: str
    detail: str = ""
    parts: int = 0
    payload_bytes: int = 0
    attempts: int = 0
    response_code: int | None = None


@dataclass(frozen=True)
class _Rendered:
    bodies: list[bytes]
    payload_bytes: int
    send: Callable[[int, Callable[[int], None]], SendOutcome]


def select_subscribers(
    config: SourcesConfig, names: Sequence[str] | None
) -> list[SubscriberConfig]:
    if names is None:
        return list(config.subscribers)
    known = {subscriber.name: subscriber for subscriber in config.subscribers}
    unknown = [name for name in names if name not in known]
    if unknown:
        have = ", ".join(known) or "none"
        raise UnknownSubscriberError(f"no subscriber named {unknown[0]!r} (configured: {have})")
    return [known[name] for name in dict.fromkeys(names)]


def shown_target(subscriber: SubscriberConfig, url: str | None) -> str:
    """Where a subscriber's messages go, with every secret part masked."""
    if subscriber.channel == "email":
        return f"{shown_url(subscriber.smtp_url or '')} -> {', '.join(subscriber.to or [])}"
    if url is None:
        return f"${subscriber.url_env}"
    return shown_url(url)


class Deliverer:
    """Delivers for one sources file into one ledger (one instance per run)."""

    def __init__(
        self,
        config: SourcesConfig,
        ledger: Ledger,
        settings: DeliverySettings,
        *,
        category_names: Mapping[str, Mapping[str, str]] | None = None,
        templates_dir: Path | None = None,
        run_id: str | None = None,
        log: Callable[[str], None] = lambda message: None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.settings = settings
        self.category_names = category_names
        self.templates_dir = templates_dir
        self.run_id = run_id
        self.log = log
        self.environ = os.environ if environ is None else environ

    def deliver(
        self,
        reports: Mapping[date, Mapping[str, Any]],
        days: Sequence[date],
        request: DeliveryRequest = DeliveryRequest(),
    ) -> list[DeliveryResult]:
        """Deliver `days` (each must have a report in `reports`); retry earlier failures
        among the other days of `reports` when the request says so."""
        subscribers = select_subscribers(self.config, request.subscribers)
        missing = [day for day in days if day not in reports]
        if missing:
            raise MissingReportError(
                f"no daily report for {missing[0]}: run the pipeline for it first"
            )
        jobs = [(day, subscriber) for day in sorted(set(days)) for subscriber in subscribers]
        if request.retry_earlier_failures and days:
            jobs = self._earlier_failures(reports, min(days), subscribers) + jobs
        return [
            self.deliver_one(day, subscriber, reports[day], force=request.force)
            for day, subscriber in jobs
        ]

    def _earlier_failures(
        self,
        reports: Mapping[date, Mapping[str, Any]],
        first_day: date,
        subscribers: list[SubscriberConfig],
    ) -> list[tuple[date, SubscriberConfig]]:
        earlier = [day for day in reports if day < first_day]
        if not earlier or not subscribers:
            return []
        by_name = {subscriber.name: subscriber for subscriber in subscribers}
        failed = self.ledger.rows(earlier, by_name).filter(pl.col("status") == STATUS_FAILED)
        return [
            (row["partition_date"], by_name[row["subscriber"]])
            for row in failed.iter_rows(named=True)
        ]

    def deliver_one(
        self, day: date, subscriber: SubscriberConfig, report: Mapping[str, Any], force: bool
    ) -> DeliveryResult:
        base_url = self.config.site.base_url if self.config.site else None
        digest = build_digest(
            report,
            subscriber,
            language=self.config.report_language,
            base_url=base_url,
            category_names=self.category_names,
        )
        url, url_problem = self._url(subscriber)
        password = self.environ.get(SMTP_PASSWORD_ENV) or None
        redactor = Redactor([*(url_secrets(url) if url else []), password])
        target = shown_target(subscriber, url)
        name, channel = subscriber.name, subscriber.channel
        if not digest.stories:
            self.ledger.record_empty(day, name, channel, target, self.run_id)
            self.log(f"{day} {name}: no story passed the filters, nothing sent")
            return DeliveryResult(day, name, channel, "empty")
        rendered = None if url_problem else self._render(digest, subscriber, url, password)
        claim = Claim(
            day=day,
            subscriber=name,
            channel=channel,
            target=target,
            parts_total=len(rendered.bodies) if rendered else 0,
            stories=len(digest.stories),
            payload_bytes=rendered.payload_bytes if rendered else 0,
            run_id=self.run_id,
        )
        decision = self.ledger.claim(claim, force)
        if not decision.send:
            self.log(f"{day} {name}: not sent, {decision.reason}")
            return DeliveryResult(day, name, channel, "skipped", decision.reason)
        if rendered is None:
            outcome = SendOutcome(ok=False, detail=url_problem or "")
        else:
            outcome = rendered.send(
                decision.start_part, lambda sent: self.ledger.part_sent(day, name, sent)
            )
        detail = redactor.clean(outcome.detail) or ""
        self.ledger.finish(
            day,
            name,
            ok=outcome.ok,
            attempts=outcome.attempts,
            response_code=outcome.code,
            error=detail,
        )
        result = DeliveryResult(
            day,
            name,
            channel,
            "sent" if outcome.ok else "failed",
            detail,
            parts=claim.parts_total,
            payload_bytes=claim.payload_bytes,
            attempts=outcome.attempts,
            response_code=outcome.code,
        )
        self.log(describe(result, target))
        return result

    def _url(self, subscriber: SubscriberConfig) -> tuple[str | None, str | None]:
        """The subscriber's URL (from the file or its environment variable), or a problem."""
        if subscriber.channel == "email":
            return None, None
        if subscriber.url is not None:
            return subscriber.url, None
        value = self.environ.get(subscriber.url_env or "")
        if not value:
            return None, f"environment variable {subscriber.url_env} is not set"
        try:
            return check_url(value), None
        except ValueError as error:
            return None, f"environment variable {subscriber.url_env}: {error}"

    def _render(
        self,
        digest: Digest,
        subscriber: SubscriberConfig,
        url: str | None,
        password: str | None,
    ) -> _Rendered:
        policy = policy_for(subscriber.allow_private_addresses, self.settings)
        if subscriber.channel == "email":
            message = mail_message(
                digest,
                sender=subscriber.from_address or "",
                recipients=list(subscriber.to or []),
                templates_dir=self.templates_dir,
            )
            body = message.as_bytes()

            def send_email(start: int, on_part_sent: Callable[[int], None]) -> SendOutcome:
                outcome = send_mail(
                    message, subscriber.smtp_url or "", password, policy, self.settings
                )
                if outcome.ok:
                    on_part_sent(1)
                return outcome

            return _Rendered([body], len(body), send_email)
        bodies = [encode(message) for message in http_messages(digest, subscriber)]
        judge = JUDGES[subscriber.channel]

        def send_http(start: int, on_part_sent: Callable[[int], None]) -> SendOutcome:
            return asyncio.run(
                post_parts(
                    url or "",
                    bodies,
                    judge,
                    policy,
                    self.settings,
                    start=start,
                    on_part_sent=on_part_sent,
                )
            )

        return _Rendered(bodies, sum(len(body) for body in bodies), send_http)


def describe(result: DeliveryResult, target: str) -> str:
    """One log line for a delivery (no secret: `target` is already masked)."""
    parts = f"{result.parts} part{'s' if result.parts != 1 else ''}"
    line = (
        f"{result.day} {result.subscriber} ({result.channel} {target}): {result.outcome}, "
        f"{parts}, {result.payload_bytes:,} bytes, {result.attempts} attempt(s)"
    )
    if result.response_code is not None:
        line += f", answer {result.response_code}"
    return line + (f": {result.detail}" if result.detail else "")
