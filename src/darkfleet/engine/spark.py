"""The Spark engine: the local detectors, run per partition by PySpark, same events.

PySpark only partitions the data and calls darkfleet's own functions on Arrow tables
(``applyInArrow`` / ``mapInArrow``); no detector is written twice. Stages:

1. **Vessel components.** MMSIs that reported a common valid IMO form one component
   (identity's "MMSI for IMO" evidence compares them); every other MMSI is its own.
   Components are hashed into ``_group`` buckets of about ``rows_per_bucket`` (250,000)
   positions, at least 4 per core, and each bucket goes to one Python call: whole
   vessels, so segmentation and the per-vessel detectors see exactly the rows they see
   locally.
2. **First pass** per bucket, positions and static reports co-grouped: segment, and
   derive stationary periods, positions per (1° cell, day) and grid samples; the
   bucket becomes one cached row of packed Arrow tables (``_spark_buckets``: later
   stages read it without converting or shuffling the positions again). Then two
   global inputs: derived anchorages from the periods on the driver, and the gap
   detector's regional reception, the daily counts summed.
3. **Per-vessel detectors** (shared MMSI, loitering, gaps, identity, draught, port
   visits, zone entries) per bucket row.
4. **Encounters**: grid samples per segment; the partner search per *time window* of
   ``window_hours`` (24 h) of whole grid times — exact without spatial tiles or a halo,
   since partners are only ever compared at one grid time; then runs, GFW's merge and
   the publish filter per vessel pair, whichever windows its runs span (see
   ``_spark_encounters``).
5. **Dark rendezvous** on the driver from the collected loitering, gap and encounter
   events (few), then the events are merged into the store like the local engine's.

Settings that matter: the master URL, ``spark.sql.shuffle.partitions`` (default: 2 per
local core; buckets and pair buckets get a task each or so whatever it says),
``rows_per_bucket`` (memory per Python call: a bucket of 250,000
positions needs roughly 0.5 GB in the worker) and ``window_hours`` (samples per
partner-search call: all vessels' grid samples of that many hours).

>>> SparkOptions().window_hours
24
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from darkfleet.detect.gaps import reception
from darkfleet.detect.pipeline import ALL_KINDS, DetectParams, Stage, combine_events
from darkfleet.detect.rendezvous import dark_rendezvous
from darkfleet.engine import _stage_tables as tables
from darkfleet.engine._spark_buckets import (
    BUCKET,
    detect_bucket_task,
    first_pass_task,
    unpack_task,
)
from darkfleet.engine._spark_encounters import (
    PACKED_PAIRS,
    PACKED_SAMPLES,
    packed_encounter_task,
    packed_pairs_task,
    window_parts_task,
)
from darkfleet.engine._spark_read import read_table
from darkfleet.engine._spark_session import (
    bound,
    bound2,
    engine_errors,
    spark_schema,
    spark_session,
)
from darkfleet.engine._stage_global import POINT, anchorages_from_periods, vessel_components
from darkfleet.engine._stages import Context, links_task
from darkfleet.engine.local import save_events
from darkfleet.places import load_zones
from darkfleet.store import Store

__all__ = ["SparkOptions", "detect_spark", "detect_store_spark"]

Window = tuple[datetime | None, datetime | None]
BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class SparkOptions:
    """Where and how finely the Spark engine runs (see the module docstring)."""

    master: str | None = None
    rows_per_bucket: int = 250_000
    window_hours: int = 24
    shuffle_partitions: int | None = None


def detect_store_spark(
    store: Store,
    params: DetectParams,
    kinds: Sequence[str],
    since: datetime | None = None,
    until: datetime | None = None,
    bbox: BBox | None = None,
    zone_files: Sequence[Path] = (),
    progress: Stage | None = None,
    *,
    options: SparkOptions = SparkOptions(),
    positions_path: str | None = None,
    session: Any = None,
) -> dict[str, Any]:
    """``detect_store`` on Spark: the same events, merged into the store the same way.

    ``positions_path`` (any Parquet dataset Spark can read) replaces the store's
    positions; ``session`` reuses a running SparkSession (it is then left running).
    """
    zones = tuple(z for path in zone_files for z in load_zones(path))
    own = session is None
    spark = spark_session(options.master, options.shuffle_partitions) if own else session
    try:
        with engine_errors("reading the input"):
            positions = read_table(spark, store, "positions", (since, until), bbox, positions_path)
            static = read_table(spark, store, "static", (since, until), None, None)
        events, counts = detect_spark(positions, static, params, kinds, zones, progress, options)
    finally:
        if own:
            spark.stop()
    return save_events(store, events, counts, params, kinds, since, until, bbox, zone_files)


def detect_spark(
    positions: Any,
    static: Any,
    params: DetectParams,
    kinds: Sequence[str] = ALL_KINDS,
    zones: Sequence[Any] = (),
    progress: Stage | None = None,
    options: SparkOptions = SparkOptions(),
) -> tuple[pl.DataFrame, tuple[int, int]]:
    """Events of ``kinds`` from Spark DataFrames, and (positions, distinct MMSIs) read."""
    run = _Run(positions, static, params, tuple(kinds), tuple(zones), progress, options)
    with engine_errors("detecting events"):
        return run.events(), run.counts


class _Run:
    """One Spark detection run: the stages of the module docstring, in order."""

    def __init__(
        self,
        positions: Any,
        static: Any,
        params: DetectParams,
        kinds: tuple[str, ...],
        zones: tuple[Any, ...],
        progress: Stage | None,
        options: SparkOptions,
    ) -> None:
        wanted = set(kinds) | (
            {"loitering", "gap", "encounter"} if "dark_rendezvous" in kinds else set()
        )
        self.kinds, self.options, self.progress = kinds, options, progress
        slots = options.window_hours * 60 // params.encounter.resample_minutes
        order = tuple(k for k in ALL_KINDS if k in wanted)
        self.ctx = Context(uuid.uuid4().hex, params, order, zones, window_slots=max(1, slots))
        self.raw_positions, self.raw_static = positions, static
        self.session = positions.sparkSession
        self.done = 0

    def _stage(self, name: str) -> None:
        if self.progress:
            self.progress(name, self.done, 6)
        self.done += 1

    def events(self) -> pl.DataFrame:
        from pyspark import StorageLevel

        self._stage("read")
        self._count()
        positions, static = self._grouped()
        self._stage("segment")
        buckets = positions.groupBy(tables.GROUP).cogroup(static.groupBy(tables.GROUP))
        first = buckets.applyInArrow(bound2(first_pass_task, self.ctx), spark_schema(BUCKET))
        first = first.persist(StorageLevel.MEMORY_AND_DISK)
        try:
            return self._detect(first)
        finally:
            first.unpersist()

    def _detect(self, buckets: Any) -> pl.DataFrame:
        self._stage("anchorages")
        self.ctx = replace(
            self.ctx,
            token=uuid.uuid4().hex,  # workers rebuild their places with the anchorages
            anchorages=self._anchorages(buckets),
            reception=self._reception(buckets),
        )
        self._stage("per-vessel")
        results = _by_kind(self._per_vessel(buckets), self.ctx.per_vessel_kinds())
        self._stage("encounter")
        if "encounter" in self.ctx.kinds:
            results["encounter"] = self._encounters(buckets)
        self._stage("dark_rendezvous")
        if "dark_rendezvous" in self.ctx.kinds:
            results["dark_rendezvous"] = self._rendezvous(results)
        if self.progress:
            self.progress("done", 6, 6)
        return combine_events(results[k] for k in self.kinds if k in results)

    # -- input, counts and buckets ------------------------------------------------------

    def _count(self) -> None:
        from pyspark.sql import functions as sf

        valid = sf.col("lat").isNotNull() & sf.col("lon").isNotNull()
        row = self.raw_positions.agg(
            sf.count(sf.lit(1)).alias("n"),
            sf.countDistinct("mmsi").alias("vessels"),
            sf.sum(valid.cast("long")).alias("valid"),
        ).first()
        self.counts = (int(row["n"]), int(row["vessels"]))
        buckets = math.ceil((row["valid"] or 0) / self.options.rows_per_bucket)
        # Several buckets per core, so that tasks of uneven size still share the cores.
        self.buckets = max(buckets, self.session.sparkContext.defaultParallelism * 4)

    def _grouped(self) -> tuple[Any, Any]:
        from pyspark.sql import functions as sf

        components = self._components()
        key = sf.pmod(
            sf.xxhash64(sf.coalesce(sf.col("_component"), sf.col("mmsi"))), sf.lit(self.buckets)
        )

        def keyed(frame: Any) -> Any:
            joined = frame.join(sf.broadcast(components), "mmsi", "left")
            tagged = joined.withColumn(tables.GROUP, key).drop("_component")
            return tagged.repartition(self.buckets, tables.GROUP)  # a task per bucket or so

        valid = self.raw_positions.filter(sf.col("lat").isNotNull() & sf.col("lon").isNotNull())
        return keyed(valid), keyed(self.raw_static)

    def _components(self) -> Any:
        links = self.raw_static.mapInArrow(bound(links_task), spark_schema(tables.LINKS)).distinct()
        frame = vessel_components(_polars(links))
        schema = "mmsi long, _component long"
        return self.session.createDataFrame(frame.rows(), schema)

    # -- global inputs --------------------------------------------------------------------

    def _anchorages(self, buckets: Any) -> pl.DataFrame:
        collected = buckets.select("periods", "lo", "hi").toArrow()
        parts = [tables.unpack(value.as_buffer()) for value in collected.column("periods")]
        periods = tables.from_arrow(pa.concat_tables([tables.PERIODS.empty_table(), *parts]))
        span = tables.from_arrow(collected.select(["lo", "hi"])).select(
            pl.col("lo").min(), pl.col("hi").max()
        )
        return anchorages_from_periods(periods, span, self.ctx.params)

    def _reception(self, buckets: Any) -> pl.DataFrame:
        from pyspark.sql import functions as sf

        rows = spark_schema(tables.RECEPTION)
        daily = buckets.select("daily").mapInArrow(bound(unpack_task), rows)
        cells = daily.groupBy("cell_lat", "cell_lon", "day").agg(sf.sum("n").alias("n"))
        means = cells.groupBy("cell_lat", "cell_lon").agg(
            sf.avg("n").alias("positions_per_day"), sf.count(sf.lit(1)).alias("days")
        )
        return _polars(means).cast(reception(pl.DataFrame(schema=POINT)).schema)

    # -- detection ------------------------------------------------------------------------

    def _per_vessel(self, buckets: Any) -> pl.DataFrame:
        task = bound(detect_bucket_task, self.ctx)
        events = buckets.select("segmented", "static").mapInArrow(task, spark_schema(tables.EVENTS))
        return _polars(events, tables.EVENTS)

    def _encounters(self, buckets: Any) -> pl.DataFrame:
        parts = buckets.select("samples").mapInArrow(
            bound(window_parts_task), spark_schema(PACKED_SAMPLES)
        )
        pairs = parts.groupBy(tables.WINDOW).applyInArrow(
            bound(packed_pairs_task, self.ctx.params, self.buckets), spark_schema(PACKED_PAIRS)
        )
        spread = pairs.repartition(self.buckets, tables.PAIR)  # a task per bucket or so
        events = spread.groupBy(tables.PAIR).applyInArrow(
            bound(packed_encounter_task, self.ctx), spark_schema(tables.EVENTS)
        )
        return _polars(events, tables.EVENTS)

    def _rendezvous(self, results: dict[str, pl.DataFrame]) -> pl.DataFrame:
        places = self.ctx.places()
        return dark_rendezvous(
            results["loitering"],
            results["gap"],
            self.ctx.params.rendezvous,
            places,
            results.get("encounter"),
        )


def _by_kind(events: pl.DataFrame, kinds: Sequence[str]) -> dict[str, pl.DataFrame]:
    """Events split by kind; every kind in ``kinds`` present, if only as an empty frame."""
    return {kind: events.filter(pl.col("kind") == kind) for kind in kinds}


def _polars(frame: Any, canonical: pa.Schema | None = None) -> pl.DataFrame:
    return tables.from_arrow(frame.toArrow(), canonical)
