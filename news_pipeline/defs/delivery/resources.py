"""The delivery settings as a Dagster resource (tests point them at loopback receivers)."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from news_pipeline.delivery import DeliverySettings

_DEFAULTS = DeliverySettings.model_fields


class DeliveryResource(ConfigurableResource):
    """Retries, timeouts and address-policy exceptions of deliveries (DeliverySettings)."""

    max_attempts: int = _DEFAULTS["max_attempts"].default
    backoff_base_seconds: float = _DEFAULTS["backoff_base_seconds"].default
    backoff_max_seconds: float = _DEFAULTS["backoff_max_seconds"].default
    timeout_seconds: float = _DEFAULTS["timeout_seconds"].default
    part_interval_seconds: float = _DEFAULTS["part_interval_seconds"].default
    allowed_private_hosts: list[str] = Field(default_factory=list)
    user_agent: str = _DEFAULTS["user_agent"].default
    tls_ca_file: str | None = None

    def settings(self) -> DeliverySettings:
        return DeliverySettings(**self.model_dump())
