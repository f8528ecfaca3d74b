"""Who a vessel said it was: identity history from static reports, and a one-row summary.

The history collapses consecutive static reports that carry the same name, call sign,
IMO and ship type into one row with first/last seen and a report count, so an analyst
sees each change of identity once. The flag comes from the MMSI's MID (ITU-R M.585).

>>> from darkfleet.schema import STATIC, empty
>>> identity_history(empty(STATIC))
[]
"""

from __future__ import annotations

from typing import Any

import polars as pl

from darkfleet.mid import flag_of, flags, imo_is_valid, ship_type_text

__all__ = ["IDENTITY_COLUMNS", "identity_history", "vessel_summaries"]

IDENTITY_COLUMNS = ("name", "callsign", "imo", "ship_type")
ISO = "%Y-%m-%dT%H:%M:%SZ"


def identity_history(static: pl.DataFrame) -> list[dict[str, Any]]:
    """Runs of identical identity reports per MMSI, oldest first."""
    if static.height == 0:
        return []
    reports = static.sort("mmsi", "ts").with_columns(
        pl.col(c).forward_fill().over("mmsi") for c in IDENTITY_COLUMNS
    )
    keys = ["mmsi", *IDENTITY_COLUMNS]
    changed = pl.any_horizontal(pl.col(k).ne_missing(pl.col(k).shift(1)) for k in keys)
    runs = reports.with_columns(changed.fill_null(True).cum_sum().alias("_run"))
    rows = runs.group_by("_run", maintain_order=True).agg(
        *(pl.first(k) for k in keys),
        pl.col("ts").min().dt.strftime(ISO).alias("first_seen"),
        pl.col("ts").max().dt.strftime(ISO).alias("last_seen"),
        pl.len().alias("reports"),
    )
    return [_describe(row) for row in rows.drop("_run").iter_rows(named=True)]


def _describe(row: dict[str, Any]) -> dict[str, Any]:
    imo = row["imo"]
    return {
        **row,
        "flag": flag_of(row["mmsi"]),
        "imo_valid": None if imo is None else imo_is_valid(imo),
        "ship_type_text": ship_type_text(row["ship_type"]),
    }


def vessel_summaries(static: pl.LazyFrame, events: pl.DataFrame) -> pl.DataFrame:
    """One row per vessel seen in static reports or events: latest identity, event counts."""
    last = [pl.col(c).drop_nulls().last().alias(c) for c in (*IDENTITY_COLUMNS, "length_m")]
    ident = (
        static.sort("ts")
        .group_by("mmsi")
        .agg(*last, pl.col("name").drop_nulls().n_unique().alias("names"))
    )
    involved = pl.concat(
        [
            events.select("mmsi", "kind"),
            events.filter(pl.col("other_mmsi").is_not_null()).select(
                pl.col("other_mmsi").alias("mmsi"), "kind"
            ),
        ]
    )
    counts = involved.group_by("mmsi").agg(
        pl.len().alias("events"), pl.col("kind").unique().sort().alias("kinds")
    )
    table = ident.collect().join(counts, on="mmsi", how="full", coalesce=True)
    table = table.with_columns(
        pl.col("events").fill_null(0),
        pl.col("names").fill_null(0),
        pl.col("kinds").fill_null([]),
    )
    return table.with_columns(flags(table["mmsi"]).alias("flag")).sort("mmsi")
