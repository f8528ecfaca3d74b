"""Draught changes at sea: named edge cases from one-line tracks."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import darkfleet
from darkfleet.detect.draught import DraughtParams, draught_changes, threshold_m
from darkfleet.detect.segment import segment
from darkfleet.errors import ConfigError
from darkfleet.places import Places
from darkfleet.schema import EVENTS, POSITIONS, STATIC, polars_schema

T0 = datetime(2024, 3, 1, tzinfo=UTC)
KM_PER_DEG = 6371.0 * math.pi / 180.0
AT_SEA = (30.0, 124.0)  # East China Sea, > 100 km from any port
NAMPO = (38.68, 125.33)  # North Korea's main west-coast port


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def track(
    mmsi: int, hours: float, where: tuple[float, float] = AT_SEA, kn_east: float = 0.0
) -> pl.DataFrame:
    """A fix every 10 minutes for ``hours``, sailing east at ``kn_east``."""
    n, (lat, lon) = int(hours * 6) + 1, where
    step = kn_east * 1.852 / (KM_PER_DEG * math.cos(math.radians(lat))) / 6
    rows = {"mmsi": [mmsi] * n, "ts": [at(i / 6) for i in range(n)], "lat": [lat] * n,
            "lon": [lon + step * i for i in range(n)], "sog_kn": [kn_east] * n}  # fmt: skip
    return _canonical(pl.DataFrame(rows), POSITIONS.names, polars_schema(POSITIONS)).with_columns(
        seg_id=pl.lit(f"{mmsi}-1")
    )


def reports(mmsi: int, hours: Sequence[float], **values: Any) -> pl.DataFrame:
    rows = {"mmsi": [mmsi] * len(hours), "ts": [at(h) for h in hours]}
    rows |= {k: [v] * len(hours) for k, v in values.items()}
    return _canonical(pl.DataFrame(rows), STATIC.names, polars_schema(STATIC))


def _canonical(frame: pl.DataFrame, names: list[str], schema: pl.Schema) -> pl.DataFrame:
    return frame.select(
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(schema[c]).alias(c) for c in names
    )


def loading(mmsi: int, before: float, after: float, length: float | None = 180.0) -> pl.DataFrame:
    """Draught ``before`` reported at hours 1-5, ``after`` at hours 9-13."""
    return pl.concat([
        reports(mmsi, [1, 2, 3, 4, 5], draught_m=before, length_m=length, ship_type=80),
        reports(mmsi, [9, 10, 11, 12, 13], draught_m=after, length_m=length, ship_type=80),
    ])  # fmt: skip


@pytest.fixture(scope="module")
def places() -> Places:
    return Places.bundled()


def details(events: pl.DataFrame) -> list[dict[str, Any]]:
    return [json.loads(d) for d in events["details"]]


def test_loading_2_1_m_at_sea_on_a_180_m_tanker(places: Places) -> None:
    events = draught_changes(track(412000001, 14), loading(412000001, 8.0, 10.1), places=places)
    assert events.schema == polars_schema(EVENTS)
    assert events.to_arrow().schema.names == EVENTS.names
    (d,) = details(events)
    assert (d["draught_before_m"], d["draught_after_m"], d["delta_m"]) == (8.0, 10.1, 2.1)
    assert (d["length_m"], d["threshold_m"], d["hours_between"]) == (180.0, 1.5, 4.0)
    assert (events["start"][0], events["end"][0]) == (at(5), at(9))
    assert d["distance_from_port_km"] > 10.0 and d["distance_from_shore_km"] > 0.0
    assert d["seg_ids"] == ["412000001-1"] and 0.5 < events["confidence"][0] < 1.0


def test_0_8_m_is_not_a_change(places: Places) -> None:
    assert (
        draught_changes(track(412000001, 14), loading(412000001, 8.0, 8.8), places=places).height
        == 0
    )


def test_3_m_in_port_is_not_a_change(places: Places) -> None:
    positions, static = track(445000001, 14, NAMPO), loading(445000001, 4.0, 7.0)
    assert draught_changes(positions, static, places=places).height == 0
    assert draught_changes(positions, static).height == 1  # no places: nothing is "in port"


def test_discharge_counts_too() -> None:
    (d,) = details(draught_changes(track(412000001, 14), loading(412000001, 10.1, 8.0)))
    assert d["delta_m"] == -2.1 and d["distance_from_port_km"] is None


def test_one_odd_report_is_not_a_change() -> None:
    static = pl.concat([loading(412000001, 8.0, 8.0), reports(412000001, [7.0], draught_m=12.0)])
    assert draught_changes(track(412000001, 14), static).height == 0


def test_distance_travelled_between_reports() -> None:
    events = draught_changes(track(412000001, 14, kn_east=10.0), loading(412000001, 8.0, 10.1))
    (d,) = details(events)
    assert d["distance_travelled_km"] == pytest.approx(4 * 10 * 1.852, rel=1e-3)


@pytest.mark.parametrize(
    ("length", "expected"),
    [(None, 1.0), (0.0, 1.0), (99.0, 1.0), (149.9, 1.0), (150.0, 1.5), (180.0, 1.5),
     (250.0, 2.0), (274.0, 2.0), (330.0, 3.0)],
)  # fmt: skip
def test_size_dependent_threshold(length: float | None, expected: float) -> None:
    assert threshold_m(length) == expected


def test_unknown_length_uses_1_m() -> None:
    static = loading(412000001, 8.0, 9.2, length=None)
    (d,) = details(draught_changes(track(412000001, 14), static))
    assert d["length_m"] is None and d["threshold_m"] == 1.0


def test_vlcc_needs_3_m() -> None:
    assert draught_changes(track(412000001, 14), loading(412000001, 10.0, 12.5, 330.0)).height == 0


@pytest.mark.parametrize(
    "kw", [{"thresholds_m": (1.0,)}, {"length_bins_m": (250.0, 150.0, 320.0)}, {"min_reports": 0}]
)
def test_bad_params_raise(kw: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="DraughtParams"):
        DraughtParams(**kw)


def test_real_perfect_reports_no_draught() -> None:
    path = Path(__file__).parent / "data" / "gpsdio_segment" / "regr_636019687.jsonl.gz"
    positions, static = darkfleet.read_ais(path)
    assert static["draught_m"].null_count() == static.height  # GFW's export drops draught
    assert draught_changes(segment(positions), static).height == 0
