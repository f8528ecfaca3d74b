"""Recognise an input's format from its content, not its name.

The first 64 KiB of the decompressed bytes decide: Parquet by its magic number, NMEA
by AIS sentences, JSON lines by an object with a vessel identifier, CSV by a header
that names at least an MMSI, a time, a latitude and a longitude.
"""

from __future__ import annotations

import json
import re
from typing import Final, Literal

from darkfleet.errors import InputFormatError
from darkfleet.ingest._columns import canonical_columns, normalise_header

__all__ = ["FORMATS", "Format", "sniff"]

Format = Literal["nmea", "marinecadastre", "dma", "gfw-json", "canonical", "parquet"]
FORMATS: Final = ("nmea", "marinecadastre", "dma", "gfw-json", "canonical")

SNIFF_BYTES = 1 << 16
_SENTENCE = re.compile(rb"[!$][A-Z]{2}VD[MO],")
_BARE_NAN = re.compile(rb"(?<=[:\[,\s])NaN(?=\s*[,\]}])")
_KEY_FIELDS = ("mmsi", "ts", "lat", "lon")
_CANONICAL = {"mmsi", "ts", "lat", "lon"}


def sniff(head: bytes, name: str) -> Format:
    """The format of a file whose first bytes are ``head``; raises if it is not AIS."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if b"\x00" in head[:4096]:
        raise InputFormatError(f"{name}: not AIS (binary content)")
    lines = [ln.strip() for ln in head.splitlines()[:-1] or head.splitlines() if ln.strip()]
    if not lines:
        raise InputFormatError(f"{name}: empty file (no records)")
    if sum(bool(_SENTENCE.search(ln)) for ln in lines) >= max(1, len(lines) // 20):
        return "nmea"
    if lines[0].startswith(b"{"):
        return _sniff_json(lines[0], name)
    return _sniff_csv(lines[0], name)


def _sniff_json(line: bytes, name: str) -> Format:
    try:
        obj = json.loads(_BARE_NAN.sub(b"null", line))
    except ValueError:
        raise InputFormatError(f"{name}: not AIS (first line is not valid JSON)") from None
    if isinstance(obj, dict) and ({"ssvid", "mmsi"} & set(obj)):
        return "gfw-json"
    raise InputFormatError(f"{name}: not AIS (JSON lines without an 'ssvid' or 'mmsi' field)")


def _sniff_csv(line: bytes, name: str) -> Format:
    header = split_header(line.decode("utf-8", errors="replace"))
    normalised = {normalise_header(h) for h in header}
    if "typeofmobile" in normalised:
        return "dma"
    if {h.strip().lower() for h in header} >= _CANONICAL:
        return "canonical"
    found = canonical_columns(header)
    if all(field in found for field in _KEY_FIELDS):
        return "marinecadastre"
    missing = ", ".join(f for f in _KEY_FIELDS if f not in found)
    raise InputFormatError(
        f"{name}: not AIS (no NMEA sentences, and the CSV header lacks {missing})"
    )


def split_header(line: str) -> list[str]:
    """Fields of a CSV header line, with the delimiter guessed among , ; tab |."""
    delimiter = max(",;\t|", key=line.count)
    return [field.strip().strip('"') for field in line.lstrip("\ufeff").split(delimiter)]


def delimiter_of(line: str) -> str:
    """The delimiter a header line uses."""
    return max(",;\t|", key=line.count)
