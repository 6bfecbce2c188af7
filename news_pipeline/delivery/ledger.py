"""The delivery ledger: one row per (day, subscriber) in DuckDB, the table `report_deliveries`.

It is what makes delivery at most once: a row is claimed (`pending`) and committed before
anything is sent, every delivered part is committed as it goes, and the outcome (`sent`,
`failed`) after. A later run sends nothing for a `sent` row, resumes a `failed` one after its
last delivered part, and leaves a `pending` one (a run that died mid-send: whether the
receiver got it is unknown) to a person, who can resend with `--force`. `empty` means no story
passed the subscriber's filters, so nothing was sent.

Connections are opened per call, as the HTTP cache does: Dagster's IO manager opens the same
file between our calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from news_pipeline.duckdb_tables import DuckDBTables

LEDGER_TABLE = "report_deliveries"
STATUS_SENT = "sent"
STATUS_FAILED = "failed"
STATUS_EMPTY = "empty"
STATUS_PENDING = "pending"
DELIVERY_STATUSES = (STATUS_SENT, STATUS_FAILED, STATUS_EMPTY, STATUS_PENDING)

LEDGER_COLUMNS: dict[str, pl.DataType] = {
    "partition_date": pl.Date(),
    "subscriber": pl.String(),
    "channel": pl.String(),
    "target": pl.String(),
    "status": pl.String(),
    "attempts": pl.Int64(),
    "parts_total": pl.Int64(),
    "parts_sent": pl.Int64(),
    "stories": pl.Int64(),
    "payload_bytes": pl.Int64(),
    "response_code": pl.Int64(),
    "error": pl.String(),
    "sends": pl.Int64(),
    "first_attempt_at": pl.Datetime("us"),
    "updated_at": pl.Datetime("us"),
    "delivered_at": pl.Datetime("us"),
    "run_id": pl.String(),
}

_CREATE = f"""
CREATE TABLE IF NOT EXISTS {LEDGER_TABLE} (
    partition_date DATE NOT NULL,
    subscriber VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    target VARCHAR,
    status VARCHAR NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    parts_total BIGINT NOT NULL DEFAULT 0,
    parts_sent BIGINT NOT NULL DEFAULT 0,
    stories BIGINT NOT NULL DEFAULT 0,
    payload_bytes BIGINT NOT NULL DEFAULT 0,
    response_code BIGINT,
    error VARCHAR,
    sends BIGINT NOT NULL DEFAULT 0,
    first_attempt_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP,
    run_id VARCHAR,
    PRIMARY KEY (partition_date, subscriber)
)
"""


def utc_now() -> datetime:
    """The ledger's clock: naive UTC, like every timestamp in news.duckdb."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Claim:
    """What is about to be sent to one subscriber for one day."""

    day: date
    subscriber: str
    channel: str
    target: str
    parts_total: int
    stories: int
    payload_bytes: int
    run_id: str | None


@dataclass(frozen=True)
class Decision:
    """Whether to send, and from which part (0 unless resuming a partial send)."""

    send: bool
    start_part: int = 0
    reason: str = ""


def decide(row: dict[str, Any] | None, force: bool) -> Decision:
    """The at-most-once rule for one (day, subscriber), given its ledger row."""
    if force or row is None or row["status"] == STATUS_EMPTY:
        return Decision(send=True)
    if row["status"] == STATUS_SENT:
        when = row.get("delivered_at")
        return Decision(
            send=False, reason=f"already sent{f' at {when:%Y-%m-%d %H:%M} UTC' if when else ''}"
        )
    if row["status"] == STATUS_PENDING:
        return Decision(
            send=False,
            reason="a send was interrupted and may have arrived: resend with --force",
        )
    return Decision(send=True, start_part=int(row["parts_sent"] or 0))


