"""Read a byte stream as numbered text lines, a block at a time, in bounded memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import polars as pl

__all__ = ["LineBlock", "line_blocks"]

BLOCK_BYTES = 32 << 20


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
    text = data.decode("utf-8", errors="replace")
    if text.endswith("\n"):
        text = text[:-1]
    lines = pl.Series("text", [text]).str.split("\n").explode().str.strip_suffix("\r")
    numbers = pl.int_range(first_line, first_line + len(lines), eager=True).alias("line_no")
    keep = lines.str.strip_chars() != ""
    return LineBlock(lines.filter(keep), numbers.filter(keep))
