"""Raw encounters: runs of grid samples during which a partner stays close.

For every sample of segment A, the partners are the samples of other vessels at the
same grid time within the adjacency radius, nearest first (ties by segment order),
keeping at most ``max_tracked`` of them. A run of A with partner B is a maximal
sequence of A's consecutive samples (consecutive in A's own resampled track, so a hole
in A's track does not end it) at each of which B is a kept partner within the
encounter distance. A run with at least two samples lasting at least the minimum
becomes one raw encounter of the directed pair (A, B), described from A's side as in
GFW's ``ComputeEncounters``: mean latitude and circular-mean longitude of A's samples,
median distance, median implied speed of A between its run samples, rounded sums of
both vessels' point densities, A's first and last sample.

>>> raw_table(pl.DataFrame(schema=RESAMPLED_SCHEMA), (600, 1.0, 100, 0.5, 3600)).height
0
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import polars as pl
from numba import njit

from darkfleet.detect._grid import _haversine, close_pairs
from darkfleet.detect._resample import RESAMPLED_SCHEMA, in_track_order

__all__ = ["RAW_SCHEMA", "kept_partners", "raw_table"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
KM_PER_NM = 1.852

RAW_SCHEMA = pl.Schema(
    {
        "seg_id": pl.String(),
        "other_seg_id": pl.String(),
        "mmsi": pl.Int64(),
        "other_mmsi": pl.Int64(),
        "start": pl.Datetime("us", "UTC"),
        "end": pl.Datetime("us", "UTC"),
        "lat": pl.Float64(),
        "lon": pl.Float64(),
        "median_distance_km": pl.Float64(),
        "median_speed_kn": pl.Float64(),
        "point_count": pl.Int64(),
        "other_point_count": pl.Int64(),
        "start_lat": pl.Float64(),
        "start_lon": pl.Float64(),
        "end_lat": pl.Float64(),
        "end_lon": pl.Float64(),
    }
)

RawSettings = tuple[int, float, int, float, float]
"""(increment_s, max_adjacency_km, max_tracked, max_encounter_km, min_run_seconds)."""


def raw_table(resampled: pl.DataFrame, settings: RawSettings) -> pl.DataFrame:
    """Raw encounters of every directed pair of segments (see the module docstring)."""
    increment_s, adjacency_km, max_tracked, encounter_km, min_run_s = settings
    samples = _track_order(resampled)
    t = samples["ts"].dt.epoch("us").to_numpy()
    lat, lon = samples["lat"].to_numpy(), samples["lon"].to_numpy()
    mmsi = samples["mmsi"].to_numpy()
    seg = _segment_numbers(samples)
    slot = t // (increment_s * 1_000_000)
    i, j, km = close_pairs(slot, lat, lon, mmsi, adjacency_km)
    a, b, km = kept_partners(i, j, km, max_tracked)
    close = km <= encounter_km
    a, b, km = _by_pair_and_time(a[close], b[close], km[close], seg)
    starts, ends = _run_bounds(a, seg[a], seg[b], t, round(min_run_s * 1e6))
    density = samples["point_density"].to_numpy()
    stats = _run_stats(a, b, km, starts, ends, t, lat, lon, density)
    return _frame(samples, a[starts], b[starts], a[ends - 1], stats)


def _track_order(resampled: pl.DataFrame) -> pl.DataFrame:
    """Samples sorted by vessel, segment and time (already so when they come from resample)."""
    frame = resampled.select(RESAMPLED_SCHEMA.names())
    return frame if in_track_order(frame, "ts", strict=True) else frame.sort("mmsi", "seg_id", "ts")


def _segment_numbers(samples: pl.DataFrame) -> I64:
    change = (pl.col("mmsi") != pl.col("mmsi").shift()) | (
        pl.col("seg_id") != pl.col("seg_id").shift()
    )
    flags = samples.select(change.fill_null(True).cum_sum().cast(pl.Int64) - 1).to_series()
    return flags.to_numpy()


def kept_partners(i: I64, j: I64, km: F64, max_tracked: int) -> tuple[I64, I64, F64]:
    """Directed pairs, keeping each sample's ``max_tracked`` nearest partners.

    Nearest means smallest distance, then smallest partner index, as GFW breaks ties.
    Only samples with more partners than that are sorted, so a crowded port costs
    little more than open sea.
    """
    a, b, d = np.concatenate([i, j]), np.concatenate([j, i]), np.concatenate([km, km])
    if a.size == 0 or np.bincount(a).max() <= max_tracked:
        return a, b, d
    keep = _nearest_mask(a, b, d, int(a.max()) + 1, max_tracked)
    return a[keep], b[keep], d[keep]


@njit(cache=True)
def _nearest_mask(a: I64, b: I64, d: F64, n: int, max_tracked: int) -> npt.NDArray[np.bool_]:
    """Mask of the pairs among each sample's ``max_tracked`` nearest (by d, then b)."""
    starts = np.zeros(n + 1, np.int64)
    for x in a:
        starts[x + 1] += 1
    for k in range(n):
        starts[k + 1] += starts[k]
    grouped = np.empty(a.size, np.int64)
    fill = starts[:-1].copy()
    for idx in range(a.size):
        grouped[fill[a[idx]]] = idx
        fill[a[idx]] += 1
    keep = np.ones(a.size, np.bool_)
    for g in range(n):
        lo, hi = starts[g], starts[g + 1]
        if hi - lo <= max_tracked:
            continue
        members = grouped[lo:hi]
        by_partner = members[np.argsort(b[members], kind="mergesort")]
        by_distance = by_partner[np.argsort(d[by_partner], kind="mergesort")]
        for idx in by_distance[max_tracked:]:
            keep[idx] = False
    return keep


