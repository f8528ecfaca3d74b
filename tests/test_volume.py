"""Volume estimates: TPC by hand, interval ordering, the US 2018 scenario method, transfers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from darkfleet.assess.volume import (
    US_2018_LOAD_FRACTIONS,
    VolumeParams,
    barrels,
    capacity_estimate,
    draught_estimate,
    implied_capacity_bbl,
    scenario_bbl,
    tonnes_per_cm,
    tonnes_per_cm_from_dwt,
    transfer_volumes,
    vessel_dimensions,
)
from darkfleet.detect._ids import event_id
from darkfleet.errors import ConfigError
from darkfleet.schema import EVENTS, STATIC, polars_schema

T0 = datetime(2024, 3, 2, 10, tzinfo=UTC)
TANKER = (0.75, 0.80, 0.85)
REFERENCE = {  # /work/shared/data/conformance/reference_values.json, dprk_refined_petroleum_2018
    "cap_bbl_per_year": 500000,
    "dprk_tanker_port_calls": 89,
    "at_90pct_laden_bbl": 1367628,
    "implied_total_listed_capacity_bbl": 1519586.67,
    "one_third_bbl": 506528.89,
    "half_bbl": 759793.33,
}


def event(
    kind: str, mmsi: int, other: int | None, start: datetime, hours: float, **info: Any
) -> dict[str, Any]:
    return {
        "event_id": event_id(kind, mmsi, other, start),
        "kind": kind,
        "mmsi": mmsi,
        "other_mmsi": other,
        "start": start,
        "end": start + timedelta(hours=hours),
        "duration_h": hours,
        "lat": 38.0,
        "lon": 124.0,
        "confidence": 0.9,
        "details": json.dumps(info),
    }


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=polars_schema(EVENTS))


def dims(*rows: tuple[int, float | None, float | None, float | None, int | None]) -> pl.DataFrame:
    schema = {
        "mmsi": pl.Int64,
        "length_m": pl.Float64,
        "beam_m": pl.Float64,
        "draught_max_m": pl.Float64,
        "ship_type": pl.Int64,
    }
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def test_hand_computed_tanker_180_by_32_cb_080_plus_2_m() -> None:
    # Cw = (1 + 2 × 0.8) / 3 = 0.866667; TPC = 1.025 × 180 × 32 × 0.866667 / 100 = 51.168 t/cm
    assert tonnes_per_cm(180.0, 32.0, 0.80) == pytest.approx(51.168)
    # 2.0 m = 200 cm → 10,233.6 t; diesel 0.845 t/m³ → 12,110.77 m³ × 6.2898 = 76,174.3 bbl
    found = draught_estimate(2.0, 180.0, 32.0, TANKER)
    assert found is not None
    assert found.mid_t == pytest.approx(10_233.6)
    assert found.mid_bbl == pytest.approx(10_233.6 / 0.845 * 6.2898)
    assert found.mid_bbl == pytest.approx(76_174.3, abs=0.1)
    # low: Cb 0.75 (Cw 0.8333) and fuel oil 0.96; high: Cb 0.85 (Cw 0.9) and gasoline 0.745
    assert found.low_t == pytest.approx(1.025 * 180 * 32 * (2.5 / 3) / 100 * 200)
    assert found.low_bbl == pytest.approx(9_840.0 / 0.96 * 6.2898)
    assert found.high_bbl == pytest.approx(1.025 * 180 * 32 * 0.9 * 2 / 0.745 * 6.2898)
    assert found.method == "draught"


def test_discharge_counts_as_much_as_loading() -> None:
    up, down = (
        draught_estimate(2.0, 180.0, 32.0, TANKER),
        draught_estimate(-2.0, 180.0, 32.0, TANKER),
    )
    assert up is not None and down is not None
    assert up.mid_bbl == down.mid_bbl


@pytest.mark.parametrize("length", [60.0, 100.0, 180.0, 245.0, 330.0])
@pytest.mark.parametrize("beam", [None, 12.0, 44.0])
def test_interval_is_ordered(length: float, beam: float | None) -> None:
    for estimate in (
        draught_estimate(1.3, length, beam, TANKER),
        draught_estimate(1.3, None, None, TANKER, deadweight_t=40_000.0),
        capacity_estimate(length, beam, 6.5, (0.65, 0.70, 0.75)),
        capacity_estimate(None, None, None, TANKER, deadweight_t=5_000.0),
    ):
        assert estimate is not None
        assert 0 < estimate.low_bbl <= estimate.mid_bbl <= estimate.high_bbl
        assert 0 < estimate.low_t <= estimate.mid_t <= estimate.high_t


def test_missing_beam_is_assumed_and_said() -> None:
    found = draught_estimate(1.0, 120.0, None, TANKER)
    assert found is not None and "beam assumed L/6" in found.evidence[0]
    assert found.mid_t == pytest.approx(tonnes_per_cm(120.0, 20.0, 0.80) * 100)


def test_nothing_known_gives_no_estimate() -> None:
    assert draught_estimate(1.0, None, None, TANKER) is None
    assert capacity_estimate(100.0, 16.0, None, TANKER) is None


def test_tpc_from_deadweight_matches_published_classes() -> None:
    assert tonnes_per_cm_from_dwt(43_500) == pytest.approx(51.2, abs=0.5)  # MR
    assert tonnes_per_cm_from_dwt(110_000) == pytest.approx(95, abs=3)  # Aframax
    assert tonnes_per_cm_from_dwt(300_000) == pytest.approx(186, abs=6)  # VLCC


def test_barrels_by_density() -> None:
    assert barrels(845.0, 0.845) == pytest.approx(6289.8)


def test_us_2018_scenarios_reproduce_reference_values() -> None:
    third, half, laden = US_2018_LOAD_FRACTIONS
    capacity = implied_capacity_bbl(REFERENCE["at_90pct_laden_bbl"], laden)
    assert capacity == pytest.approx(REFERENCE["implied_total_listed_capacity_bbl"], abs=0.01)
    assert scenario_bbl(capacity, laden) == pytest.approx(1_367_628)
    assert scenario_bbl(capacity, third) == pytest.approx(REFERENCE["one_third_bbl"], abs=0.01)
    assert scenario_bbl(capacity, third) > REFERENCE["cap_bbl_per_year"]
    assert scenario_bbl(capacity, half) == pytest.approx(REFERENCE["half_bbl"], abs=0.01)
    per_delivery = [capacity / REFERENCE["dprk_tanker_port_calls"]] * 89
    assert scenario_bbl(per_delivery, laden) == pytest.approx(1_367_628)


def test_transfer_uses_draught_change_within_12_h() -> None:
    meet = event("encounter", 412000001, 445000001, T0, 4.0)
    change = event(
        "draught_change",
        445000001,
        None,
        T0 + timedelta(hours=5),
        0.5,
        draught_before_m=4.0,
        draught_after_m=6.0,
        length_m=100.0,
    )
    table = transfer_volumes(frame(meet, change), dims((445000001, 100.0, 16.0, 6.5, 80)))
    row = table.row(0, named=True)
    assert row["method"] == "draught"
    assert row["mid_t"] == pytest.approx(tonnes_per_cm(100.0, 16.0, 0.80) * 200)
    assert "445000001 draught 4 → 6 m" in row["evidence"][0]


def test_transfer_without_draught_evidence_falls_back_to_capacity() -> None:
    meet = event("dark_rendezvous", 412000001, 445000001, T0, 6.0)
    late = event(
        "draught_change",
        445000001,
        None,
        T0 + timedelta(hours=30),
        0.5,
        draught_before_m=4.0,
        draught_after_m=6.0,
    )
    sizes = dims((445000001, 100.0, 16.0, 6.5, 80), (412000001, 180.0, 32.0, 11.5, 80))
    row = transfer_volumes(frame(meet, late), sizes).row(0, named=True)
    assert row["method"] == "capacity"
    capacity = 0.8 * 1.025 * 100.0 * 16.0 * 6.5 * 0.80  # the smaller vessel, Cb mid
    assert row["mid_t"] == pytest.approx(capacity / 2)
    assert "no draught evidence" in row["evidence"][0]


def test_transfer_with_unknown_vessels_is_listed_without_volume() -> None:
    row = transfer_volumes(frame(event("encounter", 1, 2, T0, 3.0)), dims()).row(0, named=True)
    assert row["method"] is None and row["mid_bbl"] is None
    assert row["evidence"] == ["no draught evidence and no dimensions"]


def test_vessel_dimensions_ignore_zero_meaning_unknown() -> None:
    static = pl.DataFrame(
        {
            "mmsi": [1, 1, 1],
            "ts": [T0, T0, T0],
            "length_m": [0.0, 100.0, 102.0],
            "beam_m": [16.0, 0.0, 16.0],
            "draught_m": [4.0, 6.5, 0.0],
            "ship_type": [0, 80, 80],
        }
    ).cast(
        {
            k: v
            for k, v in polars_schema(STATIC).items()
            if k in ("mmsi", "length_m", "beam_m", "draught_m", "ship_type")
        }
    )
    row = vessel_dimensions(static).row(0, named=True)
    assert (row["length_m"], row["beam_m"], row["draught_max_m"], row["ship_type"]) == (
        101.0,
        16.0,
        6.5,
        80,
    )


def test_params_validate() -> None:
    with pytest.raises(ConfigError, match="tanker_cb"):
        VolumeParams(tanker_cb=(0.9, 0.8, 0.85))
    with pytest.raises(ConfigError, match="densities"):
        VolumeParams(densities_t_m3=(0.7, 0.845, 0.96))
    with pytest.raises(ConfigError, match="window_h"):
        VolumeParams(window_h=0.0)


def test_both_vessels_with_evidence_give_the_smaller_estimate() -> None:
    meet = event("encounter", 412000001, 445000001, T0, 4.0)
    gain = event(
        "draught_change",
        445000001,
        None,
        T0 + timedelta(hours=2),
        0.5,
        draught_before_m=4.0,
        draught_after_m=5.0,
    )
    loss = event(
        "draught_change",
        412000001,
        None,
        T0 + timedelta(hours=3),
        0.5,
        draught_before_m=11.0,
        draught_after_m=8.0,
    )
    sizes = dims((445000001, 100.0, 16.0, 6.5, 80), (412000001, 180.0, 32.0, 11.5, 80))
    row = transfer_volumes(frame(meet, gain, loss), sizes).row(0, named=True)
    assert row["mid_t"] == pytest.approx(tonnes_per_cm(100.0, 16.0, 0.80) * 100)
    assert row["evidence"][0].startswith("445000001 draught 4 → 5 m")
    assert row["evidence"][1].startswith("not used (larger): 412000001 draught 11 → 8 m")
