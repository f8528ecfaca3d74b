"""Ingest throughput and peak memory against baselines measured in the same run.

CSV: ``darkfleet ingest`` of a MarineCadastre file into a fresh store, against
``pandas.read_csv`` + ``to_parquet`` of the same file. NMEA: ``darkfleet ingest`` of a
tag-blocked NMEA file, against decoding line by line with pyais (on a sample of the
file, extrapolated, since pyais would take minutes). Goals (2 cores, 10M records): CSV
at least 1M rows/s end to end; NMEA at least 5x pyais; peak RSS under 2 GiB.

    python benchmarks/bench_ingest.py --sizes 1000000,10000000
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from _common import OUT, human, print_table, run_measured
from bench_nmea import generate

INGEST = "from darkfleet.cli import main; main()"
PANDAS = (
    "import sys, pandas as pd; "
    "pd.read_csv(sys.argv[1], parse_dates=['BaseDateTime']).to_parquet(sys.argv[2])"
)
PYAIS_SAMPLE = 200_000


def marinecadastre_csv(path: Path, rows: int, seed: int = 1) -> Path:
    """A MarineCadastre-layout CSV: 5,000 vessels moving over 30 days."""
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    vessel = rng.integers(0, 5000, rows)
    mmsi = (rng.integers(200_000_000, 775_000_000, 5000))[vessel]
    seconds = np.sort(rng.integers(0, 30 * 86_400, rows))
    ts = np.datetime64("2024-01-01T00:00:00") + seconds.astype("timedelta64[s]")
    frame = pl.DataFrame(
        {
            "MMSI": mmsi,
            "BaseDateTime": ts.astype("datetime64[us]"),
            "LAT": np.round(rng.uniform(20, 45, rows), 5),
            "LON": np.round(rng.uniform(110, 140, rows), 5),
            "SOG": np.round(rng.uniform(0, 20, rows), 1),
            "COG": np.round(rng.uniform(0, 359.9, rows), 1),
            "Heading": rng.integers(0, 360, rows),
            "VesselName": np.array([f"VESSEL {i}" for i in range(5000)])[vessel],
            "IMO": np.array([f"IMO{9000000 + i}" for i in range(5000)])[vessel],
            "CallSign": np.array([f"C{i:05d}" for i in range(5000)])[vessel],
            "VesselType": rng.integers(70, 90, 5000)[vessel],
            "Status": rng.integers(0, 9, rows),
            "Length": rng.integers(50, 330, 5000)[vessel],
            "Width": rng.integers(10, 60, 5000)[vessel],
            "Draft": np.round(rng.uniform(3, 20, 5000), 1)[vessel],
            "Cargo": rng.integers(70, 90, 5000)[vessel],
            "TransceiverClass": np.where(rng.random(5000) < 0.8, "A", "B")[vessel],
        }
    )
    frame.with_columns(pl.col("BaseDateTime").dt.strftime("%Y-%m-%dT%H:%M:%S")).write_csv(path)
    return path


def nmea_file(path: Path, lines: int) -> Path:
    if not path.exists():
        path.write_bytes(generate(lines))
    return path


def pyais_rate(path: Path) -> float:
    from pyais.stream import IterMessages

    with path.open("rb") as fh:
        sample = [next(fh) for _ in range(PYAIS_SAMPLE)]
    t0 = time.perf_counter()
    for message in IterMessages([line.split(b"\\")[-1].strip() for line in sample]):
        message.decode()
    return PYAIS_SAMPLE / (time.perf_counter() - t0)


def generated(kind: str, path: Path, n: int) -> Path:
    """Make a test file in a child process, so this process stays small: a child's peak
    RSS counts its parent's memory at fork time, which would inflate the figures."""
    if not path.exists():
        subprocess.run(
            [sys.executable, __file__, "--generate", kind, str(path), str(n)], check=True
        )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument(
        "--generate", nargs=3, metavar=("KIND", "PATH", "N"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.generate:
        kind, path, n = args.generate
        (marinecadastre_csv if kind == "csv" else nmea_file)(Path(path), int(n))
        return
    OUT.mkdir(exist_ok=True)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        csv = generated("csv", OUT / f"mc_{human(n)}.csv", n)
        nmea = generated("nmea", OUT / f"ais_{human(n)}.nmea", n)
        for label, path in (("CSV", csv), ("NMEA", nmea)):
            store = OUT / f"store_{label}_{human(n)}"
            shutil.rmtree(store, ignore_errors=True)
            ours = run_measured(INGEST, "ingest", "--store", str(store), "--json", str(path))
            shutil.rmtree(store, ignore_errors=True)
            if label == "CSV":
                base = run_measured(PANDAS, str(path), str(OUT / "pandas.parquet"))
                base_rate, base_name = n / base.seconds, "pandas read_csv+to_parquet"
            else:
                base_rate, base_name = pyais_rate(path), "pyais line by line"
            rows.append(
                [
                    label,
                    human(n),
                    f"{ours.seconds:.1f}",
                    f"{n / ours.seconds:,.0f}",
                    f"{ours.peak_mib:,.0f}",
                    base_name,
                    f"{base_rate:,.0f}",
                    f"{n / ours.seconds / base_rate:.1f}x",
                ]
            )
    print_table(
        "Ingest into the store (end to end, records/s)",
        [
            "input",
            "records",
            "seconds",
            "darkfleet/s",
            "peak MiB",
            "baseline",
            "baseline/s",
            "speed-up",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
