"""The Spark engine against the local engine on the same store (optional: needs pyspark, Java).

Positions and static reports come from the simulator (300 vessels, 7 days, about 1.1M
positions), replicated until the wanted size: replica r is moved r weeks later and its
MMSIs are shifted within their MID, so replicas are new vessels that never meet each
other. Each engine runs ``detect`` on its own copy of the store in a child process:
Spark on ``local[1]`` and ``local[2]``. Printed: wall time with and without Spark
start-up (session start; for the local engine, imports), positions/s without start-up,
and the peak memory of the whole process tree (driver, JVM and Python workers), sampled.
The events of every run must have the same ids as the local engine's.

    python benchmarks/bench_spark.py --sizes 1000000,10000000
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from _common import OUT, human, print_table, run_json_child
from darkfleet import schema
from darkfleet.simulate import ScenarioParams, simulate
from darkfleet.store import Store

BASE = ScenarioParams(seed=1, vessels=300, days=7.0)


def base_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The simulated positions and static reports (cached in bench-output/)."""
    cached = OUT / "sim_base_spark_pos.parquet", OUT / "sim_base_spark_static.parquet"
    if not all(p.exists() for p in cached):
        OUT.mkdir(exist_ok=True)
        scenario = simulate(BASE)
        scenario.positions.write_parquet(cached[0])
        scenario.static.write_parquet(cached[1])
    return pl.read_parquet(cached[0]), pl.read_parquet(cached[1])


def replicated(frame: pl.DataFrame, replicas: int) -> pl.DataFrame:
    """``replicas`` copies, copy r moved r weeks on, MMSIs shifted within their MID."""
    copies = []
    for r in range(replicas):
        mid, rest = pl.col("mmsi") // 1_000_000, pl.col("mmsi") % 1_000_000
        copies.append(
            frame.with_columns(
                mmsi=mid * 1_000_000 + (rest + r * 1_009) % 1_000_000,
                ts=pl.col("ts") + timedelta(weeks=r),
            )
        )
    return pl.concat(copies)


def build_store(root: Path, n_positions: int) -> int:
    """A store of about ``n_positions`` positions (whole replicas, last one cut)."""
    positions, static = base_frames()
    replicas = -(-n_positions // positions.height)
    pos = replicated(positions, replicas).head(n_positions)
    shutil.rmtree(root, ignore_errors=True)
    with Store(root, writable=True) as st:
        txn = st.transaction("b" * 64)
        txn.stage("positions", pos.cast(schema.polars_schema(schema.POSITIONS)))
        txn.stage("static", replicated(static, replicas).cast(schema.polars_schema(schema.STATIC)))
        txn.commit({"path": "bench_spark", "sha256": "b" * 64})
    return pos.height


CHILD = """
import hashlib, json, sys, time
t0 = time.perf_counter()
from darkfleet.detect.pipeline import ALL_KINDS, DetectParams
from darkfleet.store import Store
engine, master, root = sys.argv[1], sys.argv[2], sys.argv[3]
with Store(root, writable=True) as st:
    if engine == "local":
        from darkfleet.engine.local import detect_store
        t1 = time.perf_counter()
        summary = detect_store(st, DetectParams(), ALL_KINDS)
    else:
        from darkfleet.engine._spark_session import spark_session
        from darkfleet.engine.spark import detect_store_spark
        session = spark_session(master)
        t1 = time.perf_counter()
        summary = detect_store_spark(st, DetectParams(), ALL_KINDS, session=session)
        session.stop()
t2 = time.perf_counter()
ids = sorted(Store(root).read("events")["event_id"])
print(json.dumps({"total": t2 - t0, "detect": t2 - t1, "events": summary["events"],
                  "digest": hashlib.sha256("".join(ids).encode()).hexdigest()}))
"""


def run_child(engine: str, master: str | None, root: Path) -> dict[str, Any]:
    """Run one engine on ``root`` in a child; its timings, events and peak tree memory."""
    cmd = [sys.executable, "-c", CHILD, engine, master or "-", str(root)]
    return run_json_child(cmd, f"{engine} {master} on {root}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000000", help="comma-separated position counts")
    parser.add_argument(
        "--masters",
        default="local[1],local[2]",
        help="comma-separated Spark masters to run after the local engine",
    )
    args = parser.parse_args()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        source = OUT / f"spark_store_{human(size)}"
        n = build_store(source, size)
        reference = None
        engines = [("local", None), *(("spark", m) for m in args.masters.split(","))]
        for engine, master in engines:
            copy = OUT / f"spark_store_{human(size)}_run"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(source, copy)
            got = run_child(engine, master, copy)
            reference = got["digest"] if reference is None else reference
            same = "yes" if got["digest"] == reference else "NO"
            rows.append(_row(n, engine, master, got, same))
            shutil.rmtree(copy, ignore_errors=True)
            print(rows[-1], flush=True)
    header = ["positions", "engine", "total s", "w/o start-up s", "positions/s", "peak MiB"]
    print_table("detect, all kinds (same event ids as local?)", [*header, "events", "same"], rows)


def _row(n: int, engine: str, master: str | None, got: dict[str, Any], same: str) -> list[str]:
    return [
        human(n),
        engine if master is None else f"spark {master}",
        f"{got['total']:.1f}",
        f"{got['detect']:.1f}",
        f"{n / got['detect']:,.0f}",
        f"{got['peak_mib']:,.0f}",
        str(int(got["events"])),
        same,
    ]


if __name__ == "__main__":
    main()
