"""Encounters on Spark: close partners per time window, then runs per vessel pair.

The local detector (``darkfleet.detect.encounters``) resamples every segment onto a
10-minute grid, finds each grid sample's partners at the same grid time (nearest
``max_tracked_distances`` within ``max_adjacency_dist_km``), and builds runs along each
segment's samples. Only the partner search involves all vessels, and it involves them
*one grid time at a time*; runs involve one pair of segments. So:

1. **Windows** (:func:`pairs_task`): samples are partitioned by time window (whole
   grid times; ``window_slots`` grid steps, one UTC day by default). A window holds
   every sample of its grid times, so the partner search and the nearest-N cut are
   exactly those of the local run — no spatial tiles and no halo are needed, because
   nothing in this step looks across grid times. Output: each kept partner within
   ``max_encounter_dist_km``, as a directed pair of samples.
2. **Pairs** (:func:`encounter_task`): directed pairs are grouped by vessel pair
   (hashed into ``_pair`` buckets), however many windows their runs span, so a run cut
   by a window edge is whole again. The local ``raw_encounters`` then runs on just
   those samples: for each directed pair of segments (A, B), A's close samples and B's
   partners, plus a *breaker* after each break in A's sample numbering ``k`` (a copy
   of A's sample at the antipode, one microsecond later), so that A's samples are
   consecutive exactly where they are consecutive in A's whole track. All directed
   pairs of a bucket go through one call, each moved to its own stretch of time (see
   :func:`_raw_encounters`). Last, the local ``encounters`` applies the port filter,
   GFW's merge and the publish filter to the bucket's raw encounters.

Samples and pairs cross Spark packed (one Arrow IPC value per bucket and window, then
per window and pair bucket: :func:`window_parts_task`, :func:`packed_pairs_task`,
:func:`packed_encounter_task`), so Spark moves a few thousand values, not millions of
rows.

>>> pairs_task(DetectParams(), tables.RESAMPLED.empty_table()).num_rows
0
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from darkfleet.detect._grid import close_pairs
from darkfleet.detect._resample import RESAMPLED_SCHEMA
from darkfleet.detect._runs import RAW_SCHEMA, kept_partners
from darkfleet.detect.encounters import EncounterParams, encounter_events, raw_encounters
from darkfleet.detect.pipeline import DetectParams
from darkfleet.engine import _stage_tables as tables
from darkfleet.engine._stage_tables import pack, unpack
from darkfleet.engine._stages import Context

__all__ = [
    "PACKED_PAIRS",
    "PACKED_SAMPLES",
    "encounter_task",
    "packed_encounter_task",
    "packed_pairs_task",
    "pairs_task",
    "window_parts_task",
]

_SAMPLE = [c for c in RESAMPLED_SCHEMA.names() if c != "ts"]
PACKED_SAMPLES = pa.schema([(tables.WINDOW, pa.int64()), ("part", pa.binary())])
"""One bucket's grid samples of one time window, packed (RESAMPLED)."""
PACKED_PAIRS = pa.schema([(tables.PAIR, pa.int64()), ("part", pa.binary())])
"""One window's directed pairs of one bucket of vessel pairs, packed (PAIRS)."""
_ONE_US = pl.duration(microseconds=1)


def pairs_task(params: DetectParams, table: pa.Table) -> pa.Table:
    """Directed kept partners within the encounter distance, for one time window."""
    p = params.encounter
    samples = tables.from_arrow(table).sort("mmsi", "seg_id", "ts")
    t = samples["ts"].dt.epoch("us").to_numpy()
    slot = t // (p.resample_minutes * 60 * 1_000_000)
    lat, lon = samples["lat"].to_numpy(), samples["lon"].to_numpy()
    i, j, km = close_pairs(slot, lat, lon, samples["mmsi"].to_numpy(), p.max_adjacency_dist_km)
    a, b, km = kept_partners(i, j, km, p.max_tracked_distances)
    close = km <= p.max_encounter_dist_km
    return tables.to_arrow(_pair_rows(samples, a[close], b[close]), tables.PAIRS)


def window_parts_task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Each bucket's packed grid samples, split and packed again by time window."""
    for samples in _unpacked(batches, "samples"):
        parts = tables.from_arrow(samples).partition_by(tables.WINDOW, as_dict=True)
        yield from _packed(parts, tables.RESAMPLED, PACKED_SAMPLES).to_batches()


def packed_pairs_task(params: DetectParams, buckets: int, table: pa.Table) -> pa.Table:
    """:func:`pairs_task` on one window's packed samples, packed per bucket of vessel pairs."""
    pairs = tables.from_arrow(pairs_task(params, _concat(table, tables.RESAMPLED)))
    low, high = pl.min_horizontal("a_mmsi", "b_mmsi"), pl.max_horizontal("a_mmsi", "b_mmsi")
    keyed = pairs.with_columns(((low * 1_000_003 + high) % buckets).alias(tables.PAIR))
    parts = keyed.partition_by(tables.PAIR, as_dict=True)
    return _packed(parts, tables.PAIRS, PACKED_PAIRS)


