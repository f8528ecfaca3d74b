"""From itineraries to AIS reports: report times, reception dropouts, GPS noise, static data.

Class A vessels report every 30 s - 3 min underway (a per-vessel interval with jitter) and
every 3 min at anchor or alongside; Class B every 3 min. Reception drops out for 2-40 min
now and then (never an hour), ~3 % of single reports are lost, positions carry ~8 m of
GPS noise and are rounded to the AIS resolution of 1/10000 minute.

>>> round(RESOLUTION_DEG * 600000, 6)
1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from darkfleet._sim_fleet import Vessel
from darkfleet._sim_plan import HOUR, MOVE, Itinerary
from darkfleet._sim_routes import FloatArray, km_to_deg

__all__ = ["RESOLUTION_DEG", "Reports", "sample_positions", "sample_static"]

RESOLUTION_DEG = 1.0 / 600000.0
STATIC_EVERY_S = 1800.0
Reports = dict[str, npt.NDArray[Any]]


def _grid(
    rng: np.random.Generator, t0: float, t1: float, every: float, jitter: float
) -> FloatArray:
    n = int((t1 - t0) / (every * (1 - jitter))) + 2
    steps = every * rng.uniform(1 - jitter, 1 + jitter, n)
    t = t0 + rng.uniform(0, every) + np.cumsum(steps) - steps[0]
    return np.asarray(t[t < t1], dtype=np.float64)


def _leg_arrays(it: Itinerary) -> dict[str, FloatArray]:
    names = ("t0", "t1", "lat0", "lon0", "lat1", "lon1", "status", "mode")
    return {n: np.array([getattr(leg, n) for leg in it.legs], dtype=np.float64) for n in names}


def _keep_mask(
    rng: np.random.Generator, t: FloatArray, silent: list[tuple[float, float]]
) -> npt.NDArray[np.bool_]:
    """Reports that survive injected silence, short dropouts and single losses."""
    keep = rng.random(len(t)) > 0.03
    for a, b in silent:
        keep &= (t < a) | (t > b)
    span_h = (t[-1] - t[0]) / HOUR if len(t) else 0.0
    starts = np.sort(rng.uniform(t[0], t[-1], rng.poisson(span_h / 6.0))) if len(t) else np.empty(0)
    last = -np.inf
    for s in starts:
        if s - last >= HOUR:
            keep &= (t < s) | (t > s + rng.uniform(120, 2400))
            last = s
    return keep


def _times(
    it: Itinerary, legs: dict[str, FloatArray], end: float, window: tuple[float, float]
) -> FloatArray:
    rng, v = it.rng, it.vessel
    t0, t1 = max(window[0], legs["t0"][0], 0.0), min(window[1], end)
    fast = _grid(rng, t0, t1, v.report_s, 0.2)
    if not v.class_a:
        return fast
    slow = _grid(rng, t0, t1, 180.0, 0.1)
    moving = legs["mode"][_leg_index(legs, fast)] == MOVE
    still = legs["mode"][_leg_index(legs, slow)] != MOVE
    return np.sort(np.concatenate([fast[moving], slow[still]]))


def _leg_index(legs: dict[str, FloatArray], t: FloatArray) -> npt.NDArray[np.int64]:
    return np.clip(np.searchsorted(legs["t0"], t, side="right") - 1, 0, len(legs["t0"]) - 1)


def _kinematics(rng: np.random.Generator, legs: dict[str, FloatArray], t: FloatArray) -> Reports:
    k = _leg_index(legs, t)
    dur = np.maximum(legs["t1"][k] - legs["t0"][k], 1e-9)
    f = np.clip((t - legs["t0"][k]) / dur, 0.0, 1.0)
    lat = legs["lat0"][k] + f * (legs["lat1"][k] - legs["lat0"][k])
    lon = legs["lon0"][k] + f * (legs["lon1"][k] - legs["lon0"][k])
    dn = (legs["lat1"][k] - legs["lat0"][k]) * 111.195
    de = (legs["lon1"][k] - legs["lon0"][k]) * 111.195 * np.cos(np.radians(lat))
    moving = legs["mode"][k] == MOVE
    sog = np.where(moving, np.hypot(dn, de) / 1.852 / (dur / HOUR), 0.0)
    cog = np.degrees(np.arctan2(de, dn)) % 360.0
    swing = np.where(moving, 0.0, 0.06) * (legs["mode"][k] == 1)
    phase = t / rng.uniform(2 * HOUR, 6 * HOUR) + k
    noise = rng.normal(0.0, 0.008, (2, len(t)))
    d = km_to_deg(lat, noise[0] + swing * np.sin(phase), noise[1] + swing * np.cos(phase))
    cog = np.where(moving, cog + rng.normal(0, 1.5, len(t)), (np.degrees(phase) + 90) % 360) % 360
    sog = np.where(
        moving, sog + rng.normal(0, 0.15, len(t)), np.abs(rng.normal(0, 0.05, len(t))) * (swing > 0)
    )
    return {
        "lat": lat + d[0],
        "lon": lon + d[1],
        "sog": np.clip(sog, 0, 102.2),
        "cog": cog,
        "status": legs["status"][k],
    }


def sample_positions(
    it: Itinerary, end: float, window: tuple[float, float] = (0.0, np.inf), mmsi: int | None = None
) -> Reports:
    """Position reports as received from one vessel (``mmsi`` overrides, for clones)."""
    legs = _leg_arrays(it)
    t = _times(it, legs, end, window)
    t = t[_keep_mask(it.rng, t, it.silent)] if len(t) else t
    t = np.unique(np.floor(t))
    rep = _kinematics(it.rng, legs, t)
    v = it.vessel
    heading = np.round(rep["cog"] + it.rng.normal(0, 2.0, len(t))).astype(np.int64) % 360
    return {
        "mmsi": np.full(len(t), v.mmsi if mmsi is None else mmsi, dtype=np.int64),
        "ts": t.astype(np.int64),
        "lat": np.round(rep["lat"] / RESOLUTION_DEG) * RESOLUTION_DEG,
        "lon": np.round(rep["lon"] / RESOLUTION_DEG) * RESOLUTION_DEG,
        "sog_kn": np.round(rep["sog"], 1),
        "cog_deg": np.round(rep["cog"], 1) % 360.0,
        "heading_deg": heading if v.class_a else np.full(len(t), -1, dtype=np.int64),
        "nav_status": rep["status"].astype(np.int64)
        if v.class_a
        else np.full(len(t), -1, dtype=np.int64),
        "msg_type": np.full(len(t), 1 if v.class_a else 18, dtype=np.int64),
    }


def _step(times: FloatArray, at: list[float]) -> npt.NDArray[np.int64]:
    """Index of the last change at or before each time (0 when before all)."""
    return np.clip(np.searchsorted(np.array(at), times, side="right") - 1, 0, None)


def sample_static(
    it: Itinerary, end: float, identities: list[tuple[float, Vessel]], first: float
) -> Reports:
    """Static/voyage reports every ~30 min and at every change of identity or draught."""
    changes = [t for t, _ in identities[1:]] + [t for t, _ in it.draught[1:]]
    t = np.concatenate([[first], _grid(it.rng, first, end, STATIC_EVERY_S, 0.05), np.ceil(changes)])
    t = np.unique(np.floor(t[(t >= first) & (t < end)]))
    for a, b in it.silent:
        t = t[(t < a) | (t > b)]
    ids = [identities[i][1] for i in _step(t, [s for s, _ in identities])]
    draught = np.array([d for _, d in it.draught])[_step(t, [s for s, _ in it.draught])]
    dest_idx = _step(t, [s for s, _ in it.destination]) if it.destination else None
    dests = [
        it.destination[i][1] if dest_idx is not None and it.destination[i][0] <= s else ""
        for i, s in zip(dest_idx if dest_idx is not None else [0] * len(t), t, strict=True)
    ]
    class_a = it.vessel.class_a
    return {
        "mmsi": np.array([v.mmsi for v in ids], dtype=np.int64),
        "ts": t.astype(np.int64),
        "imo": np.array([v.imo if class_a and v.imo else -1 for v in ids], dtype=np.int64),
        "name": np.array([v.name for v in ids], dtype=object),
        "callsign": np.array([v.callsign for v in ids], dtype=object),
        "ship_type": np.array([v.ship_type for v in ids], dtype=np.int64),
        "length_m": np.array([v.length_m for v in ids], dtype=np.float64),
        "beam_m": np.array([v.beam_m for v in ids], dtype=np.float64),
        "draught_m": draught if class_a else np.full(len(t), np.nan),
        "destination": np.array(dests if class_a else [None] * len(t), dtype=object),
    }
