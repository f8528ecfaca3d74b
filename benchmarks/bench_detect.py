"""All detectors end to end from the store, against baselines measured in the same run.

Positions come from the simulator (real ports, sea lanes, injected behaviour), repeated
week after week until the wanted size, and are written straight into a store. Then
``darkfleet detect`` runs in a child process (wall time and peak RSS), and two baselines
run on the same positions: a plain DuckDB SQL encounter join (10-minute last-fix bins,
grid join with neighbour cells, runs of at least 2 h) and MovingPandas'
``TrajectoryStopDetector`` for loitering (on a subset: it is slow). Goals on 2 cores:
at least 1M positions/s through all detectors; encounters within 2x of the DuckDB join;
loitering at least 100x MovingPandas; under 4 GiB at 10M positions; time growing no
faster than n log n.

    python benchmarks/bench_detect.py --sizes 1000000,10000000
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from _common import OUT, human, print_table, run_measured
from bench_encounters import duckdb_baseline
from bench_vessel_detectors import movingpandas_stops
from darkfleet import schema
from darkfleet.detect.encounters import EncounterParams, encounters
from darkfleet.detect.loitering import loitering
from darkfleet.detect.segment import segment
from darkfleet.simulate import ScenarioParams, simulate
from darkfleet.store import Store

DETECT = "from darkfleet.cli import main; main()"
BASE = ScenarioParams(seed=1, vessels=300, days=7.0)


def base_positions() -> pl.DataFrame:
    cache = OUT / "sim_base.parquet"
    if not cache.exists():
        OUT.mkdir(exist_ok=True)
        simulate(BASE).positions.write_parquet(cache)
    return pl.read_parquet(cache)


def replicated(base: pl.DataFrame, n: int) -> pl.DataFrame:
    """``base`` repeated week after week (same vessels, later weeks) to ``n`` rows."""
    copies = math.ceil(n / base.height)
    frames = [base.with_columns(pl.col("ts") + timedelta(days=7 * k)) for k in range(copies)]
    return pl.concat(frames).head(n)


def store_with(positions: pl.DataFrame, folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    with Store(folder, writable=True) as store:
        txn = store.transaction(f"{positions.height:064d}")
        step = 2_000_000
        for start in range(0, positions.height, step):
            txn.stage("positions", positions.slice(start, step).sort("mmsi", "ts"))
        txn.commit(
            {
                "path": "benchmark",
                "sha256": f"{positions.height:064d}",
                "format": "canonical",
                "read": positions.height,
            }
        )
    return folder


def best_of(run: object, repeat: int = 2) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best


def encounter_ratio(positions: pl.DataFrame) -> tuple[float, float]:
    segmented = segment(positions)
    ours = best_of(lambda: encounters(segmented, EncounterParams()))
    theirs = best_of(lambda: duckdb_baseline(positions))
    return ours, theirs


def loitering_ratio(positions: pl.DataFrame, vessels: int = 25) -> tuple[float, float, int]:
    keep = positions["mmsi"].unique().sort().head(vessels)
    subset = positions.filter(pl.col("mmsi").is_in(keep.implode()))
    segmented = segment(subset)
    ours = best_of(lambda: loitering(segmented))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = best_of(lambda: movingpandas_stops(subset), repeat=1)
    return ours, theirs, subset.height


def build_store(n: int, folder: Path) -> None:
    """Write the store in a child process: a child's peak RSS would count this one's."""
    code = (
        "import sys; sys.path.insert(0, 'benchmarks'); from pathlib import Path; "
        "import bench_detect as b; from darkfleet import schema; "
        "base = b.base_positions().select(schema.POSITIONS.names); "
        f"b.store_with(b.replicated(base, {n}), Path({str(folder)!r}))"
    )
    run_measured(code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000000,10000000")
    args = parser.parse_args()
    base_positions()
    rows, per_row = [], []
    for n in (int(s) for s in args.sizes.split(",")):
        folder = OUT / f"detect_store_{human(n)}"
        build_store(n, folder)
        run = run_measured(DETECT, "detect", "--store", str(folder), "--json")
        rate = n / run.seconds
        per_row.append((n, run.seconds))
        positions = Store(folder).read("positions")
        ours, duck = encounter_ratio(positions) if n <= 10_000_000 else (math.nan, math.nan)
        del positions
        rows.append(
            [
                human(n),
                f"{run.seconds:.1f}",
                f"{rate:,.0f}",
                f"{run.peak_mib:,.0f}",
                f"{ours:.2f}",
                f"{duck:.2f}",
                f"{ours / duck:.2f}x",
            ]
        )
        shutil.rmtree(folder, ignore_errors=True)
    print_table(
        "All detectors end to end from the store (darkfleet detect, child process)",
        [
            "positions",
            "seconds",
            "positions/s",
            "peak MiB",
            "encounters s",
            "DuckDB join s",
            "enc/DuckDB",
        ],
        rows,
    )
    if len(per_row) > 1:
        (n0, t0), (n1, t1) = per_row[0], per_row[-1]
        nlogn = (n1 * math.log(n1)) / (n0 * math.log(n0))
        print(f"  growth {n0:,} -> {n1:,}: time x{t1 / t0:.1f}, n log n x{nlogn:.1f}")
    try:
        ours, theirs, n = loitering_ratio(base_positions().select(schema.POSITIONS.names))
        print_table(
            "Loitering against MovingPandas TrajectoryStopDetector (25 vessels)",
            ["positions", "darkfleet s", "MovingPandas s", "speed-up"],
            [[f"{n:,}", f"{ours:.3f}", f"{theirs:.1f}", f"{theirs / ours:,.0f}x"]],
        )
    except ImportError as exc:
        print(f"  MovingPandas baseline skipped: {exc} (pip install '.[bench]')")


if __name__ == "__main__":
    main()
