"""Plain watchlists: a CSV with a header naming some of ``name,imo,mmsi,callsign,flag,note``.

Every row needs at least one of name, IMO, MMSI or call sign; IMO and MMSI must be
numbers (``IMO 9187629`` is accepted). ``flag`` is a country name or alpha-2 code. A
list of 300 IMO numbers is a one-column watchlist with the header ``imo``. The list is
named ``watchlist:<file name>`` and dated by the file name, else its modification time.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import polars as pl

from darkfleet.errors import ListError
from darkfleet.screen.entries import entries_frame

__all__ = ["COLUMNS", "looks_like_watchlist", "read_watchlist"]

COLUMNS = ("name", "imo", "mmsi", "callsign", "flag", "note")
_NUMBER = re.compile(r"^(?:IMO|MMSI)?\s*(\d{1,10})$", re.IGNORECASE)


def _header(text: str) -> list[str]:
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    return [c.strip().lower() for c in first.split(",")]


def looks_like_watchlist(text: str) -> bool:
    """True when the first line is a header of watchlist column names."""
    header = _header(text)
    return set(header) <= set(COLUMNS) and bool(set(header) & {"name", "imo", "mmsi", "callsign"})


def read_watchlist(path: Path, text: str, list_date: str) -> pl.DataFrame:
    """The watchlist's rows as vessel entries (``entry_id`` is the line number)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [c.strip().lower() for c in next(reader)]
    rows = []
    for row in reader:
        if not any(v.strip() for v in row):
            continue
        rows.append(_row(path, reader.line_num, header, row))
    if not rows:
        raise ListError(f"{path}: watchlist has a header but no rows")
    columns = {key: [r[key] for r in rows] for key in rows[0]}
    return entries_frame(columns, f"watchlist:{path.name}", list_date)


def _row(path: Path, line: int, header: list[str], row: list[str]) -> dict[str, Any]:
    if len(row) != len(header):
        raise ListError(f"{path}:{line}: {len(row)} columns, the header has {len(header)}")
    values = {key: (value.strip() or None) for key, value in zip(header, row, strict=True)}
    if not any(values.get(k) for k in ("name", "imo", "mmsi", "callsign")):
        raise ListError(f"{path}:{line}: row has no name, IMO, MMSI or call sign")
    return {
        "entry_id": str(line),
        "kind": "vessel",
        "name": values.get("name") or _label(values),
        "aliases": [],
        "imo": _number(path, line, "imo", values.get("imo")),
        "mmsi": _number(path, line, "mmsi", values.get("mmsi")),
        "callsign": values.get("callsign"),
        "flag": values.get("flag"),
        "programs": [],
        "remarks": values.get("note"),
    }


def _label(values: dict[str, str | None]) -> str:
    """A name for an unnamed row: its first identifier, e.g. 'IMO 9187629'."""
    key = next(k for k in ("imo", "mmsi", "callsign") if values.get(k))
    return f"{key.upper()} {values[key]}"


def _number(path: Path, line: int, column: str, value: str | None) -> int | None:
    if value is None:
        return None
    found = _NUMBER.match(value)
    if not found:
        raise ListError(f"{path}:{line}: {column} {value!r} is not a number")
    return int(found.group(1))
