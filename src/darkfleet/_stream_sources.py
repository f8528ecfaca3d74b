"""Where ``darkfleet watch`` reads from: TCP and UDP feeds and growing files.

A source runs in a thread and hands over chunks of whole lines; :class:`MicroBatches`
gathers them into micro-batches (up to ``max_lines`` lines or ``max_ms`` after the first
byte) behind a file-like ``read()``, so that the batch NMEA decoder reads a live feed
exactly as it reads a file. A TCP connection that drops or cannot be made is retried
with doubling back-off; a half line cut by a drop is discarded (and counted). With
``exit_on_eof`` a TCP source ends when the server closes the connection, a file when it
has not grown for ``file_idle_s``; UDP never ends.

>>> parse_source("tcp://127.0.0.1:10110").kind
'tcp'
"""

from __future__ import annotations

import os
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from darkfleet.errors import ConfigError, InputFormatError

__all__ = ["MicroBatches", "SourceParams", "SourceSpec", "SourceStats", "parse_source", "start"]

Emit = Callable[[bytes], None]


@dataclass(frozen=True)
class SourceParams:
    """Retry, polling and micro-batch settings of a source."""

    retry_initial_s: float = 0.2
    retry_max_s: float = 5.0
    poll_s: float = 0.05
    file_idle_s: float = 1.0
    connect_timeout_s: float = 5.0
    max_lines: int = 20_000
    max_ms: float = 500.0
    tick_s: float = 1.0


@dataclass(frozen=True)
class SourceSpec:
    """A parsed SOURCE argument: ``kind`` is tcp, udp or file."""

    kind: str
    host: str = ""
    port: int = 0
    path: Path | None = None

    def __str__(self) -> str:
        return str(self.path) if self.kind == "file" else f"{self.kind}://{self.host}:{self.port}"


@dataclass
class SourceStats:
    """What the source thread saw: connections, drops, discarded half lines."""

    connections: int = 0
    reconnects: int = 0
    partial_lines_dropped: int = 0
    bytes: int = 0
    errors: list[str] = field(default_factory=list)


def parse_source(text: str) -> SourceSpec:
    """``tcp://host:port``, ``udp://host:port`` or a file path (``file://`` optional)."""
    if "://" not in text or text.startswith("file://"):
        path = Path(text.removeprefix("file://"))
        if not path.is_file():
            raise InputFormatError(f"{path}: no such file")
        return SourceSpec("file", path=path)
    parts = urlsplit(text)
    if parts.scheme not in ("tcp", "udp"):
        raise ConfigError(f"source {text!r}: use tcp://host:port, udp://host:port or a file")
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None:
        raise ConfigError(f"source {text!r}: needs a host and a port, e.g. tcp://127.0.0.1:10110")
    return SourceSpec(parts.scheme, parts.hostname, port)


