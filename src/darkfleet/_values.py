"""Parse the time and bounding-box values users type, for the CLI and the web API alike.

>>> parse_bbox("120,30,125,40")
(120.0, 30.0, 125.0, 40.0)
"""

from __future__ import annotations

from datetime import UTC, datetime

from darkfleet.errors import ConfigError

__all__ = ["BBox", "parse_bbox", "parse_time"]

BBox = tuple[float, float, float, float]


def parse_time(value: str | None, name: str = "since") -> datetime | None:
    """ISO 8601 as UTC (naive means UTC); ``None`` or empty passes through."""
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"{name} {value!r}: not an ISO 8601 time (e.g. 2024-03-01T00:00Z)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_bbox(value: str | None, name: str = "bbox") -> BBox | None:
    """``minlon,minlat,maxlon,maxlat`` (minlon > maxlon crosses the antimeridian)."""
    if value is None or value == "":
        return None
    try:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in value.split(","))
    except ValueError:
        raise ConfigError(f"{name} {value!r}: expected minlon,minlat,maxlon,maxlat") from None
    lat_ok = -90 <= min_lat <= max_lat <= 90
    if not (lat_ok and -180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise ConfigError(f"{name} {value!r}: out of range or minimum above maximum")
    return (min_lon, min_lat, max_lon, max_lat)
