"""Itineraries: a vessel's true movements as timed legs, and what it broadcast about itself.

An itinerary is built forward in time by verbs (sail, anchor, berth, drift, hold). Every
leg is a straight line at constant speed, or a stay at one spot; the sampler later turns
legs into AIS reports. Port stays are recorded as visits for the ground truth.

>>> Leg(0.0, 3600.0, 38.0, 121.0, 38.1, 121.0, 0, MOVE).speed_kn > 5
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from darkfleet._sim_fleet import Vessel
from darkfleet._sim_regions import LatLon, Port, Region
from darkfleet._sim_routes import (
    FloatArray,
    clear_of_land,
    km_to_deg,
    offset_polyline,
    polyline_km,
    route,
)
from darkfleet.geo import KM_PER_NM, haversine_km

__all__ = ["ANCHOR", "BERTH", "MOVE", "Itinerary", "Leg", "Visit", "berth_spots"]

MOVE, ANCHOR, BERTH = 0, 1, 2
HOUR = 3600.0
PORT_SPEED_KN = 6.0
QUEUE_SPACING_KM = 0.35


@functools.cache
def berth_spots(port: Port) -> tuple[LatLon, ...]:
    """Berth places 150 m apart around the port's berth, each with a clear way out."""
    spots = [port.berth]
    for row, col in np.ndindex(3, 3):
        d = km_to_deg(port.berth[0], np.array((col - 1) * 0.15), np.array((row - 1) * 0.15))
        spot = (port.berth[0] + float(d[0]), port.berth[1] + float(d[1]))
        if (row, col) != (1, 1) and clear_of_land(spot, port.anchorage, 0.05, (False, False)):
            spots.append(spot)
    return tuple(spots)


@dataclass(frozen=True)
class Leg:
    """From (lat0, lon0) at t0 to (lat1, lon1) at t1 (seconds from scenario start)."""

    t0: float
    t1: float
    lat0: float
    lon0: float
    lat1: float
    lon1: float
    status: int
    mode: int

    @property
    def speed_kn(self) -> float:
        """Speed over ground along the leg."""
        km = float(haversine_km(self.lat0, self.lon0, self.lat1, self.lon1))
        return km / KM_PER_NM / max((self.t1 - self.t0) / HOUR, 1e-9)


@dataclass(frozen=True)
class Visit:
    """A stay inside one port (anchorage and/or berth), in seconds."""

    port: Port
    t0: float
    t1: float


@dataclass
class Itinerary:
    """Mutable builder of one vessel's track; ``t`` and ``pos`` are where it stands now."""

    vessel: Vessel
    region: Region
    rng: np.random.Generator
    t: float
    pos: LatLon
    legs: list[Leg] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    silent: list[tuple[float, float]] = field(default_factory=list)
    draught: list[tuple[float, float]] = field(default_factory=list)
    destination: list[tuple[float, str]] = field(default_factory=list)
    voyages: list[tuple[float, float, FloatArray]] = field(default_factory=list)
    port: Port | None = None
    visit_start: float = 0.0

    def _add(self, to: LatLon, t1: float, status: int, mode: int) -> None:
        self.legs.append(Leg(self.t, t1, self.pos[0], self.pos[1], to[0], to[1], status, mode))
        self.t, self.pos = t1, to

    def go(self, to: LatLon, speed_kn: float, status: int = 0) -> None:
        """Straight move at a constant speed."""
        km = float(haversine_km(self.pos[0], self.pos[1], to[0], to[1]))
        self._add(to, self.t + km / KM_PER_NM / speed_kn * HOUR, status, MOVE)

    def hold(self, hours: float, mode: int, status: int) -> None:
        """Stay where it is (at anchor or alongside) for ``hours``."""
        self._add(self.pos, self.t + hours * HOUR, status, mode)

    def drift(self, hours: float, speed_kn: float, heading_deg: float, status: int = 0) -> None:
        """Drift slowly in one direction (loitering, or two ships lashed together)."""
        km = speed_kn * KM_PER_NM * hours
        rad = np.radians(heading_deg)
        d = km_to_deg(self.pos[0], np.array(km * np.sin(rad)), np.array(km * np.cos(rad)))
        self._add(
            (self.pos[0] + float(d[0]), self.pos[1] + float(d[1])),
            self.t + hours * HOUR,
            status,
            MOVE,
        )

    def lane(self, to: LatLon) -> FloatArray:
        """A route from here to ``to`` with this voyage's own sideways offset in the lane."""
        poly = route(self.region, self.pos, to)
        return offset_polyline(poly, float(self.rng.uniform(-1.2, 1.2)))

    def follow(self, poly: FloatArray, speeds: FloatArray | float) -> None:
        """Sail a polyline (starting at the current position) at per-segment speeds."""
        speed = np.broadcast_to(np.asarray(speeds, dtype=np.float64), (len(poly) - 1,))
        t_dep = self.t
        for k in range(1, len(poly)):
            self.go((float(poly[k, 0]), float(poly[k, 1])), float(speed[k - 1]))
        self.voyages.append((t_dep, self.t, poly))

    def leave_port(self) -> None:
        """Close the current port visit and steam out to the anchorage point."""
        if self.port is None:
            return
        self.visits.append(Visit(self.port, self.visit_start, self.t))
        if self.pos != self.port.anchorage:
            self.go(self.port.anchorage, PORT_SPEED_KN)
        self.port = None

    def sail_to(self, to: LatLon, speed_kn: float, destination: str = "") -> FloatArray:
        """Leave port if in one and sail the lanes to a sea point or port anchorage."""
        self.leave_port()
        if destination:
            self.destination.append((self.t, destination))
        poly = self.lane(to)
        self.follow(poly, speed_kn)
        return poly

    def _arrive(self, port: Port) -> None:
        if self.port is not port:
            self.leave_port()
            self.port, self.visit_start = port, self.t

    def anchor(self, port: Port, hours: float, slot: int) -> None:
        """Wait at a queue slot of the port's anchorage (ships side by side, ~350 m apart)."""
        self._arrive(port)
        row, col = divmod(slot % 25, 5)
        d = km_to_deg(
            port.anchorage[0],
            np.array((col - 2) * QUEUE_SPACING_KM),
            np.array((row - 2) * QUEUE_SPACING_KM),
        )
        self.go((port.anchorage[0] + float(d[0]), port.anchorage[1] + float(d[1])), PORT_SPEED_KN)
        self.hold(hours, ANCHOR, 1)

    def berth(self, port: Port, hours: float, slot: int) -> None:
        """Go alongside at a berth slot of the port and stay (cargo work changes draught)."""
        self._arrive(port)
        if self.pos != port.anchorage:
            self.go(port.anchorage, PORT_SPEED_KN)
        spots = berth_spots(port)
        self.go(spots[slot % len(spots)], PORT_SPEED_KN)
        self.hold(hours, BERTH, 5)

    def set_draught(self, t: float, metres: float) -> None:
        """The crew enters a new draught (reported in static messages from ``t``)."""
        self.draught.append((t, round(metres, 1)))

    def finish(self, end: float) -> None:
        """Close an open port visit at the end of the scenario."""
        if self.port is not None:
            self.visits.append(Visit(self.port, self.visit_start, max(self.t, end)))
            self.port = None

    def distance_to(self, to: LatLon) -> float:
        """Sea-lane distance in km from here to ``to``."""
        return float(polyline_km(route(self.region, self.pos, to))[-1])
