"""Read decoded-message JSON lines (Global Fishing Watch / gpsdio style).

Fields are matched by synonym like CSV headers (``ssvid`` or ``mmsi``, ``timestamp``,
``lat``, ``lon``, ``speed``, ``course``, ``heading``, ``shipname``, ``callsign``,
``imo``, ``shiptype``, ``type`` as ``AIS.1`` or ``1``). Upstream files contain the bare
token ``NaN``, which is read as null. Position types become positions (AIS 19 also a
static row), identity-only types (5, 24) static rows, other types are ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import BinaryIO

import polars as pl

from darkfleet.ingest._batch import Batch
from darkfleet.ingest._columns import canonical_columns
from darkfleet.ingest._convert import TextRecords, to_batch
from darkfleet.ingest._lines import LineBlock, line_blocks

__all__ = ["read_json_lines"]

_BARE_NAN = re.compile(r"(?<=[:\[,\s])-?(NaN|Infinity)(?=\s*[,\]}])")
_POSITION_TYPES = {1, 2, 3, 18, 19, 27}
_STATIC_TYPES = {5, 24}


def read_json_lines(stream: BinaryIO, source: str) -> Iterator[Batch]:
    """Batches of positions and static rows from JSON lines."""
    for block in line_blocks(stream, block_bytes=8 << 20):
        yield _batch(block, source)


def _batch(block: LineBlock, source: str) -> Batch:
    rows: list[dict[str, str | None]] = []
    keep: list[int] = []
    for i, raw in enumerate(block.text):
        row = _row(raw)
        if row is not None:
            rows.append(row)
            keep.append(i)
    mask = pl.Series([False] * len(block.text), dtype=pl.Boolean)
    if keep:
        mask = mask.scatter(keep, True)
    lines = pl.DataFrame([block.text.alias("raw"), block.line_no])
    rejects = lines.filter(~mask).select(
        pl.lit(source).alias("source"), "line_no", "raw", pl.lit("unparseable").alias("reason")
    )
    fields = [
        "mmsi",
        "ts",
        "lat",
        "lon",
        "sog_kn",
        "cog_deg",
        "heading_deg",
        "nav_status",
        "msg_type",
        "name",
        "imo",
        "callsign",
        "ship_type",
        "length_m",
        "beam_m",
        "destination",
        "source",
        "draught_m",
    ]
    table = pl.DataFrame(rows, schema={f: pl.String for f in fields}, orient="row")
    table = pl.concat([table, lines.filter(mask)], how="horizontal")
    msg_type = table["msg_type"].cast(pl.Int64, strict=False)
    kinds = table.with_columns(
        msg_type.is_in(list(_POSITION_TYPES | _STATIC_TYPES)).fill_null(True).alias("is_vessel"),
        (msg_type.is_in(list(_POSITION_TYPES)) | msg_type.is_null()).alias("has_position"),
    )
    return to_batch(TextRecords(kinds, source), rejects=rejects)


def _row(raw: str) -> dict[str, str | None] | None:
    try:
        obj = json.loads(_BARE_NAN.sub("null", raw))
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    found = canonical_columns(list(obj))
    keys = list(obj)
    row = {field: _text(obj[keys[i]]) for field, i in found.items()}
    if row.get("msg_type") is not None:
        row["msg_type"] = _type_number(row["msg_type"])
    return row


def _text(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _type_number(value: str | None) -> str | None:
    digits = re.sub(r"[^0-9]", "", value or "")
    return digits or None
