"""Identity changes: named edge cases from one-line tracks, and real GFW regression tracks."""

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
from darkfleet.detect._ids import event_id
from darkfleet.detect._static import attach_segments
from darkfleet.detect.identity import IdentityParams, identity_changes
from darkfleet.detect.segment import segment
from darkfleet.errors import ConfigError
from darkfleet.places import Places
from darkfleet.schema import EVENTS, POSITIONS, STATIC, polars_schema

T0 = datetime(2024, 3, 1, tzinfo=UTC)
GPSDIO = Path(__file__).parent / "data" / "gpsdio_segment"
KM_PER_DEG = 6371.0 * math.pi / 180.0


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def track(
    mmsi: int, hours: float, lat: float = 30.0, lon: float = 124.0, seg: str = "",
    start_h: float = 0.0, every_min: float = 10.0, kn_east: float = 10.0,
) -> pl.DataFrame:  # fmt: skip
    """Fixes every ``every_min`` minutes from ``start_h`` for ``hours``, sailing east."""
    n = int(hours * 60 / every_min) + 1
    h = [start_h + i * every_min / 60 for i in range(n)]
    step = kn_east * 1.852 / (KM_PER_DEG * math.cos(math.radians(lat)))
    rows = {"mmsi": [mmsi] * n, "ts": [at(x) for x in h], "lat": [lat] * n,
            "lon": [lon + step * (x - start_h) for x in h], "sog_kn": [kn_east] * n}  # fmt: skip
    return _canonical(pl.DataFrame(rows), POSITIONS.names, polars_schema(POSITIONS)).with_columns(
        seg_id=pl.lit(seg or f"{mmsi}-1")
    )


def reports(mmsi: int, hours: Sequence[float], **values: Any) -> pl.DataFrame:
    """Static reports of one MMSI at ``hours`` carrying ``values`` (other columns null)."""
    rows = {"mmsi": [mmsi] * len(hours), "ts": [at(h) for h in hours]}
    rows |= {k: [v] * len(hours) for k, v in values.items()}
    return _canonical(pl.DataFrame(rows), STATIC.names, polars_schema(STATIC))


def _canonical(frame: pl.DataFrame, names: list[str], schema: pl.Schema) -> pl.DataFrame:
    cols = [
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(schema[c]).alias(c) for c in names
    ]
    return frame.select(cols)


def every(start: float, stop: float, step: float = 1.0) -> list[float]:
    return [start + i * step for i in range(int((stop - start) / step) + 1)]


def detect(positions: pl.DataFrame, static: pl.DataFrame, **kw: Any) -> pl.DataFrame:
    return identity_changes(positions, static, IdentityParams(**kw))


def details(events: pl.DataFrame) -> list[dict[str, Any]]:
    return [json.loads(d) for d in events["details"]]


def kinds(events: pl.DataFrame) -> list[str]:
    return [d["change_type"] for d in details(events)]


# -- schema and parameters ------------------------------------------------------------


def test_output_matches_events_schema_both_ways() -> None:
    positions = track(412000001, 48)
    static = pl.concat([reports(412000001, every(1, 20), name="OLD"),
                        reports(412000001, every(25, 45), name="NEW")])  # fmt: skip
    events = detect(positions, static)
    assert events.schema == polars_schema(EVENTS)
    assert events.to_arrow().schema.names == EVENTS.names
    empty = identity_changes(positions.head(0), static.head(0))
    assert empty.schema == polars_schema(EVENTS) and empty.height == 0


@pytest.mark.parametrize(
    "kw", [{"min_reports": 0}, {"min_stable_hours": -1.0}, {"attach_minutes": 0.0}]
)
def test_bad_params_raise_with_values(kw: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match=str(next(iter(kw.values())))):
        IdentityParams(**kw)


# -- names, call signs, ship types ----------------------------------------------------


