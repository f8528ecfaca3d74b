"""TopoJSON decoding and the built-in North Korea zones, for the build script.

Zones are buffers of North Korea's Natural Earth 1:10m land polygon, computed in an
azimuthal equidistant projection centred on the country (scale error < 0.1 % within
500 km of the centre), minus all Natural Earth land, split at 127° E into the west coast
(Korea Bay, Yellow Sea) and the east coast (Sea of Japan / East Sea). The territorial
sea is also cut at the median line with neighbouring land (UNCLOS art. 15: the points
nearer North Korea than China, South Korea or Russia, from a Voronoi diagram of both
coasts sampled every kilometre); the approach zone is not, since it is an operational
area that vessels bound for North Korea cross in other states' waters.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon

EARTH_RADIUS_KM = 6371.0
KM_PER_NM = 1.852
CENTRE = (40.3, 127.5)  # lat, lon of the projection centre, mid North Korea
SPLIT_LON = 127.0
ZONES = (("PRK territorial sea (12 nm)", 12.0, True), ("PRK approach (60 nm)", 60.0, False))
SAMPLE_KM = 1.0
SOURCE = (
    "darkfleet: Natural Earth 1:10m (v4.1.0, via npm world-atlas 2.0.2, public domain) "
    "North Korea land buffered by {nm:g} nm, minus land; approximate, not a legal boundary"
)


def _decode_arcs(topo: dict[str, Any]) -> list[npt.NDArray[np.float64]]:
    scale = np.asarray(topo["transform"]["scale"], dtype=np.float64)
    shift = np.asarray(topo["transform"]["translate"], dtype=np.float64)
    return [
        np.cumsum(np.asarray(a, dtype=np.float64), axis=0) * scale + shift for a in topo["arcs"]
    ]


def _ring(arcs: list[npt.NDArray[np.float64]], refs: list[int]) -> npt.NDArray[np.float64]:
    parts = [arcs[r] if r >= 0 else arcs[~r][::-1] for r in refs]
    return np.concatenate([parts[0], *[p[1:] for p in parts[1:]]])


def topo_rings(topo: dict[str, Any], name: str) -> list[list[npt.NDArray[np.float64]]]:
    """Every polygon of one TopoJSON object as raw rings (no repair, no union)."""
    arcs = _decode_arcs(topo)
    obj = topo["objects"][name]
    members = obj["geometries"] if obj["type"] == "GeometryCollection" else [obj]
    polygons: list[list[list[int]]] = []
    for geom in members:
        polygons += [geom["arcs"]] if geom["type"] == "Polygon" else geom.get("arcs", [])
    rings = [[_ring(arcs, r) for r in poly] for poly in polygons]
    return [[r for r in poly if len(r) >= 4] for poly in rings if len(poly[0]) >= 4]


def _polygon(arcs: list[npt.NDArray[np.float64]], rings: list[list[int]]) -> Any:
    coords = [c for c in (_ring(arcs, r) for r in rings) if len(c) >= 4]
    if not coords:
        return Polygon()
    return _polygonal(shapely.make_valid(Polygon(coords[0], coords[1:])))


def _polygonal(geom: Any) -> Any:
    """Only the polygon parts (make_valid may leave slivers as lines)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else Polygon()


def _geometry(arcs: list[npt.NDArray[np.float64]], geom: dict[str, Any]) -> Any:
    if geom["type"] == "Polygon":
        return _polygon(arcs, geom["arcs"])
    if geom["type"] == "MultiPolygon":
        return shapely.union_all([_polygon(arcs, p) for p in geom["arcs"]])
    return None


def topo_geometries(topo: dict[str, Any], name: str, key: str | None = None) -> list[Any]:
    """Shapely geometries of one TopoJSON object (optionally only features whose id == key)."""
    arcs = _decode_arcs(topo)
    obj = topo["objects"][name]
    members = obj["geometries"] if obj["type"] == "GeometryCollection" else [obj]
    picked = [g for g in members if key is None or g.get("id") == key]
    return [g for g in (_geometry(arcs, m) for m in picked) if g is not None and not g.is_empty]


