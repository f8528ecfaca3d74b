"""Conformance: darkfleet's encounter stages reproduce GFW pipe-encounters' own fixtures.

The fixtures (tests/data/gfw_encounters, Apache-2.0, (c) Global Fishing Watch) use the
upstream test parameters: resample without extrapolation, max gap 70 min, adjacency
1 km, encounter 0.5 km, runs >= 30 min; the merged cases merge within 24 h.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from darkfleet.detect.encounters import (
    EncounterParams,
    merge_encounters,
    raw_encounters,
    resample,
)

FIXTURES = Path(__file__).parent / "data" / "gfw_encounters" / "gfw_pipe_encounters_fixtures.json"
DATA: dict[str, Any] = json.loads(FIXTURES.read_text())
ABS, REL = DATA["tolerance"]["fp_abs_tol"], DATA["tolerance"]["fp_rel_tol"]

RAW_FIELDS = {
    "vessel_1_seg_id": "seg_id",
    "vessel_2_seg_id": "other_seg_id",
    "start_time": "start",
    "end_time": "end",
    "mean_latitude": "lat",
    "mean_longitude": "lon",
    "median_distance_km": "median_distance_km",
    "median_speed_knots": "median_speed_kn",
    "vessel_1_point_count": "point_count",
    "vessel_2_point_count": "other_point_count",
    "start_lat": "start_lat",
    "start_lon": "start_lon",
    "end_lat": "end_lat",
    "end_lon": "end_lon",
}
MERGED_FIELDS = {
    **{k: v for k, v in RAW_FIELDS.items() if "seg_id" not in k},
    "vessel_1_id": "mmsi",
    "vessel_2_id": "other_mmsi",
    "vessel_1_seg_ids": "seg_ids",
    "vessel_2_seg_ids": "other_seg_ids",
}


def upstream_params(case_name: str) -> EncounterParams:
    return EncounterParams(
        max_adjacency_dist_km=1.0,
        max_encounter_dist_km=0.5,
        max_tracked_distances=1 if "max_tracked_distances=1" in case_name else 100,
        min_raw_minutes=30.0,
        max_gap_hours=4200 / 3600,
        merge_gap_hours=24.0,
    )


def series(name: str) -> pl.DataFrame:
    rows = DATA["series"][name]
    return pl.DataFrame(
        {
            "mmsi": [int(r["id"]) for r in rows],
            "seg_id": [r["id"] for r in rows],
            "ts": [parse_time(r["timestamp"]) for r in rows],
            "lat": [float(r["lat"]) for r in rows],
            "lon": [float(r["lon"]) for r in rows],
            "sog_kn": [float(r["speed"]) for r in rows],
            "cog_deg": [float(r["course"]) for r in rows],
        },
        schema_overrides={
            "ts": pl.Datetime("us", "UTC"),
            "sog_kn": pl.Float32,
            "cog_deg": pl.Float32,
        },
    )


def parse_time(value: str | float) -> datetime:
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return datetime.fromtimestamp(value, tz=UTC)


def normalised(row: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    out = {ours: row[theirs] for theirs, ours in fields.items()}
    for key in ("start", "end"):
        out[key] = parse_time(out[key])
    for key in ("mmsi", "other_mmsi"):
        if key in out:
            out[key] = int(out[key])
    return out


def assert_rows_match(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    def order(row: dict[str, Any]) -> tuple[str, ...]:
        return tuple(str(row.get(k)) for k in ("seg_id", "other_seg_id", "mmsi", "start"))

    assert len(got) == len(expected)
    for mine, theirs in zip(sorted(got, key=order), sorted(expected, key=order), strict=True):
        for key, want in theirs.items():
            have = mine[key]
            if isinstance(want, float):
                assert math.isclose(have, want, rel_tol=REL, abs_tol=ABS), (key, have, want)
            else:
                assert have == want, (key, have, want)


CASES = sorted(DATA["cases"])


@pytest.mark.parametrize("name", CASES)
def test_gfw_case(name: str) -> None:
    case = DATA["cases"][name]
    params = upstream_params(name)
    raw = raw_encounters(resample(series(case["input"]), params, extrapolate=False), params)
    merged = case["stage"] == "merged"
    got = merge_encounters(raw, params) if merged else raw
    fields = MERGED_FIELDS if merged else RAW_FIELDS
    expected = [normalised(row, fields) for row in case["expected_output"]]
    assert_rows_match(got.select(fields.values()).to_dicts(), expected)


def test_gfw_resample_case() -> None:
    case = DATA["resample_case"]
    rows = case["input"]
    positions = pl.DataFrame(
        {
            "mmsi": [1] * len(rows),
            "seg_id": ["a"] * len(rows),
            "ts": [parse_time(r["timestamp"]) for r in rows],
            "lat": [float(r["lat"]) for r in rows],
            "lon": [float(r["lon"]) for r in rows],
            "sog_kn": [float(r["speed"]) for r in rows],
            "cog_deg": [float(r["course"]) for r in rows],
        },
        schema_overrides={"ts": pl.Datetime("us", "UTC")},
    )
    params = EncounterParams(max_gap_hours=case["params"]["max_gap_s"] / 3600)
    got = resample(positions, params, extrapolate=case["params"]["extrapolate"])
    fields = {
        "timestamp": "ts",
        "lat": "lat",
        "lon": "lon",
        "point_density": "point_density",
        "speed": "speed_kn",
    }
    expected = [
        {ours: r[theirs] for theirs, ours in fields.items()} for r in case["expected_output"]
    ]
    for row in expected:
        row["ts"] = parse_time(row["ts"])
    assert len(got) == len(expected)
    for mine, theirs in zip(got.to_dicts(), expected, strict=True):
        for key, want in theirs.items():
            if isinstance(want, datetime):
                assert mine[key] == want
            else:
                assert math.isclose(mine[key], float(want), rel_tol=REL, abs_tol=ABS), (
                    key,
                    mine,
                    want,
                )
