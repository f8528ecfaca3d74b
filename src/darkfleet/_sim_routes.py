"""Sea lanes for the scenario simulator: a visibility graph over hand-placed waypoints.

Two waypoints are joined when the straight line between them, widened by the lane
half-width on both sides, never touches land (``global_land_mask``, ~1 km grid). Ports
and arbitrary sea points join the graph through the waypoints they can see; the lane
narrows to nothing at such an end point, because vessels leave and reach it exactly.

>>> from darkfleet._sim_regions import REGIONS
>>> len(route(REGIONS["yellow-sea"], (38.895, 121.743), (36.010, 120.345))) > 2
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from global_land_mask import globe

from darkfleet._sim_regions import LatLon, Region
from darkfleet.geo import haversine_km

__all__ = [
    "LANE_HALF_WIDTH_KM",
    "Graph",
    "clear_of_land",
    "graph_for",
    "is_water",
    "km_to_deg",
    "offset_polyline",
    "polyline_km",
    "route",
]

FloatArray = npt.NDArray[np.float64]
KM_PER_DEG = 111.195
LANE_HALF_WIDTH_KM = 1.5
SAMPLE_STEP_KM = 0.4


def km_to_deg(lat: float | FloatArray, east_km: FloatArray, north_km: FloatArray) -> FloatArray:
    """(dlat, dlon) in degrees for local east/north displacements in km, stacked."""
    dlat = np.asarray(north_km) / KM_PER_DEG
    dlon = np.asarray(east_km) / (KM_PER_DEG * np.cos(np.radians(lat)))
    return np.stack([dlat, dlon])


_MASK = globe._mask  # True on ocean; same grid and indexing as globe.is_land, without its checks
_LAT0, _DLAT = float(globe._lat[0]), float(globe._lat[1] - globe._lat[0])
_LON0, _DLON = float(globe._lon[0]), float(globe._lon[1] - globe._lon[0])
_LAT_MIN, _LAT_MAX = float(globe._lat.min()), float(globe._lat.max())
_LON_MIN, _LON_MAX = float(globe._lon.min()), float(globe._lon.max())


def is_water(lat: FloatArray | float, lon: FloatArray | float) -> npt.NDArray[np.bool_]:
    """True where the point is sea according to the 1 km land mask (``~globe.is_land``)."""
    la = np.clip(np.asarray(lat, dtype=np.float64), _LAT_MIN, _LAT_MAX)
    lo = np.clip(np.asarray(lon, dtype=np.float64), _LON_MIN, _LON_MAX)
    i = ((la - _LAT0) / _DLAT).astype(np.int64)
    j = ((lo - _LON0) / _DLON).astype(np.int64)
    return np.asarray(_MASK[i, j], dtype=np.bool_)


def _normal(p: LatLon, q: LatLon) -> FloatArray:
    """Unit vector (east, north) in km-space pointing left of the line p -> q."""
    east = (q[1] - p[1]) * np.cos(np.radians(p[0])) * KM_PER_DEG
    north = (q[0] - p[0]) * KM_PER_DEG
    norm = max(float(np.hypot(east, north)), 1e-9)
    return np.array([-north / norm, east / norm])


def clear_of_land(p: LatLon, q: LatLon, half_width_km: float, taper: tuple[bool, bool]) -> bool:
    """Whether the lane p -> q of the given half-width is all water (narrowed at taper ends)."""
    length = float(haversine_km(p[0], p[1], q[0], q[1]))
    s = np.linspace(0.0, 1.0, max(8, int(length / SAMPLE_STEP_KM) + 2))
    width = np.ones_like(s)
    if taper[0]:
        width = np.minimum(width, s)
    if taper[1]:
        width = np.minimum(width, 1.0 - s)
    width = width * half_width_km
    lat = p[0] + (q[0] - p[0]) * s
    lon = p[1] + (q[1] - p[1]) * s
    normal = _normal(p, q)
    side = np.linspace(-1.0, 1.0, 7)[:, None] * width
    d = km_to_deg(lat, side * normal[0], side * normal[1])
    return bool(is_water(lat + d[0], lon + d[1]).all())


@dataclass(frozen=True)
class Graph:
    """Waypoints, all-pairs shortest distances (km) and the next hop on each path."""

    nodes: FloatArray
    dist: FloatArray
    hop: npt.NDArray[np.int64]


@functools.cache
def graph_for(region: Region) -> Graph:
    """The lane graph of a region (cached: it depends only on the region's constants)."""
    nodes = np.array(region.waypoints, dtype=np.float64)
    n = len(nodes)
    dist = np.full((n, n), np.inf)
    np.fill_diagonal(dist, 0.0)
    for i in range(n):
        for j in range(i + 1, n):
            p, q = (nodes[i, 0], nodes[i, 1]), (nodes[j, 0], nodes[j, 1])
            if clear_of_land(p, q, LANE_HALF_WIDTH_KM, (False, False)):
                dist[i, j] = dist[j, i] = float(haversine_km(p[0], p[1], q[0], q[1]))
    hop = np.tile(np.arange(n), (n, 1))
    for k in range(n):
        via = dist[:, [k]] + dist[[k], :]
        better = via < dist
        dist = np.where(better, via, dist)
        hop = np.where(better, hop[:, [k]], hop)
    return Graph(nodes, dist, hop)


def _path(graph: Graph, i: int, j: int) -> list[int]:
    """Node indices of the shortest path i -> j."""
    out = [i]
    while out[-1] != j:
        out.append(int(graph.hop[out[-1], j]))
    return out


@functools.cache
def _visible(region: Region, point: LatLon) -> tuple[int, ...]:
    """Waypoints reachable from a point along a lane that narrows at the point."""
    nodes = graph_for(region).nodes
    return tuple(
        i
        for i in range(len(nodes))
        if clear_of_land(point, (nodes[i, 0], nodes[i, 1]), LANE_HALF_WIDTH_KM, (True, False))
    )


def route(region: Region, a: LatLon, b: LatLon) -> FloatArray:
    """Polyline (k x 2, lat/lon) from a to b over water: direct when clear, else via lanes."""
    return _route(region, (float(a[0]), float(a[1])), (float(b[0]), float(b[1]))).copy()


@functools.lru_cache(maxsize=65536)
def _route(region: Region, a: LatLon, b: LatLon) -> FloatArray:
    if clear_of_land(a, b, 0.3, (True, True)):
        return np.array([a, b], dtype=np.float64)
    graph = graph_for(region)
    va, vb = _visible(region, a), _visible(region, b)
    if not va or not vb:
        raise ValueError(f"no sea lane from {a} to {b} in {region.name}")
    da = haversine_km(a[0], a[1], graph.nodes[list(va), 0], graph.nodes[list(va), 1])
    db = haversine_km(b[0], b[1], graph.nodes[list(vb), 0], graph.nodes[list(vb), 1])
    total = da[:, None] + graph.dist[np.ix_(va, vb)] + db[None, :]
    ia, ib = np.unravel_index(int(np.argmin(total)), total.shape)
    if not np.isfinite(total[ia, ib]):
        raise ValueError(f"no sea lane from {a} to {b} in {region.name}")
    inner = graph.nodes[_path(graph, va[ia], vb[ib])]
    return np.vstack([np.array([a]), inner, np.array([b])])


def polyline_km(poly: FloatArray) -> FloatArray:
    """Cumulative distance (km) along a polyline, starting at 0."""
    legs = haversine_km(poly[:-1, 0], poly[:-1, 1], poly[1:, 0], poly[1:, 1])
    return np.concatenate([[0.0], np.cumsum(legs)])


def offset_polyline(poly: FloatArray, offset_km: float) -> FloatArray:
    """The polyline with interior knots moved sideways (left of travel) by offset_km."""
    out = poly.copy()
    for k in range(1, len(poly) - 1):
        n1 = _normal((poly[k - 1, 0], poly[k - 1, 1]), (poly[k, 0], poly[k, 1]))
        n2 = _normal((poly[k, 0], poly[k, 1]), (poly[k + 1, 0], poly[k + 1, 1]))
        mid = n1 + n2
        mid = mid / max(float(np.hypot(mid[0], mid[1])), 1e-9)
        d = km_to_deg(poly[k, 0], np.array(offset_km * mid[0]), np.array(offset_km * mid[1]))
        out[k] += d
    return out
