"""The same traffic written as MarineCadastre CSV and as tag-blocked NMEA ingests the same."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from darkfleet import Store, ingest
from darkfleet.simulate import ScenarioParams, simulate, write_scenario

NMEA_RESOLUTION_DEG = 1 / 600_000  # 1/10000 of a minute


@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("scenario")
    return write_scenario(simulate(ScenarioParams(seed=11, vessels=12, days=1.0)), out)


def stored_positions(files: list[Path], store_dir: Path) -> pl.DataFrame:
    with Store(store_dir, writable=True) as store:
        report = ingest(store, files)
    assert report.totals()["rejected"] == 0
    return Store(store_dir).read("positions").sort("mmsi", "ts")


def test_csv_and_nmea_hold_the_same_positions(
    scenario_files: dict[str, Path], tmp_path: Path
) -> None:
    csv = stored_positions([scenario_files["csv"]], tmp_path / "csv")
    nmea = stored_positions([scenario_files["nmea"]], tmp_path / "nmea")
    assert csv.height == nmea.height > 1000
    both = csv.join(nmea, on=["mmsi", "ts"], how="full", suffix="_nmea")
    assert both.filter(pl.col("lat").is_null() | pl.col("lat_nmea").is_null()).is_empty()
    worst = both.select(
        (pl.col("lat") - pl.col("lat_nmea")).abs().max().alias("lat"),
        (pl.col("lon") - pl.col("lon_nmea")).abs().max().alias("lon"),
        (pl.col("sog_kn") - pl.col("sog_kn_nmea")).abs().max().alias("sog"),
        (pl.col("cog_deg") - pl.col("cog_deg_nmea")).abs().max().alias("cog"),
    ).row(0, named=True)
    assert worst["lat"] <= NMEA_RESOLUTION_DEG and worst["lon"] <= NMEA_RESOLUTION_DEG
    assert worst["sog"] <= 0.05 and worst["cog"] <= 0.05
    assert (both["heading_deg"] == both["heading_deg_nmea"]).all()


def test_csv_and_nmea_hold_the_same_identities(
    scenario_files: dict[str, Path], tmp_path: Path
) -> None:
    with Store(tmp_path / "csv", writable=True) as store:
        ingest(store, [scenario_files["csv"]])
    with Store(tmp_path / "nmea", writable=True) as store:
        ingest(store, [scenario_files["nmea"]])
    # Class B identities arrive as two partial NMEA reports (24A name, 24B call sign and
    # type) but as one CSV row, so compare the values each MMSI reported, field by field.
    fields = ["imo", "name", "callsign", "ship_type", "length_m", "beam_m"]

    def reported(store_dir: Path) -> pl.DataFrame:
        static = Store(store_dir).read("static")
        values = [pl.col(f).drop_nulls().unique().sort().alias(f) for f in fields]
        return static.group_by("mmsi").agg(values).sort("mmsi")

    assert reported(tmp_path / "csv").equals(reported(tmp_path / "nmea"))
