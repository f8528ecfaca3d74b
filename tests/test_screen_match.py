"""Matching AIS vessels against real OFAC/UN entries, FtM and watchlists; the screen command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from darkfleet import Store
from darkfleet._cli_screen import screen as screen_command
from darkfleet.errors import ConfigError, ListError
from darkfleet.schema import MATCHES, POSITIONS, STATIC, empty, polars_schema
from darkfleet.screen import (
    DISCLAIMER,
    ScreenParams,
    bundled_lists,
    identity_history,
    load_list,
    load_lists,
    screen,
    vessel_identities,
)

LISTS = Path(__file__).parent / "data" / "lists"
T0 = datetime(2024, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def entries() -> pl.DataFrame:
    return load_lists(bundled_lists())


def static(*rows: dict[str, Any]) -> pl.DataFrame:
    """One static report per row (``h`` hours after T0, default 0)."""
    cols = polars_schema(STATIC)
    data = [
        {**dict.fromkeys(cols), "ts": T0 + timedelta(hours=r.get("h", 0))}
        | {k: v for k, v in r.items() if k != "h"}
        for r in rows
    ]
    return pl.DataFrame(data, schema=cols)


def run(reports: pl.DataFrame, entries: pl.DataFrame, **params: Any) -> pl.DataFrame:
    identities = vessel_identities(empty(POSITIONS), reports)
    return screen(identities, identity_history(reports), entries, ScreenParams(**params))


def of(matches: pl.DataFrame, mmsi: int) -> dict[str, dict[str, Any]]:
    """The matches of one vessel by entry id."""
    return {m["entry_id"]: m for m in matches.filter(pl.col("mmsi") == mmsi).to_dicts()}


# -- exact identifiers -----------------------------------------------------------------------


def test_imo_only(entries: pl.DataFrame) -> None:
    found = of(run(static({"mmsi": 412000001, "imo": 9187629, "name": "OCEAN GLORY"}), entries),
               412000001)  # fmt: skip
    artavil = found["15036"]
    assert (artavil["match_type"], artavil["score"]) == ("imo", 0.98)
    assert artavil["explanation"] == (
        "AIS IMO 9187629 (reported 2024-03-01) equals the IMO of OFAC SDN entry 15036 "
        "'ARTAVIL' (IRAN), listed 2024-05-03."
    )
    assert (artavil["list_name"], artavil["list_date"], artavil["programs"]) == (
        "OFAC SDN", "2024-05-03", "IRAN"
    )  # fmt: skip


def test_mmsi_only(entries: pl.DataFrame) -> None:
    found = of(run(static({"mmsi": 572469210, "name": "GREEN MEADOW"}), entries), 572469210)
    assert found["15036"]["match_type"] == "mmsi" and found["15036"]["score"] == 0.9
    assert found["15036"]["explanation"].startswith("AIS MMSI 572469210 (seen 2024-03-01)")


def test_call_sign_only_and_short_call_signs_ignored(entries: pl.DataFrame) -> None:
    reports = static(
        {"mmsi": 412000003, "callsign": "t2-es4", "name": "GREEN MEADOW"},
        {"mmsi": 412000004, "callsign": "EQK"},
    )
    matches = run(reports, entries)
    assert of(matches, 412000003)["15039"]["match_type"] == "callsign"  # ARNICA, T2ES4
    assert of(matches, 412000004) == {}


# -- names ------------------------------------------------------------------------------------


def test_transliteration_spacing_and_flag_agreement(entries: pl.DataFrame) -> None:
    reports = static(
        {"mmsi": 445000004, "name": "CHONMASAN"},  # DPRK MID: flag agrees
        {"mmsi": 412000004, "name": "CHON-MA  SAN"},  # Chinese MID
    )
    matches = run(reports, entries)
    dprk, china = of(matches, 445000004)["23729"], of(matches, 412000004)["23729"]
    assert dprk["match_type"] == china["match_type"] == "name"
    assert dprk["score"] > china["score"]
    assert "similarity 100%, flag KP agrees" in dprk["explanation"]
    assert "flag" not in china["explanation"].split("listed 2024-05-03")[1]


def test_number_word_and_vessel_prefix(entries: pl.DataFrame) -> None:
    matches = run(static({"mmsi": 445000005, "name": "M/T YU JONG NO.2"}), entries)
    yu_jong = of(matches, 445000005)["23736"]
    assert yu_jong["match_type"] == "name"
    assert yu_jong["explanation"].startswith("AIS name 'M/T YU JONG NO.2' (reported 2024-03-01)")


def test_misspelt_name_matches_but_other_number_does_not(entries: pl.DataFrame) -> None:
    reports = static(
        {"mmsi": 445000006, "name": "CHON MA SSAN"},
        {"mmsi": 445000007, "name": "YU JONG 3"},
    )
    matches = run(reports, entries)
    assert of(matches, 445000006)["23729"]["match_type"] == "name"
    assert "23736" not in of(matches, 445000007)


def test_past_name_and_list_alias_count(entries: pl.DataFrame) -> None:
    """EBANO was f.k.a. 'SAND SWAN'; the vessel reported that name before renaming."""
    reports = static(
        {"mmsi": 412000008, "h": 0, "name": "SAND SWAN"},
        {"mmsi": 412000008, "h": 48, "name": "HAPPY DAWN"},
        {"mmsi": 412000008, "h": 49, "name": "HAPPY DAWN"},
    )
    ebano = of(run(reports, entries), 412000008)["4243"]
    assert ebano["match_type"] == "name" and ebano["entry_name"] == "EBANO"
    assert "resembles the alias or former name 'SAND SWAN' of" in ebano["explanation"]


# -- near misses and non-matches --------------------------------------------------------------


def test_imo_one_digit_off_is_near_imo_never_imo(entries: pl.DataFrame) -> None:
    matches = run(static({"mmsi": 412000009, "imo": 8660314, "name": "BLUE HORIZON"}), entries)
    mine = of(matches, 412000009)
    assert mine["23729"]["match_type"] == "near_imo" and mine["23729"]["score"] == 0.55
    assert "is one digit off IMO 8660313" in mine["23729"]["explanation"]
    assert "digit 7 differs; its check digit is invalid" in mine["23729"]["explanation"]
    assert "imo" not in {m["match_type"] for m in mine.values()}
    assert "entity" not in {m["match_type"] for m in mine.values()}  # no owner via near miss


def test_unrelated_vessel_gives_nothing(entries: pl.DataFrame) -> None:
    reports = static(
        {"mmsi": 235000010, "imo": 9074729, "name": "NORTHERN SPIRIT", "callsign": "MABC7"}
    )
    assert run(reports, entries).is_empty()


# -- entities and owners ----------------------------------------------------------------------


def test_vessel_name_carrying_a_listed_company_name(entries: pl.DataFrame) -> None:
    found = of(run(static({"mmsi": 445000011, "name": "KOREA ACHIM"}), entries), 445000011)
    un = found["KPe.061"]
    assert (un["match_type"], un["list_name"], un["list_date"]) == (
        "entity", "UN SC Consolidated", "2020-11-24"
    )  # fmt: skip
    assert "carries the name of UN SC Consolidated entry KPe.061" in un["explanation"]


def test_listed_owner_links_to_un_entity(entries: pl.DataFrame) -> None:
    found = of(run(static({"mmsi": 445000012, "imo": 8660313}), entries), 445000012)
    assert found["23729"]["match_type"] == "imo"
    owner = found["KPe.061"]
    assert owner["match_type"] == "entity" and owner["score"] == pytest.approx(0.784)
    assert owner["explanation"].startswith(
        "Owner 'KOREA ACHIM SHIPPING CO' of OFAC SDN entry 23729 'CHON MA SAN' (DPRK4), "
        "listed 2024-05-03, which this vessel matches by imo, is UN SC Consolidated entry "
        "KPe.061 'KOREA ACHIM SHIPPING CO' (DPRK)"
    )


# -- combined evidence, other lists, schema ---------------------------------------------------


def test_one_row_per_vessel_and_entry_with_all_evidence(entries: pl.DataFrame) -> None:
    reports = static({"mmsi": 572469210, "imo": 9187629, "name": "ARTAVIL", "callsign": "T2EU4"})
    matches = run(reports, entries)
    artavil = of(matches, 572469210)["15036"]
    assert matches.filter(pl.col("entry_id") == "15036").height == 1
    assert artavil["match_type"] == "imo" and artavil["score"] > 0.999
    for lead in ("AIS IMO 9187629", "AIS MMSI 572469210", "AIS call sign T2EU4", "AIS name"):
        assert lead in artavil["explanation"]
    assert matches.schema == polars_schema(MATCHES)


def test_opensanctions_and_watchlist_entries() -> None:
    entries = pl.concat(
        [load_list(LISTS / "opensanctions.ftm.json"), load_list(LISTS / "imo-list.csv")]
    )
    reports = static(
        {"mmsi": 445112000, "callsign": "HMYE", "name": "SONG HWA"},
        {"mmsi": 412000013, "imo": 9187629},
    )
    matches = run(reports, entries)
    wise = of(matches, 445112000)
    assert wise["vessel-wise-honest"]["match_type"] == "mmsi"
    for lead in ("AIS call sign HMYE", "the alias or former name 'SONG HWA'"):
        assert lead in wise["vessel-wise-honest"]["explanation"]
    assert wise["co-omm"]["match_type"] == "entity"  # its owner, resolved by id
    watch = of(matches, 412000013)["2"]
    assert watch["list_name"] == "watchlist:imo-list.csv" and watch["match_type"] == "imo"


def test_no_entries_or_no_vessels_give_empty_matches(entries: pl.DataFrame) -> None:
    assert run(static({"mmsi": 412000001, "imo": 9187629}), entries.clear()).is_empty()
    assert run(static(), entries).schema == polars_schema(MATCHES)


def test_params_are_validated() -> None:
    with pytest.raises(ConfigError, match="name_threshold 30"):
        ScreenParams(name_threshold=30)
    with pytest.raises(ConfigError, match=r"imo_score 1\.5"):
        ScreenParams(imo_score=1.5)


# -- the screen command -----------------------------------------------------------------------


def make_store(root: Path) -> None:
    reports = static(
        {"mmsi": 445000004, "name": "CHONMASAN"},
        {"mmsi": 412000001, "imo": 9187629, "name": "OCEAN GLORY"},
        {"mmsi": 235000010, "name": "NORTHERN SPIRIT"},
    )
    fixes = pl.concat([empty(POSITIONS), reports.select("mmsi", "ts")], how="diagonal_relaxed")
    with Store(root, writable=True) as st:
        txn = st.transaction("0" * 64)
        txn.stage("positions", fixes.select(POSITIONS.names))
        txn.stage("static", reports)
        txn.commit({"sha256": "0" * 64, "path": "test"})


def invoke(*args: str | Path) -> Any:
    app = typer.Typer()
    app.command()(screen_command)
    app.command("other")(lambda: None)  # two commands: typer keeps the name "screen"
    return CliRunner().invoke(app, ["screen", *map(str, args)])


def test_screen_command_json_and_stored_matches(tmp_path: Path) -> None:
    make_store(tmp_path / "store")
    done = invoke("--store", tmp_path / "store", "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["lists"] == [
        {"name": "OFAC SDN", "date": "2024-05-03", "entries": 14589},
        {"name": "UN SC Consolidated", "date": "2020-11-24", "entries": 1018},
    ]
    assert report["disclaimer"] == DISCLAIMER
    pairs = {(m["mmsi"], m["entry_id"], m["match_type"]) for m in report["matches"]}
    assert {(445000004, "23729", "name"), (412000001, "15036", "imo")} <= pairs
    stored = Store(tmp_path / "store").read("matches")
    assert stored.height == len(report["matches"]) and 235000010 not in stored["mmsi"]


def test_screen_command_table_with_a_watchlist(tmp_path: Path) -> None:
    make_store(tmp_path / "store")
    done = invoke("--store", tmp_path / "store", "--list", LISTS / "watchlist.csv")
    assert done.exit_code == 0, done.output
    assert "CHON MA SAN" in done.stdout and "Not a legal finding" in done.stdout
    assert "watchlist:watchlist.csv: list of" in done.stdout


def test_screen_command_bad_list_raises_list_error(tmp_path: Path) -> None:
    make_store(tmp_path / "store")
    done = invoke("--store", tmp_path / "store", "--list", LISTS / "watchlist-bad-imo.csv")
    assert isinstance(done.exception, ListError)
    assert not (tmp_path / "store" / "matches").exists()


def test_name_contradicted_by_another_valid_imo_scores_less(entries: pl.DataFrame) -> None:
    reports = static(
        {"mmsi": 445000014, "name": "CHONMASAN"},
        {"mmsi": 445000015, "name": "CHONMASAN", "imo": 9074729},
    )
    matches = run(reports, entries)
    plain, other = of(matches, 445000014)["23729"], of(matches, 445000015)["23729"]
    assert other["score"] == pytest.approx(plain["score"] * 0.4, abs=1e-3)
    assert "but its IMO 9074729 differs from the listed IMO 8660313" in other["explanation"]
