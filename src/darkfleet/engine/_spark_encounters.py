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
2. **Pairs** (:func:`encounter_task`): directed pairs are grouped by vessel pair,
   however many windows their runs span, so a run cut by a window edge is whole
   again. For each directed pair of segments, the local ``raw_encounters`` runs on a
   small frame of just those samples: A's close samples, B's partners, and after each
   break in A's sample numbering ``k`` a *breaker* (a copy of A's sample at the
   antipode, one microsecond later) so that A's samples are consecutive exactly where
   they are consecutive in A's whole track. Then the local ``encounters`` applies the
   port filter, GFW's merge and the publish filter to the pair's raw encounters.

>>> pairs_task(DetectParams(), tables.RESAMPLED.empty_table()).num_rows
0
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from darkfleet.detect import encounters as encounter_module
from darkfleet.detect._grid import close_pairs
from darkfleet.detect._resample import RESAMPLED_SCHEMA, empty_positions
from darkfleet.detect._runs import RAW_SCHEMA, _kept_partners
from darkfleet.detect.encounters import EncounterParams, raw_encounters
from darkfleet.detect.pipeline import DetectParams
from darkfleet.engine import _spark_tables as tables
from darkfleet.engine._spark_inject import injected, returning
from darkfleet.engine._spark_vessels import Context

__all__ = ["encounter_task", "pairs_task"]

_SAMPLE = [c for c in RESAMPLED_SCHEMA.names() if c != "ts"]
_ONE_US = pl.duration(microseconds=1)


def pairs_task(params: DetectParams, table: pa.Table) -> pa.Table:
    """Directed kept partners within the encounter distance, for one time window."""
    p = params.encounter
    samples = tables.from_arrow(table).sort("mmsi", "seg_id", "ts")
    t = samples["ts"].dt.epoch("us").to_numpy()
    slot = t // (p.resample_minutes * 60 * 1_000_000)
    lat, lon = samples["lat"].to_numpy(), samples["lon"].to_numpy()
    i, j, km = close_pairs(slot, lat, lon, samples["mmsi"].to_numpy(), p.max_adjacency_dist_km)
    a, b, km = _kept_partners(i, j, km, p.max_tracked_distances)
    close = km <= p.max_encounter_dist_km
    return tables.to_arrow(_pair_rows(samples, a[close], b[close]), tables.PAIRS)


def _pair_rows(samples: pl.DataFrame, a: np.ndarray, b: np.ndarray) -> pl.DataFrame:
    side_a = samples[a].select("ts", pl.col("k").alias("a_k"), *[pl.col(c).alias(f"a_{c}") for c in _SAMPLE])
    side_b = samples[b].select(*[pl.col(c).alias(f"b_{c}") for c in _SAMPLE])
    return pl.concat([side_a, side_b], how="horizontal")


def encounter_task(ctx: Context, table: pa.Table) -> pa.Table:
    """Encounter events of every vessel pair in one bucket of pairs."""
    params = ctx.params.encounter
    raw = _raw_encounters(tables.from_arrow(table), params)
    with (
        injected(encounter_module, "resample", returning(RESAMPLED_SCHEMA.to_frame())),
        injected(encounter_module, "raw_encounters", returning(raw)),
    ):
        events = encounter_module.encounters(empty_positions(), params, ctx.places())
    return tables.to_arrow(events, tables.EVENTS)


def _raw_encounters(pairs: pl.DataFrame, params: EncounterParams) -> pl.DataFrame:
    """Raw encounters of every directed segment pair in ``pairs``."""
    directed = pairs.partition_by("a_seg_id", "b_seg_id", maintain_order=True)
    frames = [_directed_raw(part, params) for part in directed]
    return pl.concat([RAW_SCHEMA.to_frame(), *frames])


def _directed_raw(part: pl.DataFrame, params: EncounterParams) -> pl.DataFrame:
    """Raw encounters of segment A with partner segment B (the rows of ``part``)."""
    a = part.select("ts", "a_k", *[pl.col(f"a_{c}").alias(c) for c in _SAMPLE]).sort("ts")
    b = part.select("ts", *[pl.col(f"b_{c}").alias(c) for c in _SAMPLE])
    broken = a.filter(pl.col("a_k").shift(-1) != pl.col("a_k") + 1)
    mini = pl.concat([a.drop("a_k"), _antipodes(broken.drop("a_k")), b], how="diagonal")
    raw = raw_encounters(mini.select(RESAMPLED_SCHEMA.names()), params)
    seg_a, seg_b = part["a_seg_id"][0], part["b_seg_id"][0]
    return raw.filter((pl.col("seg_id") == seg_a) & (pl.col("other_seg_id") == seg_b))


def _antipodes(samples: pl.DataFrame) -> pl.DataFrame:
    """Breakers: each sample moved to its antipode, one microsecond later (never close)."""
    return samples.with_columns(
        ts=pl.col("ts") + _ONE_US,
        lat=-pl.col("lat"),
        lon=(pl.col("lon") + 360.0) % 360.0 - 180.0,
    )
