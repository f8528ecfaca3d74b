"""The evidence pages in a real browser: Debian's Chromium driven by Playwright.

The report is opened from disk (``file://``, every non-file request aborted and counted)
and the dashboard from a live uvicorn server on a free loopback port. Each page must draw
without console errors; screenshots land in ``test-output/screenshots/``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import Browser, Page, Route, ViewportSize, sync_playwright

from darkfleet.report import build_site
from darkfleet.store import Store
from darkfleet.web import create_app
from test_report import build_store
from test_web_api import live_server

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"
VIEWPORT: ViewportSize = {"width": 1400, "height": 1000}


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.getbasetemp() / "evidence")


@pytest.fixture(scope="module")
def events(store_path: Path) -> pl.DataFrame:
    return Store(store_path).read("events")


@pytest.fixture(scope="module")
def site(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser-site")
    build_site(store_path, out)
    return out


@pytest.fixture(scope="module")
def dashboard(store_path: Path) -> Iterator[str]:
    with live_server(create_app(store_path)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (run scripts/system-deps.sh)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page that fails the test on any console error or off-disk request."""
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    yield tab
    context.close()
    assert problems == []


def _block_network(page: Page, base: str) -> list[str]:
    """Abort every request that is neither a local file nor ``base``; return their URLs."""
    escaped: list[str] = []

    def handle(route: Route) -> None:
        url = route.request.url
        if url.startswith(("file://", "data:")) or (base and url.startswith(base)):
            route.continue_()
        else:
            escaped.append(url)
            route.abort()

    page.route("**/*", handle)
    return escaped


def _ready(page: Page, name: str) -> None:
    page.wait_for_selector(f'body[data-ready="{name}"]', timeout=15_000)
    page.wait_for_timeout(300)  # let Leaflet finish drawing


def _markers_on_map(page: Page) -> int:
    """Single event markers plus the counts written on the clusters."""
    return int(
        page.evaluate(
            """() => document.querySelectorAll('#overview-map .df-ev').length +
               [...document.querySelectorAll('#overview-map .df-cluster span')]
                 .reduce((n, s) => n + Number(s.textContent), 0)"""
        )
    )


def _rows(page: Page) -> int:
    return int(page.locator("#events-table tbody tr").count())


def test_report_overview_from_disk(page: Page, site: Path, events: pl.DataFrame) -> None:
    escaped = _block_network(page, "")
    page.goto((site / "index.html").as_uri())
    _ready(page, "overview")
    located = events.filter(pl.col("lat").is_not_null()).height
    assert _markers_on_map(page) == located
    assert _rows(page) == events.height
    page.screenshot(path=str(SHOTS / "report-overview.png"), full_page=True)
    assert escaped == []


def test_report_filters_change_the_table(page: Page, site: Path, events: pl.DataFrame) -> None:
    page.goto((site / "index.html").as_uri())
    _ready(page, "overview")
    visits = events.filter(pl.col("kind") == "port_visit").height
    page.locator('input[name="kind"][value="port_visit"]').uncheck()
    assert _rows(page) == events.height - visits
    assert _markers_on_map(page) == events.height - visits
    slider = page.locator('input[name="min_confidence"]')
    slider.fill("0.9")
    sure = events.filter((pl.col("kind") != "port_visit") & (pl.col("confidence") >= 0.9)).height
    assert _rows(page) == sure
    page.locator('input[name="until"]').fill("2024-03-01T00:00")
    assert _rows(page) < events.height
    page.screenshot(path=str(SHOTS / "report-filtered.png"), full_page=True)


def test_report_table_sorts(page: Page, site: Path) -> None:
    page.goto((site / "index.html").as_uri())
    _ready(page, "overview")
    header = page.locator('#events-table th[data-key="confidence"] button')
    header.click()
    ups = page.locator("#events-table tbody td.num .df-conf").all_inner_texts()
    values = [float(v.split()[0]) for v in ups]
    assert values == sorted(values)
    header.click()
    downs = page.locator("#events-table tbody td.num .df-conf").all_inner_texts()
    assert [float(v.split()[0]) for v in downs] == sorted(values, reverse=True)


def test_report_case_file_and_vessel_page(page: Page, site: Path, events: pl.DataFrame) -> None:
    escaped = _block_network(page, "")
    event = events.filter(pl.col("kind") == "encounter").row(0, named=True)
    page.goto((site / "index.html").as_uri())
    _ready(page, "overview")
    page.locator(f'tr[data-event-id="{event["event_id"]}"] a.df-open').click()
    _ready(page, "event")
    assert page.url.endswith(f"events/{event['event_id']}.html")
    _assert_case_drawn(page, event["event_id"])
    page.screenshot(path=str(SHOTS / "report-case-encounter.png"), full_page=True)
    page.locator(".df-facts a", has_text=str(event["mmsi"])).first.click()
    _ready(page, "vessel")
    assert page.locator("#vessel-map path.df-track-a").count() >= 1
    assert page.locator("#vessel-map path.df-vessel-event").count() >= 1
    page.screenshot(path=str(SHOTS / "report-vessel.png"), full_page=True)
    assert escaped == []


def _assert_case_drawn(page: Page, event_id: str) -> None:
    assert page.locator("#case-map path.df-track-a").count() >= 1
    assert page.locator("#case-map path.df-track-b").count() >= 1
    assert page.locator("#case-map path.df-track-event").count() >= 2
    assert page.locator("svg.df-chart path.df-series").count() >= 4
    body = page.inner_text("main")
    assert event_id in body and "Not a legal finding" in body and "SHA-256" in body


def test_dashboard_live(page: Page, dashboard: str, events: pl.DataFrame) -> None:
    escaped = _block_network(page, dashboard)
    page.goto(dashboard + "/")
    _ready(page, "overview")
    assert _markers_on_map(page) == events.filter(pl.col("lat").is_not_null()).height
    page.screenshot(path=str(SHOTS / "dashboard-overview.png"), full_page=True)
    event_id = events.filter(pl.col("kind") == "encounter")["event_id"][0]
    page.locator(f'tr[data-event-id="{event_id}"] a.df-open').click()
    _ready(page, "event")
    assert page.url.endswith(f"#/event/{event_id}")
    _assert_case_drawn(page, event_id)
    page.screenshot(path=str(SHOTS / "dashboard-case.png"), full_page=True)
    page.go_back()
    _ready(page, "overview")
    assert escaped == []
