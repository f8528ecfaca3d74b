"""Land and shore distance: the 1 km GLOBE land mask and a precomputed coast-distance grid.

Both files are built by ``scripts/build_reference_data.py`` from the ``global-land-mask``
package (GLOBE, NOAA, 30 arc-second pixels). The mask is kept bit-packed (117 MB in memory
instead of the 933 MB boolean array ``global_land_mask`` loads on import). The shore grid
holds, every 0.05°, the great-circle distance in km from the cell centre to the nearest
coast pixel; queries interpolate it bilinearly (longitude wraps) and take the sign from
the mask, so the result is positive at sea and zero or negative on land.

>>> grid = ShoreGrid.load(DATA_DIR)
>>> bool(grid.on_land(np.array([48.85]), np.array([2.35]))[0])  # Paris
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from darkfleet.geo import wrap_lon

__all__ = ["DATA_DIR", "MASK_PIXELS_PER_DEG", "ShoreGrid"]

DATA_DIR = Path(__file__).resolve().parent / "data"
MASK_PIXELS_PER_DEG = 120
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class ShoreGrid:
    """The packed land mask and the coast-distance grid, queried with numpy arrays."""

    land_bits: npt.NDArray[np.uint8]
    distance_km: npt.NDArray[np.int16]
    step_deg: float

    @staticmethod
    def load(data_dir: Path = DATA_DIR) -> ShoreGrid:
        """Read ``land_mask_1km.npz`` and ``shore_distance.npz`` (cached per folder)."""
        return _load(data_dir.resolve())

    def on_land(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> BoolArray:
        """True where the GLOBE 1 km mask says land (lakes count as land); False for NaN."""
        lat_a, lon_a, ok = _clean(lat, lon)
        rows, cols = self.land_bits.shape[0], self.land_bits.shape[1] * 8
        i = np.clip(((90.0 - lat_a) * MASK_PIXELS_PER_DEG).astype(np.int64), 0, rows - 1)
        j = np.clip(((lon_a + 180.0) * MASK_PIXELS_PER_DEG).astype(np.int64), 0, cols - 1)
        bits = (self.land_bits[i, j >> 3] >> (7 - (j & 7))) & 1
        return np.asarray((bits == 1) & ok)

    def unsigned_km(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
        """Bilinearly interpolated distance to the coastline in km (NaN for NaN input)."""
        lat_a, lon_a, ok = _clean(lat, lon)
        nrow, ncol = self.distance_km.shape
        fi = np.clip((90.0 - lat_a) / self.step_deg - 0.5, 0.0, nrow - 1.0)
        fj = (lon_a + 180.0) / self.step_deg - 0.5
        i0 = np.minimum(np.floor(fi).astype(np.int64), nrow - 2)
        j0f = np.floor(fj)
        ti, tj = fi - i0, fj - j0f
        j0 = j0f.astype(np.int64) % ncol
        j1 = (j0 + 1) % ncol
        g = self.distance_km
        top = g[i0, j0] * (1.0 - tj) + g[i0, j1] * tj
        bottom = g[i0 + 1, j0] * (1.0 - tj) + g[i0 + 1, j1] * tj
        return np.where(ok, top * (1.0 - ti) + bottom * ti, np.nan)

    def signed_km(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
        """Distance to shore: positive at sea, zero or negative on land."""
        dist = self.unsigned_km(lat, lon)
        return np.where(self.on_land(lat, lon), -dist, dist)


def _clean(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Latitudes clipped to ±90, longitudes wrapped, NaNs replaced by 0 and flagged."""
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    ok = np.isfinite(lat_a) & np.isfinite(lon_a)
    lat_c = np.clip(np.where(ok, lat_a, 0.0), -90.0, 90.0)
    lon_c = wrap_lon(np.where(ok, lon_a, 0.0))
    return lat_c, lon_c, ok


@cache
def _load(data_dir: Path) -> ShoreGrid:
    with np.load(data_dir / "land_mask_1km.npz") as mask:
        bits = mask["land"]
    with np.load(data_dir / "shore_distance.npz") as shore:
        first = shore["first_km"].astype(np.int16)
        delta = shore["delta_km"].astype(np.int16)
        step = float(shore["step_deg"])
    grid = np.concatenate([first[:, None], delta], axis=1)
    np.cumsum(grid, axis=1, out=grid)
    return ShoreGrid(bits, grid, step)
