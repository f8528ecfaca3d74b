"""Property tests: whatever happens to real lines, the reader never raises or loses one."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from darkfleet.ingest._nmea import read_nmea

NMEA = Path(__file__).parent / "data" / "nmea"
REAL_LINES = [
    line
    for name in ("libais/tagblock.nmea", "gfw-ais-tools/ee-multiline.nmea", "pyais/mixed.txt",
                 "dma-aislib/small_cb_example.txt", "gfw-ais-tools/bad-type5.nmea")
    for line in (NMEA / name).read_bytes().splitlines()
]  # fmt: skip
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def conserved(data: bytes, batch_lines: int = 500_000) -> None:
    batches = list(read_nmea(io.BytesIO(data), "prop", batch_lines=batch_lines))
    records = sum(1 for line in data.split(b"\n") if line.strip(b" \t\r\x0b\x0c"))
    assert sum(b.read for b in batches) == records
    for batch in batches:
        assert set(batch.rejects["line_no"]) <= set(range(1, data.count(b"\n") + 2))


lines = st.lists(st.sampled_from(REAL_LINES), max_size=30)


@SETTINGS
@given(lines, st.integers(1, 5))
def test_reordered_lines(sample: list[bytes], batch_lines: int) -> None:
    conserved(b"\n".join(sample), batch_lines)


@SETTINGS
@given(lines, st.data())
def test_truncated_lines(sample: list[bytes], data: st.DataObject) -> None:
    cut = [line[: data.draw(st.integers(0, len(line)))] for line in sample]
    conserved(b"\n".join(cut))


@SETTINGS
@given(lines, st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=20))
def test_mutated_bytes(sample: list[bytes], edits: list[tuple[int, int]]) -> None:
    data = bytearray(b"\r\n".join(sample))
    for at, value in edits:
        if data:
            data[at % len(data)] = value
    conserved(bytes(data))


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(REAL_LINES), st.binary(max_size=80)), max_size=30))
def test_interleaved_garbage(sample: list[bytes]) -> None:
    conserved(b"\n".join(sample), batch_lines=3)
