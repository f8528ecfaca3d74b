"""Resampling of segment tracks onto a fixed time grid (the first stage of encounters).

Each segment's fixes are placed on a grid of ``increment`` steps aligned to midnight UTC
(multiples of the increment since the Unix epoch):

* a grid time between two consecutive fixes less than ``max_gap`` apart is interpolated
  linearly (lat, lon across the antimeridian, speed); its ``point_density`` is
  ``round(increment / max(gap, increment), 2)``, so a grid point backed by fixes at least
  every increment counts as one real point; grid times inside a gap >= ``max_gap`` get
  no sample;
* with ``extrapolate``, the first and last fix are carried along their course at their
  speed up to ``max_gap`` before and after, but not past midnight of their own UTC day
  (as GFW, whose next day starts afresh), with density
  ``round(increment / max(|dt|, increment), 2)``.

As in Global Fishing Watch's pipe-encounters ``Resample``, a grid time that equals a fix
takes the bracket towards the previous fix (its gap and density), and only the first
fix of a segment opens the grid at its own time. Two deliberate differences: whole
segments are resampled, not segment-days, so interpolation runs through midnight; and
backward extrapolation uses ``|dt|`` for its density (GFW's signed ``dt`` gives every
backward point density 1.0, counting guesses as real fixes).

>>> resample_tracks(empty_positions(), 600, 3600, True).columns[:3]
['mmsi', 'seg_id', 'ts']
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from darkfleet.geo import wrap_lon

__all__ = ["RESAMPLED_SCHEMA", "empty_positions", "resample_tracks"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
US_PER_S = 1_000_000
US_PER_DAY = 86_400 * US_PER_S
DEG_LAT_PER_NM = 1.0 / 60.0
MIN_COS_LAT = 0.1  # longitude step cap near the poles while extrapolating (as in GFW)

RESAMPLED_SCHEMA = pl.Schema(
    {
        "mmsi": pl.Int64(),
        "seg_id": pl.String(),
        "ts": pl.Datetime("us", "UTC"),
        "lat": pl.Float64(),
        "lon": pl.Float64(),
        "speed_kn": pl.Float64(),
        "point_density": pl.Float64(),
    }
)


def empty_positions() -> pl.DataFrame:
    """A zero-row positions frame with the columns resampling reads."""
    return pl.DataFrame(
        schema={
            "mmsi": pl.Int64(),
            "seg_id": pl.String(),
            "ts": pl.Datetime("us", "UTC"),
            "lat": pl.Float64(),
            "lon": pl.Float64(),
            "sog_kn": pl.Float32,
            "cog_deg": pl.Float32,
        }
    )


def resample_tracks(
    positions: pl.DataFrame, increment_s: int, max_gap_s: float, extrapolate: bool
) -> pl.DataFrame:
    """Grid samples of every segment, sorted by mmsi, seg_id, ts (see module docstring)."""
    fixes = _sorted_unique_fixes(positions)
    if fixes.height == 0:
        return pl.DataFrame(schema=RESAMPLED_SCHEMA)
    inc = increment_s * US_PER_S
    gap = round(max_gap_s * US_PER_S)
    seg = fixes["seg"].to_numpy()
    t = fixes["t"].to_numpy()
    pieces = _pieces(seg, t, inc, gap, extrapolate)
    grid, anchor, nxt = _expand(pieces)
    cols = _sample_values(fixes, grid * inc, anchor, nxt, inc)
    first_rows = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
    seg_of_row = seg[anchor]
    return pl.DataFrame(
        {
            "mmsi": fixes["mmsi"].to_numpy()[anchor],
            "seg_id": fixes["seg_id"].gather(first_rows[seg_of_row]),
            "ts": pl.Series(grid * inc).cast(pl.Datetime("us", "UTC")),
            **cols,
        },
        schema=RESAMPLED_SCHEMA,
    )


def _sorted_unique_fixes(positions: pl.DataFrame) -> pl.DataFrame:
    """Fixes with a position, sorted, one per segment and timestamp, segments numbered."""
    frame = (
        positions.lazy()
        .filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
        .select(
            pl.col("mmsi").cast(pl.Int64),
            pl.col("seg_id").cast(pl.String),
            pl.col("ts").cast(pl.Datetime("us", "UTC")).dt.epoch("us").alias("t"),
            pl.col("lat").cast(pl.Float64),
            pl.col("lon").cast(pl.Float64),
            pl.col("sog_kn").cast(pl.Float64).alias("speed"),
            pl.col("cog_deg").cast(pl.Float64).alias("course"),
        )
        .sort("mmsi", "seg_id", "t", maintain_order=True)
        .with_columns(
            new_seg=(pl.col("mmsi") != pl.col("mmsi").shift()).fill_null(True)
            | (pl.col("seg_id") != pl.col("seg_id").shift()).fill_null(True)
        )
        .filter(pl.col("new_seg") | (pl.col("t") != pl.col("t").shift()))
        .with_columns(seg=pl.col("new_seg").cum_sum().cast(pl.Int64) - 1)
    )
    return frame.collect()


def _ceil_div(a: I64, b: int) -> I64:
    return np.asarray(-((-a) // b), dtype=np.int64)


def _pieces(seg: I64, t: I64, inc: int, gap: int, extrapolate: bool) -> tuple[I64, ...]:
    """Runs of grid indices (lo, count, anchor fix, next fix or -1), in output order.

    Slot ``2k`` holds the backward extrapolation before fix ``k`` (first fixes only),
    slot ``2k + 1`` the bracket from fix ``k`` to ``k + 1`` or, for a segment's last fix,
    the forward extrapolation; laying pieces out this way orders them without a sort.
    """
    n = t.size
    first = np.r_[True, seg[1:] != seg[:-1]]
    last = np.r_[seg[1:] != seg[:-1], True]
    lo = np.zeros(2 * n, dtype=np.int64)
    hi = np.full(2 * n, -1, dtype=np.int64)
    nxt = np.full(2 * n, -1, dtype=np.int64)
    k = np.flatnonzero(~last)
    dt = t[k + 1] - t[k]
    lo[2 * k + 1] = np.where(first[k], _ceil_div(t[k], inc), t[k] // inc + 1)
    hi[2 * k + 1] = np.where(dt < gap, t[k + 1] // inc, lo[2 * k + 1] - 1)
    nxt[2 * k + 1] = k + 1
    if extrapolate:
        f, e = np.flatnonzero(first), np.flatnonzero(last)
        day_f, day_e = t[f] // US_PER_DAY * US_PER_DAY, t[e] // US_PER_DAY * US_PER_DAY
        lo[2 * f] = _ceil_div(np.maximum(t[f] - gap, day_f), inc)
        hi[2 * f] = _ceil_div(t[f], inc) - 1
        lo[2 * e + 1] = np.where(first[e], _ceil_div(t[e], inc), t[e] // inc + 1)
        hi[2 * e + 1] = np.minimum(t[e] + gap, day_e + US_PER_DAY - 1) // inc
    count = np.maximum(hi - lo + 1, 0)
    keep = np.flatnonzero(count)
    return lo[keep], count[keep], keep // 2, nxt[keep]


def _expand(pieces: tuple[I64, ...]) -> tuple[I64, I64, I64]:
    """One row per grid sample: grid index, anchor fix and next fix (-1: extrapolated)."""
    lo, count, anchor, nxt = pieces
    starts = np.cumsum(count) - count
    piece = np.repeat(np.arange(count.size), count)
    offset = np.arange(piece.size, dtype=np.int64) - starts[piece]
    return lo[piece] + offset, anchor[piece], nxt[piece]


def _sample_values(
    fixes: pl.DataFrame, t_out: I64, anchor: I64, nxt: I64, inc: int
) -> dict[str, F64]:
    """lat, lon, speed_kn and point_density of each grid sample."""
    t = fixes["t"].to_numpy()
    lat, lon = fixes["lat"].to_numpy(), fixes["lon"].to_numpy()
    speed = fixes["speed"].to_numpy(allow_copy=True).astype(np.float64)
    course = fixes["course"].to_numpy(allow_copy=True).astype(np.float64)
    out = {k: np.empty(t_out.size) for k in ("lat", "lon", "speed_kn", "point_density")}
    inter = nxt >= 0
    a, b = anchor[inter], nxt[inter]
    span = (t[b] - t[a]).astype(np.float64)
    mix = (t_out[inter] - t[a]) / span
    out["lat"][inter] = lat[b] * mix + lat[a] * (1.0 - mix)
    out["lon"][inter] = _mix_lon(lon[a], lon[b], mix)
    out["speed_kn"][inter] = speed[b] * mix + speed[a] * (1.0 - mix)
    out["point_density"][inter] = _density(span, inc)
    ext = ~inter
    _extrapolate(out, ext, t_out[ext] - t[anchor[ext]], anchor[ext], (lat, lon, speed, course))
    out["point_density"][ext] = _density(np.abs(t_out[ext] - t[anchor[ext]]), inc)
    return out


def _mix_lon(lon0: F64, lon1: F64, mix: F64) -> F64:
    """Linear interpolation of longitude, the short way round across the antimeridian."""
    step = lon1 - lon0
    crosses = np.abs(step) > 180.0
    plain = lon1 * mix + lon0 * (1.0 - mix)
    wrapped = wrap_lon(lon0 + wrap_lon(step) * mix)
    return np.where(crosses, wrapped, plain)


def _density(span_us: npt.NDArray[np.generic], inc: int) -> F64:
    return np.round(inc / np.maximum(span_us.astype(np.float64), float(inc)), 2)


def _extrapolate(
    out: dict[str, F64], rows: npt.NDArray[np.bool_], dt_us: I64, a: I64, fix: tuple[F64, ...]
) -> None:
    """Carry fix ``a`` along its course at its speed (no speed or course: stay put)."""
    lat, lon, speed, course = (col[a] for col in fix)
    moving = np.isfinite(speed) & np.isfinite(course)
    deg_per_s = np.where(moving, speed, 0.0) * DEG_LAT_PER_NM / 3600.0
    rads = np.radians(np.where(moving, course, 0.0))
    dt = dt_us / US_PER_S
    cos_lat = np.maximum(np.cos(np.radians(lat)), MIN_COS_LAT)
    out["lat"][rows] = np.clip(lat + dt * np.cos(rads) * deg_per_s, -90.0, 90.0)
    out["lon"][rows] = wrap_lon(lon + dt * np.sin(rads) * deg_per_s / cos_lat)
    out["speed_kn"][rows] = speed
