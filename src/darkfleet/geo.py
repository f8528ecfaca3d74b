"""Spherical geometry on numpy arrays, antimeridian-safe throughout.

Distances use the haversine formula on a sphere of radius 6371 km, the radius Global
Fishing Watch's pipelines use, so that darkfleet's numbers agree with theirs.

>>> round(float(haversine_km(0.0, 179.9, 0.0, -179.9)), 3)
22.239
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "EARTH_RADIUS_KM",
    "KM_PER_NM",
    "bearing_deg",
    "circular_mean_deg",
    "haversine_km",
    "implied_speed_kn",
    "wrap_lon",
]

EARTH_RADIUS_KM = 6371.0
KM_PER_NM = 1.852

FloatArray = npt.NDArray[np.float64]
ArrayLike = float | npt.NDArray[np.floating]


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> FloatArray:
    """Great-circle distance in km between points given in degrees (broadcasts)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dlat / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2.0) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def bearing_deg(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> FloatArray:
    """Initial great-circle bearing from point 1 to point 2, degrees clockwise from north."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlon = np.radians(np.asarray(lon2) - np.asarray(lon1))
    y = np.sin(dlon) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dlon)
    return np.asarray((np.degrees(np.arctan2(y, x)) + 360.0) % 360.0)


def implied_speed_kn(distance_km: ArrayLike, hours: ArrayLike) -> FloatArray:
    """Speed in knots needed to cover ``distance_km`` in ``hours`` (inf for zero time)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.asarray(distance_km) / KM_PER_NM / np.asarray(hours))


def wrap_lon(lon: ArrayLike) -> FloatArray:
    """Longitude wrapped into [-180, 180)."""
    return np.asarray((np.asarray(lon) + 180.0) % 360.0 - 180.0)


def circular_mean_deg(lon: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Mean of longitudes on the circle, so that 179.9 and -179.9 average to 180, not 0."""
    rad = np.radians(np.asarray(lon, dtype=np.float64))
    w = np.ones_like(rad) if weights is None else np.asarray(weights, dtype=np.float64)
    mean = np.degrees(np.arctan2(np.sum(w * np.sin(rad)), np.sum(w * np.cos(rad))))
    return float(mean)
