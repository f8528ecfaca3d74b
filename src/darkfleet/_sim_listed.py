"""Give some simulated tankers the identities of real sanctioned vessels.

Screening needs ground truth too: the scenario's ``listed`` vessels take the IMO
number, name and call sign (and, where the list gives one, the MMSI) of real vessel
entries of the bundled OFAC snapshot. DPRK-programme tankers are listed by IMO only, so
half the vessels are found by IMO (DPRK entries) and half by MMSI (entries with one).
Vessels in ship-to-ship transfers are chosen first, as in the cases analysts pursue.
The chosen identities are returned with the scenario so that a test can check every
one is found.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl

__all__ = ["adopt_listed_identities"]

_OFAC = "ofac-sdn-2024-05-03.csv.gz"


def adopt_listed_identities(
    positions: pl.DataFrame,
    static: pl.DataFrame,
    truth: pl.DataFrame,
    count: int,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(positions, static, truth, listed) with ``count`` vessels given listed identities."""
    if count == 0:
        return positions, static, truth, _empty_listed()
    entries = _candidates(set(positions["mmsi"].unique().to_list()))
    picks = _pick_entries(entries, count, rng)
    targets = _targets(positions, truth, picks.height, rng)
    listed = picks.with_columns(sim_mmsi=pl.Series(targets, dtype=pl.Int64)).with_columns(
        new_mmsi=pl.coalesce("mmsi", "sim_mmsi")
    )
    remap = dict(zip(listed["sim_mmsi"], listed["new_mmsi"], strict=True))
    positions = positions.with_columns(_remapped("mmsi", remap))
    static = _with_identities(static.with_columns(_remapped("mmsi", remap)), listed)
    truth = _reordered(truth.with_columns(_remapped("mmsi", remap), _remapped("other_mmsi", remap)))
    return (
        positions,
        static,
        truth,
        listed.select(
            pl.col("new_mmsi").alias("mmsi"),
            "entry_id",
            "name",
            "imo",
            "callsign",
            pl.col("mmsi").is_not_null().alias("by_mmsi"),
        ),
    )


def _ofac_path() -> Path:
    return Path(str(resources.files("darkfleet") / "lists" / _OFAC))


def _candidates(used: set[int]) -> pl.DataFrame:
    from darkfleet.screen import load_list

    vessels = load_list(_ofac_path()).filter(
        pl.col("kind") == "vessel", pl.col("imo").is_not_null()
    )
    dprk = pl.col("programs").list.eval(pl.element().str.contains("DPRK")).list.any()
    with_mmsi = pl.col("mmsi").is_not_null() & ~pl.col("mmsi").is_in(list(used))
    return (
        pl.concat(
            [
                vessels.filter(dprk & pl.col("mmsi").is_null()).with_columns(pool=pl.lit("imo")),
                vessels.filter(with_mmsi).with_columns(pool=pl.lit("mmsi")),
            ]
        )
        .select("pool", "entry_id", "name", "imo", "mmsi", "callsign")
        .sort("pool", "entry_id")
    )


def _pick_entries(entries: pl.DataFrame, count: int, rng: np.random.Generator) -> pl.DataFrame:
    by_imo, by_mmsi = (entries.filter(pl.col("pool") == p) for p in ("imo", "mmsi"))
    n_mmsi = min(count // 2, by_mmsi.height)
    take_imo = rng.choice(by_imo.height, count - n_mmsi, replace=False)
    take_mmsi = rng.choice(by_mmsi.height, n_mmsi, replace=False)
    rows: list[pl.DataFrame] = [by_imo[take_imo.tolist()], by_mmsi[take_mmsi.tolist()]]
    return pl.concat(rows)


def _targets(
    positions: pl.DataFrame, truth: pl.DataFrame, n: int, rng: np.random.Generator
) -> list[int]:
    """Simulated MMSIs to relabel: transfer partners first, then any other vessel."""
    partners = truth.filter(pl.col("kind").is_in(["encounter", "dark_rendezvous"]))
    first = sorted(
        set(partners["mmsi"].to_list()) | set(partners["other_mmsi"].drop_nulls().to_list())
    )
    shared = set(truth.filter(pl.col("kind") == "shared_mmsi")["mmsi"].to_list())
    first = [m for m in first if m not in shared]
    rest = sorted(set(positions["mmsi"].unique().to_list()) - set(first) - shared)
    rng.shuffle(first)
    rng.shuffle(rest)
    return [int(m) for m in (first + rest)[:n]]


def _remapped(column: str, remap: dict[int, int]) -> pl.Expr:
    return pl.col(column).replace(remap).alias(column)


def _with_identities(static: pl.DataFrame, listed: pl.DataFrame) -> pl.DataFrame:
    ids = listed.select(
        pl.col("new_mmsi").alias("mmsi"),
        pl.col("imo").alias("_imo"),
        pl.col("name").alias("_name"),
        pl.col("callsign").alias("_callsign"),
    )
    joined = static.join(ids, on="mmsi", how="left")
    hit = pl.col("_imo").is_not_null()
    return joined.with_columns(
        pl.when(hit & pl.col("imo").is_not_null()).then("_imo").otherwise("imo").alias("imo"),
        pl.when(hit & pl.col("name").is_not_null()).then("_name").otherwise("name").alias("name"),
        pl.when(hit & pl.col("callsign").is_not_null() & pl.col("_callsign").is_not_null())
        .then("_callsign")
        .otherwise("callsign")
        .alias("callsign"),
    ).select(static.columns)


def _reordered(truth: pl.DataFrame) -> pl.DataFrame:
    """Pairwise truth rows keep the smaller MMSI in ``mmsi``."""
    lo = pl.min_horizontal("mmsi", "other_mmsi")
    hi = pl.max_horizontal("mmsi", "other_mmsi")
    pair = pl.col("other_mmsi").is_not_null()
    return truth.with_columns(
        pl.when(pair).then(lo).otherwise("mmsi").alias("mmsi"),
        pl.when(pair).then(hi).otherwise(None).alias("other_mmsi"),
    )


def _empty_listed() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "mmsi": pl.Int64,
            "entry_id": pl.String,
            "name": pl.String,
            "imo": pl.Int64,
            "callsign": pl.String,
            "by_mmsi": pl.Boolean,
        }
    )
