"""The store: idempotent ingest, cross-file dedupe, locking and crash safety."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from darkfleet import Store, StoreError, ingest

NOAA = Path(__file__).parent / "data" / "marinecadastre" / "noaa_20230111_sample.csv"
INGEST = "from darkfleet.cli import main; main()"


def big_csv(path: Path, rows: int, seed: int = 3) -> Path:
    """A MarineCadastre-style CSV of ``rows`` positions of 200 vessels over two days."""
    rng = np.random.default_rng(seed)
    mmsi = rng.integers(200_000_000, 700_000_000, 200)[rng.integers(0, 200, rows)]
    seconds = np.sort(rng.integers(0, 2 * 86_400, rows))
    ts = (np.datetime64("2024-03-01T00:00:00") + seconds.astype("timedelta64[s]")).astype(str)
    pl.DataFrame(
        {
            "MMSI": mmsi,
            "BaseDateTime": ts,
            "LAT": np.round(rng.uniform(30, 40, rows), 5),
            "LON": np.round(rng.uniform(120, 130, rows), 5),
            "SOG": np.round(rng.uniform(0, 15, rows), 1),
            "COG": np.round(rng.uniform(0, 359, rows), 1),
            "Heading": rng.integers(0, 360, rows),
        }
    ).write_csv(path)
    return path


def ingest_paths(store_dir: Path, *paths: Path) -> dict[str, object]:
    with Store(store_dir, writable=True) as store:
        return ingest(store, list(paths)).as_dict()


def test_reingest_changes_nothing(store_dir: Path) -> None:
    first = ingest_paths(store_dir, NOAA)
    before = Store(store_dir).info()
    again = ingest_paths(store_dir, NOAA)
    assert Store(store_dir).info() == before
    f = again["files"][0]  # type: ignore[index]
    assert f["already_ingested"] and f["duplicates"] == f["read"] == first["read"]


def test_same_positions_from_two_files_are_stored_once(tmp_path: Path) -> None:
    copy = tmp_path / "copy.csv"
    copy.write_text(NOAA.read_text() + "\n")  # other bytes, same records
    report = ingest_paths(tmp_path / "s", NOAA, copy)
    second = report["files"][1]  # type: ignore[index]
    assert second["duplicates"] == 998 and second["accepted"] == 0
    assert Store(tmp_path / "s").info().positions == 998


def test_duplicates_within_one_file(write_file, store_dir: Path) -> None:  # type: ignore[no-untyped-def]
    lines = NOAA.read_text().splitlines()
    path = write_file("dups.csv", "\n".join([lines[0], lines[1], lines[1], lines[2]]) + "\n")
    f = ingest_paths(store_dir, path)["files"][0]  # type: ignore[index]
    assert (f["read"], f["accepted"], f["duplicates"]) == (3, 2, 1)


def test_second_writer_is_refused(store_dir: Path) -> None:
    with Store(store_dir, writable=True), pytest.raises(StoreError, match="locked"):
        Store(store_dir, writable=True)


def test_uncommitted_staging_is_rolled_back(store_dir: Path) -> None:
    ingest_paths(store_dir, NOAA)
    before = Store(store_dir).info()
    with Store(store_dir, writable=True) as store:
        txn = store.transaction("f" * 64)
        txn.stage("positions", store.read("positions").head(10))
    with Store(store_dir, writable=True):
        pass
    assert Store(store_dir).info() == before
    assert not any((store_dir / ".staging").iterdir())


def test_committed_transaction_is_completed_after_a_crash(tmp_path: Path) -> None:
    ingest_paths(tmp_path / "clean", NOAA)
    store_dir = tmp_path / "crashed"
    ingest_paths(store_dir, NOAA)
    sha = next((store_dir / "ledger").glob("*.json")).stem
    # Rebuild the state right after the commit record was written: parts still staged.
    staging = store_dir / ".staging" / sha
    staging.mkdir(parents=True)
    ledger = json.loads((store_dir / "ledger" / f"{sha}.json").read_text())
    moves = []
    for part in sorted(store_dir.glob("*/day=*/*.parquet")) + sorted(store_dir.glob("rejects/*")):
        rel = part.relative_to(store_dir)
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(part, staging / rel)
        moves.append(str(rel))
    (store_dir / "ledger" / f"{sha}.json").unlink()
    (staging / "COMMIT").write_text(json.dumps({"moves": moves, "ledger": ledger}))
    with Store(store_dir, writable=True):
        pass
    assert Store(store_dir).info() == Store(tmp_path / "clean").info()
    assert (store_dir / "ledger" / f"{sha}.json").is_file()


def test_kill_9_during_ingest_then_rerun_equals_clean_ingest(tmp_path: Path) -> None:
    files = [big_csv(tmp_path / f"part{i}.csv", 150_000, seed=i) for i in range(3)]
    clean = tmp_path / "clean"
    ingest_paths(clean, *files)
    crashed = tmp_path / "crashed"
    cmd = [
        sys.executable,
        "-c",
        INGEST,
        "ingest",
        "--store",
        str(crashed),
        "--json",
        *map(str, files),
    ]
    rng = random.Random(7)
    for _ in range(3):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 3.0))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert Store(crashed).info() == Store(clean).info()
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    totals = json.loads(again.stdout)
    assert totals["accepted"] == 0 and totals["duplicates"] == totals["read"] == 450_000
    assert Store(crashed).info() == Store(clean).info()


def test_full_disk_is_one_clear_error_and_leaves_the_store_unchanged(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    ingest_paths(store_dir, NOAA)
    before = Store(store_dir).info()
    big = big_csv(tmp_path / "big.csv", 200_000)
    limit = (
        "import resource, signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        "resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000)); "
    )
    cmd = [sys.executable, "-c", limit + INGEST, "ingest", "--store", str(store_dir), str(big)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 3, done.stderr
    assert done.stderr.count("\n") == 1 and "disk full" in done.stderr
    assert "Traceback" not in done.stderr
    assert Store(store_dir).info() == before


def test_catalog_views_are_queryable_by_duckdb(store_dir: Path) -> None:
    import duckdb

    ingest_paths(store_dir, NOAA)
    with duckdb.connect(str(store_dir / "catalog.duckdb"), read_only=True) as con:
        row = con.execute("SELECT count(*), count(DISTINCT mmsi) FROM positions").fetchone()
    assert row == (998, 998)
