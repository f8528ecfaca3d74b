"""Every real AIS file in tests/data ingests into a store with exact conservation."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from darkfleet import Store, ingest, read_ais, schema
from darkfleet.ingest._batch import Batch
from darkfleet.ingest._csv import read_csv
from darkfleet.ingest._lines import BLANK

DATA = Path(__file__).parent / "data"
GPSDIO = sorted((DATA / "gpsdio_segment").glob("regr_*.jsonl.gz"))
NOAA = DATA / "marinecadastre" / "noaa_20230111_sample.csv"


def nmea_files() -> list[Path]:
    skip = {".md", ".json", ".chk", ".js"}
    files = [p for p in (DATA / "nmea").rglob("*") if p.is_file()]
    return sorted(p for p in files if p.suffix not in skip and ".chk" not in p.name)


def records_in(path: Path) -> int:
    """Non-blank lines; minus the header for CSV."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        count = sum(1 for line in fh if line.strip())
    return count - 1 if path.suffix == ".csv" else count


@pytest.mark.parametrize("path", [*nmea_files(), *GPSDIO, NOAA], ids=lambda p: p.name)
def test_real_file_conserves_every_record(path: Path, tmp_path: Path) -> None:
    with Store(tmp_path / "store", writable=True) as store:
        report = ingest(store, [path])
    f = report.files[0]
    assert f.error is None
    assert f.read == records_in(path)
    assert f.read == f.accepted + f.duplicates + f.ignored + f.rejected
    stored = Store(tmp_path / "store").read("rejects")
    assert stored.height == f.rejected
    assert stored["line_no"].is_between(1, records_in(path) + 10_000).all()


def test_all_real_files_together_then_again(tmp_path: Path) -> None:
    paths = [*nmea_files(), *GPSDIO, NOAA]
    with Store(tmp_path / "s", writable=True) as store:
        first = ingest(store, paths).totals()
    before = Store(tmp_path / "s").info()
    with Store(tmp_path / "s", writable=True) as store:
        again = ingest(store, paths).totals()
    assert first["read"] == again["read"] == again["duplicates"]
    assert Store(tmp_path / "s").info() == before


NOAA_LINES = NOAA.read_text().splitlines()
garbage = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
    st.sampled_from([",,,,", "\x00\x01", '"unterminated,quote', "MMSI,BaseDateTime"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.sampled_from(NOAA_LINES[1:]), min_size=0, max_size=40),
    noise=st.lists(st.tuples(st.integers(0, 40), garbage), max_size=10),
    cut=st.integers(0, 200),
)
def test_csv_mutations_never_crash_and_conserve(
    rows: list[str], noise: list[tuple[int, str]], cut: int
) -> None:
    lines = list(rows)
    for at, junk in noise:
        lines.insert(min(at, len(lines)), junk.replace("\n", " ").replace("\r", " "))
    if lines and cut:
        lines[-1] = lines[-1][: max(1, len(lines[-1]) - cut)]
    text = NOAA_LINES[0] + "\n" + "\n".join(lines) + "\n"
    batches: list[Batch] = list(read_csv(io.BytesIO(text.encode("utf-8", "replace")), "fuzz.csv"))
    read = sum(b.read for b in batches)
    assert read == sum(1 for ln in lines if ln.strip(BLANK))
    for batch in batches:
        assert (batch.positions["lat"].drop_nulls().abs() <= 90).all()
        assert set(batch.rejects["reason"]) <= {"unparseable", "bad_value"}


def test_read_ais_returns_canonical_frames() -> None:
    positions, static = read_ais(GPSDIO[0])

    assert positions.schema == schema.polars_schema(schema.POSITIONS)
    assert static.schema == schema.polars_schema(schema.STATIC)
    assert isinstance(positions, pl.DataFrame)
