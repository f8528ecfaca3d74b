"""Alerts of ``darkfleet watch``: their JSON and text forms, the watchlist filter, the webhook.

An alert says that an event opened or closed. Its JSON object has ``event_id``,
``state`` (``open`` or ``closed``), ``kind``, ``mmsi``, ``other_mmsi``, ``start``,
``end`` (null while open), ``lat``, ``lon`` and ``details`` (the detector's details as
an object). An event the detectors stop finding before it closes (later fixes showed it
was not one, e.g. a silent vessel reappeared in port) closes with
``details.withdrawn = true``.

>>> Alert("open", {"event_id": "x", "kind": "gap", "mmsi": 1}).as_dict()["end"] is None
True
"""

from __future__ import annotations

import json
import queue
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import HTTPException
from pathlib import Path
from typing import Any
from urllib.error import URLError

import polars as pl

from darkfleet.errors import ConfigError
from darkfleet.screen._names import name_key_expr
from darkfleet.screen.entries import callsign_expr
from darkfleet.screen.lists import load_list

__all__ = ["Alert", "Watchlist", "Webhook", "iso"]


def iso(moment: datetime | None) -> str | None:
    """``YYYY-MM-DDTHH:MM:SSZ`` (UTC), or None."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Alert:
    """One event opening or closing; ``row`` is the event's schema.EVENTS row."""

    state: str
    row: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        row = self.row
        details = row.get("details")
        return {
            "event_id": row["event_id"],
            "state": self.state,
            "kind": row["kind"],
            "mmsi": row["mmsi"],
            "other_mmsi": row.get("other_mmsi"),
            "start": iso(row.get("start")),
            "end": iso(row.get("end")) if self.state == "closed" else None,
            "lat": row.get("lat"),
            "lon": row.get("lon"),
            "details": json.loads(details) if isinstance(details, str) else (details or {}),
        }

    @property
    def withdrawn(self) -> bool:
        return bool(self.as_dict()["details"].get("withdrawn"))

    def text(self) -> str:
        """One readable line, e.g. ``OPEN   gap        412000001  since 2024-03-02T05:55Z ...``."""
        a = self.as_dict()
        who = str(a["mmsi"]) + (f" + {a['other_mmsi']}" if a["other_mmsi"] else "")
        when = f"{a['start']} -> {a['end']}" if a["end"] else f"since {a['start']}"
        where = f"at {a['lat']:.4f},{a['lon']:.4f}" if a["lat"] is not None else ""
        state = "WITHDRAWN" if self.withdrawn else a["state"].upper()
        return f"{state:<9} {a['kind']:<10} {who:<22} {when}  {where}  [{a['event_id']}]"


class Watchlist:
    """Vessels to alert on: MMSIs named by the list, or learnt from static reports."""

    def __init__(self, entries: pl.DataFrame) -> None:
        self.mmsi = set(entries["mmsi"].drop_nulls().to_list())
        self.imo = set(entries["imo"].drop_nulls().to_list())
        names = entries.select(name_key_expr(pl.col("name")).alias("k"))["k"]
        self.names = set(names.drop_nulls().to_list()) - {""}
        calls = entries.select(callsign_expr(pl.col("callsign")).alias("k"))["k"]
        self.callsigns = set(calls.drop_nulls().to_list()) - {""}

    @classmethod
    def load(cls, path: Path) -> Watchlist:
        """A watchlist (or any list :func:`~darkfleet.screen.lists.load_list` reads)."""
        return cls(load_list(path))

    def learn(self, static: pl.DataFrame) -> None:
        """Add the MMSIs whose static reports give a listed IMO, name or call sign."""
        if static.is_empty():
            return
        hit = (
            pl.col("imo").is_in(list(self.imo))
            | name_key_expr(pl.col("name")).is_in(list(self.names))
            | callsign_expr(pl.col("callsign")).is_in(list(self.callsigns))
        )
        self.mmsi.update(static.filter(hit.fill_null(False))["mmsi"].unique().to_list())

    def wants(self, alert: Alert) -> bool:
        return alert.row["mmsi"] in self.mmsi or alert.row.get("other_mmsi") in self.mmsi


class Webhook:
    """POSTs each alert's JSON to ``url`` from a background thread; never fails the watch.

    A failed POST (connection error, timeout, HTTP status >= 400) is retried ``retries``
    times with doubling back-off, then counted in ``failed``.
    """

    def __init__(
        self, url: str, retries: int = 3, timeout_s: float = 5.0, backoff_s: float = 0.25
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"--webhook {url!r}: must be an http:// or https:// URL")
        self.url, self.retries, self.timeout_s, self.backoff_s = url, retries, timeout_s, backoff_s
        self.sent = self.failed = 0
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=10_000)
        self._thread = threading.Thread(target=self._run, name="darkfleet-webhook", daemon=True)
        self._thread.start()

    def post(self, alert: Alert) -> None:
        try:
            self._queue.put_nowait(json.dumps(alert.as_dict()).encode())
        except queue.Full:
            self.failed += 1

    def close(self, timeout_s: float = 30.0) -> None:
        """Send what is queued (waiting at most ``timeout_s``), then stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while (body := self._queue.get()) is not None:
            if self._send(body):
                self.sent += 1
            else:
                self.failed += 1

    def _send(self, body: bytes) -> bool:
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    response.read()
                return True
            except (URLError, HTTPException, OSError):
                if attempt < self.retries:
                    time.sleep(self.backoff_s * 2**attempt)
        return False
