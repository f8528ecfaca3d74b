"""Compose a scenario: behaviour vessels, normal traffic, clones, crossings, identity edits.

>>> Plan.__name__
'Plan'
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np

from darkfleet._sim_behaviours import dark_sts, gap, loiterer, sts
from darkfleet._sim_fleet import Vessel, make_imo, make_vessel, rename
from darkfleet._sim_inject import Context, TruthRow, new_itinerary
from darkfleet._sim_plan import HOUR, Itinerary
from darkfleet._sim_regions import Region
from darkfleet._sim_routes import offset_polyline, polyline_km
from darkfleet._sim_sites import SiteBook
from darkfleet._sim_traffic import MIN_VISIT_H, fishing, merchant, rotate, voyage
from darkfleet.geo import KM_PER_NM, haversine_km

__all__ = ["Counts", "Plan", "compose"]


@dataclass(frozen=True)
class Counts:
    """How many of each injected behaviour (resolved from the scenario parameters)."""

    sts_pairs: int
    dark_sts: int
    gaps: int
    loiterers: int
    shared_mmsi: int
    renames: int
    invalid_imo: int
    glitches: int
    crossings: int
    dprk_tankers: int


@dataclass
class Plan:
    """Everything planned: itineraries, identity timelines, clone windows, truth, glitches."""

    its: list[Itinerary] = field(default_factory=list)
    identities: dict[int, list[tuple[float, Vessel]]] = field(default_factory=dict)
    clones: dict[int, tuple[float, float]] = field(default_factory=dict)
    truth: list[TruthRow] = field(default_factory=list)
    normal: list[Itinerary] = field(default_factory=list)
    glitches: list[tuple[int, float]] = field(default_factory=list)


def _add(plan: Plan, result: tuple[list[Itinerary], list[TruthRow]]) -> None:
    its, rows = result
    plan.its.extend(its)
    plan.truth.extend(rows)


def _behaviours(ctx: Context, plan: Plan, counts: Counts, taken: set[int]) -> None:
    dprk = counts.dprk_tankers

    def tanker(want_dprk: bool = False) -> Vessel:
        nonlocal dprk
        use = want_dprk and dprk > 0
        dprk -= int(use)
        return make_vessel(ctx.rng, ctx.region, "tanker", taken, dprk=use)

    for _ in range(counts.loiterers):
        kind = "tanker" if ctx.rng.random() < 0.6 else "cargo"
        _add(plan, loiterer(ctx, make_vessel(ctx.rng, ctx.region, kind, taken)))
    for _ in range(counts.sts_pairs):
        _add(plan, sts(ctx, tanker(), tanker(want_dprk=True)))
    for _ in range(counts.dark_sts):
        _add(plan, dark_sts(ctx, tanker(), tanker(want_dprk=True)))
    for _ in range(counts.gaps):
        _add(
            plan,
            gap(
                ctx,
                tanker(want_dprk=True)
                if ctx.rng.random() < 0.7
                else make_vessel(ctx.rng, ctx.region, "cargo", taken),
            ),
        )
    while dprk > 0:
        it = new_itinerary(ctx, tanker(want_dprk=True))
        merchant(it, ctx.end, ctx.slots)
        plan.its.append(it)


def _normal_traffic(ctx: Context, plan: Plan, n: int, taken: set[int]) -> None:
    for _ in range(n):
        roll = ctx.rng.random()
        kind = "tanker" if roll < 0.35 else ("cargo" if roll < 0.8 else "fishing")
        it = new_itinerary(ctx, make_vessel(ctx.rng, ctx.region, kind, taken))
        (fishing if kind == "fishing" else merchant)(it, ctx.end, ctx.slots)
        plan.its.append(it)
        plan.normal.append(it)


def _positions_hourly(it: Itinerary, t: np.ndarray) -> np.ndarray:
    t0 = np.array([leg.t0 for leg in it.legs])
    k = np.clip(np.searchsorted(t0, t, side="right") - 1, 0, len(t0) - 1)
    legs = [it.legs[i] for i in k]
    f = np.array(
        [np.clip((s - g.t0) / max(g.t1 - g.t0, 1e-9), 0, 1) for s, g in zip(t, legs, strict=True)]
    )
    lat = np.array([g.lat0 for g in legs]) + f * np.array([g.lat1 - g.lat0 for g in legs])
    lon = np.array([g.lon0 for g in legs]) + f * np.array([g.lon1 - g.lon0 for g in legs])
    return np.stack([lat, lon], axis=1)


def _clone(ctx: Context, plan: Plan, original: Itinerary, taken: set[int]) -> None:
    """A second ship on the original's MMSI, at sea 100+ km away for 12-36 h."""
    for _ in range(20):
        it = new_itinerary(ctx, make_vessel(ctx.rng, ctx.region, "cargo", set(taken)))
        merchant(it, ctx.end, ctx.slots)
        for t_dep, t_arr, _poly in it.voyages:
            w0, w1 = (
                max(t_dep + HOUR, 2 * HOUR),
                min(t_arr - HOUR, ctx.end - 2 * HOUR, t_dep + 37 * HOUR),
            )
            if w1 - w0 < 12 * HOUR:
                continue
            t = np.arange(w0, w1, 600.0)
            a, b = _positions_hourly(it, t), _positions_hourly(original, t)
            if float(haversine_km(a[:, 0], a[:, 1], b[:, 0], b[:, 1]).min()) >= 100.0:
                mmsi = original.vessel.mmsi
                it.vessel = replace(it.vessel, mmsi=mmsi)
                it.visits.clear()
                plan.its.append(it)
                plan.clones[len(plan.its) - 1] = (w0, w1)
                mid = a[len(a) // 2]
                note = "second ship on this MMSI, >= 100 km from the first"
                plan.truth.append(
                    TruthRow(
                        "shared_mmsi",
                        mmsi,
                        None,
                        w0,
                        w1,
                        float(mid[0]),
                        float(mid[1]),
                        note,
                        "window",
                    )
                )
                return


def _crossing(ctx: Context, plan: Plan, a: Itinerary, taken: set[int]) -> bool:
    """A ship on a's lane in the other direction, passing a within a few hundred metres."""
    ports = {p.anchorage: p for p in ctx.region.ports}
    for t_dep, t_arr, poly in a.voyages:
        start, stop = tuple(map(float, poly[0])), tuple(map(float, poly[-1]))
        km = float(polyline_km(poly)[-1])
        if start not in ports or stop not in ports or km < 150 or not (6 * HOUR < t_arr < ctx.end):
            continue
        t_c = t_dep + (t_arr - t_dep) / 2
        it = new_itinerary(ctx, make_vessel(ctx.rng, ctx.region, "cargo", taken))
        back = offset_polyline(poly[::-1].copy(), 0.25)
        speed = it.vessel.speed_kn
        t_b = t_c - km / 2 / KM_PER_NM / speed * HOUR
        if t_b < MIN_VISIT_H * HOUR:
            t_b = MIN_VISIT_H * HOUR + 0.1 * HOUR
            speed = km / 2 / KM_PER_NM / ((t_c - t_b) / HOUR) if t_c > t_b else 99.0
            if speed > 16.0:
                taken.discard(it.vessel.mmsi)
                continue
        origin = ports[stop]
        it.pos, it.port = origin.anchorage, origin
        it.hold(t_b / HOUR, 1, 1)
        it.leave_port()
        it.follow(back, speed)
        rotate(it, ports[start], ctx.end, ctx.slots)
        plan.its.append(it)
        return True
    return False


def _identities(ctx: Context, plan: Plan, counts: Counts) -> None:
    pool = [it for it in plan.normal if it.vessel.class_a and it.vessel.imo]
    order = [pool[int(i)] for i in ctx.rng.permutation(len(pool))]
    for it in order[: counts.renames]:
        t = ctx.uniform(0.2, 0.8) * ctx.end
        field_ = "name" if ctx.rng.random() < 0.5 else "callsign"
        new = rename(ctx.rng, it.vessel, ctx.region, field_)
        plan.identities[it.vessel.mmsi] = [(0.0, it.vessel), (t, new)]
        old, now = getattr(it.vessel, field_), getattr(new, field_)
        plan.truth.append(
            TruthRow(
                "identity_change",
                it.vessel.mmsi,
                None,
                t,
                t,
                None,
                None,
                f"{field_} {old} -> {now}",
                "static",
            )
        )
    for it in order[counts.renames : counts.renames + counts.invalid_imo]:
        bad = replace(it.vessel, imo=make_imo(ctx.rng, valid=False))
        it.vessel = bad
        plan.identities[bad.mmsi] = [(0.0, bad)]
        plan.truth.append(
            TruthRow(
                "identity_change",
                bad.mmsi,
                None,
                0.0,
                ctx.end,
                None,
                None,
                f"invalid IMO check digit {bad.imo}",
                "static_all",
            )
        )
    rest = order[counts.renames + counts.invalid_imo :]
    for it in rest[: counts.glitches]:
        plan.glitches.append((it.vessel.mmsi, ctx.uniform(0.1, 0.9) * ctx.end))


def compose(region: Region, seed: int, days: float, vessels: int, counts: Counts) -> Plan:
    """Plan every vessel of a scenario and the truth of what they do."""
    rng = np.random.default_rng(seed)
    ctx = Context(region, rng, days * 86400.0, SiteBook(region), Counter())
    plan, taken = Plan(), set[int]()
    _behaviours(ctx, plan, counts, taken)
    extra = counts.shared_mmsi + counts.crossings
    _normal_traffic(ctx, plan, max(vessels - len(plan.its) - extra, 0), taken)
    candidates = [plan.normal[int(i)] for i in rng.permutation(len(plan.normal))]
    merchants = [it for it in candidates if it.vessel.kind != "fishing"]
    for it in merchants[: counts.crossings]:
        _crossing(ctx, plan, it, taken)
    for it in merchants[counts.crossings : counts.crossings + counts.shared_mmsi]:
        _clone(ctx, plan, it, taken)
    skip = {id(it) for it in merchants[: counts.crossings + counts.shared_mmsi]}
    plan.normal = [it for it in plan.normal if id(it) not in skip]
    _identities(ctx, plan, counts)
    for it in plan.its:
        plan.identities.setdefault(it.vessel.mmsi, [(0.0, it.vessel)])
    _ = voyage
    return plan
