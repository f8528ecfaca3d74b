"""Event filters shared by ``darkfleet report`` and the web API, with their validation.

Bad values raise :class:`darkfleet.errors.ConfigError` with the offending value, which the
CLI prints as one line and the API returns as a 400 with the same message.

>>> parse_bbox("124,37,126,39")
(124.0, 37.0, 126.0, 39.0)
>>> parse_kinds("encounter,gap")
['encounter', 'gap']
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import polars as pl

from darkfleet import schema
from darkfleet._values import BBox, parse_bbox, parse_time
from darkfleet.errors import ConfigError
from darkfleet.store import in_bbox

__all__ = [
    "EventFilter",
    "land_geojson",
    "parse_bbox",
    "parse_kinds",
    "parse_time",
]

_LAND_MARGIN_DEG = 8.0


def parse_kinds(value: str | None) -> list[str] | None:
    """A comma-separated list of event kinds; an unknown kind is an error naming the known."""
    if value is None or value == "":
        return None
    kinds = [k.strip() for k in value.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in schema.EVENT_KINDS]
    if unknown or not kinds:
        raise ConfigError(
            f"kind {value!r}: unknown {', '.join(unknown) or 'kind'}; "
            f"choose from {', '.join(schema.EVENT_KINDS)}"
        )
    return kinds


@dataclass(frozen=True)
class EventFilter:
    """Which events to show: kinds, a vessel, a time window, a box, a minimum confidence."""

    kinds: list[str] | None = None
    mmsi: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    bbox: BBox | None = None
    min_confidence: float = 0.0

    def __post_init__(self) -> None:
        if self.since and self.until and self.since >= self.until:
            raise ConfigError(
                f"since {self.since:%Y-%m-%dT%H:%M:%SZ} is not before "
                f"until {self.until:%Y-%m-%dT%H:%M:%SZ}"
            )
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ConfigError(f"min_confidence {self.min_confidence}: must be between 0 and 1")

    def apply(self, events: pl.DataFrame) -> pl.DataFrame:
        """The matching events, sorted by start time then id."""
        return events.filter(self._expr()).sort("start", "event_id")

    def _expr(self) -> pl.Expr:
        keep = pl.col("confidence") >= self.min_confidence
        if self.kinds:
            keep &= pl.col("kind").is_in(self.kinds)
        if self.mmsi is not None:
            keep &= (pl.col("mmsi") == self.mmsi) | (pl.col("other_mmsi") == self.mmsi)
        if self.since:
            keep &= pl.col("end") >= self.since
        if self.until:
            keep &= pl.col("start") < self.until
        if self.bbox:
            keep &= in_bbox(self.bbox)
        return keep.fill_null(False)


@cache
def _land() -> list[tuple[BBox, dict[str, Any]]]:
    text = resources.files("darkfleet").joinpath("data/land_50m.geojson").read_text()
    return [(_feature_bbox(f), f) for f in json.loads(text)["features"]]


def _feature_bbox(feature: dict[str, Any]) -> BBox:
    geometry = feature["geometry"]
    rings = (
        geometry["coordinates"]
        if geometry["type"] == "Polygon"
        else [ring for polygon in geometry["coordinates"] for ring in polygon]
    )
    lons = [p[0] for ring in rings for p in ring]
    lats = [p[1] for ring in rings for p in ring]
    return (min(lons), min(lats), max(lons), max(lats))


def land_geojson(extent: list[float] | None) -> dict[str, Any]:
    """The bundled Natural Earth land near ``extent`` (all of it when unknown or wide)."""
    features = [f for box, f in _land() if extent is None or _near(box, extent)]
    return {"type": "FeatureCollection", "features": features}


def _near(box: BBox, extent: list[float]) -> bool:
    m = _LAND_MARGIN_DEG
    min_lon, min_lat, max_lon, max_lat = extent
    if max_lon - min_lon > 180 or min_lon > max_lon:
        return box[3] >= min_lat - m and box[1] <= max_lat + m
    return not (
        box[2] < min_lon - m or box[0] > max_lon + m or box[3] < min_lat - m or box[1] > max_lat + m
    )
