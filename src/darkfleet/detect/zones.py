"""Zone entries: a vessel entering a named area (DPRK waters, or any user GeoJSON zone).

Definition of a ``zone_entry`` event, with the defaults of :class:`ZoneEntryParams`:

1. For every zone of ``places`` (the built-in North Korea 12 nm territorial sea and 60 nm
   approach zones on both coasts, plus user zones added with ``Places.with_zones``) and
   every segment, a *visit* is a run of consecutive fixes inside the zone (its edge
   counts as inside). Zones are tested separately, so nested zones (12 nm inside 60 nm)
   each get their own entries.
2. The visit is an entry from its first fix: ``first_seen_inside`` when that is the
   segment's first fix (the vessel appeared inside, e.g. after switching AIS on there).
3. start = the first fix inside; end = the first fix outside after it (the exit), or the
   last fix inside when the segment ends inside (``exited`` false).
4. Published when the visit has ``min_positions`` fixes (1) and lasts ``min_hours`` (0).

Entries of one vessel into several zones at the same instant are one event, named for
the first zone in ``places.zones`` order (list inner zones first), the others listed in
``also_entered``. ``confidence`` is 1 for an observed entry and 0.5 when first seen inside.

>>> zone_entries(empty_positions(), ZoneEntryParams(), Places.bundled()).columns == EVENTS.names
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from darkfleet import schema
from darkfleet.detect._resample import empty_positions  # noqa: F401  (the doctest)
from darkfleet.detect._static import event_table
from darkfleet.errors import ConfigError
from darkfleet.places import Places, zone_matrix
from darkfleet.schema import EVENTS

__all__ = ["ZoneEntryParams", "zone_entries"]


@dataclass(frozen=True)
class ZoneEntryParams:
    """Thresholds of the zone-entry definition (see the module docstring)."""

    min_positions: int = 1
    min_hours: float = 0.0

    def __post_init__(self) -> None:
        if self.min_positions < 1 or self.min_hours < 0:
            raise ConfigError(
                f"ZoneEntryParams: need min_positions >= 1, min_hours >= 0, got {vars(self)}"
            )


def zone_entries(positions: pl.DataFrame, params: ZoneEntryParams, places: Places) -> pl.DataFrame:
    """Zone-entry events (schema.EVENTS) from positions with a ``seg_id`` column."""
    fixes = _fixes(positions)
    inside = zone_matrix(fixes["lat"].to_numpy(), fixes["lon"].to_numpy(), places.zones)
    visits = [
        _visits(fixes, inside[:, j], j, params)
        for j in range(len(places.zones))
        if inside[:, j].any()
    ]
    if not visits:
        return schema.empty(EVENTS)
    return _events(_merge_same_instant(pl.concat(visits), places), places)


def _fixes(positions: pl.DataFrame) -> pl.DataFrame:
    fixes = (
        positions.drop_nulls(["seg_id", "lat", "lon"])
        .filter(pl.col("lat").is_finite() & pl.col("lon").is_finite())
        .select("mmsi", "seg_id", "ts", "lat", "lon")
        .sort("seg_id", "ts")
    )
    return fixes.with_columns(
        next_ts=pl.col("ts").shift(-1).over("seg_id"),
        first_of_seg=pl.col("ts") == pl.col("ts").first().over("seg_id"),
    )


def _visits(
    fixes: pl.DataFrame, inside: npt.NDArray[np.bool_], zone: int, params: ZoneEntryParams
) -> pl.DataFrame:
    flagged = fixes.with_columns(inside=pl.Series(inside, dtype=pl.Boolean))
    changed = pl.col("inside") != pl.col("inside").shift(1).over("seg_id")
    runs = flagged.with_columns(_run=changed.fill_null(True).cum_sum()).filter(pl.col("inside"))
    visits = runs.group_by("_run", maintain_order=True).agg(
        pl.col("mmsi", "seg_id", "lat", "lon").first(),
        start=pl.col("ts").first(),
        last_inside=pl.col("ts").last(),
        exit_ts=pl.col("next_ts").last(),
        positions=pl.len(),
        first_seen_inside=pl.col("first_of_seg").first(),
    )
    hours = (pl.col("last_inside") - pl.col("start")).dt.total_seconds() / 3600.0
    return visits.with_columns(hours_inside=hours, zone_index=pl.lit(zone)).filter(
        (pl.col("positions") >= params.min_positions) & (pl.col("hours_inside") >= params.min_hours)
    )


def _merge_same_instant(visits: pl.DataFrame, places: Places) -> pl.DataFrame:
    names = [z.name for z in places.zones]
    sources = [z.source for z in places.zones]
    named = visits.with_columns(
        zone=pl.col("zone_index").replace_strict(dict(enumerate(names)), return_dtype=pl.String),
        zone_source=pl.col("zone_index").replace_strict(
            dict(enumerate(sources)), return_dtype=pl.String
        ),
    ).sort("mmsi", "start", "zone_index")
    return named.group_by("mmsi", "start", maintain_order=True).agg(
        pl.all().exclude("mmsi", "start").first(),
        also_entered=pl.col("zone").slice(1),
    )


def _events(visits: pl.DataFrame, places: Places) -> pl.DataFrame:
    exited = pl.col("exit_ts").is_not_null()
    info = pl.struct(
        "zone", "zone_source", "positions", pl.col("hours_inside").round(4),
        "first_seen_inside", exited.alias("exited"), pl.col("last_inside").alias("last_inside"),
        "also_entered", seg_ids=pl.concat_list("seg_id"),
    )  # fmt: skip
    rows = visits.select(
        "mmsi", "start",
        pl.coalesce("exit_ts", "last_inside").alias("end"),
        "lat", "lon",
        pl.when(pl.col("first_seen_inside")).then(0.5).otherwise(1.0).alias("confidence"),
        info.alias("info"),
    )  # fmt: skip
    return event_table("zone_entry", rows.drop("info"), rows["info"].to_list(), places)
