"""Screening, risk and the cap ledger end to end on a scenario with listed identities."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest

from conftest import run_cli
from darkfleet import Store
from darkfleet.simulate import ScenarioParams, simulate, write_scenario


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("screening")
    files = write_scenario(simulate(ScenarioParams(seed=13, vessels=60, days=4, listed=4)), out)
    store = out / "store"
    for args in (["ingest", files["nmea"]], ["detect"], ["screen"]):
        done = run_cli(args[0], "--store", store, *args[1:])
        assert done.returncode == 0, done.stderr
    return {"store": store, **files}


def test_every_injected_listed_identity_is_found(case: dict[str, Path]) -> None:
    listed = pl.read_csv(case["listed"])
    matches = Store(case["store"]).read("matches")
    strong = matches.filter(pl.col("match_type").is_in(["imo", "mmsi"]))
    for row in listed.iter_rows(named=True):
        hits = strong.filter(
            pl.col("mmsi") == row["mmsi"], pl.col("entry_id") == str(row["entry_id"])
        )
        assert hits.height == 1, row
        assert "equals the IMO" in hits["explanation"][0]
        if row["by_mmsi"]:
            assert "equals the MMSI" in hits["explanation"][0]
    assert listed["by_mmsi"].any() and (~listed["by_mmsi"]).any()


def test_listed_transfer_vessels_score_above_the_median(case: dict[str, Path]) -> None:
    done = run_cli("vessels", "--store", case["store"], "--format", "csv")
    rows = list(
        csv.DictReader(line for line in io.StringIO(done.stdout) if not line.startswith("#"))
    )
    scores = {int(r["mmsi"]): float(r["risk_score"]) for r in rows}
    median = sorted(scores.values())[len(scores) // 2]
    truth = pl.read_csv(case["truth"]).filter(
        pl.col("kind").is_in(["encounter", "dark_rendezvous"])
    )
    partners = set(truth["mmsi"]) | set(truth["other_mmsi"].drop_nulls())
    listed = set(pl.read_csv(case["listed"])["mmsi"]) & partners
    assert listed
    for mmsi in listed:
        assert scores[mmsi] > median, (mmsi, scores[mmsi], median)
        row = next(r for r in rows if int(r["mmsi"]) == mmsi)
        points = [int(reason.split()[0]) for reason in row["reasons"].split("; ")]
        assert sum(points) == int(float(row["risk_score"]))


def test_cap_ledger_reports_every_transfer_in_order(case: dict[str, Path]) -> None:
    done = run_cli("cap", "--store", case["store"], "--year", "2024", "--all-transfers", "--json")
    ledger = json.loads(done.stdout)
    assert ledger["cap_bbl"] == 500_000
    events = Store(case["store"]).read("events")
    transfers = events.filter(pl.col("kind").is_in(["encounter", "dark_rendezvous"]))
    assert ledger["transfers"] == transfers.height == len(ledger["items"]) > 0
    assert {i["event_id"] for i in ledger["items"]} == set(transfers["event_id"])
    for item in ledger["items"]:
        assert 0 < item["low_bbl"] <= item["mid_bbl"] <= item["high_bbl"]
    assert "not a legal finding" in ledger["disclaimer"].lower()
