"""Exact neighbour search on a latitude/longitude cell grid (no S2).

At each grid time, every pair of samples closer than ``radius_km`` (haversine, R = 6371
km) is found, and only those. Cells are latitude bands one radius high, so partners
sit in the same band or the next; each band is cut into ``n`` equal longitude cells
whose width (``360 / n`` degrees, so the ring closes exactly at the antimeridian) is at
least the largest longitude offset ``asin(sin(r / R) / cos(lat))`` a partner can have at
any latitude of that band or the band below. A partner therefore lies in the sample's
own cell, the next cell east, or one of the three cells around its longitude in the
band to the north; the partner's own search covers the other half of the
neighbourhood. Bands whose caps reach a pole (or that would have fewer than three
cells) are a single cell. Candidates are then checked by exact distance.

>>> g = cell_grid(1.0)
>>> int(g.lon_cells[g.n_bands // 2]) > 40_000
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
from numba import njit, prange

from darkfleet.geo import EARTH_RADIUS_KM, wrap_lon

__all__ = ["CellGrid", "cell_grid", "close_pairs"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180.0
SAFETY = 1.0 + 1e-9  # keep cells a hair wider than the bound, against rounding


@dataclass(frozen=True)
class CellGrid:
    """Latitude bands of ``band_deg`` each cut into ``lon_cells[band]`` longitude cells."""

    band_deg: float
    n_bands: int
    lon_cells: I64
    offsets: I64
    total_cells: int


def cell_grid(radius_km: float) -> CellGrid:
    """The grid for an exact search radius of ``radius_km``."""
    band_deg = radius_km / KM_PER_DEG * SAFETY
    n_bands = math.ceil(180.0 / band_deg)
    band = np.arange(n_bands, dtype=np.float64)
    south = np.abs(-90.0 + (band - 1.0) * band_deg)
    north = np.abs(-90.0 + (band + 1.0) * band_deg)
    worst_lat = np.minimum(np.maximum(south, north), 90.0)
    ratio = math.sin(radius_km / EARTH_RADIUS_KM * SAFETY) / np.cos(np.radians(worst_lat))
    with np.errstate(invalid="ignore"):
        half_width = np.where(ratio < 1.0, np.degrees(np.arcsin(np.minimum(ratio, 1.0))), 360.0)
    cells = np.floor(360.0 / (half_width * SAFETY)).astype(np.int64)
    cells = np.where(cells < 3, 1, cells)
    offsets = np.cumsum(cells) - cells
    return CellGrid(band_deg, n_bands, cells, offsets, int(cells.sum()))


def close_pairs(
    slot: I64, lat: F64, lon: F64, vessel: I64, radius_km: float
) -> tuple[I64, I64, F64]:
    """Each unordered pair (i, j, km) at the same slot within ``radius_km``, other vessels."""
    grid = cell_grid(radius_km)
    band, col = _cells(grid, lat, lon)
    key = (slot - (slot.min() if slot.size else 0)) * grid.total_cells + grid.offsets[band] + col
    order = pl.Series(key).arg_sort().to_numpy().astype(np.int64)
    keys = key[order]
    start, end = _slot_bounds(keys // grid.total_cells)
    columns = (band[order], np.asarray(wrap_lon(lon[order])), lat[order], vessel[order])
    tables = (grid.lon_cells, grid.offsets, grid.total_cells, radius_km)

    def scan(at: I64, out: tuple[I64, I64, F64], fill: bool) -> None:
        _scan(keys, *columns, start, end, *tables, at, *out, fill)

    counts = np.zeros(keys.size, np.int64)
    scan(counts, (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)), False)
    at = np.cumsum(counts) - counts
    total = int(counts.sum())
    out = (np.empty(total, np.int64), np.empty(total, np.int64), np.empty(total))
    scan(at, out, True)
    return order[out[0]], order[out[1]], out[2]


def _slot_bounds(slot: I64) -> tuple[I64, I64]:
    """For each sample (sorted by slot), the first and one-past-last index of its slot."""
    change = np.r_[True, slot[1:] != slot[:-1]] if slot.size else np.zeros(0, bool)
    firsts = np.flatnonzero(change)
    lasts = np.r_[firsts[1:], slot.size]
    group = np.cumsum(change) - 1
    return firsts[group], lasts[group]


def _cells(grid: CellGrid, lat: F64, lon: F64) -> tuple[I64, I64]:
    band = np.clip(((lat + 90.0) // grid.band_deg).astype(np.int64), 0, grid.n_bands - 1)
    return band, _lon_cell(np.asarray(wrap_lon(lon)), grid.lon_cells[band])


def _lon_cell(lon: F64, n: I64) -> I64:
    return np.asarray(((lon + 180.0) * n / 360.0).astype(np.int64) % n, dtype=np.int64)


@njit(cache=True)
def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2.0) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2.0) ** 2
    )
    return 2.0 * 6371.0 * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


@njit(cache=True)
def _lower_bound(keys: I64, lo: int, hi: int, target: int) -> int:
    while lo < hi:
        mid = (lo + hi) // 2
        if keys[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, parallel=True)
def _scan(
    keys: I64,
    band: I64,
    lon: F64,
    lat: F64,
    vessel: I64,
    slot_start: I64,
    slot_end: I64,
    cells: I64,
    offsets: I64,
    total: int,
    radius: float,
    at: I64,
    out_i: I64,
    out_j: I64,
    out_km: F64,
    fill: bool,
) -> None:
    """Count each sample's close pairs into ``at``, or write them from ``at`` on (``fill``)."""
    for p in prange(keys.size):
        found = at[p] if fill else 0
        lo, hi = slot_start[p], slot_end[p]
        q = p + 1
        while q < hi and keys[q] == keys[p]:  # the rest of the own cell
            found = _check(p, q, lat, lon, vessel, radius, found, out_i, out_j, out_km, fill)
            q += 1
        after_own = q
        ranges = _neighbour_ranges(
            band[p], lon[p], keys[p], keys[p] - keys[p] % total, cells, offsets
        )
        for r in range(3):
            first, last = ranges[2 * r], ranges[2 * r + 1]
            if first < 0:
                continue
            # a range that starts right after the own cell needs no search
            q = after_own if first == keys[p] + 1 else _lower_bound(keys, lo, hi, first)
            while q < hi and keys[q] <= last:
                found = _check(p, q, lat, lon, vessel, radius, found, out_i, out_j, out_km, fill)
                q += 1
        if not fill:
            at[p] = found


