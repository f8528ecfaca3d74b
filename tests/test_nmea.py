"""The NMEA reader: time sources, rejects, assembly and conservation on real logs."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from darkfleet import schema
from darkfleet.ingest._batch import RECORDS, Batch
from darkfleet.ingest._nmea import looks_like_nmea, read_nmea

NMEA = Path(__file__).parent / "data" / "nmea"
REAL_FILES = sorted(p for p in NMEA.glob("*/*") if p.suffix not in (".md", ".json", ".chk", ".gz"))
TYPE1_OK = b"!AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00Sa,0*5C"
TYPE1 = TYPE1_OK[:-1] + b"F"
TYPE5 = [
    b"!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C",
    b"!AIVDM,2,2,1,A,88888888880,2*25",
]


def checked(body: str, start: str = "!") -> bytes:
    """``body`` as a sentence (``start`` ``!``/``$``) or tag block (``\\``) with its checksum."""
    check = 0
    for char in body.encode():
        check ^= char
    end = "\\" if start == "\\" else ""
    return f"{start}{body}*{check:02X}{end}".encode()


EPOCH_2013 = datetime(2013, 1, 2, 13, 43, 38, tzinfo=UTC)


def read(data: bytes, **kwargs: object) -> Batch:
    """All batches of ``data`` merged into one."""
    batches = list(read_nmea(io.BytesIO(data), "t.nmea", **kwargs))  # type: ignore[arg-type]
    if not batches:
        return Batch.empty()
    return Batch(
        positions=pl.concat([b.positions for b in batches]),
        static=pl.concat([b.static for b in batches]),
        rejects=pl.concat([b.rejects for b in batches]),
        ignored=sum(b.ignored for b in batches),
        read=sum(b.read for b in batches),
    )


def reasons(batch: Batch) -> list[str]:
    return batch.rejects["reason"].to_list()


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_real_file_conserves_records(path: Path) -> None:
    data = path.read_bytes()
    for batch_lines in (500_000, 7):
        batch = read(data, batch_lines=batch_lines)
        assert batch.read == sum(1 for line in data.splitlines() if line.strip())


def test_frames_have_the_canonical_columns() -> None:
    batch = read(b"1357134218 " + TYPE1_OK + b"\n" + b"\n".join(TYPE5), assume_time=EPOCH_2013)
    assert batch.positions.schema == schema.polars_schema(schema.POSITIONS) | {RECORDS: pl.Int32}
    assert batch.static.schema == schema.polars_schema(schema.STATIC) | {RECORDS: pl.Int32}
    assert batch.rejects.schema == schema.polars_schema(schema.REJECTS)


@pytest.mark.parametrize(
    "line",
    [
        b"1357134218 " + TYPE1_OK,
        b"1357134218000\t" + TYPE1_OK,
        b"2013-01-02T13:43:38Z," + TYPE1_OK,
        b"2013-01-02 13:43:38.000;" + TYPE1_OK,
        b"2013-01-02T14:43:38+01:00 " + TYPE1_OK,
        TYPE1_OK + b",1357134218",
        TYPE1_OK + b",d-109,S2105,t050056.00,T56.13718694,r003669946,1357134218,1325394001",
        checked("s:x,c:1357134218", "\\") + TYPE1_OK,
        checked("c:1357134218000", "\\") + TYPE1_OK,
        checked("PGHP,1,2013,1,2,13,43,38,0,219,,2190048,1,28", "$") + b"\n" + TYPE1_OK,
        checked("GPRMC,134338.00,A,5250.5,N,00542.3,E,0.0,,020113,,,A", "$") + b"\n" + TYPE1_OK,
        checked("GPZDA,134338.00,02,01,2013,00,00", "$") + b"\n" + TYPE1_OK,
    ],
)
def test_time_sources(line: bytes) -> None:
    batch = read(line)
    assert reasons(batch) == []
    assert batch.positions["ts"].to_list() == [EPOCH_2013]


def test_tag_block_time_beats_the_others() -> None:
    line = b"1000000000 " + checked("c:1357134218", "\\") + TYPE1_OK + b",1100000000"
    assert read(line).positions["ts"].to_list() == [EPOCH_2013]


def test_header_time_is_sticky_until_replaced() -> None:
    data = b"\n".join([
        checked("PGHP,1,2013,1,2,13,43,38,0,219,,2190048,1,28", "$"), TYPE1_OK, b"# note", TYPE1_OK,
        checked("PGHP,1,2013,1,2,13,43,39,0,219,,2190048,1,28", "$"), TYPE1_OK,
    ])  # fmt: skip
    seconds = [t.second for t in read(data).positions["ts"].to_list()]
    assert seconds == [38, 38, 39]


def test_no_time_is_rejected_unless_assumed() -> None:
    assert reasons(read(TYPE1_OK)) == ["no_timestamp"]
    assumed = read(TYPE1_OK, assume_time=EPOCH_2013)
    assert assumed.positions["ts"].to_list() == [EPOCH_2013]


def test_two_part_message_is_one_row_of_two_records() -> None:
    batch = read(b"\n".join([b"1357134218 " + TYPE5[0], TYPE1_OK, TYPE5[1]]))
    row = batch.static.row(0, named=True)
    assert (row["name"], row["callsign"], row["imo"], row[RECORDS]) == (
        "EVER DIADEM", "3FOF8", 9134270, 2
    )  # fmt: skip
    assert (row["length_m"], row["beam_m"], row["draught_m"]) == (295, 32, pytest.approx(12.2))
    assert row["destination"] == "NEW YORK"
    assert row["ts"] == EPOCH_2013


@pytest.mark.parametrize(
    "lines",
    [[TYPE5[0]], [TYPE5[1]], [TYPE5[1], TYPE5[0]], [TYPE5[0], TYPE5[0]]],
    ids=["first-only", "second-only", "reversed", "duplicated-first"],
)
def test_orphan_fragments(lines: list[bytes]) -> None:
    batch = read(b"\n".join(lines), assume_time=EPOCH_2013)
    assert reasons(batch) == ["orphan_fragment"] * len(lines)


def test_fragments_across_batches_assemble() -> None:
    data = b"\n".join([TYPE5[0], TYPE1_OK, TYPE1_OK, TYPE5[1]])
    batch = read(data, assume_time=EPOCH_2013, batch_lines=1)
    assert batch.static[RECORDS].to_list() == [2]
    assert batch.read == 4


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (TYPE1, "bad_checksum"),
        (TYPE1_OK[:-3], "bad_checksum"),
        (b"\\c:1357134218*00\\" + TYPE1_OK, "bad_checksum"),
        (checked("AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n,0"), "bad_length"),
        (checked("AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00S~,0"), "unparseable"),
        (b"hello world", "unparseable"),
        (b"!AIVDO,1,1,,A,10;iQCgP000eid0LW3P00001P000,0*13", "bad_value"),
        (TYPE1_OK + b",3786825600", "bad_value"),
    ],
)
def test_reject_reasons(line: bytes, reason: str) -> None:
    batch = read(line, assume_time=EPOCH_2013)
    assert reasons(batch) == [reason]
    assert batch.rejects["line_no"].to_list() == [1]
    assert batch.rejects["raw"].to_list() == [line.decode()]


def test_latitude_95_is_a_bad_value() -> None:
    # pyais.encode_dict({"type": 1, "mmsi": 366053209, "lat": 95.0, "lon": 10.0, "speed": 5})
    batch = read(b"!AIVDO,1,1,,A,15M67FOP0j0eid0nG0@00001P000,0*0F", assume_time=EPOCH_2013)
    assert (batch.positions.height, reasons(batch)) == (0, ["bad_value"])


def test_ignored_lines() -> None:
    data = b"\n".join([
        b"# comment", b"$GPGGA,184353.07,1929.045,S,02410.506,E,1,04,2.6,100.00,M,-33.9,M,,0000*6D",
        b"!AIVDM,1,1,,A,403OviQuMGCqWrRO9>E6fE700@GO,0*4D", b"", b"   ",
    ])  # fmt: skip
    batch = read(data)
    assert (batch.ignored, batch.read, batch.rejects.height) == (3, 3, 0)


def test_type_19_gives_a_position_and_a_static_row() -> None:
    # pyais.encode_dict of type 19, MMSI 366053209, "PROCYON", bow 10 m, stern 5 m
    line = b"!AIVDO,1,1,,A,C5M67F@000;LK079hp000000PTN6jNL000000000000000`2P000,0*24"
    batch = read(line, assume_time=EPOCH_2013)
    assert batch.positions[RECORDS].to_list() == [1]
    assert batch.static[RECORDS].to_list() == [0]
    assert batch.static.select("name", "length_m").row(0) == ("PROCYON", 15)


def test_joined_fragments_on_one_line_are_one_record() -> None:
    data = (NMEA / "gfw-ais-tools" / "bad-type5.nmea").read_bytes().splitlines()[0]
    batch = read(data)
    assert batch.static[RECORDS].to_list() == [1]
    assert batch.static["source"].cast(pl.String).to_list() == ["rMT2083"]


def test_source_defaults_to_the_file_name() -> None:
    batch = read(b"1357134218 " + TYPE1_OK)
    assert batch.positions["source"].cast(pl.String).to_list() == ["t.nmea"]


def test_sniffing() -> None:
    assert looks_like_nmea(b"# log\n\\c:1*00\\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n")
    assert looks_like_nmea((NMEA / "dma-aislib" / "stream_example.txt").read_bytes())
    assert not looks_like_nmea(b"MMSI,BaseDateTime,LAT,LON\n123,2020-01-01,1,2\n")
    assert not looks_like_nmea(b"")
