"""Ingest of CSV, JSON lines and Parquet: decoded values and exact conservation."""

from __future__ import annotations

import bz2
import gzip
import zipfile
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from darkfleet import Store, ingest, read_ais, schema
from darkfleet.errors import InputFormatError
from darkfleet.ingest import IngestReport

NOAA = Path(__file__).parent / "data" / "marinecadastre" / "noaa_20230111_sample.csv"
GPSDIO = Path(__file__).parent / "data" / "gpsdio_segment"
DMA_HEADER = (
    "# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,"
    "Heading,IMO,Callsign,Name,Ship type,Cargo type,Width,Length,"
    "Type of position fixing device,Draught,Destination,ETA,Data source type,A,B,C,D"
)


def conserved(report: IngestReport) -> None:
    for f in report.files:
        assert f.read == f.accepted + f.duplicates + f.ignored + f.rejected, f


def ingest_into(store_dir: Path, *paths: Path, **kw: object) -> IngestReport:
    with Store(store_dir, writable=True) as store:
        report = ingest(store, list(paths), **kw)  # type: ignore[arg-type]
    conserved(report)
    return report


def test_noaa_sample_counts_every_row(store_dir: Path) -> None:
    report = ingest_into(store_dir, NOAA)
    f = report.files[0]
    assert (f.format, f.read, f.accepted, f.rejected) == ("marinecadastre", 1000, 998, 2)
    rejects = Store(store_dir).read("rejects").sort("line_no")
    assert rejects["line_no"].to_list() == [524, 542]
    assert set(rejects["reason"]) == {"bad_value"}
    assert rejects["raw"][0].startswith("3669882,2023-01-11T00:00:05")


def test_noaa_values_decoded(store_dir: Path) -> None:
    positions, static = read_ais(NOAA)
    row = positions.filter(pl.col("mmsi") == 636021061).row(0, named=True)
    assert (row["lat"], row["lon"]) == (26.09241, -80.04806)
    assert row["sog_kn"] == pytest.approx(8.8) and row["cog_deg"] == pytest.approx(272.7)
    assert row["heading_deg"] == 270 and row["nav_status"] == 8
    ident = static.filter(pl.col("mmsi") == 636021061).row(0, named=True)
    assert ident["imo"] == 9307839 and ident["name"] == "MSC NAISHA III"
    assert ident["callsign"] == "5LCB4" and ident["ship_type"] == 70
    assert (ident["length_m"], ident["beam_m"], ident["draught_m"]) == (208.0, 30.0, 8.0)
    san_jose = positions.filter(pl.col("mmsi") == 367752440).row(0, named=True)
    assert san_jose["cog_deg"] is None  # COG 360 means "not available"


def test_dma_csv_day_first_times_and_non_vessels(
    write_file: Callable[..., Path], store_dir: Path
) -> None:
    rows = [
        "31/12/2015 23:59:59,Class A,219000001,55.5,10.5,Under way using engine,0,12.3,45.0,44,"
        "9074729,OXAB2,NORD STAR,Tanker,,20,120,GPS,7.5,AARHUS,,AIS,60,60,10,10",
        "31/12/2015 23:59:59,Base Station,2190047,55.6,10.6,Unknown value,,,,,,,,,,,,GPS,,,,"
        "AIS,,,,",
        "01/01/2016 00:00:10,AtoN,992191001,55.7,10.7,Unknown value,,,,,,,,,,,,GPS,,,,AIS,,,,",
        "01/01/2016 00:00:11,Class B,219000002,91,181,Unknown value,,102.3,360,511,,,,Pleasure,,,,"
        "GPS,0,,,AIS,,,,",
        "01/01/2016 00:00:12,Class A,21900000,55.5,10.5,Moored,,0,0,0,,,,,,,,GPS,,,,AIS,,,,",
        "01/01/2016 00:00:13,Class A,219000003,95.0,10.5,Moored,,0,0,0,,,,,,,,GPS,,,,AIS,,,,",
        "99/99/2016 00:00:14,Class A,219000003,55.0,10.5,Moored,,0,0,0,,,,,,,,GPS,,,,AIS,,,,",
        "01/01/2016 00:00:15,Class A,219000004,55.0",
        '01/01/2016 00:00:16,Class A,219000005,55.1,10.1,Moored,,0,0,0,,,"NAME, WITH COMMA",Cargo,,'
        ",,GPS,,,,AIS,,,,",
    ]
    path = write_file("dma.csv", DMA_HEADER + "\n" + "\n".join(rows) + "\n")
    report = ingest_into(store_dir, path)
    f = report.files[0]
    assert f.format == "dma"
    assert (f.read, f.accepted, f.ignored, f.rejected) == (9, 3, 2, 4)
    assert f.rejected_by_reason == {"bad_value": 2, "unparseable": 2}
    store = Store(store_dir)
    positions = store.read("positions").sort("mmsi")
    first = positions.row(0, named=True)
    assert first["ts"].isoformat() == "2015-12-31T23:59:59+00:00"
    assert first["nav_status"] == 0 and first["msg_type"] == 1
    sentinels = positions.filter(pl.col("mmsi") == 219000002).row(0, named=True)
    assert sentinels["lat"] is None and sentinels["lon"] is None and sentinels["sog_kn"] is None
    assert sentinels["cog_deg"] is None and sentinels["heading_deg"] is None
    assert sentinels["msg_type"] == 18
    static = store.read("static")
    tanker = static.filter(pl.col("mmsi") == 219000001).row(0, named=True)
    assert (tanker["ship_type"], tanker["name"], tanker["draught_m"]) == (80, "NORD STAR", 7.5)
    assert static.filter(pl.col("mmsi") == 219000005)["name"].to_list() == ["NAME, WITH COMMA"]


