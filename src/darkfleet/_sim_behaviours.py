"""Injected behaviours with ground truth: STS transfers, dark rendezvous, gaps, loitering.

Each injector plans the vessels involved (approach from a port, the behaviour at an open
sea site kept apart from other busy sites, then normal trading) and returns the truth
rows. Gap and draught rows are refined later from the reports actually received.

>>> sorted(BEHAVIOUR_KINDS)[:2]
['dark_sts', 'gaps']
"""

from __future__ import annotations

import numpy as np

from darkfleet._sim_fleet import Vessel
from darkfleet._sim_inject import Context, TruthRow, approach, depart, new_itinerary
from darkfleet._sim_plan import HOUR, Itinerary
from darkfleet._sim_regions import LatLon
from darkfleet._sim_routes import km_to_deg, polyline_km, route
from darkfleet._sim_traffic import cut, rotate
from darkfleet.geo import KM_PER_NM
from darkfleet.places import Places

__all__ = ["BEHAVIOUR_KINDS", "dark_sts", "gap", "loiterer", "sts"]

BEHAVIOUR_KINDS = ("sts", "dark_sts", "gaps", "loiterers")


def _beside(p: LatLon, km: float, bearing_deg: float) -> LatLon:
    rad = np.radians(bearing_deg)
    d = km_to_deg(p[0], np.array(km * np.sin(rad)), np.array(km * np.cos(rad)))
    return (p[0] + float(d[0]), p[1] + float(d[1]))


def _window(ctx: Context, hours: float, before_h: float, after_h: float) -> float:
    """A start time for a behaviour of ``hours`` leaving room before and after."""
    lo, hi = before_h * HOUR, ctx.end - (hours + after_h) * HOUR
    if hi <= lo:
        raise ValueError(f"scenario too short for a {hours:.0f} h behaviour")
    return ctx.uniform(lo, hi)


def _drift_velocity(ctx: Context) -> tuple[float, float]:
    return ctx.uniform(0.2, 0.9), ctx.uniform(0.0, 360.0)


def _draught_after(ctx: Context, it: Itinerary, t: float, up: bool) -> TruthRow:
    """The crew reports the new draught soon after a transfer at sea."""
    v = it.vessel
    delta = max(1.6, (v.laden_m - v.ballast_m) * ctx.uniform(0.6, 0.95))
    before = v.ballast_m if up else v.laden_m
    after = round(before + delta if up else before - delta, 1)
    it.set_draught(t, after)
    note = f"draught {before:.1f} -> {after:.1f} m after transfer at sea"
    return TruthRow("draught_change", v.mmsi, None, t, t, None, None, note, "static")


def sts(ctx: Context, giver: Vessel, receiver: Vessel) -> tuple[list[Itinerary], list[TruthRow]]:
    """Two tankers side by side 100-300 m apart, drifting < 1 kn for 5-10 h; draughts change.

    The receiver arrives 1.5-3 h before the giver and leaves 1.5-3 h after it, as real
    STS operations are staged, so the two never sail in company to or from the site.
    """
    hours = ctx.uniform(5.0, 10.0)
    early, late = ctx.uniform(1.5, 3.0), ctx.uniform(1.5, 3.0)
    t0 = _window(ctx, hours, 6.0 + early, 6.0 + late)
    site = ctx.book.take(ctx.rng, t0 - (early + 2) * HOUR, t0 + (hours + late + 2) * HOUR)
    sep, axis = ctx.uniform(0.1, 0.3), ctx.uniform(0.0, 180.0)
    speed, heading = _drift_velocity(ctx)
    its, rows = [], []
    for k, v in enumerate((giver, receiver)):
        before, after = (early, late) if k == 1 else (0.0, 0.0)
        it = new_itinerary(ctx, v)
        it.draught[0] = (0.0, v.laden_m if k == 0 else v.ballast_m)
        back = speed * KM_PER_NM * before
        approach(
            ctx,
            it,
            _beside(_beside(site, sep / 2, axis + 180 * k), back, heading + 180),
            t0 - before * HOUR,
        )
        start = it.t
        it.drift(hours + before + after, speed, heading)
        rows.append(TruthRow("loitering", v.mmsi, None, start, it.t, *site, "STS partner drifting"))
        rows.append(_draught_after(ctx, it, it.t + ctx.uniform(0.05, 0.3) * HOUR, up=k == 1))
        depart(ctx, it)
        its.append(it)
    a, b = sorted((giver.mmsi, receiver.mmsi))
    note = f"visible STS, {sep * 1000:.0f} m apart, giver {giver.mmsi}"
    rows.append(TruthRow("encounter", a, b, t0, t0 + hours * HOUR, *site, note))
    return its, rows


