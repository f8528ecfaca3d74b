"""``darkfleet watch``: incremental detection on TCP, file and in-process feeds.

One simulated Yellow Sea scenario (seed 3, 40 vessels, 4 days) is replayed with
garbage lines mixed in: over loopback TCP through the real command, through a file
that another thread is still writing, through a connection that drops, and with a
watchlist and a webhook. Alerts must cover the injected gaps and encounters, and the
closed events must be the batch detectors' events (same ids).
"""

from __future__ import annotations

import json
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from darkfleet import schema
from darkfleet.detect.gaps import gaps
from darkfleet.detect.segment import segment
from darkfleet.errors import ConfigError, InputFormatError
from darkfleet.simulate import ScenarioParams, simulate, write_scenario
from darkfleet.store import Store
from darkfleet.stream import (
    Alert,
    BufferParams,
    WatchEngine,
    Watchlist,
    WatchOptions,
    WatchParams,
    Webhook,
    watch,
)

ALERT_KEYS = ["event_id", "state", "kind", "mmsi", "other_mmsi", "start", "end", "lat", "lon",
              "details"]  # fmt: skip
GARBAGE = [
    b"this is not NMEA at all",
    b"!AIVDM,1,1,,A,15?@76@P0t8S2`NCqniFtmbH0000,0*00",  # bad checksum
    b"\\s:junk,c:1709251212*00\\!AIVDM,1,1,,A,1,0*25",
    b"!AIVDM,1,1,,B,@@@@,0*1F",
]
FAST = WatchParams(webhook_backoff_s=0.01)


@dataclass(frozen=True)
class Scenario:
    feed: Path
    lines: list[bytes]
    truth: pl.DataFrame
    static: pl.DataFrame
    garbage: int


@dataclass(frozen=True)
class Replay:
    alerts: list[Alert]
    stats: dict[str, Any]

    def closed(self) -> set[str]:
        return {a.row["event_id"] for a in self.alerts if a.state == "closed" and not a.withdrawn}

    def still_open(self) -> set[str]:
        return {r["event_id"] for r in self.stats["still_open"]}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    out = tmp_path_factory.mktemp("watch")
    sim = simulate(ScenarioParams(seed=3, vessels=40, days=4.0))
    paths = write_scenario(sim, out / "sim")
    lines = paths["nmea"].read_bytes().splitlines()
    mixed, garbage = _with_garbage(lines)
    feed = out / "feed.nmea"
    feed.write_bytes(b"\n".join(mixed) + b"\n")
    return Scenario(feed, mixed, sim.truth, sim.static, garbage)


def _with_garbage(lines: list[bytes]) -> tuple[list[bytes], int]:
    """Garbage before every 500th line that starts a message (never between fragments)."""
    mixed: list[bytes] = []
    added = 0
    for i, line in enumerate(lines):
        if i % 500 == 0 and not line.startswith(b"\\g:2-"):
            mixed.append(GARBAGE[added % len(GARBAGE)])
            added += 1
        mixed.append(line)
    return mixed, added


@pytest.fixture(scope="module")
def replay(scenario: Scenario) -> Replay:
    """The feed file replayed in-process (the reference for the other feeds)."""
    alerts: list[Alert] = []
    stats = watch(str(scenario.feed), alerts.append, options=_options(exit_on_eof=True))
    return Replay(alerts, stats.as_dict())


def _options(**kw: Any) -> WatchOptions:
    """Options with quick retries and a short file-end wait, so tests stay fast."""
    source = replace(FAST.source, file_idle_s=0.3, retry_initial_s=0.05)
    return WatchOptions(params=replace(FAST, source=source), **kw)


# -- servers on loopback -------------------------------------------------------------


