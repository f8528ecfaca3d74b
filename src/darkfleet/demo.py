"""The end-to-end demonstration job run by ``make demo`` and ``darkfleet demo``.

It ingests the bundled real AIS samples into a fresh store under the output folder,
and each later stage of the data path adds its step here.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from darkfleet.ingest import IngestReport, ingest
from darkfleet.store import Store

__all__ = ["DemoResult", "run_demo", "sample_files"]

Say = Callable[[str], None]


@dataclass
class DemoResult:
    """What the demo produced, for the command to print."""

    store: Path
    ingest: IngestReport | None = None
    info: dict[str, Any] = field(default_factory=dict)


def sample_files() -> list[Path]:
    """The bundled real AIS samples (see ``darkfleet/samples/SOURCE.md``)."""
    folder = Path(str(resources.files("darkfleet") / "samples"))
    return sorted(p for p in folder.iterdir() if p.name != "SOURCE.md")


def run_demo(out: Path, say: Say = print) -> DemoResult:
    """Run the demonstration job into ``out`` (replacing an earlier demo there)."""
    store_dir = out / "store"
    shutil.rmtree(store_dir, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    result = DemoResult(store=store_dir)
    say(f"Ingesting {len(sample_files())} bundled real AIS samples into {store_dir}")
    with Store(store_dir, writable=True) as store:
        result.ingest = ingest(store, sample_files())
        result.info = store.info().as_dict()
    return result
