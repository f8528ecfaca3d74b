"""Scenario simulator: realistic AIS traffic with injected sanctions-evasion behaviour.

Ships trade between real ports of a region over sea lanes that never cross land, queue at
anchorages, work cargo at berths and report like real transponders (intervals, dropouts,
GPS noise). Injected on top, each with ground-truth rows: visible STS transfers (with
draught changes), dark STS (one partner silent), AIS gaps, loitering, two ships on one
MMSI, name/call-sign changes and an invalid IMO. GPS glitches and fast crossings are
injected as negatives (no truth row). The same seed always gives the same scenario.

>>> scenario = simulate(ScenarioParams(seed=3, vessels=12, days=1.0))
>>> sorted(set(scenario.truth["kind"]))
['port_visit']
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from darkfleet._sim_compose import Counts, compose
from darkfleet._sim_frames import build_frames
from darkfleet._sim_listed import adopt_listed_identities
from darkfleet._sim_regions import REGIONS
from darkfleet.errors import ConfigError

__all__ = ["REGIONS", "Scenario", "ScenarioParams", "simulate", "write_scenario"]

COUNT_FIELDS = (
    "sts_pairs",
    "dark_sts",
    "gaps",
    "loiterers",
    "shared_mmsi",
    "renames",
    "invalid_imo",
    "glitches",
    "crossings",
    "dprk_tankers",
)
PER_VESSELS = {
    "sts_pairs": 20,
    "dark_sts": 30,
    "gaps": 30,
    "loiterers": 20,
    "shared_mmsi": 60,
    "renames": 30,
    "invalid_imo": 10**9,
    "glitches": 20,
    "crossings": 30,
    "dprk_tankers": 30,
}


@dataclass(frozen=True)
class ScenarioParams:
    """What to simulate. Behaviour counts left as None scale with ``vessels`` (0 below 20)."""

    seed: int = 1
    vessels: int = 60
    days: float = 4.0
    region: str = "yellow-sea"
    start: datetime = datetime(2024, 3, 1, tzinfo=UTC)
    sts_pairs: int | None = None
    dark_sts: int | None = None
    gaps: int | None = None
    loiterers: int | None = None
    shared_mmsi: int | None = None
    renames: int | None = None
    invalid_imo: int | None = None
    glitches: int | None = None
    crossings: int | None = None
    dprk_tankers: int | None = None
    listed: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, got {self.seed!r}")
        if not 1 <= self.vessels <= 20000:
            raise ConfigError(f"vessels must be in 1..20000, got {self.vessels}")
        if not 0.1 <= self.days <= 60:
            raise ConfigError(f"days must be in 0.1..60, got {self.days}")
        if self.region not in REGIONS:
            raise ConfigError(
                f"unknown region {self.region!r}; known: {', '.join(sorted(REGIONS))}"
            )
        if self.start.tzinfo is None or self.start.utcoffset() != UTC.utcoffset(None):
            raise ConfigError(f"start must be a UTC datetime, got {self.start!r}")
        for name in COUNT_FIELDS:
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ConfigError(f"{name} must be a non-negative integer or None, got {value!r}")
        self._check_capacity()

    def _check_capacity(self) -> None:
        c = self.counts()
        dedicated = (
            2 * c.sts_pairs
            + 2 * c.dark_sts
            + c.gaps
            + c.loiterers
            + 2 * c.shared_mmsi
            + c.crossings
        )
        if dedicated > self.vessels:
            raise ConfigError(f"behaviours need {dedicated} vessels but vessels={self.vessels}")
        if c.renames + c.invalid_imo + c.glitches > self.vessels:
            raise ConfigError(f"identity edits and glitches exceed vessels={self.vessels}")
        if self.days < 3.0 and dedicated > 0:
            raise ConfigError(
                f"injected behaviours need days >= 3 (got days={self.days}); set their counts to 0"
            )

    def counts(self) -> Counts:
        """The behaviour counts, defaults resolved."""
        resolved = {}
        for name in COUNT_FIELDS:
            value = getattr(self, name)
            if value is None:
                value = (
                    max(1, self.vessels // PER_VESSELS[name])
                    if self.vessels >= 20 and self.days >= 3
                    else 0
                )
                if name == "dprk_tankers" and REGIONS[self.region].dprk_share == 0:
                    value = 0
            resolved[name] = value
        return Counts(**resolved)


@dataclass(frozen=True)
class Scenario:
    """Reports as received (positions, static) and the ground truth of what happened."""

    positions: pl.DataFrame
    static: pl.DataFrame
    truth: pl.DataFrame
    listed: pl.DataFrame | None = None


def simulate(params: ScenarioParams) -> Scenario:
    """Simulate a scenario; deterministic for a given ``params``."""
    region = REGIONS[params.region]
    plan = compose(region, params.seed, params.days, params.vessels, params.counts())
    rng = np.random.default_rng([params.seed, 1])
    positions, static, truth = build_frames(plan, region, params.days * 86400.0, params.start, rng)
    positions, static, truth, listed = adopt_listed_identities(
        positions, static, truth, params.listed, np.random.default_rng([params.seed, 2])
    )
    return Scenario(positions=positions, static=static, truth=truth, listed=listed)


def write_scenario(scenario: Scenario, out_dir: Path) -> dict[str, Path]:
    """Write positions.csv (MarineCadastre), positions.nmea (tag-blocked AIVDM), truth.csv."""
    from darkfleet._sim_write import write_all

    paths = write_all(scenario.positions, scenario.static, scenario.truth, Path(out_dir))
    if scenario.listed is not None and scenario.listed.height:
        paths["listed"] = Path(out_dir) / "listed.csv"
        scenario.listed.write_csv(paths["listed"])
    return paths


_ = fields
