"""Evidence pages: the offline HTML report (case files, vessel pages) and the data behind it.

>>> from darkfleet.report import build_site
>>> build_site("darkfleet-store", "report")  # doctest: +SKIP
"""

from __future__ import annotations

from darkfleet.report._view import StoreView
from darkfleet.report.data import case_data, event_items, overview, vessel_data, vessel_items
from darkfleet.report.query import EventFilter, land_geojson
from darkfleet.report.site import SiteSummary, build_site

__all__ = [
    "EventFilter",
    "SiteSummary",
    "StoreView",
    "build_site",
    "case_data",
    "event_items",
    "land_geojson",
    "overview",
    "vessel_data",
    "vessel_items",
]
