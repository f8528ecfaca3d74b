"""OFAC's Specially Designated Nationals list in its legacy CSV form (``sdn.csv``).

As published: no header, twelve quoted columns (``ent_num, SDN_Name, SDN_Type, Program,
Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks``), ``-0-``
for empty, CRLF line ends and a trailing 0x1A byte. Vessel IMO and MMSI numbers, former
names (``f.k.a.``) and owners or managers (``Linked To:``) sit in the Remarks. Aircraft
rows are not loaded: they never appear in AIS. The file carries no date; it is taken
from the file name (``sdn-2024-05-03.csv``), else from the file's modification time.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from darkfleet.errors import ListError
from darkfleet.screen.entries import entries_frame

__all__ = ["LIST_NAME", "looks_like_ofac", "read_ofac"]

LIST_NAME = "OFAC SDN"
_COLUMNS = (
    "ent_num", "sdn_name", "sdn_type", "program", "title", "call_sign",
    "vess_type", "tonnage", "grt", "vess_flag", "vess_owner", "remarks",
)  # fmt: skip
_KINDS = {"vessel": "vessel", "individual": "individual", "": "entity"}


def looks_like_ofac(text: str) -> bool:
    """True when the first line is an SDN record: a number, then quoted fields."""
    first = text.lstrip().split("\n", 1)[0]
    return first.split(",", 1)[0].isdigit() and first.count(",") >= len(_COLUMNS) - 1


def read_ofac(path: Path, text: str, list_date: str) -> pl.DataFrame:
    """All vessel, entity and individual rows of an SDN CSV as list entries."""
    raw = pl.DataFrame(_rows(path, text), schema=list(_COLUMNS), orient="row")
    return entries_frame(_entries(raw), LIST_NAME, list_date)


def _rows(path: Path, text: str) -> list[list[str | None]]:
    reader = csv.reader(io.StringIO(text.rstrip("\x1a\r\n"), newline=""))
    rows: list[list[str | None]] = []
    for row in reader:
        if not row or row == ["\x1a"]:
            continue
        if len(row) != len(_COLUMNS):
            raise ListError(
                f"{path}:{reader.line_num}: OFAC SDN row has {len(row)} fields, expected 12"
            )
        if not row[0].strip().isdigit():
            raise ListError(f"{path}:{reader.line_num}: ent_num {row[0]!r} is not a number")
        rows.append([None if v.strip() == "-0-" else v.strip() for v in row])
    return rows


def _entries(raw: pl.DataFrame) -> pl.DataFrame:
    remarks = pl.col("remarks")
    vessel = pl.col("sdn_type") == "vessel"
    linked = remarks.str.extract_all(r"Linked To: [^;]*").list.eval(
        pl.element().str.slice(11).str.strip_chars(" .")
    )
    return raw.filter(pl.col("sdn_type").fill_null("").is_in(list(_KINDS))).select(
        entry_id=pl.col("ent_num"),
        kind=pl.col("sdn_type").fill_null("").replace_strict(_KINDS),
        name=pl.col("sdn_name"),
        aliases=_aliases(remarks),
        imo=pl.when(vessel).then(remarks.str.extract(r"\bIMO (\d{7})\b").cast(pl.Int64)),
        mmsi=pl.when(vessel).then(remarks.str.extract(r"\bMMSI (\d{9})\b").cast(pl.Int64)),
        callsign=pl.col("call_sign"),
        flag=pl.col("vess_flag"),
        vessel_type=pl.col("vess_type"),
        owner=pl.coalesce(
            pl.col("vess_owner"), pl.when(linked.list.len() > 0).then(linked.list.join("; "))
        ),
        programs=pl.col("program").str.strip_chars("[] ").str.split("] ["),
        remarks=remarks,
    )


def _aliases(remarks: pl.Expr) -> pl.Expr:
    """Every a.k.a., f.k.a. and n.k.a. name quoted in the remarks."""
    found = remarks.str.extract_all(r"[afn]\.k\.a\. '[^']*'")
    return found.list.eval(pl.element().str.slice(8).str.strip_chars("' ")).fill_null([])
