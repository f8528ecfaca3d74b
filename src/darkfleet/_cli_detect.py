"""Commands over detected events: ``detect`` and ``events``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from darkfleet import __version__
from darkfleet._cli_common import (
    JsonOpt,
    StoreOpt,
    err,
    out,
    parse_bbox,
    parse_time,
    print_json,
    stage_progress,
    store_path,
    table,
)
from darkfleet.errors import ConfigError
from darkfleet.store import Store

__all__ = ["detect", "evaluate", "events", "simulate"]

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML file of detector parameters (see README).")
]


def detect(
    store: StoreOpt = None,
    kinds: Annotated[
        str | None, typer.Option("--kinds", help="Comma-separated event kinds (default: all).")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only positions at or after this ISO time.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Only positions before this ISO time.")] = None,
    bbox: Annotated[str | None, typer.Option(help="minlon,minlat,maxlon,maxlat")] = None,
    config: ConfigOpt = None,
    zones: Annotated[
        list[Path] | None, typer.Option("--zones", help="GeoJSON file of extra zones (repeatable).")
    ] = None,
    as_json: JsonOpt = False,
    engine: Annotated[
        str, typer.Option("--engine", help="local (this process) or spark.")
    ] = "local",
    master: Annotated[
        str | None, typer.Option("--master", help="Spark master URL (default: local[2]).")
    ] = None,
    input_path: Annotated[
        str | None,
        typer.Option("--input", help="Spark only: a Parquet dataset of positions (any URI)."),
    ] = None,
) -> None:
    """Detect events in the store's positions and save them (a rerun replaces them)."""
    from darkfleet.detect.pipeline import DetectParams, parse_kinds

    wanted = parse_kinds(kinds)
    params = DetectParams.load(config)
    window = (parse_time(since, "--since"), parse_time(until, "--until"))
    if window[0] and window[1] and window[0] >= window[1]:
        raise ConfigError(f"--since {since} is not before --until {until}")
    run = _engine(engine, master, input_path)
    with Store(store_path(store), writable=True) as st, stage_progress(not as_json) as progress:
        summary = run(st, params, wanted, *window, parse_bbox(bbox), zones or [], progress)
    if as_json:
        print_json(summary)
        return
    rows = [[kind, summary["by_kind"].get(kind, 0)] for kind in wanted]
    rows.append(["total", summary["events"]])
    out.print(
        table(
            f"Events from {summary['positions']:,} positions of {summary['vessels']:,} vessels",
            ["kind", "events"],
            rows,
        )
    )


def events(
    store: StoreOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, parquet, geojson or kml.")] = "csv",
    kind: Annotated[str | None, typer.Option(help="Only events of this kind.")] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Export the events table with exactly its documented columns."""
    from darkfleet.export import EXPORTERS, events_frame

    if fmt not in EXPORTERS:
        raise ConfigError(f"--format {fmt!r}: choose one of {', '.join(EXPORTERS)}")
    st = Store(store_path(store))
    frame = events_frame(st, kind)
    data = EXPORTERS[fmt](frame, st)
    if out_file is None:
        if isinstance(data, bytes):
            raise ConfigError(f"--format {fmt} is binary: give --out FILE")
        sys.stdout.write(data)
        return
    out_file.write_bytes(data if isinstance(data, bytes) else data.encode())
    err.print(f"Wrote {frame.height:,} events to {out_file}")


def simulate(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for positions.csv, positions.nmea, truth.csv.")
    ],
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives the same scenario.")
    ] = 1,
    vessels: Annotated[int, typer.Option(help="Number of vessels.")] = 60,
    days: Annotated[float, typer.Option(help="Length of the scenario in days.")] = 4.0,
    region: Annotated[
        str, typer.Option(help="yellow-sea, gulf-of-tonkin, east-china-sea or north-sea.")
    ] = "yellow-sea",
) -> None:
    """Simulate traffic with injected sanctions-evasion behaviour and its ground truth."""
    from darkfleet.simulate import ScenarioParams, write_scenario
    from darkfleet.simulate import simulate as run

    scenario = run(ScenarioParams(seed=seed, vessels=vessels, days=days, region=region))
    paths = write_scenario(scenario, out_dir)
    counts = scenario.truth.group_by("kind").len().sort("kind")
    rows = [[k, n] for k, n in counts.iter_rows()]
    out.print(
        table(
            f"Scenario: {scenario.positions.height:,} positions, {vessels} vessels, "
            f"{days:g} days, {region}",
            ["injected", "truth rows"],
            rows,
        )
    )
    for name, path in paths.items():
        out.print(f"{name}: {path}")


def evaluate(
    truth: Annotated[
        Path, typer.Option("--truth", help="truth.csv written by darkfleet simulate.")
    ],
    store: StoreOpt = None,
    tolerance_h: Annotated[
        float, typer.Option(help="Time slack when matching events to truth, hours.")
    ] = 1.0,
    as_json: JsonOpt = False,
) -> None:
    """Precision and recall per event kind against a ground-truth file."""
    from datetime import timedelta

    from darkfleet.evaluate import read_truth, score

    scores = score(
        Store(store_path(store)).read("events"), read_truth(truth), timedelta(hours=tolerance_h)
    )
    if as_json:
        print_json({"kinds": scores.to_dicts()})
        return
    rows = [
        [
            r["kind"],
            r["truth"],
            r["found"],
            _ratio(r["recall"]),
            r["events"],
            r["correct"],
            _ratio(r["precision"]),
        ]
        for r in scores.iter_rows(named=True)
    ]
    out.print(
        table(
            "Accuracy against ground truth",
            ["kind", "truth", "found", "recall", "events", "correct", "precision"],
            rows,
        )
    )


def _engine(name: str, master: str | None, input_path: str | None) -> Any:
    """The detect_store function of ``--engine`` (Spark options bound)."""
    if name == "local":
        if master or input_path:
            raise ConfigError("--master and --input need --engine spark")
        from darkfleet.engine import detect_store

        return detect_store
    if name != "spark":
        raise ConfigError(f"--engine {name!r}: choose local or spark")
    from functools import partial

    from darkfleet.engine.spark import SparkOptions, detect_store_spark

    return partial(
        detect_store_spark, options=SparkOptions(master=master), positions_path=input_path
    )


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


_ = (pl, __version__)
