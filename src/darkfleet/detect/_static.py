"""Static reports attached to segments, stable values and their changes, event rows.

Shared by the detectors that read static/voyage reports (identity changes, draught
changes) and by those that emit events from per-row explanations (port visits, zone
entries). A static report carries no segment: it joins the segment of its MMSI whose
positions lie nearest in time (GFW attaches identity messages within 15 min), and a
value counts once it was reported more than once or for a while, so one garbled message
is not a change.

>>> event_table("gap", empty_positions().select("mmsi"), [], None).columns == EVENTS.names
True
"""

from __future__ import annotations

import json
import math
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect._ids import event_id
from darkfleet.detect._resample import empty_positions  # noqa: F401  (the doctest)
from darkfleet.detect.encounters import PlaceLookup
from darkfleet.schema import EVENTS, polars_schema

__all__ = [
    "FIX_COLUMNS",
    "attach_segments",
    "consecutive_pairs",
    "event_table",
    "normalise",
    "stable_runs",
    "valid_fixes",
]

FIX_COLUMNS = ("mmsi", "seg_id", "ts", "lat", "lon")


def valid_fixes(positions: pl.DataFrame) -> pl.DataFrame:
    """mmsi, seg_id, ts, lat, lon of the positions with a segment and a position, by time."""
    return (
        positions.select(FIX_COLUMNS)
        .drop_nulls(["seg_id", "lat", "lon"])
        .filter(pl.col("lat").is_finite() & pl.col("lon").is_finite())
        .sort("ts")
    )


def attach_segments(
    static: pl.DataFrame,
    positions: pl.DataFrame,
    max_minutes: float = 30.0,
    min_positions: int = 1,
) -> pl.DataFrame:
    """``static`` plus ``seg_id``, ``pos_ts``, ``lat``, ``lon`` of the chosen segment's nearest fix.

    See step 1 of the module docstring; unattached reports get nulls. Row order is kept.
    """
    fixes = valid_fixes(positions)
    tol = timedelta(minutes=max_minutes)
    rows = static.with_row_index("_row").with_columns(_key=_identity_key())
    candidates = _candidates(rows, fixes, tol, min_positions)
    chosen = _resolve(candidates)
    return rows.join(chosen, on="_row", how="left").sort("_row").drop("_row", "_key")


def _candidates(
    rows: pl.DataFrame, fixes: pl.DataFrame, tol: timedelta, min_positions: int
) -> pl.DataFrame:
    spans = (
        fixes.group_by("seg_id")
        .agg(
            pl.col("mmsi").first(), _first=pl.col("ts").min(), _last=pl.col("ts").max(), _n=pl.len()
        )
        .filter(pl.col("_n") >= min_positions)
    )
    near = rows.select("_row", "mmsi", "ts", "_key").join(spans, on="mmsi")
    near = near.filter(pl.col("ts").is_between(pl.col("_first") - tol, pl.col("_last") + tol))
    right = fixes.select("seg_id", "ts", "lat", "lon", pos_ts="ts")
    near = near.sort("ts").join_asof(
        right, on="ts", by="seg_id", strategy="nearest", tolerance=tol, check_sortedness=False
    )
    return near.filter(pl.col("pos_ts").is_not_null()).select(
        "_row", "_key", "seg_id", "pos_ts", "lat", "lon"
    )


def _resolve(candidates: pl.DataFrame) -> pl.DataFrame:
    """One segment per report: the only candidate, else the one its identity votes for."""
    count = pl.len().over("_row")
    sure = candidates.filter(count == 1)
    votes = sure.group_by("seg_id", "_key").agg(_votes=pl.len())
    unsure = candidates.filter(count > 1).join(votes, on=["seg_id", "_key"], how="left")
    unsure = unsure.with_columns(pl.col("_votes").fill_null(0))
    best = pl.col("_votes") == pl.col("_votes").max().over("_row")
    won = unsure.filter(best & (pl.col("_votes") > 0)).filter(pl.len().over("_row") == 1)
    return pl.concat([sure, won.drop("_votes")]).drop("_key")


def _identity_key() -> pl.Expr:
    parts = [pl.col(c).cast(pl.String).fill_null("") for c in ("name", "callsign", "imo")]
    return pl.concat_str(parts, separator="|")


def normalise(static: pl.DataFrame) -> pl.DataFrame:
    """Names and call signs upper-cased, ``@`` removed, spaces collapsed; 0 IMO/type null."""
    return static.with_columns(
        _clean_text("name"),
        _clean_text("callsign"),
        pl.when(pl.col("imo") > 0).then(pl.col("imo")).alias("imo"),
        pl.when(pl.col("ship_type") > 0).then(pl.col("ship_type")).alias("ship_type"),
    )


def _clean_text(column: str) -> pl.Expr:
    text = pl.col(column).str.to_uppercase().str.replace_all("@", "", literal=True)
    text = text.str.replace_all(r"\s+", " ").str.strip_chars()
    return pl.when(text.str.len_chars() > 0).then(text).alias(column)


# -- stable values --------------------------------------------------------------------


