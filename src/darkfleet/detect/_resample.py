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

import math

import numpy as np
import numpy.typing as npt
import polars as pl
from numba import njit, prange

__all__ = ["RESAMPLED_SCHEMA", "empty_positions", "in_track_order", "resample_tracks"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Fixes = tuple[I64, F64, F64, F64, F64]
Outputs = tuple[I64, I64, F64, F64, F64, F64]
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
    inc, gap = increment_s * US_PER_S, round(max_gap_s * US_PER_S)
    lat, lon, speed, course = (
        fixes[c].to_numpy().astype(np.float64) for c in ("lat", "lon", "speed", "course")
    )
    t = fixes["t"].to_numpy()
    firsts = np.flatnonzero(fixes["new_seg"].to_numpy())
    lasts = np.r_[firsts[1:], t.size] - 1

    def run(at: I64, out: Outputs, fill: bool) -> None:
        _grid_samples(
            firsts, lasts, t, lat, lon, speed, course, inc, gap, extrapolate, at, *out, fill
        )

    at = np.zeros(firsts.size, np.int64)
    run(at, _outputs(0), False)
    out = _outputs(int(at.sum()))
    run(np.cumsum(at) - at, out, True)
    anchor, t_out, values = out[0], out[1], out[2:]
    return pl.DataFrame(
        {
            "mmsi": fixes["mmsi"].to_numpy()[anchor],
            "seg_id": fixes["seg_id"].gather(anchor),
            "ts": pl.Series(t_out).cast(pl.Datetime("us", "UTC")),
            **dict(zip(("lat", "lon", "speed_kn", "point_density"), values, strict=True)),
        },
        schema=RESAMPLED_SCHEMA,
    )


def _outputs(n: int) -> Outputs:
    """Anchor fix and time (int64), then lat, lon, speed and density (float64) columns."""
    return (np.empty(n, np.int64), np.empty(n, np.int64), *_floats(n))


def _floats(n: int) -> tuple[F64, F64, F64, F64]:
    return np.empty(n), np.empty(n), np.empty(n), np.empty(n)


def _sorted_unique_fixes(positions: pl.DataFrame) -> pl.DataFrame:
    """Fixes with a position, sorted, one per segment and timestamp, segment starts flagged.

    A missing or null ``seg_id`` stands for one segment per MMSI, named by the MMSI.
    """
    mmsi_text = pl.col("mmsi").cast(pl.String)
    seg = pl.col("seg_id").cast(pl.String) if "seg_id" in positions.columns else pl.lit(None)
    frame = positions.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null()).select(
        pl.col("mmsi").cast(pl.Int64),
        seg.fill_null(mmsi_text).cast(pl.String).alias("seg_id"),
        pl.col("ts").cast(pl.Datetime("us", "UTC")).dt.epoch("us").alias("t"),
        pl.col("lat").cast(pl.Float64),
        pl.col("lon").cast(pl.Float64),
        pl.col("sog_kn").cast(pl.Float64).alias("speed"),
        pl.col("cog_deg").cast(pl.Float64).alias("course"),
    )
    if not in_track_order(frame, "t", strict=False):
        frame = frame.sort("mmsi", "seg_id", "t", maintain_order=True)
    new_seg = (pl.col("mmsi") != pl.col("mmsi").shift()).fill_null(True) | (
        pl.col("seg_id") != pl.col("seg_id").shift()
    ).fill_null(True)
    return frame.with_columns(new_seg=new_seg).filter(
        pl.col("new_seg") | (pl.col("t") != pl.col("t").shift())
    )


def in_track_order(frame: pl.DataFrame, time_col: str, strict: bool) -> bool:
    """Whether rows are sorted by mmsi, seg_id, then time (rising strictly if ``strict``)."""
    same_vessel = pl.col("mmsi").diff() == 0
    same_seg = same_vessel & (pl.col("seg_id") == pl.col("seg_id").shift())
    step = pl.col(time_col).to_physical().diff()
    later = step > 0 if strict else step >= 0
    ordered = (
        (pl.col("mmsi").diff() > 0)
        | (same_vessel & (pl.col("seg_id") > pl.col("seg_id").shift()))
        | (same_seg & later)
    )
    return bool(frame.select(ordered.slice(1).all()).item())


@njit(cache=True)
def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


