"""Distance-to-coastline grid from the 1 km GLOBE land mask, for the build script.

The coastline is the set of land pixels of the 1 km mask that touch water (4-neighbours).
Each cell of a coarse grid (default 0.05°) first takes the coast pixel nearest to its
centre among the pixels of its own and its 8 neighbouring cells (exact near the coast),
then the nearest-coast point is propagated across the grid with forward and backward
raster sweeps (vector distance transform, on the sphere: candidates are compared by
great-circle distance), repeated until nothing changes. The grid stores the unsigned
great-circle distance in km (uint16); the sign comes from the land mask at query time.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

F = TypeVar("F")
FINE_PER_DEG = 120  # the GLOBE mask has 30 arc-second pixels
EARTH_RADIUS_KM = 6371.0


def _njit(fn: F) -> F:
    return cast(F, numba.njit(cache=False)(fn))


@_njit
def _coast_pixels(land: Any, block: int, nrow: int, ncol: int) -> Any:
    """Per coarse cell, a flag telling whether any of its fine pixels is coast."""
    has = np.zeros((nrow, ncol), dtype=np.bool_)
    ny, nx = land.shape
    for y in range(ny):
        for x in range(nx):
            if not land[y, x]:
                continue
            up = land[y - 1, x] if y > 0 else True
            down = land[y + 1, x] if y < ny - 1 else True
            left = land[y, (x - 1) % nx]
            right = land[y, (x + 1) % nx]
            if not (up and down and left and right):
                has[y // block, x // block] = True
    return has


@_njit
def _is_coast(land: Any, y: int, x: int) -> bool:
    ny, nx = land.shape
    if not land[y, x]:
        return False
    up = land[y - 1, x] if y > 0 else True
    down = land[y + 1, x] if y < ny - 1 else True
    return not (up and down and land[y, (x - 1) % nx] and land[y, (x + 1) % nx])


@_njit
def _xyz(lat: float, lon: float) -> tuple[float, float, float]:
    p, q = math.radians(lat), math.radians(lon)
    return math.cos(p) * math.cos(q), math.cos(p) * math.sin(q), math.sin(p)


@_njit
def _seed(land: Any, has: Any, block: int, step: float) -> Any:
    """Nearest coast pixel (as unit xyz) for every cell with coast in its 3x3 neighbourhood."""
    nrow, ncol = has.shape
    seeds = np.full((nrow, ncol, 3), np.nan)
    fine = 1.0 / FINE_PER_DEG
    for i in numba.prange(nrow):
        for j in range(ncol):
            cx, cy, cz = _xyz(90.0 - (i + 0.5) * step, -180.0 + (j + 0.5) * step)
            best = -2.0
            for di in range(-1, 2):
                ii = i + di
                if ii < 0 or ii >= nrow:
                    continue
                for dj in range(-1, 2):
                    jj = (j + dj) % ncol
                    if not has[ii, jj]:
                        continue
                    for y in range(ii * block, (ii + 1) * block):
                        for x in range(jj * block, (jj + 1) * block):
                            if not _is_coast(land, y, x):
                                continue
                            px, py, pz = _xyz(90.0 - (y + 0.5) * fine, -180.0 + (x + 0.5) * fine)
                            dot = cx * px + cy * py + cz * pz
                            if dot > best:
                                best = dot
                                seeds[i, j, 0], seeds[i, j, 1], seeds[i, j, 2] = px, py, pz
    return seeds


@_njit
def _try(seeds: Any, best: Any, i: int, j: int, ii: int, jj: int, c: Any) -> bool:
    """Adopt the seed of cell (ii, jj) for cell (i, j) when it is nearer; True if adopted."""
    if np.isnan(seeds[ii, jj, 0]):
        return False
    dot = c[0] * seeds[ii, jj, 0] + c[1] * seeds[ii, jj, 1] + c[2] * seeds[ii, jj, 2]
    if dot <= best[i, j]:
        return False
    best[i, j] = dot
    seeds[i, j, 0], seeds[i, j, 1], seeds[i, j, 2] = (
        seeds[ii, jj, 0],
        seeds[ii, jj, 1],
        seeds[ii, jj, 2],
    )
    return True


@_njit
def _sweep(seeds: Any, best: Any, centres: Any, down: bool) -> int:
    """One raster sweep (top-down or bottom-up), each row swept both ways."""
    nrow, ncol = best.shape
    changed = 0
    di = -1 if down else 1
    for k in range(nrow):
        i = k if down else nrow - 1 - k
        ii = i + di
        for j in range(ncol):
            c = centres[i, j]
            if 0 <= ii < nrow:
                for dj in range(-1, 2):
                    changed += _try(seeds, best, i, j, ii, (j + dj) % ncol, c)
            changed += _try(seeds, best, i, j, i, (j - 1) % ncol, c)
        for j in range(ncol - 1, -1, -1):
            changed += _try(seeds, best, i, j, i, (j + 1) % ncol, centres[i, j])
    return changed


def _centres(nrow: int, ncol: int, step: float) -> npt.NDArray[np.float64]:
    lat = np.radians(90.0 - (np.arange(nrow) + 0.5) * step)[:, None]
    lon = np.radians(-180.0 + (np.arange(ncol) + 0.5) * step)[None, :]
    xyz = np.stack(
        np.broadcast_arrays(np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)),
        axis=-1,
    )
    return np.ascontiguousarray(xyz)


def distance_grid(packed_land: npt.NDArray[np.uint8], step: float) -> npt.NDArray[np.uint16]:
    """Unsigned distance in km from each cell centre to the nearest coast pixel."""
    land = np.unpackbits(packed_land, axis=1).astype(np.bool_)
    block = round(step * FINE_PER_DEG)
    nrow, ncol = land.shape[0] // block, land.shape[1] // block
    has = _coast_pixels(land, block, nrow, ncol)
    seeds = _seed(land, has, block, step)
    del land
    centres = _centres(nrow, ncol, step)
    best = np.where(np.isnan(seeds[..., 0]), -2.0, np.einsum("ijk,ijk->ij", centres, seeds))
    for n in range(20):
        changed = _sweep(seeds, best, centres, True) + _sweep(seeds, best, centres, False)
        print(f"shore sweep {n}: {changed} cells improved")
        if changed == 0:
            break
    km = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip((1.0 - best) / 2.0, 0.0, 1.0)))
    return np.round(km).astype(np.uint16)


def save(path: Path, grid: npt.NDArray[np.uint16], step: float) -> None:
    """Store the grid delta-encoded along longitude (4 MB instead of 16 MB at 0.05°).

    Neighbouring cells differ by at most the cell width (≤ 6 km), so the differences fit
    int8 and compress well. Cell centres sit at 90 - (i+0.5)·step, -180 + (j+0.5)·step.
    """
    delta = np.diff(grid.astype(np.int16), axis=1)
    if np.abs(delta).max() > 127:
        raise ValueError("shore grid step too coarse for int8 deltas")
    np.savez_compressed(
        path, first_km=grid[:, 0], delta_km=delta.astype(np.int8), step_deg=np.float64(step)
    )
