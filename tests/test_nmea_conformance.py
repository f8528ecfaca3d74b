"""The NMEA reader against other decoders' expected outputs (gpsd, libais, pyais)."""

from __future__ import annotations

import gzip
import io
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pyais import decode as pyais_decode

from darkfleet.ingest._nmea import read_nmea

NMEA = Path(__file__).parent / "data" / "nmea"
SOMETIME = datetime(2020, 1, 1, tzinfo=UTC)
POSITION_TYPES = {1, 2, 3, 18, 19, 27}
STATIC_TYPES = {5, 19, 24}


def decode(data: bytes) -> tuple[pl.DataFrame, pl.DataFrame]:
    batches = list(read_nmea(io.BytesIO(data), "test", assume_time=SOMETIME))
    return (
        pl.concat([b.positions for b in batches]),
        pl.concat([b.static for b in batches]),
    )


def close(ours: Any, theirs: Any, tol: float) -> bool:
    if ours is None or theirs is None:
        return ours is None and theirs is None
    if isinstance(theirs, str):
        return bool(ours == theirs)
    return math.isclose(float(ours), float(theirs), abs_tol=tol)


def na(value: Any, sentinel: float) -> Any:
    """``None`` where an expected value is AIS's "not available"."""
    if value is None or value == "n/a":
        return None
    return None if float(value) >= sentinel else value


def gpsd_position(msg: dict[str, Any]) -> dict[str, Any]:
    """Expected position columns from one gpsd JSON object (scaled or raw)."""
    kind = msg["type"]
    scaled = msg.get("scaled", True)
    per_degree = 1 if scaled else (600 if kind == 27 else 600_000)
    speed_unit = 1 if scaled or kind == 27 else 10
    course_unit = 1 if scaled or kind == 27 else 10
    lat, lon = msg["lat"] / per_degree, msg["lon"] / per_degree
    out = {
        "lat": None if math.isclose(lat, 91) else lat,
        "lon": None if math.isclose(lon, 181) else lon,
        "sog_kn": na(msg.get("speed"), 102.25 if kind != 27 else 63) and msg["speed"] / speed_unit,
        "cog_deg": na(msg.get("course"), 360 * course_unit) and msg["course"] / course_unit,
    }
    if msg.get("speed") == 0:
        out["sog_kn"] = 0.0
    if msg.get("course") == 0:
        out["cog_deg"] = 0.0
    if kind != 27:
        out["heading_deg"] = na(msg.get("heading"), 360)
    if "status" in msg:
        out["nav_status"] = msg["status"]
    return out


def gpsd_static(msg: dict[str, Any]) -> dict[str, Any]:
    """Expected static columns present in one gpsd JSON object."""
    out: dict[str, Any] = {}
    for key, col in [
        ("shipname", "name"),
        ("callsign", "callsign"),
        ("destination", "destination"),
    ]:
        if key in msg:
            out[col] = msg[key].strip("@ ").strip() or None
    if "shiptype" in msg:
        out["ship_type"] = msg["shiptype"] or None
    if "to_bow" in msg:
        out["length_m"] = (msg["to_bow"] + msg["to_stern"]) or None
        out["beam_m"] = (msg["to_port"] + msg["to_starboard"]) or None
    if "draught" in msg:
        out["draught_m"] = msg["draught"] / (1 if msg.get("scaled", True) else 10) or None
    if "imo" in msg:
        out["imo"] = int(msg["imo"]) or None
    return out


def matches(frame: pl.DataFrame, msg: dict[str, Any], expected: dict[str, Any]) -> bool:
    rows = frame.filter((pl.col("mmsi") == msg["mmsi"]) & (pl.col("msg_type") == msg["type"]))
    for row in rows.iter_rows(named=True):
        if all(
            close(row[c], v, 1e-4 if c in ("lat", "lon") else 0.051) for c, v in expected.items()
        ):
            return True
    return False


def check(messages: list[dict[str, Any]], data: bytes) -> tuple[int, list[dict[str, Any]]]:
    """Messages of the decoded types that our output reproduces; the misses."""
    positions, static = decode(data)
    static = static.join(positions.select("mmsi", "msg_type").unique(), on="mmsi", how="left")
    static = static.with_columns(pl.col("msg_type").fill_null(-1))
    checked, misses = 0, []
    for msg in messages:
        kind = msg.get("type")
        if impossible(msg):
            continue  # rejected as bad_value, by design
        if kind in POSITION_TYPES and "lat" in msg:
            checked += 1
            if not matches(positions, msg, gpsd_position(msg)):
                misses.append(msg)
        if kind in STATIC_TYPES and gpsd_static(msg):
            checked += 1
            if not matches_static(static, msg):
                misses.append(msg)
    return checked, misses


def impossible(msg: dict[str, Any]) -> bool:
    """Key fields darkfleet rejects: an MMSI that is not 9 digits, a position off the globe."""
    if not 100_000_000 <= msg["mmsi"] <= 999_999_999:
        return True
    if "lat" not in msg:
        return False
    where = gpsd_position(msg)
    return abs(where["lat"] or 0) > 90 or abs(where["lon"] or 0) > 180


def matches_static(static: pl.DataFrame, msg: dict[str, Any]) -> bool:
    """Type 24 parts A (name) and B (the rest) are separate rows; gpsd merges them."""
    expected = gpsd_static(msg)
    parts = [expected]
    if msg["type"] == 24:
        parts = [{k: v for k, v in expected.items() if (k == "name") == is_a} for is_a in (1, 0)]
    rows = list(static.filter(pl.col("mmsi") == msg["mmsi"]).iter_rows(named=True))
    return all(
        any(all(close(row[c], v, 0.051) for c, v in part.items()) for row in rows)
        for part in parts
        if part
    )


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


