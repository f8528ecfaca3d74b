"""The local engine in bounded memory: whole vessels a bucket at a time, spilled to disk.

When the store holds more positions than fit comfortably in memory, the local engine
runs the same stage functions the Spark engine runs (``_stages``), in this
process, one bucket of whole vessels at a time:

1. MMSIs that reported a common valid IMO form one component (identity compares them);
   components are hashed into buckets of about ``rows_per_bucket`` positions.
2. Per bucket: read its positions from the store, segment them, spill the segmented
   rows to a temporary Parquet file, and keep only small results: stationary periods
   (for derived anchorages), positions per 1° cell and day (for gap reception), and
   the 10-minute encounter grid samples.
3. From those, the derived anchorages and the reception table, as the in-memory run
   computes them from all positions.
4. Per bucket again: the per-vessel detectors over the spilled segments.
5. Encounters from all grid samples at once (they are a fraction of the positions),
   then dark rendezvous, exactly as in memory.

Only one bucket's positions and the grid samples are ever in memory, so peak memory
depends on ``rows_per_bucket``, not on the size of the store; the events are those of
:func:`darkfleet.detect.pipeline.detect` (a test checks it).

>>> PartitionOptions().rows_per_bucket
2000000
"""

from __future__ import annotations

import math
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow as pa

from darkfleet import schema
from darkfleet.detect.encounters import encounter_events, raw_encounters
from darkfleet.detect.gaps import reception
from darkfleet.detect.pipeline import ALL_KINDS, DetectParams, Stage, combine_events
from darkfleet.detect.rendezvous import dark_rendezvous
from darkfleet.engine import _stage_tables as tables
from darkfleet.engine._stage_global import POINT, anchorages_from_periods, vessel_components
from darkfleet.engine._stages import (
    Context,
    _daily_reception,
    detect_task,
    periods_task,
    resample_task,
    segment_task,
)
from darkfleet.mid import imo_valid_expr
from darkfleet.places import Zone
from darkfleet.store import Store, in_bbox

__all__ = ["PartitionOptions", "detect_partitioned"]

BBox = tuple[float, float, float, float]
_KEYED_POSITIONS = pa.schema([*tables.POSITIONS, pa.field(tables.GROUP, pa.int64())])


@dataclass(frozen=True)
class PartitionOptions:
    """How many positions one bucket holds (memory scales with it)."""

    rows_per_bucket: int = 2_000_000


def detect_partitioned(
    store: Store,
    params: DetectParams,
    kinds: Sequence[str],
    zones: Sequence[Zone] = (),
    window: tuple[datetime | None, datetime | None] = (None, None),
    bbox: BBox | None = None,
    progress: Stage | None = None,
    options: PartitionOptions = PartitionOptions(),
) -> tuple[pl.DataFrame, tuple[int, int]]:
    """Events of ``kinds`` and (positions, vessels) read, bucket by bucket."""
    with tempfile.TemporaryDirectory(prefix="darkfleet-buckets-") as spill:
        run = _Run(store, params, tuple(kinds), tuple(zones), window, bbox, Path(spill))
        return run.events(progress, options), run.counts