def loiterer(ctx: Context, vessel: Vessel) -> tuple[list[Itinerary], list[TruthRow]]:
    """A vessel drifting below 2 kn for 5-20 h at an open-sea site, alone."""
    hours = ctx.uniform(5.0, 20.0)
    t0 = _window(ctx, hours, 6.0, 6.0)
    site = ctx.book.take(ctx.rng, t0 - 2 * HOUR, t0 + (hours + 2) * HOUR)
    it = new_itinerary(ctx, vessel)
    approach(ctx, it, site, t0)
    it.drift(hours, *_drift_velocity(ctx))
    row = TruthRow("loitering", vessel.mmsi, None, t0, it.t, *site, "loitering alone")
    depart(ctx, it)
    return [it], [row]


def dark_sts(ctx: Context, visible: Vessel, dark: Vessel) -> tuple[list[Itinerary], list[TruthRow]]:
    """A loitering tanker meets one whose AIS is off from hours before to hours after.

    Both ends of the dark partner's silence lie well clear of every listed port and
    anchorage, as a gap's definition requires; a plan that misses that is redrawn.
    """
    for _ in range(20):
        try:
            its, rows = _dark_sts_once(ctx, visible, dark)
        except ValueError:  # the drift ended where no sea lane leads: draw again
            continue
        if all(_clear_of_ports(_position_at(its[1], t)) for t in its[1].silent[0]):
            return its, rows
    return _dark_sts_once(ctx, visible, dark)


def _dark_sts_once(
    ctx: Context, visible: Vessel, dark: Vessel
) -> tuple[list[Itinerary], list[TruthRow]]:
    loiter_h = ctx.uniform(6.0, 14.0)
    meet_h = ctx.uniform(3.0, min(7.0, loiter_h - 2.0))
    pre_h, post_h = ctx.uniform(3.0, 7.0), ctx.uniform(3.0, 7.0)
    short = 13.5 + ctx.uniform(0.0, 6.0) - (pre_h + meet_h + post_h)
    if short > 0:
        pre_h, post_h = pre_h + short / 2, post_h + short / 2
    t_l = _window(ctx, loiter_h, pre_h + 8.0, post_h + 8.0)
    t_m = t_l + ctx.uniform(1.0, loiter_h - meet_h - 1.0) * HOUR
    site = ctx.book.take(ctx.rng, t_l - 2 * HOUR, t_l + (loiter_h + 2) * HOUR)
    speed, heading = _drift_velocity(ctx)
    lit = new_itinerary(ctx, visible)
    lit.draught[0] = (0.0, visible.laden_m)
    approach(ctx, lit, site, t_l)
    lit.drift(loiter_h, speed, heading)
    rows = [
        TruthRow("loitering", visible.mmsi, None, t_l, lit.t, *site, "loitering for a dark partner")
    ]
    rows.append(_draught_after(ctx, lit, lit.t + ctx.uniform(0.05, 0.3) * HOUR, up=False))
    depart(ctx, lit)
    meet_at = _beside(site, speed * KM_PER_NM * (t_m - t_l) / HOUR, heading)
    dit = new_itinerary(ctx, dark)
    dit.draught[0] = (0.0, dark.ballast_m)
    approach(ctx, dit, _beside(meet_at, 0.15, heading + 90), t_m, sea_h=pre_h + 1.5)
    dit.drift(meet_h, speed, heading)
    dit.silent.append((t_m - pre_h * HOUR, t_m + (meet_h + post_h) * HOUR))
    depart(ctx, dit, min_sea_h=post_h + 1.0)
    note = f"dark partner alongside {meet_h:.1f} h from {t_m / HOUR:.1f} h"
    g0, g1 = dit.silent[0]
    both = (max(t_l, g0), min(t_l + loiter_h * HOUR, g1))
    rows.append(TruthRow("dark_rendezvous", visible.mmsi, dark.mmsi, *both, *site, note))
    rows.append(
        TruthRow(
            "gap", dark.mmsi, None, *dit.silent[0], *meet_at, "AIS off around a dark STS", "gap"
        )
    )
    return [lit, dit], rows


