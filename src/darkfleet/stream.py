"""Streaming detection: follow a live AIS feed and alert when events open or close.

``watch(source, on_alert)`` reads ``tcp://host:port``, ``udp://host:port`` or a growing
file in micro-batches, decodes each with the batch NMEA decoder, and runs the batch
segmenter and gap, loitering and encounter detectors incrementally, in event time
(message timestamps, so a replay behaves like a live feed):

* every vessel keeps a bounded buffer of its recent fixes (:mod:`._stream_state`);
* after each micro-batch the detectors run over the buffers of the vessels that
  received fixes and of their spatial neighbours (:mod:`._stream_detect`), and their
  events are compared by id with the open ones (:mod:`._stream_events`): a new id
  opens, an event past its detector's horizon closes. The *watermark* is the latest
  message time minus ``lateness_hours``; a vessel silent for more than the gap
  threshold of watermark time opens a gap, which closes when it is heard again;
* closed events are exactly the batch detectors' events on the same data (same ids),
  as long as an event starts within ``buffer_hours`` of its detection. One deliberate
  difference: anchorages derived from the whole data set are not known to a stream,
  so "in port" uses the bundled ports and anchorages only.

Positions, static reports, rejects and closed events go to the store in periodic
transactions (:mod:`._stream_store`). At the end of a source the events still open
stay open and are listed in the statistics.

>>> WatchParams().buffer.buffer_hours
48.0
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from darkfleet._stream_alerts import Alert, Watchlist, Webhook, iso
from darkfleet._stream_detect import KINDS, WindowDetectors, neighbourhood
from darkfleet._stream_events import EventBook
from darkfleet._stream_sources import MicroBatches, SourceParams, parse_source, start
from darkfleet._stream_state import BufferParams, VesselBuffers
from darkfleet._stream_store import StoreWriter
from darkfleet.detect.pipeline import DetectParams
from darkfleet.errors import ConfigError
from darkfleet.ingest._batch import Batch
from darkfleet.ingest._nmea import read_nmea
from darkfleet.places import Places
from darkfleet.store import Store

__all__ = [
    "KINDS",
    "Alert",
    "BufferParams",
    "SourceParams",
    "WatchEngine",
    "WatchOptions",
    "WatchParams",
    "WatchStats",
    "Watchlist",
    "Webhook",
    "watch",
]

FUTURE = timedelta(hours=1)
"""Fixes stamped further ahead of the wall clock than this are ignored by detection."""


@dataclass(frozen=True)
class WatchParams:
    """Engine settings: buffer bounds, lateness, micro-batching and commit interval."""

    buffer: BufferParams = field(default_factory=BufferParams)
    source: SourceParams = field(default_factory=SourceParams)
    lateness_hours: float = 0.25
    neighbour_deg: float = 1.0
    commit_s: float = 10.0
    webhook_retries: int = 3
    webhook_backoff_s: float = 0.25

    def __post_init__(self) -> None:
        b = self.buffer
        numbers = {
            "lateness_hours": self.lateness_hours,
            "neighbour_deg": self.neighbour_deg,
            "commit_s": self.commit_s,
            "buffer_hours": b.buffer_hours,
            "expire_hours": b.expire_hours,
        }
        bad = {k: v for k, v in numbers.items() if not v >= 0}
        if bad or b.max_fixes < b.tail_fixes or b.tail_fixes < 2 or self.neighbour_deg <= 0:
            raise ConfigError(
                "WatchParams: need non-negative values, tail_fixes >= 2, "
                f"max_fixes >= tail_fixes, neighbour_deg > 0; got {self!r}"
            )


@dataclass
class WatchStats:
    """Counts of one watch: lines, rows, alerts, webhook deliveries, events left open."""

    source: str = ""
    read: int = 0
    positions: int = 0
    static: int = 0
    malformed: int = 0
    ignored: int = 0
    alerts_open: int = 0
    alerts_closed: int = 0
    withdrawn: int = 0
    filtered: int = 0
    webhook_sent: int = 0
    webhook_failed: int = 0
    connections: int = 0
    reconnects: int = 0
    partial_lines_dropped: int = 0
    vessels: int = 0
    buffered_fixes: int = 0
    watermark: str | None = None
    still_open: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def text(self) -> str:
        hook = f"; webhook {self.webhook_sent:,} sent, {self.webhook_failed:,} failed"
        return (
            f"watch {self.source}: {self.read:,} lines, {self.positions:,} positions, "
            f"{self.malformed:,} malformed; alerts {self.alerts_open:,} opened, "
            f"{self.alerts_closed:,} closed ({self.withdrawn:,} withdrawn); "
            f"{len(self.still_open):,} still open; {self.reconnects:,} reconnects"
            + (hook if self.webhook_sent or self.webhook_failed else "")
        )


class WatchEngine:
    """Incremental detection: ``feed`` decoded batches in arrival order, get alerts back."""

    def __init__(
        self,
        params: WatchParams = WatchParams(),
        detect: DetectParams | None = None,
        places: Places | None = None,
    ) -> None:
        self.params = params
        self.detectors = WindowDetectors(detect or DetectParams.load(), places)
        self.buffers = VesselBuffers(params.buffer)
        memory = timedelta(hours=2 * params.buffer.buffer_hours)
        self.book = EventBook(self.detectors, memory)
        self.latest: datetime | None = None
        self.silence_checked: dict[int, datetime] = {}

    @property
    def watermark(self) -> datetime | None:
        if self.latest is None:
            return None
        return self.latest - timedelta(hours=self.params.lateness_hours)

    def feed(self, positions: pl.DataFrame) -> list[Alert]:
        """Add one micro-batch of canonical positions; returns the alerts it causes."""
        positions = positions.filter(pl.col("ts") <= datetime.now(UTC) + FUTURE)
        if positions.is_empty():
            return []
        latest = positions["ts"].max()
        assert isinstance(latest, datetime)
        self.latest = latest if self.latest is None else max(self.latest, latest)
        updated = self.buffers.add(positions)
        alerts = self._detect(updated) if updated.len() else []
        alerts += self._silences()
        watermark = self.watermark
        assert watermark is not None
        alerts += self.book.close_due(watermark)
        self.buffers.trim(watermark)
        return alerts

    def _detect(self, updated: pl.Series) -> list[Alert]:
        nearby = neighbourhood(self.buffers.last_fixes(), updated, self.params.neighbour_deg)
        window = self.buffers.of(nearby)
        return self.book.observe(self.detectors.events(window), self.buffers.scope(nearby))

    def _silences(self) -> list[Alert]:
        """Open gaps for vessels silent longer than the gap threshold of watermark time."""
        watermark = self.watermark
        assert watermark is not None
        threshold = timedelta(hours=self.detectors.params.gap.min_gap_hours)
        last = self.buffers.last_fixes().filter(pl.col("ts") < watermark - threshold)
        fresh = [
            (m, t)
            for m, t in zip(last["mmsi"].to_list(), last["ts"].to_list(), strict=True)
            if self.silence_checked.get(m) != t
        ]
        if not fresh:
            return []
        self.silence_checked.update(fresh)
        self._forget_checks()
        window = self.buffers.of(pl.Series([m for m, _ in fresh], dtype=pl.Int64))
        return self.book.silences(self.detectors.silences(window, watermark))

    def _forget_checks(self) -> None:
        if len(self.silence_checked) > 2 * max(self.buffers.vessels, 1000):
            known = set(self.buffers.rows["mmsi"].unique().to_list())
            self.silence_checked = {m: t for m, t in self.silence_checked.items() if m in known}


@dataclass(frozen=True)
class WatchOptions:
    """How ``watch`` runs: end at EOF, webhook URL, watchlist, engine settings."""

    exit_on_eof: bool = False
    webhook: str | None = None
    watchlist: Watchlist | None = None
    params: WatchParams = field(default_factory=WatchParams)
    detect: DetectParams | None = None
    places: Places | None = None


def watch(
    source: str,
    on_alert: Callable[[Alert], None],
    store: Store | None = None,
    options: WatchOptions = WatchOptions(),
    stop: threading.Event | None = None,
) -> WatchStats:
    """Follow ``source`` until it ends (``exit_on_eof``), ``stop`` is set or Ctrl-C."""
    run = _Run(source, on_alert, store, options, stop or threading.Event())
    return run.loop()


class _Run:
    """One watch: source thread, decoder, engine, store writer, webhook."""

    def __init__(
        self,
        source: str,
        on_alert: Callable[[Alert], None],
        store: Store | None,
        options: WatchOptions,
        stop: threading.Event,
    ) -> None:
        self.spec = parse_source(source)
        self.options, self.stop, self.on_alert = options, stop, on_alert
        p = options.params
        self.webhook = (
            Webhook(options.webhook, p.webhook_retries, backoff_s=p.webhook_backoff_s)
            if options.webhook
            else None
        )
        places = options.places or Places.bundled()
        self.engine = WatchEngine(options.params, options.detect, places)
        self.writer = StoreWriter(store, str(self.spec), options.params.commit_s) if store else None
        self.stats = WatchStats(source=str(self.spec))

    def loop(self) -> WatchStats:
        params = self.options.params.source
        chunks, source_stats = start(self.spec, params, self.options.exit_on_eof, self.stop)
        reader = MicroBatches(chunks, params, on_idle=self._idle)
        try:
            lines = 4 * params.max_lines  # one decoded batch per micro-batch
            for batch in read_nmea(reader, str(self.spec), batch_lines=lines):  # type: ignore[arg-type]
                self._batch(batch)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop.set()
            self._finish()
        for name in ("connections", "reconnects", "partial_lines_dropped"):
            setattr(self.stats, name, getattr(source_stats, name))
        return self.stats

    def _batch(self, batch: Batch) -> None:
        s = self.stats
        s.read += batch.read
        s.positions += batch.positions.height
        s.static += batch.static.height
        s.malformed += batch.rejects.height
        s.ignored += batch.ignored
        if self.options.watchlist:
            self.options.watchlist.learn(batch.static)
        for alert in self.engine.feed(batch.positions):
            self._emit(alert)
        if self.writer:
            self.writer.add(batch)
            self.writer.add_events(self.engine.book.take_finished())
            if self.writer.due():
                self.writer.commit()

    def _emit(self, alert: Alert) -> None:
        s = self.stats
        s.alerts_open += alert.state == "open"
        s.alerts_closed += alert.state == "closed"
        s.withdrawn += alert.withdrawn
        wanted = self.options.watchlist
        if wanted is not None and not wanted.wants(alert):
            s.filtered += 1
            return
        self.on_alert(alert)
        if self.webhook:
            self.webhook.post(alert)

    def _idle(self) -> None:
        if self.writer and self.writer.due():
            self.writer.commit()

    def _finish(self) -> None:
        still = self.engine.book.still_open()
        if self.writer:
            self.writer.add_events(self.engine.book.take_finished())
            self.writer.add_events([r for r in still if r["end"] is not None])
            self.writer.commit()
        if self.webhook:
            self.webhook.close()
            self.stats.webhook_sent, self.stats.webhook_failed = (
                self.webhook.sent,
                self.webhook.failed,
            )
        s, e = self.stats, self.engine
        s.vessels, s.buffered_fixes = e.buffers.vessels, e.buffers.rows.height
        s.watermark = iso(e.watermark)
        s.still_open = [_summary(r) for r in still]


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("event_id", "kind", "mmsi", "other_mmsi")
    return {k: row[k] for k in keys} | {"start": iso(row["start"])}
