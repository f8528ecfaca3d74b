"""Who met whom: the meeting network and every vessel's exposure to sanctioned or DPRK vessels.

Definitions:

* **Meeting**: an event of kind ``encounter`` or ``dark_rendezvous`` between two MMSIs.
* **Graph**: undirected; nodes are the MMSIs of meetings with their identity
  (``imo``, ``name``, ``callsign``, ``flag``, ``ship_type`` when known, the flag
  otherwise from the MID), ``sanctioned`` and ``dprk_flagged``; one edge per pair with
  ``meetings``, ``encounters``, ``dark_rendezvous``, ``first``, ``last`` (UTC) and the
  ``event_ids``.
* **Sanctioned**: an MMSI with a sanctions match of type ``imo``, ``mmsi``,
  ``callsign`` or ``name`` (a near-miss IMO or an entity hit does not make it so).
* **DPRK-flagged**: an MMSI whose MID is 445.
* **Exposure**: the number of meetings (hops) on the shortest path from a vessel to the
  nearest sanctioned (or DPRK-flagged) vessel, 0 for such a vessel itself, null beyond
  ``max_hops`` (3) or when unconnected; ``path_to_*`` lists the MMSIs from the vessel to
  that target. Ties go to the path through the smallest MMSIs (breadth-first search in
  MMSI order), so the result is deterministic.

GraphML (http://graphml.graphdrawing.org) and JSON (``nodes``/``links``, the networkx
node-link layout) are written here with the standard library: no graph dependency.

>>> meeting_graph(schema.empty(schema.EVENTS)).edges.height
0
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

import polars as pl

from darkfleet import schema  # noqa: F401  (the doctest)
from darkfleet.assess._common import dprk_flagged
from darkfleet.mid import flags

__all__ = [
    "MEETING_KINDS",
    "SANCTIONED_MATCH_TYPES",
    "Network",
    "exposure",
    "meeting_graph",
    "sanctioned_mmsis",
    "to_graphml",
    "to_json",
]

MEETING_KINDS = ("encounter", "dark_rendezvous")
SANCTIONED_MATCH_TYPES = ("imo", "mmsi", "callsign", "name")
IDENTITY_COLUMNS = ("imo", "name", "callsign", "flag", "ship_type")
_GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
_NUMERIC_WHEN_EMPTY = {
    "imo": "long",
    "ship_type": "long",
    "hops_to_sanctioned": "long",
    "hops_to_dprk": "long",
}
_EXPOSURE_SCHEMA: dict[str, pl.DataType] = {
    "mmsi": pl.Int64(),
    "hops_to_sanctioned": pl.Int64(),
    "path_to_sanctioned": pl.List(pl.Int64()),
    "hops_to_dprk": pl.Int64(),
    "path_to_dprk": pl.List(pl.Int64()),
}


@dataclass(frozen=True)
class Network:
    """The meeting graph: ``nodes`` (one row per MMSI) and ``edges`` (one row per pair)."""

    nodes: pl.DataFrame
    edges: pl.DataFrame

    def adjacency(self) -> dict[int, list[int]]:
        """Each MMSI's partners, sorted."""
        links: dict[int, set[int]] = {m: set() for m in self.nodes["mmsi"].to_list()}
        for a, b in self.edges.select("mmsi", "other_mmsi").iter_rows():
            links.setdefault(a, set()).add(b)
            links.setdefault(b, set()).add(a)
        return {m: sorted(partners) for m, partners in links.items()}


def sanctioned_mmsis(matches: pl.DataFrame) -> set[int]:
    """MMSIs with a sanctions match of type imo, mmsi, callsign or name."""
    hits = matches.filter(pl.col("match_type").is_in(SANCTIONED_MATCH_TYPES))
    return set(hits["mmsi"].to_list())


