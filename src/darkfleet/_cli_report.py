"""Commands that show the evidence: ``report`` (offline HTML) and ``serve`` (dashboard + API)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from darkfleet._cli_common import StoreOpt, err, out, parse_bbox, parse_time, store_path

__all__ = ["report", "serve"]


def report(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the site (created; index.html inside).")
    ],
    store: StoreOpt = None,
    since: Annotated[
        str | None, typer.Option(help="Only events ending at or after this ISO time.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Only events starting before this ISO time.")
    ] = None,
    bbox: Annotated[str | None, typer.Option(help="minlon,minlat,maxlon,maxlat")] = None,
    kind: Annotated[
        str | None, typer.Option(help="Only events of these kinds (comma-separated).")
    ] = None,
) -> None:
    """Write offline HTML case files: an overview map, one page per event and per vessel."""
    from darkfleet.report import EventFilter, build_site
    from darkfleet.report.query import parse_kinds

    where = EventFilter(
        kinds=parse_kinds(kind),
        since=parse_time(since, "--since"),
        until=parse_time(until, "--until"),
        bbox=parse_bbox(bbox),
    )
    summary = build_site(store_path(store), out_dir, where)
    out.print(
        f"Wrote {summary.pages:,} pages ({summary.events:,} case files, "
        f"{summary.vessels:,} vessel pages): {summary.index}"
    )


def serve(
    store: StoreOpt = None,
    host: Annotated[
        str, typer.Option(help="Address to bind; anything but loopback needs --token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(help="Require 'Authorization: Bearer TOKEN' on every API call."),
    ] = None,
) -> None:
    """Serve the map dashboard and the JSON API over a store, read-only."""
    from darkfleet.web.app import check_bind, create_app

    check_bind(host, token)
    try:
        import uvicorn
    except ImportError:
        from darkfleet.errors import DarkfleetError

        raise DarkfleetError("serve needs the web extra: pip install 'darkfleet[web]'") from None
    app = create_app(store_path(store), token=token)
    err.print(f"darkfleet dashboard on http://{host}:{port}/ (read-only; Ctrl+C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
