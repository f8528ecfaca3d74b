"""The cap ledger: a year's estimated transfers to DPRK-linked vessels against a legal cap.

Definitions, with the defaults of :class:`CapParams`:

* **Cap**: 500,000 bbl of refined petroleum a year (UNSCR 2397 (2017), paragraph 5).
* **Transfer of the year**: an ``encounter`` or ``dark_rendezvous`` starting in the
  year (UTC), with its volume from :func:`darkfleet.assess.volume.transfer_volumes`
  (draught evidence; else the capacity-based estimate, listed capacity × load
  fraction, flagged by ``method`` = ``capacity`` and its evidence line; null when the
  vessels' size is unknown, which the evidence says).
* **DPRK-linked** (each reason recorded in ``dprk_links``): either vessel is DPRK-flagged
  (MID 445); or has a sanctions match whose programs mention DPRK; or makes a port
  visit at a DPRK port (nearest port iso3 PRK) within ``port_window_days`` (30) after
  the transfer ends. Only linked transfers count unless ``all_transfers``.
* **Reported deliveries**: a CSV ``month,bbl,source`` (month ``YYYY-MM``) of officially
  reported deliveries (e.g. to the UN 1718 Committee); rows outside the year are ignored.
* **By month**: every month of the year with the estimated mid volume, the reported
  volume and the cumulative total (estimated mid + reported, from January).

>>> CapParams().cap_bbl
500000.0
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from darkfleet.assess._common import (
    PortLookup,
    details_of,
    disclaimer,
    dprk_flagged,
    dprk_port_visits,
    is_dprk_programs,
    list_dates,
)
from darkfleet.assess.volume import VolumeParams, transfer_volumes
from darkfleet.errors import ConfigError, InputFormatError

__all__ = ["CapLedger", "CapParams", "cap_ledger", "dprk_links", "read_reported"]

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_REPORTED_SCHEMA: dict[str, pl.DataType] = {
    "month": pl.String(),
    "bbl": pl.Float64(),
    "source": pl.String(),
}


@dataclass(frozen=True)
class CapParams:
    """The cap and what counts toward it (see the module docstring)."""

    cap_bbl: float = 500_000.0
    port_window_days: float = 30.0
    all_transfers: bool = False
    volume: VolumeParams = field(default_factory=VolumeParams)

    def __post_init__(self) -> None:
        if not self.cap_bbl > 0:
            raise ConfigError(f"cap_bbl = {self.cap_bbl}: must be > 0")
        if not self.port_window_days >= 0:
            raise ConfigError(f"port_window_days = {self.port_window_days}: must be ≥ 0")


@dataclass(frozen=True)
class CapLedger:
    """The year's ledger: ``items`` (one row per counted transfer) and ``by_month``."""

    year: int
    cap_bbl: float
    items: pl.DataFrame
    by_month: pl.DataFrame
    reported_bbl: float
    disclaimer: str

    def estimated_bbl(self) -> dict[str, float]:
        return {k: float(self.items[f"{k}_bbl"].sum()) for k in ("low", "mid", "high")}

    def as_dict(self) -> dict[str, Any]:
        """The ``darkfleet cap --json`` object."""
        return {
            "cap_bbl": self.cap_bbl,
            "transfers": self.items.height,
            "items": [_item(row) for row in self.items.iter_rows(named=True)],
            "estimated_bbl": self.estimated_bbl(),
            "reported_bbl": self.reported_bbl,
            "by_month": self.by_month.to_dicts(),
            "disclaimer": self.disclaimer,
        }


