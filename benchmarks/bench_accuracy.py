"""Precision and recall per event kind on simulated scenarios of 50 to 2,000 vessels.

Every scenario is simulated with its ground truth, run through every detector, and
scored as ``darkfleet evaluate`` scores (same kind, same vessels, overlapping time,
one hour of slack). Goal: 0.97 for encounter, loitering, gap, draught_change,
shared_mmsi and identity_change.

    python benchmarks/bench_accuracy.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from _common import print_table
from darkfleet.detect.pipeline import DetectParams, detect
from darkfleet.evaluate import score
from darkfleet.places import Places
from darkfleet.simulate import ScenarioParams, simulate

SCENARIOS = [
    (11, 50, "yellow-sea"),
    (12, 100, "gulf-of-tonkin"),
    (13, 200, "north-sea"),
    (14, 500, "yellow-sea"),
    (15, 1000, "gulf-of-tonkin"),
    (16, 2000, "yellow-sea"),
]
QUICK = SCENARIOS[:3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    places = Places.bundled()
    rows, totals = [], []
    for seed, vessels, region in QUICK if args.quick else SCENARIOS:
        scenario = simulate(ScenarioParams(seed=seed, vessels=vessels, days=5.0, region=region))
        t0 = time.perf_counter()
        events = detect(scenario.positions, scenario.static, DetectParams(), places)
        seconds = time.perf_counter() - t0
        truth = scenario.truth.with_columns(pl.col("start", "end").cast(pl.Datetime("us", "UTC")))
        table = score(events, truth).filter(pl.col("truth") > 0)
        totals.append(table)
        for r in table.iter_rows(named=True):
            rows.append(
                [
                    f"{vessels} {region} #{seed}",
                    r["kind"],
                    r["truth"],
                    r["found"],
                    f"{r['recall']:.3f}",
                    r["events"],
                    f"{r['precision']:.3f}",
                ]
            )
        rows.append(
            [
                f"  {scenario.positions.height:,} positions, detect {seconds:.1f} s",
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    print_table(
        "Accuracy per scenario",
        ["scenario", "kind", "truth", "found", "recall", "events", "precision"],
        rows,
    )
    overall = (
        pl.concat(totals)
        .group_by("kind")
        .agg(pl.col("truth", "found", "events", "correct").sum())
        .sort("kind")
    )
    print_table(
        "Overall",
        ["kind", "recall", "precision"],
        [
            [
                r["kind"],
                f"{r['found'] / r['truth']:.3f}",
                f"{r['correct'] / max(r['events'], 1):.3f}",
            ]
            for r in overall.iter_rows(named=True)
        ],
    )


if __name__ == "__main__":
    main()
