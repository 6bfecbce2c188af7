"""How deliveries are sent: retries, timeouts, and which private addresses may be reached."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from news_pipeline.fetch import DEFAULT_USER_AGENT

SMTP_PASSWORD_ENV = "NEWS_PIPELINE_SMTP_PASSWORD"
# Deliveries of the days before a run's first day that failed are retried by the run.
RETRY_LOOKBACK_DAYS = 3


class DeliverySettings(BaseModel):
    """Retries (`max_attempts` per message part, exponential backoff from
    `backoff_base_seconds`, honouring Retry-After up to `backoff_max_seconds`), timeouts, the
    pause between the parts of a split message, and the address policy's exceptions:
    `allowed_private_hosts` lists "host" or "host:port" entries that may be reached although
    they resolve to loopback or private addresses (as for sources). `tls_ca_file` adds a CA
    bundle that SMTP servers' certificates may chain to (a company mail relay)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_attempts: int = Field(default=3, ge=1)
    backoff_base_seconds: float = Field(default=2.0, ge=0)
    backoff_max_seconds: float = Field(default=60.0, ge=0)
    timeout_seconds: float = Field(default=20.0, gt=0)
    part_interval_seconds: float = Field(default=1.0, ge=0)
    allowed_private_hosts: list[str] = Field(default_factory=list)
    user_agent: str = DEFAULT_USER_AGENT
    tls_ca_file: str | None = None

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        wait = self.backoff_base_seconds * 2 ** (attempt - 1)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.backoff_max_seconds)