def _item(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "event_id": row["event_id"],
        "kind": row["kind"],
        "vessels": [v for v in (row["mmsi"], row["other_mmsi"]) if v is not None],
        "date": row["start"].strftime("%Y-%m-%d"),
        "method": row["method"],
        "low_bbl": _rounded(row["low_bbl"]),
        "mid_bbl": _rounded(row["mid_bbl"]),
        "high_bbl": _rounded(row["high_bbl"]),
        "evidence": row["evidence"],
        "dprk_links": row["dprk_links"],
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def read_reported(path: Path) -> pl.DataFrame:
    """Officially reported deliveries from a CSV with header ``month,bbl,source``."""
    try:
        text = Path(path).read_text("utf-8-sig")
    except OSError as exc:
        raise InputFormatError(
            f"{path}: cannot read reported deliveries ({exc.strerror})"
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"month", "bbl"} <= set(reader.fieldnames):
        raise InputFormatError(f"{path}: expected a header month,bbl,source")
    rows = [_reported_row(path, n, row) for n, row in enumerate(reader, start=2)]
    return pl.DataFrame(rows, schema=_REPORTED_SCHEMA, orient="row")


def _reported_row(path: Path, line: int, row: Mapping[str, str | None]) -> tuple[Any, ...]:
    month, bbl = (row.get("month") or "").strip(), (row.get("bbl") or "").strip()
    if not _MONTH.match(month):
        raise InputFormatError(f"{path}:{line}: month {month!r} is not YYYY-MM")
    try:
        value = float(bbl.replace(",", ""))
    except ValueError:
        raise InputFormatError(f"{path}:{line}: bbl {bbl!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise InputFormatError(f"{path}:{line}: bbl {bbl!r} must be ≥ 0")
    return (month, value, (row.get("source") or "").strip() or None)


def dprk_links(
    transfers: pl.DataFrame,
    events: pl.DataFrame,
    matches: pl.DataFrame,
    dprk_ports: set[str],
    window_days: float = 30.0,
) -> dict[str, list[str]]:
    """For each transfer id, why it is DPRK-linked (an empty list when it is not)."""
    vessels = set(transfers["mmsi"].to_list()) | set(transfers["other_mmsi"].drop_nulls())
    flagged = dprk_flagged(vessels)
    programs = _dprk_programs(matches)
    visits = events.filter(pl.col("event_id").is_in(sorted(dprk_ports))).sort("start")
    window = timedelta(days=window_days)
    links: dict[str, list[str]] = {}
    for row in transfers.iter_rows(named=True):
        pair = [m for m in (row["mmsi"], row["other_mmsi"]) if m is not None]
        found = [f"{m} is DPRK-flagged (MID 445)" for m in pair if m in flagged]
        found += [line for m in pair for line in programs.get(m, [])]
        found += list(_later_visits(pair, row["end"], visits, window))
        links[row["event_id"]] = found
    return links


def _dprk_programs(matches: pl.DataFrame) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for row in matches.sort("mmsi", "list_name", "entry_id").iter_rows(named=True):
        if is_dprk_programs(row["programs"]):
            line = (
                f"{row['mmsi']} matches {row['list_name']} entry {row['entry_name']} "
                f"(programs {row['programs']})"
            )
            if line not in found.setdefault(row["mmsi"], []):
                found[row["mmsi"]].append(line)
    return found


def _later_visits(
    pair: list[int], after: datetime, visits: pl.DataFrame, window: timedelta
) -> Iterator[str]:
    near = visits.filter(
        pl.col("mmsi").is_in(pair)
        & (pl.col("start") >= after)
        & (pl.col("start") <= after + window)
    )
    for row in near.iter_rows(named=True):
        days = (row["start"] - after).total_seconds() / 86400.0
        port = details_of(row["details"]).get("port")
        day = row["start"].strftime("%Y-%m-%d")
        yield f"{row['mmsi']} visited DPRK port {port} on {day}, {days:.1f} days after"


def cap_ledger(
    events: pl.DataFrame,
    dimensions: pl.DataFrame,
    matches: pl.DataFrame,
    year: int,
    params: CapParams = CapParams(),
    reported: pl.DataFrame | None = None,
    places: PortLookup | None = None,
    data_range: tuple[str | None, str | None] = (None, None),
) -> CapLedger:
    """The ledger of ``year`` from events, vessel dimensions (``vessel_dimensions``) and matches."""
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    in_year = events.filter((pl.col("start") >= start) & (pl.col("start") < end))
    volumes = transfer_volumes(in_year, dimensions, params.volume)
    links = dprk_links(
        volumes, events, matches, dprk_port_visits(events, places), params.port_window_days
    )
    items = volumes.with_columns(
        dprk_links=pl.Series([links[e] for e in volumes["event_id"]], dtype=pl.List(pl.String()))
    )
    if not params.all_transfers:
        items = items.filter(pl.col("dprk_links").list.len() > 0)
    reported = _in_year(reported, year)
    return CapLedger(
        year=year,
        cap_bbl=float(params.cap_bbl),
        items=items,
        by_month=_by_month(items, reported, year),
        reported_bbl=float(reported["bbl"].sum()),
        disclaimer=_disclaimer(matches, data_range, params.all_transfers),
    )


def _in_year(reported: pl.DataFrame | None, year: int) -> pl.DataFrame:
    if reported is None:
        return pl.DataFrame(schema=_REPORTED_SCHEMA)
    return reported.filter(pl.col("month").str.starts_with(f"{year}-"))


def _by_month(items: pl.DataFrame, reported: pl.DataFrame, year: int) -> pl.DataFrame:
    months = pl.DataFrame({"month": [f"{year}-{m:02d}" for m in range(1, 13)]})
    estimated = items.group_by(month=pl.col("start").dt.strftime("%Y-%m")).agg(
        estimated_mid_bbl=pl.col("mid_bbl").sum()
    )
    official = reported.group_by("month").agg(reported_bbl=pl.col("bbl").sum())
    table = months.join(estimated, on="month", how="left").join(official, on="month", how="left")
    table = table.with_columns(pl.col("estimated_mid_bbl", "reported_bbl").fill_null(0.0).round(1))
    total = pl.col("estimated_mid_bbl") + pl.col("reported_bbl")
    return table.with_columns(cumulative_bbl=total.cum_sum().round(1))


def _disclaimer(
    matches: pl.DataFrame, data_range: tuple[str | None, str | None], all_transfers: bool
) -> str:
    dates = list_dates(matches)
    lists = "; ".join(f"{n} {d or 'undated'}" for n, d in dates.items()) or "none screened"
    scope = "all transfers" if all_transfers else "transfers to DPRK-linked vessels only"
    return (
        f"{disclaimer(data_range)} Volumes are estimates with wide intervals "
        f"({scope}); sanctions lists: {lists}."
    )
