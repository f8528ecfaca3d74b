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

from dataclasses import dataclass

import polars as pl

from darkfleet import schema
from darkfleet.detect._resample import empty_positions  # noqa: F401  (the doctest)
from darkfleet.detect._static import (
    attach_segments,
    consecutive_pairs,
    event_table,
    normalise,
    stable_runs,
    valid_fixes,
)
from darkfleet.detect.encounters import PlaceLookup
from darkfleet.errors import ConfigError
from darkfleet.mid import MID_FLAGS, imo_valid_expr, mid_expr
from darkfleet.schema import EVENTS

__all__ = ["IdentityParams", "identity_changes"]

FIELDS = ("name", "callsign", "imo", "ship_type")
_PRIORITY = {"imo": 0, "name": 1, "callsign": 2, "ship_type": 3}
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
    spans = _imo_spans(valid, params).sort("imo", "first", "mmsi")
    before = [pl.col(c).shift(1).over("imo").alias(f"old_{c}") for c in ("mmsi", "last", "n")]
    moves = spans.with_columns(before).filter(pl.col("old_mmsi").is_not_null())
    return _imo_move_rows(moves)


def _imo_spans(reports: pl.DataFrame, params: IdentityParams) -> pl.DataFrame:
    """Per (IMO, MMSI): first and last report, count, first position, segments; only
    pairs reported often enough or for long enough to count."""
    hours = (pl.col("last") - pl.col("first")).dt.total_seconds() / 3600.0
    return (
        reports.sort("ts")
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
    )


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
    spans = _imo_spans(bad, params)
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