GPSD_CASES = [
    ("gpsd/sample.aivdm", "gpsd/sample.aivdm.js.chk"),
    ("gpsd/ais-18-27.log", "gpsd/ais-18-27.log.chk"),
    ("gpsd/ais-raw-messages.log", "gpsd/ais-raw-messages.log.chk"),
    ("gpsd/ais-nmea.log", "gpsd/ais-nmea.log.chk.gz"),
]


@pytest.mark.parametrize(("log", "chk"), GPSD_CASES)
def test_gpsd_expected_outputs(log: str, chk: str) -> None:
    raw = (NMEA / chk).read_bytes()
    text = (gzip.decompress(raw) if chk.endswith(".gz") else raw).decode()
    checked, misses = check(
        [m for m in json_lines(text) if m.get("class") == "AIS"], (NMEA / log).read_bytes()
    )
    assert checked > 0
    assert misses == [], f"{len(misses)} of {checked} differ, first: {misses[:2]}"


@pytest.mark.parametrize("name", ["typeexamples", "tagblock"])
def test_libais_expected_outputs(name: str) -> None:
    text = (NMEA / "libais" / f"{name}.json").read_text()
    checked, misses = check(json_lines(text), (NMEA / "libais" / f"{name}.nmea").read_bytes())
    assert checked > 0
    assert misses == []


def test_libais_tagblock_times_and_sources() -> None:
    data = (NMEA / "libais" / "tagblock.nmea").read_bytes()
    batches = list(read_nmea(io.BytesIO(data), "tb"))
    positions = pl.concat([b.positions for b in batches]).sort("ts")
    static = pl.concat([b.static for b in batches])
    assert positions["ts"].dt.to_string("%Y-%m-%dT%H:%M:%S").to_list() == [
        "2014-12-10T00:32:41",
        "2014-12-10T00:35:22",
        "2014-12-10T00:41:53",
    ]
    assert static.row(0, named=True)["ts"] == datetime(2014, 12, 10, 0, 0, 1, tzinfo=UTC)
    assert static["records"].to_list() == [2]
    assert set(positions["source"].cast(pl.String)) == {"rORBCOMM104", "rORBCOMM007"}


def test_uscg_trailing_epoch_is_the_one_libais_uses() -> None:
    """libais reads the first epoch after the station field (1325394060, not ...001)."""
    line = (NMEA / "libais" / "typeexamples.nmea").read_bytes().splitlines()[1]
    positions = pl.concat([b.positions for b in read_nmea(io.BytesIO(line), "t")])
    assert positions["ts"].to_list() == [datetime.fromtimestamp(1325394060, UTC)]


REFERENCE = json.loads((NMEA / "conformance" / "reference_values.json").read_text())
PYAIS_KEYS = {
    "mmsi": "mmsi", "lat": "lat", "lon": "lon", "speed": "sog_kn", "course": "cog_deg",
    "heading": "heading_deg", "status": "nav_status", "shipname": "name",
    "callsign": "callsign", "imo": "imo", "shiptype": "ship_type", "draught": "draught_m",
    "destination": "destination",
}  # fmt: skip


def pyais_cases() -> list[dict[str, Any]]:
    cases = REFERENCE["ais_decode_vectors"]["cases"]
    return [c for c in cases if pyais_decode(*c["nmea"]).msg_type in POSITION_TYPES | STATIC_TYPES]


@pytest.mark.parametrize("case", pyais_cases(), ids=lambda c: c["nmea"][0][:30])
def test_pyais_reference_vectors(case: dict[str, Any]) -> None:
    positions, static = decode("\n".join(case["nmea"]).encode())
    row = (positions if positions.height else static).row(0, named=True)
    if static.height:
        row |= static.row(0, named=True)
    expect = case.get("expect", {}) | case.get("expect_rounded_4dp", {})
    for key, col in PYAIS_KEYS.items():
        if key in expect and col in row:
            want = expect[key]
            want = want.strip("@ ") or None if isinstance(want, str) else want
            want = None if col == "heading_deg" and want == 511 else want
            assert close(row[col], want, 1e-4), (key, row[col], want)
    if "to_bow" in expect:
        assert row["length_m"] == expect["to_bow"] + expect["to_stern"]
        assert row["beam_m"] == expect["to_port"] + expect["to_starboard"]


def test_sample_agrees_with_pyais() -> None:
    """Every decodable type 1/2/3/18 line of pyais's sample decodes as pyais does."""
    lines = (NMEA / "pyais" / "nmea_data_sample.txt").read_bytes().splitlines()
    compared = 0
    for line in lines:
        try:
            msg = pyais_decode(line)
        except Exception:  # pyais rejects what we reject too
            continue
        if msg.msg_type not in (1, 2, 3, 18) or len(line) < 40:
            continue
        positions, _ = decode(line)
        if positions.height == 0:
            continue
        row = positions.row(0, named=True)
        assert row["mmsi"] == msg.mmsi
        assert close(row["lat"], None if msg.lat == 91 else msg.lat, 1e-5)
        assert close(row["lon"], None if msg.lon == 181 else msg.lon, 1e-5)
        assert close(row["sog_kn"], None if msg.speed >= 102.3 else msg.speed, 0.01)
        compared += 1
    assert compared > 500
