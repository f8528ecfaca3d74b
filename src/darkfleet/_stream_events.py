"""The event book of ``darkfleet watch``: which events are open, and when they open or close.

Each micro-batch, the detectors' events for some vessels are compared with the book by
``event_id`` (ids are deterministic, so the window finds the id the batch detector gives):

* a new id opens an event (alert ``open``); a known one updates its row;
* an event whose end is older than the watermark minus the detector's horizon closes
  (alert ``closed``): no later fix can change it any more;
* an open event the detectors no longer find, although its vessels' windows cover it,
  is withdrawn (alert ``closed`` with ``details.withdrawn``);
* an event starting too close to the start of a trimmed window may have begun earlier:
  it opens nothing, but extends the end of the open event it continues.

Closed ids are remembered for as long as a window could still find them again.

>>> EventBook(WindowDetectors(DetectParams(), None), timedelta(hours=48)).open
{}
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from darkfleet._stream_alerts import Alert
from darkfleet._stream_detect import WindowDetectors
from darkfleet._stream_state import VesselScope
from darkfleet.detect.pipeline import DetectParams  # noqa: F401  (the doctest)

__all__ = ["EventBook"]

Row = dict[str, Any]


class EventBook:
    """Open events by id, closed ids recently seen, and closed rows not yet stored."""

    def __init__(self, detectors: WindowDetectors, memory: timedelta) -> None:
        self.detectors = detectors
        self.memory = memory
        self.open: dict[str, Row] = {}
        self.pending_gaps: set[str] = set()
        self.closed: dict[str, datetime] = {}
        self.finished: list[Row] = []

    def observe(self, found: pl.DataFrame, scope: VesselScope) -> list[Alert]:
        """Compare the events found in the windows of ``scope``'s vessels with the book."""
        rows = found.to_dicts()
        trusted = [r for r in rows if self._reliable(r, scope)]
        alerts = [a for r in trusted if (a := self._update(r)) is not None]
        for row in rows:
            if not self._reliable(row, scope):
                self._extend(row)
        ids = {r["event_id"] for r in trusted}
        alerts += [self._withdraw(i) for i in list(self.open) if self._lost(i, ids, scope)]
        return alerts

    def silences(self, found: pl.DataFrame) -> list[Alert]:
        """Open the gaps that ``WindowDetectors.silences`` found (their end is unknown)."""
        alerts = []
        for row in found.to_dicts():
            if row["event_id"] in self.open or row["event_id"] in self.closed:
                continue
            row["end"] = None
            self.open[row["event_id"]] = row
            self.pending_gaps.add(row["event_id"])
            alerts.append(Alert("open", row))
        return alerts

    def close_due(self, watermark: datetime) -> list[Alert]:
        """Close every event that later fixes can no longer change; forget old ids."""
        due = [
            i
            for i, row in self.open.items()
            if i not in self.pending_gaps
            and row["end"] <= watermark - self.detectors.horizon(row["kind"])
        ]
        alerts = [self._close(i) for i in due]
        self.closed = {i: end for i, end in self.closed.items() if end >= watermark - self.memory}
        return alerts

    def still_open(self) -> list[Row]:
        return sorted(self.open.values(), key=lambda r: (r["start"], r["event_id"]))

    def _reliable(self, row: Row, scope: VesselScope) -> bool:
        margin = self.detectors.margin(row["kind"])
        return all(scope.reliable_after(m, row["start"], margin) for m in _vessels(row))

    def _update(self, row: Row) -> Alert | None:
        eid = row["event_id"]
        if eid in self.closed:
            return None
        known = eid in self.open
        self.open[eid] = row
        self.pending_gaps.discard(eid)
        return None if known else Alert("open", row)

    def _extend(self, row: Row) -> None:
        """A truncated sighting of an open event: carry its end forward."""
        for known in self.open.values():
            same = _vessels(known) == _vessels(row) and known["kind"] == row["kind"]
            if not same or known["end"] is None or known["start"] > row["start"]:
                continue
            if row["start"] <= known["end"] + self.detectors.horizon(row["kind"]):
                known["end"] = max(known["end"], row["end"])

    def _lost(self, eid: str, found: set[str], scope: VesselScope) -> bool:
        """An open event its vessels' windows should show but do not."""
        row = self.open[eid]
        if eid in found or not all(scope.covers(m) for m in _vessels(row)):
            return False
        if eid in self.pending_gaps:  # a silence ends only when the vessel is heard again
            return bool(scope.last[row["mmsi"]] > row["start"])
        return self._reliable(row, scope)

    def _withdraw(self, eid: str) -> Alert:
        row = self.open.pop(eid)
        self.pending_gaps.discard(eid)
        details = json.loads(row["details"]) if row.get("details") else {}
        gone = {**row, "details": json.dumps({**details, "withdrawn": True})}
        return Alert("closed", gone if gone["end"] is not None else {**gone, "end": gone["start"]})

    def _close(self, eid: str) -> Alert:
        row = self.open.pop(eid)
        self.closed[eid] = row["end"]
        self.finished.append(row)
        return Alert("closed", row)

    def take_finished(self) -> list[Row]:
        """Closed event rows not handed out yet (for the store)."""
        rows, self.finished = self.finished, []
        return rows


def _vessels(row: Row) -> tuple[int, ...]:
    other = row.get("other_mmsi")
    return (row["mmsi"],) if other is None else (row["mmsi"], int(other))
