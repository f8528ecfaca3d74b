"""Zones: named polygons read from GeoJSON, and vectorised point-in-zone tests.

A zone is a (Multi)Polygon in WGS84 longitude/latitude with a name and a source. User
files may hold a FeatureCollection, a single Feature or a bare (Multi)Polygon geometry;
each polygonal feature becomes one zone, named from its ``name`` (or ``NAME``,
``geoname``, ``title``, ``id``) property, else ``<file stem> #<n>``. Invalid rings are
repaired with ``make_valid``; anything that cannot be a zone raises InputFormatError
naming the file, the feature and the problem.

>>> zones = load_zones(BUILTIN_ZONES)
>>> [z.name for z in zones][:1]
['PRK territorial sea (12 nm), west coast']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from darkfleet._places_shore import DATA_DIR
from darkfleet.errors import InputFormatError
from darkfleet.geo import wrap_lon

__all__ = [
    "BUILTIN_ZONES",
    "Zone",
    "load_zones",
    "zone_matrix",
    "zone_membership",
    "zones_containing",
]

BUILTIN_ZONES = DATA_DIR / "zones_prk.geojson"
NAME_KEYS = ("name", "NAME", "Name", "geoname", "title", "id")
POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True, eq=False)
class Zone:
    """A named area: ``geometry`` is a shapely (Multi)Polygon in lon/lat degrees."""

    name: str
    geometry: Any
    source: str

    def __post_init__(self) -> None:
        shapely.prepare(self.geometry)


def load_zones(path: Path) -> list[Zone]:
    """Zones from a GeoJSON file (see the module docstring for what is accepted)."""
    data = _read_json(path)
    features = _features(path, data)
    zones = [_zone(path, i, f) for i, f in enumerate(features)]
    if not zones:
        raise InputFormatError(f"{path}: GeoJSON holds no features")
    return zones


def _read_json(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputFormatError(f"{path}: cannot read zone file ({exc.strerror})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFormatError(f"{path}: not valid JSON ({exc})") from exc


def _features(path: Path, data: Any) -> list[Any]:
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection" and isinstance(data.get("features"), list):
        return list(data["features"])
    if kind == "Feature":
        return [data]
    if kind in POLYGONAL:
        return [{"type": "Feature", "properties": {}, "geometry": data}]
    raise InputFormatError(
        f"{path}: expected a GeoJSON FeatureCollection, Feature or (Multi)Polygon, "
        f"got type {kind!r}"
    )


def _zone(path: Path, index: int, feature: Any) -> Zone:
    where = f"{path}: feature {index}"
    geom = feature.get("geometry") if isinstance(feature, dict) else None
    if not isinstance(geom, dict) or geom.get("type") not in POLYGONAL:
        kind = geom.get("type") if isinstance(geom, dict) else None
        raise InputFormatError(f"{where}: geometry must be a Polygon or MultiPolygon, got {kind!r}")
    shape = _shape(where, geom)
    props = feature.get("properties") or {}
    name = next((str(props[k]) for k in NAME_KEYS if props.get(k) not in (None, "")), None)
    source = str(props.get("source") or path.name)
    return Zone(name or f"{path.stem} #{index}", shape, source)


def _shape(where: str, geom: dict[str, Any]) -> Any:
    try:
        shape = shapely.geometry.shape(geom)
        coords = shapely.get_coordinates(shape)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.ShapelyError) as exc:
        raise InputFormatError(f"{where}: bad coordinates ({exc})") from exc
    if coords.size == 0 or not np.isfinite(coords).all():
        raise InputFormatError(f"{where}: empty geometry or non-numeric coordinates")
    if (np.abs(coords[:, 0]) > 180.0).any() or (np.abs(coords[:, 1]) > 90.0).any():
        raise InputFormatError(f"{where}: coordinates outside lon ±180 / lat ±90 (not WGS84?)")
    if not shape.is_valid:
        shape = shapely.make_valid(shape)
        parts = [p for p in shapely.get_parts(shape) if p.geom_type in POLYGONAL]
        shape = shapely.union_all(parts)
    if shape.is_empty or shape.area == 0.0:
        raise InputFormatError(f"{where}: polygon has no area")
    return shape


def zone_matrix(
    lat: npt.ArrayLike, lon: npt.ArrayLike, zones: Sequence[Zone]
) -> npt.NDArray[np.bool_]:
    """(points × zones) booleans: is point i inside (or on the edge of) zone j."""
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    lon_a = wrap_lon(np.atleast_1d(np.asarray(lon, dtype=np.float64)))
    out = np.zeros((lat_a.shape[0], len(zones)), dtype=np.bool_)
    for j, zone in enumerate(zones):
        x0, y0, x1, y1 = zone.geometry.bounds
        near = (lon_a >= x0) & (lon_a <= x1) & (lat_a >= y0) & (lat_a <= y1)
        if near.any():
            hit = shapely.intersects_xy(zone.geometry, lon_a[near], lat_a[near])
            out[np.flatnonzero(near), j] = hit
    return out


def zone_membership(
    lat: npt.ArrayLike, lon: npt.ArrayLike, zones: Sequence[Zone]
) -> npt.NDArray[np.int64]:
    """Index of the first zone containing each point, or -1 (order zones innermost first)."""
    matrix = zone_matrix(lat, lon, zones)
    first = np.argmax(matrix, axis=1) if matrix.shape[1] else np.zeros(matrix.shape[0], np.int64)
    return np.where(matrix.any(axis=1), first, -1).astype(np.int64)


def zones_containing(
    lat: npt.ArrayLike, lon: npt.ArrayLike, zones: Sequence[Zone]
) -> list[list[str]]:
    """Names of every zone containing each point."""
    matrix = zone_matrix(lat, lon, zones)
    names = [z.name for z in zones]
    return [[names[int(j)] for j in np.flatnonzero(row)] for row in matrix]
