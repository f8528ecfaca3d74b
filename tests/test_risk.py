"""Risk scores: every point explained, weights from TOML, caps, bands, the vessels table."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from darkfleet._cli_assess import vessels as vessels_command
from darkfleet.assess import assess_vessels, vessel_table
from darkfleet.assess.network import exposure, meeting_graph
from darkfleet.assess.risk import band, default_weights, load_weights, risk_scores
from darkfleet.detect._ids import event_id
from darkfleet.errors import ConfigError
from darkfleet.schema import EVENTS, MATCHES, STATIC, polars_schema
from darkfleet.store import Store

T0 = datetime(2024, 3, 2, 10, tzinfo=UTC)
TANKER = 412000001  # China
KP = 445123456  # DPRK (MID 445)
PANAMA = 352000001
OTHER = 431000001  # Japan


def ev(kind: str, mmsi: int, other: int | None = None, day: int = 0, **info: Any) -> dict[str, Any]:
    start = T0 + timedelta(days=day)
    lo, hi = (mmsi, other) if other is None or mmsi < other else (other, mmsi)
    return {
        "event_id": event_id(kind, lo, hi, start),
        "kind": kind,
        "mmsi": lo,
        "other_mmsi": hi,
        "start": start,
        "end": start + timedelta(hours=6),
        "duration_h": 6.0,
        "lat": 38.7,
        "lon": 125.3,
        "confidence": 0.8,
        "details": json.dumps(info),
    }


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=polars_schema(EVENTS))


def match(mmsi: int, match_type: str, score: float = 1.0, entry: str = "E1") -> dict[str, Any]:
    return {
        "mmsi": mmsi,
        "list_name": "OFAC SDN",
        "list_date": "2024-05-01",
        "entry_id": entry,
        "entry_name": "CHON MA SAN",
        "match_type": match_type,
        "score": score,
        "explanation": f"{match_type} equal",
        "programs": "DPRK2",
    }


def matches(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=polars_schema(MATCHES))


NO_MATCHES = matches()


class DprkPorts:
    """A PortLookup whose every port is in the DPRK."""

    def nearest_places(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> pl.DataFrame:
        n = len(np.atleast_1d(np.asarray(lat)))
        return pl.DataFrame({"port_label": ["NAMPO"] * n, "port_iso3": ["PRK"] * n})


def points(reason: str) -> int:
    found = re.match(r"^([+-]\d+) ", reason)
    assert found, reason
    return int(found.group(1))


def score_of(table: pl.DataFrame, mmsi: int) -> dict[str, Any]:
    return table.filter(pl.col("mmsi") == mmsi).row(0, named=True)


def busy_events() -> pl.DataFrame:
    return frame(
        ev("dark_rendezvous", TANKER, KP, likely_intentional=True),
        ev("encounter", TANKER, OTHER, day=1),
        ev("encounter", TANKER, OTHER, day=3),
        ev("encounter", TANKER, OTHER, day=5),
        ev("encounter", TANKER, OTHER, day=7),
        ev("gap", TANKER, day=2, likely_intentional=True),
        ev("gap", TANKER, day=4, likely_intentional=False),
        ev("loitering", TANKER, day=2),
        ev("draught_change", TANKER, day=2, draught_before_m=6.1, draught_after_m=8.3),
        ev("identity_change", TANKER, day=6, change_type="name", old="A", new="B"),
        ev("zone_entry", TANKER, day=8, zone="PRK approach (60 nm), west coast"),
        ev("port_visit", TANKER, day=9, port="NAMPO"),
        ev("shared_mmsi", TANKER, day=10),
    )


def busy_scores(weights: Path | None = None) -> pl.DataFrame:
    events = busy_events()
    found = matches(match(TANKER, "name", 0.9))
    network = meeting_graph(events, matches=found)
    exposed = exposure(network, found)
    return risk_scores(events, found, exposed, None, load_weights(weights), DprkPorts())


def test_score_equals_the_sum_of_the_reason_points() -> None:
    table = busy_scores()
    for row in table.iter_rows(named=True):
        assert row["risk_score"] == sum(points(r) for r in row["reasons"]), row
    tanker = score_of(table, TANKER)
    assert tanker["risk_band"] == "critical"
    assert len(tanker["reasons"]) > 10


def test_reasons_name_the_partner_date_and_event() -> None:
    reasons = score_of(busy_scores(), TANKER)["reasons"]
    rendezvous = event_id("dark_rendezvous", TANKER, KP, T0)[:8]
    assert f"+25 dark rendezvous with {KP} on 2024-03-02 (event {rendezvous}…)" in reasons
    assert any(r.startswith("+20 entered zone PRK approach") for r in reasons)
    assert any(r.startswith("+25 port visit at NAMPO (DPRK)") for r in reasons)
    assert any(r.startswith("+10 AIS gap of 6.0 h") and "likely intentional" in r for r in reasons)
    assert any(r.startswith("+3 AIS gap") for r in reasons)
    assert "+20 met DPRK-flagged vessel 445123456" in reasons
    assert any(
        r.startswith("+45 sanctions match by name on OFAC SDN (2024-05-01)") for r in reasons
    )


def test_pairwise_events_count_for_both_vessels() -> None:
    kp = score_of(busy_scores(), KP)
    assert f"+25 dark rendezvous with {TANKER} on 2024-03-02" in kp["reasons"][0]


def test_a_cap_bites_with_its_own_negative_line() -> None:
    reasons = score_of(busy_scores(), TANKER)["reasons"]
    assert sum(r.startswith("+15 encounter with") for r in reasons) == 4
    assert "-15 cap: encounter points limited to 45 (60 before the cap)" in reasons


def test_weights_override_file_changes_the_score(tmp_path: Path) -> None:
    before = score_of(busy_scores(), TANKER)["risk_score"]
    override = tmp_path / "weights.toml"
    override.write_text("[events]\ndark_rendezvous = 40\n\n[caps]\ndark_rendezvous = 100\n")
    after = score_of(busy_scores(override), TANKER)
    assert after["risk_score"] == before + 15
    assert after["risk_score"] == sum(points(r) for r in after["reasons"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[events]\nencounterr = 15\n", "unknown weight"),
        ("[event]\nencounter = 15\n", "unknown section"),
        ("[events]\nencounter = 1.5\n", "whole points"),
        ("[events]\nencounter = -5\n", "whole points"),
        ("[bands]\nhigh = 90\n", "medium ≤ high ≤ critical"),
        ("[events\n", "not valid TOML"),
    ],
)
def test_bad_weights_are_config_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "weights.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_weights(path)


def test_missing_weights_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such weights file"):
        load_weights(tmp_path / "absent.toml")


def test_every_bundled_weight_is_commented() -> None:
    text = resources.files("darkfleet.assess").joinpath("risk_weights.toml").read_text("utf-8")
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            assert "#" in line, line


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0, "low"),
        (19, "low"),
        (20, "medium"),
        (49, "medium"),
        (50, "high"),
        (79, "high"),
        (80, "critical"),
    ],
)
def test_bands(score: int, expected: str) -> None:
    assert band(score, default_weights()) == expected


@pytest.mark.parametrize(("match_type", "score", "expected"), [
    ("imo", 1.0, 100), ("mmsi", 1.0, 100), ("callsign", 1.0, 40), ("name", 0.9, 45),
    ("name", 90.0, 45), ("near_imo", 1.0, 15), ("entity", 1.0, 30),
])  # fmt: skip
def test_match_points_by_type(match_type: str, score: float, expected: int) -> None:
    table = risk_scores(frame(), matches(match(OTHER, match_type, score)))
    assert score_of(table, OTHER)["risk_score"] == expected


def test_one_entry_counts_once_by_its_best_match_type() -> None:
    found = matches(match(OTHER, "imo"), match(OTHER, "name", 0.95), match(OTHER, "callsign"))
    row = score_of(risk_scores(frame(), found), OTHER)
    assert row["risk_score"] == 100 and len(row["reasons"]) == 1


def test_flags_of_convenience_and_the_dprk_flag() -> None:
    identities = pl.DataFrame({"mmsi": [PANAMA, KP, OTHER]})
    table = risk_scores(frame(), NO_MATCHES, identities=identities)
    assert score_of(table, PANAMA)["reasons"] == [
        "+10 flag PA is a flag of convenience (ITF list, 2013-01-30)"
    ]
    assert score_of(table, KP)["risk_score"] == 40
    assert score_of(table, OTHER) == {
        "mmsi": OTHER,
        "risk_score": 0,
        "risk_band": "low",
        "reasons": [],
    }


def test_identity_flag_overrides_the_mid() -> None:
    identities = pl.DataFrame({"mmsi": [OTHER], "flag": ["LR"]})
    assert (
        score_of(risk_scores(frame(), NO_MATCHES, identities=identities), OTHER)["risk_score"] == 10
    )


def test_zone_entry_elsewhere_and_port_visit_elsewhere_score_nothing() -> None:
    events = frame(
        ev("zone_entry", OTHER, zone="my watch box"), ev("port_visit", OTHER, day=1, port="BUSAN")
    )
    assert score_of(risk_scores(events, NO_MATCHES), OTHER)["risk_score"] == 0


def test_identity_change_by_change_type() -> None:
    events = frame(
        ev("identity_change", OTHER, change_type="imo", old=1, new=2),
        ev("identity_change", OTHER, day=1, change_type="something_new"),
    )
    reasons = score_of(risk_scores(events, NO_MATCHES), OTHER)["reasons"]
    assert reasons[0].startswith("+20 identity change (imo: 1 → 2)")
    assert reasons[1].startswith("+5 identity change (something_new)")


def test_exposure_two_hops_from_sanctioned() -> None:
    a, b, c = 412000001, 413000002, 414000003
    events = frame(ev("encounter", a, b), ev("encounter", b, c, day=1))
    found = matches(match(c, "imo"))
    exposed = exposure(meeting_graph(events, matches=found), found)
    table = risk_scores(events, found, exposed)
    assert f"+10 two meetings from sanctioned vessel {c} (via {b})" in score_of(table, a)["reasons"]
    assert f"+30 met sanctioned vessel {c}" in score_of(table, b)["reasons"]


def test_vessels_table_columns_and_segments() -> None:
    identities = pl.DataFrame(
        {
            "mmsi": [TANKER, OTHER],
            "imo": [9134270, None],
            "name": ["OCEAN STAR", "KAIYO"],
            "callsign": ["BXYZ", None],
            "flag": ["CN", "JP"],
            "ship_type": [80, 70],
            "positions": [120, 40],
            "first_seen": [T0, T0],
            "last_seen": [T0 + timedelta(days=9), T0],
            "segments": [2, 1],
        }
    )
    found = matches(match(TANKER, "imo"), match(TANKER, "name", 0.8, entry="E2"))
    table = assess_vessels(identities, busy_events(), found, places=DprkPorts())
    assert table.columns == [
        "mmsi", "imo", "name", "callsign", "flag", "ship_type", "ship_type_text", "first_seen",
        "last_seen", "positions", "segments", "events", "sanctions_matches", "best_match",
        "match_type", "risk_score", "risk_band", "reasons",
    ]  # fmt: skip
    tanker = score_of(table, TANKER)
    assert tanker["segments"] == 2 and tanker["sanctions_matches"] == 2
    assert tanker["match_type"] == "imo"
    assert tanker["best_match"] == "CHON MA SAN (OFAC SDN 2024-05-01, entry E1)"
    assert tanker["ship_type_text"] == "Tanker, all ships of this type"
    assert tanker["events"] == busy_events().height
    assert tanker["risk_score"] == sum(points(r) for r in tanker["reasons"])
    kp = score_of(table, KP)  # seen only in events: still a row
    assert kp["name"] is None and kp["positions"] == 0 and kp["risk_score"] > 0


def test_vessel_table_of_nothing() -> None:
    empty = pl.DataFrame({"mmsi": []}, schema={"mmsi": pl.Int64})
    scores = risk_scores(frame(), NO_MATCHES, identities=empty)
    assert vessel_table(empty, frame(), NO_MATCHES, scores).height == 0


def test_cli_vessels_csv_and_json(tmp_path: Path) -> None:
    root = tmp_path / "store"
    static = pl.DataFrame(
        {"mmsi": [TANKER, OTHER], "ts": [T0, T0], "name": ["OCEAN STAR", "KAIYO"]}
    ).select(
        pl.col(c).cast(t) if c in ("mmsi", "ts", "name") else pl.lit(None, t).alias(c)
        for c, t in polars_schema(STATIC).items()
    )
    with Store(root, writable=True) as st:
        st.replace_table("events", busy_events())
        st.replace_table("matches", matches(match(TANKER, "imo")))
        st.replace_table("static", static)
    app = typer.Typer()
    app.command()(vessels_command)
    result = CliRunner().invoke(app, ["--store", str(root)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# Not a legal finding")
    assert lines[1] == "# sanctions lists: OFAC SDN 2024-05-01"
    table = pl.read_csv(io.StringIO(result.stdout), comment_prefix="#")
    tanker = score_of(table, TANKER)
    assert tanker["name"] == "OCEAN STAR" and tanker["match_type"] == "imo"
    assert tanker["risk_score"] == sum(points(r) for r in tanker["reasons"].split("; "))
    out = tmp_path / "vessels.json"
    weights = tmp_path / "w.toml"
    weights.write_text("[matches]\nimo = 0\n")
    args = ["--store", str(root), "--format", "json", "--out", str(out), "--weights", str(weights)]
    assert CliRunner().invoke(app, args).exit_code == 0
    data = json.loads(out.read_text())
    assert data["list_dates"] == {"OFAC SDN": "2024-05-01"} and "disclaimer" in data
    row = next(v for v in data["vessels"] if v["mmsi"] == TANKER)
    assert row["risk_score"] == tanker["risk_score"] - 100
