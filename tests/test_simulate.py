"""Tests of the scenario simulator: realism constraints, ground truth, writers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyais
import pytest
from global_land_mask import globe
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet._sim_fleet import imo_valid
from darkfleet._sim_nmea import encode_positions
from darkfleet.errors import ConfigError
from darkfleet.geo import haversine_km
from darkfleet.simulate import REGIONS, Scenario, ScenarioParams, simulate, write_scenario

PARAMS = ScenarioParams(seed=7, vessels=60, days=4.0)
TRUTH_COLUMNS = ["kind", "mmsi", "other_mmsi", "start", "end", "lat", "lon", "note"]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return simulate(PARAMS)


@pytest.fixture(scope="module")
def written(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_scenario(scenario, tmp_path_factory.mktemp("scenario"))


def _port_km(lat: np.ndarray, lon: np.ndarray, region: str = "yellow-sea") -> np.ndarray:
    ports = REGIONS[region].ports
    plat = np.array([p.lat for p in ports])
    plon = np.array([p.lon for p in ports])
    return np.asarray(haversine_km(lat[:, None], lon[:, None], plat[None], plon[None]).min(axis=1))


def _track(scenario: Scenario, mmsi: int, start: object, end: object) -> pl.DataFrame:
    p = scenario.positions
    return p.filter((pl.col("mmsi") == mmsi) & pl.col("ts").is_between(start, end)).sort("ts")


def _rows(scenario: Scenario, kind: str) -> list[dict[str, object]]:
    return scenario.truth.filter(pl.col("kind") == kind).to_dicts()


def test_same_seed_same_scenario(scenario: Scenario) -> None:
    again = simulate(PARAMS)
    assert_frame_equal(scenario.positions, again.positions)
    assert_frame_equal(scenario.static, again.static)
    assert_frame_equal(scenario.truth, again.truth)


def test_other_seed_other_scenario(scenario: Scenario) -> None:
    other = simulate(ScenarioParams(seed=8, vessels=20, days=3.0))
    assert other.positions["mmsi"].n_unique() != scenario.positions["mmsi"].n_unique()


def test_tables_follow_the_canonical_schemas(scenario: Scenario) -> None:
    assert scenario.positions.schema == schema.polars_schema(schema.POSITIONS)
    assert scenario.static.schema == schema.polars_schema(schema.STATIC)
    assert scenario.truth.columns == TRUTH_COLUMNS


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_no_position_on_land(region: str) -> None:
    s = scenario_for(region)
    land = globe.is_land(s.positions["lat"].to_numpy(), s.positions["lon"].to_numpy())
    assert int(land.sum()) == 0


def scenario_for(region: str) -> Scenario:
    return simulate(ScenarioParams(seed=11, vessels=40, days=3.0, region=region))


def test_truth_kinds_and_counts(scenario: Scenario) -> None:
    kinds = set(scenario.truth["kind"])
    assert kinds <= set(schema.EVENT_KINDS)
    expected = {"encounter", "loitering", "gap", "shared_mmsi", "identity_change"}
    assert expected | {"draught_change", "port_visit", "dark_rendezvous"} <= kinds
    c = PARAMS.counts()
    assert len(_rows(scenario, "encounter")) == c.sts_pairs
    assert len(_rows(scenario, "dark_rendezvous")) == c.dark_sts
    assert len(_rows(scenario, "gap")) == c.gaps + c.dark_sts


def test_truth_vessels_exist(scenario: Scenario) -> None:
    seen = set(scenario.positions["mmsi"])
    truth = scenario.truth
    assert set(truth["mmsi"]) <= seen
    assert set(truth["other_mmsi"].drop_nulls()) <= seen
    pairwise = truth.filter(pl.col("kind") == "encounter")
    assert (pairwise["mmsi"] < pairwise["other_mmsi"]).all()


def test_sts_pairs_close_and_slow(scenario: Scenario) -> None:
    for row in _rows(scenario, "encounter"):
        a = _track(scenario, row["mmsi"], row["start"], row["end"])
        b = _track(scenario, row["other_mmsi"], row["start"], row["end"])
        grid = pl.datetime_range(row["start"], row["end"], "10m", eager=True).alias("ts")
        ga = pl.DataFrame(grid).join_asof(a, on="ts", strategy="nearest")
        gb = pl.DataFrame(grid).join_asof(b, on="ts", strategy="nearest")
        km = haversine_km(
            ga["lat"].to_numpy(), ga["lon"].to_numpy(), gb["lat"].to_numpy(), gb["lon"].to_numpy()
        )
        close = (km < 0.5) & (ga["sog_kn"].to_numpy() < 2) & (gb["sog_kn"].to_numpy() < 2)
        assert close.sum() * 10 / 60 >= 2.0
        assert float(_port_km(np.array([row["lat"]]), np.array([row["lon"]]))[0]) >= 10.0


def test_draught_changes_follow_sts(scenario: Scenario) -> None:
    st = scenario.static
    for row in _rows(scenario, "draught_change"):
        before = st.filter((pl.col("mmsi") == row["mmsi"]) & (pl.col("ts") == row["start"]))[
            "draught_m"
        ]
        after = st.filter((pl.col("mmsi") == row["mmsi"]) & (pl.col("ts") == row["end"]))[
            "draught_m"
        ]
        assert abs(float(after[0]) - float(before[0])) >= 1.5


def test_gaps_are_silent_and_at_sea(scenario: Scenario) -> None:
    for row in _rows(scenario, "gap"):
        inside = _track(
            scenario,
            row["mmsi"],
            row["start"] + timedelta(seconds=1),
            row["end"] - timedelta(seconds=1),
        )
        assert inside.is_empty()
        assert row["end"] - row["start"] >= timedelta(hours=12)
        ends = pl.concat(
            [
                _track(scenario, row["mmsi"], row["start"], row["start"]),
                _track(scenario, row["mmsi"], row["end"], row["end"]),
            ]
        )
        assert len(ends) == 2
        assert (_port_km(ends["lat"].to_numpy(), ends["lon"].to_numpy()) > 10.0).all()


def test_no_unintended_gaps(scenario: Scenario) -> None:
    injected = set(scenario.truth.filter(pl.col("kind").is_in(["gap", "shared_mmsi"]))["mmsi"])
    p = scenario.positions.filter(~pl.col("mmsi").is_in(list(injected))).sort("mmsi", "ts")
    dt = p.select(pl.col("ts").diff().over("mmsi").dt.total_seconds().max()).item()
    assert dt < 3600


def test_loitering_is_slow_and_far_from_port(scenario: Scenario) -> None:
    for row in _rows(scenario, "loitering"):
        t = _track(scenario, row["mmsi"], row["start"], row["end"])
        assert t["sog_kn"].median() < 2.0
        assert (_port_km(t["lat"].to_numpy(), t["lon"].to_numpy()) >= 20.0).all()


def test_anchored_ships_queue_inside_ports(scenario: Scenario) -> None:
    anchored = scenario.positions.filter(pl.col("nav_status") == 1)
    outside = _port_km(anchored["lat"].to_numpy(), anchored["lon"].to_numpy()) >= 10.0
    assert outside.sum() <= PARAMS.counts().glitches  # a GPS glitch may throw one report away
    hour = anchored.with_columns(pl.col("ts").dt.truncate("1h")).unique(["mmsi", "ts"])
    pairs = hour.join(hour, on="ts").filter(pl.col("mmsi") < pl.col("mmsi_right"))
    km = haversine_km(
        pairs["lat"].to_numpy(),
        pairs["lon"].to_numpy(),
        pairs["lat_right"].to_numpy(),
        pairs["lon_right"].to_numpy(),
    )
    assert (km < 1.0).sum() > 10


def test_slow_at_sea_only_when_injected(scenario: Scenario) -> None:
    p = scenario.positions
    at_sea = _port_km(p["lat"].to_numpy(), p["lon"].to_numpy()) > 10.0
    slow = p.filter(pl.Series(at_sea) & (pl.col("sog_kn") < 2.0))
    injected = set(scenario.truth.filter(pl.col("kind") == "loitering")["mmsi"]) | set(
        _dark(scenario)
    )
    per_vessel = slow.filter(~pl.col("mmsi").is_in(list(injected))).group_by("mmsi").len()
    assert per_vessel["len"].max() is None or per_vessel["len"].max() <= 1  # a glitch at most


def _dark(scenario: Scenario) -> list[int]:
    return scenario.truth.filter(pl.col("kind") == "dark_rendezvous")["other_mmsi"].to_list()


def test_imo_check_digits(scenario: Scenario) -> None:
    bad = {r["mmsi"] for r in _rows(scenario, "identity_change") if "invalid IMO" in str(r["note"])}
    imos = scenario.static.filter(pl.col("imo").is_not_null()).unique(["mmsi", "imo"])
    for mmsi, imo in imos.select("mmsi", "imo").iter_rows():
        assert imo_valid(imo) != (mmsi in bad)


def test_csv_parses_back(scenario: Scenario, written: dict[str, Path]) -> None:
    csv = pl.read_csv(written["csv"])
    assert csv.columns[:4] == ["MMSI", "BaseDateTime", "LAT", "LON"]
    assert len(csv) == len(scenario.positions)
    pos = scenario.positions.sort("ts", "mmsi")
    assert np.abs(csv["LAT"].to_numpy() - pos["lat"].to_numpy()).max() < 1e-6
    assert (csv["MMSI"].to_numpy() == pos["mmsi"].to_numpy()).all()
    assert csv["IMO"].drop_nulls().str.contains(r"^IMO\d{7}$").all()


def test_truth_csv_parses_back(scenario: Scenario, written: dict[str, Path]) -> None:
    truth = pl.read_csv(written["truth"], try_parse_dates=True)
    assert truth.columns == TRUTH_COLUMNS
    assert len(truth) == len(scenario.truth)


def test_nmea_parses_back(scenario: Scenario, written: dict[str, Path]) -> None:
    lines = written["nmea"].read_text().splitlines()
    pos = scenario.positions.sort("ts", "mmsi")
    decoded = []
    for line in lines[:3000]:
        tag, sentence = line[1:].split("\\", 1)
        if ",1,1," in sentence and sentence.split(",")[5][0] in "1B":
            msg = pyais.decode(sentence).asdict()
            epoch = int(tag.split("c:")[1].split("*")[0])
            decoded.append((msg["mmsi"], epoch, msg["lat"], msg["lon"]))
    got = pl.DataFrame(decoded, schema=["mmsi", "epoch", "lat_n", "lon_n"], orient="row")
    want = pos.with_columns(epoch=pl.col("ts").dt.epoch("s")).join(got, on=["mmsi", "epoch"])
    assert len(want) == len(got) > 1000
    assert (want["lat"] - want["lat_n"]).abs().max() <= 1 / 600000 + 1e-9
    assert (want["lon"] - want["lon_n"]).abs().max() <= 1 / 600000 + 1e-9
    static = [line for line in lines if ",2,1," in line or "AIVDM,1,1,,B,H" in line]
    assert static and pyais.decode(
        static[0].split("\\")[-1], lines[lines.index(static[0]) + 1].split("\\")[-1]
    ).asdict()["msg_type"] in (5, 24)


def test_vectorised_encoder_matches_pyais() -> None:
    rng = np.random.default_rng(0)
    n = 50
    cols = {
        "mmsi": rng.integers(200_000_000, 775_000_000, n),
        "ts": rng.integers(1_700_000_000, 1_800_000_000, n),
        "lat": np.round(rng.uniform(-80, 80, n) * 600000) / 600000,
        "lon": np.round(rng.uniform(-179, 179, n) * 600000) / 600000,
        "sog_kn": np.round(rng.uniform(0, 30, n), 1),
        "cog_deg": np.round(rng.uniform(0, 359.9, n), 1),
        "heading_deg": rng.integers(0, 360, n).astype(float),
        "nav_status": rng.integers(0, 9, n).astype(float),
    }
    lines = encode_positions(cols, cols["ts"], True).tobytes().decode().splitlines()
    for i, line in enumerate(lines):
        data = {
            "msg_type": 1,
            "mmsi": int(cols["mmsi"][i]),
            "lat": cols["lat"][i],
            "lon": cols["lon"][i],
            "speed": cols["sog_kn"][i],
            "course": cols["cog_deg"][i],
            "heading": int(cols["heading_deg"][i]),
            "status": int(cols["nav_status"][i]),
            "second": int(cols["ts"][i] % 60),
            "turn": -128,
            "maneuver": 0,
        }
        assert (
            line.split("\\")[-1] == pyais.encode_dict(data, talker_id="AI", sentence_type="VDM")[0]
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"region": "atlantis"},
        {"vessels": 0},
        {"days": -1.0},
        {"sts_pairs": -1},
        {"vessels": 10, "sts_pairs": 6},
        {"days": 2.0, "gaps": 1},
    ],
)
def test_bad_params_raise_config_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        ScenarioParams(**kwargs)  # type: ignore[arg-type]
