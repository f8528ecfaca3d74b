"""What the evidence pages show, as plain JSON-ready dicts: one shape for report and API.

* **event item**: the events columns, ``start``/``end`` as ISO 8601 UTC, ``details`` as
  an object.
* **case file** (:func:`case_data`): the event, both vessels' tracks for ±12 h, the
  distance between them every 10 min, speeds, reported draught, identity history,
  sanctions matches, risk, the volume estimate, the parameters and input hashes that
  reproduce it (``store.read_meta("detect")``) and the disclaimer.
* **vessel page** (:func:`vessel_data`): track, events, identity history, matches, risk.

The static report writes these dicts into ``data/*.js`` files; ``darkfleet serve``
returns the very same dicts from its JSON API, so one script draws both.

>>> css_colour("ff00a5ff")
'#ffa500'
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from darkfleet import __version__, schema
from darkfleet.export import KIND_COLOURS
from darkfleet.mid import ship_type_text
from darkfleet.report._identity import ISO, identity_history, vessel_summaries
from darkfleet.report._optional import (
    DISCLAIMER,
    matches_by_vessel,
    risk_by_vessel,
    volumes_by_event,
)
from darkfleet.report._series import distance_series, draught_series, track_series
from darkfleet.report._view import StoreView

__all__ = [
    "CASE_HOURS",
    "case_data",
    "css_colour",
    "event_item",
    "event_items",
    "jsonable",
    "overview",
    "track_geojson",
    "vessel_data",
    "vessel_items",
]

CASE_HOURS = 12.0
_DRAUGHT_LOOKBACK = timedelta(days=3)


def css_colour(kml: str) -> str:
    """A KML ``aabbggrr`` colour as CSS ``#rrggbb``."""
    return f"#{kml[6:8]}{kml[4:6]}{kml[2:4]}"


