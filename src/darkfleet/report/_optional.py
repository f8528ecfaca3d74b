"""Screening, risk and volume for the evidence pages.

Sanctions matches come from the store's ``matches`` table (written by ``darkfleet
screen``); when the store was never screened the pages say "not screened yet", so
``None`` here means "unknown", never "clean". Risk scores and transfer volumes are
computed as ``darkfleet vessels`` and ``darkfleet cap`` compute them.

>>> DISCLAIMER.startswith("Not a legal finding")
True
"""

from __future__ import annotations

import json
from typing import Any

from darkfleet import schema
from darkfleet.assess import exposure, meeting_graph, risk_scores
from darkfleet.assess.volume import transfer_volumes, vessel_dimensions
from darkfleet.places import Places
from darkfleet.report._view import StoreView

__all__ = ["DISCLAIMER", "matches_by_vessel", "risk_by_vessel", "volumes_by_event"]

DISCLAIMER: str = schema.DISCLAIMER


def matches_by_vessel(view: StoreView) -> dict[int, list[dict[str, Any]]] | None:
    """Sanctions matches per MMSI, best first; None when the store was never screened."""
    if not view.has_table("matches"):
        return None

    def build() -> dict[int, list[dict[str, Any]]]:
        rows = view.table("matches").sort("mmsi", "score", descending=[False, True])
        grouped: dict[int, list[dict[str, Any]]] = {}
        for row in rows.iter_rows(named=True):
            grouped.setdefault(row["mmsi"], []).append(row)
        return grouped

    return view.cached("matches_by_vessel", ["matches"], build)


def volumes_by_event(view: StoreView) -> dict[str, dict[str, Any]]:
    """Cargo interval per transfer event id."""

    def build() -> dict[str, dict[str, Any]]:
        dims = vessel_dimensions(view.store.scan("static").collect())
        frame = transfer_volumes(view.table("events"), dims)
        return {row["event_id"]: _jsonable(row) for row in frame.iter_rows(named=True)}

    return view.cached("volumes", ["events", "static"], build)


def risk_by_vessel(view: StoreView) -> dict[int, dict[str, Any]]:
    """Risk score, band and reasons per MMSI, as ``darkfleet vessels`` scores them (from
    events, matches and network exposure)."""

    def build() -> dict[int, dict[str, Any]]:
        events, matches = view.table("events"), view.table("matches")
        exposed = exposure(meeting_graph(events, None, matches), matches)
        frame = risk_scores(events, matches, exposed, None, None, Places.bundled())
        return {row["mmsi"]: _risk_row(row) for row in frame.iter_rows(named=True)}

    return view.cached("risk", ["events", "matches"], build)


def _risk_row(row: dict[str, Any]) -> dict[str, Any]:
    return {"score": row["risk_score"], "band": row["risk_band"], "reasons": row["reasons"]}


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(row, default=str))  # type: ignore[no-any-return]
