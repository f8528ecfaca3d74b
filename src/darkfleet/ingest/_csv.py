"""Read delimited AIS tables: NOAA MarineCadastre, Danish Maritime Authority, canonical.

Headers are matched by synonym (see ``_columns``), so renamed provider columns still
read. Every data row is one record; a row with the wrong number of fields, or whose
MMSI, time or position cannot be parsed, is rejected with its line number and text.
Rows from base stations, aids to navigation and other non-vessel transmitters (DMA's
``Type of mobile``, MarineCadastre's ``TransceiverClass``) are counted as ignored.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import BinaryIO

import polars as pl

from darkfleet.errors import InputFormatError
from darkfleet.ingest._batch import Batch
from darkfleet.ingest._columns import canonical_columns
from darkfleet.ingest._convert import TextRecords, to_batch
from darkfleet.ingest._lines import LineBlock, line_blocks
from darkfleet.ingest._sniff import delimiter_of, split_header

__all__ = ["CsvLayout", "read_csv"]

_VESSEL_CLASSES = ("classa", "classb", "a", "b", "")
_NUMERIC = {
    "mmsi",
    "lat",
    "lon",
    "sog_kn",
    "cog_deg",
    "heading_deg",
    "length_m",
    "beam_m",
    "draught_m",
}


def read_csv(stream: BinaryIO, source: str) -> Iterator[Batch]:
    """Batches of positions and static rows from a delimited AIS table."""
    blocks = line_blocks(stream)
    header_line, first = _header(blocks, source)
    layout = CsvLayout.of_header(header_line)
    if first is not None:
        yield layout.batch(first, source)
    for block in blocks:
        yield layout.batch(block, source)


def _header(blocks: Iterator[LineBlock], source: str) -> tuple[str, LineBlock | None]:
    for block in blocks:
        if block.text.is_empty():
            continue
        rest = LineBlock(block.text.slice(1), block.line_no.slice(1))
        return block.text[0], rest
    raise InputFormatError(f"{source}: empty file (no header)")


class CsvLayout:
    """How one file's rows map onto canonical fields; ``batch`` decodes a block of rows.

    The Spark ingest engine builds one per file from its header line and decodes each
    block of rows exactly as the local reader does.
    """

    def __init__(self, header: list[str], delimiter: str, columns: dict[str, int]) -> None:
        self.width = len(header)
        self.delimiter = delimiter
        self.columns = columns

    @classmethod
    def of_header(cls, header_line: str) -> CsvLayout:
        """The layout a header line declares (delimiter guessed, columns by synonym)."""
        header = split_header(header_line)
        return cls(header, delimiter_of(header_line), canonical_columns(header))

    def batch(self, block: LineBlock, source: str) -> Batch:
        lines = pl.DataFrame([block.text.alias("raw"), block.line_no])
        quoted = lines["raw"].str.contains('"', literal=True)
        fields = lines["raw"].str.count_matches(self.delimiter, literal=True) + 1
        if not quoted.any() and (fields == self.width).all():
            typed = self._typed(lines)
            if typed is not None:
                return to_batch(TextRecords(self._canonical(typed), source))
        return self._careful(lines, quoted, source)

    def _typed(self, lines: pl.DataFrame) -> pl.DataFrame | None:
        """The fast path: well-formed rows parsed by Polars' CSV reader, numbers typed.

        Any value that does not parse as its type sends the block down the careful path,
        which finds the offending rows one by one.
        """
        data = lines["raw"].str.join("\n")[0].encode()
        numeric = {i for field, i in self.columns.items() if field in _NUMERIC}
        schema = {
            f"f{i}": (pl.Int64 if i == self.columns["mmsi"] else pl.Float64)
            if i in numeric
            else pl.String
            for i in range(self.width)
        }
        try:
            table = pl.read_csv(
                data, has_header=False, schema=schema, separator=self.delimiter, quote_char=None
            )
        except (pl.exceptions.PolarsError, ValueError):
            return None
        if table.height != lines.height:
            return None
        return pl.concat([table, lines], how="horizontal")

    def _careful(self, lines: pl.DataFrame, quoted: pl.Series, source: str) -> Batch:
        """Every row checked: ragged rows rejected, quoted rows split by the csv module."""
        plain = lines.filter(~quoted)
        fields = plain["raw"].str.count_matches(self.delimiter, literal=True) + 1
        ragged = plain.filter(fields != self.width)
        table = _split(plain.filter(fields == self.width), self.width, self.delimiter)
        quoted_table, quoted_bad = _split_quoted(lines.filter(quoted), self.width, self.delimiter)
        rejects = pl.concat([ragged, quoted_bad]).select(
            pl.lit(source).alias("source"), "line_no", "raw", pl.lit("unparseable").alias("reason")
        )
        records = pl.concat([table, quoted_table]).sort("line_no")
        return to_batch(TextRecords(self._canonical(records), source), rejects=rejects)

    def _canonical(self, table: pl.DataFrame) -> pl.DataFrame:
        named = [
            pl.col(f"f{i}").alias(field)
            for field, i in self.columns.items()
            if field != "mobile_type"
        ]
        if "mobile_type" in self.columns:
            vessel, msg_type = _mobile_classes(table[f"f{self.columns['mobile_type']}"])
        else:
            vessel = pl.lit(True)
            msg_type = pl.lit("1")
        extra = [] if "msg_type" in self.columns else [msg_type.alias("msg_type")]
        return table.select(
            *named,
            *extra,
            "line_no",
            "raw",
            vessel.alias("is_vessel"),
            pl.lit(True).alias("has_position"),
        )


def _mobile_classes(mobile: pl.Series) -> tuple[pl.Expr, pl.Expr]:
    """(is a vessel, AIS message type) per row, from a transmitter-class column.

    A file holds a handful of distinct values ("A", "B", "Class A", "Base Station",
    "AtoN" ...), so each is classified once and the rows look their answer up.
    """
    values = mobile.fill_null("").unique().to_list()
    if not values:
        return pl.lit(True), pl.lit("1")
    classes = {v: "".join(c for c in v.lower() if c.isalpha()) for v in values}
    vessel = {v: c in _VESSEL_CLASSES for v, c in classes.items()}
    kind = {v: "18" if c.endswith("b") else "1" for v, c in classes.items()}
    col = pl.col(mobile.name).fill_null("")
    return (
        col.replace_strict(vessel, return_dtype=pl.Boolean),
        col.replace_strict(kind, return_dtype=pl.String),
    )


def _split(lines: pl.DataFrame, width: int, delimiter: str) -> pl.DataFrame:
    parts = lines["raw"].str.split_exact(delimiter, width - 1).struct.unnest()
    parts.columns = [f"f{i}" for i in range(width)]
    empty_to_null = [
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c)
        for c in parts.columns
    ]
    return pl.concat([parts.with_columns(empty_to_null), lines], how="horizontal")


def _split_quoted(
    lines: pl.DataFrame, width: int, delimiter: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rare rows with quoted fields go through the csv module."""
    rows: list[list[str | None]] = []
    good: list[int] = []
    for i, raw in enumerate(lines["raw"]):
        fields = next(csv.reader([raw], delimiter=delimiter), [])
        if len(fields) == width:
            rows.append([f if f.strip() else None for f in fields])
            good.append(i)
    mask = (
        pl.Series([False] * lines.height).scatter(good, True)
        if good
        else pl.Series([False] * lines.height, dtype=pl.Boolean)
    )
    schema = {f"f{i}": pl.String for i in range(width)}
    table = pl.DataFrame(rows, schema=schema, orient="row")
    ok = pl.concat([table, lines.filter(mask)], how="horizontal")
    return ok, lines.filter(~mask)
