"""Encounters: two vessels close together at sea for hours (GFW pipe-encounters).

Definition of an encounter, with the defaults of :class:`EncounterParams`:

1. **Resample** every segment onto a 10-minute grid aligned to midnight UTC by linear
   interpolation, never across a raw gap of 1 h or more; the first and last fix are
   extrapolated along course at speed for up to 1 h (not past their UTC day).
2. **Neighbours**: at each grid time, the samples of other vessels within 1 km, found
   exactly by a latitude/longitude cell grid join with neighbour cells (longitude cells
   widened with latitude, wrapped at the antimeridian), nearest 100 kept.
3. **Raw encounters**: a run of one vessel's consecutive samples with the same partner
   within 0.5 km, at least two samples and at least 60 minutes long.
4. **Merge**: raw encounters of the same vessel pair less than 4 h apart become one;
   raw encounters within 10 km of a port or anchorage, or on land, are dropped first
   (when reference data is given).
5. **Publish**: total duration at least 2 h and median implied speed below 2 kn.

Stages 1-4 reproduce Global Fishing Watch's pipe-encounters (Miller et al. 2018) on
its own test fixtures. Deliberate differences: segments are resampled and searched for
runs whole, not day by day, so midnight cuts nothing; backward extrapolation is not
counted as real fixes; two segments of one MMSI are never partners. Tracks are
grouped by ``seg_id`` (missing or null: one segment per MMSI) and reported by MMSI.

``confidence`` = 0.5 x coverage + 0.3 x length + 0.2 x closeness, each in 0-1:
coverage is the share of grid samples backed by real fixes (both vessels' real point
counts over twice the number of grid times), length is duration over twice the
published minimum (full at 4 h by default), closeness is one minus median distance
over the encounter distance.

>>> encounters(empty_positions(), EncounterParams()).columns == EVENTS.names
True
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import polars as pl

from darkfleet.detect._ids import event_id
from darkfleet.detect._merge import MERGED_SCHEMA, merge_table
from darkfleet.detect._resample import empty_positions, resample_tracks  # noqa: F401  (the doctest)
from darkfleet.detect._runs import raw_table
from darkfleet.errors import ConfigError
from darkfleet.schema import EVENTS, polars_schema

__all__ = [
    "EncounterParams",
    "PlaceLookup",
    "encounter_events",
    "encounters",
    "merge_encounters",
    "raw_encounters",
    "resample",
]

F64 = npt.NDArray[np.float64]
MAX_ADJACENCY_KM = 4.0


class PlaceLookup(Protocol):
    """Reference data the encounter filter needs (implemented by ``darkfleet.places``)."""

    def distance_to_port_km(self, lat: F64, lon: F64) -> F64:
        """Distance to the nearest port or anchorage, km."""
        ...

    def distance_to_shore_km(self, lat: F64, lon: F64) -> F64:
        """Distance to the shore, km; zero or negative on land."""
        ...


@dataclass(frozen=True)
class EncounterParams:
    """Thresholds of the encounter definition (see the module docstring)."""

    max_encounter_dist_km: float = 0.5
    max_adjacency_dist_km: float = 1.0
    max_tracked_distances: int = 100
    min_encounter_minutes: float = 120.0
    min_raw_minutes: float = 60.0
    merge_gap_hours: float = 4.0
    max_median_speed_kn: float = 2.0
    resample_minutes: int = 10
    max_gap_hours: float = 1.0
    min_port_distance_km: float = 10.0

    def __post_init__(self) -> None:
        for problem in _problems(self):
            raise ConfigError(f"EncounterParams: {problem}")


def _problems(p: EncounterParams) -> list[str]:
    checks = [
        (0 < p.max_adjacency_dist_km < MAX_ADJACENCY_KM, "0 < max_adjacency_dist_km < 4"),
        (
            0 < p.max_encounter_dist_km <= p.max_adjacency_dist_km,
            "0 < max_encounter_dist_km <= max_adjacency_dist_km",
        ),
        (p.max_tracked_distances >= 1, "max_tracked_distances >= 1"),
        (p.min_encounter_minutes >= 0, "min_encounter_minutes >= 0"),
        (p.min_raw_minutes >= 0, "min_raw_minutes >= 0"),
        (p.merge_gap_hours >= 0, "merge_gap_hours >= 0"),
        (p.max_median_speed_kn > 0, "max_median_speed_kn > 0"),
        (
            p.resample_minutes >= 1 and 1440 % p.resample_minutes == 0,
            "resample_minutes divides 1440",
        ),
        (p.max_gap_hours > 0, "max_gap_hours > 0"),
        (p.min_port_distance_km >= 0, "min_port_distance_km >= 0"),
    ]
    return [f"need {rule}, got {_values(p)}" for ok, rule in checks if not ok]


def _values(p: EncounterParams) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in vars(p).items())


def resample(
    positions: pl.DataFrame, params: EncounterParams, *, extrapolate: bool = True
) -> pl.DataFrame:
    """Stage 1: grid samples (mmsi, seg_id, ts, lat, lon, speed_kn, point_density)."""
    step_s = params.resample_minutes * 60
    return resample_tracks(positions, step_s, params.max_gap_hours * 3600.0, extrapolate)


def raw_encounters(resampled: pl.DataFrame, params: EncounterParams) -> pl.DataFrame:
    """Stages 2-3: raw encounters, one row per directed segment pair and run."""
    settings = (
        params.resample_minutes * 60,
        params.max_adjacency_dist_km,
        params.max_tracked_distances,
        params.max_encounter_dist_km,
        params.min_raw_minutes * 60.0,
    )
    return raw_table(resampled, settings)


def merge_encounters(raw: pl.DataFrame, params: EncounterParams) -> pl.DataFrame:
    """Stage 4: raw encounters of one vessel pair closer than ``merge_gap_hours`` merged."""
    return merge_table(raw, params.merge_gap_hours)


def encounters(
    positions: pl.DataFrame, params: EncounterParams, places: PlaceLookup | None = None
) -> pl.DataFrame:
    """Encounter events (schema.EVENTS) from positions with a ``seg_id`` column."""
    return encounter_events(raw_encounters(resample(positions, params), params), params, places)


def encounter_events(
    raw: pl.DataFrame, params: EncounterParams, places: PlaceLookup | None = None
) -> pl.DataFrame:
    """Published encounter events from raw encounters: at sea, merged, filtered.

    The second half of :func:`encounters`, for engines that find raw encounters pair
    by pair in parallel.
    """
    if places is not None:
        raw = _at_sea(raw, places, params.min_port_distance_km)
    merged = merge_encounters(raw, params)
    minutes = (pl.col("end") - pl.col("start")).dt.total_seconds() / 60.0
    published = merged.filter(
        (minutes >= params.min_encounter_minutes)
        & (pl.col("median_speed_kn") < params.max_median_speed_kn)
    )
    return _events(published, params, places)


def _at_sea(raw: pl.DataFrame, places: PlaceLookup, min_port_km: float) -> pl.DataFrame:
    """Raw encounters at least ``min_port_km`` from ports and anchorages, not on land."""
    lat, lon = raw["lat"].to_numpy(), raw["lon"].to_numpy()
    port = np.asarray(places.distance_to_port_km(lat, lon), dtype=np.float64)
    shore = np.asarray(places.distance_to_shore_km(lat, lon), dtype=np.float64)
    return raw.filter(pl.Series((port >= min_port_km) & (shore > 0)))


def _events(
    merged: pl.DataFrame, params: EncounterParams, places: PlaceLookup | None
) -> pl.DataFrame:
    merged = merged.select(MERGED_SCHEMA.names())
    hours = (pl.col("end") - pl.col("start")).dt.total_microseconds() / 3.6e9
    framed = merged.with_columns(duration_h=hours).with_columns(confidence=_confidence(params))
    port, shore = _distances(framed, places)
    rows = framed.to_dicts()
    table = {
        "event_id": [event_id("encounter", r["mmsi"], r["other_mmsi"], r["start"]) for r in rows],
        "kind": ["encounter"] * len(rows),
        **{
            c: framed[c] for c in ("mmsi", "other_mmsi", "start", "end", "duration_h", "lat", "lon")
        },
        "confidence": framed["confidence"],
        "details": [_details(r, p, s) for r, p, s in zip(rows, port, shore, strict=True)],
    }
    return pl.DataFrame(table, schema=polars_schema(EVENTS))


def _confidence(params: EncounterParams) -> pl.Expr:
    slots = pl.col("duration_h") * 60.0 / params.resample_minutes + 1.0
    real = pl.col("real_points_mmsi") + pl.col("real_points_other")
    coverage = (real / (2.0 * slots)).clip(0.0, 1.0)
    length = (pl.col("duration_h") * 30.0 / max(params.min_encounter_minutes, 1.0)).clip(0.0, 1.0)
    closeness = (1.0 - pl.col("median_distance_km") / params.max_encounter_dist_km).clip(0.0, 1.0)
    return (0.5 * coverage + 0.3 * length + 0.2 * closeness).round(4)


def _distances(frame: pl.DataFrame, places: PlaceLookup | None) -> tuple[list[Any], list[Any]]:
    if places is None or frame.height == 0:
        return [None] * frame.height, [None] * frame.height
    lat, lon = frame["lat"].to_numpy(), frame["lon"].to_numpy()
    port = np.asarray(places.distance_to_port_km(lat, lon), dtype=np.float64)
    shore = np.asarray(places.distance_to_shore_km(lat, lon), dtype=np.float64)
    return port.tolist(), shore.tolist()


def _details(row: dict[str, Any], port: float | None, shore: float | None) -> str:
    numbers = {
        "median_distance_km": row["median_distance_km"],
        "median_speed_kn": row["median_speed_kn"],
        "median_speed_kn_mmsi": row["median_speed_kn_mmsi"],
        "median_speed_kn_other": row["median_speed_kn_other"],
        "start_lat": row["start_lat"],
        "start_lon": row["start_lon"],
        "end_lat": row["end_lat"],
        "end_lon": row["end_lon"],
        "distance_from_port_km": port,
        "distance_from_shore_km": shore,
    }
    details: dict[str, Any] = {k: _rounded(v) for k, v in numbers.items()}
    details |= {
        "real_points_mmsi": row["real_points_mmsi"],
        "real_points_other": row["real_points_other"],
        "seg_ids_mmsi": row["seg_ids"],
        "seg_ids_other": row["other_seg_ids"],
        "raw_encounters": row["raw_count"],
    }
    return json.dumps(details, separators=(",", ":"))


def _rounded(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, 6)
