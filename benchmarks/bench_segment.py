"""Segmenter throughput on synthetic AIS: prints positions per second.

1,000 MMSIs × 1,000 fixes (1M positions): straight tracks at 4–20 kn reported every
1–10 min, 1 % wild glitches, and every 20th MMSI shared by a second ship 50 km away.
Reports the whole ``segment`` call (sorting, duplicates, kernel, seg ids) and the
numba kernel alone, against the 2M positions/s target.

    .venv/bin/python benchmarks/bench_segment.py [n_vessels] [fixes_per_vessel]
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect import segment as seg
from darkfleet.detect._segment_kernel import match_groups

TARGET_PER_S = 2_000_000


def synthetic(n_vessels: int, per_vessel: int, seed: int = 0) -> pl.DataFrame:
    """Canonical positions of ``n_vessels`` straight-running ships (see module docstring)."""
    rng = np.random.default_rng(seed)
    mmsi = np.repeat(np.arange(n_vessels, dtype=np.int64) + 200_000_000, per_vessel)
    dt_h = rng.uniform(1, 10, mmsi.size) / 60.0
    hours = np.cumsum(dt_h.reshape(n_vessels, per_vessel), axis=1).ravel()
    sog = np.repeat(rng.uniform(4, 20, n_vessels), per_vessel)
    cog = np.repeat(rng.uniform(0, 360, n_vessels), per_vessel)
    lat0 = np.repeat(rng.uniform(-60, 60, n_vessels), per_vessel)
    lon0 = np.repeat(rng.uniform(-180, 180, n_vessels), per_vessel)
    nm = sog * hours
    lat = lat0 + nm * np.cos(np.radians(cog)) / 60.0
    lon = lon0 + nm * np.sin(np.radians(cog)) / 60.0 / np.cos(np.radians(lat0))
    shared = (mmsi % 20 == 0) & (np.arange(mmsi.size) % 2 == 1)
    lat = np.where(shared, lat + 0.45, lat)
    glitch = rng.random(mmsi.size) < 0.01
    lat = np.where(glitch, lat + rng.uniform(-5, 5, mmsi.size), lat)
    frame = pl.DataFrame(
        {
            "mmsi": mmsi,
            "ts": (hours * 3.6e9).astype(np.int64) + 1_700_000_000_000_000,
            "lat": np.clip(lat, -89.9, 89.9),
            "lon": (lon + 180.0) % 360.0 - 180.0,
            "sog_kn": sog.astype(np.float32),
            "cog_deg": cog.astype(np.float32),
            "heading_deg": cog.astype(np.int16),
            "nav_status": np.zeros(mmsi.size, np.int8),
            "source": ["bench"] * mmsi.size,
            "msg_type": np.ones(mmsi.size, np.int8),
        }
    )
    return frame.cast(schema.polars_schema(schema.POSITIONS))


def best_of(runs: int, fn: Callable[[], object]) -> tuple[float, float]:
    """Fastest wall time and fastest process CPU time of ``runs`` calls of ``fn``.

    CPU time is the fairer figure on a shared machine for the single-threaded kernel.
    """
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


def main(n_vessels: int = 1000, per_vessel: int = 1000) -> None:
    positions = synthetic(n_vessels, per_vessel).sample(fraction=1.0, shuffle=True, seed=1)
    n = positions.height
    params = seg.SegmentParams()
    seg.segment(positions.head(5000), params)  # warm the numba cache
    whole = best_of(3, lambda: seg.segment(positions, params))
    frame = seg._sorted(positions)
    rows = np.arange(n, dtype=np.int64)
    args = (
        seg._group_starts(frame["mmsi"].to_numpy()),
        seg._fix_array(frame, rows),
        seg._kind_array(frame, rows),
        params.kernel_config(),
        params.lookback,
        params.max_open_segments,
    )
    kernel = best_of(3, lambda: match_groups(*args))
    n_segs = seg.segment(positions, params)["seg_id"].n_unique()
    print(f"positions: {n:,}  segments: {n_segs:,}  cpus: {os.cpu_count()}")
    for label, (wall, cpu) in (("segment() end to end", whole), ("numba kernel alone", kernel)):
        verdict = "meets" if n / wall >= TARGET_PER_S else "below"
        print(f"{label:22} {n / wall:12,.0f} positions/s wall ({wall:.3f} s, {verdict} the "
              f"{TARGET_PER_S:,}/s target); {n / cpu:12,.0f} per CPU-second")  # fmt: skip


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
