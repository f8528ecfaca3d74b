"""Sea regions for the scenario simulator: a bounding box, real ports and sea waypoints.

Port positions are the World Port Index coordinates (public domain, via Global Fishing
Watch's anchorages pipeline), so that a detector using WPI ports sees every simulated
berth and anchorage within 10 km of a port. Berths and anchorages are hand-checked water
points (``global_land_mask``) 1-8 km from the port; waypoints are hand-placed open-sea
points from which the route graph is built.

>>> REGIONS["yellow-sea"].ports[0].name
'DALIAN'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["REGIONS", "Port", "Region"]

LatLon = tuple[float, float]


@dataclass(frozen=True)
class Port:
    """A real port: its WPI position, a berth and an anchorage (both on water)."""

    name: str
    lat: float
    lon: float
    berth: LatLon
    anchorage: LatLon


@dataclass(frozen=True)
class Region:
    """A simulated sea area: bbox (min_lon, min_lat, max_lon, max_lat), ports, lanes, flags."""

    name: str
    bbox: tuple[float, float, float, float]
    ports: tuple[Port, ...]
    waypoints: tuple[LatLon, ...]
    flags: tuple[tuple[int, float], ...]
    dprk_share: float


YELLOW_SEA = Region(
    name="yellow-sea",
    bbox=(117.5, 32.5, 127.0, 41.0),
    ports=(
        Port("DALIAN", 38.9167, 121.6667, (38.938, 121.677), (38.895, 121.743)),
        Port("TIANJIN XIN GANG", 38.9667, 117.8333, (38.971, 117.833), (38.976, 117.902)),
        Port("QINGDAO GANG", 36.0333, 120.2667, (36.038, 120.267), (36.010, 120.345)),
        Port("YANTAI", 37.55, 121.45, (37.554, 121.450), (37.584, 121.524)),
        Port("LIANYUNGANG", 34.7333, 119.45, (34.761, 119.478), (34.785, 119.503)),
        Port("RIZHAO", 35.3833, 119.5667, (35.387, 119.569), (35.360, 119.644)),
        Port("INCHON", 37.4667, 126.6167, (37.447, 126.603), (37.412, 126.577)),
        Port("NAMPO", 38.7167, 125.4, (38.714, 125.404), (38.692, 125.345)),
    ),
    waypoints=(
        (38.85, 118.60),
        (38.60, 119.80),
        (38.55, 120.95),
        (38.45, 121.50),
        (38.70, 121.95),
        (38.30, 122.50),
        (37.80, 121.60),
        (37.75, 122.40),
        (37.50, 123.00),
        (36.80, 122.90),
        (36.00, 121.00),
        (35.90, 120.60),
        (35.20, 119.90),
        (34.85, 119.90),
        (35.00, 121.50),
        (36.50, 124.00),
        (37.25, 125.80),
        (37.31, 126.36),
        (37.36, 126.05),
        (38.70, 125.12),
        (38.30, 124.30),
        (38.60, 124.70),
        (38.70, 125.00),
        (33.50, 122.50),
        (34.00, 124.50),
        (39.30, 123.60),
        (37.60, 119.90),
    ),
    flags=(
        (412, 20.0),
        (413, 12.0),
        (414, 6.0),
        (440, 6.0),
        (441, 3.0),
        (351, 4.0),
        (352, 2.0),
        (353, 2.0),
        (354, 1.0),
        (355, 1.0),
        (356, 1.0),
        (357, 1.0),
        (667, 3.0),
        (671, 2.0),
        (457, 2.0),
        (477, 4.0),
        (636, 3.0),
        (538, 3.0),
    ),
    dprk_share=0.04,
)

GULF_OF_TONKIN = Region(
    name="gulf-of-tonkin",
    bbox=(105.3, 15.8, 111.0, 22.0),
    ports=(
        Port("BEIHAI", 21.4833, 109.0667, (21.488, 109.067), (21.460, 108.999)),
        Port("QINZHOU", 21.7333, 108.5833, (21.731, 108.588), (21.670, 108.608)),
        Port("HAIKOU", 20.05, 110.2833, (20.054, 110.283), (20.113, 110.259)),
        Port("YANGPU", 19.7333, 109.1833, (19.736, 109.169), (19.745, 109.113)),
        Port("BASUO", 19.1, 108.6167, (19.104, 108.617), (19.100, 108.545)),
        Port("NGHE TINH", 18.7667, 105.7667, (18.771, 105.767), (18.810, 105.821)),
        Port("DA NANG", 16.1, 108.2167, (16.100, 108.205), (16.162, 108.228)),
    ),
    waypoints=(
        (21.20, 108.90),
        (20.60, 108.00),
        (20.60, 107.30),
        (19.50, 107.50),
        (18.60, 106.50),
        (18.00, 107.50),
        (17.20, 107.80),
        (16.60, 108.40),
        (19.30, 108.30),
        (20.15, 109.50),
        (20.20, 110.05),
        (20.90, 109.50),
        (19.90, 108.90),
        (21.30, 108.50),
        (18.80, 107.00),
    ),
    flags=(
        (574, 30.0),
        (412, 14.0),
        (413, 10.0),
        (414, 4.0),
        (477, 5.0),
        (351, 3.0),
        (352, 2.0),
        (356, 2.0),
        (636, 3.0),
        (563, 3.0),
        (538, 2.0),
    ),
    dprk_share=0.0,
)

NORTH_SEA = Region(
    name="north-sea",
    bbox=(-3.0, 51.0, 9.5, 58.5),
    ports=(
        Port("EUROPOORT", 51.95, 4.1167, (51.984, 4.097), (51.993, 4.033)),
        Port("IJMUIDEN", 52.4667, 4.5833, (52.471, 4.583), (52.467, 4.473)),
        Port("FELIXSTOWE", 51.95, 1.3167, (51.947, 1.330), (51.907, 1.400)),
        Port("GREAT YARMOUTH", 52.6167, 1.7333, (52.621, 1.737), (52.617, 1.844)),
        Port("TEESPORT", 54.65, -1.1333, (54.654, -1.133), (54.708, -1.075)),
        Port("ABERDEEN", 57.15, -2.0833, (57.154, -2.079), (57.150, -1.959)),
        Port("WILHELMSHAVEN", 53.5333, 8.1667, (53.535, 8.174), (53.587, 8.167)),
        Port("CUXHAVEN", 53.8667, 8.7167, (53.871, 8.717), (53.934, 8.717)),
    ),
    waypoints=(
        (52.00, 3.00),
        (51.90, 2.00),
        (52.60, 3.40),
        (53.30, 4.30),
        (53.80, 6.00),
        (54.00, 7.60),
        (53.70, 1.00),
        (54.30, 0.20),
        (54.80, -0.80),
        (56.00, -1.00),
        (56.80, -1.50),
        (55.50, 2.50),
        (56.50, 4.00),
        (54.50, 4.00),
        (53.20, 2.30),
        (53.95, 8.20),
        (53.75, 8.05),
    ),
    flags=(
        (244, 10.0),
        (245, 4.0),
        (211, 8.0),
        (218, 3.0),
        (232, 6.0),
        (235, 4.0),
        (257, 5.0),
        (219, 4.0),
        (205, 3.0),
        (636, 8.0),
        (538, 6.0),
        (215, 3.0),
        (248, 3.0),
        (256, 2.0),
        (351, 3.0),
        (613, 2.0),
        (626, 2.0),
    ),
    dprk_share=0.0,
)

REGIONS: dict[str, Region] = {r.name: r for r in (YELLOW_SEA, GULF_OF_TONKIN, NORTH_SEA)}
"""Every region the simulator knows, by name."""
