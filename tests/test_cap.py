"""The cap ledger: DPRK links, months, cumulative totals, reported deliveries, JSON, CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from darkfleet._cli_assess import cap as cap_command
from darkfleet.assess.cap import CapParams, cap_ledger, read_reported
from darkfleet.assess.volume import tonnes_per_cm
from darkfleet.detect._ids import event_id
from darkfleet.errors import ConfigError, InputFormatError
from darkfleet.schema import EVENTS, MATCHES, STATIC, polars_schema
from darkfleet.store import Store

KP = 445000001  # DPRK-flagged receiver, 100 m × 16 m
GIVER = 412000001  # 180 m × 32 m tanker
LISTED = 413000002  # no DPRK flag, but matched on a DPRK programme
VISITOR = 414000003  # no flag or match, but calls at a DPRK port afterwards
PLAIN = 431000001
JSON_KEYS = [
    "cap_bbl",
    "transfers",
    "items",
    "estimated_bbl",
    "reported_bbl",
    "by_month",
    "disclaimer",
]


def at(month: int, day: int = 5, hour: int = 10) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=UTC)


def ev(
    kind: str, mmsi: int, other: int | None, start: datetime, hours: float = 4.0, **info: Any
) -> dict[str, Any]:
    lo, hi = (mmsi, other) if other is None or mmsi < other else (other, mmsi)
    return {
        "event_id": event_id(kind, lo, hi, start),
        "kind": kind,
        "mmsi": lo,
        "other_mmsi": hi,
        "start": start,
        "end": start + timedelta(hours=hours),
        "duration_h": hours,
        "lat": 38.5,
        "lon": 124.5,
        "confidence": 0.8,
        "details": json.dumps(info),
    }


def year_events() -> pl.DataFrame:
    rows = [
        ev("encounter", GIVER, KP, at(1)),  # DPRK flag, with draught evidence
        ev(
            "draught_change",
            KP,
            None,
            at(1, hour=16),
            0.5,
            draught_before_m=4.0,
            draught_after_m=5.5,
        ),
        ev("dark_rendezvous", GIVER, KP, at(2)),  # DPRK flag, capacity estimate
        ev("encounter", GIVER, LISTED, at(3)),  # DPRK programme match
        ev("encounter", GIVER, VISITOR, at(4)),  # DPRK port 10 days later
        ev("port_visit", VISITOR, None, at(4, day=15), 30.0, port="NAMPO", port_iso3="PRK"),
        ev("encounter", GIVER, PLAIN, at(5)),  # not linked
        ev("encounter", GIVER, VISITOR, at(6)),  # the port call was before: not linked
        ev("encounter", GIVER, KP, datetime(2023, 12, 30, tzinfo=UTC)),  # another year
    ]
    return pl.DataFrame(rows, schema=polars_schema(EVENTS))


def dimensions() -> pl.DataFrame:
    rows = [(KP, 100.0, 16.0, 6.5, 80), (GIVER, 180.0, 32.0, 11.5, 80)]
    rows += [(m, 120.0, 20.0, 7.0, 80) for m in (LISTED, VISITOR, PLAIN)]
    schema = ["mmsi", "length_m", "beam_m", "draught_max_m", "ship_type"]
    return pl.DataFrame(rows, schema=schema, orient="row")


def dprk_matches() -> pl.DataFrame:
    row = {
        "mmsi": LISTED,
        "list_name": "UN 1718",
        "list_date": "2024-02-01",
        "entry_id": "KPe.001",
        "entry_name": "OCEAN LINK",
        "match_type": "name",
        "score": 0.9,
        "explanation": "name equal",
        "programs": "DPRK",
    }
    return pl.DataFrame([row], schema=polars_schema(MATCHES))


def test_only_dprk_linked_transfers_count_by_default() -> None:
    ledger = cap_ledger(year_events(), dimensions(), dprk_matches(), 2024)
    items = {r["start"].month: r for r in ledger.items.iter_rows(named=True)}
    assert sorted(items) == [1, 2, 3, 4]
    assert items[1]["dprk_links"] == [f"{KP} is DPRK-flagged (MID 445)"]
    assert items[3]["dprk_links"][0].startswith(f"{LISTED} matches UN 1718 entry OCEAN LINK")
    assert items[4]["dprk_links"] == [
        f"{VISITOR} visited DPRK port NAMPO on 2024-04-15, 9.8 days after"
    ]


def test_all_transfers_counts_every_transfer_of_the_year() -> None:
    ledger = cap_ledger(
        year_events(), dimensions(), dprk_matches(), 2024, CapParams(all_transfers=True)
    )
    assert ledger.items.height == 6


def test_draught_evidence_and_capacity_fallback() -> None:
    items = cap_ledger(year_events(), dimensions(), dprk_matches(), 2024).as_dict()["items"]
    january, february = items[0], items[1]
    assert january["method"] == "draught"
    expected_t = tonnes_per_cm(100.0, 16.0, 0.80) * 150
    assert january["mid_bbl"] == pytest.approx(expected_t / 0.845 * 6.2898, abs=0.1)
    assert february["method"] == "capacity"
    assert "no draught evidence" in february["evidence"][0]
    assert february["vessels"] == [GIVER, KP] and february["date"] == "2024-02-05"


def test_by_month_and_cumulative_with_reported_deliveries(tmp_path: Path) -> None:
    csv = tmp_path / "reported.csv"
    csv.write_text(
        "month,bbl,source\n2024-01,10000,China to 1718 Committee\n"
        "2024-03,5000,Russia\n2023-12,999,old\n"
    )
    ledger = cap_ledger(
        year_events(), dimensions(), dprk_matches(), 2024, reported=read_reported(csv)
    )
    months = ledger.as_dict()["by_month"]
    assert [m["month"] for m in months] == [f"2024-{m:02d}" for m in range(1, 13)]
    assert months[0]["reported_bbl"] == 10000 and months[2]["reported_bbl"] == 5000
    assert ledger.reported_bbl == 15000
    running = 0.0
    for m in months:
        running += m["estimated_mid_bbl"] + m["reported_bbl"]
        assert m["cumulative_bbl"] == pytest.approx(running, abs=0.2)
    assert months[-1]["cumulative_bbl"] == pytest.approx(
        ledger.estimated_bbl()["mid"] + 15000, abs=0.5
    )
    assert months[4]["estimated_mid_bbl"] == 0.0


def test_default_cap_and_json_keys_exactly() -> None:
    data = cap_ledger(
        year_events(), dimensions(), dprk_matches(), 2024, data_range=("2024-01-01", "2024-06-30")
    ).as_dict()
    assert list(data) == JSON_KEYS
    assert data["cap_bbl"] == 500000
    assert data["transfers"] == len(data["items"]) == 4
    assert set(data["estimated_bbl"]) == {"low", "mid", "high"}
    assert (
        0
        < data["estimated_bbl"]["low"]
        <= data["estimated_bbl"]["mid"]
        <= data["estimated_bbl"]["high"]
    )
    assert set(data["items"][0]) >= {
        "event_id",
        "vessels",
        "date",
        "low_bbl",
        "mid_bbl",
        "high_bbl",
        "evidence",
    }
    assert "Not a legal finding" in data["disclaimer"]
    assert (
        "2024-01-01 to 2024-06-30" in data["disclaimer"]
        and "UN 1718 2024-02-01" in data["disclaimer"]
    )
    json.dumps(data)


class DprkPorts:
    def nearest_places(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> pl.DataFrame:
        n = len(np.atleast_1d(np.asarray(lat)))
        return pl.DataFrame({"port_iso3": ["PRK"] * n})


def test_dprk_port_found_through_places_when_details_lack_iso3() -> None:
    events = year_events().with_columns(
        pl.col("details").str.replace(',\\s*"port_iso3": "PRK"', "")
    )
    without = cap_ledger(events, dimensions(), dprk_matches(), 2024)
    assert without.items.height == 3
    assert (
        cap_ledger(events, dimensions(), dprk_matches(), 2024, places=DprkPorts()).items.height == 4
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("when,bbl\n2024-01,5\n", "header month,bbl"),
        ("month,bbl,source\n2024-13,5,x\n", ":2: month '2024-13'"),
        ("month,bbl,source\n2024-01,lots,x\n", ":2: bbl 'lots'"),
        ("month,bbl,source\n2024-01,-5,x\n", "must be ≥ 0"),
    ],
)
def test_bad_reported_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "reported.csv"
    path.write_text(text)
    with pytest.raises(InputFormatError, match=message):
        read_reported(path)


def test_cap_params_validate() -> None:
    with pytest.raises(ConfigError, match="cap_bbl"):
        CapParams(cap_bbl=0)


def test_cli_cap_json(tmp_path: Path) -> None:
    root = tmp_path / "store"
    static = dimensions().select(
        "mmsi",
        pl.lit(at(1)).alias("ts"),
        pl.col("length_m"),
        pl.col("beam_m"),
        pl.col("draught_max_m").alias("draught_m"),
        "ship_type",
    )
    static = pl.DataFrame(schema=polars_schema(STATIC)).vstack(
        static.select(
            pl.col(c).cast(t) if c in static.columns else pl.lit(None, t).alias(c)
            for c, t in polars_schema(STATIC).items()
        )
    )
    with Store(root, writable=True) as st:
        st.replace_table("events", year_events())
        st.replace_table("matches", dprk_matches())
        st.replace_table("static", static)
    app = typer.Typer()
    app.command()(cap_command)
    result = CliRunner().invoke(app, ["--store", str(root), "--year", "2024", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == JSON_KEYS and data["transfers"] == 4
    table = CliRunner().invoke(app, ["--store", str(root), "--year", "2024", "--cap", "100000"])
    assert table.exit_code == 0 and "cap 100,000 bbl" in table.stdout
