"""Port visits: a vessel stopped inside a port or anchorage area (GFW anchorages pipeline).

Definition of a ``port_visit`` event, with the defaults of :class:`PortVisitParams`
(those of Global Fishing Watch's ``anchorage_cfg.yaml``):

1. **In port**, per segment with hysteresis: a fix within ``entry_km`` (10 km) of a port
   or anchorage point enters the area, the first fix beyond ``exit_km`` (12 km) leaves it.
   A visit is one run of in-port fixes of a segment. GFW enters at 3 km and leaves at
   4 km, but from anchorage points derived densely from a year of global AIS (an S2
   cell wherever 20 vessels stopped); a port list such as WPI has one point per port,
   and outer anchorages lie 4-8 km from it (Incheon, Yantai, Nampo in the scenarios),
   so darkfleet uses its general "in port" radius of 10 km, the same one that keeps
   encounters and loitering out of ports.
2. **Stopped**, with hysteresis too: speed over ground (the implied speed between fixes
   where SOG is missing) below ``stop_begin_kn`` (0.2 kn) starts a stop, above
   ``stop_end_kn`` (0.5 kn) ends it. Stop hours are the time between consecutive fixes
   of the visit that are both stopped (a silent spell at anchor counts).
3. A visit with at least ``min_stop_hours`` (2 h) of stop is published; ``entry`` means
   the segment was seen outside before it, ``exit`` after it. GFW's confidence: 4 = entry,
   exit and stop, 3 = one of them and stop, 2 = stop only; ``confidence`` = that / 4.

The position is the visit's mean position (circular in longitude); the port is the label
of the nearest port or anchorage point to it.

>>> port_visits(empty_positions(), PortVisitParams(), Places.bundled()).columns == EVENTS.names
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect._resample import empty_positions  # noqa: F401  (the doctest)
from darkfleet.detect._static import event_table
from darkfleet.errors import ConfigError
from darkfleet.geo import KM_PER_NM, haversine_km
from darkfleet.places import Places
from darkfleet.schema import EVENTS

__all__ = ["PortVisitParams", "port_visits"]


@dataclass(frozen=True)
class PortVisitParams:
    """Thresholds of the port-visit definition (see the module docstring)."""

    entry_km: float = 10.0
    exit_km: float = 12.0
    stop_begin_kn: float = 0.2
    stop_end_kn: float = 0.5
    min_stop_hours: float = 2.0

    def __post_init__(self) -> None:
        checks = [
            (0 < self.entry_km <= self.exit_km, "0 < entry_km <= exit_km"),
            (0 <= self.stop_begin_kn <= self.stop_end_kn, "0 <= stop_begin_kn <= stop_end_kn"),
            (self.min_stop_hours >= 0, "min_stop_hours >= 0"),
        ]
        for ok, rule in checks:
            if not ok:
                raise ConfigError(f"PortVisitParams: need {rule}, got {vars(self)}")


def port_visits(positions: pl.DataFrame, params: PortVisitParams, places: Places) -> pl.DataFrame:
    """Port-visit events (schema.EVENTS) from positions with a ``seg_id`` column."""
    fixes = _states(_with_speed(positions), params, places)
    visits = _visits(fixes).filter(pl.col("stop_hours") >= params.min_stop_hours)
    if visits.height == 0:
        return schema.empty(EVENTS)
    return _events(visits, places)


def _with_speed(positions: pl.DataFrame) -> pl.DataFrame:
    """Fixes by segment and time with ``speed_kn``: SOG, else the implied speed."""
    fixes = (
        positions.drop_nulls(["seg_id", "lat", "lon"])
        .filter(pl.col("lat").is_finite() & pl.col("lon").is_finite())
        .select("mmsi", "seg_id", "ts", "lat", "lon", sog=pl.col("sog_kn").cast(pl.Float64))
        .sort("seg_id", "ts")
    )
    return fixes.with_columns(speed_kn=pl.coalesce(pl.col("sog"), _implied_speed_kn(fixes)))


def _states(fixes: pl.DataFrame, params: PortVisitParams, places: Places) -> pl.DataFrame:
    port_km = places.distance_to_port_km(fixes["lat"].to_numpy(), fixes["lon"].to_numpy())
    framed = fixes.with_columns(port_km=pl.Series(port_km, dtype=pl.Float64))
    in_port = _hysteresis(pl.col("port_km") <= params.entry_km, pl.col("port_km") > params.exit_km)
    speed = pl.col("speed_kn")
    stopped = _hysteresis(speed < params.stop_begin_kn, speed > params.stop_end_kn)
    return framed.with_columns(in_port=in_port, stopped=stopped)


def _hysteresis(on: pl.Expr, off: pl.Expr) -> pl.Expr:
    """True from a fix where ``on`` holds until one where ``off`` does, per segment."""
    state = pl.when(on).then(pl.lit(True)).when(off).then(pl.lit(False))
    return state.forward_fill().over("seg_id").fill_null(False)


def _visits(fixes: pl.DataFrame) -> pl.DataFrame:
    seg_first = pl.col("ts").first().over("seg_id")
    seg_last = pl.col("ts").last().over("seg_id")
    changed = pl.col("in_port") != pl.col("in_port").shift(1).over("seg_id")
    dt_h = (pl.col("ts").shift(-1).over("seg_id") - pl.col("ts")).dt.total_seconds() / 3600.0
    both = pl.col("stopped") & pl.col("stopped").shift(-1).over("seg_id")
    framed = fixes.with_columns(
        _visit=changed.fill_null(True).cum_sum(),
        entry=pl.col("ts") > seg_first,
        exit=pl.col("ts") < seg_last,
        stop_h=pl.when(both & pl.col("in_port").shift(-1).over("seg_id")).then(dt_h).otherwise(0.0),
        _sin=pl.col("lon").radians().sin(),
        _cos=pl.col("lon").radians().cos(),
    )
    return _per_visit(framed.filter(pl.col("in_port")))


def _per_visit(inside: pl.DataFrame) -> pl.DataFrame:
    grouped = inside.group_by("_visit", maintain_order=True).agg(
        pl.col("mmsi", "seg_id").first(),
        start=pl.col("ts").first(),
        end=pl.col("ts").last(),
        positions=pl.len(),
        stop_hours=pl.col("stop_h").sum(),
        lat=pl.col("lat").mean(),
        _sin=pl.col("_sin").mean(),
        _cos=pl.col("_cos").mean(),
        min_port_km=pl.col("port_km").min(),
        entry=pl.col("entry").first(),
        exit=pl.col("exit").last(),
        median_speed_kn=pl.col("speed_kn").median(),
    )
    return grouped.with_columns(lon=pl.arctan2("_sin", "_cos").degrees()).drop("_sin", "_cos")


def _events(visits: pl.DataFrame, places: Places) -> pl.DataFrame:
    label, km = places.nearest_port(visits["lat"].to_numpy(), visits["lon"].to_numpy())
    level = 2 + pl.col("entry").cast(pl.Int8) + pl.col("exit").cast(pl.Int8)
    framed = visits.with_columns(
        port=pl.Series(label.tolist(), dtype=pl.String),
        port_km=pl.Series(km, dtype=pl.Float64),
        gfw_confidence=level,
    )
    info = pl.struct(
        "port", "port_km", "min_port_km", pl.col("stop_hours").round(4), "positions",
        "entry", "exit", "gfw_confidence", "median_speed_kn", seg_ids=pl.concat_list("seg_id"),
    )  # fmt: skip
    rows = framed.select(
        "mmsi", "start", "end", "lat", "lon",
        (pl.col("gfw_confidence") / 4.0).alias("confidence"), info.alias("info"),
    )  # fmt: skip
    return event_table("port_visit", rows.drop("info"), rows["info"].to_list(), places)


def _implied_speed_kn(fixes: pl.DataFrame) -> pl.Series:
    """Speed in knots from each fix's predecessor in its segment (null for the first)."""
    lat, lon = fixes["lat"].to_numpy(), fixes["lon"].to_numpy()
    km = np.full(fixes.height, np.nan)
    if fixes.height > 1:
        km[1:] = haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
    hours = fixes.select(
        (pl.col("ts") - pl.col("ts").shift(1).over("seg_id")).dt.total_seconds() / 3600.0
    ).to_series()
    speed = pl.Series(km, dtype=pl.Float64) / KM_PER_NM / hours
    return speed.fill_nan(None)