GAP_END_CLEAR_KM = 20.0


def _clear_of_ports(p: LatLon) -> bool:
    """More than 20 km from every listed port and anchorage point (a gap end must be)."""
    km = Places.bundled().distance_to_port_km(np.array([p[0]]), np.array([p[1]]))
    return bool(km[0] > GAP_END_CLEAR_KM)


def _position_at(it: Itinerary, t: float) -> LatLon:
    """Where the planned vessel is at time ``t`` (linear along the leg holding ``t``)."""
    for leg in it.legs:
        if leg.t0 <= t <= leg.t1:
            f = 0.0 if leg.t1 == leg.t0 else (t - leg.t0) / (leg.t1 - leg.t0)
            return (leg.lat0 + f * (leg.lat1 - leg.lat0), leg.lon0 + f * (leg.lon1 - leg.lon0))
    return it.pos


def _gap_conflicts(ctx: Context, poly: np.ndarray, g0: float, g1: float) -> int:
    """Busy sites during the gap within 200 km of the dark stretch (possible false rendezvous)."""
    n = 0
    for q, s0, s1 in ctx.book.booked:
        if s0 < g1 and g0 < s1:
            d = np.hypot(poly[:, 0] - q[0], (poly[:, 1] - q[1]) * np.cos(np.radians(q[0])))
            n += int(d.min() * 111.0 < 200.0)
    return n


def gap(ctx: Context, vessel: Vessel) -> tuple[list[Itinerary], list[TruthRow]]:
    """A vessel that switches AIS off for 12-48 h mid-voyage and reappears further on."""
    ports, best = ctx.region.ports, None
    for _ in range(100):
        a, b = (ports[int(i)] for i in ctx.rng.choice(len(ports), 2, replace=False))
        poly = route(ctx.region, a.anchorage, b.anchorage)
        km = float(polyline_km(poly)[-1])
        hours = min(ctx.uniform(12.5, 48.0), (km - 80.0) / (6.0 * KM_PER_NM), ctx.end / HOUR - 30.0)
        if hours < 12.5:
            continue
        hidden_kn = min(vessel.speed_kn, (km - 80.0) / KM_PER_NM / hours)
        dark_km = hidden_kn * KM_PER_NM * hours
        start_km = ctx.uniform(40.0, max(km - 40.0 - dark_km, 40.0))
        ends = cut(poly, start_km)[0][-1], cut(poly, start_km + dark_km)[0][-1]
        if not all(_clear_of_ports((float(e[0]), float(e[1]))) for e in ends):
            continue
        g0 = _window(ctx, hours, 8.0, 8.0)
        score = _gap_conflicts(ctx, cut(cut(poly, start_km)[1], dark_km)[0], g0, g0 + hours * HOUR)
        if best is None or score < best[0]:
            best = (score, a, b, poly, start_km, dark_km, hidden_kn, g0, hours)
    if best is None:
        raise ValueError(f"no voyage in {ctx.region.name} long enough for a 12 h gap")
    _, a, b, poly, start_km, dark_km, hidden_kn, g0, hours = best
    it = new_itinerary(ctx, vessel)
    head, rest = cut(poly, start_km)
    dark_leg, tail = cut(rest, dark_km)
    approach_via = head[-1]
    approach(ctx, it, (float(approach_via[0]), float(approach_via[1])), g0)
    it.follow(dark_leg, hidden_kn)
    it.silent.append((g0, it.t))
    it.follow(tail, vessel.speed_kn)
    rotate(it, b, ctx.end, ctx.slots)
    mid = dark_leg[len(dark_leg) // 2]
    row = TruthRow(
        "gap",
        vessel.mmsi,
        None,
        g0,
        g0 + hours * HOUR,
        float(mid[0]),
        float(mid[1]),
        f"dark {hours:.1f} h mid-voyage",
        "gap",
    )
    return [it], [row]