def _aeqd_forward(lonlat: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    lat0, lon0 = np.radians(CENTRE)
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    dlon = lon - lon0
    cos_c = np.sin(lat0) * np.sin(lat) + np.cos(lat0) * np.cos(lat) * np.cos(dlon)
    c = np.arccos(np.clip(cos_c, -1.0, 1.0))
    k = np.where(c > 1e-12, c / np.sin(np.maximum(c, 1e-12)), 1.0) * EARTH_RADIUS_KM
    x = k * np.cos(lat) * np.sin(dlon)
    y = k * (np.cos(lat0) * np.sin(lat) - np.sin(lat0) * np.cos(lat) * np.cos(dlon))
    return np.column_stack([x, y])


def _aeqd_inverse(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    lat0, lon0 = np.radians(CENTRE)
    x, y = xy[:, 0], xy[:, 1]
    rho = np.hypot(x, y)
    c = rho / EARTH_RADIUS_KM
    safe = np.where(rho > 1e-9, rho, 1.0)
    lat = np.arcsin(np.cos(c) * np.sin(lat0) + y * np.sin(c) * np.cos(lat0) / safe)
    lon = lon0 + np.arctan2(
        x * np.sin(c), safe * np.cos(lat0) * np.cos(c) - y * np.sin(lat0) * np.sin(c)
    )
    return np.column_stack([np.degrees(lon), np.degrees(lat)])


def _boundary_points(geom: Any) -> npt.NDArray[np.float64]:
    coords = shapely.get_coordinates(shapely.segmentize(geom.boundary, SAMPLE_KM))
    return np.asarray(coords, dtype=np.float64)


def _nearer_than_neighbours(prk_xy: Any, others_xy: Any) -> Any:
    """Projected area nearer North Korea's land than any other land (within 300 km)."""
    reach = prk_xy.buffer(300.0)
    own = np.unique(_boundary_points(prk_xy).round(2), axis=0)
    other = np.unique(_boundary_points(others_xy.intersection(reach)).round(2), axis=0)
    other = other[~np.isin(other @ [1.0, 1j], own @ [1.0, 1j])]
    points = np.concatenate([own, other])
    is_own = np.arange(len(points)) < len(own)
    cells = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=reach, ordered=True)
    return shapely.union_all(shapely.get_parts(cells)[is_own]).buffer(0)


def _coast_parts(sea: Any) -> dict[str, Any]:
    parts = list(sea.geoms) if isinstance(sea, MultiPolygon) else [sea]
    west = [p for p in parts if p.representative_point().x < SPLIT_LON]
    east = [p for p in parts if p.representative_point().x >= SPLIT_LON]
    return {"west": MultiPolygon(west), "east": MultiPolygon(east)}


def prk_zones(world_atlas: Path) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the 12 nm and 60 nm zones on both coasts."""
    countries = json.loads((world_atlas / "countries-10m.json").read_text())
    prk = shapely.union_all(topo_geometries(countries, "countries", key="408"))
    land = shapely.union_all(topo_geometries(countries, "countries"))
    window = shapely.box(CENTRE[1] - 12, CENTRE[0] - 9, CENTRE[1] + 12, CENTRE[0] + 9)
    land_xy = shapely.transform(shapely.intersection(land, window), _aeqd_forward)
    prk_xy = shapely.transform(prk, _aeqd_forward)
    nearer = _nearer_than_neighbours(prk_xy, land_xy.difference(prk_xy))
    features = []
    for name, nm, median in ZONES:
        sea_xy = prk_xy.buffer(nm * KM_PER_NM, quad_segs=32).difference(land_xy)
        sea_xy = _polygonal(sea_xy.intersection(nearer) if median else sea_xy)
        sea = shapely.set_precision(shapely.transform(sea_xy, _aeqd_inverse), 1e-5)
        for coast, geom in _coast_parts(sea).items():
            props = {"name": f"{name}, {coast} coast", "source": SOURCE.format(nm=nm)}
            features.append(
                {"type": "Feature", "properties": props, "geometry": geom.__geo_interface__}
            )
    return {"type": "FeatureCollection", "features": features}
