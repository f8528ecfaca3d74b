"""The JSON API of ``darkfleet serve``: filters, paging, errors, token, traversal, fuzzing.

Unit tests use FastAPI's TestClient; one test talks httpx to a real uvicorn server on a
free loopback port, and a short schemathesis run checks that no generated request
(within the OpenAPI spec) makes the server fail.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
import schemathesis
import uvicorn
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from conftest import run_cli
from darkfleet import schema
from darkfleet.errors import DarkfleetError
from darkfleet.store import Store
from darkfleet.web import check_bind, create_app
from test_report import build_store

# Starlette 1.x asks for the ``httpx2`` fork in its TestClient (schemathesis' ASGI calls use
# it too); httpx is what the web extra installs, and works: silence exactly that notice.
HTTPX_NOTICE = "Using `httpx` with `starlette.testclient` is deprecated"
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=HTTPX_NOTICE)
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.filterwarnings(f"ignore:{HTTPX_NOTICE}")
TOKEN = "s3cret-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free loopback port in a thread; yield its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.getbasetemp() / "evidence")


@pytest.fixture(scope="session")
def events(store_path: Path) -> pl.DataFrame:
    return Store(store_path).read("events")


@pytest.fixture(scope="session")
def client(store_path: Path) -> TestClient:
    return TestClient(create_app(store_path))


def _get(client: TestClient, path: str, status: int = 200, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    return response.json()


def test_events_page_and_total(client: TestClient, events: pl.DataFrame) -> None:
    body = _get(client, "/api/events")
    assert body["total"] == events.height
    assert len(body["items"]) == min(100, events.height)
    assert list(body["items"][0]) == schema.EVENTS.names
    assert body["items"][0]["start"].endswith("Z") and isinstance(body["items"][0]["details"], dict)
    paged = _get(client, "/api/events", limit=3, offset=2)["items"]
    assert [e["event_id"] for e in paged] == [e["event_id"] for e in body["items"][2:5]]
    assert _get(client, "/api/events", offset=10**6)["items"] == []


def test_event_filters(client: TestClient, events: pl.DataFrame) -> None:
    kind = _get(client, "/api/events", kind="encounter", limit=1000)
    assert kind["total"] == events.filter(pl.col("kind") == "encounter").height
    mmsi = int(events.filter(pl.col("kind") == "encounter")["other_mmsi"][0])
    mine = _get(client, "/api/events", mmsi=mmsi, limit=1000)["items"]
    assert mine and all(mmsi in (e["mmsi"], e["other_mmsi"]) for e in mine)
    sure = _get(client, "/api/events", min_confidence=0.9, limit=1000)["items"]
    assert all(e["confidence"] >= 0.9 for e in sure)
    row = events.row(0, named=True)
    box = f"{row['lon'] - 0.01},{row['lat'] - 0.01},{row['lon'] + 0.01},{row['lat'] + 0.01}"
    boxed = _get(client, "/api/events", bbox=box, limit=1000)["items"]
    assert row["event_id"] in {e["event_id"] for e in boxed}
    early = _get(client, "/api/events", until="2024-03-01T06:00Z", limit=1000)["items"]
    assert all(e["start"] < "2024-03-01T06:00:00Z" for e in early)


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"bbox": "1,2,3"}, 400, "bbox"),
        ({"bbox": "0,95,1,96"}, 400, "out of range"),
        ({"kind": "teleport"}, 400, "unknown teleport"),
        ({"since": "2024-03-02", "until": "2024-03-01"}, 400, "not before"),
        ({"since": "yesterday"}, 400, "ISO 8601"),
        ({"limit": 100_001}, 422, "100000"),
        ({"min_confidence": 2}, 422, "1"),
    ],
)
def test_bad_queries_are_4xx_with_a_message(
    client: TestClient, params: dict[str, Any], status: int, words: str
) -> None:
    response = client.get("/api/events", params=params)
    assert response.status_code == status
    assert words in response.text


def test_one_event_case_vessel_and_track(client: TestClient, events: pl.DataFrame) -> None:
    row = events.filter(pl.col("kind") == "encounter").row(0, named=True)
    assert _get(client, f"/api/events/{row['event_id']}")["mmsi"] == row["mmsi"]
    case = _get(client, f"/api/cases/{row['event_id']}")
    assert [v["mmsi"] for v in case["vessels"]] == [row["mmsi"], row["other_mmsi"]]
    _get(client, "/api/events/nope", 404)
    _get(client, "/api/cases/nope", 404)
    vessels = _get(client, "/api/vessels", limit=1000)
    assert row["mmsi"] in {v["mmsi"] for v in vessels["items"]}
    assert _get(client, f"/api/vessels/{row['mmsi']}")["vessel"]["mmsi"] == row["mmsi"]
    _get(client, "/api/vessels/1", 404)
    track = _get(client, f"/api/tracks/{row['mmsi']}", since="2024-03-01", until="2024-03-02")
    line = track["features"][0]
    assert line["geometry"]["type"] == "LineString" and len(line["geometry"]["coordinates"]) > 10
    assert all("2024-03-01" <= t < "2024-03-02" for t in line["properties"]["times"])


def test_stats_openapi_and_dashboard(client: TestClient, events: pl.DataFrame) -> None:
    stats = _get(client, "/api/stats")
    assert stats["events"] == events.height and stats["start"].startswith("2024-03-01")
    paths = _get(client, "/openapi.json")["paths"]
    for path in ("/api/events", "/api/events/{event_id}", "/api/vessels", "/api/stats"):
        assert path in paths
    assert {"/api/vessels/{mmsi}", "/api/tracks/{mmsi}"} <= set(paths)
    page = client.get("/")
    assert page.status_code == 200 and 'data-mode="live"' in page.text
    assert client.get("/static/df-core.js").status_code == 200


def test_read_only_and_headers(client: TestClient) -> None:
    assert client.post("/api/events").status_code == 405
    assert client.delete("/api/events/x").status_code == 405
    response = client.get("/api/stats")
    assert response.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/static/..%2f..%2fweb%2fapp.py",
        "/static/..%2F..%2F..%2Fdarkfleet%2F__init__.py",
        "/static/%2e%2e/%2e%2e/web/app.py",
        "/static/vendor/..%2f..%2f..%2fstore.py",
        "/static/..%5c..%5cweb%5capp.py",
    ],
)
def test_static_routes_cannot_escape(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "import" not in response.text


def test_token_is_required_when_given(store_path: Path) -> None:
    guarded = TestClient(create_app(store_path, token=TOKEN))
    assert guarded.get("/api/stats").status_code == 401
    wrong = guarded.get("/api/stats", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    assert (
        guarded.get("/api/events", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_needs_no_token(host: str) -> None:
    check_bind(host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::", "example.org"])
def test_other_hosts_need_a_token(host: str) -> None:
    with pytest.raises(DarkfleetError, match="without --token") as caught:
        check_bind(host, None)
    assert caught.value.exit_code == 1 and "\n" not in str(caught.value)
    check_bind(host, TOKEN)


def test_serve_command_refuses_a_public_host_without_token(store_path: Path) -> None:
    result = run_cli("serve", "--store", store_path, "--host", "0.0.0.0")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "without --token" in result.stderr


def test_serve_command_serves(store_path: Path) -> None:
    port = free_port()
    cmd = [sys.executable, "-c", "from darkfleet.cli import main; main()", "serve"]
    args = ["--store", str(store_path), "--port", str(port), "--token", TOKEN]
    server = subprocess.Popen([*cmd, *args], stderr=subprocess.PIPE, text=True)
    try:
        stats = _poll(f"http://127.0.0.1:{port}/api/stats", {"Authorization": f"Bearer {TOKEN}"})
        assert stats["events"] > 0
    finally:
        server.terminate()
        server.communicate(timeout=10)


def _poll(url: str, headers: dict[str, str]) -> Any:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(url, headers=headers).raise_for_status().json()
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_live_server_over_http(store_path: Path, events: pl.DataFrame) -> None:
    with live_server(create_app(store_path, token=TOKEN)) as url:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        body = httpx.get(f"{url}/api/events", params={"limit": 5}, headers=auth).json()
        assert body["total"] == events.height and len(body["items"]) == min(5, events.height)
        assert httpx.get(f"{url}/api/events").status_code == 401
        assert httpx.get(f"{url}/").status_code == 200


def test_no_server_errors(store_path: Path) -> None:
    """Schemathesis: requests generated from the OpenAPI spec never get a 5xx."""
    api = schemathesis.openapi.from_asgi("/openapi.json", create_app(store_path))
    checked = 0
    for result in api.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err has no ok(): fails

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def call(case: Any) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        call()
        checked += 1
    assert checked >= 7
