"""Regenerate darkfleet's bundled reference data in ``src/darkfleet/data``.

Inputs (see ``src/darkfleet/data/SOURCES.md`` for licences):

* ``--gfw DIR``: Global Fishing Watch ``anchorages_pipeline`` port lists, i.e.
  ``WPI_ports.csv`` (World Port Index, US NGA, public domain) and
  ``anchorage_overrides.csv.gz`` (Apache-2.0, Global Fishing Watch); in this project they
  sit in ``../shared/data/gfw-anchorages`` (the default).
* ``--world-atlas DIR``: the unpacked npm package ``world-atlas@2.0.2`` (Natural Earth
  4.1.0 as TopoJSON, public domain / ISC), fetched with
  ``npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz`` (gives ``package/``).
* The Python package ``global-land-mask`` (MIT; GLOBE 1 km land mask, NOAA, public
  domain), imported from the current environment.

Outputs: ``ports.parquet``, ``land_mask_1km.npz``, ``shore_distance.npz``,
``zones_prk.geojson``, ``land_50m.geojson``.

Run: ``.venv/bin/python scripts/build_reference_data.py --world-atlas /tmp/wa/package``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import _build_shore
import _build_zones
import numpy as np
import numpy.typing as npt
import polars as pl

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "src" / "darkfleet" / "data"
SHARED = REPO.parent / "shared" / "data" / "gfw-anchorages"
PORT_COLUMNS = ["lat", "lon", "label", "sublabel", "iso3", "kind"]


def build_ports(gfw: Path) -> pl.DataFrame:
    """WPI ports and GFW anchorage override points as one compact table."""
    wpi = pl.read_csv(gfw / "WPI_ports.csv", infer_schema_length=0)
    over = pl.read_csv(gfw / "anchorage_overrides.csv.gz", infer_schema_length=0)
    frames = [_port_rows(wpi, "port"), _drop_misplaced(_port_rows(over, "anchorage"))]
    table = pl.concat(frames).unique(maintain_order=True)
    return table.sort("kind", "iso3", "label", "lat", "lon")


def _drop_misplaced(points: pl.DataFrame) -> pl.DataFrame:
    """Drop the two kinds of placeholder rows found in anchorage_overrides.csv.

    ``OU`` at 89.999999° N (a pole placeholder) and one ``TAICHUNG CITY`` row with latitude
    copied into longitude (24.42956° N 24.42956° E, in Libya, beside its rows at 120.6° E).
    Labels legitimately repeat far apart (Yangkou, Shearwater), so distance is no test.
    """
    bad = (pl.col("lat").abs() >= 89.99) | (pl.col("lat") == pl.col("lon"))
    print(f"anchorage placeholder rows dropped: {points.filter(bad).height}")
    return points.filter(~bad)


def _port_rows(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    return frame.select(
        pl.col("latitude").str.strip_chars().cast(pl.Float64).round(5).alias("lat"),
        pl.col("longitude").str.strip_chars().cast(pl.Float64).round(5).alias("lon"),
        pl.col("label").str.strip_chars(),
        pl.col("sublabel").str.strip_chars().replace("", None),
        pl.col("iso3").str.strip_chars().replace("", None).cast(pl.Categorical),
        pl.lit(kind).cast(pl.Categorical).alias("kind"),
    ).filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())


def build_land_mask() -> npt.NDArray[np.uint8]:
    """global-land-mask's GLOBE mask (True = land), bit-packed along longitude."""
    from global_land_mask import globe

    land = np.logical_not(globe._mask)
    return np.packbits(land, axis=1)


def build_land_layer(world_atlas: Path) -> dict[str, Any]:
    """Natural Earth 1:50m land as GeoJSON with coordinates rounded to 0.001°."""
    topo = json.loads((world_atlas / "land-50m.json").read_text())
    features = []
    for rings in _build_zones.topo_rings(topo, "land"):
        geom = {"type": "Polygon", "coordinates": [r.tolist() for r in rings]}
        features.append({"type": "Feature", "properties": {}, "geometry": _round_geometry(geom, 3)})
    return {"type": "FeatureCollection", "features": features}


def _round_geometry(geom: Any, digits: int) -> Any:
    if isinstance(geom, dict):
        return {k: _round_geometry(v, digits) for k, v in geom.items()}
    if isinstance(geom, list | tuple):
        if geom and isinstance(geom[0], float | int):
            return [round(float(v), digits) for v in geom]
        return [_round_geometry(v, digits) for v in geom]
    return geom


def write_json(path: Path, obj: Any) -> None:
    """Compact JSON, one feature per line so diffs stay readable."""
    if obj.get("type") == "FeatureCollection":
        lines = [json.dumps(f, separators=(",", ":")) for f in obj["features"]]
        body = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    else:
        body = json.dumps(obj, separators=(",", ":"))
    path.write_text(body)


def main() -> None:
    """Build every bundled file (or those named with ``--only``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gfw", type=Path, default=SHARED)
    parser.add_argument("--world-atlas", type=Path, default=Path("/tmp/wa/package"))
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", nargs="*", default=["ports", "mask", "shore", "zones", "land"])
    parser.add_argument("--shore-step-deg", type=float, default=0.05)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if "ports" in args.only:
        build_ports(args.gfw).write_parquet(args.out / "ports.parquet", compression_level=22)
    if "mask" in args.only or "shore" in args.only:
        packed = build_land_mask()
        if "mask" in args.only:
            np.savez_compressed(args.out / "land_mask_1km.npz", land=packed)
        if "shore" in args.only:
            grid = _build_shore.distance_grid(packed, args.shore_step_deg)
            _build_shore.save(args.out / "shore_distance.npz", grid, args.shore_step_deg)
    if "zones" in args.only:
        write_json(args.out / "zones_prk.geojson", _build_zones.prk_zones(args.world_atlas))
    if "land" in args.only:
        write_json(args.out / "land_50m.geojson", build_land_layer(args.world_atlas))
    for path in sorted(args.out.iterdir()):
        print(f"{path.name:28s} {path.stat().st_size / 1e6:8.3f} MB")


if __name__ == "__main__":
    main()
