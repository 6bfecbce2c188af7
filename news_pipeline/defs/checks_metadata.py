"""Check metadata a person can act on: the offending rows, as text the UI can always show."""

from __future__ import annotations

import polars as pl
from dagster import MetadataValue

SAMPLE_ROWS = 20


def offending_rows(frame: pl.DataFrame, columns: list[str]) -> MetadataValue:
    """The first rows that break a check, as a Markdown table (dates and nulls as text)."""
    sample = frame.select(columns).head(SAMPLE_ROWS)
    if sample.is_empty():
        return MetadataValue.md("_none_")
    cells = [["" if value is None else str(value) for value in row] for row in sample.iter_rows()]
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
        *("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in cells),
    ]
    if frame.height > sample.height:
        lines.append(f"\n… and {frame.height - sample.height} more")
    return MetadataValue.md("\n".join(lines))