def test_rename_mid_voyage_is_one_event() -> None:
    positions = track(412000001, 48)
    static = pl.concat([reports(412000001, every(1, 20), name="OLD NAME"),
                        reports(412000001, every(25, 45), name="NEW  name@@")])  # fmt: skip
    events = detect(positions, static)
    assert events.height == 1
    (d,) = details(events)
    assert (d["change_type"], d["old"], d["new"]) == ("name", "OLD NAME", "NEW NAME")
    assert (events["start"][0], events["end"][0]) == (at(20), at(25))
    assert d["old_reports"] == 20 and d["new_reports"] == 21 and d["seg_ids"] == ["412000001-1"]
    assert events["event_id"][0] == event_id("identity_change", 412000001, None, at(20))
    fix_at_25h = positions.filter(pl.col("ts") == at(25))
    assert events["lon"][0] == pytest.approx(fix_at_25h["lon"][0])
    assert d["distance_from_port_km"] is None and d["distance_from_shore_km"] is None


def test_one_garbled_name_is_not_a_change() -> None:
    static = pl.concat([reports(432967000, every(1, 20), name="KORYO MARU NO38"),
                        reports(432967000, [20.5], name="KORYO C@]"),
                        reports(432967000, every(21, 40), name="KORYO MARU NO38")])  # fmt: skip
    assert detect(track(432967000, 48), static).height == 0


def test_spacing_and_dots_are_not_a_rename() -> None:
    static = pl.concat([reports(416070900, every(1, 10), name="PEI YUH NO.6"),
                        reports(416070900, every(11, 20), name="PEI YUH NO6")])  # fmt: skip
    assert detect(track(416070900, 24), static).height == 0


def test_two_ships_on_one_mmsi_in_turn_are_not_a_rename() -> None:
    ship_b = track(567000000, 20, lat=12.0, lon=100.0, start_h=30, seg="567000000-b")
    positions = pl.concat([track(567000000, 20, seg="567000000-a"), ship_b])
    static = pl.concat([reports(567000000, every(1, 19), name="ALPHA"),
                        reports(567000000, every(31, 49), name="BRAVO")])  # fmt: skip
    assert detect(positions, static).height == 0


def test_two_ships_on_one_mmsi_at_once_are_not_a_rename() -> None:
    ship_b = track(567000000, 20, lat=12.0, lon=100.0, start_h=0.08, seg="567000000-b")
    positions = pl.concat([track(567000000, 20, seg="567000000-a"), ship_b])
    static = pl.concat([reports(567000000, every(1, 19), name="ALPHA"),
                        reports(567000000, every(1.5, 19.5), name="BRAVO")])  # fmt: skip
    assert detect(positions, static).height == 0


def test_name_and_callsign_in_one_message_make_one_event() -> None:
    static = pl.concat([reports(412000001, every(1, 10), name="A", callsign="BBAA"),
                        reports(412000001, every(12, 20), name="B", callsign="BBCC")])  # fmt: skip
    events = detect(track(412000001, 24), static)
    (d,) = details(events)
    assert d["change_type"] == "name"
    assert [(c["field"], c["old"], c["new"]) for c in d["also_changed"]] == [
        ("callsign", "BBAA", "BBCC")
    ]


def test_flip_flopping_names_count_once_with_lower_confidence() -> None:
    blocks = [("ALPHA", 1), ("BRAVO", 5), ("ALPHA", 9), ("BRAVO", 13)]
    static = pl.concat([reports(412000001, every(h, h + 3), name=n) for n, h in blocks])
    events = detect(track(412000001, 20), static)
    (d,) = details(events)
    assert (d["old"], d["new"], d["flip_flop"]) == ("ALPHA", "BRAVO", True)
    assert events["confidence"][0] == pytest.approx(0.5 * 4 / 5)


def test_ship_type_change_and_one_hour_rule() -> None:
    static = pl.concat([reports(412000001, [1.0, 2.5], ship_type=70),
                        reports(412000001, [5.0, 5.01], ship_type=80)])  # fmt: skip
    assert kinds(detect(track(412000001, 10), static)) == ["ship_type"]
    assert detect(track(412000001, 10), static, min_reports=3).height == 0


# -- IMO and MMSI ---------------------------------------------------------------------


def test_invalid_imo_is_a_point_event_and_valid_is_not() -> None:
    good = reports(412000001, every(1, 5), imo=9074729)
    bad = reports(412000002, every(1, 5), imo=9074728)
    positions = pl.concat([track(412000001, 6), track(412000002, 6)])
    events = detect(positions, pl.concat([good, bad]))
    assert events["mmsi"].to_list() == [412000002]
    (d,) = details(events)
    assert (d["change_type"], d["imo"], d["reports"]) == ("invalid_imo", 9074728, 5)
    assert events["start"][0] == events["end"][0] == at(1)


