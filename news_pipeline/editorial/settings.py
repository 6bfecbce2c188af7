"""The editorial thresholds a deployment may tune: relevance, category, tiers, summaries."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["CategorizeSettings"]


class CategorizeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ai_relevance_threshold: float = Field(default=0.3, ge=0.0, le=1.0)
    headline_count: int = 5
    # two sources, or one source that names an actor and an event in its title
    section_importance_floor: float = 4.5
    summary_budget_chars: int = Field(default=120, gt=0)
    summary_budget_words: int = Field(default=60, gt=0)
    min_category_score: float = Field(default=0.5, ge=0.0)
    max_key_facts: int = Field(default=4, ge=0)

    @field_validator("headline_count")
    @classmethod
    def _clamp_headlines(cls, value: int) -> int:
        """Editors want three to five headlines; out-of-range values are clamped, not refused."""
        return min(5, max(3, value))