@njit(cache=True)
def _neighbour_ranges(
    b: int, lon: float, key: int, slot_key: int, cells: I64, offsets: I64
) -> tuple[int, int, int, int, int, int]:
    """Key ranges (first, last; -1 if none) of the half neighbourhood of a sample.

    The east cell of the own band, then the three cells around its longitude in the
    band to the north, as one range or, when they wrap round the antimeridian, two.
    """
    n = int(cells[b])
    own = slot_key + int(offsets[b])
    east = own + (key - own + 1) % n if n >= 3 else -1
    if b + 1 >= cells.size:
        return east, east, -1, -1, -1, -1
    m = int(cells[b + 1])
    north = slot_key + int(offsets[b + 1])
    if m < 3:
        return east, east, north, north, -1, -1
    col = int((lon + 180.0) * m / 360.0) % m
    if col == 0:
        return east, east, north, north + 1, north + m - 1, north + m - 1
    if col == m - 1:
        return east, east, north + m - 2, north + m - 1, north, north
    return east, east, north + col - 1, north + col + 1, -1, -1


@njit(cache=True)
def _check(
    p: int,
    q: int,
    lat: F64,
    lon: F64,
    vessel: I64,
    radius: float,
    found: int,
    out_i: I64,
    out_j: I64,
    out_km: F64,
    fill: bool,
) -> int:
    if vessel[p] == vessel[q]:
        return found
    km = _haversine(lat[p], lon[p], lat[q], lon[q])
    if km > radius:
        return found
    if fill:
        out_i[found], out_j[found], out_km[found] = p, q, km
    return found + 1