class _End:
    """Sentinel put on the queue when the source thread ends (with its error, if any)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class _Lines:
    """Cuts a byte stream into whole lines, keeping the unfinished tail."""

    def __init__(self) -> None:
        self.rest = b""

    def feed(self, data: bytes) -> bytes:
        data = self.rest + data
        cut = data.rfind(b"\n") + 1
        self.rest = data[cut:]
        return data[:cut]

    def flush(self) -> bytes:
        """The tail as a last line (the source ended cleanly without a final newline)."""
        tail, self.rest = self.rest, b""
        return tail + b"\n" if tail.strip() else b""

    def drop(self) -> int:
        """Forget the tail (the connection dropped mid-line); 1 if a half line was lost."""
        lost, self.rest = int(bool(self.rest.strip())), b""
        return lost


def start(
    spec: SourceSpec, params: SourceParams, exit_on_eof: bool, stop: threading.Event
) -> tuple[queue.Queue[bytes | _End], SourceStats]:
    """Start the reader thread of ``spec``; returns its chunk queue and live statistics."""
    chunks: queue.Queue[bytes | _End] = queue.Queue(maxsize=256)
    stats = SourceStats()

    def emit(data: bytes) -> None:
        stats.bytes += len(data)
        while data and not stop.is_set():
            try:
                chunks.put(data, timeout=0.2)
                return
            except queue.Full:
                continue

    pump = {"tcp": _pump_tcp, "udp": _pump_udp, "file": _pump_file}[spec.kind]

    def run() -> None:
        error: BaseException | None = None
        try:
            pump(spec, params, exit_on_eof, stop, emit, stats)
        except Exception as exc:  # handed to the main thread, which raises it
            error = exc
        chunks.put(_End(error))

    threading.Thread(target=run, name=f"darkfleet-watch-{spec.kind}", daemon=True).start()
    return chunks, stats


def _pump_tcp(
    spec: SourceSpec,
    params: SourceParams,
    exit_on_eof: bool,
    stop: threading.Event,
    emit: Emit,
    stats: SourceStats,
) -> None:
    delay = params.retry_initial_s
    while not stop.is_set():
        lines = _Lines()
        ended = False
        try:
            with socket.create_connection((spec.host, spec.port), params.connect_timeout_s) as sock:
                stats.connections += 1
                delay = params.retry_initial_s
                ended = _receive(sock, lines, emit, stop)
        except OSError as exc:
            stats.errors.append(f"{spec}: {exc}")
            del stats.errors[:-10]
        if ended:
            emit(lines.flush())
            if exit_on_eof:
                return
        else:
            stats.partial_lines_dropped += lines.drop()
        if stop.wait(delay):
            return
        stats.reconnects += 1
        delay = min(delay * 2, params.retry_max_s)


def _receive(sock: socket.socket, lines: _Lines, emit: Emit, stop: threading.Event) -> bool:
    """Read until the peer closes (True) or ``stop`` is set (False); errors propagate."""
    sock.settimeout(0.2)
    while not stop.is_set():
        try:
            data = sock.recv(1 << 16)
        except TimeoutError:
            continue
        if not data:
            return True
        emit(lines.feed(data))
    return False


def _pump_udp(
    spec: SourceSpec,
    params: SourceParams,
    exit_on_eof: bool,
    stop: threading.Event,
    emit: Emit,
    stats: SourceStats,
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((spec.host, spec.port))
        sock.settimeout(0.2)
        stats.connections += 1
        while not stop.is_set():
            try:
                data = sock.recv(1 << 16)
            except TimeoutError:
                continue
            emit(data if data.endswith(b"\n") else data + b"\n")


def _pump_file(
    spec: SourceSpec,
    params: SourceParams,
    exit_on_eof: bool,
    stop: threading.Event,
    emit: Emit,
    stats: SourceStats,
) -> None:
    assert spec.path is not None
    lines = _Lines()
    stream = spec.path.open("rb")
    stats.connections += 1
    idle_since = time.monotonic()
    try:
        while not stop.is_set():
            data = stream.read(1 << 20)
            if data:
                emit(lines.feed(data))
                idle_since = time.monotonic()
                continue
            if _replaced(spec.path, stream):
                stream.close()
                stream = spec.path.open("rb")
                stats.reconnects += 1
            elif exit_on_eof and time.monotonic() - idle_since >= params.file_idle_s:
                emit(lines.flush())
                return
            stop.wait(params.poll_s)
    finally:
        stream.close()


def _replaced(path: Path, stream: BinaryIO) -> bool:
    """True when ``path`` was truncated or now names another file (log rotation)."""
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    return now.st_ino != os.fstat(stream.fileno()).st_ino or now.st_size < stream.tell()


class MicroBatches:
    """A blocking, file-like ``read()`` over a source queue: one micro-batch per call.

    Returns ``b""`` only when the source ended. While no data arrives, ``on_idle`` is
    called every ``tick_s`` so the caller can commit and flush.
    """

    def __init__(
        self,
        chunks: queue.Queue[bytes | _End],
        params: SourceParams,
        on_idle: Callable[[], None] = lambda: None,
    ) -> None:
        self.chunks, self.params, self.on_idle = chunks, params, on_idle
        self.ended = False

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        lines = 0
        deadline: float | None = None
        while not self.ended and lines < self.params.max_lines:
            wait = self.params.tick_s if deadline is None else deadline - time.monotonic()
            chunk = self._next(max(wait, 0.0))
            if chunk is None:
                if parts:
                    break
                self.on_idle()
                continue
            parts.append(chunk)
            lines += chunk.count(b"\n")
            deadline = deadline or time.monotonic() + self.params.max_ms / 1000.0
        return b"".join(parts)

    def _next(self, wait: float) -> bytes | None:
        try:
            item = self.chunks.get(timeout=wait) if wait > 0 else self.chunks.get_nowait()
        except queue.Empty:
            return None
        if isinstance(item, _End):
            self.ended = True
            if item.error is not None:
                raise item.error
            return b""
        return item
