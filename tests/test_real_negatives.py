"""Real-data negatives: the full detection pipeline stays quiet where nothing happened."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from darkfleet import read_ais
from darkfleet.detect.pipeline import DetectParams, detect
from darkfleet.places import Places

DATA = Path(__file__).parent / "data" / "gpsdio_segment"


def events_of(*names: str) -> pl.DataFrame:
    frames = [read_ais(DATA / f"regr_{name}.jsonl.gz") for name in names]
    positions = pl.concat([p for p, _ in frames])
    static = pl.concat([s for _, s in frames])
    return detect(positions, static, DetectParams(), Places.bundled())


@pytest.fixture(scope="module")
def kaohsiung() -> pl.DataFrame:
    return events_of("416070900", "416241500")


def test_vessels_moored_side_by_side_in_port_do_not_meet(kaohsiung: pl.DataFrame) -> None:
    # Two fishing vessels moored together in Kaohsiung for a week: 177 ten-minute bins
    # within 0.5 km of each other, minimum 0.40 km. In port, so no encounter.
    assert kaohsiung.filter(pl.col("kind").is_in(["encounter", "dark_rendezvous"])).is_empty()
    assert kaohsiung.filter(pl.col("kind") == "loitering").is_empty()
    visits = kaohsiung.filter(pl.col("kind") == "port_visit")
    assert set(visits["mmsi"]) == {416070900, 416241500}


def test_crossing_the_antimeridian_raises_no_gap_jump_or_identity_event() -> None:
    events = events_of("477293900")  # CSCL SUMMER crosses 180 degrees on 2 January 2021
    crossing = events.filter(
        (pl.col("start") >= pl.datetime(2021, 1, 1, time_zone="UTC"))
        & (pl.col("start") < pl.datetime(2021, 1, 3, 12, time_zone="UTC"))
    )
    assert crossing.filter(
        pl.col("kind").is_in(["gap", "shared_mmsi", "identity_change"])
    ).is_empty(), crossing
    assert events.filter(pl.col("kind") == "shared_mmsi").is_empty()
