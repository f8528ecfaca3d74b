"""Run every benchmark and print its figures next to its baseline (``make bench``).

Each benchmark prints its own table; sizes can be lowered for a quick look:

    python benchmarks/run.py --quick
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent

FULL = [
    ("ingest: CSV and NMEA into the store", ["bench_ingest.py", "--sizes", "1000000,10000000"]),
    ("NMEA decoding against pyais", ["bench_nmea.py", "--lines", "1000000"]),
    ("segmentation", ["bench_segment.py"]),
    ("encounters against a DuckDB join", ["bench_encounters.py", "--positions", "1000000"]),
    ("loitering, gaps, rendezvous", ["bench_vessel_detectors.py"]),
    ("all detectors from the store", ["bench_detect.py", "--sizes", "1000000,10000000"]),
    ("accuracy on simulated scenarios", ["bench_accuracy.py"]),
]
QUICK = [
    ("ingest: CSV and NMEA into the store", ["bench_ingest.py", "--sizes", "1000000"]),
    ("all detectors from the store", ["bench_detect.py", "--sizes", "1000000"]),
    ("accuracy on simulated scenarios", ["bench_accuracy.py", "--quick"]),
]
OPTIONAL = [
    ("Spark engine against the local engine", "bench_spark.py"),
    ("Spark ingest against the local ingest", "bench_spark_ingest.py"),
    ("watch mode throughput and memory", "bench_watch.py"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer scenarios")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    plan += [(title, [script]) for title, script in OPTIONAL if (HERE / script).exists()]
    failed = []
    for title, command in plan:
        print(f"\n=== {title} ===", flush=True)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / command[0]), *command[1:]])
        print(f"({time.perf_counter() - t0:.0f} s)", flush=True)
        if done.returncode:
            failed.append(title)
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
