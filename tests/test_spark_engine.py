"""The Spark engine gives exactly the local engine's events (same rows, same ids).

Stores: two simulated scenarios (40 vessels, 4 days), the real AIS samples shipped in
the package plus GFW gpsdio-segment regression tracks, and tiny hand-built tracks for
the partitioning edges (an encounter across several time windows and midnight, one at
the antimeridian, one with a hole in a vessel's track). One Spark session (local[2])
serves the whole module.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.detect.pipeline import ALL_KINDS, DetectParams
from darkfleet.engine.local import detect_store
from darkfleet.errors import EngineError
from darkfleet.ingest import ingest
from darkfleet.simulate import ScenarioParams, simulate, write_scenario
from darkfleet.store import Store

pyspark = pytest.importorskip("pyspark")

pytestmark = [
    pytest.mark.spark,
    # PySpark 4 warns that it "does not yet fully support pandas >= 3" on every Arrow
    # UDF; darkfleet's UDFs exchange Arrow tables and never touch pandas.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

SAMPLES = Path(__file__).parent.parent / "src" / "darkfleet" / "samples"
GPSDIO = Path(__file__).parent / "data" / "gpsdio_segment"
START = datetime(2024, 3, 1, 20, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from darkfleet.engine._spark_session import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


def _events(store: Path) -> pl.DataFrame:
    return Store(store).read("events").sort("event_id")


def _both_engines(store: Path, tmp: Path, spark: Any, **kwargs: Any) -> tuple[pl.DataFrame, ...]:
    """Events stored by the local engine and by the Spark engine, from copies of ``store``."""
    from darkfleet.engine.spark import detect_store_spark

    local_dir, spark_dir = tmp / "local", tmp / "spark"
    shutil.copytree(store, local_dir)
    shutil.copytree(store, spark_dir)
    with Store(local_dir, writable=True) as st:
        local = detect_store(st, DetectParams(), ALL_KINDS)
    with Store(spark_dir, writable=True) as st:
        remote = detect_store_spark(st, DetectParams(), ALL_KINDS, session=spark, **kwargs)
    assert remote == local
    return _events(local_dir), _events(spark_dir)


def _ingested(root: Path, files: list[Path]) -> Path:
    with Store(root, writable=True) as st:
        ingest(st, files)
    return root


@pytest.mark.parametrize("seed", [3, 11])
def test_scenario_events_equal_local(
    seed: int, spark: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp = tmp_path_factory.mktemp(f"scenario{seed}")
    paths = write_scenario(simulate(ScenarioParams(seed=seed, vessels=40, days=4)), tmp / "sim")
    store = _ingested(tmp / "store", [paths["nmea"]])
    local, remote = _both_engines(store, tmp, spark)
    assert local.height > 50 and set(local["kind"]) >= {"encounter", "gap", "loitering"}
    assert_frame_equal(local, remote)


def test_real_samples_equal_local(spark: Any, tmp_path: Path) -> None:
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".gz", ".log", ".nmea"))
    files += sorted(GPSDIO.glob("regr_4124*.jsonl.gz"))
    local, remote = _both_engines(_ingested(tmp_path / "store", files), tmp_path, spark)
    assert local.height > 0
    assert_frame_equal(local, remote)


# -- tiny tracks at the partitioning edges ------------------------------------------------


def _track(
    mmsi: int, lat: float, lon: float, hours: float, silent: tuple[float, float] = (0.0, 0.0)
) -> pl.DataFrame:
    """A slow drifter reporting every 5 min from START for ``hours``, quiet in ``silent`` (h)."""
    steps = [i for i in range(int(hours * 12)) if not silent[0] <= i / 12 < silent[1]]
    return pl.DataFrame(
        {
            "mmsi": [mmsi] * len(steps),
            "ts": [START + timedelta(minutes=5 * i) for i in steps],
            "lat": [lat + 1e-5 * i for i in steps],
            "lon": [((lon + 1e-5 * i + 180.0) % 360.0) - 180.0 for i in steps],
            "sog_kn": [0.4] * len(steps),
            "cog_deg": [45.0] * len(steps),
        }
    )


def _tracks_store(root: Path, frames: list[pl.DataFrame]) -> Path:
    """A store holding ``frames`` as positions (canonical columns, others null)."""
    target = schema.polars_schema(schema.POSITIONS)
    rows = pl.concat(frames)
    missing = [pl.lit(None, t).alias(n) for n, t in target.items() if n not in rows.columns]
    positions = rows.with_columns(missing).select(target.names()).cast(target)
    with Store(root, writable=True) as st:
        txn = st.transaction("0" * 64)
        txn.stage("positions", positions)
        txn.commit({"path": "tiny-tracks", "sha256": "0" * 64})
    return root


def test_encounters_across_windows_and_antimeridian_found_once(spark: Any, tmp_path: Path) -> None:
    from darkfleet.engine.spark import SparkOptions

    frames = [
        _track(111000001, 10.0, -30.0, 7.0),  # 20:00-03:00 across midnight ...
        _track(111000002, 10.002, -30.001, 7.0),
        _track(222000001, -20.0, 179.999, 6.0),  # ... at the antimeridian
        _track(222000002, -20.001, -179.999, 6.0),
        _track(333000001, 5.0, 60.0, 8.0),  # a 90-min hole in one vessel's track
        _track(333000002, 5.001, 60.001, 8.0, silent=(3.0, 4.5)),
    ]
    store = _tracks_store(tmp_path / "store", frames)
    local, remote = _both_engines(store, tmp_path, spark, options=SparkOptions(window_hours=1))
    assert_frame_equal(local, remote)
    meetings = remote.filter(pl.col("kind") == "encounter")
    assert sorted(meetings["mmsi"]) == [111000001, 222000001, 333000001]


def test_missing_pyspark_is_an_engine_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from darkfleet.engine._spark_session import spark_session

    real_import = builtins.__import__

    def no_pyspark(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("pyspark"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyspark)
    with pytest.raises(EngineError, match="pip install 'darkfleet\\[spark\\]'") as caught:
        spark_session("local[1]")
    assert caught.value.exit_code == 4


def test_missing_java_is_an_engine_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from darkfleet.engine._spark_session import spark_session

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EngineError, match="Java"):
        spark_session("local[1]")