class _Run:
    def __init__(
        self,
        store: Store,
        params: DetectParams,
        kinds: tuple[str, ...],
        zones: tuple[Zone, ...],
        window: tuple[datetime | None, datetime | None],
        bbox: BBox | None,
        spill: Path,
    ) -> None:
        wanted = set(kinds) | (
            {"loitering", "gap", "encounter"} if "dark_rendezvous" in kinds else set()
        )
        order = tuple(k for k in ALL_KINDS if k in wanted)
        slots = 24 * 60 // params.encounter.resample_minutes
        self.ctx = Context(uuid.uuid4().hex, params, order, zones, window_slots=slots)
        self.store, self.kinds, self.window, self.bbox, self.spill = (
            store,
            kinds,
            window,
            bbox,
            spill,
        )
        self.counts = (0, 0)

    def events(self, progress: Stage | None, options: PartitionOptions) -> pl.DataFrame:
        say = progress or (lambda name, done, total: None)
        say("buckets", 0, 5)
        buckets = self._buckets(options.rows_per_bucket)
        say("segment", 1, 5)
        periods, daily, samples, span = self._first_pass(buckets)
        self.ctx = replace(
            self.ctx,
            anchorages=anchorages_from_periods(periods, span, self.ctx.params),
            reception=_reception(daily),
        )
        say("per-vessel", 2, 5)
        results = self._per_vessel(buckets)
        say("encounter", 3, 5)
        if "encounter" in self.ctx.kinds:
            raw = raw_encounters(samples, self.ctx.params.encounter)
            results["encounter"] = encounter_events(
                raw, self.ctx.params.encounter, self.ctx.places()
            )
        say("dark_rendezvous", 4, 5)
        if "dark_rendezvous" in self.ctx.kinds:
            results["dark_rendezvous"] = dark_rendezvous(
                results["loitering"],
                results["gap"],
                self.ctx.params.rendezvous,
                self.ctx.places(),
                results.get("encounter"),
            )
        say("done", 5, 5)
        return combine_events(results[k] for k in self.kinds if k in results)

    # -- buckets of whole vessel components ----------------------------------------------

    def _buckets(self, rows_per_bucket: int) -> list[pl.DataFrame]:
        """Per bucket, the MMSIs it holds (whole components)."""
        since, until = self.window
        counts = (
            self._positions()
            .group_by("mmsi")
            .agg(n=pl.len(), valid=pl.col("lat").is_not_null().sum())
            .collect()
        )
        self.counts = (int(counts["n"].sum()), counts.height)
        links = (
            self.store.read("static", since, until)
            .filter(pl.col("imo").is_not_null())
            .select("mmsi", "imo")
            .unique()
        )
        components = vessel_components(links.filter(imo_valid_expr(pl.col("imo"))))
        n = max(1, math.ceil(int(counts["valid"].sum()) / rows_per_bucket))
        keyed = counts.join(components, on="mmsi", how="left").with_columns(
            bucket=pl.coalesce("_component", "mmsi").hash(seed=11) % n
        )
        return [part.select("mmsi") for part in keyed.partition_by("bucket")]

    def _positions(self, vessels: pl.DataFrame | None = None) -> pl.LazyFrame:
        since, until = self.window
        frame = self.store.scan("positions")
        if since:
            frame = frame.filter(pl.col("ts") >= since)
        if until:
            frame = frame.filter(pl.col("ts") < until)
        if self.bbox:
            frame = frame.filter(in_bbox(self.bbox))
        if vessels is not None:
            frame = frame.filter(pl.col("mmsi").is_in(vessels["mmsi"].implode()))
        return frame

    # -- passes ---------------------------------------------------------------------------

    def _first_pass(
        self, buckets: list[pl.DataFrame]
    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        periods, daily, samples, spans = [], [], [], []
        cell = self.ctx.params.gap.reception_cell_deg
        for k, vessels in enumerate(buckets):
            valid = (
                self._positions(vessels)
                .filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
                .collect()
            )
            keyed = valid.with_columns(pl.lit(k, pl.Int64).alias(tables.GROUP))
            arrow = tables.to_arrow(keyed, _KEYED_POSITIONS)
            segmented = tables.from_arrow(segment_task(self.ctx, arrow), tables.SEGMENTED)
            segmented.write_parquet(self.spill / f"bucket-{k}.parquet")
            seg_arrow = tables.to_arrow(segmented, tables.SEGMENTED)
            periods.append(tables.from_arrow(periods_task(self.ctx, seg_arrow)))
            daily.append(_daily_reception(segmented.drop(tables.GROUP), cell))
            samples.append(
                tables.from_arrow(resample_task(self.ctx, seg_arrow)).drop("k", tables.WINDOW)
            )
            spans.append(valid.select(lo=pl.col("ts").min(), hi=pl.col("ts").max()))
        span = pl.concat(spans).select(pl.col("lo").min(), pl.col("hi").max())
        return pl.concat(periods), pl.concat(daily), pl.concat(samples), span

    def _per_vessel(self, buckets: list[pl.DataFrame]) -> dict[str, pl.DataFrame]:
        since, until = self.window
        static = self.store.read("static", since, until)
        found = []
        for k, vessels in enumerate(buckets):
            segmented = pl.read_parquet(self.spill / f"bucket-{k}.parquet")
            own = static.join(vessels, on="mmsi", how="semi")
            events = detect_task(
                self.ctx,
                tables.to_arrow(segmented, tables.SEGMENTED),
                tables.to_arrow(own, tables.STATIC),
            )
            found.append(tables.from_arrow(events, tables.EVENTS))
        events = pl.concat(found) if found else schema.empty(schema.EVENTS)
        return {kind: events.filter(pl.col("kind") == kind) for kind in self.ctx.per_vessel_kinds()}


def _reception(daily: pl.DataFrame) -> pl.DataFrame:
    """Mean positions per day per cell, over the days with any, from per-day counts."""
    per_day = daily.group_by("cell_lat", "cell_lon", "day").agg(pl.col("n").sum())
    means = per_day.group_by("cell_lat", "cell_lon").agg(
        positions_per_day=pl.col("n").mean(), days=pl.len()
    )
    return means.cast(reception(pl.DataFrame(schema=POINT)).schema)
