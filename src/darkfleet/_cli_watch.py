"""The ``watch`` command: follow a live AIS feed, detect incrementally, print alerts."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from darkfleet._cli_common import JsonOpt, StoreOpt, err, store_path
from darkfleet.store import Store

if TYPE_CHECKING:
    from darkfleet.stream import Alert, WatchStats

__all__ = ["watch"]


def watch(
    source: Annotated[
        str,
        typer.Argument(help="tcp://host:port, udp://host:port, or a file (followed as it grows)."),
    ],
    store: StoreOpt = None,
    watchlist: Annotated[
        Path | None,
        typer.Option("--watchlist", help="Only alert on vessels of this list (name,imo,mmsi,...)."),
    ] = None,
    as_json: JsonOpt = False,
    webhook: Annotated[
        str | None, typer.Option("--webhook", help="POST every alert as JSON to this URL.")
    ] = None,
    exit_on_eof: Annotated[
        bool, typer.Option("--exit-on-eof", help="Stop when a file or TCP source ends.")
    ] = False,
) -> None:
    """Detect gaps, loitering and encounters as AIS arrives; print alerts as they open/close."""
    from darkfleet.stream import Watchlist, WatchOptions
    from darkfleet.stream import watch as run

    wanted = Watchlist.load(watchlist) if watchlist else None
    options = WatchOptions(exit_on_eof=exit_on_eof, webhook=webhook, watchlist=wanted)
    signal.signal(signal.SIGTERM, _stop_on_term)
    with Store(store_path(store), writable=True) as st:
        stats = run(source, _printer(as_json), store=st, options=options)
    _summary(stats, as_json)


def _stop_on_term(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _printer(as_json: bool) -> Callable[[Alert], None]:
    def show(alert: Alert) -> None:
        line = json.dumps(alert.as_dict()) if as_json else alert.text()
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    return show


def _summary(stats: WatchStats, as_json: bool) -> None:
    if as_json:
        sys.stderr.write(json.dumps({"summary": stats.as_dict()}) + "\n")
        return
    err.print(stats.text(), markup=False)
