"""Build the offline evidence site: an overview, a case file per event, a page per vessel.

The site opens from disk (``file://``) in any browser with no network. Pages cannot fetch
from ``file://``, so the data travels as script files that register themselves
(``data/index.js``, ``data/land.js``, ``data/events/<id>.js``, ``data/vessels/<mmsi>.js``)
and the pages draw them with the vendored Leaflet and ``static/df-*.js``::

    OUT/index.html                 overview: map, filters, sortable events table
    OUT/events/<event_id>.html     case file
    OUT/vessels/<mmsi>.html        vessel page
    OUT/data/…                     the data, as ``DF.put(key, {...})`` scripts
    OUT/static/…                   scripts, styles, vendored Leaflet (with licences)

>>> build_site("darkfleet-store", "report")  # doctest: +SKIP
SiteSummary(events=211, vessels=48, ...)
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from darkfleet.errors import ConfigError
from darkfleet.report._html import PageSpec, page
from darkfleet.report._view import StoreView
from darkfleet.report.data import (
    case_data,
    event_items,
    jsonable,
    overview,
    vessel_data,
    vessel_items,
)
from darkfleet.report.query import EventFilter, land_geojson

__all__ = ["MARKER", "SiteSummary", "build_site"]

MARKER = ".darkfleet-report"
_OWNED = ("data", "events", "vessels", "static")


@dataclass(frozen=True)
class SiteSummary:
    """What was written: counts and the entry page."""

    events: int
    vessels: int
    pages: int
    index: Path


def build_site(
    store_dir: Path | str, out_dir: Path | str, where: EventFilter | None = None
) -> SiteSummary:
    """Write the report for the events that pass ``where`` (all by default) into ``out_dir``."""
    view, out = StoreView(store_dir), Path(out_dir)
    _prepare(out)
    events = (where or EventFilter()).apply(view.table("events"))
    items = event_items(events)
    mmsis = {i["mmsi"] for i in items} | {i["other_mmsi"] for i in items if i["other_mmsi"]}
    vessels = [v for v in vessel_items(view) if v["mmsi"] in mmsis or v["matches"]]
    meta = overview(view)
    _write_js(out / "data" / "index.js", "index", _index(meta, items, vessels, where))
    _write_js(out / "data" / "land.js", "land", land_geojson(meta["bbox"]))
    for item in items:
        _event_page(view, out, item, meta)
    for vessel in vessels:
        _vessel_page(view, out, vessel, meta)
    _write(out / "index.html", page(_overview_spec(meta, items)))
    return SiteSummary(len(items), len(vessels), 1 + len(items) + len(vessels), out / "index.html")


def _prepare(out: Path) -> None:
    """Refuse to write into a folder that has other things in it; refresh our own folders."""
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise ConfigError(f"{out}: folder is not empty and not a darkfleet report; choose another")
    out.mkdir(parents=True, exist_ok=True)
    for name in _OWNED:
        shutil.rmtree(out / name, ignore_errors=True)
    (out / MARKER).write_text("written by darkfleet report; safe to delete with the folder\n")
    source = resources.files("darkfleet.report").joinpath("static")
    with resources.as_file(source) as folder:
        shutil.copytree(folder, out / "static", ignore=shutil.ignore_patterns("__pycache__"))


def _index(
    meta: dict[str, Any],
    items: list[dict[str, Any]],
    vessels: list[dict[str, Any]],
    where: EventFilter | None,
) -> dict[str, Any]:
    scope = None if where is None or where == EventFilter() else _describe(where)
    return {"meta": meta, "events": items, "vessels": vessels, "scope": scope}


def _describe(where: EventFilter) -> str:
    parts = [f"kinds {', '.join(where.kinds)}" if where.kinds else ""]
    parts.append(f"from {where.since:%Y-%m-%d %H:%M}Z" if where.since else "")
    parts.append(f"until {where.until:%Y-%m-%d %H:%M}Z" if where.until else "")
    parts.append("in box " + ",".join(f"{v:g}" for v in where.bbox) if where.bbox else "")
    return "Report limited to " + "; ".join(p for p in parts if p)


def _event_page(view: StoreView, out: Path, item: dict[str, Any], meta: dict[str, Any]) -> None:
    event_id = item["event_id"]
    _write_js(
        out / "data" / "events" / f"{event_id}.js", f"event:{event_id}", case_data(view, event_id)
    )
    title = f"{item['kind'].replace('_', ' ')} {event_id} — darkfleet case file"
    spec = PageSpec(
        title=title,
        page="event",
        ident=event_id,
        root="../",
        subtitle=_range(meta),
        data_scripts=("data/index.js", "data/land.js", f"data/events/{event_id}.js"),
        noscript=_facts(item),
    )
    _write(out / "events" / f"{event_id}.html", page(spec))


def _vessel_page(view: StoreView, out: Path, vessel: dict[str, Any], meta: dict[str, Any]) -> None:
    mmsi = vessel["mmsi"]
    _write_js(out / "data" / "vessels" / f"{mmsi}.js", f"vessel:{mmsi}", vessel_data(view, mmsi))
    spec = PageSpec(
        title=f"{vessel.get('name') or 'MMSI'} {mmsi} — darkfleet vessel",
        page="vessel",
        ident=str(mmsi),
        root="../",
        subtitle=_range(meta),
        data_scripts=("data/index.js", "data/land.js", f"data/vessels/{mmsi}.js"),
        noscript=f"<p>Vessel MMSI {mmsi} {escape(str(vessel.get('name') or ''))}</p>",
    )
    _write(out / "vessels" / f"{mmsi}.html", page(spec))


def _overview_spec(meta: dict[str, Any], items: list[dict[str, Any]]) -> PageSpec:
    rows = "".join(f"<li>{_facts(i)}</li>" for i in items[:2000])
    return PageSpec(
        title="darkfleet evidence — overview",
        page="overview",
        subtitle=_range(meta),
        data_scripts=("data/index.js", "data/land.js"),
        noscript=f"<p>This report needs JavaScript for its maps.</p><ul>{rows}</ul>",
    )


def _facts(item: dict[str, Any]) -> str:
    other = f" and {item['other_mmsi']}" if item["other_mmsi"] else ""
    return escape(
        f"{item['kind']} {item['event_id']}: MMSI {item['mmsi']}{other}, "
        f"{item['start']} to {item['end']}, confidence {item['confidence']:.2f}"
    )


def _range(meta: dict[str, Any]) -> str:
    return f"AIS data {meta['start'] or '?'} – {meta['end'] or '?'}"


def _write_js(path: Path, key: str, value: Any) -> None:
    text = json.dumps(jsonable(value), separators=(",", ":"), default=str)
    _write(path, f"DF.put({json.dumps(key)},{text});\n")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
