"""Screening, risk and volume for the evidence pages, when they exist.

Sanctions matches come from the store's ``matches`` table (written by ``darkfleet
screen``); risk scores and transfer volumes come from :mod:`darkfleet.assess`. Each of
them may be missing (the store was not screened, the assess module is not installed or
fails): the pages then say "not screened yet" / "not assessed" instead of failing, so
``None`` here always means "unknown", never "clean".

>>> DISCLAIMER.startswith("Not a legal finding")
True
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable
from typing import Any

from darkfleet.report._view import StoreView

__all__ = ["DISCLAIMER", "matches_by_vessel", "risk_by_vessel", "volumes_by_event"]

from darkfleet import schema

log = logging.getLogger(__name__)


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


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


def volumes_by_event(view: StoreView) -> dict[str, dict[str, Any]] | None:
    """Cargo interval per transfer event id; None when the volume model is unavailable."""
    volume = _module("darkfleet.assess.volume")
    if volume is None:
        return None

    def build() -> dict[str, dict[str, Any]] | None:
        static = view.store.scan("static").collect()
        dims = volume.vessel_dimensions(static)
        frame = volume.transfer_volumes(view.table("events"), dims)
        return {row["event_id"]: _jsonable(row) for row in frame.iter_rows(named=True)}

    return view.cached("volumes", ["events", "static"], _guarded(build))


def risk_by_vessel(view: StoreView) -> dict[int, dict[str, Any]] | None:
    """Risk score, band and reasons per MMSI (as ``darkfleet vessels`` scores them, from
    events, matches and network exposure); None when :mod:`darkfleet.assess` is missing."""
    assess = _module("darkfleet.assess")
    if assess is None or not hasattr(assess, "risk_scores"):
        return None

    def build() -> dict[int, dict[str, Any]] | None:
        events, matches = view.table("events"), view.table("matches")
        exposed = assess.exposure(assess.meeting_graph(events, None, matches), matches)
        frame = assess.risk_scores(events, matches, exposed, None, None, _places())
        return {row["mmsi"]: _risk_row(row) for row in frame.iter_rows(named=True)}

    return view.cached("risk", ["events", "matches"], _guarded(build))


def _risk_row(row: dict[str, Any]) -> dict[str, Any]:
    return {"score": row["risk_score"], "band": row["risk_band"], "reasons": row["reasons"]}


def _places() -> Any:
    """The bundled ports, so DPRK port visits count as in ``darkfleet vessels``."""
    places = _module("darkfleet.places")
    return places.Places.bundled() if places is not None else None


def _guarded(build: Callable[[], dict[Any, Any] | None]) -> Callable[[], dict[Any, Any] | None]:
    """Optional modules are being written by others: a failure there must not break pages."""

    def run() -> dict[Any, Any] | None:
        try:
            return build()
        except Exception:  # any failure of an optional stage means "unknown"
            log.warning("optional assessment failed; pages will say 'not assessed'", exc_info=True)
            return None

    return run


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(row, default=str))  # type: ignore[no-any-return]
