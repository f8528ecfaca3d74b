"""Turn a composed plan into the three scenario tables (positions, static, truth).

>>> SOURCE
'darkfleet-sim'
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet._sim_compose import Plan
from darkfleet._sim_inject import TruthRow
from darkfleet._sim_regions import Region
from darkfleet._sim_routes import is_water, km_to_deg
from darkfleet._sim_sample import RESOLUTION_DEG, Reports, sample_positions, sample_static
from darkfleet._sim_truth import TRUTH_COLUMNS, Times, port_visits, refine

__all__ = ["SOURCE", "build_frames"]

SOURCE = "darkfleet-sim"


def _glitch(rng: np.random.Generator, rep: Reports, t: float) -> None:
    """Move one report 50-500 km away (onto open water); the next report is back on track."""
    if len(rep["ts"]) < 3:
        return
    i = int(np.clip(np.searchsorted(rep["ts"], t), 1, len(rep["ts"]) - 2))
    lat, lon = float(rep["lat"][i]), float(rep["lon"][i])
    for _ in range(200):
        km, bearing = rng.uniform(50, 500), np.radians(rng.uniform(0, 360))
        d = km_to_deg(lat, np.array(km * np.sin(bearing)), np.array(km * np.cos(bearing)))
        la, lo = lat + float(d[0]), lon + float(d[1])
        if abs(la) < 85 and bool(is_water(la, lo)):
            rep["lat"][i] = np.round(la / RESOLUTION_DEG) * RESOLUTION_DEG
            rep["lon"][i] = np.round(lo / RESOLUTION_DEG) * RESOLUTION_DEG
            return


def _sample(
    plan: Plan, end: float, rng: np.random.Generator
) -> tuple[list[Reports], list[Reports], Times]:
    positions: list[Reports] = []
    static: list[Reports] = []
    clones: Times = {}
    glitch_at = dict(plan.glitches)
    for i, it in enumerate(plan.its):
        mmsi = it.vessel.mmsi
        if i in plan.clones:
            rep = sample_positions(it, end, plan.clones[i])
            clones[mmsi] = rep["ts"]
        else:
            rep = sample_positions(it, end)
            first = float(rep["ts"][0]) if len(rep["ts"]) else end
            static.append(sample_static(it, end, plan.identities[mmsi], first))
            if mmsi in glitch_at:
                _glitch(rng, rep, glitch_at[mmsi])
        positions.append(rep)
    return positions, static, clones


def _times(reports: list[Reports]) -> Times:
    out: dict[int, list[np.ndarray]] = {}
    for rep in reports:
        if len(rep["ts"]):
            out.setdefault(int(rep["mmsi"][0]), []).append(rep["ts"])
    return {k: np.sort(np.concatenate(v)).astype(np.int64) for k, v in out.items()}


def _concat(reports: list[Reports]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([r[k] for r in reports]) for k in reports[0]}


def _ts(seconds: pl.Expr, start: datetime) -> pl.Expr:
    return (
        (pl.lit(start) + pl.duration(seconds=seconds))
        .dt.cast_time_unit("us")
        .dt.convert_time_zone("UTC")
    )


def _positions_frame(reports: list[Reports], start: datetime) -> pl.DataFrame:
    cols = _concat(reports)
    frame = pl.DataFrame(cols).with_columns(
        _ts(pl.col("ts"), start).alias("ts"),
        pl.when(pl.col("heading_deg") < 0)
        .then(None)
        .otherwise(pl.col("heading_deg"))
        .alias("heading_deg"),
        pl.when(pl.col("nav_status") < 0)
        .then(None)
        .otherwise(pl.col("nav_status"))
        .alias("nav_status"),
        pl.lit(SOURCE).alias("source"),
    )
    frame = frame.unique(["mmsi", "ts"], keep="first", maintain_order=True)  # a clone's clash
    return (
        frame.sort("ts", "mmsi")
        .select(schema.POSITIONS.names)
        .cast(schema.polars_schema(schema.POSITIONS))
    )


def _static_frame(reports: list[Reports], start: datetime) -> pl.DataFrame:
    cols = _concat(reports)
    frame = pl.DataFrame({k: list(v) if v.dtype == object else v for k, v in cols.items()})
    frame = frame.with_columns(
        _ts(pl.col("ts"), start).alias("ts"),
        pl.when(pl.col("imo") < 0).then(None).otherwise(pl.col("imo")).alias("imo"),
        pl.col("draught_m").fill_nan(None),
        pl.lit(SOURCE).alias("source"),
    )
    return (
        frame.sort("ts", "mmsi")
        .select(schema.STATIC.names)
        .cast(schema.polars_schema(schema.STATIC))
    )


def _truth_frame(rows: list[TruthRow], start: datetime) -> pl.DataFrame:
    def when(s: float) -> datetime:
        return start + timedelta(seconds=round(s))

    data = {
        "kind": [r.kind for r in rows],
        "mmsi": [r.mmsi for r in rows],
        "other_mmsi": [r.other_mmsi for r in rows],
        "start": [when(r.t0) for r in rows],
        "end": [when(r.t1) for r in rows],
        "lat": [r.lat for r in rows],
        "lon": [r.lon for r in rows],
        "note": [r.note for r in rows],
    }
    types: dict[str, pl.DataType] = {
        "kind": pl.String(),
        "mmsi": pl.Int64(),
        "other_mmsi": pl.Int64(),
        "start": pl.Datetime("us", "UTC"),
        "end": pl.Datetime("us", "UTC"),
        "lat": pl.Float64(),
        "lon": pl.Float64(),
        "note": pl.String(),
    }
    frame = pl.DataFrame(data, schema=types)
    return frame.sort("kind", "start", "mmsi").select(TRUTH_COLUMNS)


def build_frames(
    plan: Plan, region: Region, end: float, start: datetime, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Sample every itinerary and assemble positions, static and refined truth."""
    positions, static, clones = _sample(plan, end, rng)
    real = [p for i, p in enumerate(positions) if i not in plan.clones]
    pos_t, st_t = _times(real), _times(static)
    rows = [refine(r, pos_t, st_t, clones) for r in plan.truth]
    for i, it in enumerate(plan.its):
        if i not in plan.clones:
            rows += port_visits(it, end)
    _ = region
    return (
        _positions_frame(positions, start),
        _static_frame(static, start),
        _truth_frame(rows, start),
    )
