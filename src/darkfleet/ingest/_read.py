"""Dispatch an input unit to the reader for its format."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO

from darkfleet.errors import InputFormatError
from darkfleet.ingest._batch import Batch
from darkfleet.ingest._sniff import SNIFF_BYTES, Format, sniff

__all__ = ["detect_format", "read_stream"]


def detect_format(stream: BinaryIO, name: str, requested: str = "auto") -> Format:
    """The format of ``stream`` (peeked, not consumed), checked against ``requested``."""
    head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(stream, "peek") else b""
    if not head.strip():
        raise InputFormatError(f"{name}: empty file (no records)")
    found = sniff(head, name)
    if requested in ("auto", found) or (requested == "canonical" and found == "parquet"):
        return found
    if requested in ("marinecadastre", "dma", "canonical") and found in (
        "marinecadastre",
        "dma",
        "canonical",
    ):
        return found  # one synonym-driven reader serves every CSV layout
    raise InputFormatError(
        f"{name}: --format {requested} given, but the content looks like {found}"
    )


def read_stream(
    stream: BinaryIO, name: str, fmt: Format, assume_time: datetime | None = None
) -> Iterator[Batch]:
    """Batches of decoded records from ``stream`` in format ``fmt``."""
    if fmt == "nmea":
        from darkfleet.ingest._nmea import read_nmea

        return read_nmea(stream, name, assume_time=assume_time)
    if fmt == "gfw-json":
        from darkfleet.ingest._json import read_json_lines

        return read_json_lines(stream, name)
    if fmt == "parquet":
        from darkfleet.ingest._parquet import read_parquet

        return read_parquet(stream, name)
    from darkfleet.ingest._csv import read_csv

    return read_csv(stream, name)
