"""Ground truth from the plan and the reports actually received.

Port visits come from the itineraries; gap, draught and identity rows are pinned to the
reports a detector can see: a gap runs from the last position before the silence to the
first after it, a draught or identity change from the last static report with the old
value to the first with the new one.

>>> TRUTH_COLUMNS
('kind', 'mmsi', 'other_mmsi', 'start', 'end', 'lat', 'lon', 'note')
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from darkfleet._sim_inject import TruthRow
from darkfleet._sim_plan import HOUR, Itinerary

__all__ = ["TRUTH_COLUMNS", "port_visits", "refine"]

TRUTH_COLUMNS = ("kind", "mmsi", "other_mmsi", "start", "end", "lat", "lon", "note")
Times = dict[int, npt.NDArray[np.int64]]


def port_visits(it: Itinerary, end: float) -> list[TruthRow]:
    """One port_visit row per stay in port, clipped to the scenario (stubs under 1 h dropped)."""
    rows = []
    for v in it.visits:
        t0, t1 = max(v.t0, 0.0), min(v.t1, end)
        if t1 - t0 >= HOUR:
            note = f"{v.port.name}"
            rows.append(
                TruthRow("port_visit", it.vessel.mmsi, None, t0, t1, v.port.lat, v.port.lon, note)
            )
    return rows


def _around(times: npt.NDArray[np.int64], t0: float, t1: float) -> tuple[float, float]:
    """Last time before t0 and first time after t1 (falling back to t0/t1)."""
    i = int(np.searchsorted(times, t0, side="left")) - 1
    j = int(np.searchsorted(times, t1, side="right"))
    before = float(times[i]) if i >= 0 else t0
    after = float(times[j]) if j < len(times) else t1
    return before, after


def _change(times: npt.NDArray[np.int64], t: float) -> tuple[float, float]:
    """Last report before t and first report at or after t."""
    i = int(np.searchsorted(times, t, side="left"))
    before = float(times[i - 1]) if i > 0 else t
    after = float(times[i]) if i < len(times) else t
    return before, after


def refine(row: TruthRow, positions: Times, static: Times, clones: Times) -> TruthRow:
    """Pin a truth row's start/end to the reports actually received."""
    empty = np.empty(0, dtype=np.int64)
    if row.refine == "gap":
        start, stop = _around(positions.get(row.mmsi, empty), row.t0, row.t1)
    elif row.refine == "static":
        start, stop = _change(static.get(row.mmsi, empty), row.t0)
    elif row.refine == "static_all":
        times = static.get(row.mmsi, empty)
        start, stop = (float(times[0]), float(times[-1])) if len(times) else (row.t0, row.t1)
    elif row.refine == "window":
        times = clones.get(row.mmsi, empty)
        start, stop = (float(times[0]), float(times[-1])) if len(times) else (row.t0, row.t1)
    else:
        return row
    return replace(row, t0=start, t1=stop, refine="")
