"""detect, events, simulate and evaluate through the real command line, on one scenario."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import polars as pl
import pytest

from conftest import run_cli
from darkfleet import Store, schema

Cli = Callable[..., CompletedProcess[str]]
SCORED = ("encounter", "loitering", "gap", "draught_change", "shared_mmsi", "identity_change")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A simulated Yellow Sea scenario, ingested as NMEA and run through detection."""
    out = tmp_path_factory.mktemp("detect")
    done = run_cli("simulate", "--out", out / "sim", "--seed", "21", "--vessels", "60")
    assert done.returncode == 0, done.stderr
    store = out / "store"
    assert run_cli("ingest", "--store", store, out / "sim" / "positions.nmea").returncode == 0
    done = run_cli("detect", "--store", store, "--json")
    assert done.returncode == 0, done.stderr
    (out / "detect.json").write_text(done.stdout)
    return {"store": store, "truth": out / "sim" / "truth.csv", "detect": out / "detect.json"}


def test_detect_json_summary(scenario: dict[str, Path]) -> None:
    summary = json.loads(scenario["detect"].read_text())
    assert summary["events"] == sum(summary["by_kind"].values()) > 0
    assert summary["events"] == Store(scenario["store"]).info().events
    assert set(summary["by_kind"]) <= set(schema.EVENT_KINDS)


def test_accuracy_on_the_scenario(scenario: dict[str, Path]) -> None:
    done = run_cli("evaluate", "--store", scenario["store"], "--truth", scenario["truth"], "--json")
    scores = {row["kind"]: row for row in json.loads(done.stdout)["kinds"]}
    for kind in SCORED:
        row = scores[kind]
        assert row["truth"] > 0, kind
        assert row["recall"] >= 0.97 and row["precision"] >= 0.97, row


def test_rerun_replaces_events_with_the_same_ids(scenario: dict[str, Path], tmp_path: Path) -> None:
    before = Store(scenario["store"]).read("events")["event_id"].sort()
    assert (
        run_cli("detect", "--store", scenario["store"], "--kinds", "gap,encounter").returncode == 0
    )
    after = Store(scenario["store"]).read("events")["event_id"].sort()
    assert before.equals(after)


def test_events_csv_has_exactly_the_documented_columns(scenario: dict[str, Path]) -> None:
    done = run_cli("events", "--store", scenario["store"], "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == schema.EVENTS.names
    assert len(rows) == Store(scenario["store"]).info().events
    for row in rows:
        assert len(row["start"]) == 20 and row["start"].endswith("Z") and "T" in row["start"]
        assert isinstance(json.loads(row["details"]), dict) and "\n" not in row["details"]


def test_events_by_kind_and_as_geojson_kml_parquet(
    scenario: dict[str, Path], tmp_path: Path
) -> None:
    store = scenario["store"]
    gap_csv = run_cli("events", "--store", store, "--kind", "gap").stdout
    assert {r["kind"] for r in csv.DictReader(io.StringIO(gap_csv))} == {"gap"}
    geo = json.loads(run_cli("events", "--store", store, "--format", "geojson").stdout)
    assert geo["type"] == "FeatureCollection"
    points = [f for f in geo["features"] if f["geometry"]["type"] == "Point"]
    assert len(points) == Store(store).info().events
    tracks = [f for f in geo["features"] if f["properties"].get("role") == "case_track"]
    encounter = next(f for f in points if f["properties"]["kind"] == "encounter")
    both = {
        t["properties"]["mmsi"] for t in tracks if t["properties"]["event_id"] == encounter["id"]
    }
    assert both == {encounter["properties"]["mmsi"], encounter["properties"]["other_mmsi"]}
    assert all(t["geometry"]["type"] == "MultiLineString" for t in tracks)
    kml = ET.fromstring(run_cli("events", "--store", store, "--format", "kml").stdout)
    marks = kml.findall(".//{http://www.opengis.net/kml/2.2}Placemark")
    assert len(marks) == len(geo["features"])
    assert kml.findall(".//{http://www.opengis.net/kml/2.2}LineString")
    out = tmp_path / "events.parquet"
    assert run_cli("events", "--store", store, "--format", "parquet", "--out", out).returncode == 0
    assert pl.read_parquet(out).schema == schema.polars_schema(schema.EVENTS)
    assert run_cli("events", "--store", store, "--format", "parquet").returncode == 2


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["detect", "--kinds", "encounter,teleport"], 2),
        (["detect", "--bbox", "1,2,3"], 2),
        (["detect", "--since", "2024-03-05", "--until", "2024-03-01"], 2),
        (["events", "--format", "xlsx"], 2),
    ],
)
def test_bad_detect_options(scenario: dict[str, Path], args: list[str], code: int) -> None:
    done = run_cli(*args[:1], "--store", scenario["store"], *args[1:])
    assert done.returncode == code and len(done.stderr.strip().splitlines()) == 1, done.stderr