@contextmanager
def tcp_server(parts: list[bytes], reset_first: bool = False) -> Iterator[int]:
    """Serve ``parts[i]`` on the i-th connection, then close it (the first abruptly)."""
    queue = list(parts)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            abrupt = reset_first and len(queue) == len(parts)
            self.request.sendall(queue.pop(0))
            if abrupt:  # RST instead of FIN: a dropped connection
                time.sleep(0.3)
                self.request.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.request.close()

    with socketserver.TCPServer(("127.0.0.1", 0), Handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield int(server.server_address[1])
        server.shutdown()


@contextmanager
def http_receiver(status: int = 200) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    bodies: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if status == 200:
                bodies.append(json.loads(body))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", bodies
    finally:
        server.shutdown()
        server.server_close()


def run_watch(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The real command line; registers ``watch`` if cli.py does not (yet)."""
    code = (
        "from darkfleet.cli import app, main\n"
        "from darkfleet._cli_watch import watch\n"
        "names = {c.name or c.callback.__name__ for c in app.registered_commands}\n"
        "'watch' in names or app.command()(watch)\n"
        "main()\n"
    )
    cmd = [sys.executable, "-c", code, "watch", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=240)


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", "from darkfleet.cli import main; main()", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=240)


# -- checks --------------------------------------------------------------------------


def _covered(truth: pl.DataFrame, alerts: list[dict[str, Any]], kind: str) -> list[str]:
    """Truth rows of ``kind`` that no alert matches by vessels and overlapping time."""
    slack = timedelta(hours=1)
    missing = []
    for t in truth.filter(pl.col("kind") == kind).iter_rows(named=True):
        vessels = {t["mmsi"], t["other_mmsi"]} - {None}
        t0, t1 = _time(t["start"]) - slack, _time(t["end"]) + slack
        hit = any(
            a["kind"] == kind
            and {a["mmsi"], a["other_mmsi"]} - {None} == vessels
            and _time(a["start"]) <= t1
            and _time(a["end"] or a["start"]) >= t0
            for a in alerts
        )
        if not hit:
            missing.append(f"{kind} {vessels} {t['start']}")
    return missing


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _batch_ids(feed: Path, store: Path) -> set[str]:
    assert run_cli("ingest", feed, "--store", store, "--json").returncode == 0
    done = run_cli("detect", "--store", store, "--kinds", "gap,encounter,loitering", "--json")
    assert done.returncode == 0, done.stderr
    return set(Store(store).read("events")["event_id"])


# -- tests ---------------------------------------------------------------------------


def test_tcp_replay_through_the_command(scenario: Scenario, tmp_path: Path) -> None:
    """Alerts cover the injected gaps and encounters; closed events are the batch events."""
    data = b"\n".join(scenario.lines) + b"\n"
    with tcp_server([data]) as port:
        done = run_watch(f"tcp://127.0.0.1:{port}", "--json", "--exit-on-eof",
                         "--store", tmp_path / "live")  # fmt: skip
    assert done.returncode == 0, done.stderr
    alerts = [json.loads(line) for line in done.stdout.splitlines()]
    assert all(list(a) == ALERT_KEYS for a in alerts)
    assert all((a["end"] is None) == (a["state"] == "open") for a in alerts)
    for kind in ("gap", "encounter"):
        assert not _covered(scenario.truth, alerts, kind)
    summary = json.loads(done.stderr.strip().splitlines()[-1])["summary"]
    assert summary["malformed"] >= scenario.garbage > 0
    assert summary["read"] == len(scenario.lines)

    closed = {a["event_id"] for a in alerts if a["state"] == "closed"}
    still = {r["event_id"] for r in summary["still_open"]}
    batch = _batch_ids(scenario.feed, tmp_path / "batch")
    assert closed <= batch
    assert batch == closed | {i for i in still if i in batch}
    stored = Store(tmp_path / "live")
    assert set(stored.read("events")["event_id"]) == batch
    assert stored.info().positions == Store(tmp_path / "batch").info().positions


def test_in_process_replay_equals_batch_ids(scenario: Scenario, replay: Replay) -> None:
    assert replay.closed()
    assert replay.stats["malformed"] >= scenario.garbage
    assert replay.stats["read"] == len(scenario.lines)
    opened = {a.row["event_id"] for a in replay.alerts if a.state == "open"}
    assert replay.closed() <= opened


def test_file_followed_while_another_thread_appends(
    scenario: Scenario, replay: Replay, tmp_path: Path
) -> None:
    path = tmp_path / "growing.nmea"
    lines = scenario.lines
    path.write_bytes(b"\n".join(lines[:1000]) + b"\n")

    def append() -> None:
        with path.open("ab") as fh:
            for lo in range(1000, len(lines), 10_000):
                fh.write(b"\n".join(lines[lo : lo + 10_000]) + b"\n")
                fh.flush()
                time.sleep(0.05)

    writer = threading.Thread(target=append)
    writer.start()
    alerts: list[Alert] = []
    stats = watch(str(path), alerts.append, options=_options(exit_on_eof=True))
    writer.join()
    assert stats.read == len(lines)
    assert Replay(alerts, stats.as_dict()).closed() == replay.closed()


def test_a_file_is_followed_until_stopped(scenario: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "quiet.nmea"
    path.write_bytes(b"\n".join(scenario.lines[:2000]) + b"\n")
    stop = threading.Event()
    threading.Timer(1.5, stop.set).start()
    stats = watch(str(path), lambda _: None, options=_options(), stop=stop)
    assert stats.read == 2000


def test_a_dropped_connection_is_retried(scenario: Scenario, replay: Replay) -> None:
    lines = scenario.lines
    cut = next(i for i in range(len(lines) // 2, len(lines)) if lines[i] in GARBAGE)
    first = b"\n".join(lines[:cut]) + b"\n" + lines[cut][:10]  # a half line, then RST
    rest = b"\n".join(lines[cut + 1 :]) + b"\n"
    alerts: list[Alert] = []
    with tcp_server([first, rest], reset_first=True) as port:
        stats = watch(f"tcp://127.0.0.1:{port}", alerts.append, options=_options(exit_on_eof=True))
    assert stats.connections == 2 and stats.reconnects >= 1
    assert stats.partial_lines_dropped == 1
    assert stats.read == len(lines) - 1
    assert Replay(alerts, stats.as_dict()).closed() == replay.closed()


def test_watchlist_limits_alerts(scenario: Scenario, replay: Replay, tmp_path: Path) -> None:
    gap_vessels = scenario.truth.filter(pl.col("kind") == "gap")["mmsi"].to_list()
    pair = scenario.truth.filter(pl.col("kind") == "encounter").row(0, named=True)
    by_imo = scenario.static.filter(pl.col("mmsi") == gap_vessels[0], pl.col("imo").is_not_null())
    by_name = scenario.static.filter(pl.col("mmsi") == gap_vessels[1], pl.col("name").is_not_null())
    listed = tmp_path / "watch.csv"
    listed.write_text(
        "name,imo,mmsi,callsign,flag,note\n"
        f",,{pair['mmsi']},,,encounter giver\n"
        f",{by_imo['imo'][0]},,,,by IMO only\n"
        f"{by_name['name'][0].lower()},,,,,by name only\n"
    )
    wanted = {pair["mmsi"], *gap_vessels[:2]}
    alerts: list[Alert] = []
    options = _options(exit_on_eof=True, watchlist=Watchlist.load(listed))
    stats = watch(str(scenario.feed), alerts.append, options=options)
    assert alerts and stats.filtered > 0
    assert all({a.row["mmsi"], a.row["other_mmsi"]} & wanted for a in alerts)
    expected = [a for a in replay.alerts if {a.row["mmsi"], a.row["other_mmsi"]} & wanted]
    assert [a.as_dict() for a in alerts] == [a.as_dict() for a in expected]


def test_webhook_gets_every_alert_as_json(scenario: Scenario, replay: Replay) -> None:
    with http_receiver() as (url, bodies):
        options = _options(exit_on_eof=True, webhook=url)
        stats = watch(str(scenario.feed), lambda _: None, options=options)
    assert stats.webhook_sent == len(replay.alerts) and stats.webhook_failed == 0
    assert bodies == [a.as_dict() for a in replay.alerts]


def test_a_failing_webhook_is_counted_not_fatal(scenario: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "short.nmea"
    path.write_bytes(b"\n".join(scenario.lines[: len(scenario.lines) // 2]) + b"\n")
    alerts: list[Alert] = []
    with http_receiver(status=500) as (url, _):
        stats = watch(str(path), alerts.append, options=_options(exit_on_eof=True, webhook=url))
    assert alerts and stats.webhook_failed == len(alerts) and stats.webhook_sent == 0


def test_human_readable_lines_and_bad_sources(scenario: Scenario, tmp_path: Path) -> None:
    done = run_watch(scenario.feed, "--exit-on-eof", "--store", tmp_path / "s")
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("OPEN") and "[" in first
    assert "malformed" in done.stderr
    assert run_watch(tmp_path / "missing.nmea", "--store", tmp_path / "s").returncode == 2
    assert run_watch("http://127.0.0.1:1", "--store", tmp_path / "s").returncode == 2


# -- event time, on a tiny hand-built track ------------------------------------------

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def _track(mmsi: int, hours: list[float], lat: float, lon: float) -> pl.DataFrame:
    """Fixes at ``hours`` offsets, steaming east at about 10 kn (no course reported)."""
    rows = {
        "mmsi": [mmsi] * len(hours),
        "ts": [T0 + timedelta(hours=h) for h in hours],
        "lat": [lat] * len(hours),
        "lon": [lon + 0.2 * h for h in hours],
        "msg_type": [1] * len(hours),
    }
    return pl.DataFrame(rows).cast({"msg_type": pl.Int8}).pipe(_canonical)


def _canonical(frame: pl.DataFrame) -> pl.DataFrame:
    empty = schema.empty(schema.POSITIONS)
    return pl.concat([empty, frame], how="diagonal_relaxed").select(empty.columns)


def _steps(start: float, end: float, step: float = 1 / 6) -> list[float]:
    return [start + i * step for i in range(round((end - start) / step) + 1)]


def test_gap_opens_at_the_threshold_in_event_time_and_closes_on_return() -> None:
    silent = _track(1, _steps(0, 6) + _steps(30, 32), 35.0, 124.0)
    talker = _track(2, _steps(0, 40), 36.0, 125.0)
    engine = WatchEngine(WatchParams(lateness_hours=0.0), places=None)
    seen: dict[str, tuple[int, str]] = {}
    for hour in range(41):
        lo, hi = T0 + timedelta(hours=hour - 1), T0 + timedelta(hours=hour)
        batch = pl.concat([silent, talker]).filter(pl.col("ts") > lo, pl.col("ts") <= hi)
        for alert in engine.feed(batch):
            assert alert.row["kind"] == "gap"
            seen[alert.state] = (hour, alert.row["event_id"])
    expected = gaps(segment(pl.concat([silent, talker])))["event_id"].to_list()
    assert seen["open"] == (19, expected[0])  # last fix at 6 h, silent > 12 h at 19 h
    assert seen["closed"] == (30, expected[0])


def test_memory_is_bounded_by_the_buffer() -> None:
    params = WatchParams(buffer=BufferParams(buffer_hours=6, expire_hours=10))
    engine = WatchEngine(params, places=None)
    track = _track(7, _steps(0, 30), 35.0, 124.0)
    other = _track(8, _steps(0, 60), 36.0, 125.0)
    for hour in range(61):
        lo, hi = T0 + timedelta(hours=hour - 1), T0 + timedelta(hours=hour)
        engine.feed(pl.concat([track, other]).filter(pl.col("ts") > lo, pl.col("ts") <= hi))
    rows = engine.buffers.rows
    assert rows.filter(pl.col("mmsi") == 7).height == params.buffer.tail_fixes
    span = rows.filter(pl.col("mmsi") == 8).select(pl.col("ts").max() - pl.col("ts").min()).item()
    assert span <= timedelta(hours=6)


def test_bad_sources_and_options() -> None:
    with pytest.raises(ConfigError):
        watch("ftp://127.0.0.1:21", lambda _: None)
    with pytest.raises(ConfigError):
        watch("tcp://127.0.0.1", lambda _: None)
    with pytest.raises(InputFormatError):
        watch("/nonexistent/feed.nmea", lambda _: None)
    with pytest.raises(ConfigError):
        Webhook("ftp://127.0.0.1/hook")


def test_udp_datagrams_are_read(scenario: Scenario) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    lines = scenario.lines[:2000]
    stop = threading.Event()

    def send() -> None:
        time.sleep(0.5)  # let the watcher bind first
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            for lo in range(0, len(lines), 20):
                sender.sendto(b"\n".join(lines[lo : lo + 20]), ("127.0.0.1", port))
                time.sleep(0.002)
        time.sleep(1.0)
        stop.set()

    threading.Thread(target=send).start()
    stats = watch(f"udp://127.0.0.1:{port}", lambda _: None, options=_options(), stop=stop)
    assert stats.read == len(lines)
