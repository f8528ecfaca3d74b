"""The files a Spark ingest reads: listed, identified for the ledger and sorted by format.

Plain paths (files, or folders read recursively) are hashed and sniffed exactly as the
local ingest does, so either engine recognises files the other ingested. URIs
(``hdfs://``, ``s3a://``, ``file://`` ...) are listed by Spark itself; since their
content cannot be hashed without reading it on the driver, a URI's ledger identity is
the hash of its address, size and modification time, and its format is read from its
extension (the header then decides the CSV layout, as for local files).

Spark chooses a decompressor by file extension, not by content, so compressed files
must be named ``.gz`` or ``.bz2``; zip archives are for the local engine.

>>> _format_of_name("s3a://bucket/ais/2024-01-01.csv.gz")
'marinecadastre'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from darkfleet.errors import InputFormatError
from darkfleet.ingest._lines import BLANK
from darkfleet.ingest._open import input_units
from darkfleet.ingest._read import detect_format

__all__ = ["SparkInput", "file_key", "first_line", "list_inputs"]

_CSV_FORMATS = ("marinecadastre", "dma", "canonical")
_CODECS = {b"\x1f\x8b": ".gz", b"BZh": ".bz2"}
_CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".psv")
_Found = tuple[str, str, str, str, str | None, tuple[str, int] | None]
"""uri, name, sha256, format, error, header"""


@dataclass(frozen=True)
class SparkInput:
    """One input file: ``uri`` for Spark, ``name`` for reports and the rejects table."""

    index: int
    uri: str
    name: str
    sha256: str
    format: str
    error: str | None = None
    header: tuple[str, int] | None = None
    """A CSV file's first non-blank line and its number, where the driver can read it."""

    @property
    def is_parquet(self) -> bool:
        return self.format == "parquet"


def list_inputs(spark: Any, paths: Iterable[str], requested: str = "auto") -> list[SparkInput]:
    """Every input file of ``paths`` in order (folders sorted), identified and checked.

    A file that cannot be read carries its ``error`` (format ``unknown``), as the local
    ingest reports such files and goes on with the rest.
    """
    found: list[_Found] = []
    for path in paths:
        try:
            found.extend(
                _remote(spark, path, requested) if _is_uri(path) else _local(Path(path), requested)
            )
        except InputFormatError as exc:
            found.append((path, path, "", "unknown", str(exc), None))
    return [SparkInput(i, *entry) for i, entry in enumerate(found)]


def file_key(uri: str) -> str:
    """A file's address as Spark reports it in ``_metadata.file_path``, normalised."""
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        return unquote(parsed.path) if parsed.scheme else str(Path(uri).resolve())
    return uri


def _is_uri(path: str) -> bool:
    return "://" in path


# -- local files: hashed and sniffed like the local engine -----------------------------


def _local(path: Path, requested: str) -> list[_Found]:
    files = _files_under(path) if path.is_dir() else [path]
    with ThreadPoolExecutor(max_workers=4) as pool:  # hashing releases the GIL
        return list(pool.map(lambda f: _local_file(f, requested), files))


def _files_under(folder: Path) -> list[Path]:
    files = sorted(
        f
        for f in folder.rglob("*")
        if f.is_file() and not any(part.startswith((".", "_")) for part in f.parts[-1:])
    )
    if not files:
        raise InputFormatError(f"{folder}: folder holds no files")
    return files


def _local_file(path: Path, requested: str) -> _Found:
    try:
        units = list(input_units(path))
        if len(units) != 1 or "!" in units[0].name:
            raise InputFormatError(f"{path}: zip archives are read by the local engine only")
        unit = units[0]
        with unit.open() as stream:
            fmt = _spark_format(detect_format(stream, unit.name, requested), unit.name)
            header = None if fmt == "parquet" else first_line(stream)
        with path.open("rb") as fh:
            _check_codec(fh.read(3), path)
    except InputFormatError as exc:
        return str(path), str(path), "", "unknown", str(exc), None
    return path.resolve().as_uri(), unit.name, unit.sha256, fmt, None, header


def first_line(lines: Iterable[bytes | str]) -> tuple[str, int] | None:
    """The first non-blank line (``\r`` stripped) and its 1-based number."""
    for number, raw in enumerate(lines, start=1):
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        text = text.removesuffix("\n").removesuffix("\r")
        if text.strip(BLANK):
            return text, number
    return None


def _check_codec(head: bytes, path: Path) -> None:
    wanted = next((ext for magic, ext in _CODECS.items() if head.startswith(magic)), None)
    named = next((ext for ext in _CODECS.values() if path.name.endswith(ext)), None)
    if wanted != named:
        content = f"{wanted[1:]} content" if wanted else "uncompressed content"
        raise InputFormatError(
            f"{path}: {content} under this name; Spark picks the decompressor by the "
            "extension (.gz, .bz2): rename the file or ingest it with --engine local"
        )


def _spark_format(fmt: str, name: str) -> str:
    if fmt in _CSV_FORMATS or fmt == "parquet":
        return fmt
    raise InputFormatError(
        f"{name}: {fmt} input; --engine spark reads CSV and Parquet, "
        "ingest NMEA and JSON lines with --engine local"
    )


# -- URIs: listed by Spark, identified by address, size and time -------------------------


def _remote(spark: Any, uri: str, requested: str) -> Iterator[_Found]:
    from darkfleet.engine._spark_session import engine_errors

    with engine_errors(f"listing {uri}"):
        listing = (
            spark.read.format("binaryFile")
            .option("recursiveFileLookup", "true")
            .load(uri)
            .select("path", "length", "modificationTime")
            .collect()
        )
    if not listing:
        raise InputFormatError(f"{uri}: no files there")
    for row in sorted(listing, key=lambda r: str(r["path"])):
        path = str(row["path"])
        identity = f"{path}|{row['length']}|{row['modificationTime'].isoformat()}"
        sha = hashlib.sha256(identity.encode()).hexdigest()
        try:
            fmt = _format_of_name(path, requested)
        except InputFormatError as exc:
            yield path, path, sha, "unknown", str(exc), None
            continue
        yield path, path, sha, fmt, None, None


def _format_of_name(uri: str, requested: str = "auto") -> str:
    name = urlparse(uri).path.lower().removesuffix(".gz").removesuffix(".bz2")
    fmt = "parquet" if name.endswith(".parquet") else "csv" if name.endswith(_CSV_SUFFIXES) else ""
    if fmt == "csv":  # any CSV layout: the header decides the columns
        fmt = requested if requested in _CSV_FORMATS else "marinecadastre"
    if fmt and requested not in ("auto", fmt, "canonical" if fmt == "parquet" else ""):
        raise InputFormatError(f"{uri}: --format {requested} given for a {fmt} file")
    if fmt:
        return fmt
    raise InputFormatError(
        f"{uri}: cannot tell the format from the name (.csv, .tsv, .txt or .parquet, "
        "optionally .gz/.bz2)"
    )