def test_imo_moving_to_another_flag_names_both_mmsis() -> None:
    positions = pl.concat([track(273000001, 12), track(445000001, 12, start_h=20)])
    static = pl.concat([reports(273000001, every(1, 10), imo=9074729),
                        reports(445000001, every(21, 30), imo=9074729)])  # fmt: skip
    events = detect(positions, static)
    assert (events["mmsi"][0], events["other_mmsi"][0]) == (445000001, 273000001)
    (d,) = details(events)
    assert (d["change_type"], d["old_flag"], d["new_flag"]) == ("flag_for_imo", "RU", "KP")
    assert (events["start"][0], events["end"][0]) == (at(10), at(21))


def test_imo_moving_within_one_flag() -> None:
    positions = pl.concat([track(273000001, 12), track(273000002, 12, start_h=20)])
    static = pl.concat([reports(273000001, every(1, 10), imo=9074729),
                        reports(273000002, every(21, 30), imo=9074729)])  # fmt: skip
    assert kinds(detect(positions, static)) == ["mmsi_for_imo"]


@pytest.mark.parametrize("mmsi", [100000001, 999000001, 123456789])
def test_unallocated_mid_is_a_point_event(mmsi: int) -> None:
    events = detect(track(mmsi, 2), reports(mmsi, [], name="X"))
    assert kinds(events) == ["unallocated_mid"]
    assert events["start"][0] == events["end"][0] == at(0)
    assert events["lat"][0] == pytest.approx(30.0)


def test_allocated_mid_445_is_not_flagged() -> None:
    assert detect(track(445000001, 2), reports(445000001, [], name="X")).height == 0


# -- attaching static reports ---------------------------------------------------------


def test_attach_leaves_far_reports_unattached() -> None:
    attached = attach_segments(reports(412000001, [1.0, 30.0]), track(412000001, 2))
    assert attached["seg_id"].to_list() == ["412000001-1", None]
    assert attached.columns[: len(STATIC.names)] == STATIC.names


def test_distances_from_places() -> None:
    static = pl.concat([reports(412000001, every(1, 10), name="A"),
                        reports(412000001, every(12, 20), name="B")])  # fmt: skip
    events = identity_changes(track(412000001, 24), static, IdentityParams(), Places.bundled())
    (d,) = details(events)
    assert d["distance_from_port_km"] > 10.0 and d["distance_from_shore_km"] > 0.0


# -- real tracks (GFW gpsdio-segment regression data) ---------------------------------


def real(mmsi: int) -> pl.DataFrame:
    positions, static = darkfleet.read_ais(GPSDIO / f"regr_{mmsi}.jsonl.gz")
    return identity_changes(segment(positions), static)


def test_real_koryo_garbled_name_gives_nothing() -> None:
    assert real(432967000).height == 0


def test_real_perfect_has_a_stable_identity() -> None:
    assert real(636019687).height == 0


def test_real_567000000_many_boats_on_one_mmsi() -> None:
    found = details(real(567000000))
    names = {"B D C 2", "DAVYJONELOCKER", "HIGHSEATOUR 9", "KENG2", "KENG6", "PHURIDECH 11",
             "PLT 102", "RADAR3 TEST", "SOR.BANTHAI 19"}  # fmt: skip
    renames = [d for d in found if d["change_type"] == "name"]
    # The segmenter chains several small boats into one segment: identity shows it as
    # renames between the boats' names (each new name counted once per segment).
    assert renames and all({d["old"], d["new"]} <= names for d in renames)
    assert all(len(d["seg_ids"]) == 1 for d in renames)


def test_real_placeholder_imo_123456789_is_invalid() -> None:
    found = details(real(666000001))
    assert {"change_type": "invalid_imo", "imo": 123456789} in [
        {k: d[k] for k in ("change_type", "imo")} for d in found if "imo" in d
    ]


def test_real_unallocated_mid_200() -> None:
    assert kinds(real(200000010)) == ["unallocated_mid"]
