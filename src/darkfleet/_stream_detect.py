"""The batch detectors, run over windows of buffered fixes: nothing is re-implemented here.

``events`` segments the window and calls the batch gap, loitering and encounter
detectors on it. ``silences`` finds gaps still in progress by the same gap detector:
each silent vessel gets one phantom fix at the watermark, where it was last seen, so
the detector's own rules (threshold, at-sea test, features) decide whether the silence
is a gap; the event id is the one the finished gap will have (its start is the last
real fix). ``horizon`` is how long after an event's end new fixes can still change it;
``margin`` how much history before its start a window needs to reproduce it exactly.

>>> WindowDetectors(DetectParams(), None).horizon("loitering")
datetime.timedelta(seconds=10800)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from darkfleet import schema
from darkfleet.detect.encounters import encounters
from darkfleet.detect.gaps import gaps
from darkfleet.detect.loitering import loitering
from darkfleet.detect.pipeline import DetectParams
from darkfleet.detect.segment import segment
from darkfleet.places import Places

__all__ = ["KINDS", "WindowDetectors", "neighbourhood"]

KINDS = ("gap", "loitering", "encounter")
SETTLE = timedelta(hours=3)
"""Extra history a window needs before an event so the segmenter and hourly bins agree."""


@dataclass(frozen=True)
class WindowDetectors:
    """Gap, loitering and encounter detection over a window of positions."""

    params: DetectParams
    places: Places | None

    def events(self, positions: pl.DataFrame) -> pl.DataFrame:
        """Every gap, loitering and encounter event in ``positions`` (schema.EVENTS)."""
        segmented = segment(positions, self.params.segment)
        p, places = self.params, self.places
        return _combine(
            [
                gaps(segmented, p.gap, places),
                loitering(segmented, p.loitering, places),
                encounters(segmented, p.encounter, places),
            ]
        )

    def silences(self, positions: pl.DataFrame, now: datetime) -> pl.DataFrame:
        """Gaps from each vessel's last fix to ``now``, as if it reappeared there now."""
        segmented = segment(positions, self.params.segment)
        placed = segmented.filter(pl.col("seg_id").is_not_null())
        if placed.is_empty():
            return schema.empty(schema.EVENTS)
        phantom = (
            placed.sort("ts").group_by("mmsi", maintain_order=True).last().select(placed.columns)
        )
        phantom = phantom.with_columns(pl.lit(now).cast(phantom.schema["ts"]).alias("ts"))
        found = gaps(pl.concat([placed, phantom]), self.params.gap, self.places)
        return found.filter(pl.col("end") == now)

    def horizon(self, kind: str) -> timedelta:
        """How long after an event's end later fixes can still extend or change it."""
        if kind == "loitering":
            return timedelta(hours=self.params.loitering.max_gap_hours + 1.0)
        if kind == "encounter":
            e = self.params.encounter
            hours = e.merge_gap_hours + e.max_gap_hours + e.resample_minutes / 60.0 + 1.0
            return timedelta(hours=hours)
        return timedelta(0)

    def margin(self, kind: str) -> timedelta:
        """History a window needs before an event's start to find the same start."""
        return timedelta(0) if kind == "gap" else self.horizon(kind) + SETTLE


def neighbourhood(last_fixes: pl.DataFrame, updated: pl.Series, cell_deg: float) -> pl.Series:
    """``updated`` plus every vessel last seen in or next to a cell where one of them was."""
    cells = last_fixes.with_columns(
        _y=(pl.col("lat") / cell_deg).floor().cast(pl.Int64),
        _x=(((pl.col("lon") + 180.0) % 360.0) / cell_deg).floor().cast(pl.Int64),
    )
    columns = round(360.0 / cell_deg)
    hot = cells.filter(pl.col("mmsi").is_in(updated.implode())).select("_y", "_x").unique()
    near = pl.concat(
        hot.select(pl.col("_y") + dy, (pl.col("_x") + dx) % columns)
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    ).unique()
    around = cells.join(near, on=["_y", "_x"], how="semi")["mmsi"]
    return pl.concat([updated, around]).unique()


def _combine(frames: list[pl.DataFrame]) -> pl.DataFrame:
    target = schema.polars_schema(schema.EVENTS)
    parts = [f.select(target.names()).cast(target) for f in frames if f.height]
    if not parts:
        return schema.empty(schema.EVENTS)
    return pl.concat(parts).unique("event_id", keep="first", maintain_order=True)
