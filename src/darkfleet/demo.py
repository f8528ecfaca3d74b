"""The end-to-end demonstration job run by ``make demo`` and ``darkfleet demo``.

1. simulate a Yellow Sea scenario (real ports, sea lanes, injected STS transfers, dark
   periods, identity changes) with its ground truth;
2. ingest it, as tag-blocked NMEA, together with the bundled real AIS samples;
3. detect every event kind and score the events against the ground truth;

and each later stage of the data path adds its step here.
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
DEMO_SCENARIO = ScenarioParams(seed=7, vessels=80, days=5.0, region="yellow-sea")


@dataclass
class DemoResult:
    """What the demo produced, for the command to print."""

    out: Path
    store: Path
    ingest: IngestReport | None = None
    info: dict[str, Any] = field(default_factory=dict)
    detect: dict[str, Any] = field(default_factory=dict)
    accuracy: pl.DataFrame | None = None


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
    return result
