"""Open-sea places for the scenario simulator: fishing grounds and behaviour sites.

A site is far from any coast (so far from any port, whatever port list a detector uses),
reachable by the lanes, and kept apart from other sites that are busy at the same time,
so that two injected behaviours never merge into one unintended event.

>>> from darkfleet._sim_regions import REGIONS
>>> rng = np.random.default_rng(1)
>>> lat, lon = sea_point(rng, REGIONS["north-sea"], clear_km=30.0)
>>> bool(far_from_land(lat, lon, 30.0))
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from darkfleet._sim_regions import LatLon, Region
from darkfleet._sim_routes import is_water, km_to_deg, route
from darkfleet.geo import haversine_km
from darkfleet.places import Places

__all__ = ["SiteBook", "far_from_land", "sea_point"]

RING_BEARINGS = np.radians(np.arange(0.0, 360.0, 6.0))


def far_from_land(lat: float, lon: float, clear_km: float) -> bool:
    """Whether no land lies within ``clear_km`` of the point (rings every ~0.8 km)."""
    radii = np.linspace(0.0, clear_km, max(2, int(clear_km / 0.8) + 1))
    r, b = np.meshgrid(radii, RING_BEARINGS)
    d = km_to_deg(lat, (r * np.sin(b)).ravel(), (r * np.cos(b)).ravel())
    return bool(is_water(lat + d[0], lon + d[1]).all())


GRID_DEG = 0.1


PORT_CLEAR_KM = 25.0


@functools.cache
def _open_cells(region: Region, clear_km: float) -> tuple[LatLon, ...]:
    """Grid points of the region (every 0.1 degree) with no land within clear_km, and no
    listed port or anchorage point (WPI, GFW outer anchorages) within 25 km."""
    lon0, lat0, lon1, lat1 = region.bbox
    lats = np.round(np.arange(lat0 + GRID_DEG, lat1, GRID_DEG), 3)
    lons = np.round(np.arange(lon0 + GRID_DEG, lon1, GRID_DEG), 3)
    cells = [(float(a), float(o)) for a in lats for o in lons]
    lat, lon = np.array([c[0] for c in cells]), np.array([c[1] for c in cells])
    wet = is_water(lat, lon) & (Places.bundled().distance_to_port_km(lat, lon) > PORT_CLEAR_KM)
    return tuple(c for c, w in zip(cells, wet, strict=True) if w and far_from_land(*c, clear_km))


@functools.cache
def _reachable(region: Region, point: LatLon) -> bool:
    try:
        route(region, point, region.ports[0].anchorage)
    except ValueError:
        return False
    return True


def sea_point(
    rng: np.random.Generator,
    region: Region,
    clear_km: float,
    near: LatLon | None = None,
    within_km: float = 1e9,
) -> LatLon:
    """A random reachable open-sea grid point with no land within ``clear_km``.

    Points come from a 0.1-degree grid so that lane routes to them can be cached.
    """
    cells = _open_cells(region, clear_km)
    if near is not None:
        lat = np.array([c[0] for c in cells])
        lon = np.array([c[1] for c in cells])
        close = haversine_km(lat, lon, near[0], near[1]) <= within_km
        cells = tuple(c for c, ok in zip(cells, close, strict=True) if ok) or cells
    for _ in range(200):
        p = cells[int(rng.integers(len(cells)))]
        if _reachable(region, p):
            return p
    raise ValueError(f"no open sea {clear_km} km from land in {region.name}")


@dataclass
class SiteBook:
    """Sites already given out, with the time they are busy, to keep new ones apart."""

    region: Region
    clear_km: float = 30.0
    apart_km: float = 40.0
    booked: list[tuple[LatLon, float, float]] = field(default_factory=list)

    def conflicts(self, p: LatLon, t0: float, t1: float) -> bool:
        """Whether p is too close to a site busy during [t0, t1] (with a 12 h margin)."""
        margin = 6 * 3600.0
        for q, s0, s1 in self.booked:
            overlap = t0 < s1 + margin and s0 < t1 + margin
            if overlap and float(haversine_km(p[0], p[1], q[0], q[1])) < self.apart_km:
                return True
        return False

    def take(self, rng: np.random.Generator, t0: float, t1: float) -> LatLon:
        """A fresh site busy during [t0, t1]."""
        for _ in range(400):
            p = sea_point(rng, self.region, self.clear_km)
            if not self.conflicts(p, t0, t1):
                self.booked.append((p, t0, t1))
                return p
        raise ValueError(
            f"no free site in {self.region.name} at that time: too many behaviours for its area"
        )
