"""All detectors in order, over one set of positions and static reports.

The order is the data path: segment each MMSI's stream into physical vessels, learn
anchorages from the data (so that outer anchorages missing from port lists count as
"in port"), then run the per-vessel and pairwise detectors, and last the detectors
that combine other events (dark rendezvous from loitering and gaps).

>>> events = detect(positions, static, DetectParams(), Places.bundled())  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from darkfleet import schema
from darkfleet.detect.draught import DraughtParams, draught_changes
from darkfleet.detect.encounters import EncounterParams, encounters
from darkfleet.detect.gaps import GapParams, gaps
from darkfleet.detect.identity import IdentityParams, identity_changes
from darkfleet.detect.loitering import LoiteringParams, loitering
from darkfleet.detect.rendezvous import RendezvousParams, dark_rendezvous
from darkfleet.detect.segment import SegmentParams, segment
from darkfleet.detect.shared import shared_mmsi_events
from darkfleet.detect.visits import PortVisitParams, port_visits
from darkfleet.detect.zones import ZoneEntryParams, zone_entries
from darkfleet.errors import ConfigError
from darkfleet.places import AnchorageParams, Places, derive_anchorages
from darkfleet.settings import apply_overrides, read_toml

__all__ = ["ALL_KINDS", "DetectParams", "Stage", "combine_events", "detect", "parse_kinds"]

ALL_KINDS = schema.EVENT_KINDS
Stage = Callable[[str, int, int], None]
"""Progress callback: ``stage(name, done_stages, total_stages)``."""


@dataclass(frozen=True)
class DetectParams:
    """Parameters of every detector, one section each (see the README's Definitions)."""

    segment: SegmentParams = field(default_factory=SegmentParams)
    anchorage: AnchorageParams = field(default_factory=AnchorageParams)
    encounter: EncounterParams = field(default_factory=EncounterParams)
    loitering: LoiteringParams = field(default_factory=LoiteringParams)
    gap: GapParams = field(default_factory=GapParams)
    rendezvous: RendezvousParams = field(default_factory=RendezvousParams)
    identity: IdentityParams = field(default_factory=IdentityParams)
    draught: DraughtParams = field(default_factory=DraughtParams)
    port_visit: PortVisitParams = field(default_factory=PortVisitParams)
    zone_entry: ZoneEntryParams = field(default_factory=ZoneEntryParams)

    @classmethod
    def load(cls, path: Path | None = None) -> DetectParams:
        """Defaults, overridden by a TOML file, then by ``DARKFLEET_<SECTION>_<NAME>``."""
        file_values = read_toml(path)
        base = cls()
        sections = {f.name for f in dataclasses.fields(base)}
        unknown = set(file_values) - sections
        if unknown:
            raise ConfigError(
                f"unknown settings section(s) {sorted(unknown)}; known: "
                f"{', '.join(sorted(sections))}"
            )
        return dataclasses.replace(
            base,
            **{
                name: apply_overrides(name, getattr(base, name), file_values.get(name, {}))
                for name in sections
            },
        )

    @staticmethod
    def kinds() -> tuple[str, ...]:
        """Every event kind, in detection order."""
        return ALL_KINDS

    def sections(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def parse_kinds(text: str | None) -> tuple[str, ...]:
    """``"encounter,gap"`` -> ("encounter", "gap"); None -> every kind."""
    if not text:
        return ALL_KINDS
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    unknown = [k for k in kinds if k not in ALL_KINDS]
    if unknown:
        raise ConfigError(f"unknown event kind(s) {unknown}; known: {', '.join(ALL_KINDS)}")
    return kinds


def detect(
    positions: pl.DataFrame,
    static: pl.DataFrame,
    params: DetectParams,
    places: Places,
    kinds: Sequence[str] = ALL_KINDS,
    progress: Stage | None = None,
) -> pl.DataFrame:
    """Every event of ``kinds`` in the input, as one events table sorted by start."""
    run = _Run(positions, static, params, places, tuple(kinds), progress)
    del positions  # the run holds the only reference, and drops it once segmented
    return run.all()


class _Run:
    """One detection run: shared intermediate results, stages in order."""

    def __init__(
        self,
        positions: pl.DataFrame,
        static: pl.DataFrame,
        params: DetectParams,
        places: Places,
        kinds: tuple[str, ...],
        progress: Stage | None,
    ) -> None:
        self.raw, self.static, self.params, self.kinds = positions, static, params, kinds
        self.base_places = places
        self.progress = progress
        self.results: dict[str, pl.DataFrame] = {}
        self.stages = self._stages()
        self.done = 0

    def _stages(self) -> list[tuple[str, Callable[[], None]]]:
        wanted = set(self.kinds)
        if "dark_rendezvous" in wanted:
            wanted |= {"loitering", "gap", "encounter"}
        order = [
            k
            for k in (
                "shared_mmsi",
                "encounter",
                "loitering",
                "gap",
                "identity_change",
                "draught_change",
                "port_visit",
                "zone_entry",
                "dark_rendezvous",
            )
            if k in wanted
        ]
        return [("segment", self._segment), ("anchorages", self._anchorages)] + [
            (kind, lambda kind=kind: self._detect(kind)) for kind in order
        ]

    def all(self) -> pl.DataFrame:
        for name, step in self.stages:
            if self.progress:
                self.progress(name, self.done, len(self.stages))
            step()
            self.done += 1
        if self.progress:
            self.progress("done", self.done, len(self.stages))
        frames = [self.results[k] for k in self.kinds if k in self.results]
        return combine_events(frames)

    def _segment(self) -> None:
        valid = self.raw.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
        self.raw = schema.empty(schema.POSITIONS)  # free the input: memory is the limit
        self.positions = segment(valid, self.params.segment)

    def _anchorages(self) -> None:
        derived = derive_anchorages(self.positions, self.params.anchorage)
        self.places = (
            self.base_places.with_anchorages(derived) if derived.height else self.base_places
        )
        self.derived_anchorages = derived

    def _detect(self, kind: str) -> None:
        self.results[kind] = _DETECTORS[kind](self)


def _shared_mmsi(run: _Run) -> pl.DataFrame:
    return shared_mmsi_events(run.positions, run.params.segment)


def _encounter(run: _Run) -> pl.DataFrame:
    return encounters(run.positions, run.params.encounter, run.places)


def _loitering(run: _Run) -> pl.DataFrame:
    return loitering(run.positions, run.params.loitering, run.places)


def _gap(run: _Run) -> pl.DataFrame:
    return gaps(run.positions, run.params.gap, run.places)


def _identity(run: _Run) -> pl.DataFrame:
    return identity_changes(run.positions, run.static, run.params.identity, run.places)


def _draught(run: _Run) -> pl.DataFrame:
    return draught_changes(run.positions, run.static, run.params.draught, run.places)


def _port_visit(run: _Run) -> pl.DataFrame:
    return port_visits(run.positions, run.params.port_visit, run.places)


def _zone_entry(run: _Run) -> pl.DataFrame:
    return zone_entries(run.positions, run.params.zone_entry, run.places)


def _rendezvous(run: _Run) -> pl.DataFrame:
    return dark_rendezvous(
        run.results["loitering"],
        run.results["gap"],
        run.params.rendezvous,
        run.places,
        run.results.get("encounter"),
    )


_DETECTORS: dict[str, Callable[[_Run], pl.DataFrame]] = {
    "shared_mmsi": _shared_mmsi,
    "encounter": _encounter,
    "loitering": _loitering,
    "gap": _gap,
    "identity_change": _identity,
    "draught_change": _draught,
    "port_visit": _port_visit,
    "zone_entry": _zone_entry,
    "dark_rendezvous": _rendezvous,
}


def combine_events(frames: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """One events table from per-kind frames: first of each ``event_id`` kept, sorted by start."""
    target = schema.polars_schema(schema.EVENTS)
    parts = [f.select(target.names()).cast(target) for f in frames if f.height]
    if not parts:
        return schema.empty(schema.EVENTS)
    events = pl.concat(parts).unique("event_id", keep="first", maintain_order=True)
    return events.sort("start", "kind", "mmsi", "event_id")
