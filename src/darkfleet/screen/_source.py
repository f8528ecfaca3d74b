"""Reading a list file: bytes (gzip undone), its text, and the date it speaks for."""

from __future__ import annotations

import gzip
import re
import zlib
from datetime import UTC, datetime
from pathlib import Path

from darkfleet.errors import ListError

__all__ = ["date_of", "read_bytes", "text_of"]

_DATE = re.compile(r"(?<!\d)(20\d\d|19\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it starts with the gzip magic number."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListError(f"{path}: cannot read list ({exc.strerror})") from None
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise ListError(f"{path}: damaged gzip file ({exc})") from None


def text_of(path: Path, data: bytes) -> str:
    """UTF-8 text (Latin-1 when not UTF-8); an empty file is an error."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if not text.strip(" \t\r\n\x1a"):
        raise ListError(f"{path}: empty list file")
    return text


def date_of(path: Path) -> str:
    """The ISO date in the file's name (or its folder's), else its modification date."""
    for part in (path.name, path.parent.name):
        found = _DATE.search(part)
        if found:
            return "-".join(found.groups())
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()
