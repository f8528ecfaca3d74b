"""Split each MMSI's position stream into segments, each one physical vessel.

Definition of a segment (after Global Fishing Watch's gpsdio-segment): positions of
one MMSI, taken in time order, are matched one by one to the *open* segments of that
MMSI. A fix matches a segment when the distance between the fix and the segment's
recent fixes, dead-reckoned along their reported course and speed, is within
``max_speed_kn`` × the elapsed hours (padded by ``buffer_hours``; long gaps are
penalised as if shorter). It joins the best-scoring segment and may skip up to
``lookback - 1`` newer fixes of it when that fits ``lookback_factor`` times better
(the skipped fixes become one-fix segments: this is how a single wild position leaves
a track whole). A fix matching no segment opens a new one, so two ships that share one
MMSI build two segments side by side. Two nearly equally good matches (ratio under
``ambiguity_factor``) close both segments and start a new one. A segment silent for
more than ``max_gap_hours`` is closed. A type 27 (long-range, coarse) report within
``min_type27_hours`` of its match is noise and stands alone. An identical duplicate
(same time and place, or the same moving position/course/speed/heading seen before)
takes the segment of its original. Rows without a valid position get a null segment.

Shared-MMSI events, which read the segments, live in :mod:`darkfleet.detect.shared`.

>>> segment(schema.empty(schema.POSITIONS)).columns[-1]  # e.g. "412588888-20210107T182829Z"
'seg_id'
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np
import numpy.typing as npt
import polars as pl

from darkfleet.detect._segment_kernel import CONFIG_FIELDS, group_starts, match_groups
from darkfleet.errors import ConfigError

__all__ = ["SegmentParams", "segment"]

_TIE_BREAK = ("lat", "lon", "sog_kn", "cog_deg", "heading_deg", "msg_type", "nav_status")
_CLASS_A, _CLASS_B = (1, 2, 3), (18, 19)
_US_PER_HOUR = 3_600_000_000.0

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ByteArray = npt.NDArray[np.int8]


@dataclass(frozen=True)
class SegmentParams:
    """Thresholds of the segmenter and of the shared-MMSI detector (GFW defaults)."""

    max_speed_kn: float = 25.0
    max_gap_hours: float = 24.0
    penalty_hours: float = 4.0
    hours_exp: float = 0.5
    buffer_hours: float = 0.25
    lookback: int = 5
    lookback_factor: float = 2.0
    ambiguity_factor: float = 10.0
    short_segment_positions: float = 10.0
    transponder_mismatch_weight: float = 0.1
    penalty_speed_kn: float = 5.0
    min_type27_hours: float = 1.0
    shape_factor: float = 4.0
    max_open_segments: int = 100
    min_long_segment_positions: int = 10
    min_overlap_hours: float = 1.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"SegmentParams.{f.name} must be a number, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ConfigError(f"SegmentParams.{f.name} must be finite and >= 0, got {value}")
        positive = (
            "max_speed_kn",
            "max_gap_hours",
            "penalty_hours",
            "buffer_hours",
            "penalty_speed_kn",
            "short_segment_positions",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise ConfigError(f"SegmentParams.{name} must be > 0, got {getattr(self, name)}")
        if not 1 <= self.lookback <= 50 or not 1 <= self.max_open_segments <= 10_000:
            raise ConfigError(
                f"SegmentParams.lookback must be in 1..50 and max_open_segments in 1..10000, "
                f"got {self.lookback} and {self.max_open_segments}"
            )
        if self.hours_exp > 1 or self.transponder_mismatch_weight > 1:
            raise ConfigError(
                f"SegmentParams.hours_exp and transponder_mismatch_weight must be <= 1, "
                f"got {self.hours_exp} and {self.transponder_mismatch_weight}"
            )

    def kernel_config(self) -> FloatArray:
        """The float parameters in the order the numba kernel reads them."""
        values = asdict(self)
        return np.array([float(values[name]) for name in CONFIG_FIELDS], dtype=np.float64)


def segment(positions: pl.DataFrame, params: SegmentParams = SegmentParams()) -> pl.DataFrame:
    """The rows of ``positions`` sorted by (mmsi, ts) with a ``seg_id`` column added.

    ``seg_id`` is ``"<mmsi>-<first ts %Y%m%dT%H%M%SZ>"`` (``-2``, ``-3``… when several
    segments of one MMSI start in the same second); null where lat/lon are missing.
    Columns beyond the canonical ones are carried along. Each MMSI is segmented from
    its own rows only, so any partition by MMSI gives the same answer.
    """
    missing = [
        c for c in ("mmsi", "ts", "lat", "lon", "sog_kn", "cog_deg") if c not in positions.columns
    ]
    if missing:
        raise ConfigError(f"segment: positions lack columns {missing}")
    frame = _sorted(positions)
    labels = _labels(frame, params)
    frame = frame.with_columns(_label=pl.Series(labels).replace(-1, None))
    return _with_seg_ids(frame).drop("_label")


def _sorted(positions: pl.DataFrame) -> pl.DataFrame:
    """Sort by (mmsi, ts), breaking ties on content so that row order never matters."""
    frame = positions.sort("mmsi", "ts")
    keys = frame.select(
        tied=((pl.col("mmsi") == pl.col("mmsi").shift(1)) & (pl.col("ts") == pl.col("ts").shift(1)))
    )
    if not keys["tied"].any():
        return frame
    # Rare: some rows share (mmsi, ts); order those by every content column, source last.
    content = [c for c in _TIE_BREAK if c in positions.columns]
    source = pl.col("source").cast(pl.Utf8) if "source" in positions.columns else pl.lit(None)
    return (
        positions.with_columns(source.alias("_source"))
        .sort(["mmsi", "ts", *content, "_source"], nulls_last=True)
        .drop("_source")
    )


def _labels(frame: pl.DataFrame, params: SegmentParams) -> IntArray:
    """Kernel labels per row (-1 for rows without a position); duplicates share labels."""
    valid = _valid_mask(frame)
    original = _duplicate_of(frame, valid)
    run = valid & (original < 0)
    rows = np.flatnonzero(run)
    labels = np.full(frame.height, -1, dtype=np.int64)
    labels[rows] = match_groups(
        group_starts(frame["mmsi"].to_numpy()[rows]),
        _fix_array(frame, rows),
        _kind_array(frame, rows),
        params.kernel_config(),
        params.lookback,
        params.max_open_segments,
    )
    dups = np.flatnonzero(original >= 0)
    labels[dups] = labels[original[dups]]
    return labels


def _valid_mask(frame: pl.DataFrame) -> BoolArray:
    ok = (
        pl.col("lat").is_not_null()
        & pl.col("lon").is_not_null()
        & pl.col("lat").is_finite()
        & pl.col("lon").is_finite()
        & (pl.col("lat").abs() <= 90.0)
        & (pl.col("lon").abs() <= 180.0)
    )
    return frame.select(ok.fill_null(False)).to_series().to_numpy()


def _duplicate_of(frame: pl.DataFrame, valid: BoolArray) -> IntArray:
    """Row index of the earlier row each row repeats, else -1 (chains resolved).

    A repeat has the same MMSI, time and position as an earlier row, or, while moving,
    the same position (1/60000 degree), course, speed and heading as any earlier row.
    """
    original = np.maximum(_same_fix_original(frame), _moving_original(frame, valid))
    original[~valid] = -1
    while np.any(chained := (original >= 0) & (original[np.maximum(original, 0)] >= 0)):
        original[chained] = original[original[chained]]
    return original


def _same_fix_original(frame: pl.DataFrame) -> IntArray:
    """Start of each run of equal (mmsi, ts, lat, lon); rows are sorted on these first."""
    keys = frame.select(
        pl.col("mmsi"), pl.col("ts").dt.epoch("us"), pl.col("lat").fill_null(np.inf),
        pl.col("lon").fill_null(np.inf),
    ).to_numpy()  # fmt: skip
    rows = np.arange(frame.height, dtype=np.int64)
    repeat = np.r_[False, np.all(keys[1:] == keys[:-1], axis=1)]
    run_start = np.maximum.accumulate(np.where(repeat, 0, rows))
    return np.where(repeat, run_start, -1)


def _moving_original(frame: pl.DataFrame, valid: BoolArray) -> IntArray:
    """First earlier row with the same gridded moving state, via a checked 64-bit hash."""
    grid = [("lat", 60000), ("lon", 60000), ("cog_deg", 10), ("sog_kn", 10)]
    exprs = [pl.col("mmsi"), *[_grid(pl.col(c), k).alias(c) for c, k in grid]]
    if "heading_deg" in frame.columns:
        exprs.append(pl.col("heading_deg").cast(pl.Int64).fill_null(-1))
    keys = [col.to_numpy() for col in frame.select(exprs).get_columns()]
    rows = np.flatnonzero(valid & (keys[4] > 0))
    original = np.full(frame.height, -1, dtype=np.int64)
    if rows.size == 0:
        return original
    keys = [key[rows] for key in keys]
    digest = np.zeros(rows.size, dtype=np.uint64)
    for key in keys:
        digest = (digest ^ key.view(np.uint64)) * np.uint64(0x100000001B3)
    order = np.argsort(digest)
    ordered = digest[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    first_sorted = np.repeat(np.minimum.reduceat(order, starts), np.diff(np.r_[starts, rows.size]))
    first = np.empty_like(first_sorted)
    first[order] = first_sorted
    same = first < np.arange(rows.size)
    for key in keys:
        same &= key[first] == key
    original[rows[same]] = rows[first[same]]
    return original


def _grid(col: pl.Expr, per_unit: int) -> pl.Expr:
    return (col.cast(pl.Float64) * per_unit).round(0).cast(pl.Int64).fill_null(-1)


def _fix_array(frame: pl.DataFrame, rows: IntArray) -> FloatArray:
    """Hours, lat, lon, speed and course per kernel row; unknown course means speed 0."""
    has_course = pl.col("cog_deg").is_not_null() & pl.col("sog_kn").is_not_null()
    course = pl.col("cog_deg").fill_null(0.0).cast(pl.Float64).radians()
    cols = frame.select(
        (pl.col("ts").dt.epoch("us").cast(pl.Float64) / _US_PER_HOUR).alias("t"),
        pl.col("lat").cast(pl.Float64),
        pl.col("lon").cast(pl.Float64),
        pl.when(has_course).then(pl.col("sog_kn")).otherwise(0.0).cast(pl.Float64).alias("sog"),
        course.cos().alias("north"),
        course.sin().alias("east"),
        pl.col("lat").cast(pl.Float64).radians().cos().alias("cos_lat"),
    )
    return np.ascontiguousarray(cols.to_numpy()[rows], dtype=np.float64)


def _kind_array(frame: pl.DataFrame, rows: IntArray) -> ByteArray:
    """Transponder class mask (1 A, 2 B, 3 either) and a type-27 flag per kernel row."""
    msg = pl.col("msg_type") if "msg_type" in frame.columns else pl.lit(None, pl.Int8)
    cols = frame.select(
        pl.when(msg.is_in(_CLASS_A))
        .then(1)
        .when(msg.is_in(_CLASS_B))
        .then(2)
        .otherwise(3)
        .cast(pl.Int8)
        .alias("mask"),
        (msg == 27).fill_null(False).cast(pl.Int8).alias("is27"),
    )
    return np.ascontiguousarray(cols.to_numpy()[rows], dtype=np.int8)


def _with_seg_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """Name each (mmsi, label) after its first fix; suffix repeats within one second."""
    segs = (
        frame.with_row_index("_row")
        .filter(pl.col("_label").is_not_null())
        .group_by("mmsi", "_label")
        .agg(pl.col("ts").min().alias("_first"), pl.col("_row").min().alias("_first_row"))
        .with_columns(_stamp=pl.col("_first").dt.strftime("%Y%m%dT%H%M%SZ"))
        .sort("mmsi", "_stamp", "_first_row")
        .with_columns(_n=pl.int_range(pl.len()).over("mmsi", "_stamp") + 1)
    )
    suffix = pl.when(pl.col("_n") > 1).then(pl.format("-{}", pl.col("_n"))).otherwise(pl.lit(""))
    segs = segs.select(
        "mmsi",
        "_label",
        pl.format("{}-{}", pl.col("mmsi"), pl.col("_stamp")).add(suffix).alias("seg_id"),
    )
    return frame.join(segs, on=["mmsi", "_label"], how="left", maintain_order="left")
