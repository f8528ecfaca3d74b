"""Sanctions screening: list loaders, vessel identities from AIS, and matching.

>>> from darkfleet import screen
>>> entries = screen.load_lists(screen.bundled_lists())
>>> matches = screen.screen(identities, history, entries)  # doctest: +SKIP
"""

from __future__ import annotations

from darkfleet.screen.entries import ENTRIES, KINDS, normalise_callsign
from darkfleet.screen.identities import (
    HISTORY,
    IDENTITIES,
    identity_history,
    segment_identities,
    vessel_identities,
)
from darkfleet.screen.lists import (
    BUNDLED_DIR,
    ListInfo,
    bundled_lists,
    detect_format,
    list_infos,
    load_list,
    load_lists,
)
from darkfleet.screen.match import DISCLAIMER, ScreenParams, screen

__all__ = [
    "BUNDLED_DIR",
    "DISCLAIMER",
    "ENTRIES",
    "HISTORY",
    "IDENTITIES",
    "KINDS",
    "ListInfo",
    "ScreenParams",
    "bundled_lists",
    "detect_format",
    "identity_history",
    "list_infos",
    "load_list",
    "load_lists",
    "normalise_callsign",
    "screen",
    "segment_identities",
    "vessel_identities",
]
