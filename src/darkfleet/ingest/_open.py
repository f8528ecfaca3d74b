"""Open input files transparently: plain, gzip, bzip2 or zip (every member), by content.

Compression is recognised by magic bytes, not by extension, so a gzip file named
``.csv`` still reads. Each readable unit is an :class:`InputUnit`: a display name (an
archive member is named ``archive.zip!member``), a content hash for the ingest ledger,
and a way to open its decompressed bytes.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from darkfleet.errors import InputFormatError

__all__ = ["InputUnit", "input_units"]

_GZIP = b"\x1f\x8b"
_BZIP2 = b"BZh"
_ZIP = b"PK\x03\x04"
_HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class InputUnit:
    """One file (or archive member) to ingest; ``open`` gives decompressed bytes.

    ``size`` is the byte count progress is measured against: the file's size for plain
    and compressed files (progress counts compressed bytes read), the member's
    uncompressed size for archive members.
    """

    name: str
    sha256: str
    size: int
    open: Callable[[], BinaryIO]
    progress: Callable[[BinaryIO], int]


class _Counting(io.RawIOBase):
    """A raw file that remembers how many bytes were read from it."""

    def __init__(self, path: Path) -> None:
        self._fh = path.open("rb")
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._fh.readinto(buffer)
        self.consumed = self._fh.tell()
        return n

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.consumed = self._fh.seek(offset, whence)
        return self.consumed

    def tell(self) -> int:
        return self._fh.tell()

    def close(self) -> None:
        self._fh.close()
        super().close()


def input_units(path: Path) -> Iterator[InputUnit]:
    """Every readable unit in ``path``: the file itself, or each member of a zip archive."""
    head = _head(path)
    if head.startswith(_ZIP):
        yield from _zip_members(path)
        return
    opener = _opener(path, head)
    yield InputUnit(str(path), _sha256_of(path), path.stat().st_size, opener, _consumed)


def _head(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise InputFormatError(f"{path}: is a directory, not a file")
        with path.open("rb") as fh:
            head = fh.read(4)
    except FileNotFoundError:
        raise InputFormatError(f"{path}: no such file") from None
    except PermissionError:
        raise InputFormatError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputFormatError(
            f"{path}: cannot read ({errno.errorcode.get(exc.errno or 0, exc)})"
        ) from None
    if not head:
        raise InputFormatError(f"{path}: empty file")
    return head


def _opener(path: Path, head: bytes) -> Callable[[], BinaryIO]:
    def open_raw() -> BinaryIO:
        raw = io.BufferedReader(_Counting(path), buffer_size=1 << 20)
        if head.startswith(_GZIP):
            return _Decompressed(gzip.GzipFile(fileobj=raw, mode="rb"), raw)
        if head.startswith(_BZIP2):
            return _Decompressed(bz2.BZ2File(raw, mode="rb"), raw)
        return cast(BinaryIO, raw)

    return open_raw


class _Decompressed(io.BufferedReader):
    """A decompressing stream that keeps a handle on the raw file for progress."""

    def __init__(self, inner: Any, raw: Any) -> None:
        super().__init__(inner, buffer_size=1 << 20)
        self.raw_file = raw


def _consumed(stream: BinaryIO) -> int:
    raw = getattr(stream, "raw_file", stream)
    counting = getattr(raw, "raw", None)
    return int(getattr(counting, "consumed", 0))


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _zip_members(path: Path) -> Iterator[InputUnit]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputFormatError(f"{path}: damaged zip archive") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if not members:
            raise InputFormatError(f"{path}: zip archive holds no files")
        for member in members:
            yield _zip_member(path, member)


def _zip_member(path: Path, member: zipfile.ZipInfo) -> InputUnit:
    digest = hashlib.sha256()
    with zipfile.ZipFile(path) as archive, archive.open(member) as fh:
        while block := fh.read(_HASH_BLOCK):
            digest.update(block)

    def open_member() -> BinaryIO:
        archive = zipfile.ZipFile(path)
        return cast(BinaryIO, archive.open(member))  # the member keeps the archive alive

    def member_progress(stream: BinaryIO) -> int:
        return int(stream.tell()) if not stream.closed else member.file_size

    name = f"{path}!{member.filename}"
    return InputUnit(name, digest.hexdigest(), member.file_size, open_member, member_progress)
