"""Normal traffic for the scenario simulator: merchant port rotations and fishing trips.

Normal vessels are never slow at sea: they sail the lanes at 10-15 kn (fishing boats
trawl at 3.5-5 kn in long straight tows), and stop only at anchorages and berths inside
the 10 km port radius. So ordinary traffic produces port visits and nothing else.

>>> MIN_VISIT_H
3.0
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from darkfleet._sim_plan import HOUR, Itinerary
from darkfleet._sim_regions import LatLon, Port
from darkfleet._sim_routes import FloatArray, km_to_deg, polyline_km, route
from darkfleet._sim_sites import sea_point
from darkfleet.geo import KM_PER_NM, haversine_km

__all__ = ["MIN_VISIT_H", "cut", "fishing", "merchant", "port_call", "rotate", "voyage"]

MIN_VISIT_H = 3.0
Slots = Counter[str]


def cut(poly: FloatArray, at_km: float) -> tuple[FloatArray, FloatArray]:
    """Split a polyline at a distance along it; the cut point ends one and starts the other."""
    cum = polyline_km(poly)
    k = int(np.clip(np.searchsorted(cum, at_km), 1, len(poly) - 1))
    f = (at_km - cum[k - 1]) / max(cum[k] - cum[k - 1], 1e-9)
    p = poly[k - 1] + f * (poly[k] - poly[k - 1])
    return np.vstack([poly[:k], p]), np.vstack([p, poly[k:]])


def _other_port(it: Itinerary, ports: tuple[Port, ...], here: Port | None) -> Port:
    choices = [p for p in ports if p is not here]
    return choices[int(it.rng.integers(len(choices)))]


def voyage(it: Itinerary, dest: Port, end: float, poly: FloatArray | None = None) -> None:
    """Sail to a port's anchorage; never arrive in the last hours (no stub visits at the end)."""
    it.leave_port()
    it.destination.append((it.t, dest.name))
    poly = it.lane(dest.anchorage) if poly is None else poly
    speed = it.vessel.speed_kn * float(it.rng.uniform(0.92, 1.04))
    hours = float(polyline_km(poly)[-1]) / KM_PER_NM / speed
    arrival = it.t + hours * HOUR
    if end - MIN_VISIT_H * HOUR <= arrival < end + 0.5 * HOUR:
        speed = max(speed * hours * HOUR / (end + 0.5 * HOUR - it.t), 6.0)
    it.follow(poly, speed)


def port_call(it: Itinerary, port: Port, slots: Slots, anchor_h: float | None = None) -> None:
    """Optionally queue at the anchorage, then work cargo at a berth (draught changes there)."""
    rng = it.rng
    if anchor_h is None and rng.random() < 0.6:
        anchor_h = float(rng.uniform(4, 30))
    if anchor_h:
        slots[port.name + "/a"] += 1
        it.anchor(port, anchor_h, slots[port.name + "/a"])
    hours = float(rng.uniform(10, 36))
    slots[port.name + "/b"] += 1
    it.berth(port, hours, slots[port.name + "/b"])
    v = it.vessel
    if v.ballast_m > 0 and rng.random() < 0.7:
        laden = rng.random() < 0.5
        it.set_draught(it.t - hours * HOUR / 2, v.laden_m if laden else v.ballast_m)


def merchant(it: Itinerary, end: float, slots: Slots) -> None:
    """A tanker or cargo ship calling at the region's ports for the whole scenario."""
    ports, rng = it.region.ports, it.rng
    here: Port | None = None
    roll = rng.random()
    if roll < 0.5:
        a, b = ports[int(rng.integers(len(ports)))], None
        b = _other_port(it, ports, a)
        poly = route(it.region, a.anchorage, b.anchorage)
        _, tail = cut(poly, float(rng.uniform(0.15, 0.85)) * float(polyline_km(poly)[-1]))
        it.pos = (float(tail[0, 0]), float(tail[0, 1]))
        voyage(it, b, end)
        here = b
    else:
        here = ports[int(rng.integers(len(ports)))]
        it.pos, it.port = here.anchorage, here
    rotate(it, here, end, slots, float(rng.uniform(MIN_VISIT_H, 20)) if roll > 0.8 else None)


def rotate(
    it: Itinerary, here: Port, end: float, slots: Slots, anchor_h: float | None = None
) -> None:
    """Port calls and voyages between random ports until the scenario ends."""
    while it.t < end:
        port_call(it, here, slots, anchor_h)
        anchor_h = None
        if it.t >= end:
            break
        here_next = _other_port(it, it.region.ports, here)
        voyage(it, here_next, end)
        here = here_next
    it.finish(end)


GROUND_CLEAR_KM = 15.0


def _tow(it: Itinerary, ground: LatLon, heading: float, hours: float, speed: float) -> bool:
    """One straight tow, if it ends inside the ground's land-free disk (so all of it does)."""
    rad = np.radians(heading)
    km = speed * KM_PER_NM * hours
    d = km_to_deg(it.pos[0], np.array(km * np.sin(rad)), np.array(km * np.cos(rad)))
    to: LatLon = (it.pos[0] + float(d[0]), it.pos[1] + float(d[1]))
    if float(haversine_km(to[0], to[1], ground[0], ground[1])) > GROUND_CLEAR_KM - 1.0:
        return False
    it.go(to, speed, 7 if it.vessel.class_a else 0)
    return True


def trawl(it: Itinerary, ground: LatLon, hours: float) -> None:
    """Straight tows of 1-2 h at 3.5-5 kn, turning at most 90 degrees, then back to the mark."""
    rng, stop = it.rng, it.t + hours * HOUR
    heading = float(rng.uniform(0, 360))
    while it.t < stop:
        for _ in range(16):
            turn = float(rng.uniform(20, 90)) * (1 if rng.random() < 0.5 else -1)
            tow_h, speed = float(rng.uniform(1, 2)), float(rng.uniform(3.5, 5))
            if _tow(it, ground, (heading + turn) % 360, tow_h, speed):
                heading = (heading + turn) % 360
                break
        else:
            it.go(ground, 4.0, 7 if it.vessel.class_a else 0)
    it.go(ground, it.vessel.speed_kn)


def fishing(it: Itinerary, end: float, slots: Slots) -> None:
    """A fishing boat: berth at home, steam to a ground, trawl for a day or two, return."""
    rng, ports = it.rng, it.region.ports
    home = ports[int(rng.integers(len(ports)))]
    it.pos, it.port = home.berth, home
    it.hold(float(rng.uniform(MIN_VISIT_H, 20)), 2, 5)
    while it.t < end:
        ground = sea_point(rng, it.region, GROUND_CLEAR_KM, near=home.anchorage, within_km=250.0)
        it.sail_to(ground, it.vessel.speed_kn)
        trawl(it, ground, float(rng.uniform(12, 48)))
        if it.t >= end:
            break
        voyage(it, home, end)
        slots[home.name + "/b"] += 1
        it.berth(home, float(rng.uniform(8, 24)), slots[home.name + "/b"])
    it.finish(end)
