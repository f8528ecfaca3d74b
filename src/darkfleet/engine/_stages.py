"""Per-vessel stages on Arrow tables, shared by the Spark and the bucketed local engine.

Every function here takes and returns Arrow tables and never imports pyspark: Spark's
Python workers call them per partition, and the local engine calls them per bucket
when a store is too large for one pass. Each call receives one ``_group``: a bucket
of whole *vessel components* — an MMSI together with every MMSI that reported one of
its valid IMO numbers (identity's "MMSI for IMO" evidence compares MMSIs of one IMO).
Everything else the detectors compute is per MMSI or per segment, so a bucket of whole
components gives each detector exactly the rows it would see locally.

Two inputs are global and are computed across buckets first, then shipped in the
:class:`Context`: the derived anchorages (which join the bundled ports in ``Places``,
rebuilt once per worker process) and the regional reception table of the gap detector.

>>> Context(token="t", params=DetectParams(), kinds=("gap",)).per_vessel_kinds()
('gap',)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import polars as pl
import pyarrow as pa

from darkfleet.detect.draught import draught_changes
from darkfleet.detect.encounters import resample
from darkfleet.detect.gaps import gaps, reception
from darkfleet.detect.identity import identity_changes
from darkfleet.detect.loitering import loitering
from darkfleet.detect.pipeline import DetectParams
from darkfleet.detect.segment import segment
from darkfleet.detect.shared import shared_mmsi_events
from darkfleet.detect.visits import port_visits
from darkfleet.detect.zones import zone_entries
from darkfleet.engine import _stage_tables as tables
from darkfleet.mid import imo_valid_expr
from darkfleet.places import Places, Zone, stationary_periods

__all__ = [
    "PER_VESSEL_KINDS",
    "Context",
    "detect_task",
    "links_task",
    "periods_task",
    "reception_task",
    "resample_task",
    "segment_task",
]

PER_VESSEL_KINDS = (
    "shared_mmsi",
    "loitering",
    "gap",
    "identity_change",
    "draught_change",
    "port_visit",
    "zone_entry",
)
_PLACES: dict[str, Places] = {}


@dataclass(frozen=True)
class Context:
    """What every task needs: parameters, kinds, and the global inputs once known."""

    token: str
    params: DetectParams
    kinds: tuple[str, ...]
    zones: tuple[Zone, ...] = ()
    anchorages: pl.DataFrame | None = field(default=None, compare=False)
    reception: pl.DataFrame | None = field(default=None, compare=False)
    window_slots: int = 144

    def per_vessel_kinds(self) -> tuple[str, ...]:
        return tuple(k for k in PER_VESSEL_KINDS if k in self.kinds)

    def places(self) -> Places:
        """Bundled places + zones + derived anchorages, built once per worker process."""
        if self.token not in _PLACES:
            _PLACES.clear()
            base = Places.bundled().with_zones(self.zones)
            derived = self.anchorages
            if derived is not None and derived.height:
                base = base.with_anchorages(derived)  # as the local pipeline: only when any
            _PLACES[self.token] = base
        return _PLACES[self.token]


def segment_task(ctx: Context, table: pa.Table) -> pa.Table:
    """One bucket's positions, segmented (``seg_id`` added); ``_group`` carried along."""
    positions = tables.from_arrow(table, tables.POSITIONS)
    return tables.to_arrow(segment(positions, ctx.params.segment), tables.SEGMENTED)


def periods_task(ctx: Context, table: pa.Table) -> pa.Table:
    """Stationary periods of one bucket's tracks (for the derived anchorages)."""
    positions = tables.from_arrow(table, tables.POSITIONS)
    periods = stationary_periods(positions.drop(tables.GROUP), ctx.params.anchorage)
    return tables.to_arrow(periods, tables.PERIODS)


