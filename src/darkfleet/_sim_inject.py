"""Shared machinery for injected behaviours: truth rows, timing, approach and departure.

>>> TruthRow("gap", 412000001, None, 0.0, 3600.0, 35.0, 122.0, "dark").kind
'gap'
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from darkfleet._sim_fleet import Vessel
from darkfleet._sim_plan import HOUR, Itinerary
from darkfleet._sim_regions import LatLon, Port, Region
from darkfleet._sim_routes import FloatArray, polyline_km, route
from darkfleet._sim_sites import SiteBook
from darkfleet._sim_traffic import MIN_VISIT_H, cut, rotate, voyage
from darkfleet.geo import KM_PER_NM

__all__ = ["Context", "TruthRow", "approach", "depart", "new_itinerary", "sail_hours"]


@dataclass(frozen=True)
class TruthRow:
    """One ground-truth event; times in seconds; ``refine`` names a fix-up from the reports."""

    kind: str
    mmsi: int
    other_mmsi: int | None
    t0: float
    t1: float
    lat: float | None
    lon: float | None
    note: str
    refine: str = ""


@dataclass
class Context:
    """What every injector needs: the region, random state, end time, sites and port slots."""

    region: Region
    rng: np.random.Generator
    end: float
    book: SiteBook
    slots: Counter[str]

    def uniform(self, lo: float, hi: float) -> float:
        """A uniform random number (typed wrapper)."""
        return float(self.rng.uniform(lo, hi))


def new_itinerary(ctx: Context, vessel: Vessel) -> Itinerary:
    """An empty itinerary at time 0 with the vessel's starting draught set."""
    it = Itinerary(vessel, ctx.region, ctx.rng, 0.0, ctx.region.ports[0].anchorage)
    laden = ctx.rng.random() < 0.5
    it.set_draught(0.0, vessel.laden_m if laden else vessel.ballast_m)
    return it


def sail_hours(km: float, speed_kn: float) -> float:
    """Hours to sail ``km`` at ``speed_kn``."""
    return km / KM_PER_NM / speed_kn


def _pick_origin(
    ctx: Context, target: LatLon, t_arrive: float, speed: float, sea_h: float
) -> tuple[Port, FloatArray, float]:
    """An origin port whose departure time is clearly in port (>= 3 h) or clearly before t=0."""
    ports = list(ctx.region.ports)
    order = ctx.rng.permutation(len(ports))
    best: tuple[Port, FloatArray, float] | None = None
    for k in order:
        poly = route(ctx.region, ports[k].anchorage, target)
        hours = sail_hours(float(polyline_km(poly)[-1]), speed)
        dep = t_arrive - hours * HOUR
        if hours >= sea_h and (dep >= MIN_VISIT_H * HOUR or dep <= -HOUR):
            return ports[k], poly, speed
        if best is None or hours > sail_hours(float(polyline_km(best[1])[-1]), speed):
            best = (ports[k], poly, speed)
    assert best is not None
    port, poly, _ = best
    km = float(polyline_km(poly)[-1])
    hours = max(sea_h, sail_hours(km, speed)) + MIN_VISIT_H
    return port, poly, max(km / KM_PER_NM / min(hours, t_arrive / HOUR), 5.0)


def approach(
    ctx: Context, it: Itinerary, target: LatLon, t_arrive: float, sea_h: float = 2.0
) -> None:
    """Plan the vessel so it reaches ``target`` at ``t_arrive``, from a port or from sea."""
    speed = it.vessel.speed_kn
    port, poly, speed = _pick_origin(ctx, target, t_arrive, speed, sea_h)
    km = float(polyline_km(poly)[-1])
    dep = t_arrive - sail_hours(km, speed) * HOUR
    if dep > 0:
        ctx.slots[port.name + "/a"] += 1
        it.pos, it.port, it.visit_start = port.anchorage, port, 0.0
        it.anchor(port, max(dep / HOUR - 0.3, 0.5), ctx.slots[port.name + "/a"])
        it.leave_port()
    else:
        _, poly = cut(poly, speed * KM_PER_NM * (-dep / HOUR))
        it.pos = (float(poly[0, 0]), float(poly[0, 1]))
    km = float(polyline_km(poly)[-1])
    it.follow(poly, sail_hours(km, 1.0) / max((t_arrive - it.t) / HOUR, 0.1))


def depart(ctx: Context, it: Itinerary, min_sea_h: float = 0.0) -> None:
    """After a behaviour at sea: sail to a port at least ``min_sea_h`` away, then trade on."""
    ports = list(ctx.region.ports)
    speed = it.vessel.speed_kn
    hours = [
        sail_hours(float(polyline_km(route(ctx.region, it.pos, p.anchorage))[-1]), speed)
        for p in ports
    ]
    ok = [p for p, h in zip(ports, hours, strict=True) if h >= min_sea_h + 1.0]
    dest = ok[int(ctx.rng.integers(len(ok)))] if ok else ports[int(np.argmax(hours))]
    voyage(it, dest, ctx.end)
    rotate(it, dest, ctx.end, ctx.slots)