def jsonable(value: Any) -> Any:
    """``value`` with NaN and infinities as None (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def event_item(row: dict[str, Any]) -> dict[str, Any]:
    """One events row as JSON: ISO times, details as an object."""
    item = dict(row)
    item["start"] = row["start"].strftime(ISO)
    item["end"] = row["end"].strftime(ISO)
    item["details"] = json.loads(row["details"]) if row["details"] else {}
    return item


def event_items(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [event_item(row) for row in frame.select(schema.EVENTS.names).iter_rows(named=True)]


def overview(view: StoreView) -> dict[str, Any]:
    """Counts, data range, extent and provenance of the whole store."""
    return view.cached("overview", ["positions", "events", "matches"], lambda: _overview(view))


def _overview(view: StoreView) -> dict[str, Any]:
    info = view.store.info()
    events = view.table("events")
    by_kind = dict(events.group_by("kind").len().sort("kind").iter_rows())
    return {
        "product": "darkfleet",
        "software": f"darkfleet {__version__}",
        "positions": info.positions,
        "vessels": info.vessels,
        "events": events.height,
        "by_kind": by_kind,
        "start": info.start,
        "end": info.end,
        "bbox": info.bbox,
        "kinds": list(schema.EVENT_KINDS),
        "kind_colours": {k: css_colour(c) for k, c in KIND_COLOURS.items()},
        "screened": view.has_table("matches"),
        "detect": view.meta("detect"),
        "disclaimer": DISCLAIMER,
    }


def vessel_items(view: StoreView) -> list[dict[str, Any]]:
    """Every vessel seen in static reports or events, with its latest identity."""

    def build() -> list[dict[str, Any]]:
        table = vessel_summaries(view.store.scan("static"), view.table("events"))
        return _with_screening(view, table.to_dicts())

    return view.cached("vessels", ["static", "events", "matches"], build)


def _with_screening(view: StoreView, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    matches, risk = matches_by_vessel(view), risk_by_vessel(view)
    for row in rows:
        row["matches"] = None if matches is None else len(matches.get(row["mmsi"], []))
        row["risk_score"] = None if risk is None else risk.get(row["mmsi"], {}).get("score")
        row["ship_type_text"] = ship_type_text(row["ship_type"])
    return rows


def case_data(view: StoreView, event_id: str) -> dict[str, Any] | None:
    """Everything the case file of one event shows; None for an unknown id."""
    found = view.table("events").filter(pl.col("event_id") == event_id)
    if found.height == 0:
        return None
    row = found.row(0, named=True)
    pad = timedelta(hours=CASE_HOURS)
    since, until = row["start"] - pad, row["end"] + pad
    mmsis = [m for m in (row["mmsi"], row["other_mmsi"]) if m is not None]
    positions = view.rows("positions", mmsis, since, until)
    static = view.rows("static", mmsis, since - _DRAUGHT_LOOKBACK, until)
    volumes = volumes_by_event(view)
    return {
        "event": event_item(row),
        "window": {"since": since.strftime(ISO), "until": until.strftime(ISO)},
        **_vessels_block(view, mmsis, positions, static),
        "distance": _distance(positions, mmsis),
        "volume": None if volumes is None else volumes.get(event_id),
        "volume_available": volumes is not None,
        "provenance": view.meta("detect"),
        "disclaimer": DISCLAIMER,
    }


def _vessels_block(
    view: StoreView, mmsis: list[int], positions: pl.DataFrame, static: pl.DataFrame
) -> dict[str, Any]:
    """Per vessel: summary, track, draught, identity history, matches and risk."""
    known = {v["mmsi"]: v for v in vessel_items(view)}
    matches, risk = matches_by_vessel(view), risk_by_vessel(view)
    vessels = []
    for mmsi in mmsis:
        own_static = static.filter(pl.col("mmsi") == mmsi)
        vessels.append(
            {
                "mmsi": mmsi,
                "summary": known.get(mmsi, {"mmsi": mmsi}),
                "track": track_series(positions.filter(pl.col("mmsi") == mmsi)),
                "draught": draught_series(own_static),
                "identity": identity_history(own_static),
                "matches": None if matches is None else matches.get(mmsi, []),
                "risk": None if risk is None else risk.get(mmsi),
            }
        )
    return {"vessels": vessels, "screened": matches is not None, "assessed": risk is not None}


def _distance(positions: pl.DataFrame, mmsis: list[int]) -> dict[str, list[Any]] | None:
    if len(mmsis) < 2:
        return None
    a, b = (positions.filter(pl.col("mmsi") == m) for m in mmsis)
    return distance_series(a, b)


def vessel_data(view: StoreView, mmsi: int) -> dict[str, Any] | None:
    """Everything a vessel page shows; None for a vessel the store does not know."""
    known = {v["mmsi"]: v for v in vessel_items(view)}
    if mmsi not in known:
        return None
    events = view.table("events")
    own = events.filter((pl.col("mmsi") == mmsi) | (pl.col("other_mmsi") == mmsi))
    positions, static = view.rows("positions", [mmsi]), view.rows("static", [mmsi])
    matches, risk = matches_by_vessel(view), risk_by_vessel(view)
    return {
        "vessel": known[mmsi],
        "track": track_series(positions),
        "draught": draught_series(static),
        "identity": identity_history(static),
        "events": event_items(own.sort("start", "event_id")),
        "matches": None if matches is None else matches.get(mmsi, []),
        "risk": None if risk is None else risk.get(mmsi),
        "screened": matches is not None,
        "assessed": risk is not None,
        "disclaimer": DISCLAIMER,
    }


def track_geojson(
    view: StoreView, mmsi: int, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    """One vessel's track as a GeoJSON FeatureCollection (one LineString, times alongside)."""
    series = track_series(view.rows("positions", [mmsi], since, until))
    coords = [[lon, lat] for lon, lat in zip(series["lon"], series["lat"], strict=True)]
    times = [datetime.fromtimestamp(t, tz=UTC).strftime(ISO) for t in series["t"]]
    features = []
    if coords:
        geometry = {"type": "LineString", "coordinates": coords}
        props = {"mmsi": mmsi, "times": times, "sog_kn": series["sog"]}
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return {"type": "FeatureCollection", "features": features}
