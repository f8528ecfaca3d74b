"""Vessel identities from AIS: what each MMSI (or segment) called itself, and for how long.

* :func:`identity_history` — the long table of every name, IMO, call sign and ship type
  an MMSI reported, with first and last report time and the number of reports
  (:data:`HISTORY`). Names are upper-cased with single spaces; call signs keep letters
  and digits; ship type 0 ("not available") is left out.
* :func:`vessel_identities` — one row per MMSI (:data:`IDENTITIES`): the dominant
  (most reported; the latest on a tie) IMO, name, call sign and ship type, the flag from
  the MMSI's MID, position count, first and last time seen, segment count (when the
  positions carry ``seg_id``) and how many distinct names, IMOs and call signs it used.
* :func:`segment_identities` — the same per ``(mmsi, seg_id)`` for segmented positions,
  so that two ships sharing one MMSI keep their own identities.

>>> from darkfleet.schema import POSITIONS, STATIC, empty
>>> vessel_identities(empty(POSITIONS), empty(STATIC)).height
0
"""

from __future__ import annotations

import polars as pl

from darkfleet.mid import flags, imo_valid_expr
from darkfleet.screen.entries import callsign_expr

__all__ = [
    "FIELDS",
    "HISTORY",
    "IDENTITIES",
    "identity_history",
    "segment_identities",
    "vessel_identities",
]

FIELDS = ("name", "imo", "callsign", "ship_type")
_TS = pl.Datetime("us", "UTC")

HISTORY = pl.Schema(
    {
        "mmsi": pl.Int64(),
        "field": pl.String(),
        "value": pl.String(),
        "first_seen": _TS,
        "last_seen": _TS,
        "reports": pl.Int64(),
    }
)
"""One row per (mmsi, field, value) reported; a ``seg_id`` column follows ``mmsi`` when
the static reports carry one."""

IDENTITIES = pl.Schema(
    {
        "mmsi": pl.Int64(),
        "imo": pl.Int64(),
        "imo_valid": pl.Boolean(),
        "name": pl.String(),
        "callsign": pl.String(),
        "flag": pl.String(),
        "ship_type": pl.Int16(),
        "positions": pl.Int64(),
        "first_seen": _TS,
        "last_seen": _TS,
        "segments": pl.Int64(),
        "names_seen": pl.Int64(),
        "imos_seen": pl.Int64(),
        "callsigns_seen": pl.Int64(),
    }
)
"""One row per MMSI; :func:`segment_identities` adds ``seg_id`` after ``mmsi``."""


def identity_history(static: pl.DataFrame) -> pl.DataFrame:
    """Every identity value each MMSI (and segment, if ``seg_id`` is present) reported."""
    keys = _keys(static)
    values = static.lazy().select(
        *keys,
        "ts",
        name=pl.col("name").str.to_uppercase().str.replace_all(r"[@\s]+", " ").str.strip_chars(),
        imo=pl.when(pl.col("imo") > 0).then(pl.col("imo")).cast(pl.String),
        callsign=callsign_expr(pl.col("callsign")),
        ship_type=pl.when(pl.col("ship_type") > 0).then(pl.col("ship_type")).cast(pl.String),
    )
    long = values.unpivot(FIELDS, index=[*keys, "ts"], variable_name="field", value_name="value")
    reports = long.filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
    grouped = reports.group_by(*keys, "field", "value").agg(
        first_seen=pl.col("ts").min(), last_seen=pl.col("ts").max(), reports=pl.len().cast(pl.Int64)
    )
    order = [*keys, "field", "first_seen", "value"]
    return grouped.sort(order).collect().cast({"first_seen": _TS, "last_seen": _TS})


def vessel_identities(positions: pl.DataFrame | pl.LazyFrame, static: pl.DataFrame) -> pl.DataFrame:
    """One identity row per MMSI seen in positions or static reports (see :data:`IDENTITIES`)."""
    return _identities(
        positions.lazy(), identity_history(static.drop("seg_id", strict=False)), ["mmsi"]
    )


def segment_identities(positions: pl.DataFrame, static: pl.DataFrame) -> pl.DataFrame:
    """One identity row per ``(mmsi, seg_id)`` of segmented positions.

    Static reports are attached to the segment whose fix is nearest in time
    (:func:`darkfleet.detect.identity.attach_segments`).
    """
    from darkfleet.detect._static import attach_segments

    attached = attach_segments(static.drop("seg_id", strict=False), positions)
    history = identity_history(attached.filter(pl.col("seg_id").is_not_null()))
    return _identities(positions.lazy(), history, ["mmsi", "seg_id"])


def _keys(frame: pl.DataFrame | pl.LazyFrame) -> list[str]:
    names = frame.collect_schema().names()
    return ["mmsi", "seg_id"] if "seg_id" in names else ["mmsi"]


def _identities(positions: pl.LazyFrame, history: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    seen = _position_summary(positions, keys).join(
        _history_summary(history, keys), on=keys, how="full", coalesce=True
    )
    frame = seen.collect()
    frame = frame.with_columns(
        flag=flags(frame["mmsi"]),
        imo_valid=imo_valid_expr(pl.col("imo")),
        positions=pl.col("positions").fill_null(0),
        first_seen=pl.min_horizontal("first_seen", "_static_first"),
        last_seen=pl.max_horizontal("last_seen", "_static_last"),
    )
    columns = [*keys, *[c for c in IDENTITIES.names() if c != "mmsi"]]
    types = {**IDENTITIES, "seg_id": pl.String()}
    return frame.select([pl.col(c).cast(types[c]) for c in columns]).sort(keys)


def _position_summary(positions: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    has_segments = "seg_id" in positions.collect_schema().names()
    segments = pl.col("seg_id").drop_nulls().n_unique() if has_segments else pl.lit(None)
    return positions.group_by(keys).agg(
        positions=pl.len(),
        first_seen=pl.col("ts").min(),
        last_seen=pl.col("ts").max(),
        segments=segments if keys == ["mmsi"] else pl.lit(1),
    )


def _history_summary(history: pl.DataFrame, keys: list[str]) -> pl.LazyFrame:
    ranked = history.lazy().sort("reports", "last_seen", descending=True)
    per_field = ranked.group_by(*keys, "field").agg(
        dominant=pl.col("value").first(), distinct=pl.len()
    )
    wide = per_field.collect().pivot("field", index=keys, values=["dominant", "distinct"])
    wide = _ensure_columns(wide)
    times = history.group_by(keys).agg(
        _static_first=pl.col("first_seen").min(), _static_last=pl.col("last_seen").max()
    )
    return (
        wide.lazy()
        .join(times.lazy(), on=keys, how="left")
        .select(
            *keys,
            "_static_first",
            "_static_last",
            imo=pl.col("dominant_imo").cast(pl.Int64),
            name=pl.col("dominant_name"),
            callsign=pl.col("dominant_callsign"),
            ship_type=pl.col("dominant_ship_type").cast(pl.Int16),
            names_seen=pl.col("distinct_name").fill_null(0),
            imos_seen=pl.col("distinct_imo").fill_null(0),
            callsigns_seen=pl.col("distinct_callsign").fill_null(0),
        )
    )


def _ensure_columns(wide: pl.DataFrame) -> pl.DataFrame:
    """Add the pivot columns of fields no vessel reported (as nulls)."""
    wanted = {
        f"{kind}_{field}": dtype
        for field in FIELDS
        for kind, dtype in (("dominant", pl.String()), ("distinct", pl.UInt32()))
    }
    missing = [pl.lit(None, dtype).alias(c) for c, dtype in wanted.items() if c not in wide.columns]
    return wide.with_columns(missing)
