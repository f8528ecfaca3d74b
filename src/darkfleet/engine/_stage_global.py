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

from darkfleet.detect.pipeline import DetectParams
from darkfleet.places import anchorages_from_periods as places_anchorages

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
    """Derived anchorages from periods computed per track and the input's time span."""
    ordered = periods.sort("mmsi", "start", "end", "lat", "lon")
    days = max(1.0, (span["hi"][0] - span["lo"][0]).total_seconds() / 86_400.0)
    return places_anchorages(ordered, days, params.anchorage)
