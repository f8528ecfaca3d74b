"""Shared pieces of the command-line shell: options, output, error translation."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from darkfleet.errors import ConfigError
from darkfleet.store import DEFAULT_STORE

__all__ = [
    "JsonOpt",
    "StoreOpt",
    "byte_progress",
    "err",
    "out",
    "parse_bbox",
    "parse_time",
    "print_json",
    "store_path",
    "table",
]

out = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, highlight=False, soft_wrap=True)

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Store directory [default: $DARKFLEET_STORE or ./darkfleet-store]",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]


def store_path(value: Path | None) -> Path:
    """The store directory: the option, else ``$DARKFLEET_STORE``, else the default."""
    if value is not None:
        return value
    return Path(os.environ.get("DARKFLEET_STORE") or DEFAULT_STORE)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")


def table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    grid = Table(title=title, title_justify="left")
    for i, name in enumerate(columns):
        grid.add_column(name, justify="left" if i == 0 else "right")
    for row in rows:
        grid.add_row(*[f"{v:,}" if isinstance(v, int) else str(v) for v in row])
    return grid


def parse_time(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 time as UTC (naive times are UTC); a bad value is a usage error."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"{option} {value!r}: not an ISO 8601 time (e.g. 2024-03-01T00:00Z)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """``minlon,minlat,maxlon,maxlat`` (minlon > maxlon crosses the antimeridian)."""
    if value is None:
        return None
    try:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in value.split(","))
    except ValueError:
        raise ConfigError(f"--bbox {value!r}: expected minlon,minlat,maxlon,maxlat") from None
    if not (-90 <= min_lat <= max_lat <= 90 and -180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise ConfigError(f"--bbox {value!r}: out of range or min above max")
    return (min_lon, min_lat, max_lon, max_lat)


@contextmanager
def byte_progress(enabled: bool) -> Iterator[Any]:
    """A byte-based progress bar on stderr; yields a ``callback(name, done, total)``."""
    if not enabled or not err.is_terminal:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def callback(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(Path(name.split("!")[-1]).name, total=total)
            bar.update(tasks[name], completed=done)

        yield callback
