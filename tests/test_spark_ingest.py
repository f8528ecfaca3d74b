"""``ingest --engine spark`` stores exactly what the local ingest stores.

Inputs: NOAA MarineCadastre's real sample, a simulated scenario's CSV (plain, a
gzip copy that overlaps it, and a hostile cut with CRLF endings, blank lines, quoted
fields, ragged and unparseable rows, and a Latin-1 byte), and canonical Parquet
(positions in several row groups, naive timestamps, a static-only file). The Spark
session splits files every 64 KiB, so CSV files are cut into many splits and line
numbers must be stitched across them. Compared: every file's report, the positions
and rejects tables, and the static reports with their spans.
"""

from __future__ import annotations

import gzip
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from conftest import run_cli
from darkfleet.ingest import ingest
from darkfleet.simulate import ScenarioParams, simulate, write_scenario
from darkfleet.store import Store

pytest.importorskip("pyspark")

pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

NOAA = Path(__file__).parent / "data" / "marinecadastre" / "noaa_20230111_sample.csv"
HOSTILE_TAIL = [
    "",
    "   ",
    "garbage,line",
    '368000001,2024-03-01T05:00:00,38.5,118.2,3.0,90.0,511.0,"SHIP, COMMA",,X,70,,90,20,5,70,A',
    "368000002,2024-03-01T05:00:00,north,118.2,3.0,90.0,511.0,BAD LAT,,X,70,,90,20,5,70,A",
    "368000003,2024-03-01T05:00:00,95.0,118.2,3.0,90.0,511.0,OFF EARTH,,X,70,,90,20,5,70,A",
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from darkfleet.engine._spark_session import spark_session

    session = spark_session("local[2]")
    session.conf.set("spark.sql.files.maxPartitionBytes", str(64 << 10))
    yield session
    session.stop()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Input files; names sort in the order the tests pass them."""
    root = tmp_path_factory.mktemp("spark-ingest-inputs")
    scenario = simulate(ScenarioParams(seed=5, vessels=20, days=1.0))
    csv = write_scenario(scenario, root / "scenario")["csv"]
    lines = csv.read_text().splitlines()
    files = {"noaa": root / "a_noaa.csv", "scenario": root / "b_scenario.csv"}
    shutil.copy(NOAA, files["noaa"])
    shutil.copy(csv, files["scenario"])
    files["overlap"] = root / "c_overlap.csv.gz"
    files["overlap"].write_bytes(gzip.compress("\n".join([lines[0], *lines[-3000:]]).encode()))
    files["hostile"] = root / "d_hostile.csv"
    hostile = ["", lines[0], *lines[5000:6500], *HOSTILE_TAIL, *lines[6500:7000]]
    latin = b"412443982,2024-03-01T07:00:01,38.9,117.8,0,90,511,CAF\xc9,,B8,30,,28,6,,30,B"
    files["hostile"].write_bytes(b"\r\n".join([*(h.encode() for h in hostile), latin]))
    positions = scenario.positions.drop("seg_id", strict=False)
    files["parquet"] = root / "e_positions.parquet"
    positions.head(6_000).write_parquet(files["parquet"], row_group_size=1_500)
    files["naive"] = root / "f_naive.parquet"
    naive = positions.slice(5_000, 3_000).with_columns(pl.col("ts").dt.replace_time_zone(None))
    naive.write_parquet(files["naive"])
    files["static"] = root / "g_static.parquet"
    scenario.static.write_parquet(files["static"])
    return files


def _tables(root: Path) -> dict[str, pl.DataFrame]:
    store = Store(root)
    frames = {t: store.read(t) for t in ("positions", "static", "rejects")}
    return {t: f.sort(f.columns, nulls_last=True) for t, f in frames.items()}


def _static_reports(static: pl.DataFrame) -> pl.DataFrame:
    """Each vessel's distinct static reports with their first and last times.

    Runs of identical reports that came with position rows are kept as their first and
    last row per decoded block, and the engines cut blocks differently; the reports and
    their spans are the same.
    """
    fields = [c for c in static.columns if c not in ("ts", "source")]
    spans = static.group_by(fields).agg(pl.col("ts").min().alias("first"), pl.col("ts").max())
    return spans.sort(fields, nulls_last=True)


def _local(root: Path, files: list[Path]) -> dict[str, Any]:
    with Store(root, writable=True) as st:
        return ingest(st, files).as_dict()


def _spark(root: Path, files: list[str], spark: Any) -> dict[str, Any]:
    from darkfleet.engine.spark_ingest import ingest_spark

    with Store(root, writable=True) as st:
        return ingest_spark(st, files, session=spark).as_dict()


def test_spark_ingest_equals_local(inputs: dict[str, Path], spark: Any, tmp_path: Path) -> None:
    files = [path for key, path in inputs.items() if key != "static"]
    local = _local(tmp_path / "local", files)
    remote = _spark(tmp_path / "spark", [str(f) for f in files], spark)
    assert remote == local
    assert local["rejected"] >= 5 and local["duplicates"] >= 3_000  # the inputs bite
    hostile = next(f for f in remote["files"] if f["path"].endswith("d_hostile.csv"))
    assert hostile["rejected_by_reason"] == {"unparseable": 2, "bad_value": 1}
    expected, got = _tables(tmp_path / "local"), _tables(tmp_path / "spark")
    for table in ("positions", "rejects"):
        assert_frame_equal(got[table], expected[table])
    assert_frame_equal(_static_reports(got["static"]), _static_reports(expected["static"]))
    rejects = got["rejects"].filter(pl.col("source").str.ends_with("d_hostile.csv"))
    assert rejects["line_no"].to_list() == [1505, 1507, 1508]  # blank lines counted


def test_static_only_records_equal_local(
    inputs: dict[str, Path], spark: Any, tmp_path: Path
) -> None:
    """Static-only records (no position) are stored and counted alike.

    Mixed with identities carried by CSV position rows at the very same times, their
    duplicate count can differ (README: which carried rows are kept depends on where
    blocks are cut); on their own they match exactly.
    """
    files = [inputs["static"], inputs["static"].with_name("h_static_copy.parquet")]
    pl.read_parquet(files[0]).reverse().write_parquet(files[1])
    local = _local(tmp_path / "local", files)
    remote = _spark(tmp_path / "spark", [str(f) for f in files], spark)
    assert remote == local
    assert local["accepted"] > 0 and local["duplicates"] == local["files"][1]["read"]
    assert_frame_equal(_tables(tmp_path / "spark")["static"], _tables(tmp_path / "local")["static"])


def test_each_engine_knows_what_the_other_ingested(
    inputs: dict[str, Path], spark: Any, tmp_path: Path
) -> None:
    files = [inputs["noaa"], inputs["parquet"]]
    first = _spark(tmp_path / "store", [str(f) for f in files], spark)
    again_local = _local(tmp_path / "store", files)
    again_spark = _spark(tmp_path / "store", [str(f) for f in files], spark)
    for report in (again_local, again_spark):
        assert report["accepted"] == 0 and report["duplicates"] == first["read"]
        assert all(f["already_ingested"] for f in report["files"])


def test_duplicates_of_stored_rows(inputs: dict[str, Path], spark: Any, tmp_path: Path) -> None:
    """Part of the input is already stored: the same split as the local ingest's."""
    stored, later = [inputs["parquet"]], [inputs["overlap"], inputs["naive"]]
    _local(tmp_path / "local", stored)
    _local(tmp_path / "spark", stored)
    local = _local(tmp_path / "local", later)
    remote = _spark(tmp_path / "spark", [str(f) for f in later], spark)
    assert remote == local
    assert local["accepted"] > 0 and local["duplicates"] >= 1_000  # rows 5,000-6,000
    assert_frame_equal(
        _tables(tmp_path / "spark")["positions"], _tables(tmp_path / "local")["positions"]
    )


def test_uri_inputs_are_listed_by_spark(
    inputs: dict[str, Path], spark: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for key in ("noaa", "overlap", "parquet"):
        shutil.copy(inputs[key], folder / inputs[key].name)
    local = _local(tmp_path / "local", sorted(folder.iterdir()))
    remote = _spark(tmp_path / "spark", [folder.as_uri()], spark)
    assert [f["path"] for f in remote["files"]] == [
        f"file:{p}" for p in sorted(str(p) for p in folder.iterdir())
    ]
    for key in ("read", "accepted", "duplicates", "ignored", "rejected"):
        assert remote[key] == local[key]
    named = pl.col("source").cast(pl.String).str.replace("^file:", "")
    got, expected = (_tables(tmp_path / n)["positions"] for n in ("spark", "local"))
    assert_frame_equal(got.with_columns(named), expected.with_columns(named))


def test_uri_file_without_an_ais_header_is_reported(
    inputs: dict[str, Path], spark: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_prices.csv").write_text("date,price\n2024-01-01,3.5\n")
    shutil.copy(inputs["noaa"], folder / "b_noaa.csv")
    report = _spark(tmp_path / "store", [folder.as_uri()], spark)
    bad, good = report["files"]
    assert "not AIS" in bad["error"] and bad["read"] == 0
    assert "error" not in good and good["accepted"] == 998
    assert Store(tmp_path / "store").info().positions == 998


def test_unreadable_inputs_are_reported_and_the_rest_committed(
    inputs: dict[str, Path], spark: Any, tmp_path: Path
) -> None:
    nmea = tmp_path / "track.nmea"
    nmea.write_text("!AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0*5C\n")
    archive = tmp_path / "inputs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(inputs["noaa"], "noaa.csv")
    misnamed = tmp_path / "misnamed.csv"
    misnamed.write_bytes(gzip.compress(inputs["noaa"].read_bytes()))
    missing = tmp_path / "missing.csv"
    paths = [nmea, archive, misnamed, missing, inputs["noaa"]]
    report = _spark(tmp_path / "store", [str(p) for p in paths], spark)
    errors = [f.get("error", "") for f in report["files"]]
    assert "--engine spark reads CSV and Parquet" in errors[0]
    assert "zip archives are read by the local engine only" in errors[1]
    assert "Spark picks the decompressor by the extension" in errors[2]
    assert "no such file" in errors[3]
    assert "error" not in report["files"][4] and report["files"][4]["accepted"] == 998
    assert Store(tmp_path / "store").info().positions == 998


def test_cli_spark_ingest(inputs: dict[str, Path], tmp_path: Path) -> None:
    done = run_cli(
        "ingest", "--engine", "spark", "--master", "local[1]", "--store", tmp_path / "s",
        "--json", inputs["noaa"],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"accepted": 998' in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "spark", "--assume-time", "2024-01-01T00:00:00Z"], "--assume-time is for"),
        (["--master", "local[2]"], "--master needs --engine spark"),
        (["--engine", "flink"], "choose local or spark"),
    ],
)
def test_cli_engine_options_checked(
    args: list[str], message: str, inputs: dict[str, Path], tmp_path: Path
) -> None:
    done = run_cli("ingest", "--store", tmp_path / "s", *args, inputs["noaa"])
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