def stable_runs(
    attached: pl.DataFrame,
    value: str,
    min_reports: int,
    min_hours: float,
    key: pl.Expr | None = None,
) -> pl.DataFrame:
    """Stable runs of ``value`` per segment, in time order.

    Columns: mmsi, seg_id, key, value, first, last, n, first/last lat and lon. A run of
    consecutive reports with equal ``key`` (default: the value itself) is stable with
    ``min_reports`` reports or when it lasts ``min_hours``; unstable runs are dropped and
    equal neighbours merged.
    """
    reports = attached.filter(pl.col("seg_id").is_not_null()).select(
        "mmsi", "seg_id", "ts", "lat", "lon", pl.col(value).alias("value"),
        (pl.col(value) if key is None else key).alias("key"),
    )  # fmt: skip
    runs = _runs(reports.drop_nulls(["value", "key"]).sort("seg_id", "ts"))
    hours = (pl.col("last") - pl.col("first")).dt.total_seconds() / 3600.0
    stable = runs.filter((pl.col("n") >= min_reports) | (hours >= min_hours))
    return _runs_of_runs(stable)


def _numbered(frame: pl.DataFrame) -> pl.DataFrame:
    changed = pl.col("key") != pl.col("key").shift(1).over("seg_id")
    return frame.with_columns(_run=changed.fill_null(True).cum_sum())


def _runs(reports: pl.DataFrame) -> pl.DataFrame:
    return (
        _numbered(reports)
        .group_by("seg_id", "_run", maintain_order=True)
        .agg(
            pl.col("mmsi", "key", "value").first(),
            first=pl.col("ts").first(),
            last=pl.col("ts").last(),
            n=pl.len(),
            first_lat=pl.col("lat").first(),
            first_lon=pl.col("lon").first(),
            last_lat=pl.col("lat").last(),
            last_lon=pl.col("lon").last(),
        )
    )


def _runs_of_runs(stable: pl.DataFrame) -> pl.DataFrame:
    merged = (
        _numbered(stable)
        .group_by("seg_id", "_run", maintain_order=True)
        .agg(
            pl.col("mmsi", "key", "value", "first", "first_lat", "first_lon").first(),
            pl.col("last", "last_lat", "last_lon").last(),
            pl.col("n").sum(),
        )
    )
    return merged.drop("_run")


def consecutive_pairs(runs: pl.DataFrame) -> pl.DataFrame:
    """Each stable run next to the one before it in its segment (``old_*`` columns).

    ``first_time``: the run's key was not stable earlier in the segment; ``old_returns``:
    the old run's key is stable again later in the segment.
    """
    seen = runs.with_columns(
        first_time=pl.col("key").is_first_distinct().over("seg_id"),
        returns=~pl.col("key").is_last_distinct().over("seg_id"),
    )
    cols = ("key", "value", "first", "last", "n", "last_lat", "last_lon", "returns")
    old = [pl.col(c).shift(1).over("seg_id").alias(f"old_{c}") for c in cols]
    return seen.with_columns(old).filter(pl.col("old_key").is_not_null())


# -- the four kinds of evidence -------------------------------------------------------


def event_table(
    kind: str, rows: pl.DataFrame, infos: list[dict[str, Any]], places: PlaceLookup | None
) -> pl.DataFrame:
    """schema.EVENTS from rows of mmsi, [other_mmsi,] start, end, lat, lon, confidence.

    ``infos`` holds each row's explaining values (the ``details``); the distances to port
    and shore are added. Rows whose ids collide (same kind, vessels, start) keep the first.
    """
    if rows.height == 0:
        return schema.empty(EVENTS)
    if "other_mmsi" not in rows.columns:
        rows = rows.with_columns(other_mmsi=pl.lit(None, pl.Int64))
    hours = (pl.col("end") - pl.col("start")).dt.total_microseconds() / 3.6e9
    rows = rows.with_columns(duration_h=hours, kind=pl.lit(kind))
    port, shore = _distances(rows, places)
    keys = rows.select("mmsi", "other_mmsi", "start").rows()
    table = rows.with_columns(
        event_id=pl.Series([event_id(kind, m, o, s) for m, o, s in keys], dtype=pl.String),
        details=pl.Series([_json(i, p, s) for i, p, s in zip(infos, port, shore, strict=True)]),
    )
    table = table.select(EVENTS.names).cast(polars_schema(EVENTS))
    return table.unique("event_id", keep="first", maintain_order=True)


def _distances(rows: pl.DataFrame, places: PlaceLookup | None) -> tuple[list[Any], list[Any]]:
    if places is None:
        return [None] * rows.height, [None] * rows.height
    lat = rows["lat"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    lon = rows["lon"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    port = np.asarray(places.distance_to_port_km(lat, lon), dtype=np.float64)
    shore = np.asarray(places.distance_to_shore_km(lat, lon), dtype=np.float64)
    return port.tolist(), shore.tolist()


def _json(info: dict[str, Any], port: float | None, shore: float | None) -> str:
    details = {k: _plain(v) for k, v in info.items()}
    details |= {"distance_from_port_km": _plain(port), "distance_from_shore_km": _plain(shore)}
    return json.dumps(details, separators=(",", ":"))


def _plain(value: Any) -> Any:
    """JSON-ready: rounded finite floats, ISO 8601 UTC times, lists and dicts walked."""
    if isinstance(value, float):
        return round(value, 6) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value
