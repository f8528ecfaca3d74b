"""Exact nearest-neighbour search on the sphere: a k-d tree over unit vectors (numba).

Points become unit vectors (x, y, z); the nearest point by chord length is the nearest
by great-circle distance, so the answer is exact everywhere, across the antimeridian
and at the poles, and the distance is returned as the haversine great-circle distance.
A query costs about log2(n) node visits plus a few leaves, whatever the distance, so a
mid-ocean point is as cheap as one in a harbour.

>>> tree = SphereTree.build(np.array([0.0, 10.0]), np.array([179.9, 0.0]))
>>> idx, km = tree.query(np.array([0.0]), np.array([-179.9]))
>>> int(idx[0]), round(float(km[0]), 3)
(0, 22.239)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

from darkfleet.geo import EARTH_RADIUS_KM

__all__ = ["SphereTree", "unit_vectors"]

F = TypeVar("F", bound=Callable[..., Any])
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
LEAF_SIZE = 16
CHUNK = 4096
STACK = 160  # > 2 x tree depth + 2 for any n < 2**64


def njit(parallel: bool = False) -> Callable[[F], F]:
    """numba's ``njit`` (cached) with its type kept visible to mypy."""

    def wrap(fn: F) -> F:
        return cast(F, numba.njit(cache=True, nogil=True, parallel=parallel)(fn))

    return wrap


def unit_vectors(lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
    """(n, 3) unit vectors for latitudes and longitudes in degrees."""
    p = np.radians(np.asarray(lat, dtype=np.float64))
    q = np.radians(np.asarray(lon, dtype=np.float64))
    return np.ascontiguousarray(
        np.column_stack([np.cos(p) * np.cos(q), np.cos(p) * np.sin(q), np.sin(p)])
    )


@njit()
def _depth(n: int, leaf: int) -> int:
    depth = 0
    while -(-n // (1 << depth)) > leaf:
        depth += 1
    return depth


@njit()
def _build(xyz: Any, leaf: int) -> Any:
    """Permutation of the points and, per node (heap order), split axis (-1: leaf) and value."""
    n = xyz.shape[0]
    order = np.arange(n)
    nodes = (1 << (_depth(n, leaf) + 1)) - 1
    axis = np.full(nodes, -1, dtype=np.int64)
    split = np.zeros(nodes)
    stack = [(0, 0, n)]
    while stack:
        node, lo, hi = stack.pop()
        if hi - lo <= leaf:
            continue
        idx = order[lo:hi]
        spread = np.array([np.ptp(xyz[idx, d]) for d in range(3)])
        ax = int(np.argmax(spread))
        order[lo:hi] = idx[np.argsort(xyz[idx, ax], kind="mergesort")]
        mid = (lo + hi) // 2
        axis[node], split[node] = ax, xyz[order[mid], ax]
        stack.append((2 * node + 1, lo, mid))
        stack.append((2 * node + 2, mid, hi))
    return order, axis, split


@njit()
def _nearest(xyz: Any, axis: Any, split: Any, q: Any, stack: Any, off: Any) -> tuple[int, float]:
    """Position (in tree order) and squared chord of the point nearest ``q``.

    ``stack`` (k, 3) holds node, lo, hi and ``off`` (k, 3) the per-axis distance from ``q``
    to that node's box (its squared norm bounds anything under the node); both are
    scratch space reused between queries.
    """
    stack[0, 0], stack[0, 1], stack[0, 2] = 0, 0, xyz.shape[0]
    off[0, 0], off[0, 1], off[0, 2] = 0.0, 0.0, 0.0
    top, best, best_i = 1, np.inf, -1
    while top > 0:
        top -= 1
        node, lo, hi = stack[top, 0], stack[top, 1], stack[top, 2]
        if off[top, 0] ** 2 + off[top, 1] ** 2 + off[top, 2] ** 2 >= best:
            continue
        if node >= axis.shape[0] or axis[node] < 0:
            for i in range(lo, hi):
                d2 = (xyz[i, 0] - q[0]) ** 2 + (xyz[i, 1] - q[1]) ** 2 + (xyz[i, 2] - q[2]) ** 2
                if d2 < best:
                    best, best_i = d2, i
            continue
        ax, mid = axis[node], (lo + hi) // 2
        diff = q[ax] - split[node]
        left, right = (2 * node + 1, lo, mid), (2 * node + 2, mid, hi)
        far, near = (right, left) if diff < 0 else (left, right)
        stack[top, 0], stack[top, 1], stack[top, 2] = far
        stack[top + 1, 0], stack[top + 1, 1], stack[top + 1, 2] = near
        off[top + 1, 0], off[top + 1, 1], off[top + 1, 2] = off[top, 0], off[top, 1], off[top, 2]
        off[top, ax] = diff
        top += 2
    return best_i, best


@njit(parallel=True)
def _query(xyz: Any, axis: Any, split: Any, queries: Any) -> Any:
    m = queries.shape[0]
    out_i = np.full(m, -1, dtype=np.int64)
    out_d2 = np.full(m, np.nan)
    chunks = (m + CHUNK - 1) // CHUNK
    for c in numba.prange(chunks):
        stack = np.zeros((STACK, 3), dtype=np.int64)
        off = np.zeros((STACK, 3))
        for k in range(c * CHUNK, min(m, (c + 1) * CHUNK)):
            if not np.isnan(queries[k, 0]):
                out_i[k], out_d2[k] = _nearest(xyz, axis, split, queries[k], stack, off)
    return out_i, out_d2


@dataclass(frozen=True, eq=False)
class SphereTree:
    """A static k-d tree over points on the sphere; ``query`` gives index and km."""

    xyz: FloatArray
    """Unit vectors in tree order (leaves are contiguous slices)."""
    order: IntArray
    """Original index of each row of ``xyz``."""
    axis: IntArray
    split: FloatArray

    @classmethod
    def build(cls, lat: npt.ArrayLike, lon: npt.ArrayLike) -> SphereTree:
        """Tree over the points (lat, lon) in degrees; NaN coordinates are not allowed."""
        xyz = unit_vectors(lat, lon)
        if xyz.shape[0] == 0 or np.isnan(xyz).any():
            raise ValueError("SphereTree needs at least one point and no NaN coordinates")
        order, axis, split = _build(xyz, LEAF_SIZE)
        return cls(np.ascontiguousarray(xyz[order]), order, axis, split)

    def query(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[IntArray, FloatArray]:
        """Index of the nearest point (-1 for NaN queries) and its distance in km (NaN)."""
        queries = unit_vectors(np.atleast_1d(lat), np.atleast_1d(lon))
        pos, d2 = _query(self.xyz, self.axis, self.split, queries)
        idx = np.where(pos >= 0, self.order[np.maximum(pos, 0)], -1)
        chord = np.sqrt(np.asarray(d2, dtype=np.float64))
        km = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))
        return np.asarray(idx, dtype=np.int64), km
