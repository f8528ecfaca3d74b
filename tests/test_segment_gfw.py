"""Conformance of ``segment`` with GFW gpsdio-segment on its own regression tracks.

The files in ``tests/data/gpsdio_segment`` (Apache-2.0, see SOURCE.md there) hold real
AIS messages of 53 MMSIs, each labelled ``expected`` with the segment the GFW
segmenter assigned. Agreement: for each expected segment, the darkfleet segment
holding most of its messages is its match, and a message agrees when it sits in that
match. Only position messages with a valid position and a non-null label count.
Purity is the same figure the other way round (each darkfleet segment matched to the
expected segment holding most of its messages); it catches over-merging, which
agreement alone would reward. Run with ``-s`` to see the table.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from conftest import report_summary
from darkfleet import schema
from darkfleet.detect.segment import SegmentParams, segment
from darkfleet.detect.shared import shared_mmsi_events

DATA = Path(__file__).parent / "data" / "gpsdio_segment"
FILES = sorted(DATA.glob("regr_*.jsonl.gz"))
POSITION_TYPES = {"AIS.1", "AIS.2", "AIS.3", "AIS.18", "AIS.19", "AIS.27"}
BARE_NAN = re.compile(r"\bNaN\b")
OVERALL_TARGET = 0.95
PER_FILE_FLOOR = 0.80


def load_messages(path: Path) -> list[dict[str, Any]]:
    """Messages of one regression file; upstream writes bare ``NaN`` tokens."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(BARE_NAN.sub("null", line)) for line in fh if line.strip()]


def _num(value: Any, upper: float) -> float | None:
    return None if value is None or not 0 <= value < upper else float(value)


def position_rows(messages: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Canonical position rows (with the message index ``msg``) of the position messages."""
    for i, m in enumerate(messages):
        lat, lon = m.get("lat"), m.get("lon")
        if m["type"] not in POSITION_TYPES or lat is None or lon is None:
            continue
        if abs(lat) > 90 or abs(lon) > 180:
            continue
        msg_type = int(m["type"].split(".")[1])
        heading = _num(m.get("heading"), 360)
        yield {
            "mmsi": int(m["ssvid"]),
            "ts": m["timestamp"],
            "lat": lat,
            "lon": lon,
            "sog_kn": _num(m.get("speed"), 63 if msg_type == 27 else 102.3),
            "cog_deg": _num(m.get("course"), 360),
            "heading_deg": None if heading is None else int(heading),
            "nav_status": None if m.get("status") is None else int(m["status"]),
            "source": m.get("source"),
            "msg_type": msg_type,
            "msg": i,
        }


def positions_frame(messages: list[dict[str, Any]]) -> pl.DataFrame:
    """The position rows as a frame with exactly the canonical types (plus ``msg``)."""
    raw = pl.DataFrame(list(position_rows(messages)), infer_schema_length=None)
    canon = schema.polars_schema(schema.POSITIONS)
    cols = [
        pl.col("ts")
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%z", time_unit="us")
        .dt.convert_time_zone("UTC")
        if name == "ts"
        else pl.col(name).cast(dtype)
        for name, dtype in canon.items()
    ]
    return raw.select(*cols, pl.col("msg").cast(pl.Int64))


def _best_share(frame: pl.DataFrame, key: str, other: str) -> float:
    """Fraction of rows that sit in the ``other`` group holding most rows of their ``key``."""
    counts = (
        frame.group_by(key, other).len().sort(key, "len", other, descending=[False, True, False])
    )
    return (
        float(counts.group_by(key).agg(pl.col("len").first()).get_column("len").sum())
        / frame.height
    )


def scores(path: Path) -> dict[str, Any]:
    """Agreement and purity of one file, with segment counts."""
    messages = load_messages(path)
    segmented = segment(positions_frame(messages))
    expected = pl.DataFrame(
        {"msg": range(len(messages)), "expected": [m["expected"] for m in messages]}
    )
    scored = segmented.join(expected, on="msg").filter(pl.col("expected").is_not_null())
    long_ = scored.group_by("seg_id").len().filter(pl.col("len") >= 10).height
    return {
        "file": path.name,
        "n": scored.height,
        "agreement": _best_share(scored, "expected", "seg_id"),
        "purity": _best_share(scored, "seg_id", "expected"),
        "segs": scored["seg_id"].n_unique(),
        "expected_segs": scored["expected"].n_unique(),
        "long_segs": long_,
        "segmented": segmented,
    }


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    return {path.name: scores(path) for path in FILES}


def test_data_is_bundled() -> None:
    assert len(FILES) == 53
    assert (DATA / "SOURCE.md").exists() and (DATA / "INDEX.csv").exists()


def test_overall_agreement(results: dict[str, dict[str, Any]]) -> None:
    total = sum(r["n"] for r in results.values())
    agree = sum(r["agreement"] * r["n"] for r in results.values()) / total
    pure = sum(r["purity"] * r["n"] for r in results.values()) / total
    lines = [f"{'file':28} {'n':>6} {'agree':>7} {'purity':>7} {'segs':>5} {'gfw':>5} {'long':>5}"]
    for r in results.values():
        lines.append(
            f"{r['file']:28} {r['n']:6d} {r['agreement']:7.1%} {r['purity']:7.1%} "
            f"{r['segs']:5d} {r['expected_segs']:5d} {r['long_segs']:5d}"
        )
    lines.append(f"{'overall':28} {total:6d} {agree:7.1%} {pure:7.1%}")
    report_summary("segmentation agreement with GFW gpsdio-segment", "\n".join(lines))
    assert agree >= OVERALL_TARGET
    assert pure >= OVERALL_TARGET


@pytest.mark.parametrize("name", [p.name for p in FILES])
def test_file_agreement_floor(results: dict[str, dict[str, Any]], name: str) -> None:
    assert results[name]["agreement"] >= PER_FILE_FLOOR, results[name]["agreement"]


def _shared(results: dict[str, dict[str, Any]], mmsi: int) -> pl.DataFrame:
    return shared_mmsi_events(results[f"regr_{mmsi}.jsonl.gz"]["segmented"], SegmentParams())


@pytest.mark.parametrize("mmsi", [412588888, 567000000])
def test_spoofed_mmsi_raises_shared_mmsi(results: dict[str, dict[str, Any]], mmsi: int) -> None:
    events = _shared(results, mmsi)
    assert events.height >= 1
    assert set(events["kind"]) == {"shared_mmsi"} and set(events["mmsi"]) == {mmsi}


def test_normal_tanker_raises_no_shared_mmsi(results: dict[str, dict[str, Any]]) -> None:
    assert _shared(results, 636019687).height == 0
