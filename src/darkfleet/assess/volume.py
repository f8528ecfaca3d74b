"""How much cargo may have moved in a transfer: draught change × tonnes per cm, as barrels.

Definitions, with the defaults of :class:`VolumeParams`:

* **Transfer**: an ``encounter`` or ``dark_rendezvous`` event.
* **Draught evidence**: a ``draught_change`` event of either vessel whose interval lies
  within ``window_h`` (12 h, RadianceFleet's link between a draught change and an STS)
  of the transfer; per vessel the one nearest in time is used. When both vessels have
  evidence the smaller estimate (by mid) is used and the other is listed as not used:
  a giver may serve several receivers and its draught also moves with bunkers and
  ballast, so the smaller is the conservative volume of this one transfer.
* **Tonnes per cm immersion** (TPC) from length L, beam B and block coefficient Cb:
  ``TPC = 1.025 × L × B × Cw / 100`` with the waterplane coefficient
  ``Cw ≈ (1 + 2·Cb) / 3``; Cb ranges (low, mid, high) are (0.75, 0.80, 0.85) for
  tankers (AIS types 80-89, and unknown types: the ledger is about oil) and
  (0.65, 0.70, 0.75) for other ships. A missing beam is taken as L / 6 (MR tanker
  5.7, small coastal tankers 6-6.5), and the evidence says so. With a deadweight
  (``deadweight_t`` column) TPC = 0.0414 × DWT^(2/3) instead: the cube-root scaling of a
  waterplane, fitted to a 180 m × 32 m MR tanker (≈ 43,500 t, 51 t/cm); it gives
  95 t/cm for a 110,000 t Aframax and 186 t/cm for a 300,000 t VLCC, as published.
* **Cargo moved** = |Δdraught| (m) × 100 × TPC tonnes; **barrels** = tonnes / density
  (t/m³) × 6.2898 bbl/m³. Densities: fuel oil 0.96, diesel 0.845, gasoline 0.745.
* **Interval**: low = Cb low and the densest product (fuel oil), mid = Cb mid and
  diesel, high = Cb high and the lightest product (gasoline); TPC grows with Cb and
  barrels fall with density, so 0 < low ≤ mid ≤ high.
* **Capacity estimate** (no draught evidence): the US 2018 method per ship: listed
  capacity × load fraction. Capacity in tonnes is the deadweight, else
  0.8 × 1.025 × L × B × T × Cb (deadweight ≈ 80 % of displacement for tankers) with T
  the largest draught the vessel reported; of the two vessels the smaller capacity
  (the cargo cannot exceed the smaller ship's tanks). Low = ⅓ laden, Cb low, fuel oil;
  mid = ½ laden, Cb mid, diesel; high = 90 % laden, Cb high, gasoline.
* **US 2018 scenarios**: deliveries × listed capacity × load fraction (⅓, ½, 0.9).

>>> round(tonnes_per_cm(180.0, 32.0, 0.80), 3)
51.168
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import polars as pl

from darkfleet.assess._common import details_of, short_id
from darkfleet.errors import ConfigError

__all__ = [
    "BBL_PER_M3",
    "PRODUCT_DENSITIES_T_M3",
    "US_2018_LOAD_FRACTIONS",
    "VolumeEstimate",
    "VolumeParams",
    "barrels",
    "capacity_estimate",
    "draught_estimate",
    "implied_capacity_bbl",
    "scenario_bbl",
    "tonnes_per_cm",
    "tonnes_per_cm_from_dwt",
    "transfer_volumes",
    "vessel_dimensions",
]

BBL_PER_M3 = 6.2898
SEAWATER_T_M3 = 1.025
PRODUCT_DENSITIES_T_M3 = {"fuel_oil": 0.96, "diesel": 0.845, "gasoline": 0.745}
US_2018_LOAD_FRACTIONS = (1 / 3, 1 / 2, 0.9)
TRANSFER_KINDS = ("encounter", "dark_rendezvous")
_DWT_TPC_FACTOR = 0.0414
_VOLUME_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.String(),
    "kind": pl.String(),
    "mmsi": pl.Int64(),
    "other_mmsi": pl.Int64(),
    "start": pl.Datetime("us", "UTC"),
    "end": pl.Datetime("us", "UTC"),
    "method": pl.String(),
    "low_t": pl.Float64(),
    "mid_t": pl.Float64(),
    "high_t": pl.Float64(),
    "low_bbl": pl.Float64(),
    "mid_bbl": pl.Float64(),
    "high_bbl": pl.Float64(),
    "evidence": pl.List(pl.String()),
}
Triple = tuple[float, float, float]


@dataclass(frozen=True)
class VolumeParams:
    """Coefficients of the volume estimate (see the module docstring)."""

    tanker_cb: Triple = (0.75, 0.80, 0.85)
    other_cb: Triple = (0.65, 0.70, 0.75)
    densities_t_m3: Triple = (
        PRODUCT_DENSITIES_T_M3["fuel_oil"],
        PRODUCT_DENSITIES_T_M3["diesel"],
        PRODUCT_DENSITIES_T_M3["gasoline"],
    )
    load_fractions: Triple = US_2018_LOAD_FRACTIONS
    bbl_per_m3: float = BBL_PER_M3
    window_h: float = 12.0
    length_beam_ratio: float = 6.0
    deadweight_ratio: float = 0.8

    def __post_init__(self) -> None:
        for name in ("tanker_cb", "other_cb", "load_fractions"):
            _check_rising(name, getattr(self, name), upper=1.0)
        low, mid, high = self.densities_t_m3
        if not 0 < high <= mid <= low:
            raise ConfigError(
                f"densities_t_m3 {self.densities_t_m3}: need densest ≥ mid ≥ lightest > 0"
            )
        scalars = ("bbl_per_m3", "window_h", "length_beam_ratio", "deadweight_ratio")
        for name in scalars:
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} = {getattr(self, name)}: must be > 0")


def _check_rising(name: str, values: Triple, upper: float) -> None:
    if len(values) != 3 or not 0 < values[0] <= values[1] <= values[2] <= upper:
        raise ConfigError(f"{name} {values}: need 0 < low ≤ mid ≤ high ≤ {upper}")


@dataclass(frozen=True)
class VolumeEstimate:
    """A cargo interval in tonnes and barrels, how it was made, and the evidence used."""

    low_t: float
    mid_t: float
    high_t: float
    low_bbl: float
    mid_bbl: float
    high_bbl: float
    method: str
    evidence: tuple[str, ...] = field(default=())


def tonnes_per_cm(length_m: float, beam_m: float, cb: float) -> float:
    """Tonnes per cm immersion from length, beam and block coefficient (sea water)."""
    waterplane = (1.0 + 2.0 * cb) / 3.0
    return SEAWATER_T_M3 * length_m * beam_m * waterplane / 100.0


def tonnes_per_cm_from_dwt(deadweight_t: float) -> float:
    """Tonnes per cm immersion from deadweight alone: 0.0414 × DWT^(2/3)."""
    return _DWT_TPC_FACTOR * math.pow(deadweight_t, 2.0 / 3.0)


def barrels(tonnes: float, density_t_m3: float, bbl_per_m3: float = BBL_PER_M3) -> float:
    """Barrels of a product of ``density_t_m3`` weighing ``tonnes``."""
    return tonnes / density_t_m3 * bbl_per_m3


def scenario_bbl(capacities_bbl: float | Sequence[float], load_fraction: float) -> float:
    """The US 2018 method: total listed capacity of the deliveries × load fraction."""
    if isinstance(capacities_bbl, int | float):
        return float(capacities_bbl) * load_fraction
    return math.fsum(capacities_bbl) * load_fraction


def implied_capacity_bbl(volume_bbl: float, load_fraction: float) -> float:
    """The total listed capacity that a published scenario volume implies."""
    return volume_bbl / load_fraction


def _interval(
    tonnes: Triple, method: str, evidence: tuple[str, ...], p: VolumeParams
) -> VolumeEstimate:
    low, mid, high = (
        barrels(t, d, p.bbl_per_m3) for t, d in zip(tonnes, p.densities_t_m3, strict=True)
    )
    return VolumeEstimate(*tonnes, low, mid, high, method=method, evidence=evidence)


def draught_estimate(
    delta_m: float,
    length_m: float | None,
    beam_m: float | None,
    cb_range: Triple,
    params: VolumeParams = VolumeParams(),
    deadweight_t: float | None = None,
) -> VolumeEstimate | None:
    """Cargo moved by a draught change of ``delta_m``; None without length or deadweight."""
    if deadweight_t:
        tpc = (tonnes_per_cm_from_dwt(deadweight_t),) * 3
        note = f"TPC {tpc[1]:.1f} t/cm from deadweight {deadweight_t:,.0f} t"
    elif length_m:
        beam, assumed = _beam(length_m, beam_m, params)
        low, mid, high = (tonnes_per_cm(length_m, beam, cb) for cb in cb_range)
        tpc = (low, mid, high)
        note = f"TPC {tpc[0]:.1f}-{tpc[2]:.1f} t/cm from {length_m:g} m × {beam:.3g} m{assumed}"
    else:
        return None
    low, mid, high = (abs(delta_m) * 100.0 * t for t in tpc)
    return _interval((low, mid, high), "draught", (note,), params)


def _beam(length_m: float, beam_m: float | None, params: VolumeParams) -> tuple[float, str]:
    if beam_m:
        return beam_m, ""
    return length_m / params.length_beam_ratio, f" (beam assumed L/{params.length_beam_ratio:g})"


def capacity_estimate(
    length_m: float | None,
    beam_m: float | None,
    draught_m: float | None,
    cb_range: Triple,
    params: VolumeParams = VolumeParams(),
    deadweight_t: float | None = None,
) -> VolumeEstimate | None:
    """Listed capacity × load fractions (⅓, ½, 0.9); None without dimensions or deadweight."""
    if deadweight_t:
        capacity = (deadweight_t,) * 3
        note = f"capacity {deadweight_t:,.0f} t (deadweight)"
    elif length_m and draught_m:
        beam, assumed = _beam(length_m, beam_m, params)
        block = SEAWATER_T_M3 * length_m * beam * draught_m * params.deadweight_ratio
        low, mid, high = (block * cb for cb in cb_range)
        capacity = (low, mid, high)
        size = f"{length_m:g} × {beam:.3g} × {draught_m:g} m"
        note = f"capacity {mid:,.0f} t from {size}{assumed}"
    else:
        return None
    low, mid, high = (c * f for c, f in zip(capacity, params.load_fractions, strict=True))
    fractions = "/".join(f"{f:.2g}" for f in params.load_fractions)
    evidence = (f"no draught evidence: {note} × load fraction {fractions}",)
    return _interval((low, mid, high), "capacity", evidence, params)


def vessel_dimensions(static: pl.DataFrame) -> pl.DataFrame:
    """Per MMSI: median length and beam, largest draught, most reported ship type."""

    def positive(name: str) -> pl.Expr:
        return pl.when(pl.col(name) > 0).then(pl.col(name).cast(pl.Float64()))

    return (
        static.group_by("mmsi")
        .agg(
            length_m=positive("length_m").median(),
            beam_m=positive("beam_m").median(),
            draught_max_m=positive("draught_m").max(),
            ship_type=pl.col("ship_type").filter(pl.col("ship_type") > 0).mode().min(),
        )
        .sort("mmsi")
    )


def _cb_range(ship_type: int | None, params: VolumeParams) -> Triple:
    if ship_type is None or not 20 <= ship_type <= 99 or 80 <= ship_type <= 89:
        return params.tanker_cb
    return params.other_cb


def transfer_volumes(
    events: pl.DataFrame, dimensions: pl.DataFrame, params: VolumeParams = VolumeParams()
) -> pl.DataFrame:
    """One row per transfer event with its cargo interval (null when nothing is known)."""
    transfers = events.filter(pl.col("kind").is_in(TRANSFER_KINDS)).sort("start", "event_id")
    changes = events.filter(pl.col("kind") == "draught_change")
    dims = {row["mmsi"]: row for row in dimensions.to_dicts()}
    rows = [_transfer_row(t, changes, dims, params) for t in transfers.to_dicts()]
    return pl.DataFrame(rows, schema=_VOLUME_SCHEMA)


def _transfer_row(
    transfer: dict[str, Any],
    changes: pl.DataFrame,
    dims: Mapping[int, Mapping[str, Any]],
    params: VolumeParams,
) -> dict[str, Any]:
    vessels = [transfer["mmsi"], transfer["other_mmsi"]]
    found = [_from_draught(transfer, m, changes, dims.get(m, {}), params) for m in vessels]
    estimates = [e for e in found if e is not None]
    estimate = _combine(estimates) if estimates else _from_capacity(vessels, dims, params)
    base = {k: transfer[k] for k in ("event_id", "kind", "mmsi", "other_mmsi", "start", "end")}
    if estimate is None:
        return {**base, "method": None, "evidence": ["no draught evidence and no dimensions"]}
    values = {k: getattr(estimate, k) for k in _VOLUME_SCHEMA if hasattr(estimate, k)}
    return {**base, **values, "evidence": list(estimate.evidence)}


def _nearest_change(
    transfer: Mapping[str, Any], mmsi: int, changes: pl.DataFrame, window_h: float
) -> dict[str, Any] | None:
    slack = timedelta(hours=window_h)
    near = changes.filter(
        (pl.col("mmsi") == mmsi)
        & (pl.col("end") >= transfer["start"] - slack)
        & (pl.col("start") <= transfer["end"] + slack)
    )
    if near.height == 0:
        return None
    middle = transfer["start"] + (transfer["end"] - transfer["start"]) / 2
    gap = (pl.col("start") + (pl.col("end") - pl.col("start")) / 2 - middle).abs()
    return near.sort(gap, "event_id").row(0, named=True)


def _from_draught(
    transfer: Mapping[str, Any],
    mmsi: int | None,
    changes: pl.DataFrame,
    dims: Mapping[str, Any],
    params: VolumeParams,
) -> VolumeEstimate | None:
    change = None if mmsi is None else _nearest_change(transfer, mmsi, changes, params.window_h)
    if change is None:
        return None
    info = details_of(change["details"])
    before, after = info.get("draught_before_m"), info.get("draught_after_m")
    if before is None or after is None:
        return None
    length = dims.get("length_m") or info.get("length_m")
    cb = _cb_range(dims.get("ship_type"), params)
    found = draught_estimate(
        after - before, length, dims.get("beam_m"), cb, params, dims.get("deadweight_t")
    )
    if found is None:
        return None
    what = f"{mmsi} draught {before:g} → {after:g} m (event {short_id(change['event_id'])}), "
    return _with_evidence(found, (what + found.evidence[0],))


def _with_evidence(estimate: VolumeEstimate, evidence: tuple[str, ...]) -> VolumeEstimate:
    values = {
        k: getattr(estimate, k)
        for k in ("low_t", "mid_t", "high_t", "low_bbl", "mid_bbl", "high_bbl")
    }
    return VolumeEstimate(**values, method=estimate.method, evidence=evidence)


def _combine(estimates: list[VolumeEstimate]) -> VolumeEstimate:
    """The smallest estimate by mid; the others' evidence is kept, marked as not used."""
    ranked = sorted(estimates, key=lambda e: e.mid_t)
    unused = tuple(f"not used (larger): {line}" for e in ranked[1:] for line in e.evidence)
    return _with_evidence(ranked[0], ranked[0].evidence + unused)


def _from_capacity(
    vessels: list[Any], dims: Mapping[int, Mapping[str, Any]], params: VolumeParams
) -> VolumeEstimate | None:
    found = []
    for mmsi in vessels:
        d = dims.get(mmsi, {})
        cb = _cb_range(d.get("ship_type"), params)
        got = capacity_estimate(
            d.get("length_m"),
            d.get("beam_m"),
            d.get("draught_max_m"),
            cb,
            params,
            d.get("deadweight_t"),
        )
        if got is not None:
            found.append(_with_evidence(got, (f"{mmsi}: {got.evidence[0]}",)))
    return min(found, key=lambda e: e.mid_t) if found else None
