"""Spark ingest against the local ingest on the same CSV (optional: needs pyspark, Java).

The input is the MarineCadastre-layout CSV of ``bench_ingest`` (5,000 vessels over 30
days). Each engine ingests it into an empty store in a child process: the local engine,
then Spark on ``local[1]`` and ``local[2]``. Printed: wall time with and without Spark
start-up, records/s without start-up, peak memory of the whole process tree (driver,
JVM and Python workers, sampled), and whether the ingest report equals the local one.

    python benchmarks/bench_spark_ingest.py --sizes 1000000,10000000
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import OUT, human, print_table, run_json_child
from bench_ingest import generated

ENGINES = [("local", None), ("spark", "local[1]"), ("spark", "local[2]")]

CHILD = """
import json, sys, time
t0 = time.perf_counter()
from darkfleet.store import Store
engine, master, root, path = sys.argv[1:5]
with Store(root, writable=True) as st:
    if engine == "local":
        from pathlib import Path
        from darkfleet.ingest import ingest
        t1 = time.perf_counter()
        report = ingest(st, [Path(path)])
    else:
        from darkfleet.engine._spark_session import spark_session
        from darkfleet.engine.spark_ingest import ingest_spark
        session = spark_session(master)
        t1 = time.perf_counter()
        report = ingest_spark(st, [path], session=session)
        session.stop()
t2 = time.perf_counter()
totals = {k: v for k, v in report.as_dict().items() if k != "files"}
print(json.dumps({"total": t2 - t0, "ingest": t2 - t1, "report": totals}))
"""


def run_child(engine: str, master: str | None, root: Path, path: Path) -> dict[str, Any]:
    """One engine's ingest in a child: timings, report totals and peak tree memory."""
    cmd = [sys.executable, "-c", CHILD, engine, master or "-", str(root), str(path)]
    return run_json_child(cmd, f"{engine} {master} on {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000000", help="comma-separated record counts")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        csv = generated("csv", OUT / f"mc_{human(n)}.csv", n)
        reference = None
        for engine, master in ENGINES:
            store = OUT / f"spark_ingest_store_{human(n)}"
            shutil.rmtree(store, ignore_errors=True)
            got = run_child(engine, master, store, csv)
            shutil.rmtree(store, ignore_errors=True)
            reference = got["report"] if reference is None else reference
            rows.append(_row(n, engine, master, got, got["report"] == reference))
            print(rows[-1], flush=True)
    header = ["records", "engine", "total s", "w/o start-up s", "records/s", "peak MiB"]
    print_table("ingest a MarineCadastre CSV (report equal to local?)", [*header, "same"], rows)


def _row(n: int, engine: str, master: str | None, got: dict[str, Any], same: bool) -> list[str]:
    return [
        human(n),
        engine if master is None else f"spark {master}",
        f"{got['total']:.1f}",
        f"{got['ingest']:.1f}",
        f"{n / got['ingest']:,.0f}",
        f"{got['peak_mib']:,.0f}",
        "yes" if same else "NO",
    ]


if __name__ == "__main__":
    main()
