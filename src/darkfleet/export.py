"""Export events as CSV, Parquet, GeoJSON or KML with exactly the documented columns.

CSV writes ``start``/``end`` as ``YYYY-MM-DDTHH:MM:SSZ`` and ``details`` as one-line
JSON. GeoJSON and KML carry each event as a point at its representative position with
every column as a property, and, when the store is at hand, each case's tracks as
lines: every vessel of the event from 12 h before to 12 h after it (split where a
track crosses the antimeridian). KML placemarks are styled by kind so they read at a
glance in Google Earth.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

import polars as pl

from darkfleet import schema
from darkfleet.store import Store

__all__ = [
    "EXPORTERS",
    "events_csv",
    "events_frame",
    "events_geojson",
    "events_kml",
    "events_parquet",
]

ISO = "%Y-%m-%dT%H:%M:%SZ"
KIND_COLOURS = {  # KML aabbggrr
    "encounter": "ff0000ff",
    "dark_rendezvous": "ff8000ff",
    "loitering": "ff00a5ff",
    "gap": "ff808080",
    "shared_mmsi": "ffff00ff",
    "identity_change": "ffffff00",
    "draught_change": "ff00ffff",
    "port_visit": "ff00ff00",
    "zone_entry": "ffff8000",
}


def events_frame(store: Store, kind: str | None = None) -> pl.DataFrame:
    """The store's events (optionally of one kind), in the canonical column order."""
    frame = store.read("events")
    if kind:
        frame = frame.filter(pl.col("kind") == kind)
    return frame.select(schema.EVENTS.names)


def events_csv(frame: pl.DataFrame, store: Store | None = None) -> str:
    text = frame.with_columns(pl.col("start").dt.strftime(ISO), pl.col("end").dt.strftime(ISO))
    return text.write_csv()


def events_parquet(frame: pl.DataFrame, store: Store | None = None) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


CASE_MARGIN = timedelta(hours=12)


def case_tracks(frame: pl.DataFrame, store: Store | None) -> list[dict[str, Any]]:
    """Per event and vessel: the track from 12 h before to 12 h after, as lon/lat parts."""
    if store is None or frame.height == 0:
        return []
    first: datetime = frame["start"].min()  # type: ignore[assignment]
    last: datetime = frame["end"].max()  # type: ignore[assignment]
    lo, hi = first - CASE_MARGIN, last + CASE_MARGIN
    vessels = set(frame["mmsi"]) | set(frame["other_mmsi"].drop_nulls())
    positions = (
        store.read("positions", lo, hi)
        .filter(pl.col("mmsi").is_in(list(vessels)) & pl.col("lat").is_not_null())
        .select("mmsi", "ts", "lat", "lon")
        .sort("mmsi", "ts")
    )
    by_vessel = positions.partition_by("mmsi", as_dict=True)
    tracks = []
    for row in frame.iter_rows(named=True):
        for mmsi in (row["mmsi"], row["other_mmsi"]):
            own = by_vessel.get((mmsi,))
            if own is None:
                continue
            window = own.filter(
                pl.col("ts").is_between(row["start"] - CASE_MARGIN, row["end"] + CASE_MARGIN)
            )
            parts = _unwrapped(window["lon"].to_list(), window["lat"].to_list())
            if parts:
                tracks.append(
                    {"event_id": row["event_id"], "kind": row["kind"], "mmsi": mmsi, "parts": parts}
                )
    return tracks


def _unwrapped(lons: list[float], lats: list[float]) -> list[list[tuple[float, float]]]:
    """Line parts, cut where consecutive longitudes jump across the antimeridian."""
    parts: list[list[tuple[float, float]]] = [[]]
    for i, (lon, lat) in enumerate(zip(lons, lats, strict=True)):
        if i and abs(lon - lons[i - 1]) > 180.0:
            parts.append([])
        parts[-1].append((lon, lat))
    return [p for p in parts if len(p) >= 2]


def events_geojson(frame: pl.DataFrame, store: Store | None = None) -> str:
    features = [_feature(row) for row in frame.iter_rows(named=True)]
    for track in case_tracks(frame, store):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "MultiLineString", "coordinates": track["parts"]},
                "properties": {
                    "role": "case_track",
                    "event_id": track["event_id"],
                    "kind": track["kind"],
                    "mmsi": track["mmsi"],
                },
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}) + "\n"


def _feature(row: dict[str, Any]) -> dict[str, Any]:
    props = {k: (v.strftime(ISO) if k in ("start", "end") else v) for k, v in row.items()}
    props["details"] = json.loads(row["details"])
    geometry = None
    if row["lat"] is not None and row["lon"] is not None:
        geometry = {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
    return {"type": "Feature", "id": row["event_id"], "geometry": geometry, "properties": props}


def events_kml(frame: pl.DataFrame, store: Store | None = None) -> str:
    styles = "".join(
        f'<Style id="{k}"><IconStyle><color>{c}</color><scale>1.1</scale></IconStyle>'
        f"<LabelStyle><scale>0.7</scale></LabelStyle></Style>"
        f'<Style id="track-{k}"><LineStyle><color>{c}</color><width>2</width></LineStyle></Style>'
        for k, c in KIND_COLOURS.items()
    )
    marks = "".join(_placemark(r) for r in frame.iter_rows(named=True) if r["lat"] is not None)
    marks += "".join(_track_placemark(t) for t in case_tracks(frame, store))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document><name>darkfleet events</name>{styles}{marks}</Document></kml>\n"
    )


def _placemark(row: dict[str, Any]) -> str:
    other = f" / {row['other_mmsi']}" if row["other_mmsi"] is not None else ""
    name = escape(f"{row['kind']} {row['mmsi']}{other}")
    data = "".join(
        f'<Data name="{k}"><value>{escape(str(v.strftime(ISO) if k in ("start", "end") else v))}'
        "</value></Data>"
        for k, v in row.items()
    )
    begin, end = row["start"].strftime(ISO), row["end"].strftime(ISO)
    span = f"<TimeSpan><begin>{begin}</begin><end>{end}</end></TimeSpan>"
    return (
        f'<Placemark id="{row["event_id"]}"><name>{name}</name><styleUrl>#{row["kind"]}</styleUrl>'
        f"{span}<ExtendedData>{data}</ExtendedData>"
        f"<Point><coordinates>{row['lon']},{row['lat']},0</coordinates></Point></Placemark>"
    )


def _track_placemark(track: dict[str, Any]) -> str:
    lines = "".join(
        "<LineString><tessellate>1</tessellate><coordinates>"
        + " ".join(f"{lon},{lat},0" for lon, lat in part)
        + "</coordinates></LineString>"
        for part in track["parts"]
    )
    name = escape(f"track {track['mmsi']} ({track['kind']} {track['event_id']})")
    return (
        f"<Placemark><name>{name}</name><styleUrl>#track-{track['kind']}</styleUrl>"
        f"<MultiGeometry>{lines}</MultiGeometry></Placemark>"
    )


EXPORTERS: dict[str, Callable[[pl.DataFrame, Store | None], str | bytes]] = {
    "csv": events_csv,
    "parquet": events_parquet,
    "geojson": events_geojson,
    "kml": events_kml,
}