def _by_pair_and_time(a: I64, b: I64, km: F64, seg: I64) -> tuple[I64, I64, F64]:
    """Pairs ordered by (segment of a, segment of b, sample a)."""
    segments, samples = int(seg.max(initial=0)) + 1, int(a.max(initial=0)) + 1
    if segments * segments * samples < 2**62:  # one int64 key sorts far faster than lexsort
        order = np.argsort((seg[a] * segments + seg[b]) * samples + a, kind="stable")
    else:
        order = np.lexsort((a, seg[b], seg[a]))
    return a[order], b[order], km[order]


@njit(cache=True)
def _run_bounds(a: I64, seg_a: I64, seg_b: I64, t: I64, min_us: int) -> tuple[I64, I64]:
    """[start, end) of each run of at least two samples lasting at least ``min_us``."""
    starts = np.empty(a.size, np.int64)
    ends = np.empty(a.size, np.int64)
    k = 0
    r0 = 0
    for r in range(1, a.size + 1):
        same_pair = r < a.size and seg_a[r] == seg_a[r - 1] and seg_b[r] == seg_b[r - 1]
        if same_pair and a[r] == a[r - 1] + 1:
            continue
        if r - r0 >= 2 and t[a[r - 1]] - t[a[r0]] >= min_us:
            starts[k], ends[k] = r0, r
            k += 1
        r0 = r
    return starts[:k], ends[:k]


@njit(cache=True)
def _run_stats(
    a: I64,
    b: I64,
    km: F64,
    starts: I64,
    ends: I64,
    t: I64,
    lat: F64,
    lon: F64,
    density: F64,
) -> F64:
    """Per run: mean lat, circular mean lon, median km, median speed kn, both point counts."""
    out = np.empty((starts.size, 6))
    for r in range(starts.size):
        rows = a[starts[r] : ends[r]]
        n = rows.size
        speeds = np.empty(n - 1)
        for k in range(n - 1):
            hours = (t[rows[k + 1]] - t[rows[k]]) / 3.6e9
            dist = _haversine(lat[rows[k]], lon[rows[k]], lat[rows[k + 1]], lon[rows[k + 1]])
            speeds[k] = dist / KM_PER_NM / hours
        rad = np.radians(lon[rows])
        out[r, 0] = np.mean(lat[rows])
        out[r, 1] = math.degrees(math.atan2(np.mean(np.sin(rad)), np.mean(np.cos(rad))))
        out[r, 2] = np.median(km[starts[r] : ends[r]])
        out[r, 3] = np.median(speeds)
        out[r, 4] = np.rint(np.sum(density[rows]))
        out[r, 5] = np.rint(np.sum(density[b[starts[r] : ends[r]]]))
    return out


def _frame(samples: pl.DataFrame, first: I64, partner: I64, last: I64, stats: F64) -> pl.DataFrame:
    at = samples.select("seg_id", "mmsi", "ts", "lat", "lon")
    head, other, tail = at[first], at[partner], at[last]
    return pl.DataFrame(
        {
            "seg_id": head["seg_id"],
            "other_seg_id": other["seg_id"],
            "mmsi": head["mmsi"],
            "other_mmsi": other["mmsi"],
            "start": head["ts"],
            "end": tail["ts"],
            "lat": stats[:, 0],
            "lon": stats[:, 1],
            "median_distance_km": stats[:, 2],
            "median_speed_kn": stats[:, 3],
            "point_count": stats[:, 4].astype(np.int64),
            "other_point_count": stats[:, 5].astype(np.int64),
            "start_lat": head["lat"],
            "start_lon": head["lon"],
            "end_lat": tail["lat"],
            "end_lon": tail["lon"],
        },
        schema=RAW_SCHEMA,
    )
