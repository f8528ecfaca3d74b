"""The local engine: read the store, run every detector in this process, save events."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from darkfleet import __version__
from darkfleet.detect.pipeline import DetectParams, Stage, detect
from darkfleet.engine.partitioned import PartitionOptions, detect_partitioned
from darkfleet.places import Places, Zone, load_zones
from darkfleet.store import Store

__all__ = ["detect_store", "params_digest", "save_events"]


def detect_store(
    store: Store,
    params: DetectParams,
    kinds: Sequence[str],
    since: datetime | None = None,
    until: datetime | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    zone_files: Sequence[Path] = (),
    progress: Stage | None = None,
    rows_per_bucket: int | None = None,
) -> dict[str, Any]:
    """Detect ``kinds`` in the store's positions and merge the events into the store.

    Stores of more than twice ``rows_per_bucket`` positions (default 2M) are processed
    a bucket of whole vessels at a time (:mod:`darkfleet.engine.partitioned`), so memory
    stays bounded; smaller ones in memory. Both give the same events.
    """
    zones = [zone for path in zone_files for zone in load_zones(path)]
    bucket_rows = rows_per_bucket or PartitionOptions().rows_per_bucket
    if rows_per_bucket or _positions_in(store, since, until) > 2 * bucket_rows:
        events, counts = detect_partitioned(
            store,
            params,
            kinds,
            zones,
            (since, until),
            bbox,
            progress,
            PartitionOptions(bucket_rows),
        )
    else:
        events, counts = _detect_in_memory(
            store, params, kinds, zones, since, until, bbox, progress
        )
    return save_events(store, events, counts, params, kinds, since, until, bbox, zone_files)


def _detect_in_memory(
    store: Store,
    params: DetectParams,
    kinds: Sequence[str],
    zones: Sequence[Zone],
    since: datetime | None,
    until: datetime | None,
    bbox: tuple[float, float, float, float] | None,
    progress: Stage | None,
) -> tuple[pl.DataFrame, tuple[int, int]]:
    places = Places.bundled().with_zones(zones)
    static = store.read("static", since, until)
    held = [store.read("positions", since, until, bbox)]
    counts = (held[0].height, held[0]["mmsi"].n_unique())
    # Hand over the only reference, so the detectors can free the input once segmented.
    return detect(held.pop(), static, params, places, kinds, progress), counts


def _positions_in(store: Store, since: datetime | None, until: datetime | None) -> int:
    """Positions the run would read (by day partitions; exact counts are not needed)."""
    lo = since.date().isoformat() if since else "0000"
    hi = until.date().isoformat() if until else "9999"
    files = [f for f in store.files("positions") if lo <= f.parent.name.removeprefix("day=") <= hi]
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def save_events(
    store: Store,
    events: pl.DataFrame,
    counts: tuple[int, int],
    params: DetectParams,
    kinds: Sequence[str],
    since: datetime | None = None,
    until: datetime | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    zone_files: Sequence[Path] = (),
) -> dict[str, Any]:
    """Merge ``events`` into the store, record provenance, and summarise (every engine).

    ``counts`` is (positions read, distinct MMSIs) for the summary.
    """
    store.merge_events(events, kinds, since, until, bbox)
    store.write_meta("detect", _provenance(store, params, kinds, since, until, bbox, zone_files))
    by_kind = events.group_by("kind").len().sort("kind")
    return {
        "positions": counts[0],
        "vessels": counts[1],
        "events": events.height,
        "by_kind": dict(zip(by_kind["kind"], by_kind["len"], strict=True)),
    }


def params_digest(params: DetectParams) -> str:
    """A short hash of the parameters, so a finding names the settings that made it."""
    text = json.dumps(_as_dict(params), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _as_dict(params: DetectParams) -> dict[str, Any]:
    return {name: dict(vars(p)) for name, p in params.sections().items()}


def _provenance(
    store: Store,
    params: DetectParams,
    kinds: Sequence[str],
    since: datetime | None,
    until: datetime | None,
    bbox: tuple[float, float, float, float] | None,
    zone_files: Sequence[Path],
) -> dict[str, Any]:
    return {
        "software": f"darkfleet {__version__}",
        "polars": pl.__version__,
        "run_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "kinds": list(kinds),
        "since": since,
        "until": until,
        "bbox": bbox,
        "zones": [str(p) for p in zone_files],
        "params_digest": params_digest(params),
        "params": _as_dict(params),
        "inputs": [{"path": e["path"], "sha256": e["sha256"]} for e in store.ledger()],
    }