def packed_encounter_task(ctx: Context, table: pa.Table) -> pa.Table:
    """:func:`encounter_task` on one bucket of vessel pairs, packed by window."""
    return encounter_task(ctx, _concat(table, tables.PAIRS))


def _unpacked(batches: Iterator[pa.RecordBatch], column: str) -> Iterator[pa.Table]:
    for batch in batches:
        for value in batch.column(column):
            yield unpack(value.as_buffer())


def _concat(table: pa.Table, schema: pa.Schema) -> pa.Table:
    parts = [unpack(value.as_buffer()) for value in table.column("part")]
    return pa.concat_tables([schema.empty_table(), *parts])


def _packed(parts: dict[Any, pl.DataFrame], schema: pa.Schema, target: pa.Schema) -> pa.Table:
    keys = sorted(parts)
    packed = [pack(tables.to_arrow(parts[key], schema)) for key in keys]
    return pa.table([[key for (key,) in keys], packed], schema=target)


def _pair_rows(samples: pl.DataFrame, a: np.ndarray, b: np.ndarray) -> pl.DataFrame:
    side_a = samples[a].select(
        "ts", pl.col("k").alias("a_k"), *[pl.col(c).alias(f"a_{c}") for c in _SAMPLE]
    )
    side_b = samples[b].select(*[pl.col(c).alias(f"b_{c}") for c in _SAMPLE])
    return pl.concat([side_a, side_b], how="horizontal")


def encounter_task(ctx: Context, table: pa.Table) -> pa.Table:
    """Encounter events of every vessel pair in one bucket of pairs."""
    params = ctx.params.encounter
    raw = _raw_encounters(tables.from_arrow(table), params)
    events = encounter_events(raw, params, ctx.places())
    return tables.to_arrow(events, tables.EVENTS)


def _raw_encounters(pairs: pl.DataFrame, params: EncounterParams) -> pl.DataFrame:
    """Raw encounters of every directed segment pair in ``pairs``, in one batch.

    Each directed segment pair becomes a *block*: its samples are moved in time by a
    whole number of grid steps to a stretch of the time line no other block touches,
    and its segments are renamed per block, so blocks never meet in the partner search
    nor in a run; the raw encounters are then moved back and renamed back.
    """
    if pairs.is_empty():
        return RAW_SCHEMA.to_frame()
    blocks = _blocks(pairs, params.resample_minutes * 60 * 1_000_000)
    a = blocks.select("ts", "a_k", "_block", *[pl.col(f"a_{c}").alias(c) for c in _SAMPLE])
    b = blocks.select("ts", *[pl.col(f"b_{c}").alias(c) for c in _SAMPLE])
    a = a.sort("_block", "ts")
    broken = a.filter((pl.col("a_k").shift(-1).over("_block") != pl.col("a_k") + 1).fill_null(True))
    samples = pl.concat([a, _antipodes(broken), b], how="diagonal").select(RESAMPLED_SCHEMA.names())
    raw = raw_encounters(samples, params)
    return _restored(raw, blocks)


def _blocks(pairs: pl.DataFrame, step_us: int) -> pl.DataFrame:
    """``pairs`` numbered by directed segment pair, moved apart in time, segments renamed."""
    t = pairs["ts"].dt.epoch("us").to_numpy()
    base = int(t.min()) // step_us * step_us
    stride = ((int(t.max()) - base) // step_us + 2) * step_us
    block = pl.struct("a_seg_id", "b_seg_id").rank("dense").cast(pl.Int64) - 1
    numbered = pairs.with_columns(_block=block)
    shift_us = pl.col("_block") * stride - base
    return numbered.with_columns(
        _shift=shift_us,
        _a_seg=pl.col("a_seg_id"),
        _b_seg=pl.col("b_seg_id"),
        ts=pl.col("ts") + pl.duration(microseconds=shift_us),
        a_seg_id=pl.format("{}#{}", "a_seg_id", "_block"),
        b_seg_id=pl.format("{}#{}", "b_seg_id", "_block"),
    )


def _restored(raw: pl.DataFrame, blocks: pl.DataFrame) -> pl.DataFrame:
    """Raw encounters of each block's own direction, with their real segments and times."""
    keys = blocks.select(
        pl.col("a_seg_id").alias("seg_id"), pl.col("b_seg_id").alias("other_seg_id"),
        "_a_seg", "_b_seg", "_shift",
    ).unique()  # fmt: skip
    own = raw.join(keys, on=["seg_id", "other_seg_id"], how="inner")
    back = pl.duration(microseconds=pl.col("_shift"))
    restored = own.with_columns(
        seg_id=pl.col("_a_seg"),
        other_seg_id=pl.col("_b_seg"),
        start=pl.col("start") - back,
        end=pl.col("end") - back,
    )
    return restored.select(RAW_SCHEMA.names())


def _antipodes(samples: pl.DataFrame) -> pl.DataFrame:
    """Breakers: each sample moved to its antipode, one microsecond later (never close)."""
    return samples.with_columns(
        ts=pl.col("ts") + _ONE_US,
        lat=-pl.col("lat"),
        lon=(pl.col("lon") + 360.0) % 360.0 - 180.0,
    )
