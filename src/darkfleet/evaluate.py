"""Score detected events against ground truth: precision and recall per kind.

A truth event is *found* when an event of the same kind names the same vessel(s) (for
pairwise kinds, the same two MMSIs in either order) and overlaps its time, give or
take ``tolerance`` (detected boundaries legitimately differ: encounter tracks are
extrapolated up to an hour, loitering is counted in whole hours). A detected event is
*correct* when it matches at least one truth event. Kinds without any truth rows are
reported with their event counts but not scored, since nothing says whether those
events are right. Only events inside the truth's time span (from its earliest start to
its latest end, widened by ``tolerance``) are scored: the truth says nothing about
other data that may share the store, such as real samples from other years.

>>> score(events, truth).filter(pl.col("kind") == "encounter")  # doctest: +SKIP
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl

from darkfleet.errors import InputFormatError

__all__ = ["TRUTH_COLUMNS", "read_truth", "score"]

TRUTH_COLUMNS = ("kind", "mmsi", "other_mmsi", "start", "end", "lat", "lon", "note")
UTC_US = pl.Datetime("us", "UTC")


def read_truth(path: Path) -> pl.DataFrame:
    """A ``truth.csv`` (kind, mmsi, other_mmsi, start, end, lat, lon, note)."""
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (FileNotFoundError, pl.exceptions.PolarsError) as exc:
        raise InputFormatError(f"{path}: cannot read truth file ({exc})") from None
    missing = [c for c in TRUTH_COLUMNS[:5] if c not in frame.columns]
    if missing:
        raise InputFormatError(f"{path}: truth file lacks column(s) {missing}")
    return frame.with_columns(
        pl.col("mmsi").cast(pl.Int64),
        pl.col("other_mmsi").cast(pl.Int64, strict=False),
        *[pl.col(c).str.to_datetime(time_unit="us", time_zone="UTC") for c in ("start", "end")],
    )


def score(
    events: pl.DataFrame, truth: pl.DataFrame, tolerance: timedelta = timedelta(hours=1)
) -> pl.DataFrame:
    """Per kind: truth events, found, recall, events, correct, precision."""
    if truth.height:
        lo, hi = truth["start"].min() - tolerance, truth["end"].max() + tolerance  # type: ignore[operator]
        events = events.filter((pl.col("end") >= lo) & (pl.col("start") <= hi))
    pairs = _matches(events, truth, tolerance)
    found = pairs.select("kind", "truth_row").unique().group_by("kind").len("found")
    correct = pairs.select("kind", "event_id").unique().group_by("kind").len("correct")
    n_truth = truth.group_by("kind").len("truth")
    n_events = events.group_by("kind").len("events")
    table = (
        n_truth.join(n_events, on="kind", how="full", coalesce=True)
        .join(found, on="kind", how="left")
        .join(correct, on="kind", how="left")
        .fill_null(0)
    )
    scored = pl.col("truth") > 0
    return (
        table.with_columns(
            pl.when(scored).then(pl.col("found") / pl.col("truth")).alias("recall"),
            pl.when(scored & (pl.col("events") > 0))
            .then(pl.col("correct") / pl.col("events"))
            .when(scored)
            .then(1.0)
            .alias("precision"),
        )
        .select("kind", "truth", "found", "recall", "events", "correct", "precision")
        .sort("kind")
    )


def _matches(events: pl.DataFrame, truth: pl.DataFrame, tolerance: timedelta) -> pl.DataFrame:
    """Every (truth row, event) pair of one kind, same vessels, overlapping in time."""
    t = truth.with_row_index("truth_row").select(
        "truth_row",
        "kind",
        *_vessel_key("mmsi", "other_mmsi"),
        pl.col("start").alias("t_start"),
        pl.col("end").alias("t_end"),
    )
    e = events.select(
        "event_id",
        "kind",
        *_vessel_key("mmsi", "other_mmsi"),
        pl.col("start").alias("e_start"),
        pl.col("end").alias("e_end"),
    )
    joined = t.join(e, on=["kind", "v1", "v2"], how="inner", nulls_equal=True)
    overlap = (pl.col("e_start") <= pl.col("t_end") + tolerance) & (
        pl.col("e_end") >= pl.col("t_start") - tolerance
    )
    return joined.filter(overlap)


def _vessel_key(a: str, b: str) -> list[pl.Expr]:
    """The vessels of a row as an unordered pair (v1 <= v2; v2 null for one vessel)."""
    lo = pl.min_horizontal(pl.col(a), pl.col(b))
    hi = pl.max_horizontal(pl.col(a), pl.col(b))
    single = pl.col(b).is_null()
    return [
        pl.when(single).then(pl.col(a)).otherwise(lo).alias("v1"),
        pl.when(single).then(None).otherwise(hi).alias("v2"),
    ]
