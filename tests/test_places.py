"""Reference places: ports and anchorages, derived anchorages, land and shore, zones."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from darkfleet.errors import ConfigError, InputFormatError
from darkfleet.geo import haversine_km
from darkfleet.places import (
    AnchorageParams,
    Places,
    builtin_zones,
    derive_anchorages,
    load_zones,
    zone_matrix,
    zone_membership,
    zones_containing,
)

ZONES_DIR = Path(__file__).parent / "data" / "zones"
KM_PER_DEG_LAT = 111.195
NAMPO = (38.716667, 125.4)  # World Port Index position
GALVESTON = (29.316667, -94.783333)
T0 = datetime(2024, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def places() -> Places:
    return Places.bundled()


def a(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float64)


# ---------------------------------------------------------------- ports and anchorages


def test_five_km_south_of_nampo(places: Places) -> None:
    labels, km = places.nearest_port(a(NAMPO[0] - 5.0 / KM_PER_DEG_LAT), a(NAMPO[1]))
    assert labels[0] == "NAMPO"
    assert km[0] == pytest.approx(5.0, abs=0.01)


def test_off_galveston_within_five_km(places: Places) -> None:
    lat, lon = a(GALVESTON[0] - 0.03), a(GALVESTON[1] + 0.03)
    expected = haversine_km(lat, lon, GALVESTON[0], GALVESTON[1])
    labels, km = places.nearest_port(lat, lon)
    assert labels[0] == "GALVESTON"
    assert km[0] == pytest.approx(float(expected[0]), abs=0.01)  # stored to 1e-5°
    assert places.in_port(lat, lon)[0]


def test_mid_pacific_is_far_from_any_port(places: Places) -> None:
    km = places.distance_to_port_km(a(10.0, -40.0), a(-150.0, -130.0))
    assert (km > 1000.0).all()


def test_tree_agrees_with_brute_force(places: Places) -> None:
    rng = np.random.default_rng(7)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, 300)))
    lon = rng.uniform(-180, 180, 300)
    plat, plon = places.points["lat"].to_numpy(), places.points["lon"].to_numpy()
    brute = np.array([haversine_km(y, x, plat, plon).min() for y, x in zip(lat, lon, strict=True)])
    np.testing.assert_allclose(places.distance_to_port_km(lat, lon), brute, atol=1e-6)


def test_antimeridian_ports() -> None:
    ports = pl.DataFrame({"lat": [0.0, 0.0], "lon": [179.95, -170.0], "label": ["EAST", "WEST"]})
    places = Places.from_frames(ports)
    labels, km = places.nearest_port(a(0.0, 0.0), a(-179.95, 180.0))
    assert list(labels) == ["EAST", "EAST"]
    np.testing.assert_allclose(km, haversine_km(0.0, a(-179.95, 180.0), 0.0, 179.95))


def test_nan_positions_give_nan_and_no_label(places: Places) -> None:
    labels, km = places.nearest_port(a(np.nan, 10.0), a(0.0, np.nan))
    assert list(labels) == [None, None]
    assert np.isnan(km).all()
    assert not places.on_land(a(np.nan), a(0.0))[0]


def test_nearest_places_names_the_port(places: Places) -> None:
    near = places.nearest_places(a(NAMPO[0] - 5.0 / KM_PER_DEG_LAT, np.nan), a(NAMPO[1], 0.0))
    assert near.columns[-1] == "distance_km"
    first = near.row(0, named=True)
    assert (first["port_label"], first["port_iso3"], first["port_kind"]) == ("NAMPO", "PRK", "port")
    assert near.row(1, named=True)["port_label"] is None


def test_from_frames_needs_lat_lon() -> None:
    with pytest.raises(InputFormatError, match="lat"):
        Places.from_frames(pl.DataFrame({"lon": [1.0]}))


def test_with_anchorages_adds_unnamed_points(places: Places) -> None:
    derived = pl.DataFrame({"lat": [-40.0], "lon": [-120.0], "kind": ["derived_anchorage"]})
    more = places.with_anchorages(derived)
    labels, km = more.nearest_port(a(-40.0), a(-120.01))
    assert labels[0] is None
    assert km[0] < 1.0
    assert places.distance_to_port_km(a(-40.0), a(-120.01))[0] > 1000.0


# ---------------------------------------------------------------------- land and shore


def test_middle_of_yellow_sea_is_far_from_shore(places: Places) -> None:
    assert places.distance_to_shore_km(a(35.5), a(123.5))[0] > 50.0
    assert not places.on_land(a(35.5), a(123.5))[0]


def test_inland_points_are_on_land_with_non_positive_distance(places: Places) -> None:
    lat, lon = a(39.03, 48.85, 23.0), a(125.75, 2.35, 12.0)  # Pyongyang, Paris, Sahara
    assert places.on_land(lat, lon).all()
    dist = places.distance_to_shore_km(lat, lon)
    assert (dist <= 0.0).all()
    assert dist[2] < -500.0


def test_point_nemo_shore_distance(places: Places) -> None:
    assert places.distance_to_shore_km(a(-48.88), a(-123.39))[0] == pytest.approx(2688, abs=30)


def test_antimeridian_shore_distance(places: Places) -> None:
    dist = places.distance_to_shore_km(a(-17.0, -17.0, 40.0), a(180.0, -180.0, 179.999))
    assert dist[0] == dist[1]
    assert np.isfinite(dist).all()
    assert dist[2] > 1000.0  # North Pacific, south of the Aleutians


def test_on_land_matches_global_land_mask() -> None:
    globe = pytest.importorskip("global_land_mask.globe")
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(-89.9, 89.9, 20_000), rng.uniform(-179.9, 179.9, 20_000)
    ours = Places.bundled().on_land(lat, lon)
    assert (ours == globe.is_land(lat, lon)).mean() > 0.999


# ------------------------------------------------------------------ derived anchorages


def stay(mmsi: int, lat: float, lon: float, hours: float, every_min: int = 10) -> pl.DataFrame:
    """One vessel swinging at anchor (about 50 m jitter) for ``hours``."""
    n = int(hours * 60 / every_min) + 1
    rng = np.random.default_rng(mmsi)
    return pl.DataFrame(
        {
            "mmsi": [mmsi] * n,
            "ts": [T0 + timedelta(minutes=every_min * i) for i in range(n)],
            "lat": lat + rng.normal(0, 0.0004, n),
            "lon": lon + rng.normal(0, 0.0004, n),
            "sog_kn": [0.1] * n,
        },
        schema_overrides={"ts": pl.Datetime("us", "UTC")},
    )


def test_five_vessels_for_fourteen_hours_make_an_anchorage() -> None:
    positions = pl.concat([stay(100 + i, 38.7, 125.2, 14.0) for i in range(5)])
    found = derive_anchorages(positions, AnchorageParams())
    assert found.columns == ["lat", "lon", "label", "kind", "vessels", "stationary_hours"]
    assert found.height == 1
    row = found.row(0, named=True)
    assert row["kind"] == "derived_anchorage" and row["label"] is None
    assert row["vessels"] == 5
    assert row["stationary_hours"] == pytest.approx(70.0)
    assert haversine_km(row["lat"], row["lon"], 38.7, 125.2) < 0.1


def test_one_vessel_is_not_an_anchorage() -> None:
    assert derive_anchorages(stay(1, 38.7, 125.2, 14.0), AnchorageParams()).is_empty()


def test_short_stays_and_moving_vessels_do_not_count() -> None:
    short = pl.concat([stay(100 + i, 38.7, 125.2, 10.0) for i in range(5)])
    moving = stay(7, 38.7, 125.2, 14.0).with_columns(pl.col("lat") + pl.int_range(pl.len()) * 0.01)
    params = AnchorageParams(min_vessels=1)
    assert derive_anchorages(short, AnchorageParams()).is_empty()
    assert derive_anchorages(moving, params).is_empty()


def test_segments_are_tracks_and_unsorted_input_is_fine() -> None:
    positions = pl.concat([stay(100 + i, 10.0, 20.0, 13.0) for i in range(4)])
    positions = positions.with_columns(seg_id=pl.lit("a")).sample(
        fraction=1.0, shuffle=True, seed=1
    )
    found = derive_anchorages(positions, AnchorageParams())
    assert found["vessels"].to_list() == [4]


def test_anchorage_across_the_antimeridian() -> None:
    east = [stay(200 + i, -17.0, 179.9995, 13.0) for i in range(2)]
    west = [stay(300 + i, -17.0, -179.9995, 13.0) for i in range(2)]
    found = derive_anchorages(pl.concat(east + west), AnchorageParams(min_vessels=1))
    assert found["vessels"].sum() == 4
    assert (found["lon"].abs() > 179.99).all()


def test_min_vessels_scales_with_days() -> None:
    params = AnchorageParams()
    assert [params.min_vessels_for(d) for d in (1, 30, 180, 365, 1000)] == [4, 4, 10, 20, 20]
    assert AnchorageParams(min_vessels=2).min_vessels_for(365) == 2


@pytest.mark.parametrize(
    "kwargs",
    [{"max_distance_km": 0}, {"min_duration_h": -1}, {"cell_km": float("nan")}, {"min_vessels": 0}],
)
def test_bad_anchorage_params_raise_config_error(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError, match=next(iter(kwargs))):
        AnchorageParams(**kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------- zones


def test_builtin_zone_names() -> None:
    names = [z.name for z in builtin_zones()]
    assert names == [
        "PRK territorial sea (12 nm), west coast",
        "PRK territorial sea (12 nm), east coast",
        "PRK approach (60 nm), west coast",
        "PRK approach (60 nm), east coast",
    ]
    assert all("Natural Earth" in z.source for z in builtin_zones())


def test_zone_membership_inside_and_outside_the_territorial_sea(places: Places) -> None:
    # off Nampo (west), off Wonsan (east), north of South Korea's Baengnyeong, mid Yellow Sea
    lat, lon = a(38.7, 39.25, 38.0, 35.5), a(125.1, 127.6, 124.68, 123.5)
    assert list(places.zone_membership(lat, lon)) == [0, 1, 2, -1]
    inside = zones_containing(lat, lon, places.zones)
    assert inside[0] == [
        "PRK territorial sea (12 nm), west coast",
        "PRK approach (60 nm), west coast",
    ]
    assert inside[3] == []


def test_zone_matrix_shape_and_no_zones() -> None:
    assert zone_matrix(a(1.0, 2.0), a(3.0, 4.0), builtin_zones()).shape == (2, 4)
    assert list(zone_membership(a(1.0), a(3.0), [])) == [-1]


def test_load_user_zone_file() -> None:
    zones = load_zones(ZONES_DIR / "eez_prk.geojson")
    assert [z.name for z in zones] == ["North Korean 12 NM"]
    assert zones[0].source == "eez_prk.geojson"
    hits = zone_matrix(a(41.7, 38.7), a(129.9, 125.1), zones)[:, 0]
    assert list(hits) == [True, False]  # off Chongjin (east coast) yes, west coast no


def write_json(tmp_path: Path, obj: object) -> Path:
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(obj))
    return path


SQUARE = [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]]


def test_bare_polygon_and_unnamed_feature(tmp_path: Path) -> None:
    zones = load_zones(write_json(tmp_path, {"type": "Polygon", "coordinates": SQUARE}))
    assert zones[0].name == "zones #0"
    assert list(zone_membership(a(0.5, 1.5), a(0.5, 0.5), zones)) == [0, -1]


def test_self_intersecting_polygon_is_repaired(tmp_path: Path) -> None:
    bowtie = [[[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]
    zones = load_zones(write_json(tmp_path, {"type": "Polygon", "coordinates": bowtie}))
    assert zones[0].geometry.is_valid


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "no features"),
        (json.dumps({"type": "Point", "coordinates": [0, 0]}), "got type 'Point'"),
        (json.dumps([1, 2]), "expected a GeoJSON"),
        (
            json.dumps({"type": "Feature", "geometry": {"type": "LineString", "coordinates": []}}),
            "feature 0: geometry must be a Polygon",
        ),
        (json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}), "feature 0"),
        (
            json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [500, 0], [0, 1], [0, 0]]]}),
            "WGS84",
        ),
        (
            json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}),
            "no area",
        ),
    ],
)
def test_bad_geojson_raises_input_format_error(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    with pytest.raises(InputFormatError, match=r"bad\.geojson") as err:
        load_zones(path)
    assert problem in str(err.value)


def test_missing_zone_file(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError, match="cannot read"):
        load_zones(tmp_path / "absent.geojson")
