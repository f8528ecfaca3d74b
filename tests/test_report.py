"""The offline evidence site: every event has a case file, pages open with no network.

The store is built once per session the way an analyst would (``simulate`` → ``ingest``
→ ``detect``, through the CLI) and shared with ``test_web_api`` and ``test_browser``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

import darkfleet.report
import darkfleet.web
from darkfleet import schema
from darkfleet._cli_report import report
from darkfleet.errors import ConfigError
from darkfleet.report import EventFilter, StoreView, build_site, case_data, vessel_data
from darkfleet.report.data import css_colour, jsonable
from darkfleet.report.query import parse_bbox, parse_kinds
from darkfleet.store import Store

SCENARIO = ["--seed", "5", "--vessels", "30", "--days", "3"]
FALLBACK_KINDS = "encounter,shared_mmsi"


def build_store(base: Path) -> Path:
    """simulate → ingest → detect into ``base/store`` once (idempotent within a session)."""
    store = base / "store"
    if (store / "meta" / "detect.json").is_file():
        return store
    from darkfleet.cli import app

    runner = CliRunner()
    sim = base / "sim"
    _ok(runner.invoke(app, ["simulate", "--out", str(sim), *SCENARIO]))
    _ok(runner.invoke(app, ["ingest", "--store", str(store), str(sim / "positions.nmea")]))
    detected = runner.invoke(app, ["detect", "--store", str(store)])
    if detected.exit_code != 0:  # some detectors are still being finished by others
        _ok(runner.invoke(app, ["detect", "--store", str(store), "--kinds", FALLBACK_KINDS]))
    return store


def _ok(result: Any) -> None:
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.getbasetemp() / "evidence")


@pytest.fixture(scope="session")
def events(store_path: Path) -> pl.DataFrame:
    return Store(store_path).read("events")


@pytest.fixture(scope="session")
def site(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_site(store_path, out)
    return out


def _data(path: Path) -> Any:
    """The value a ``data/*.js`` file registers with ``DF.put(key, value);``."""
    text = path.read_text()
    match = re.fullmatch(r'DF\.put\("[^"]+",(.*)\);\n', text, re.DOTALL)
    assert match, text[:80]
    return json.loads(match.group(1))


def test_every_event_has_a_case_file(site: Path, events: pl.DataFrame) -> None:
    assert events.height > 0
    index = _data(site / "data" / "index.js")
    assert sorted(e["event_id"] for e in index["events"]) == sorted(events["event_id"])
    for event_id in events["event_id"]:
        assert event_id in (site / "events" / f"{event_id}.html").read_text()
        assert _data(site / "data" / "events" / f"{event_id}.js")["event"]["event_id"] == event_id


def test_pages_use_only_local_files(site: Path) -> None:
    pages = [site / "index.html", *sorted((site / "events").glob("*.html"))[:5]]
    for page in pages:
        html = page.read_text()
        refs = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert refs and not [r for r in refs if "://" in r or r.startswith("//")]
        for ref in refs:
            if not ref.startswith(("#", "data:")):
                assert (page.parent / ref).is_file(), ref


def test_vendored_leaflet_has_licence_and_source(site: Path) -> None:
    vendor = site / "static" / "vendor"
    for name, version in (("leaflet", "1.9.4"), ("leaflet.markercluster", "1.5.3")):
        assert (vendor / name / "LICENSE").stat().st_size > 500
        source = (vendor / name / "SOURCE.md").read_text()
        assert f"`{name}`" in source and version in source
    assert "Leaflet 1.9.4" in (vendor / "leaflet" / "leaflet.js").read_text()[:200]


def test_case_file_of_an_encounter(store_path: Path, events: pl.DataFrame) -> None:
    row = events.filter(pl.col("kind") == "encounter").row(0, named=True)
    case = case_data(StoreView(store_path), row["event_id"])
    assert case is not None
    a, b = case["vessels"]
    assert (a["mmsi"], b["mmsi"]) == (row["mmsi"], row["other_mmsi"])
    since, until = (row["start"].timestamp() - 12 * 3600, row["end"].timestamp() + 12 * 3600)
    for vessel in (a, b):
        t = vessel["track"]["t"]
        assert t and since <= t[0] and t[-1] < until
        assert len(t) == len(vessel["track"]["lat"]) == len(vessel["track"]["sog"])
        assert vessel["identity"] and vessel["identity"][0]["mmsi"] == vessel["mmsi"]
    during = [
        km
        for t, km in zip(case["distance"]["t"], case["distance"]["km"], strict=True)
        if row["start"].timestamp() <= t <= row["end"].timestamp()
    ]
    assert during and min(during) < 1.0  # they were alongside
    assert case["provenance"] == Store(store_path).read_meta("detect")
    assert case["disclaimer"].startswith("Not a legal finding")


def test_not_screened_until_matches_exist(
    store_path: Path, events: pl.DataFrame, tmp_path: Path
) -> None:
    event_id = events.filter(pl.col("kind") == "encounter")["event_id"][0]
    case = case_data(StoreView(store_path), event_id)
    assert case and case["screened"] is False and case["vessels"][0]["matches"] is None
    copy = tmp_path / "store"
    shutil.copytree(store_path, copy)
    mmsi = int(events.filter(pl.col("event_id") == event_id)["mmsi"][0])
    with Store(copy, writable=True) as st:
        st.replace_table("matches", _one_match(mmsi))
    screened = case_data(StoreView(copy), event_id)
    assert screened and screened["screened"] is True
    assert [m["entry_name"] for m in screened["vessels"][0]["matches"]] == ["TEST VESSEL"]
    assert screened["vessels"][1]["matches"] == []


def _one_match(mmsi: int) -> pl.DataFrame:
    row = {
        "mmsi": mmsi,
        "list_name": "test list",
        "list_date": "2024-01-01",
        "entry_id": "T-1",
        "entry_name": "TEST VESSEL",
        "match_type": "imo",
        "score": 1.0,
        "explanation": "IMO equal",
        "programs": "DPRK",
    }
    return pl.DataFrame([row], schema=schema.polars_schema(schema.MATCHES))


def test_risk_reasons_when_assess_exists(store_path: Path, events: pl.DataFrame) -> None:
    pytest.importorskip("darkfleet.assess")
    event_id = events.filter(pl.col("kind") == "encounter")["event_id"][0]
    case = case_data(StoreView(store_path), event_id)
    assert case is not None and case["assessed"] is True
    for vessel in case["vessels"]:
        risk = vessel["risk"]
        assert risk["score"] == sum(int(r.split()[0]) for r in risk["reasons"])
        assert any(event_id[:8] in r for r in risk["reasons"])


def test_vessel_page_data(store_path: Path, events: pl.DataFrame) -> None:
    mmsi = int(events["mmsi"][0])
    page = vessel_data(StoreView(store_path), mmsi)
    assert page is not None and page["vessel"]["mmsi"] == mmsi
    assert page["track"]["t"] and page["identity"]
    assert all(mmsi in (e["mmsi"], e["other_mmsi"]) for e in page["events"])
    assert vessel_data(StoreView(store_path), 1) is None


def test_report_filters_by_kind(store_path: Path, tmp_path: Path) -> None:
    summary = build_site(store_path, tmp_path / "r", EventFilter(kinds=["encounter"]))
    index = _data(tmp_path / "r" / "data" / "index.js")
    assert {e["kind"] for e in index["events"]} == {"encounter"}
    pages = list((tmp_path / "r" / "events").iterdir())
    assert summary.events == len(index["events"]) == len(pages)
    assert index["scope"] == "Report limited to kinds encounter"


def test_report_refuses_a_foreign_folder_and_rebuilds_its_own(
    store_path: Path, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        build_site(store_path, tmp_path)
    out = tmp_path / "r"
    build_site(store_path, out, EventFilter(kinds=["encounter"]))
    build_site(store_path, out, EventFilter(kinds=["gap"]))
    kinds = {e["kind"] for e in _data(out / "data" / "index.js")["events"]}
    assert kinds <= {"gap"}
    assert len(list((out / "events").iterdir())) == len(_data(out / "data" / "index.js")["events"])


def test_report_command(store_path: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(report)
    app.command("noop")(lambda: None)  # a second command keeps typer's subcommand syntax
    runner = CliRunner()
    args = ["report", "--store", str(store_path), "--out", str(tmp_path / "r"), "--kind", "gap"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "case files" in result.output and (tmp_path / "r" / "index.html").is_file()
    bad = runner.invoke(app, [*args[:5], "--bbox", "1,2,3"])
    assert isinstance(bad.exception, ConfigError) and "bbox" in str(bad.exception)


def test_store_view_sees_a_replaced_table(store_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store"
    shutil.copytree(store_path, copy)
    view = StoreView(copy)
    before = view.table("events").height
    with Store(copy, writable=True) as st:
        st.replace_table("events", st.read("events").head(2))
    assert before > 2 and view.table("events").height == 2


@pytest.mark.parametrize(
    ("bad", "call"),
    [
        ("1,2,3", lambda: parse_bbox("1,2,3")),
        ("north", lambda: parse_bbox("0,north,1,2")),
        ("unknown", lambda: parse_kinds("encounter,teleport")),
        ("not before", lambda: EventFilter(since=_t("2024-03-02"), until=_t("2024-03-01"))),
        ("between 0 and 1", lambda: EventFilter(min_confidence=float("nan"))),
    ],
)
def test_bad_filter_values_say_what_is_wrong(bad: str, call: Any) -> None:
    with pytest.raises(ConfigError, match=bad):
        call()


def _t(text: str) -> Any:
    from darkfleet.report.query import parse_time

    return parse_time(text)


def test_helpers() -> None:
    assert css_colour("ff0000ff") == "#ff0000"
    assert jsonable({"a": [float("nan"), 1.0, float("inf")]}) == {"a": [None, 1.0, None]}


@pytest.mark.parametrize("module", [darkfleet.report, darkfleet.web])
def test_public_names_are_sorted(module: Any) -> None:
    assert module.__all__ == sorted(module.__all__)
    assert all(hasattr(module, name) for name in module.__all__)
