"""Lines per second of darkfleet's NMEA reader against a pyais line-by-line baseline.

Generates realistic traffic (types 1/3 Class A, 18 Class B, two-part type 5) behind
IEC 61162-450 tag blocks with receive times, writes it to a temporary file, then
times ``read_nmea`` on the whole file and pyais on a sample of the same lines.

    python benchmarks/bench_nmea.py --lines 1000000
"""

from __future__ import annotations

import argparse
import io
import random
import tempfile
import time
from pathlib import Path

from pyais.encode import encode_dict
from pyais.stream import IterMessages

from darkfleet.ingest._nmea import read_nmea

START = 1_700_000_000


def message_pool(rng: random.Random, size: int) -> list[list[str]]:
    """Encoded messages (each a list of sentences) in a realistic type mix."""
    pool = []
    for _ in range(size):
        mmsi = rng.randrange(200_000_000, 775_999_999)
        roll = rng.random()
        where = {
            "lat": rng.uniform(-60, 70),
            "lon": rng.uniform(-180, 180),
            "speed": rng.uniform(0, 25),
            "course": rng.uniform(0, 359),
            "heading": 90,
        }
        if roll < 0.7:
            msg = {"type": rng.choice((1, 3)), "mmsi": mmsi, "status": 0, **where}
        elif roll < 0.88:
            msg = {"type": 18, "mmsi": mmsi, **where}
        else:
            msg = {"type": 5, "mmsi": mmsi, "imo": 9134270, "shipname": "EVER DIADEM",
                   "callsign": "3FOF8", "shiptype": 80, "to_bow": 200, "to_stern": 50,
                   "to_port": 20, "to_starboard": 20, "draught": 12.2,
                   "destination": "BUSAN"}  # fmt: skip
        pool.append(encode_dict(msg, talker_id="AI", radio_channel=rng.choice("AB")))
    return pool


def tag(epoch: int, station: str) -> str:
    body = f"s:{station},c:{epoch}"
    check = 0
    for char in body.encode():
        check ^= char
    return f"\\{body}*{check:02X}\\"


def generate(n_lines: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    pool = message_pool(rng, 5000)
    out: list[str] = []
    while len(out) < n_lines:
        sentences = rng.choice(pool)
        epoch = START + len(out) // 50
        out.extend(tag(epoch, f"r{len(out) % 7}") + s for s in sentences)
    return ("\n".join(out[:n_lines]) + "\n").encode()


def time_darkfleet(path: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    with path.open("rb") as stream:
        rows = sum(b.positions.height + b.static.height for b in read_nmea(stream, path.name))
    return time.perf_counter() - t0, rows


def time_pyais(data: bytes) -> float:
    t0 = time.perf_counter()
    for msg in IterMessages(data.splitlines()):
        msg.decode()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--pyais-lines", type=int, default=200_000)
    args = parser.parse_args()
    data = generate(args.lines)
    list(read_nmea(io.BytesIO(data[:10_000]), "warm-up"))  # load the numba cache
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.nmea"
        path.write_bytes(data)
        seconds, rows = time_darkfleet(path)
    sample = b"\n".join(data.splitlines()[: args.pyais_lines])
    pyais_seconds = time_pyais(sample)
    ours = args.lines / seconds
    theirs = min(args.lines, args.pyais_lines) / pyais_seconds
    print(f"lines: {args.lines:,} ({len(data) / 1e6:.0f} MB), rows: {rows:,}")
    print(f"darkfleet read_nmea: {ours:12,.0f} lines/s ({seconds:.2f} s)")
    print(
        f"pyais line by line:  {theirs:12,.0f} lines/s (on {min(args.lines, args.pyais_lines):,})"
    )
    print(f"speed-up: {ours / theirs:.1f}x")


if __name__ == "__main__":
    main()