class Ledger(DuckDBTables):
    def __init__(self, database_path: Path) -> None:
        super().__init__(database_path, [_CREATE])

    def rows(
        self, days: Iterable[date] | None = None, subscribers: Iterable[str] | None = None
    ) -> pl.DataFrame:
        """Ledger rows (of some days, some subscribers), ordered by day and subscriber."""
        conditions, parameters = [], []
        if days is not None:
            conditions.append("list_contains(?, partition_date)")
            parameters.append(sorted(set(days)))
        if subscribers is not None:
            conditions.append("list_contains(?, subscriber)")
            parameters.append(sorted(set(subscribers)))
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        columns = ", ".join(LEDGER_COLUMNS)
        with self._connect() as connection:
            frame = connection.execute(
                f"SELECT {columns} FROM {LEDGER_TABLE} {where} ORDER BY partition_date, subscriber",
                parameters,
            ).pl()
        return frame.cast(LEDGER_COLUMNS) if frame.height else pl.DataFrame(schema=LEDGER_COLUMNS)

    def get(self, day: date, subscriber: str) -> dict[str, Any] | None:
        rows = self.rows([day], [subscriber])
        return rows.row(0, named=True) if rows.height else None

    def claim(self, claim: Claim, force: bool) -> Decision:
        """Decide and, when sending, mark the row `pending`, in one transaction."""
        now = utc_now()
        with self._connect() as connection:
            connection.execute("BEGIN TRANSACTION")
            try:
                found = connection.execute(
                    f"SELECT status, parts_sent, delivered_at FROM {LEDGER_TABLE} "
                    "WHERE partition_date = ? AND subscriber = ?",
                    [claim.day, claim.subscriber],
                ).fetchone()
                row = (
                    None
                    if found is None
                    else {"status": found[0], "parts_sent": found[1], "delivered_at": found[2]}
                )
                decision = decide(row, force)
                if decision.send:
                    self._upsert_pending(connection, claim, decision.start_part, now, row is None)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return decision

    @staticmethod
    def _upsert_pending(
        connection: duckdb.DuckDBPyConnection,
        claim: Claim,
        start_part: int,
        now: datetime,
        new: bool,
    ) -> None:
        if new:
            connection.execute(
                f"INSERT INTO {LEDGER_TABLE} (partition_date, subscriber, channel, target, "
                "status, parts_total, parts_sent, stories, payload_bytes, first_attempt_at, "
                "updated_at, run_id) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
                [
                    claim.day,
                    claim.subscriber,
                    claim.channel,
                    claim.target,
                    STATUS_PENDING,
                    claim.parts_total,
                    claim.stories,
                    claim.payload_bytes,
                    now,
                    now,
                    claim.run_id,
                ],
            )
            return
        connection.execute(
            f"UPDATE {LEDGER_TABLE} SET channel = ?, target = ?, status = ?, parts_total = ?, "
            "parts_sent = ?, stories = ?, payload_bytes = ?, error = NULL, "
            "first_attempt_at = coalesce(first_attempt_at, ?), updated_at = ?, run_id = ? "
            "WHERE partition_date = ? AND subscriber = ?",
            [
                claim.channel,
                claim.target,
                STATUS_PENDING,
                claim.parts_total,
                start_part,
                claim.stories,
                claim.payload_bytes,
                now,
                now,
                claim.run_id,
                claim.day,
                claim.subscriber,
            ],
        )

    def part_sent(self, day: date, subscriber: str, parts_sent: int) -> None:
        with self._connect() as connection:
            connection.execute(
                f"UPDATE {LEDGER_TABLE} SET parts_sent = ?, updated_at = ? "
                "WHERE partition_date = ? AND subscriber = ?",
                [parts_sent, utc_now(), day, subscriber],
            )

    def finish(
        self,
        day: date,
        subscriber: str,
        *,
        ok: bool,
        attempts: int,
        response_code: int | None,
        error: str | None,
    ) -> None:
        """Record the outcome of a claimed send."""
        now = utc_now()
        with self._connect() as connection:
            connection.execute(
                f"UPDATE {LEDGER_TABLE} SET status = ?, attempts = attempts + ?, "
                "response_code = ?, error = ?, updated_at = ?, "
                "sends = sends + ?, delivered_at = CASE WHEN ? THEN ? ELSE delivered_at END "
                "WHERE partition_date = ? AND subscriber = ?",
                [
                    STATUS_SENT if ok else STATUS_FAILED,
                    attempts,
                    response_code,
                    error or None,
                    now,
                    1 if ok else 0,
                    ok,
                    now,
                    day,
                    subscriber,
                ],
            )

    def record_empty(
        self, day: date, subscriber: str, channel: str, target: str, run_id: str | None
    ) -> None:
        """Nothing passed the filters: say so, unless the day was already sent (or in flight)."""
        now = utc_now()
        with self._connect() as connection:
            connection.execute("BEGIN TRANSACTION")
            found = connection.execute(
                f"SELECT status FROM {LEDGER_TABLE} WHERE partition_date = ? AND subscriber = ?",
                [day, subscriber],
            ).fetchone()
            if found is None:
                connection.execute(
                    f"INSERT INTO {LEDGER_TABLE} (partition_date, subscriber, channel, target, "
                    "status, updated_at, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [day, subscriber, channel, target, STATUS_EMPTY, now, run_id],
                )
            elif found[0] in (STATUS_EMPTY, STATUS_FAILED):
                connection.execute(
                    f"UPDATE {LEDGER_TABLE} SET status = ?, stories = 0, error = NULL, "
                    "updated_at = ?, run_id = ? WHERE partition_date = ? AND subscriber = ?",
                    [STATUS_EMPTY, now, run_id, day, subscriber],
                )
            connection.execute("COMMIT")
