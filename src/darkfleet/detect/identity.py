"""Identity changes: renames, new call signs, IMO hopping, bad IMOs and bogus MMSIs.

Definition of an ``identity_change`` event, with the defaults of :class:`IdentityParams`:

1. **Attach** every static report to a segment of its MMSI: the segments (of at least
   ``min_segment_positions`` fixes) with a fix within ``attach_minutes`` (30 min; GFW
   attaches info pings within ±15 min) are candidates. One candidate: attached. Several
   (two ships on one MMSI): the one whose unambiguous reports carry the same identity
   wins; a tie or no evidence leaves the report unattached rather than guess.
2. **Stable values**: names and call signs are normalised (upper case, ``@`` removed,
   spaces collapsed); IMO 0 and ship type 0 mean "not available". Within a segment a
   run of consecutive equal reports counts once it has ``min_reports`` (2) reports or
   lasts ``min_stable_hours`` (1 h), so one garbled message is never a change.
3. **Events** (``details.change_type``):

   * ``name``, ``callsign``, ``imo``, ``ship_type``: two consecutive stable values of a
     segment differ; start = last report of the old value, end = first of the new one;
     changes reported in the same instant become one event (``also_changed``);
   * ``mmsi_for_imo`` / ``flag_for_imo``: a valid IMO reported (stably) by another MMSI
     than the one before it, on the new MMSI with ``other_mmsi`` = the old one;
     ``flag_for_imo`` when the MIDs' flags differ too;
   * ``invalid_imo``: a stable IMO failing the check digit (point event, first report);
   * ``unallocated_mid``: an MMSI of at least ``min_reports`` reports with no ITU
     allocated MID (point event, first report).

The position is the vessel's fix nearest to the change time. ``confidence`` is
``s / (s + 1)`` where ``s`` is the smaller report count of the two values (1 for an
unallocated MID).

>>> identity_changes(empty_positions(), schema.empty(schema.STATIC)).columns == EVENTS.names
True
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect._ids import event_id
from darkfleet.detect._resample import empty_positions  # noqa: F401  (the doctest)
from darkfleet.detect.encounters import PlaceLookup
from darkfleet.errors import ConfigError
from darkfleet.mid import MID_FLAGS, imo_valid_expr, mid_expr
from darkfleet.schema import EVENTS, polars_schema

__all__ = [
    "IdentityParams",
    "attach_segments",
    "event_table",
    "identity_changes",
    "stable_runs",
]

FIELDS = ("name", "callsign", "imo", "ship_type")
_PRIORITY = {"imo": 0, "name": 1, "callsign": 2, "ship_type": 3}
_FIX_COLUMNS = ("mmsi", "seg_id", "ts", "lat", "lon")
_CHANGE = {
    "field": pl.col("field"),
    "old": pl.col("old_value"),
    "new": pl.col("value"),
    "old_first_seen": pl.col("old_first"),
    "old_last_seen": pl.col("old_last"),
    "new_first_seen": pl.col("first"),
    "new_last_seen": pl.col("last"),
    "old_reports": pl.col("old_n"),
    "new_reports": pl.col("n"),
}


@dataclass(frozen=True)
class IdentityParams:
    """Thresholds of the identity-change definition (see the module docstring)."""

    min_reports: int = 2
    min_stable_hours: float = 1.0
    attach_minutes: float = 30.0
    min_segment_positions: int = 3

    def __post_init__(self) -> None:
        checks = [
            (self.min_reports >= 1, "min_reports >= 1"),
            (self.min_stable_hours >= 0, "min_stable_hours >= 0"),
            (self.attach_minutes > 0, "attach_minutes > 0"),
            (self.min_segment_positions >= 1, "min_segment_positions >= 1"),
        ]
        for ok, rule in checks:
            if not ok:
                raise ConfigError(f"IdentityParams: need {rule}, got {vars(self)}")


def identity_changes(
    positions: pl.DataFrame,
    static: pl.DataFrame,
    params: IdentityParams = IdentityParams(),
    places: PlaceLookup | None = None,
) -> pl.DataFrame:
    """Identity-change events (schema.EVENTS) from segmented positions and static reports."""
    fixes = valid_fixes(positions)
    attached = attach_segments(
        normalise(static), positions, params.attach_minutes, params.min_segment_positions
    )
    parts = [
        _segment_changes(attached, params),
        _imo_moves(attached, params),
        _invalid_imos(attached, params),
        _unallocated(fixes, static, params),
    ]
    parts = [p for p in parts if p.height]
    if not parts:
        return schema.empty(EVENTS)
    infos = [info for p in parts for info in p["info"].to_list()]
    rows = pl.concat([p.drop("info") for p in parts], how="diagonal_relaxed")
    return event_table("identity_change", _locate(rows, fixes), infos, places)


# -- attaching static reports to segments ---------------------------------------------


def valid_fixes(positions: pl.DataFrame) -> pl.DataFrame:
    """mmsi, seg_id, ts, lat, lon of the positions with a segment and a position, by time."""
    return (
        positions.select(_FIX_COLUMNS)
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


def _segment_changes(attached: pl.DataFrame, params: IdentityParams) -> pl.DataFrame:
    """Changes to a value never stable before in the segment (flip-flops count once)."""
    frames = []
    for field in FIELDS:
        frame = attached.with_columns(pl.col(field).cast(pl.String))
        key = _alphanumeric(field) if field in ("name", "callsign") else None
        runs = stable_runs(frame, field, params.min_reports, params.min_stable_hours, key)
        frames.append(consecutive_pairs(runs).with_columns(field=pl.lit(field)))
    changes = pl.concat(frames).filter(pl.col("first_time"))
    return _merge_simultaneous(changes)


def _alphanumeric(field: str) -> pl.Expr:
    """Comparison key: a rename that only moves spaces or dots ('NO.6' / 'NO6') is none."""
    key = pl.col(field).str.replace_all(r"[^0-9A-Z]", "")
    return pl.when(key.str.len_chars() > 0).then(key)


def _merge_simultaneous(changes: pl.DataFrame) -> pl.DataFrame:
    """One row per (segment, start): changes reported in one message are one event."""
    order = pl.col("field").replace_strict(_PRIORITY, return_dtype=pl.Int8)
    changes = changes.sort("seg_id", "old_last", order)
    grouped = changes.group_by("seg_id", "old_last", maintain_order=True).agg(
        pl.all().first(),
        pl.min_horizontal("n", "old_n").max().alias("support"),
        pl.struct(_named(_CHANGE)).slice(1).alias("also_changed"),
    )
    fields = {"change_type": pl.col("field"), **_CHANGE, "flip_flop": pl.col("old_returns")}
    fields |= {"also_changed": pl.col("also_changed"), "seg_ids": pl.concat_list("seg_id")}
    info = pl.struct(_named(fields))
    halved = pl.when(pl.col("old_returns")).then(0.5).otherwise(1.0)
    return grouped.select(
        "mmsi",
        pl.col("old_last").alias("start"),
        pl.col("first").alias("end"),
        pl.col("first_lat").alias("lat"),
        pl.col("first_lon").alias("lon"),
        (_support_confidence(pl.col("support")) * halved).round(4),
        info.alias("info"),
    )


def _named(exprs: dict[str, pl.Expr]) -> list[pl.Expr]:
    return [expr.alias(name) for name, expr in exprs.items()]


def _imo_moves(attached: pl.DataFrame, params: IdentityParams) -> pl.DataFrame:
    valid = attached.filter(imo_valid_expr(pl.col("imo")))
    hours = (pl.col("last") - pl.col("first")).dt.total_seconds() / 3600.0
    spans = (
        valid.sort("ts")
        .group_by("imo", "mmsi")
        .agg(
            first=pl.col("ts").first(),
            last=pl.col("ts").last(),
            n=pl.len(),
            lat=pl.col("lat").first(),
            lon=pl.col("lon").first(),
            seg_ids=pl.col("seg_id").drop_nulls().unique(maintain_order=True),
        )
        .filter((pl.col("n") >= params.min_reports) | (hours >= params.min_stable_hours))
        .sort("imo", "first", "mmsi")
    )
    before = [pl.col(c).shift(1).over("imo").alias(f"old_{c}") for c in ("mmsi", "last", "n")]
    moves = spans.with_columns(before).filter(pl.col("old_mmsi").is_not_null())
    return _imo_move_rows(moves)


def _imo_move_rows(moves: pl.DataFrame) -> pl.DataFrame:
    old_flag = mid_expr(pl.col("old_mmsi")).replace_strict(MID_FLAGS, default=None)
    new_flag = mid_expr(pl.col("mmsi")).replace_strict(MID_FLAGS, default=None)
    flag_changed = old_flag.fill_null("") != new_flag.fill_null("")
    kind = pl.when(flag_changed).then(pl.lit("flag_for_imo")).otherwise(pl.lit("mmsi_for_imo"))
    overlap_h = (pl.col("old_last") - pl.col("first")).dt.total_seconds() / 3600.0
    info = pl.struct(
        change_type=kind, imo="imo", old_mmsi="old_mmsi", new_mmsi="mmsi",
        old_flag=old_flag, new_flag=new_flag, old_last_seen="old_last",
        new_first_seen="first", new_last_seen="last", old_reports="old_n",
        new_reports="n", overlap_h=overlap_h.clip(lower_bound=0.0), seg_ids="seg_ids",
    )  # fmt: skip
    return moves.select(
        "mmsi",
        pl.col("old_mmsi").alias("other_mmsi"),
        pl.min_horizontal("old_last", "first").alias("start"),
        pl.max_horizontal("old_last", "first").alias("end"),
        "lat",
        "lon",
        _support_confidence(pl.min_horizontal("n", "old_n")),
        info.alias("info"),
    )


def _invalid_imos(attached: pl.DataFrame, params: IdentityParams) -> pl.DataFrame:
    bad = attached.filter(pl.col("imo").is_not_null() & ~imo_valid_expr(pl.col("imo")))
    hours = (pl.col("last") - pl.col("first")).dt.total_seconds() / 3600.0
    spans = (
        bad.sort("ts")
        .group_by("mmsi", "imo")
        .agg(
            first=pl.col("ts").first(),
            last=pl.col("ts").last(),
            n=pl.len(),
            lat=pl.col("lat").first(),
            lon=pl.col("lon").first(),
            seg_ids=pl.col("seg_id").drop_nulls().unique(maintain_order=True),
        )
        .filter((pl.col("n") >= params.min_reports) | (hours >= params.min_stable_hours))
    )
    info = pl.struct(
        change_type=pl.lit("invalid_imo"), imo="imo", first_seen="first",
        last_seen="last", reports="n", seg_ids="seg_ids",
    )  # fmt: skip
    return spans.select(
        "mmsi",
        pl.col("first").alias("start"),
        pl.col("first").alias("end"),
        "lat",
        "lon",
        _support_confidence(pl.col("n")),
        info.alias("info"),
    )


def _unallocated(fixes: pl.DataFrame, static: pl.DataFrame, params: IdentityParams) -> pl.DataFrame:
    reports = pl.concat([fixes.select("mmsi", "ts", "seg_id"), static.select("mmsi", "ts")],
                        how="diagonal_relaxed")  # fmt: skip
    mid = mid_expr(pl.col("mmsi"))
    allocated = mid.is_in(list(MID_FLAGS)).fill_null(False)
    seen = (
        reports.filter(~allocated)
        .sort("ts")
        .group_by("mmsi")
        .agg(first=pl.col("ts").first(), n=pl.len(), seg_id=pl.col("seg_id").drop_nulls().first())
        .filter(pl.col("n") >= params.min_reports)
    )
    info = pl.struct(
        change_type=pl.lit("unallocated_mid"), mid=mid, reports="n",
        first_seen="first", seg_ids=pl.concat_list("seg_id").list.drop_nulls(),
    )  # fmt: skip
    return seen.select(
        "mmsi",
        pl.col("first").alias("start"),
        pl.col("first").alias("end"),
        pl.lit(None, pl.Float64).alias("lat"),
        pl.lit(None, pl.Float64).alias("lon"),
        pl.lit(1.0).alias("confidence"),
        info.alias("info"),
    )


def _support_confidence(support: pl.Expr) -> pl.Expr:
    return (support / (support + 1.0)).round(4).alias("confidence")


def _locate(rows: pl.DataFrame, fixes: pl.DataFrame) -> pl.DataFrame:
    """Fill a missing position with the MMSI's fix nearest in time to ``end``."""
    nearest = fixes.select("mmsi", "ts", _lat="lat", _lon="lon")
    rows = rows.with_row_index("_i").with_columns(ts=pl.col("end")).sort("ts")
    rows = rows.join_asof(nearest, on="ts", by="mmsi", strategy="nearest", check_sortedness=False)
    filled = rows.with_columns(
        pl.col("lat").fill_null(pl.col("_lat")), pl.col("lon").fill_null(pl.col("_lon"))
    )
    return filled.sort("_i").drop("_i", "ts", "_lat", "_lon")


# -- the events table ------------------------------------------------------------------


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
