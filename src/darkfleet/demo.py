"""The end-to-end demonstration job run by ``make demo`` and ``darkfleet demo``.

1. simulate a Yellow Sea scenario (real ports, sea lanes, injected STS transfers, dark
   periods, identity changes) with its ground truth;
2. ingest it, as tag-blocked NMEA, together with the bundled real AIS samples;
3. detect every event kind and score the events against the ground truth;
4. screen every vessel against the bundled OFAC and UN snapshots plus a small
   watchlist (four simulated tankers carry the identities of real listed vessels);
5. score each vessel's risk and draw up the refined-petroleum cap ledger of the year;
6. write the offline HTML report.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from darkfleet.detect.pipeline import DetectParams
from darkfleet.engine import detect_store
from darkfleet.evaluate import read_truth, score
from darkfleet.ingest import IngestReport, ingest
from darkfleet.simulate import ScenarioParams, simulate, write_scenario
from darkfleet.store import Store

__all__ = ["DEMO_SCENARIO", "DemoResult", "run_demo", "sample_files"]

Say = Callable[[str], None]
DEMO_SCENARIO = ScenarioParams(seed=7, vessels=80, days=5.0, region="yellow-sea", listed=4)


@dataclass
class DemoResult:
    """What the demo produced, for the command to print."""

    out: Path
    store: Path
    ingest: IngestReport | None = None
    info: dict[str, Any] = field(default_factory=dict)
    detect: dict[str, Any] = field(default_factory=dict)
    accuracy: pl.DataFrame | None = None
    matches: pl.DataFrame | None = None
    vessels: pl.DataFrame | None = None
    ledger: dict[str, Any] = field(default_factory=dict)
    report: Path | None = None


def sample_files() -> list[Path]:
    """The bundled real AIS samples (see ``darkfleet/samples/SOURCE.md``)."""
    folder = Path(str(resources.files("darkfleet") / "samples"))
    return sorted(p for p in folder.iterdir() if p.name != "SOURCE.md")


def run_demo(out: Path, say: Say = print) -> DemoResult:
    """Run the demonstration job into ``out`` (replacing an earlier demo there)."""
    result = DemoResult(out=out, store=out / "store")
    shutil.rmtree(result.store, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    p = DEMO_SCENARIO
    say(f"Simulating {p.vessels} vessels for {p.days:g} days in the {p.region} (seed {p.seed})")
    files = write_scenario(simulate(p), out / "scenario")
    inputs = [files["nmea"], *sample_files()]
    say(f"Ingesting the scenario and {len(inputs) - 1} bundled real AIS samples")
    with Store(result.store, writable=True) as store:
        result.ingest = ingest(store, inputs)
        result.info = store.info().as_dict()
        say("Detecting events")
        result.detect = detect_store(store, DetectParams(), DetectParams.kinds())
    events = Store(result.store).read("events")
    result.accuracy = score(events, read_truth(files["truth"]))
    say("Screening vessels against OFAC SDN 2024-05-03, UN 2020-11-24 and a watchlist")
    result.matches = _screen(result.store)
    say("Scoring risk and drawing up the cap ledger")
    result.vessels, result.ledger = _assess(result.store, p.start.year)
    say("Writing the offline HTML report")
    result.report = _report(result.store, out / "report")
    return result


def _screen(store_dir: Path) -> pl.DataFrame:
    from darkfleet import screen as sc

    watchlist = Path(str(resources.files("darkfleet") / "lists" / "demo-watchlist-2024-05-03.csv"))
    entries = sc.load_lists([*sc.bundled_lists(), watchlist])
    with Store(store_dir, writable=True) as store:
        static = store.read("static")
        identities = sc.vessel_identities(store.scan("positions"), static)
        matches = sc.screen(identities, sc.identity_history(static), entries)
        store.replace_table("matches", matches)
    return matches


def _assess(store_dir: Path, year: int) -> tuple[pl.DataFrame, dict[str, Any]]:
    from darkfleet.assess import CapParams, assess_vessels, cap_ledger, vessel_dimensions
    from darkfleet.detect.segment import segment
    from darkfleet.places import Places
    from darkfleet.screen import vessel_identities

    store = Store(store_dir)
    static, events, matches = store.read("static"), store.read("events"), store.read("matches")
    identities = vessel_identities(segment(store.read("positions")), static)
    places = Places.bundled()
    vessels = assess_vessels(identities, events, matches, None, places)
    info = store.info()
    ledger = cap_ledger(
        events,
        vessel_dimensions(static),
        matches,
        year,
        CapParams(),
        None,
        places,
        (info.start, info.end),
    )
    return vessels, ledger.as_dict()


def _report(store_dir: Path, out: Path) -> Path:
    from darkfleet.report import build_site

    shutil.rmtree(out, ignore_errors=True)
    return build_site(store_dir, out).index
