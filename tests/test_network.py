"""The meeting network: edges, k-hop exposure, GraphML and JSON exports."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import polars as pl
import typer
from typer.testing import CliRunner

from darkfleet._cli_assess import network as network_command
from darkfleet.assess.network import exposure, meeting_graph, nearest_paths, to_graphml, to_json
from darkfleet.detect._ids import event_id
from darkfleet.errors import ConfigError
from darkfleet.schema import EVENTS, MATCHES, polars_schema
from darkfleet.store import Store

T0 = datetime(2024, 3, 2, 10, tzinfo=UTC)
A, B, C, D = 412000001, 413000002, 414000003, 415000004
KP = 445123456
NS = {"g": "http://graphml.graphdrawing.org/xmlns"}


def meet(a: int, b: int, day: int = 0, kind: str = "encounter") -> dict[str, Any]:
    start = T0 + timedelta(days=day)
    lo, hi = min(a, b), max(a, b)
    return {
        "event_id": event_id(kind, lo, hi, start),
        "kind": kind,
        "mmsi": lo,
        "other_mmsi": hi,
        "start": start,
        "end": start + timedelta(hours=3),
        "duration_h": 3.0,
        "lat": 38.0,
        "lon": 124.0,
        "confidence": 0.8,
        "details": "{}",
    }


def events(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=polars_schema(EVENTS))


def sanctioned(*mmsis: int, match_type: str = "imo") -> pl.DataFrame:
    rows = [
        {
            "mmsi": m,
            "list_name": "OFAC SDN",
            "list_date": "2024-05-01",
            "entry_id": f"E{m}",
            "entry_name": "LISTED",
            "match_type": match_type,
            "score": 1.0,
            "explanation": "same IMO",
            "programs": "DPRK3",
        }
        for m in mmsis
    ]
    return pl.DataFrame(rows, schema=polars_schema(MATCHES))


def test_chain_a_b_c_with_c_sanctioned() -> None:
    graph = meeting_graph(events(meet(A, B), meet(B, C, day=1)), matches=sanctioned(C))
    exposed = {r["mmsi"]: r for r in exposure(graph, sanctioned(C)).to_dicts()}
    assert exposed[A]["hops_to_sanctioned"] == 2
    assert exposed[A]["path_to_sanctioned"] == [A, B, C]
    assert exposed[B]["hops_to_sanctioned"] == 1
    assert exposed[C]["hops_to_sanctioned"] == 0
    assert exposed[A]["hops_to_dprk"] is None


def test_near_imo_and_entity_hits_do_not_make_a_vessel_sanctioned() -> None:
    graph = meeting_graph(events(meet(A, B)), matches=sanctioned(B, match_type="near_imo"))
    exposed = exposure(graph, sanctioned(B, match_type="near_imo"))
    assert exposed["hops_to_sanctioned"].null_count() == exposed.height


def test_dprk_exposure_by_mid_445() -> None:
    graph = meeting_graph(events(meet(A, KP), meet(B, A, day=2)))
    exposed = {r["mmsi"]: r for r in exposure(graph).to_dicts()}
    assert exposed[A]["hops_to_dprk"] == 1
    assert exposed[B]["path_to_dprk"] == [B, A, KP]
    assert graph.nodes.filter(pl.col("mmsi") == KP)["flag"].item() == "KP"


def test_exposure_stops_at_max_hops() -> None:
    graph = meeting_graph(events(meet(A, B), meet(B, C), meet(C, D)), matches=sanctioned(D))
    exposed = {r["mmsi"]: r for r in exposure(graph, sanctioned(D), max_hops=2).to_dicts()}
    assert exposed[B]["hops_to_sanctioned"] == 2
    assert exposed[A]["hops_to_sanctioned"] is None


def test_ties_go_through_the_smallest_mmsi() -> None:
    adjacency = {1: [2, 3], 2: [1, 9], 3: [1, 9], 9: [2, 3]}
    assert nearest_paths(adjacency, {9}, 3)[1] == [1, 2, 9]


def test_repeated_meetings_make_one_edge_with_counts() -> None:
    graph = meeting_graph(
        events(meet(A, B), meet(B, A, day=3), meet(A, B, day=5, kind="dark_rendezvous"))
    )
    edge = graph.edges.row(0, named=True)
    assert graph.edges.height == 1
    assert (edge["meetings"], edge["encounters"], edge["dark_rendezvous"]) == (3, 2, 1)
    assert edge["first"] == T0 and edge["last"] == T0 + timedelta(days=5, hours=3)
    assert len(edge["event_ids"]) == 3


def test_other_kinds_are_not_meetings() -> None:
    row = meet(A, B) | {"kind": "loitering", "other_mmsi": None}
    assert meeting_graph(events(row)).edges.height == 0


def test_identity_attributes_reach_the_nodes() -> None:
    identities = pl.DataFrame({"mmsi": [A], "name": ["OCEAN STAR"], "imo": [9134270]})
    graph = meeting_graph(events(meet(A, B)), identities)
    node = graph.nodes.filter(pl.col("mmsi") == A).row(0, named=True)
    assert (node["name"], node["imo"], node["flag"]) == ("OCEAN STAR", 9134270, "CN")


def test_graphml_parses_and_has_the_nodes_and_edges() -> None:
    graph = meeting_graph(events(meet(A, B), meet(B, C, day=1)), matches=sanctioned(C))
    text = to_graphml(graph, exposure(graph, sanctioned(C)), {"disclaimer": "Not a legal finding"})
    root = ET.fromstring(text)
    nodes = root.findall("g:graph/g:node", NS)
    edges = root.findall("g:graph/g:edge", NS)
    assert sorted(int(n.get("id", "")) for n in nodes) == [A, B, C]
    assert {(e.get("source"), e.get("target")) for e in edges} == {
        (str(A), str(B)),
        (str(B), str(C)),
    }
    keys = {k.get("attr.name"): k.get("attr.type") for k in root.findall("g:key", NS)}
    assert keys["sanctioned"] == "boolean" and keys["meetings"] == "long"
    c_node = next(n for n in nodes if n.get("id") == str(C))
    values = {d.get("key"): d.text for d in c_node.findall("g:data", NS)}
    assert values["node_sanctioned"] == "true" and values["node_hops_to_sanctioned"] == "0"
    graph_data = root.find("g:graph/g:data[@key='graph_disclaimer']", NS)
    assert graph_data is not None and graph_data.text == "Not a legal finding"


def test_json_export_has_nodes_and_links() -> None:
    graph = meeting_graph(events(meet(A, B)))
    data = json.loads(json.dumps(to_json(graph, exposure(graph), {"max_hops": 3}), default=str))
    assert [n["id"] for n in data["nodes"]] == [A, B]
    assert data["links"][0]["source"] == A and data["links"][0]["target"] == B
    assert data["links"][0]["first"] == "2024-03-02T10:00:00Z"
    assert data["graph"] == {"max_hops": 3}


def test_empty_events_give_an_empty_graph() -> None:
    graph = meeting_graph(events())
    assert graph.nodes.height == 0 and exposure(graph).height == 0
    assert ET.fromstring(to_graphml(graph)).tag.endswith("graphml")


def test_cli_network_graphml_and_json(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with Store(root, writable=True) as st:
        st.replace_table("events", events(meet(A, B), meet(B, C, day=1)))
        st.replace_table("matches", sanctioned(C))
    app = typer.Typer()
    app.command()(network_command)
    out = tmp_path / "net.graphml"
    result = CliRunner().invoke(app, ["--store", str(root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    root_el = ET.parse(out).getroot()
    assert len(root_el.findall("g:graph/g:node", NS)) == 3
    lists = root_el.find("g:graph/g:data[@key='graph_list_dates']", NS)
    assert lists is not None and lists.text == "OFAC SDN=2024-05-01"
    result = CliRunner().invoke(app, ["--store", str(root), "--format", "json", "--hops", "1"])
    data = json.loads(result.stdout)
    assert "Not a legal finding" in data["graph"]["disclaimer"]
    hops = {n["id"]: n["hops_to_sanctioned"] for n in data["nodes"]}
    assert hops == {A: None, B: 1, C: 0}
    bad = CliRunner().invoke(app, ["--store", str(root), "--format", "dot"])
    assert isinstance(bad.exception, ConfigError)
