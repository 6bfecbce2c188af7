"""Delivery of the daily report to subscribers: webhook, Slack, Feishu, WeCom, Telegram and
e-mail, each in its own format, at most once per (subscriber, day), recorded in a DuckDB
ledger. Dagster-free: the asset in news_pipeline/defs/delivery calls `Deliverer`.

Modules: `digest` (filters and the per-subscriber selection), one module per format
(`slack`, `feishu`, `wecom`, `telegram`, `mail`; the webhook's JSON is `Digest.webhook_payload`),
`channels` (which format a channel uses), `verdicts` (did the receiver take it), `transport`
(HTTP and SMTP under the address policy, with retries), `ledger`, `secrets` (masking) and
`stage` (the whole delivery).
"""

from news_pipeline.delivery.channels import encode, http_messages
from news_pipeline.delivery.digest import Digest, build_digest, passes_filters, report_url
from news_pipeline.delivery.ledger import (
    DELIVERY_STATUSES,
    LEDGER_COLUMNS,
    LEDGER_TABLE,
    STATUS_EMPTY,
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_SENT,
    Ledger,
)
from news_pipeline.delivery.mail import mail_message, render_mail
from news_pipeline.delivery.secrets import Redactor, shown_url, url_secrets
from news_pipeline.delivery.settings import (
    RETRY_LOOKBACK_DAYS,
    SMTP_PASSWORD_ENV,
    DeliverySettings,
)
from news_pipeline.delivery.stage import (
    Deliverer,
    DeliveryRequest,
    DeliveryResult,
    MissingReportError,
    UnknownSubscriberError,
    select_subscribers,
)

__all__ = [
    "DELIVERY_STATUSES",
    "LEDGER_COLUMNS",
    "LEDGER_TABLE",
    "RETRY_LOOKBACK_DAYS",
    "SMTP_PASSWORD_ENV",
    "STATUS_EMPTY",
    "STATUS_FAILED",
    "STATUS_PENDING",
    "STATUS_SENT",
    "Deliverer",
    "DeliveryRequest",
    "DeliveryResult",
    "DeliverySettings",
    "Digest",
    "Ledger",
    "MissingReportError",
    "Redactor",
    "UnknownSubscriberError",
    "build_digest",
    "encode",
    "http_messages",
    "mail_message",
    "passes_filters",
    "render_mail",
    "report_url",
    "select_subscribers",
    "shown_url",
    "url_secrets",
]
