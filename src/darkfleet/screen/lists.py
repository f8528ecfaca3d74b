"""Load sanctions lists and watchlists into one list-entry table, whatever their format.

The format is recognised from the content, not the file name: XML is the UN
consolidated list, JSON lines are OpenSanctions FtM entities, a header of
``name,imo,mmsi,callsign,flag,note`` columns is a watchlist, and numbered rows of twelve
quoted fields are OFAC's SDN CSV. ``.gz`` files are read transparently. A file that
cannot be read completely raises :class:`~darkfleet.errors.ListError` naming the file
and line: a list is loaded whole or not at all.

>>> entries = load_lists(bundled_lists())
>>> sorted(entries["list_name"].unique())
['OFAC SDN', 'UN SC Consolidated']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from darkfleet.errors import ListError
from darkfleet.screen._ofac import looks_like_ofac, read_ofac
from darkfleet.screen._opensanctions import looks_like_ftm, read_ftm
from darkfleet.screen._source import date_of, read_bytes, text_of
from darkfleet.screen._un import looks_like_un, read_un
from darkfleet.screen._watchlist import looks_like_watchlist, read_watchlist
from darkfleet.screen.entries import ENTRIES

__all__ = [
    "BUNDLED_DIR",
    "ListInfo",
    "bundled_lists",
    "detect_format",
    "list_infos",
    "load_list",
    "load_lists",
]

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "lists"
"""Bundled snapshots: OFAC SDN 2024-05-03 and the UN consolidated list 2020-11-24."""

FORMATS = ("un-xml", "ftm-json", "watchlist", "ofac-csv")


@dataclass(frozen=True)
class ListInfo:
    """One loaded list: its name, date and number of entries."""

    name: str
    date: str
    entries: int


def bundled_lists() -> list[Path]:
    """The bundled OFAC SDN and UN consolidated snapshots (old: for demos and tests)."""
    return sorted(BUNDLED_DIR.glob("*.gz"))


def detect_format(text: str) -> str | None:
    """``un-xml``, ``ftm-json``, ``watchlist``, ``ofac-csv``, or None when unrecognised."""
    checks = (looks_like_un, looks_like_ftm, looks_like_watchlist, looks_like_ofac)
    return next((fmt for fmt, check in zip(FORMATS, checks, strict=True) if check(text)), None)


def load_list(path: Path | str, list_date: str | None = None) -> pl.DataFrame:
    """One list file as entries; ``list_date`` overrides the date found for it."""
    path = Path(path)
    data = read_bytes(path)
    text = text_of(path, data)
    fmt = detect_format(text)
    if fmt is None:
        raise ListError(
            f"{path}:1: not a known list format (OFAC SDN CSV, UN XML, "
            "OpenSanctions FtM JSON lines, or a watchlist CSV with a name,imo,... header)"
        )
    frame = _read(path, fmt, data, text)
    if frame.is_empty():
        raise ListError(f"{path}: no entries in the list")
    return frame.with_columns(list_date=pl.lit(list_date)) if list_date else frame


def _read(path: Path, fmt: str, data: bytes, text: str) -> pl.DataFrame:
    if fmt == "un-xml":
        return read_un(path, data)
    if fmt == "ftm-json":
        frame, stamp = read_ftm(path, text)
        return frame.with_columns(list_date=pl.lit(stamp or date_of(path)))
    if fmt == "watchlist":
        return read_watchlist(path, text, date_of(path))
    return read_ofac(path, text, date_of(path))


def load_lists(paths: Sequence[Path | str]) -> pl.DataFrame:
    """Several list files as one entry table (each loaded whole, or an error)."""
    frames = [load_list(path) for path in paths]
    return pl.concat(frames) if frames else pl.DataFrame(schema=ENTRIES)


def list_infos(entries: pl.DataFrame) -> list[ListInfo]:
    """Name, date and entry count of each list in an entry table, in order of appearance."""
    counts = entries.group_by("list_name", "list_date", maintain_order=True).len()
    return [ListInfo(name, date, n) for name, date, n in counts.iter_rows()]
