"""Sanctions list loaders: the real OFAC and UN snapshots, FtM and watchlist fixtures, bad files."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import polars as pl
import pytest

from darkfleet.errors import ListError
from darkfleet.screen import (
    BUNDLED_DIR,
    ENTRIES,
    bundled_lists,
    detect_format,
    list_infos,
    load_list,
    load_lists,
)

LISTS = Path(__file__).parent / "data" / "lists"
OFAC = BUNDLED_DIR / "ofac-sdn-2024-05-03.csv.gz"
UN = BUNDLED_DIR / "un-consolidated-2020-11-24.xml.gz"


@pytest.fixture(scope="module")
def ofac() -> pl.DataFrame:
    return load_list(OFAC)


@pytest.fixture(scope="module")
def un() -> pl.DataFrame:
    return load_list(UN)


def entry(frame: pl.DataFrame, entry_id: str) -> dict[str, object]:
    rows = frame.filter(pl.col("entry_id") == entry_id).to_dicts()
    assert len(rows) == 1, entry_id
    return rows[0]


# -- OFAC SDN ---------------------------------------------------------------------------


def test_ofac_snapshot_vessels(ofac: pl.DataFrame) -> None:
    vessels = ofac.filter(pl.col("kind") == "vessel")
    assert vessels.height == 851
    with_imo = vessels.filter(pl.col("imo").is_not_null() | pl.col("imo_invalid").is_not_null())
    assert with_imo.height == 842
    assert vessels["mmsi"].drop_nulls().len() == 154
    assert ofac.schema == ENTRIES
    assert set(ofac["list_date"]) == {"2024-05-03"} and set(ofac["list_name"]) == {"OFAC SDN"}


def test_ofac_kinds_and_no_aircraft(ofac: pl.DataFrame) -> None:
    counts = dict(ofac.group_by("kind").len().iter_rows())
    assert counts == {"vessel": 851, "individual": 6854, "entity": 6884}


def test_ofac_remarks_become_columns(ofac: pl.DataFrame) -> None:
    artavil = entry(ofac, "15036")
    assert artavil["name"] == "ARTAVIL" and artavil["imo"] == 9187629
    assert artavil["mmsi"] == 572469210 and artavil["callsign"] == "T2EU4"
    assert artavil["flag"] == "IR" and artavil["aliases"] == ["ALPHA"]
    assert artavil["owner"] == "NATIONAL IRANIAN TANKER COMPANY"
    assert artavil["programs"] == ["IRAN"] and artavil["vessel_type"] == "Crude/Oil Products Tanker"
    ark = entry(ofac, "15037")
    assert ark["aliases"] == ["ABADEH", "CRYSTAL", "SUNDIAL", "ARK"]
    assert entry(ofac, "4238")["owner"] == "Samir de Navegacion S.A."  # Vess_owner column
    assert entry(ofac, "306")["aliases"] == ["BNC"] and entry(ofac, "306")["kind"] == "entity"


def test_ofac_dprk_tanker_and_multi_program(ofac: pl.DataFrame) -> None:
    chon = entry(ofac, "23729")
    assert (chon["name"], chon["imo"], chon["flag"]) == ("CHON MA SAN", 8660313, "KP")
    assert chon["owner"] == "KOREA ACHIM SHIPPING CO" and chon["programs"] == ["DPRK4"]
    multi = ofac.filter(pl.col("programs").list.len() > 1)
    assert multi.height > 100
    assert not multi["programs"].explode().str.contains(r"[\[\]]").any()  # "A] [B" split


def test_ofac_published_bytes_crlf_and_ctrl_z(tmp_path: Path) -> None:
    sample = LISTS / "ofac-sample.csv"
    assert sample.read_bytes().endswith(b"\r\n\x1a")
    frame = load_list(sample, list_date="2024-05-03")
    assert frame["entry_id"].to_list() == ["306", "15036", "23729", "23736"]
    assert frame["list_date"].unique().to_list() == ["2024-05-03"]
    dated = tmp_path / "sdn-20240503.csv"
    shutil.copy(sample, dated)
    assert load_list(dated)["list_date"][0] == "2024-05-03"  # date from the file name


# -- UN consolidated ----------------------------------------------------------------------


def test_un_snapshot_counts_and_date(un: pl.DataFrame) -> None:
    assert dict(un.group_by("kind").len().iter_rows()) == {"individual": 713, "entity": 305}
    assert set(un["list_date"]) == {"2020-11-24"} and un.schema == ENTRIES
    dprk = un.filter(pl.col("programs").list.contains("DPRK"))
    assert dict(dprk.group_by("kind").len().iter_rows()) == {"individual": 80, "entity": 75}


def test_un_dprk_shipping_companies(un: pl.DataFrame) -> None:
    yujong = entry(un, "KPe.066")
    assert yujong["name"] == "KOREA YUJONG SHIPPING CO LTD" and yujong["kind"] == "entity"
    assert "ship-to-ship transfer" in str(yujong["remarks"]) and yujong["imo"] is None
    assert entry(un, "KPe.022")["aliases"] == ["Chong Chon Gang Shipping Co. Ltd."]
    assert entry(un, "KPi.037")["name"] == "CHANG CHANG HA"  # name parts joined, spaces tidy


# -- OpenSanctions FtM ------------------------------------------------------------------------


def test_ftm_entities_owners_and_date() -> None:
    frame = load_list(LISTS / "opensanctions.ftm.json")
    assert frame.schema == ENTRIES and set(frame["list_name"]) == {"OpenSanctions"}
    assert set(frame["list_date"]) == {"2024-05-01"}  # latest last_change
    assert dict(frame.select("entry_id", "kind").iter_rows()) == {
        "co-omm": "entity",
        "vessel-wise-honest": "vessel",
        "vessel-sky-dream": "vessel",
        "vessel-sea-bright": "vessel",
        "person-1": "individual",
    }
    wise = entry(frame, "vessel-wise-honest")
    assert (wise["imo"], wise["mmsi"], wise["callsign"], wise["flag"]) == (
        8905490, 445112000, "HMYE", "KP"
    )  # fmt: skip
    assert wise["aliases"] == ["SONG HWA"] and wise["vessel_type"] == "Bulk Carrier"
    assert wise["owner"] == "OCEAN MARITIME MANAGEMENT COMPANY, LIMITED"
    assert wise["programs"] == ["us_ofac_sdn", "un_sc_sanctions"]


def test_ftm_nested_owner_ownership_link_and_invalid_imo() -> None:
    frame = load_list(LISTS / "opensanctions.ftm.json")
    sky = entry(frame, "vessel-sky-dream")
    assert sky["owner"] == "SKY SHIPPING LTD" and sky["aliases"] == ["SKY-DREAM 1"]
    sea = entry(frame, "vessel-sea-bright")
    assert sea["owner"] == "OCEAN MARITIME MANAGEMENT COMPANY, LIMITED"  # via Ownership
    assert sea["imo"] is None and sea["imo_invalid"] == 1234568


# -- watchlists -------------------------------------------------------------------------------


def test_watchlist_rows() -> None:
    frame = load_list(LISTS / "watchlist.csv", list_date="2024-06-01")
    assert frame["list_name"][0] == "watchlist:watchlist.csv" and frame.schema == ENTRIES
    assert frame["entry_id"].to_list() == ["2", "3", "4"]  # line numbers
    assert frame["imo"].to_list() == [8905490, 9187629, None]
    assert frame["name"].to_list() == ["WISE HONEST", "IMO 9187629", "CHON MA SAN"]
    assert frame["flag"].to_list() == ["KP", None, "KP"]
    assert frame["remarks"][0] == "seized 2019" and set(frame["kind"]) == {"vessel"}


def test_one_column_imo_list() -> None:
    frame = load_list(LISTS / "imo-list.csv")
    assert frame["imo"].to_list() == [9187629, 8660313, 7406784]


# -- format detection, gzip, bundled ------------------------------------------------------


def test_format_is_detected_by_content(tmp_path: Path) -> None:
    disguised = tmp_path / "list.txt"
    shutil.copy(LISTS / "opensanctions.ftm.json", disguised)
    assert set(load_list(disguised)["list_name"]) == {"OpenSanctions"}
    texts = {
        "un-xml": "<?xml version='1.0'?><CONSOLIDATED_LIST/>",
        "ftm-json": '{"id": "x"}',
        "watchlist": "imo,name\n",
        "ofac-csv": (LISTS / "ofac-sample.csv").read_text(),
    }
    assert {fmt: detect_format(text) for fmt, text in texts.items()} == {k: k for k in texts}
    assert detect_format("hello") is None


def test_gzip_is_transparent(tmp_path: Path) -> None:
    packed = tmp_path / "watchlist.csv.gz"
    packed.write_bytes(gzip.compress((LISTS / "watchlist.csv").read_bytes()))
    plain = load_list(LISTS / "watchlist.csv", "2024-06-01").drop("list_name")
    assert load_list(packed, "2024-06-01").drop("list_name").equals(plain)


def test_bundled_lists_and_infos() -> None:
    entries = load_lists(bundled_lists())
    infos = [(i.name, i.date, i.entries) for i in list_infos(entries)]
    assert infos == [("OFAC SDN", "2024-05-03", 14589), ("UN SC Consolidated", "2020-11-24", 1018)]
    assert load_lists([]).schema == ENTRIES


# -- malformed files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "where", "why"),
    [
        ("ofac-bad-fields.csv", ":3:", "11 fields, expected 12"),
        ("opensanctions-bad.ftm.json", ":4:", "bad JSON"),
        ("opensanctions-not-entity.ftm.json", ":2:", "not an FtM entity"),
        ("watchlist-bad-imo.csv", ":3:", "imo '9O66978' is not a number"),
        ("watchlist-bad-columns.csv", ":4:", "7 columns, the header has 6"),
        ("un-truncated.xml", ":6:", "not well-formed XML (no element found)"),
        ("un-wrong-root.xml", ":1:", "not a UN consolidated list"),
        ("not-a-list.txt", ":1:", "not a known list format"),
        ("empty.csv", "", "empty list file"),
        ("empty-ofac.csv", "", "empty list file"),
    ],
)
def test_malformed_file_names_file_and_line(name: str, where: str, why: str) -> None:
    path = LISTS / name
    with pytest.raises(ListError) as caught:
        load_list(path)
    message = str(caught.value)
    assert message.startswith(f"{path}{where}") and why in message, message


def test_one_bad_file_loads_nothing(tmp_path: Path) -> None:
    with pytest.raises(ListError, match=r"watchlist-bad-imo\.csv:3"):
        load_lists([LISTS / "watchlist.csv", LISTS / "watchlist-bad-imo.csv"])
    with pytest.raises(ListError, match="cannot read list"):
        load_list(tmp_path / "missing.csv")
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(b"name,imo\nX,1\n")[:-6])
    with pytest.raises(ListError, match="damaged gzip"):
        load_list(broken)
