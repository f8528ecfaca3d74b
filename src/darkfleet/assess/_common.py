"""What "DPRK-linked" means here, the disclaimer, and small helpers shared by assess/.

* **DPRK-flagged**: an MMSI whose MID is 445 (ITU-R M.585: Democratic People's Republic
  of Korea), i.e. flag ``KP``.
* **DPRK zone**: a zone whose name names North Korea (``PRK``, ``DPRK`` or ``North
  Korea``), as the built-in zones ``PRK territorial sea (12 nm) …`` and ``PRK approach
  (60 nm) …`` do; a user zone counts when its name does.
* **DPRK port**: a port visit whose nearest port or anchorage point has ``iso3`` PRK
  (``details.port_iso3`` when the detector wrote it, else looked up from ``places``).
* **DPRK program**: a sanctions match whose ``programs`` text mentions DPRK or North
  Korea (OFAC ``DPRK``, ``DPRK2``…, UN ``1718``).

>>> is_dprk_zone("PRK approach (60 nm), west coast"), is_dprk_programs("SDGT; DPRK3")
(True, True)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import polars as pl

from darkfleet import schema
from darkfleet.mid import flags

__all__ = [
    "DISCLAIMER",
    "DPRK_FLAG",
    "DPRK_ISO3",
    "DPRK_MID",
    "PortLookup",
    "details_of",
    "disclaimer",
    "dprk_flagged",
    "dprk_port_visits",
    "is_dprk_programs",
    "is_dprk_zone",
    "list_dates",
    "short_id",
]

DPRK_MID = 445
DPRK_FLAG = "KP"
DPRK_ISO3 = "PRK"
_DPRK_ZONE = re.compile(r"\b(D?PRK|North Korea)\b", re.IGNORECASE)
_DPRK_PROGRAM = re.compile(r"DPRK|North Korea|\b1718\b", re.IGNORECASE)

DISCLAIMER = schema.DISCLAIMER


class PortLookup(Protocol):
    """What is needed of :class:`darkfleet.places.Places`: the nearest place per point."""

    def nearest_places(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> pl.DataFrame: ...


def disclaimer(data_range: tuple[str | None, str | None] = (None, None)) -> str:
    """The disclaimer, with the data's date range when known."""
    start, end = data_range
    if start is None and end is None:
        return DISCLAIMER
    return f"{DISCLAIMER} Data from {start or '?'} to {end or '?'}."


def list_dates(matches: pl.DataFrame) -> dict[str, str | None]:
    """Each sanctions list's date as recorded in the matches (``list_name`` → ``list_date``)."""
    rows = matches.select("list_name", "list_date").unique().sort("list_name").rows()
    return {str(name): (None if date is None else str(date)) for name, date in rows}


def is_dprk_zone(name: str | None) -> bool:
    return name is not None and _DPRK_ZONE.search(name) is not None


def is_dprk_programs(programs: str | None) -> bool:
    return programs is not None and _DPRK_PROGRAM.search(programs) is not None


def dprk_flagged(mmsis: Iterable[int]) -> set[int]:
    """The MMSIs among ``mmsis`` whose MID is 445."""
    series = pl.Series("mmsi", list(mmsis), dtype=pl.Int64)
    found = series.filter(flags(series) == DPRK_FLAG)
    return set(found.to_list())


def details_of(text: str | None) -> dict[str, Any]:
    """An event's ``details`` JSON as a dict (empty when missing or not an object)."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def dprk_port_visits(events: pl.DataFrame, places: PortLookup | None) -> set[str]:
    """Event ids of the port visits at a DPRK port."""
    visits = events.filter(pl.col("kind") == "port_visit")
    if visits.height == 0:
        return set()
    iso = [details_of(d).get("port_iso3") for d in visits["details"]]
    if places is not None:
        lat = visits["lat"].fill_null(np.nan).to_numpy()
        lon = visits["lon"].fill_null(np.nan).to_numpy()
        looked_up = places.nearest_places(lat, lon)["port_iso3"].cast(pl.String).to_list()
        iso = [given or found for given, found in zip(iso, looked_up, strict=True)]
    ids = visits["event_id"].to_list()
    return {event_id for event_id, code in zip(ids, iso, strict=True) if code == DPRK_ISO3}


def short_id(event_id: str) -> str:
    """The first 8 characters of an event id, as shown in reasons."""
    return event_id[:8] + "…" if len(event_id) > 8 else event_id
