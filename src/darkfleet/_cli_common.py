"""Shared pieces of the command-line shell: options, output, error translation."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from darkfleet import _values as values
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
    "stage_progress",
    "store_path",
    "table",
]

out = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, highlight=False, soft_wrap=True)

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Store directory (default: $DARKFLEET_STORE, else ./darkfleet-store).",
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
    """An ISO 8601 time from option ``option`` as UTC; a bad value is a usage error."""
    return values.parse_time(value, option)


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """``--bbox minlon,minlat,maxlon,maxlat`` (minlon > maxlon crosses the antimeridian)."""
    return values.parse_bbox(value, "--bbox")


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


@contextmanager
def stage_progress(enabled: bool) -> Iterator[Any]:
    """A stage-counting progress bar on stderr; yields a ``callback(stage, done, total)``."""
    if not enabled or not err.is_terminal:
        yield None
        return
    columns = (
        TextColumn("{task.description:<16}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("starting", total=1)

        def callback(name: str, done: int, total: int) -> None:
            bar.update(task, description=name, completed=done, total=total)

        yield callback
