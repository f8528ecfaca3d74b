"""Read a byte stream as numbered text lines, a block at a time, in bounded memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import polars as pl
import pyarrow as pa

__all__ = ["BLANK", "LineBlock", "line_blocks"]

BLOCK_BYTES = 32 << 20
BLANK = " \t\n\v\f\r"
"""A line of only these ASCII whitespace characters is blank: not a record."""


@dataclass(frozen=True)
class LineBlock:
    """Non-blank lines (``\\r`` stripped) with their 1-based physical line numbers."""

    text: pl.Series
    line_no: pl.Series


def line_blocks(stream: BinaryIO, block_bytes: int = BLOCK_BYTES) -> Iterator[LineBlock]:
    """Blocks of whole lines; a line is never split between blocks."""
    carry = b""
    first_line = 1
    while True:
        chunk = stream.read(block_bytes)
        data = carry + chunk
        if not chunk:
            if data:
                yield _block(data, first_line)
            return
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
            continue
        body, carry = data[: cut + 1], data[cut + 1 :]
        yield _block(body, first_line)
        first_line += body.count(b"\n")


def _block(data: bytes, first_line: int) -> LineBlock:
    lines = _split_lines(data)
    numbers = pl.int_range(first_line, first_line + len(lines), eager=True).alias("line_no")
    keep = lines.str.strip_chars(BLANK) != ""
    return LineBlock(lines.filter(keep), numbers.filter(keep))


def _split_lines(data: bytes) -> pl.Series:
    """Lines of ``data`` without their ``\\n``/``\\r\\n``, sliced from one buffer."""
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10) + 1
    if ends.size == 0 or ends[-1] != raw.size:
        ends = np.append(ends, raw.size)
    offsets = np.concatenate([[0], ends]).astype(np.int64)
    array = pa.LargeStringArray.from_buffers(ends.size, pa.py_buffer(offsets), pa.py_buffer(data))
    try:
        array.validate(full=True)
    except pa.ArrowInvalid:  # invalid UTF-8: decode with replacement characters instead
        text = data.decode("utf-8", errors="replace").removesuffix("\n")
        return pl.Series("text", [text]).str.split("\n").explode().str.strip_suffix("\r")
    series = pl.from_arrow(array)
    assert isinstance(series, pl.Series)
    return series.alias("text").str.strip_suffix("\n").str.strip_suffix("\r")
