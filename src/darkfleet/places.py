"""Offline reference places: ports, anchorages, shore distance, land and zones.

Everything a detector needs to know about the world, passed in as one object (never
loaded behind the caller's back). ``Places.bundled()`` reads only ``darkfleet/data``:

* ports and anchorages: 3,669 World Port Index ports (public domain) and 60,408 Global
  Fishing Watch anchorage override points (Apache-2.0), plus any anchorages derived from
  the data with :func:`derive_anchorages` and added with :meth:`Places.with_anchorages`;
  distances are exact great-circle (haversine) distances to the nearest point, found with
  a k-d tree on unit vectors;
* land and shore: the 1 km GLOBE land mask (via ``global-land-mask``) and a 0.05° grid of
  distance to the coastline, interpolated;
* zones: North Korea's 12 nm territorial sea and 60 nm approach zone on both coasts,
  built from Natural Earth, plus any user GeoJSON (:func:`load_zones`).

>>> places = Places.bundled()
>>> label, km = places.nearest_port(np.array([38.68]), np.array([125.33]))
>>> str(label[0]), bool(km[0] < 10.0)
('NAMPO', True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import numpy.typing as npt
import polars as pl

from darkfleet._places_anchorages import (
    AnchorageParams,
    anchorages_from_periods,
    derive_anchorages,
    stationary_periods,
)
from darkfleet._places_nn import SphereTree
from darkfleet._places_shore import DATA_DIR, ShoreGrid
from darkfleet._places_zones import (
    BUILTIN_ZONES,
    Zone,
    load_zones,
    zone_matrix,
    zone_membership,
    zones_containing,
)
from darkfleet.errors import InputFormatError

__all__ = [
    "IN_PORT_KM",
    "PLACE_COLUMNS",
    "AnchorageParams",
    "Places",
    "Zone",
    "anchorages_from_periods",
    "builtin_zones",
    "derive_anchorages",
    "load_zones",
    "stationary_periods",
    "zone_matrix",
    "zone_membership",
    "zones_containing",
]

IN_PORT_KM = 10.0
PLACE_COLUMNS = ("lat", "lon", "label", "sublabel", "iso3", "kind")
FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]


def builtin_zones() -> list[Zone]:
    """The bundled North Korea zones (12 nm territorial sea, 60 nm approach; both coasts)."""
    return list(_builtin_zones())


@cache
def _builtin_zones() -> tuple[Zone, ...]:
    return tuple(load_zones(BUILTIN_ZONES))


@cache
def _bundled_ports() -> pl.DataFrame:
    return pl.read_parquet(DATA_DIR / "ports.parquet")


@cache
def _bundled_places() -> Places:
    return Places.from_frames(_bundled_ports(), zones=_builtin_zones())


@dataclass(frozen=True, eq=False)
class Places:
    """Reference points (ports, anchorages), land/shore grids and zones, queried by arrays."""

    points: pl.DataFrame
    zones: tuple[Zone, ...]
    shore: ShoreGrid
    tree: SphereTree

    @staticmethod
    def bundled() -> Places:
        """WPI ports, GFW anchorage points, land/shore grids and the built-in zones.

        Built once per process (about 1 s and 170 MB: the 1 km land mask is 117 MB) and
        shared, which is safe since Places is immutable.
        """
        return _bundled_places()

    @classmethod
    def from_frames(
        cls,
        ports: pl.DataFrame,
        extra: pl.DataFrame | None = None,
        zones: Sequence[Zone] = (),
        shore: ShoreGrid | None = None,
    ) -> Places:
        """Places from tables with at least lat, lon (label, kind optional)."""
        frames = [_points(ports, "port")] + ([] if extra is None else [_points(extra, "anchorage")])
        points = pl.concat(frames)
        if points.is_empty():
            raise InputFormatError("Places need at least one port or anchorage point")
        tree = SphereTree.build(points["lat"].to_numpy(), points["lon"].to_numpy())
        return cls(points, tuple(zones), shore or ShoreGrid.load(), tree)

    def with_anchorages(self, derived: pl.DataFrame) -> Places:
        """A copy that also counts ``derived`` (from :func:`derive_anchorages`) as in port."""
        return Places.from_frames(self.points, derived, self.zones, self.shore)

    def with_zones(self, zones: Sequence[Zone]) -> Places:
        """A copy with ``zones`` added after the current ones."""
        return replace(self, zones=(*self.zones, *zones))

    def distance_to_port_km(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
        """Great-circle km to the nearest port or anchorage point (NaN for NaN input)."""
        return self.tree.query(lat, lon)[1]

    def nearest_port(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike
    ) -> tuple[ObjectArray, FloatArray]:
        """Label of the nearest port/anchorage point (None if unnamed) and its distance in km."""
        idx, km = self.tree.query(lat, lon)
        labels = self.points["label"].to_numpy().astype(object)
        out = labels[np.maximum(idx, 0)]
        out[idx < 0] = None
        return out, km

    def nearest_places(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> pl.DataFrame:
        """Per query point, the nearest place's PLACE_COLUMNS (renamed ``port_*``) and km."""
        idx, km = self.tree.query(lat, lon)
        series = pl.Series(idx, dtype=pl.Int64)
        at = pl.when(series >= 0).then(series)  # a null index gathers a null row (NaN query)
        rows = self.points.rename({c: f"port_{c}" for c in PLACE_COLUMNS})
        return rows.select(pl.all().gather(at)).with_columns(distance_km=pl.Series(km))

    def in_port(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike, radius_km: float = IN_PORT_KM
    ) -> npt.NDArray[np.bool_]:
        """True within ``radius_km`` (default 10 km) of any port or anchorage point."""
        return np.asarray(self.distance_to_port_km(lat, lon) <= radius_km)

    def distance_to_shore_km(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
        """Distance to the coastline in km: positive at sea, zero or negative on land."""
        return self.shore.signed_km(lat, lon)

    def on_land(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """True on land according to the 1 km GLOBE mask (lakes count as land)."""
        return self.shore.on_land(lat, lon)

    def zone_membership(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Index into ``zones`` of the first zone containing each point, else -1."""
        return zone_membership(lat, lon, self.zones)


def _points(frame: pl.DataFrame, default_kind: str) -> pl.DataFrame:
    """The PLACE_COLUMNS of ``frame``: missing text columns null, ``kind`` defaulted."""
    missing = {"lat", "lon"} - set(frame.columns)
    if missing:
        raise InputFormatError(f"place table lacks column(s) {sorted(missing)}")
    defaults = {"kind": pl.lit(default_kind)}
    text = [
        (pl.col(c) if c in frame.columns else defaults.get(c, pl.lit(None)))
        .cast(pl.String)
        .alias(c)
        for c in PLACE_COLUMNS[2:]
    ]
    coords = [pl.col(c).cast(pl.Float64) for c in PLACE_COLUMNS[:2]]
    finite = pl.col("lat").is_finite() & pl.col("lon").is_finite()
    return frame.select(*coords, *text).filter(finite)
