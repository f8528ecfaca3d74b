"""Write a scenario to disk: MarineCadastre CSV, tag-blocked NMEA, and the truth CSV.

>>> MARINECADASTRE_COLUMNS[:3]
('MMSI', 'BaseDateTime', 'LAT')
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from darkfleet._sim_nmea import encode_positions, static_sentences

__all__ = ["MARINECADASTRE_COLUMNS", "write_all"]

MARINECADASTRE_COLUMNS = (
    "MMSI",
    "BaseDateTime",
    "LAT",
    "LON",
    "SOG",
    "COG",
    "Heading",
    "VesselName",
    "IMO",
    "CallSign",
    "VesselType",
    "Status",
    "Length",
    "Width",
    "Draft",
    "Cargo",
    "TransceiverClass",
)
CHUNK_ROWS = 400_000


def _identity(positions: pl.DataFrame, static: pl.DataFrame) -> pl.DataFrame:
    """Each position with the vessel's latest static report at or before it."""
    ids = static.select(
        "mmsi", "ts", "imo", "name", "callsign", "ship_type", "length_m", "beam_m", "draught_m"
    )
    left = positions.sort("mmsi", "ts").with_columns(pl.col("source").cast(pl.String))
    joined = left.join_asof(
        ids.sort("mmsi", "ts"), on="ts", by="mmsi", strategy="backward", check_sortedness=False
    )
    return joined.sort("ts", "mmsi")


def write_csv(positions: pl.DataFrame, static: pl.DataFrame, path: Path) -> Path:
    """NOAA MarineCadastre daily-file layout (one row per position, identity joined as-of)."""
    frame = _identity(positions, static).select(
        pl.col("mmsi").alias("MMSI"),
        pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%S").alias("BaseDateTime"),
        pl.col("lat").round(7).alias("LAT"),
        pl.col("lon").round(7).alias("LON"),
        pl.col("sog_kn").cast(pl.Float64).round(1).alias("SOG"),
        pl.col("cog_deg").cast(pl.Float64).round(1).fill_null(360.0).alias("COG"),
        pl.col("heading_deg").cast(pl.Float64).fill_null(511.0).alias("Heading"),
        pl.col("name").alias("VesselName"),
        pl.when(pl.col("imo").is_not_null()).then(pl.format("IMO{}", pl.col("imo"))).alias("IMO"),
        pl.col("callsign").alias("CallSign"),
        pl.col("ship_type").alias("VesselType"),
        pl.col("nav_status").cast(pl.Float64).alias("Status"),
        pl.col("length_m").cast(pl.Float64).alias("Length"),
        pl.col("beam_m").cast(pl.Float64).alias("Width"),
        pl.col("draught_m").cast(pl.Float64).round(1).alias("Draft"),
        pl.col("ship_type").cast(pl.Float64).alias("Cargo"),
        pl.when(pl.col("msg_type") == 18)
        .then(pl.lit("B"))
        .otherwise(pl.lit("A"))
        .alias("TransceiverClass"),
    )
    frame.write_csv(path)
    return path


def _static_lines(static: pl.DataFrame, class_a: dict[int, bool]) -> tuple[np.ndarray, list[str]]:
    epochs = static["ts"].dt.epoch("s").to_numpy()
    lines = []
    cols = (
        "mmsi",
        "imo",
        "name",
        "callsign",
        "ship_type",
        "length_m",
        "beam_m",
        "draught_m",
        "destination",
    )
    for k, row in enumerate(static.select(cols).iter_rows()):
        mmsi, imo, name, callsign, ship_type, length, beam, draught, dest = row
        key = (
            mmsi,
            imo,
            name,
            callsign,
            ship_type,
            length,
            beam,
            None if draught is None else round(draught, 1),
            dest,
            class_a.get(mmsi, True),
        )
        lines.append(static_sentences(key, int(epochs[k]), k % 10000))
    return epochs, lines


def _position_block(chunk: pl.DataFrame) -> np.ndarray:
    cols = {
        c: chunk[c].cast(pl.Float64).to_numpy()
        for c in ("lat", "lon", "sog_kn", "cog_deg", "heading_deg", "nav_status")
    }
    epoch = chunk["ts"].dt.epoch("s").to_numpy().astype(np.int64)
    cols["mmsi"], cols["ts"] = chunk["mmsi"].to_numpy(), epoch
    is_a = chunk["msg_type"].to_numpy() != 18
    out = None
    for flag in (True, False):
        sel = is_a == flag
        if sel.any():
            block = encode_positions({k: v[sel] for k, v in cols.items()}, epoch[sel], flag)
            if out is None:
                out = np.empty((len(chunk), block.shape[1]), dtype=np.uint8)
            out[sel] = block
    assert out is not None
    return out


def write_nmea(positions: pl.DataFrame, static: pl.DataFrame, path: Path) -> Path:
    """Time-ordered tag-blocked AIVDM: types 1/18 for positions, 5 and 24 A/B for static."""
    positions, static = positions.sort("ts", "mmsi"), static.sort("ts", "mmsi")
    class_a = dict(positions.group_by("mmsi").agg(pl.col("msg_type").first() != 18).iter_rows())
    st_epoch, st_lines = _static_lines(static, class_a)
    insert_at = np.searchsorted(positions["ts"].dt.epoch("s").to_numpy(), st_epoch, side="right")
    k = 0
    with path.open("wb") as f:
        for start in range(0, max(len(positions), 1), CHUNK_ROWS):
            chunk = positions.slice(start, CHUNK_ROWS)
            block = _position_block(chunk) if len(chunk) else np.empty((0, 1), dtype=np.uint8)
            prev = 0
            while k < len(st_lines) and (
                insert_at[k] < start + len(chunk) or start + CHUNK_ROWS >= len(positions)
            ):
                at = int(insert_at[k]) - start
                f.write(block[prev:at].tobytes())
                f.write(st_lines[k].encode())
                prev, k = at, k + 1
            f.write(block[prev:].tobytes())
    return path


def write_truth(truth: pl.DataFrame, path: Path) -> Path:
    """The ground truth with ISO 8601 UTC times."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    truth.with_columns(pl.col("start").dt.strftime(fmt), pl.col("end").dt.strftime(fmt)).write_csv(
        path
    )
    return path


def write_all(
    positions: pl.DataFrame, static: pl.DataFrame, truth: pl.DataFrame, out: Path
) -> dict[str, Path]:
    """Write positions.csv, positions.nmea and truth.csv into ``out`` (created if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    return {
        "csv": write_csv(positions, static, out / "positions.csv"),
        "nmea": write_nmea(positions, static, out / "positions.nmea"),
        "truth": write_truth(truth, out / "truth.csv"),
    }
