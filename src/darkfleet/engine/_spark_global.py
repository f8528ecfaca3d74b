"""The global inputs of a Spark run, finished on the driver from per-bucket pieces.

* Vessel components: MMSIs that reported a common valid IMO, so that a bucket holds
  every MMSI identity's "MMSI for IMO" evidence compares (union-find over the
  distinct (mmsi, imo) links, a few per vessel).
* Derived anchorages: ``derive_anchorages`` itself, given the stationary periods that
  the buckets computed per track and the time span of the whole input.

>>> vessel_components(pl.DataFrame({"mmsi": [1, 2, 3], "imo": [9, 9, 8]})).rows()
[(1, 1), (2, 1)]
"""

from __future__ import annotations

from collections import Counter

import polars as pl

from darkfleet import _places_anchorages as anchorage_module
from darkfleet.detect.pipeline import DetectParams
from darkfleet.engine._spark_inject import injected, returning
from darkfleet.places import derive_anchorages

__all__ = ["POINT", "anchorages_from_periods", "vessel_components"]

POINT: dict[str, pl.DataType] = {
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "ts": pl.Datetime("us", "UTC"),
}


def vessel_components(links: pl.DataFrame) -> pl.DataFrame:
    """(mmsi, _component) of MMSIs linked by a shared IMO, named by their smallest MMSI.

    ``links`` holds (mmsi, imo) pairs; MMSIs linked to no other MMSI are left out.
    """
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for _, group in links.group_by("imo"):
        mmsis = [int(m) for m in group["mmsi"]]
        for other in mmsis[1:]:
            low, high = sorted((root(mmsis[0]), root(other)))
            parent[high] = low
    roots = {m: root(m) for m in parent}
    sizes = Counter(roots.values())
    rows = sorted((m, c) for m, c in roots.items() if sizes[c] > 1)
    return pl.DataFrame(rows, schema={"mmsi": pl.Int64, "_component": pl.Int64}, orient="row")


def anchorages_from_periods(
    periods: pl.DataFrame, span: pl.DataFrame, params: DetectParams
) -> pl.DataFrame:
    """``derive_anchorages`` from periods computed per track and the input's time span."""
    ordered = periods.sort("mmsi", "start", "end", "lat", "lon")
    edges = pl.DataFrame(
        {
            "mmsi": [0, 0],
            "ts": [span["lo"][0], span["hi"][0]],
            "lat": [None, None],
            "lon": [None, None],
        },
        schema={"mmsi": pl.Int64, **POINT},
    )
    with injected(anchorage_module, "stationary_periods", returning(ordered)):
        return derive_anchorages(edges, params.anchorage)