def reception_task(ctx: Context, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Positions per (1° cell, UTC day) of any slice of positions, to be summed."""
    for batch in batches:
        positions = tables.from_arrow(pa.Table.from_batches([batch]), tables.POSITIONS)
        counts = _daily_reception(positions, ctx.params.gap.reception_cell_deg)
        yield from tables.to_arrow(counts, tables.RECEPTION).to_batches()


def _daily_reception(positions: pl.DataFrame, cell_deg: float) -> pl.DataFrame:
    """The gap detector's own ``reception`` per day: on one day, its mean is the count."""
    days = positions.with_columns(day=pl.col("ts").dt.date())
    parts = [
        reception(part, cell_deg).with_columns(day=pl.lit(day))
        for (day,), part in days.partition_by("day", as_dict=True).items()
    ]
    if not parts:
        return pl.DataFrame(schema=tables.from_arrow(tables.RECEPTION.empty_table()).schema)
    return pl.concat(parts).with_columns(n=pl.col("positions_per_day").cast(pl.Int64))


def links_task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Distinct (mmsi, imo) of static reports with a valid IMO (identity's IMO evidence)."""
    for batch in batches:
        static = tables.from_arrow(pa.Table.from_batches([batch]), tables.STATIC)
        links = static.filter(imo_valid_expr(pl.col("imo"))).select("mmsi", "imo").unique()
        yield from tables.to_arrow(links, tables.LINKS).to_batches()


def detect_task(ctx: Context, segmented: pa.Table, static: pa.Table) -> pa.Table:
    """Events of every per-vessel kind for one bucket, in ``kinds`` order."""
    positions = tables.from_arrow(segmented, tables.POSITIONS).drop(tables.GROUP)
    reports = tables.from_arrow(static, tables.STATIC).select(tables.STATIC.names)
    run = _Bucket(ctx, positions, reports)
    empty = _empty()
    frames = [_DETECTORS[kind](run) for kind in ctx.per_vessel_kinds()]
    events = pl.concat([empty, *(f.select(empty.columns).cast(empty.schema) for f in frames)])
    return tables.to_arrow(events, tables.EVENTS)


def resample_task(ctx: Context, table: pa.Table) -> pa.Table:
    """Encounter grid samples of one bucket, numbered along each segment, by time window."""
    positions = tables.from_arrow(table, tables.POSITIONS).drop(tables.GROUP)
    params = ctx.params.encounter
    samples = resample(positions, params)
    slot_us = params.resample_minutes * 60 * 1_000_000
    window = pl.col("ts").dt.epoch("us") // slot_us // ctx.window_slots
    numbered = samples.with_columns(
        k=pl.int_range(pl.len(), dtype=pl.Int64).over("mmsi", "seg_id"), _window=window
    )
    return tables.to_arrow(numbered, tables.RESAMPLED)


@dataclass(frozen=True)
class _Bucket:
    ctx: Context
    positions: pl.DataFrame
    static: pl.DataFrame


def _empty() -> pl.DataFrame:
    return tables.from_arrow(tables.EVENTS.empty_table(), tables.EVENTS)


def _gaps(run: _Bucket) -> pl.DataFrame:
    cells = run.ctx.reception
    assert cells is not None, "the reception table is computed before detection"
    return gaps(run.positions, run.ctx.params.gap, run.ctx.places(), cells)


_DETECTORS: dict[str, Callable[[_Bucket], pl.DataFrame]] = {
    "shared_mmsi": lambda r: shared_mmsi_events(r.positions, r.ctx.params.segment),
    "loitering": lambda r: loitering(r.positions, r.ctx.params.loitering, r.ctx.places()),
    "gap": _gaps,
    "identity_change": lambda r: identity_changes(
        r.positions, r.static, r.ctx.params.identity, r.ctx.places()
    ),
    "draught_change": lambda r: draught_changes(
        r.positions, r.static, r.ctx.params.draught, r.ctx.places()
    ),
    "port_visit": lambda r: port_visits(r.positions, r.ctx.params.port_visit, r.ctx.places()),
    "zone_entry": lambda r: zone_entries(r.positions, r.ctx.params.zone_entry, r.ctx.places()),
}
