"""A bucket as one Spark row: its stage outputs packed as compressed Arrow IPC values.

The per-bucket stages read the same segmented positions several times (stationary
periods, reception counts, per-vessel detectors, grid samples). As Spark rows, each read
would convert every position from Spark's row format to Arrow again, and each
``groupBy`` would shuffle and sort them again: JVM work that, on few cores, costs more
than the detectors. So :func:`first_pass_task` segments a bucket once and returns *one
row*: the segmented positions, the bucket's static reports and the small per-bucket
results, each an LZ4-compressed Arrow IPC stream (the local bucketed engine's first
pass, in one call); later stages map over these rows (:func:`detect_bucket_task`,
:func:`unpack_task`) without another shuffle.

>>> BUCKET.names[:3]
['_group', 'segmented', 'static']
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from darkfleet.engine import _stage_tables as tables
from darkfleet.engine._stage_tables import pack, unpack
from darkfleet.engine._stages import (
    Context,
    _daily_reception,
    detect_task,
    periods_task,
    resample_task,
    segment_task,
)

__all__ = ["BUCKET", "detect_bucket_task", "first_pass_task", "unpack_task"]

BUCKET = pa.schema(
    [
        (tables.GROUP, pa.int64()),
        ("segmented", pa.binary()),
        ("static", pa.binary()),
        ("periods", pa.binary()),
        ("daily", pa.binary()),
        ("samples", pa.binary()),
        ("lo", pa.timestamp("us", "UTC")),
        ("hi", pa.timestamp("us", "UTC")),
    ]
)
"""One bucket: ``segmented`` (SEGMENTED), ``static`` (STATIC), ``periods`` (PERIODS),
``daily`` (RECEPTION), ``samples`` (RESAMPLED) and the time span of its positions."""

_DERIVED = ("segmented", "periods", "daily", "samples")


def first_pass_task(ctx: Context, positions: pa.Table, static: pa.Table) -> pa.Table:
    """One bucket (positions and static reports of one ``_group``) as one BUCKET row."""
    key = (positions if positions.num_rows else static).column(tables.GROUP)[0]
    ts = positions.column("ts")
    row = {
        tables.GROUP: [key.as_py()],
        "static": [pack(static.select(tables.STATIC.names).cast(tables.STATIC))],
        **{name: [pack(table)] for name, table in _segmented(ctx, positions).items()},
        "lo": [pc.min(ts).as_py()],
        "hi": [pc.max(ts).as_py()],
    }
    return pa.table(row, schema=BUCKET)


def _segmented(ctx: Context, positions: pa.Table) -> dict[str, pa.Table]:
    """The segmented positions and what the first pass derives from them."""
    if not positions.num_rows:  # a bucket of static reports only
        empty = (tables.SEGMENTED, tables.PERIODS, tables.RECEPTION, tables.RESAMPLED)
        return dict(zip(_DERIVED, (s.empty_table() for s in empty), strict=True))
    segmented = segment_task(ctx, positions)
    cell = ctx.params.gap.reception_cell_deg
    daily = _daily_reception(
        tables.from_arrow(segmented, tables.POSITIONS).drop(tables.GROUP), cell
    )
    derived = (
        segmented,
        periods_task(ctx, segmented),
        tables.to_arrow(daily, tables.RECEPTION),
        resample_task(ctx, segmented),
    )
    return dict(zip(_DERIVED, derived, strict=True))


def detect_bucket_task(ctx: Context, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Per-vessel events of every bucket in ``batches`` (columns segmented, static)."""
    for batch in batches:
        for segmented, static in zip(*batch.columns, strict=True):
            events = detect_task(ctx, unpack(segmented.as_buffer()), unpack(static.as_buffer()))
            yield from events.to_batches()


def unpack_task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The rows of the packed tables in the one column of ``batches``."""
    for batch in batches:
        for value in batch.column(0):
            yield from unpack(value.as_buffer()).to_batches()
