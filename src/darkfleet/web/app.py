"""``darkfleet serve``: a read-only JSON API over a store, and the map dashboard on top of it.

One process, the store opened read-only (small tables cached with mtime checks, positions
read per request), so a running ``ingest`` or ``detect`` is never blocked. The dashboard
is the offline report's own pages and scripts, fed live from the API.

Security: loopback by default; binding elsewhere needs a token (:func:`check_bind`), and
with a token every ``/api`` call needs ``Authorization: Bearer <token>``. Only GET routes
exist; bad query values are 400s that say what is wrong; static files cannot escape their
folder (Starlette's ``StaticFiles`` checks every resolved path).

>>> app = create_app("darkfleet-store")  # doctest: +SKIP
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import RequestResponseEndpoint

from darkfleet import __version__
from darkfleet.errors import ConfigError, DarkfleetError, StoreError
from darkfleet.report import StoreView
from darkfleet.report._html import PageSpec, page
from darkfleet.report.data import (
    case_data,
    event_items,
    jsonable,
    overview,
    track_geojson,
    vessel_data,
    vessel_items,
)
from darkfleet.report.query import EventFilter, land_geojson, parse_bbox, parse_kinds, parse_time

__all__ = ["MAX_LIMIT", "check_bind", "create_app"]

MAX_LIMIT = 100_000
MAX_MMSI = 2**63 - 1
STATIC_DIR = Path(__file__).resolve().parent.parent / "report" / "static"
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https://tile.openstreetmap.org; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page.")]
Offset = Annotated[int, Query(ge=0, le=2**31, description="Rows to skip.")]
Credentials = Annotated[
    HTTPAuthorizationCredentials | None,
    Depends(HTTPBearer(auto_error=False, description="Needed when serve was given --token.")),
]
Mmsi = Annotated[int, PathParam(ge=0, le=MAX_MMSI, description="The vessel's MMSI.")]


def check_bind(host: str, token: str | None) -> None:
    """Refuse a non-loopback address without a token (one clear line, exit code 1)."""
    if token:
        return
    if host.lower() in _LOOPBACK_NAMES:
        return
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return
    except ValueError:
        pass
    raise DarkfleetError(
        f"--host {host}: refusing to serve beyond this machine without --token "
        "(every API call will then need 'Authorization: Bearer TOKEN')"
    )


def create_app(store_dir: Path | str, token: str | None = None) -> FastAPI:
    """The dashboard and JSON API over the store at ``store_dir``, read-only."""
    view = StoreView(store_dir)
    app = FastAPI(
        title="darkfleet",
        version=__version__,
        description="Read-only API over a darkfleet store: events, vessels, tracks. "
        "Not a legal finding: indicators derived from AIS data for an analyst to verify.",
    )
    app.state.view = view
    app.include_router(_api(view, token))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.get("/", response_class=HTMLResponse, include_in_schema=False)(_dashboard)
    app.add_exception_handler(ConfigError, _bad_request)
    app.add_exception_handler(StoreError, _store_problem)
    app.middleware("http")(_headers)
    return app


def _auth(token: str | None) -> Any:
    def check(credentials: Credentials) -> None:
        if token is None:
            return
        given = credentials.credentials if credentials else ""
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise HTTPException(
                401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"}
            )

    return check


def _api(view: StoreView, token: str | None) -> APIRouter:
    router = APIRouter(prefix="/api", dependencies=[Depends(_auth(token))])
    _event_routes(router, view)
    _vessel_routes(router, view)
    return router


def _event_routes(router: APIRouter, view: StoreView) -> None:
    @router.get("/events", summary="Events, filtered and paged")
    def events(
        kind: Annotated[str | None, Query(description="Kinds, comma-separated.")] = None,
        mmsi: Annotated[int | None, Query(ge=0, le=MAX_MMSI)] = None,
        since: Annotated[str | None, Query(description="ISO 8601; events ending after.")] = None,
        until: Annotated[str | None, Query(description="ISO 8601; events starting before.")] = None,
        bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
        min_confidence: Annotated[float, Query(ge=0, le=1)] = 0.0,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        where = EventFilter(
            kinds=parse_kinds(kind),
            mmsi=mmsi,
            since=parse_time(since, "since"),
            until=parse_time(until, "until"),
            bbox=parse_bbox(bbox),
            min_confidence=min_confidence,
        )
        found = where.apply(view.table("events"))
        items = event_items(found.slice(offset, limit)) if offset < found.height else []
        return jsonable({"items": items, "total": found.height})  # type: ignore[no-any-return]

    @router.get("/events/{event_id}", summary="One event")
    def event(event_id: str) -> dict[str, Any]:
        found = view.table("events").filter(view.table("events")["event_id"] == event_id)
        if found.height == 0:
            raise HTTPException(404, f"no event {event_id!r}")
        return jsonable(event_items(found)[0])  # type: ignore[no-any-return]

    @router.get("/cases/{event_id}", summary="Everything the case file of one event shows")
    def case(event_id: str) -> dict[str, Any]:
        return _found(case_data(view, event_id), f"no event {event_id!r}")

    @router.get("/stats", summary="Counts, data range, extent and provenance")
    def stats() -> dict[str, Any]:
        return jsonable(overview(view))  # type: ignore[no-any-return]

    @router.get("/land", summary="Natural Earth land near the data, GeoJSON")
    def land() -> dict[str, Any]:
        return view.cached("land", ["positions"], lambda: land_geojson(overview(view)["bbox"]))


def _vessel_routes(router: APIRouter, view: StoreView) -> None:
    @router.get("/vessels", summary="Vessels with their latest identity")
    def vessels(limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
        rows = vessel_items(view)
        return jsonable({"items": rows[offset : offset + limit], "total": len(rows)})  # type: ignore[no-any-return]

    @router.get("/vessels/{mmsi}", summary="Track, events, identity history, matches, risk")
    def vessel(mmsi: Mmsi) -> dict[str, Any]:
        return _found(vessel_data(view, mmsi), f"no vessel {mmsi}")

    @router.get("/tracks/{mmsi}", summary="A vessel's track as GeoJSON")
    def track(
        mmsi: Mmsi,
        since: Annotated[str | None, Query(description="ISO 8601")] = None,
        until: Annotated[str | None, Query(description="ISO 8601")] = None,
    ) -> dict[str, Any]:
        window = EventFilter(since=parse_time(since, "since"), until=parse_time(until, "until"))
        if mmsi not in {v["mmsi"] for v in vessel_items(view)}:
            raise HTTPException(404, f"no vessel {mmsi}")
        return jsonable(track_geojson(view, mmsi, window.since, window.until))  # type: ignore[no-any-return]


def _found(value: dict[str, Any] | None, missing: str) -> dict[str, Any]:
    if value is None:
        raise HTTPException(404, missing)
    return jsonable(value)  # type: ignore[no-any-return]


def _dashboard() -> HTMLResponse:
    """The dashboard shell; it carries no data (the API, behind the token, does)."""
    spec = PageSpec(title="darkfleet evidence — dashboard", page="overview", mode="live")
    return HTMLResponse(page(spec))


async def _bad_request(request: Request, exc: Exception) -> Response:
    return JSONResponse({"detail": str(exc)}, status_code=400)


async def _store_problem(request: Request, exc: Exception) -> Response:
    return JSONResponse({"detail": str(exc)}, status_code=503)


async def _headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
    response = await call_next(request)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = _CSP
    if request.url.path.startswith("/api"):
        response.headers["Cache-Control"] = "no-store"
    return response
