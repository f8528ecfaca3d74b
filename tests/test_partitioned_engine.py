"""The local engine gives the same events whether it holds the data at once or in buckets."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet import Store, ingest
from darkfleet.demo import sample_files
from darkfleet.detect.pipeline import DetectParams
from darkfleet.engine.local import detect_store
from darkfleet.simulate import ScenarioParams, simulate, write_scenario

KINDS = DetectParams.kinds()


def events_both_ways(store_dir: Path, rows_per_bucket: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    with Store(store_dir, writable=True) as store:
        whole = detect_store(store, DetectParams(), KINDS)
        in_memory = store.read("events").sort("event_id")
        buckets = detect_store(store, DetectParams(), KINDS, rows_per_bucket=rows_per_bucket)
        partitioned = store.read("events").sort("event_id")
    assert whole["positions"] == buckets["positions"] and whole["vessels"] == buckets["vessels"]
    return in_memory, partitioned


@pytest.mark.parametrize("seed", [4, 19])
def test_buckets_give_the_events_of_one_pass(seed: int, tmp_path: Path) -> None:
    files = write_scenario(simulate(ScenarioParams(seed=seed, vessels=50, days=4)), tmp_path)
    with Store(tmp_path / "store", writable=True) as store:
        ingest(store, [files["nmea"]])
    in_memory, partitioned = events_both_ways(tmp_path / "store", rows_per_bucket=25_000)
    assert in_memory.height > 50
    assert set(in_memory["kind"]) >= {"encounter", "loitering", "gap", "dark_rendezvous"}
    assert_frame_equal(partitioned, in_memory)


def test_buckets_on_real_samples(tmp_path: Path) -> None:
    with Store(tmp_path / "store", writable=True) as store:
        ingest(store, sample_files())
    in_memory, partitioned = events_both_ways(tmp_path / "store", rows_per_bucket=3_000)
    assert in_memory.height > 0
    assert_frame_equal(partitioned, in_memory)
