"""What every reader yields: decoded rows plus the bookkeeping that proves nothing was lost.

A reader turns a byte stream into :class:`Batch` objects. Each input record (a
non-blank NMEA or JSON line, a CSV data row) ends in exactly one of: a row of
``positions`` or ``static`` (whose ``records`` column says how many input records the
row stands for), ``rejects`` (one row per record), or the ``ignored`` count. The store
later splits rows into accepted and duplicate records, so that for every file
``read = accepted + duplicates + ignored + rejected``.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from darkfleet import schema

__all__ = ["RECORDS", "Batch"]

RECORDS = "records"
"""Column on positions/static rows: input records a row stands for (0: another row counts them)."""


@dataclass(frozen=True)
class Batch:
    """Rows decoded from a run of consecutive input records.

    ``positions`` and ``static`` carry the canonical columns plus ``records`` (int32);
    ``rejects`` has exactly the REJECTS columns; ``ignored`` counts valid non-vessel
    records; ``read`` counts every input record the batch covers.
    """

    positions: pl.DataFrame
    static: pl.DataFrame
    rejects: pl.DataFrame
    ignored: int
    read: int

    def __post_init__(self) -> None:
        counted = (
            _records(self.positions) + _records(self.static) + self.ignored + self.rejects.height
        )
        if counted != self.read:
            raise AssertionError(
                f"reader bookkeeping broken: read={self.read} but rows account for {counted}"
            )

    @classmethod
    def empty(cls) -> Batch:
        return cls(
            positions=with_records(schema.empty(schema.POSITIONS)),
            static=with_records(schema.empty(schema.STATIC)),
            rejects=schema.empty(schema.REJECTS),
            ignored=0,
            read=0,
        )


def with_records(frame: pl.DataFrame, n: int = 1) -> pl.DataFrame:
    """``frame`` with a constant ``records`` column (int32)."""
    return frame.with_columns(pl.lit(n, dtype=pl.Int32).alias(RECORDS))


def _records(frame: pl.DataFrame) -> int:
    if frame.height == 0:
        return 0
    return int(frame[RECORDS].sum())
