"""Reading positions and static reports into Spark with the store's own filters.

The store's day folders (``STORE/positions/day=YYYY-MM-DD/``) are one Parquet dataset
to Spark (the ``day`` partition column is dropped), and so is any dataset a user names
(local, ``hdfs://``, ``s3a://`` ... as the cluster supports). Columns are cast to the
canonical types, missing optional columns are null, and the time window and bounding
box mean what they mean in ``Store.read``: ``since <= ts < until``, edges of the box
included, a box with ``min_lon > max_lon`` crossing the antimeridian.

>>> _micros(datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC))
1000000
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from darkfleet.engine import _stage_tables as tables
from darkfleet.store import Store

__all__ = ["read_table"]

_REQUIRED = {"positions": ("mmsi", "ts", "lat", "lon"), "static": ("mmsi", "ts")}


def read_table(
    spark: Any,
    store: Store,
    table: str,
    window: tuple[datetime | None, datetime | None],
    bbox: tuple[float, float, float, float] | None,
    path: str | None,
) -> Any:
    """``table`` (positions or static) as a Spark DataFrame with canonical columns."""
    from pyspark.sql.pandas.types import from_arrow_schema

    target = from_arrow_schema(tables.POSITIONS if table == "positions" else tables.STATIC)
    source = path or (str(store.root / table) if store.files(table) else None)
    if source is None:
        return spark.createDataFrame([], target)
    frame = _canonical(spark.read.parquet(source), target, table)
    return _filtered(frame, window, bbox)


def _canonical(frame: Any, target: Any, table: str) -> Any:
    from pyspark.sql import functions as sf

    from darkfleet.errors import InputFormatError

    missing = [c for c in _REQUIRED[table] if c not in frame.columns]
    if missing:
        raise InputFormatError(f"{table} input lacks column(s) {missing}")
    return frame.select(
        *[
            (sf.col(f.name) if f.name in frame.columns else sf.lit(None))
            .cast(f.dataType)
            .alias(f.name)
            for f in target.fields
        ]
    )


def _filtered(
    frame: Any,
    window: tuple[datetime | None, datetime | None],
    bbox: tuple[float, float, float, float] | None,
) -> Any:
    from pyspark.sql import functions as sf

    since, until = window
    if since:
        frame = frame.filter(sf.col("ts") >= sf.timestamp_micros(sf.lit(_micros(since))))
    if until:
        frame = frame.filter(sf.col("ts") < sf.timestamp_micros(sf.lit(_micros(until))))
    if bbox:
        min_lon, min_lat, max_lon, max_lat = bbox
        lat_ok = sf.col("lat").between(min_lat, max_lat)
        lon = sf.col("lon")
        across = (lon >= min_lon) | (lon <= max_lon)
        frame = frame.filter(
            lat_ok & (lon.between(min_lon, max_lon) if min_lon <= max_lon else across)
        )
    return frame


def _micros(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return (aware - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
