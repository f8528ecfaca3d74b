"""Vessel identities from AIS: history of reported values, dominant values, per segment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from darkfleet.schema import POSITIONS, STATIC, empty, polars_schema
from darkfleet.screen import (
    HISTORY,
    IDENTITIES,
    identity_history,
    segment_identities,
    vessel_identities,
)

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def static(*rows: dict[str, Any]) -> pl.DataFrame:
    """Static reports; each row gives ``mmsi``, ``h`` (hours after T0) and identity fields."""
    cols = polars_schema(STATIC)
    data = [{**dict.fromkeys(cols), **{k: v for k, v in r.items() if k != "h"}, "ts": at(r["h"])}
            for r in rows]  # fmt: skip
    return pl.DataFrame(data, schema=cols)


def positions(mmsi: int, hours: list[float], seg: str | None = None) -> pl.DataFrame:
    n = len(hours)
    frame = pl.DataFrame(
        {"mmsi": [mmsi] * n, "ts": [at(h) for h in hours], "lat": [30.0] * n, "lon": [124.0] * n},
    )
    frame = pl.concat([empty(POSITIONS), frame], how="diagonal_relaxed")
    return frame if seg is None else frame.with_columns(seg_id=pl.lit(seg))


def test_history_normalises_and_counts() -> None:
    reports = static(
        {"mmsi": 445000001, "h": 0, "name": "chon ma  san@@@", "imo": 8660313, "ship_type": 80},
        {"mmsi": 445000001, "h": 5, "name": "CHON MA SAN", "imo": 8660313, "callsign": "hm-ab"},
        {"mmsi": 445000001, "h": 9, "name": "NEW NAME", "imo": 0, "ship_type": 0},
    )
    history = identity_history(reports)
    assert history.schema == HISTORY
    rows = {(r["field"], r["value"]): r for r in history.to_dicts()}
    assert set(rows) == {
        ("name", "CHON MA SAN"),
        ("name", "NEW NAME"),
        ("imo", "8660313"),
        ("callsign", "HMAB"),
        ("ship_type", "80"),
    }  # IMO 0 and ship type 0 mean "not available"
    chon = rows[("name", "CHON MA SAN")]
    assert (chon["first_seen"], chon["last_seen"], chon["reports"]) == (at(0), at(5), 2)
    assert identity_history(empty(STATIC)).schema == HISTORY


def test_dominant_values_flag_and_counts() -> None:
    reports = static(
        {"mmsi": 445000001, "h": 0, "name": "OLD NAME", "imo": 8660313},
        {"mmsi": 445000001, "h": 1, "name": "OLD NAME"},
        {"mmsi": 445000001, "h": 2, "name": "NEW NAME", "imo": 8660314, "ship_type": 80},
        {"mmsi": 445000001, "h": 3, "name": "NEW NAME", "callsign": "HMAB"},
    )
    pos = positions(445000001, [0.5, 1.0, 4.0, 6.0])
    row = vessel_identities(pos, reports).row(0, named=True)
    # names tie on 2 reports each: the latest wins; IMOs tie on 1: the latest wins
    assert (row["name"], row["imo"], row["imo_valid"]) == ("NEW NAME", 8660314, False)
    assert (row["callsign"], row["ship_type"], row["flag"]) == ("HMAB", 80, "KP")
    assert (row["positions"], row["first_seen"], row["last_seen"]) == (4, at(0), at(6))
    assert (row["names_seen"], row["imos_seen"], row["callsigns_seen"]) == (2, 2, 1)
    assert row["segments"] is None  # positions without seg_id


def test_most_reported_value_wins() -> None:
    reports = static(
        *[{"mmsi": 412000001, "h": h, "name": "HAI XING"} for h in range(3)],
        {"mmsi": 412000001, "h": 9, "name": "SPOOF"},
    )
    identities = vessel_identities(empty(POSITIONS), reports)
    assert identities["name"].to_list() == ["HAI XING"] and identities["flag"][0] == "CN"


def test_every_mmsi_of_positions_or_static_once() -> None:
    reports = static({"mmsi": 636000001, "h": 1, "name": "ONLY STATIC"})
    pos = pl.concat([positions(412000001, [0, 1]), positions(100000001, [2])])
    identities = vessel_identities(pos, reports)
    assert identities.schema == IDENTITIES
    assert identities["mmsi"].to_list() == [100000001, 412000001, 636000001]
    assert identities["positions"].to_list() == [1, 2, 0]
    assert identities["flag"].to_list() == [None, "CN", "LR"]
    assert identities["name"].to_list() == [None, None, "ONLY STATIC"]


def test_lazy_positions_give_the_same_identities() -> None:
    reports = static({"mmsi": 412000001, "h": 1, "name": "A"})
    pos = positions(412000001, [0, 1, 2])
    assert_frame_equal(vessel_identities(pos.lazy(), reports), vessel_identities(pos, reports))


def test_segments_counted_and_identities_per_segment() -> None:
    """Two ships used MMSI 412000001: each segment keeps its own name."""
    pos = pl.concat(
        [positions(412000001, [0, 1, 2, 3], "a"), positions(412000001, [10, 11, 12], "b")]
    )
    reports = static(
        {"mmsi": 412000001, "h": 1.0, "name": "REAL SHIP"},
        {"mmsi": 412000001, "h": 11.0, "name": "CLONE"},
    )
    assert vessel_identities(pos, reports)["segments"].to_list() == [2]
    per_segment = segment_identities(pos, reports)
    assert per_segment.columns[:2] == ["mmsi", "seg_id"]
    assert per_segment.select("seg_id", "name", "positions").rows() == [
        ("a", "REAL SHIP", 4),
        ("b", "CLONE", 3),
    ]