def meeting_graph(
    events: pl.DataFrame,
    identities: pl.DataFrame | None = None,
    matches: pl.DataFrame | None = None,
) -> Network:
    """The graph of meetings in ``events`` (schema.EVENTS), nodes described by ``identities``."""
    edges = _edges(events)
    mmsis = pl.concat([edges["mmsi"], edges["other_mmsi"]]).unique().sort()
    nodes = _nodes(mmsis, identities, matches)
    return Network(nodes, edges)


def _edges(events: pl.DataFrame) -> pl.DataFrame:
    meetings = events.filter(
        pl.col("kind").is_in(MEETING_KINDS) & pl.col("other_mmsi").is_not_null()
    ).with_columns(
        a=pl.min_horizontal("mmsi", "other_mmsi"), b=pl.max_horizontal("mmsi", "other_mmsi")
    )
    grouped = meetings.sort("start").group_by("a", "b", maintain_order=True)
    edges = grouped.agg(
        meetings=pl.len().cast(pl.Int64()),
        encounters=(pl.col("kind") == "encounter").sum().cast(pl.Int64()),
        dark_rendezvous=(pl.col("kind") == "dark_rendezvous").sum().cast(pl.Int64()),
        first=pl.col("start").min(),
        last=pl.col("end").max(),
        event_ids=pl.col("event_id"),
    )
    return edges.rename({"a": "mmsi", "b": "other_mmsi"}).sort("mmsi", "other_mmsi")


def _nodes(
    mmsis: pl.Series, identities: pl.DataFrame | None, matches: pl.DataFrame | None
) -> pl.DataFrame:
    nodes = pl.DataFrame({"mmsi": mmsis.cast(pl.Int64())})
    if identities is not None:
        wanted = ["mmsi", *(c for c in IDENTITY_COLUMNS if c in identities.columns)]
        nodes = nodes.join(identities.select(wanted), on="mmsi", how="left")
    mid_flag = flags(nodes["mmsi"])
    if "flag" in nodes.columns:
        nodes = nodes.with_columns(pl.coalesce(pl.col("flag"), mid_flag).alias("flag"))
    else:
        nodes = nodes.with_columns(mid_flag.alias("flag"))
    sanctioned = sanctioned_mmsis(matches) if matches is not None else set()
    dprk = dprk_flagged(nodes["mmsi"].to_list())
    return nodes.with_columns(
        sanctioned=pl.col("mmsi").is_in(sorted(sanctioned)),
        dprk_flagged=pl.col("mmsi").is_in(sorted(dprk)),
    )


def exposure(
    network: Network, matches: pl.DataFrame | None = None, max_hops: int = 3
) -> pl.DataFrame:
    """Hops and path from every node to the nearest sanctioned and DPRK-flagged vessel."""
    adjacency = network.adjacency()
    sanctioned = sanctioned_mmsis(matches) if matches is not None else set()
    sanctioned |= set(network.nodes.filter("sanctioned")["mmsi"].to_list())
    dprk = dprk_flagged(adjacency) | set(network.nodes.filter("dprk_flagged")["mmsi"].to_list())
    to_sanctioned = nearest_paths(adjacency, sanctioned, max_hops)
    to_dprk = nearest_paths(adjacency, dprk, max_hops)
    rows = [
        _exposure_row(m, to_sanctioned.get(m), to_dprk.get(m))
        for m in sorted(set(adjacency) | sanctioned | dprk)
    ]
    return pl.DataFrame(rows, schema=_EXPOSURE_SCHEMA, orient="row")


def _exposure_row(
    mmsi: int, sanctioned: list[int] | None, dprk: list[int] | None
) -> tuple[Any, ...]:
    def hops(path: list[int] | None) -> int | None:
        return None if path is None else len(path) - 1

    return (mmsi, hops(sanctioned), sanctioned, hops(dprk), dprk)


def nearest_paths(
    adjacency: Mapping[int, list[int]], targets: Iterable[int], max_hops: int
) -> dict[int, list[int]]:
    """For every vessel within ``max_hops`` of a target, the path from it to the nearest one."""
    toward: dict[int, int | None] = {t: None for t in sorted(targets)}
    depth = dict.fromkeys(toward, 0)
    queue = deque(toward)
    while queue:
        here = queue.popleft()
        if depth[here] >= max_hops:
            continue
        for partner in adjacency.get(here, []):
            if partner not in toward:
                toward[partner], depth[partner] = here, depth[here] + 1
                queue.append(partner)
    return {vessel: _walk(vessel, toward) for vessel in toward}


