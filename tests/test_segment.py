"""Segmenter and shared-MMSI detector on one-line synthetic tracks."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.detect.segment import SegmentParams, segment
from darkfleet.detect.shared import shared_mmsi_events
from darkfleet.errors import ConfigError

T0 = datetime(2024, 1, 1, tzinfo=UTC)
PARAMS = SegmentParams()


def track(
    mmsi: int,
    lat: float,
    lon: float,
    n: int = 30,
    *,
    sog: float = 10.0,
    cog: float = 90.0,
    every_min: float = 10.0,
    start_h: float = 0.0,
    msg_type: int = 1,
) -> list[dict[str, object]]:
    """``n`` fixes of a ship holding course ``cog`` at ``sog`` knots from (lat, lon)."""
    rows = []
    for i in range(n):
        hours = start_h + i * every_min / 60.0
        nm = sog * i * every_min / 60.0
        dlat = nm * math.cos(math.radians(cog)) / 60.0
        dlon = nm * math.sin(math.radians(cog)) / 60.0 / math.cos(math.radians(lat))
        rows.append(
            fix(mmsi, hours, lat + dlat, (lon + dlon + 180) % 360 - 180, sog, cog, msg_type)
        )
    return rows


def fix(
    mmsi: int,
    hours: float,
    lat: float | None,
    lon: float | None,
    sog: float = 10.0,
    cog: float = 90.0,
    msg_type: int = 1,
) -> dict[str, object]:
    return {
        "mmsi": mmsi,
        "ts": T0 + timedelta(hours=hours),
        "lat": lat,
        "lon": lon,
        "sog_kn": sog,
        "cog_deg": cog,
        "heading_deg": int(cog),
        "nav_status": 0,
        "source": "test",
        "msg_type": msg_type,
    }


def frame(*rows: list[dict[str, object]]) -> pl.DataFrame:
    """Canonical positions frame of the given rows (any order)."""
    flat = [r for part in rows for r in part]
    return pl.DataFrame(flat, schema=schema.polars_schema(schema.POSITIONS))


def seg_sizes(out: pl.DataFrame) -> list[int]:
    return sorted(out.filter(pl.col("seg_id").is_not_null())["seg_id"].value_counts()["count"])


def interleave(a: list[dict[str, object]], b: list[dict[str, object]]) -> list[dict[str, object]]:
    """Two ships on one MMSI, b's reports shifted 5 min after a's."""
    shifted = [{**r, "ts": r["ts"] + timedelta(minutes=5)} for r in b]  # type: ignore[operator]
    return a + shifted


def test_two_ships_sharing_one_mmsi_make_two_segments_and_one_event() -> None:
    out = segment(frame(interleave(track(1, 10.0, 100.0, 40), track(1, 10.9, 100.0, 40))))
    assert seg_sizes(out) == [40, 40]
    events = shared_mmsi_events(out, PARAMS)
    assert events.height == 1
    assert events.schema == schema.polars_schema(schema.EVENTS)
    event = events.row(0, named=True)
    assert event["kind"] == "shared_mmsi" and event["mmsi"] == 1 and event["other_mmsi"] is None
    assert event["start"] == T0 + timedelta(minutes=5)
    assert event["end"] == T0 + timedelta(minutes=39 * 10)
    details = json.loads(event["details"])
    assert details["positions"] == [40, 40] and details["positions_in_overlap"] == [39, 39]
    assert len(details["seg_ids"]) == 2
    assert 99 < details["max_distance_km"] < 102
    assert details["implied_speed_kn"] > PARAMS.max_speed_kn


def test_single_glitch_does_not_break_the_track() -> None:
    rows = track(2, 50.0, 0.0, 30)
    rows[15] = {**rows[15], "lat": 52.0}
    out = segment(frame(rows))
    assert seg_sizes(out) == [1, 29]
    track_ids = out.filter(pl.col("lat") < 51)["seg_id"]
    assert track_ids.n_unique() == 1
    assert shared_mmsi_events(out, PARAMS).is_empty()


def test_gap_longer_than_max_gap_starts_a_new_segment_without_event() -> None:
    out = segment(frame(track(3, 0.0, 0.0, 20), track(3, 0.0, 1.01, 20, start_h=30.0)))
    assert seg_sizes(out) == [20, 20]
    assert out["seg_id"].unique(maintain_order=True).to_list() == [
        "3-20240101T000000Z",
        "3-20240102T060000Z",
    ]
    assert shared_mmsi_events(out, PARAMS).is_empty()


def test_antimeridian_crossing_is_one_segment() -> None:
    out = segment(frame(track(4, 60.0, 179.8, 30, sog=12.0)))
    assert out["lon"].min() < 0 < out["lon"].max()  # type: ignore[operator]
    assert seg_sizes(out) == [30]


def test_rows_without_position_get_null_seg_id() -> None:
    rows = [*track(5, 0.0, 0.0, 10), fix(5, 0.25, None, None)]
    out = segment(frame(rows))
    assert out.height == 11
    assert out.filter(pl.col("lat").is_null())["seg_id"].to_list() == [None]
    assert seg_sizes(out) == [10]


def test_identical_duplicates_join_their_original() -> None:
    rows = track(6, 0.0, 0.0, 10)
    out = segment(frame(rows, rows[3:6], [{**rows[8], "ts": rows[8]["ts"] + timedelta(hours=2)}]))  # type: ignore[operator]
    assert seg_sizes(out) == [14]


def test_coarse_type27_report_near_track_is_noise() -> None:
    rows = track(7, 0.0, 0.0, 20)
    coarse = fix(7, 1.51, round(float(rows[9]["lat"]), 2), 0.3, msg_type=27)  # type: ignore[arg-type]
    out = segment(frame(rows, [coarse]))
    assert seg_sizes(out) == [1, 20]


def test_same_start_second_gets_suffix() -> None:
    a, b = track(8, 10.0, 100.0, 12), track(8, 11.0, 100.0, 12)
    out = segment(frame(a, b))
    assert sorted(out["seg_id"].unique()) == ["8-20240101T000000Z", "8-20240101T000000Z-2"]


def test_output_is_sorted_and_independent_of_row_order_and_other_vessels() -> None:
    rows = [*interleave(track(9, 10.0, 100.0, 30), track(9, 10.5, 100.0, 30)), *track(10, 0, 0, 25)]
    together = segment(frame(rows))
    assert together.select("mmsi", "ts").equals(together.select("mmsi", "ts").sort("mmsi", "ts"))
    shuffled = segment(frame(rows).sample(fraction=1.0, shuffle=True, seed=1))
    assert_frame_equal(together, shuffled)
    alone = pl.concat([segment(frame(rows).filter(pl.col("mmsi") == m)) for m in (9, 10)])
    assert_frame_equal(together, alone)


def test_extra_columns_are_carried_and_empty_input_works() -> None:
    out = segment(frame(track(11, 0, 0, 3)).with_columns(tag=pl.lit("x")))
    assert out.columns[-2:] == ["tag", "seg_id"]
    empty = segment(schema.empty(schema.POSITIONS))
    assert empty.height == 0 and empty.schema["seg_id"] == pl.Utf8
    assert shared_mmsi_events(empty, PARAMS).schema == schema.polars_schema(schema.EVENTS)


def test_event_id_is_deterministic() -> None:
    out = segment(frame(interleave(track(12, 10.0, 100.0, 40), track(12, 10.9, 100.0, 40))))
    first, again = shared_mmsi_events(out, PARAMS), shared_mmsi_events(out, PARAMS)
    assert first["event_id"].to_list() == again["event_id"].to_list()
    assert len(first["event_id"][0]) == 16


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_speed_kn", 0.0),
        ("max_gap_hours", -1.0),
        ("lookback", 0),
        ("hours_exp", 2.0),
        ("min_overlap_hours", float("nan")),
        ("max_open_segments", True),
    ],
)
def test_params_are_validated(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=field):
        SegmentParams(**{field: value})  # type: ignore[arg-type]
