"""Messages per second and memory of ``darkfleet watch`` on a long replay.

Simulates a Yellow Sea scenario (40 vessels, 4 days), replicates its NMEA with times
shifted by 4 days per copy until the feed has ``--lines`` lines, then:

* streams it through the watch engine in-process (the batch decoder on micro-batches
  of ``--batch`` lines, then incremental detection), sampling RSS every ``--every``
  messages to show that memory stays flat;
* runs the whole ``watch()`` on the file (source thread, micro-batching, engine);
* baseline: batch decoding plus batch detection of the same file in one go.

Goal: >= 50,000 messages/s on one core, RSS flat after the first copies.

    python benchmarks/bench_watch.py --lines 1000000
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from darkfleet.detect.pipeline import DetectParams
from darkfleet.ingest._nmea import read_nmea
from darkfleet.places import Places
from darkfleet.stream import SourceParams, WatchEngine, WatchOptions, WatchParams, watch

DAYS = 4
TAG = re.compile(rb"^\\([^*\\]*)c:(\d+)([^*\\]*)\*[0-9A-F]{2}\\")


def replicated(nmea: Path, lines: int, out: Path) -> int:
    """Copies of ``nmea`` shifted by ``DAYS`` each, at least ``lines`` lines; returns count."""
    base = nmea.read_bytes().splitlines()
    written = 0
    with out.open("wb") as fh:
        copy = 0
        while written < lines:
            shift = copy * DAYS * 86_400
            fh.write(b"\n".join(_shifted(line, shift) for line in base) + b"\n")
            written += len(base)
            copy += 1
    return written


def _shifted(line: bytes, seconds: int) -> bytes:
    """``line`` with its tag-block ``c:`` time moved by ``seconds`` (checksum redone)."""
    found = TAG.match(line)
    if not found or seconds == 0:
        return line
    body = found.group(1) + b"c:" + str(int(found.group(2)) + seconds).encode() + found.group(3)
    check = 0
    for byte in body:
        check ^= byte
    return b"\\" + body + b"*" + f"{check:02X}".encode() + b"\\" + line[found.end() :]


def rss_mib() -> float:
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    return float("nan")


def engine_replay(path: Path, batch: int, every: int) -> tuple[float, int, list[tuple[int, float]]]:
    """Seconds, lines and (messages, RSS MiB) samples of the engine over ``path``."""
    engine = WatchEngine(WatchParams(), DetectParams(), Places.bundled())
    samples: list[tuple[int, float]] = []
    read = alerts = 0
    t0 = time.perf_counter()
    with path.open("rb") as stream:
        for decoded in read_nmea(stream, str(path), batch_lines=batch):
            alerts += len(engine.feed(decoded.positions))
            read += decoded.read
            if not samples or read - samples[-1][0] >= every:
                samples.append((read, rss_mib()))
    seconds = time.perf_counter() - t0
    print(f"  engine: {alerts:,} alerts, {engine.buffers.rows.height:,} buffered fixes")
    return seconds, read, samples


def full_watch(path: Path, batch: int) -> tuple[float, int]:
    params = WatchParams(source=SourceParams(max_lines=batch, file_idle_s=0.2))
    t0 = time.perf_counter()
    stats = watch(str(path), lambda _: None, options=WatchOptions(exit_on_eof=True, params=params))
    return time.perf_counter() - t0 - 0.2, stats.read


def batch_baseline(path: Path) -> tuple[float, int]:
    """Decode the whole file, then detect gaps, loitering and encounters in one go."""
    import polars as pl

    from darkfleet._stream_detect import WindowDetectors

    t0 = time.perf_counter()
    with path.open("rb") as stream:
        batches = list(read_nmea(stream, str(path)))
    positions = pl.concat([b.positions for b in batches]).drop("records")
    WindowDetectors(DetectParams(), Places.bundled()).events(positions)
    return time.perf_counter() - t0, sum(b.read for b in batches)


def make_feed(folder: Path, lines: int) -> tuple[Path, Path, int]:
    """The scenario's NMEA and the long replicated feed (simulated in this process)."""
    from darkfleet.simulate import ScenarioParams, simulate, write_scenario

    scenario = simulate(ScenarioParams(seed=3, vessels=40, days=DAYS))
    nmea = write_scenario(scenario, folder / "sim")["nmea"]
    feed = folder / "long.nmea"
    return nmea, feed, replicated(nmea, lines, feed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=SourceParams().max_lines)
    parser.add_argument("--every", type=int, default=100_000)
    parser.add_argument("--make-feed", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_feed:
        make_feed(args.make_feed, args.lines)
        return
    with tempfile.TemporaryDirectory() as tmp:
        # the simulator's land and lane data are large: build the feed in a child process
        cmd = [sys.executable, __file__, "--make-feed", tmp, "--lines", str(args.lines)]
        subprocess.run(cmd, check=True)
        nmea, feed = Path(tmp) / "sim" / "positions.nmea", Path(tmp) / "long.nmea"
        lines = sum(1 for _ in feed.open("rb"))
        print(f"RSS before streaming: {rss_mib():.0f} MiB (imports)")
        size = feed.stat().st_size / 1e6
        print(f"feed: {lines:,} lines ({size:.0f} MB), micro-batch {args.batch:,}")
        _warm(nmea)
        seconds, read, samples = engine_replay(feed, args.batch, args.every)
        print(f"watch engine:   {read / seconds:10,.0f} messages/s ({seconds:.1f} s)")
        seconds, read = full_watch(feed, args.batch)
        print(f"watch() file:   {read / seconds:10,.0f} messages/s ({seconds:.1f} s)")
        seconds, read = batch_baseline(feed)
        print(f"batch baseline: {read / seconds:10,.0f} messages/s ({seconds:.1f} s)")
    print("RSS while streaming (messages -> MiB):")
    for done, mib in samples:
        print(f"  {done:>10,}  {mib:8.1f}")


def _warm(nmea: Path) -> None:
    """Compile the numba kernels and load reference data before timing."""
    engine = WatchEngine(WatchParams(), DetectParams(), Places.bundled())
    with nmea.open("rb") as stream:
        for decoded in read_nmea(stream, str(nmea), batch_lines=20_000):
            engine.feed(decoded.positions)


if __name__ == "__main__":
    main()