@njit(cache=True, parallel=True)
def _grid_samples(
    firsts: I64,
    lasts: I64,
    t: I64,
    lat: F64,
    lon: F64,
    speed: F64,
    course: F64,
    inc: int,
    gap: int,
    extrapolate: bool,
    at: I64,
    o_anchor: I64,
    o_t: I64,
    o_lat: F64,
    o_lon: F64,
    o_speed: F64,
    o_density: F64,
    fill: bool,
) -> None:
    """Count each segment's grid samples into ``at``, or write them from ``at`` on."""
    out = (o_anchor, o_t, o_lat, o_lon, o_speed, o_density)
    fix = (t, lat, lon, speed, course)
    for s in prange(firsts.size):
        k0 = at[s] if fill else 0
        k = _segment_samples(fix, firsts[s], lasts[s], inc, gap, extrapolate, out, k0, fill)
        if not fill:
            at[s] = k


@njit(cache=True)
def _segment_samples(
    fix: Fixes,
    first: int,
    last: int,
    inc: int,
    gap: int,
    extrapolate: bool,
    out: Outputs,
    k: int,
    fill: bool,
) -> int:
    """Samples of the segment of fixes ``first..last``, written from index ``k`` on."""
    t = fix[0]
    if extrapolate:
        day = t[first] // US_PER_DAY * US_PER_DAY
        for g in range(_ceil_div(max(t[first] - gap, day), inc), _ceil_div(t[first], inc)):
            k = _extrapolated(fix, first, g * inc, inc, out, k, fill)
    for r in range(first, last):
        lo = _ceil_div(t[r], inc) if r == first else t[r] // inc + 1
        if t[r + 1] - t[r] < gap:
            for g in range(lo, t[r + 1] // inc + 1):
                k = _interpolated(fix, r, g * inc, inc, out, k, fill)
    if extrapolate:
        day = t[last] // US_PER_DAY * US_PER_DAY
        lo = _ceil_div(t[last], inc) if first == last else t[last] // inc + 1
        for g in range(lo, min(t[last] + gap, day + US_PER_DAY - 1) // inc + 1):
            k = _extrapolated(fix, last, g * inc, inc, out, k, fill)
    return k


@njit(cache=True)
def _interpolated(fix: Fixes, r: int, at: int, inc: int, out: Outputs, k: int, fill: bool) -> int:
    """Write the sample at time ``at`` between fixes ``r`` and ``r + 1``."""
    if fill:
        t, lat, lon, speed, _ = fix
        span = t[r + 1] - t[r]
        mix = (at - t[r]) / span
        step = lon[r + 1] - lon[r]
        if abs(step) > 180.0:
            x = lon[r] + ((step + 180.0) % 360.0 - 180.0) * mix
            x = (x + 180.0) % 360.0 - 180.0
        else:
            x = lon[r + 1] * mix + lon[r] * (1.0 - mix)
        y = lat[r + 1] * mix + lat[r] * (1.0 - mix)
        v = speed[r + 1] * mix + speed[r] * (1.0 - mix)
        _write(out, k, r, at, y, x, v, _density(span, inc))
    return k + 1


@njit(cache=True)
def _extrapolated(fix: Fixes, r: int, at: int, inc: int, out: Outputs, k: int, fill: bool) -> int:
    """Write the sample at time ``at`` carried from fix ``r`` along course at speed."""
    if fill:
        t, lat, lon, speed, course = fix
        moving = np.isfinite(speed[r]) and np.isfinite(course[r])
        deg_per_s = speed[r] * DEG_LAT_PER_NM / 3600.0 if moving else 0.0
        rads = math.radians(course[r]) if moving else 0.0
        dt = (at - t[r]) / US_PER_S
        cos_lat = max(math.cos(math.radians(lat[r])), MIN_COS_LAT)
        y = min(max(lat[r] + dt * math.cos(rads) * deg_per_s, -90.0), 90.0)
        x = lon[r] + dt * math.sin(rads) * deg_per_s / cos_lat
        x = (x + 180.0) % 360.0 - 180.0
        _write(out, k, r, at, y, x, speed[r], _density(abs(at - t[r]), inc))
    return k + 1


@njit(cache=True)
def _density(span_us: int, inc: int) -> float:
    return float(np.rint(inc / max(float(span_us), float(inc)) * 100.0) / 100.0)


@njit(cache=True)
def _write(
    out: Outputs, k: int, r: int, at: int, lat: float, lon: float, speed: float, density: float
) -> None:
    anchor, t, o_lat, o_lon, o_speed, o_density = out
    anchor[k], t[k], o_lat[k], o_lon[k], o_speed[k], o_density[k] = r, at, lat, lon, speed, density
