"""Readers for every AIS format darkfleet accepts, and ingest into the store."""

from __future__ import annotations

from typing import Any

import polars as pl

from darkfleet import schema
from darkfleet.ingest._pipeline import FileReport, IngestReport, ingest, read_ais
from darkfleet.store import Store

__all__ = ["FileReport", "IngestReport", "ingest", "read_ais", "rejects_by_reason"]


def rejects_by_reason(store: Store, examples: int = 3) -> list[dict[str, Any]]:
    """Rejected records grouped by reason, largest group first, with a few examples."""
    rejects = store.read("rejects")
    if rejects.height == 0:
        return []
    groups = (
        rejects.group_by("reason")
        .agg(
            pl.len().alias("count"),
            pl.struct("source", "line_no", "raw").head(examples).alias("examples"),
        )
        .sort("count", "reason", descending=[True, False])
    )
    return [
        {**row, "meaning": schema.REJECT_REASONS.get(row["reason"], "")}
        for row in groups.to_dicts()
    ]
