"""Encounter detection speed against a plain DuckDB encounter join, in the same run.

Synthetic traffic: random walks of vessels over a 10 x 10 degree sea, one fix every
about three minutes, a tenth of the vessels shadowing a partner for four hours. The
baseline is the simplest SQL that does the same job: last fix per vessel per 10-minute
bin, a fixed lat/lon cell grid joined with its neighbour cells, haversine <= 0.5 km,
runs (gaps and islands) of at least 2 h. darkfleet does more (interpolation,
extrapolation, exact variable-width cells, run statistics, merging, events).

    .venv/bin/python benchmarks/bench_encounters.py --positions 1000000
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

import duckdb
import numpy as np
import polars as pl

from darkfleet.detect.encounters import (
    EncounterParams,
    encounters,
    merge_encounters,
    raw_encounters,
    resample,
)

KM_PER_DEG = 6371.0 * math.pi / 180.0
FIX_EVERY_S = 180.0
START = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())


def synthetic_positions(n_positions: int, seed: int = 7) -> pl.DataFrame:
    """Random walks over 30-40 N, 120-130 E; every tenth vessel shadows its neighbour."""
    rng = np.random.default_rng(seed)
    fixes = 500 if n_positions <= 2_000_000 else 1000
    vessels = max(n_positions // fixes, 2)
    t = (
        START
        + rng.uniform(0, 600, (vessels, 1))
        + np.cumsum(rng.uniform(0.5, 1.5, (vessels, fixes)) * FIX_EVERY_S, axis=1)
    )
    speed_kn = rng.choice([0.3, 8.0, 12.0], (vessels, 1)) * rng.uniform(0.8, 1.2, (vessels, fixes))
    heading = rng.uniform(0, 2 * np.pi, (vessels, 1)) + np.cumsum(
        rng.normal(0, 0.05, (vessels, fixes)), 1
    )
    step_km = speed_kn * 1.852 * np.diff(t, axis=1, prepend=t[:, :1]) / 3600.0
    lat = rng.uniform(30, 40, (vessels, 1)) + np.cumsum(step_km * np.cos(heading), 1) / KM_PER_DEG
    lon = (
        rng.uniform(120, 130, (vessels, 1))
        + np.cumsum(step_km * np.sin(heading) / np.cos(np.radians(lat)), 1) / KM_PER_DEG
    )
    _shadow(lat, lon, t, rng)
    return _frame(t, lat, lon, speed_kn)


def _shadow(lat: np.ndarray, lon: np.ndarray, t: np.ndarray, rng: np.random.Generator) -> None:
    """Every tenth vessel follows the next one 100-300 m away for four hours mid-track."""
    fixes = t.shape[1]
    window = slice(fixes // 3, fixes // 3 + int(4 * 3600 / FIX_EVERY_S))
    for v in range(0, lat.shape[0] - 1, 10):
        lat[v, window] = lat[v + 1, window] + rng.uniform(0.001, 0.0025)
        lon[v, window] = lon[v + 1, window]


def _frame(t: np.ndarray, lat: np.ndarray, lon: np.ndarray, speed: np.ndarray) -> pl.DataFrame:
    vessels, fixes = t.shape
    mmsi = np.repeat(np.arange(vessels, dtype=np.int64) + 412_000_000, fixes)
    return pl.DataFrame(
        {
            "mmsi": mmsi,
            "ts": pl.Series((t.ravel() * 1e6).astype(np.int64)).cast(pl.Datetime("us", "UTC")),
            "lat": lat.ravel(),
            "lon": lon.ravel(),
            "sog_kn": speed.ravel().astype(np.float32),
            "cog_deg": np.zeros(t.size, dtype=np.float32),
        }
    ).with_columns(seg_id=pl.col("mmsi").cast(pl.String))


BASELINE_SQL = """
WITH binned AS (
    SELECT mmsi, (epoch(ts) // 600)::BIGINT AS slot,
           arg_max(lat, ts) AS lat, arg_max(lon, ts) AS lon
    FROM positions GROUP BY mmsi, slot
), cells AS (
    SELECT *, floor(lat / $h)::BIGINT AS cy, floor(lon / $w)::BIGINT AS cx FROM binned
), probes AS (
    SELECT c.*, c.cy + dy AS ny, c.cx + dx AS nx
    FROM cells c, (VALUES (-1), (0), (1)) a(dy), (VALUES (-1), (0), (1)) b(dx)
), close AS (
    SELECT p.mmsi AS m1, q.mmsi AS m2, p.slot
    FROM probes p JOIN cells q ON p.slot = q.slot AND p.ny = q.cy AND p.nx = q.cx
    WHERE p.mmsi < q.mmsi
      AND 2 * 6371 * asin(sqrt(
            pow(sin(radians(q.lat - p.lat) / 2), 2)
            + cos(radians(p.lat)) * cos(radians(q.lat)) * pow(sin(radians(q.lon - p.lon) / 2), 2)
          )) <= 0.5
), islands AS (
    SELECT m1, m2, slot, slot - row_number() OVER (PARTITION BY m1, m2 ORDER BY slot) AS grp
    FROM close
)
SELECT m1, m2, min(slot) AS first_slot, max(slot) AS last_slot
FROM islands GROUP BY m1, m2, grp
HAVING (max(slot) - min(slot)) * 10 >= 120
"""


def duckdb_baseline(positions: pl.DataFrame) -> int:
    arrow = positions.select("mmsi", "ts", "lat", "lon").to_arrow()
    con = duckdb.connect()
    con.register("positions", arrow)
    h = 0.5 / KM_PER_DEG
    w = h / math.cos(math.radians(45.0))  # widest longitude cell needed over the region
    return len(con.execute(BASELINE_SQL, {"h": h, "w": w}).fetchall())


def timed(label: str, n: int, run: Callable[[], object], repeat: int = 3) -> float:
    """Best of ``repeat`` wall-clock runs (the machine may be shared)."""
    seconds = math.inf
    for _ in range(repeat):
        seconds = min(seconds, _once(run)[0])
    _report(label, n, seconds)
    return seconds


def _once(run: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def _report(label: str, n: int, seconds: float) -> None:
    print(f"  {label:<26} {seconds:7.2f} s  {n / seconds:12,.0f} positions/s")


def head_to_head(n: int, ours: Callable[[], object], base: Callable[[], object]) -> None:
    """Alternate the two (best of three each), so that load changes hit both alike."""
    best = [math.inf, math.inf]
    for _ in range(3):
        for k, run in enumerate((ours, base)):
            best[k] = min(best[k], _once(run)[0])
    _report("darkfleet encounters", n, best[0])
    _report("duckdb plain join", n, best[1])
    print(f"  ratio darkfleet / duckdb: {best[0] / best[1]:.2f} (goal <= 2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=1_000_000)
    args = parser.parse_args()
    params = EncounterParams()
    positions = synthetic_positions(args.positions)
    n = positions.height
    encounters(synthetic_positions(2000, seed=1), params)  # compile the numba kernels
    print(f"encounters on {n:,} synthetic positions ({positions['mmsi'].n_unique():,} vessels)")
    events = encounters(positions, params).height
    print(f"  events: darkfleet {events}, duckdb runs >= 2 h {duckdb_baseline(positions)}")
    head_to_head(n, lambda: encounters(positions, params), lambda: duckdb_baseline(positions))
    print("darkfleet stages:")
    timed("resample", n, lambda: resample(positions, params))
    samples = resample(positions, params)
    timed("neighbours + runs", n, lambda: raw_encounters(samples, params))
    raw = raw_encounters(samples, params)
    timed("merge", n, lambda: merge_encounters(raw, params))


if __name__ == "__main__":
    main()
