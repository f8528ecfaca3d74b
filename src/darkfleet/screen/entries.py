"""The list-entry table: every loaded sanctions list or watchlist becomes rows of this one shape.

Columns (declared once, here): ``list_name`` and ``list_date`` (ISO date of the snapshot or
publication), ``entry_id`` (the list's own id), ``kind`` (``vessel``, ``entity`` or
``individual``), ``name``, ``aliases`` (a.k.a., f.k.a. and previous names), ``imo`` (a
seven-digit IMO whose check digit is right), ``imo_invalid`` (an IMO as printed whose
check digit is wrong: kept apart so one-digit near-miss matching can still use it),
``mmsi``, ``callsign``, ``flag`` (ISO 3166-1 alpha-2 where the country is known, else the
list's text), ``vessel_type``, ``owner``, ``programs`` (sanctions programmes) and
``remarks``.

>>> list(ENTRIES)[:4]
['list_name', 'list_date', 'entry_id', 'kind']
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from darkfleet.mid import imo_valid_expr
from darkfleet.screen._countries import flag_expr

__all__ = ["ENTRIES", "KINDS", "callsign_expr", "entries_frame", "normalise_callsign"]

ENTRIES = pl.Schema(
    {
        "list_name": pl.String(),
        "list_date": pl.String(),
        "entry_id": pl.String(),
        "kind": pl.String(),
        "name": pl.String(),
        "aliases": pl.List(pl.String()),
        "imo": pl.Int64(),
        "imo_invalid": pl.Int64(),
        "mmsi": pl.Int64(),
        "callsign": pl.String(),
        "flag": pl.String(),
        "vessel_type": pl.String(),
        "owner": pl.String(),
        "programs": pl.List(pl.String()),
        "remarks": pl.String(),
    }
)
"""Schema of the list-entry table that every loader returns."""

KINDS = ("vessel", "entity", "individual")

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def normalise_callsign(callsign: str | None) -> str | None:
    """Upper case, letters and digits only; None when nothing is left.

    >>> normalise_callsign(" 3e-a2b ")
    '3EA2B'
    """
    text = _NOT_ALNUM.sub("", (callsign or "").upper())
    return text or None


def callsign_expr(callsign: pl.Expr) -> pl.Expr:
    """Polars form of :func:`normalise_callsign`."""
    text = callsign.str.to_uppercase().str.replace_all(r"[^0-9A-Z]", "")
    return pl.when(text != "").then(text)


def entries_frame(
    data: pl.DataFrame | dict[str, list[Any]], list_name: str, list_date: str
) -> pl.DataFrame:
    """The entry table from a loader's columns; ``imo`` is split by its check digit.

    ``data`` holds the columns of :data:`ENTRIES` except ``list_name``, ``list_date``
    and ``imo_invalid`` (missing ones become null); ``imo`` may hold any IMO as printed.
    Call signs are normalised and flags become alpha-2 codes where the country is known.
    """
    frame = data if isinstance(data, pl.DataFrame) else pl.DataFrame(data)
    valid = imo_valid_expr(pl.col("imo"))
    columns = [
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in ENTRIES.items()
        if name not in ("list_name", "list_date", "imo_invalid")
    ]
    return (
        frame.select(columns)
        .with_columns(
            list_name=pl.lit(list_name, pl.String),
            list_date=pl.lit(list_date, pl.String),
            imo=pl.when(valid).then(pl.col("imo")),
            imo_invalid=pl.when(~valid).then(pl.col("imo")),
            callsign=callsign_expr(pl.col("callsign")),
            flag=flag_expr(pl.col("flag")),
        )
        .select(ENTRIES.names())
    )