def _walk(vessel: int, toward: Mapping[int, int | None]) -> list[int]:
    path = [vessel]
    while (step := toward[path[-1]]) is not None:
        path.append(step)
    return path


def _node_records(network: Network, exposed: pl.DataFrame | None) -> list[dict[str, Any]]:
    nodes = network.nodes
    if exposed is not None:
        nodes = nodes.join(exposed, on="mmsi", how="left")
    return nodes.to_dicts()


def _edge_records(network: Network) -> list[dict[str, Any]]:
    return [
        {**row, "first": _iso(row["first"]), "last": _iso(row["last"])}
        for row in network.edges.to_dicts()
    ]


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def to_json(
    network: Network, exposed: pl.DataFrame | None = None, graph: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The node-link form: ``{"directed": false, "graph": …, "nodes": […], "links": […]}``."""
    nodes = [{"id": row["mmsi"], **row} for row in _node_records(network, exposed)]
    links = [
        {"source": e.pop("mmsi"), "target": e.pop("other_mmsi"), **e}
        for e in _edge_records(network)
    ]
    return {
        "directed": False,
        "multigraph": False,
        "graph": dict(graph or {}),
        "nodes": nodes,
        "links": links,
    }


def to_graphml(
    network: Network, exposed: pl.DataFrame | None = None, graph: Mapping[str, Any] | None = None
) -> str:
    """GraphML text: node, edge and graph attributes declared as ``<key>`` elements."""
    data = to_json(network, exposed, graph)
    root = ET.Element("graphml", xmlns=_GRAPHML_NS)
    nodes = [_flat(n, drop=("id",)) for n in data["nodes"]]
    links = [_flat(e, drop=("source", "target")) for e in data["links"]]
    _declare(root, "graph", [_flat(data["graph"], drop=())])
    _declare(root, "node", nodes)
    _declare(root, "edge", links)
    body = ET.SubElement(root, "graph", id="meetings", edgedefault="undirected")
    _add_data(body, "graph", _flat(data["graph"], drop=()))
    for node, attrs in zip(data["nodes"], nodes, strict=True):
        _add_data(ET.SubElement(body, "node", id=str(node["id"])), "node", attrs)
    for i, (link, attrs) in enumerate(zip(data["links"], links, strict=True)):
        element = ET.SubElement(
            body, "edge", id=f"e{i}", source=str(link["source"]), target=str(link["target"])
        )
        _add_data(element, "edge", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _flat(record: Mapping[str, Any], drop: tuple[str, ...]) -> dict[str, Any]:
    """GraphML values are scalars: lists become space-separated text."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key in drop:
            continue
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = "; ".join(f"{k}={v}" for k, v in value.items())
        flat[key] = value
    return flat


def _graphml_type(name: str, values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return _NUMERIC_WHEN_EMPTY.get(name, "string")
    if present and all(isinstance(v, bool) for v in present):
        return "boolean"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "long"
    if present and all(isinstance(v, float | int) and not isinstance(v, bool) for v in present):
        return "double"
    return "string"


def _declare(root: ET.Element, domain: str, records: list[dict[str, Any]]) -> None:
    names = list(dict.fromkeys(k for r in records for k in r))
    for name in names:
        kind = _graphml_type(name, [r.get(name) for r in records])
        ET.SubElement(
            root,
            "key",
            {"id": f"{domain}_{name}", "for": domain, "attr.name": name, "attr.type": kind},
        )


def _add_data(element: ET.Element, domain: str, attrs: Mapping[str, Any]) -> None:
    for name, value in attrs.items():
        if value is None:
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        ET.SubElement(element, "data", key=f"{domain}_{name}").text = text