def test_renamed_headers_and_semicolons(write_file: Callable[..., Path]) -> None:
    text = (
        "MMSI;TimeStamp_UTC;Latitude;Longitude;Speed;Course;True_Heading\n"
        "412000001;2024-03-01 10:00:00;35.1;123.2;11.5;90;91\n"
        "412000001;2024-03-01T10:05:00Z;35.1;123.3;11.4;90;511\n"
    )
    positions, _ = read_ais(write_file("renamed.txt", text))
    assert positions["lon"].to_list() == [123.2, 123.3]
    assert positions["heading_deg"].to_list() == [91, None]


def test_gfw_json_lines_with_bare_nan(store_dir: Path) -> None:
    path = GPSDIO / "regr_224306000.jsonl.gz"
    report = ingest_into(store_dir, path)
    f = report.files[0]
    assert f.format == "gfw-json" and f.read == 5121 and f.rejected == 0
    static = Store(store_dir).read("static")
    assert "BAZ" in static["name"].to_list() and 8808757 in static["imo"].to_list()


def test_compressed_and_archived_inputs_read_the_same(tmp_path: Path) -> None:
    raw = NOAA.read_bytes()
    gz = tmp_path / "a.csv.gz"
    gz.write_bytes(gzip.compress(raw))
    bz = tmp_path / "b.dat"
    bz.write_bytes(bz2.compress(raw))
    zp = tmp_path / "c.zip"
    with zipfile.ZipFile(zp, "w") as archive:
        archive.writestr("inner/positions.csv", raw)
    plain, _ = read_ais(NOAA)
    for path in (gz, bz, zp):
        positions, _ = read_ais(path)
        assert positions.drop("source").equals(plain.drop("source"))
    report = ingest_into(tmp_path / "store", zp)
    assert report.files[0].path == f"{zp}!inner/positions.csv"


def test_canonical_parquet_and_csv_round_trip(tmp_path: Path) -> None:
    ingest_into(tmp_path / "one", NOAA)
    positions = Store(tmp_path / "one").read("positions")
    positions.write_parquet(tmp_path / "canon.parquet")
    positions.with_columns(pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")).write_csv(
        tmp_path / "canon.csv"
    )
    for name, fmt in (("canon.parquet", "parquet"), ("canon.csv", "canonical")):
        report = ingest_into(tmp_path / f"two-{fmt}", tmp_path / name)
        assert report.files[0].format == fmt and report.files[0].accepted == positions.height
        again = Store(tmp_path / f"two-{fmt}").read("positions").sort("mmsi", "ts")
        cols = [c for c in schema.POSITIONS.names if c != "source"]
        assert again.select(cols).equals(positions.sort("mmsi", "ts").select(cols))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(200), "binary"),
        ("ports.csv", "iso3,label,latitude,longitude\nKOR,BUSAN,35.1,129.0\n", "lacks mmsi, ts"),
        ("zones.geojson", '{"type": "FeatureCollection", "features": []}\n', "ssvid"),
        ("empty.csv", "", "empty"),
        ("blank.nmea", "\n\n  \n", "empty"),
    ],
)
def test_non_ais_files_are_refused(
    write_file: Callable[..., Path], name: str, content: str | bytes, message: str
) -> None:
    with pytest.raises(InputFormatError, match=message):
        read_ais(write_file(name, content))


def test_unknown_format_in_a_batch_does_not_stop_other_files(
    write_file: Callable[..., Path], store_dir: Path
) -> None:
    bad = write_file("ports.csv", "iso3,label\nKOR,BUSAN\n")
    report = ingest_into(store_dir, bad, NOAA)
    assert report.files[0].error and report.files[1].accepted == 998
