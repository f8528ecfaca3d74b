"""The command line: summaries, JSON output, and one clear line per failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from darkfleet import Store

NOAA = Path(__file__).parent / "data" / "marinecadastre" / "noaa_20230111_sample.csv"
Cli = Callable[..., CompletedProcess[str]]


def one_error_line(done: CompletedProcess[str], code: int, text: str) -> None:
    assert done.returncode == code, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_ingest_json_reports_every_record(cli: Cli, store_dir: Path) -> None:
    done = cli("ingest", "--store", store_dir, "--json", NOAA)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    keys = {"read", "accepted", "duplicates", "ignored", "rejected", "rejected_by_reason", "files"}
    assert keys <= set(report)
    f = report["files"][0]
    assert f["path"] == str(NOAA) and f["format"] == "marinecadastre"
    assert f["read"] == 1000 == f["accepted"] + f["duplicates"] + f["ignored"] + f["rejected"]
    assert f["rejected_by_reason"] == {"bad_value": 2}


def test_info_json_has_no_paths_or_clock_times(cli: Cli, store_dir: Path) -> None:
    cli("ingest", "--store", store_dir, NOAA)
    info = json.loads(cli("info", "--store", store_dir, "--json").stdout)
    assert info == {
        "positions": 998,
        "static": 997,
        "events": 0,
        "rejects": 2,
        "vessels": 998,
        "start": "2023-01-11T00:00:00Z",
        "end": "2023-01-11T23:59:01Z",
        "bbox": info["bbox"],
    }
    min_lon, min_lat, max_lon, max_lat = info["bbox"]
    assert -180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90


def test_store_from_environment(cli: Cli, store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DARKFLEET_STORE", str(store_dir))
    assert cli("ingest", NOAA).returncode == 0
    assert Store(store_dir).info().positions == 998


def test_rejects_lists_reasons_with_examples(cli: Cli, store_dir: Path) -> None:
    cli("ingest", "--store", store_dir, NOAA)
    done = cli("rejects", "--store", store_dir)
    assert done.returncode == 0
    assert "bad_value 2" in done.stdout and "noaa_20230111_sample.csv:524" in done.stdout


@pytest.mark.parametrize(
    ("name", "content", "text"),
    [
        ("missing.nmea", None, "no such file"),
        ("empty.csv", b"", "empty file"),
        ("picture.jpg", b"\xff\xd8\xff\xe0" + bytes(100), "not AIS"),
        ("ports.csv", b"iso3,label,latitude,longitude\nKOR,BUSAN,35.1,129.0\n", "not AIS"),
    ],
)
def test_bad_input_is_exit_2(
    cli: Cli, tmp_path: Path, name: str, content: bytes | None, text: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    one_error_line(cli("ingest", "--store", tmp_path / "s", path), 2, text)


def test_permission_denied_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "secret.csv"
    path.write_bytes(NOAA.read_bytes())
    path.chmod(0)
    # root reads any file whatever its mode: drop the capabilities that allow it.
    prefix = []
    if os.geteuid() == 0:
        prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
    cmd = [
        *prefix,
        sys.executable,
        "-c",
        "from darkfleet.cli import main; main()",
        "ingest",
        "--store",
        str(tmp_path / "s"),
        str(path),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    one_error_line(done, 2, "permission denied")


def test_locked_store_is_exit_3(cli: Cli, store_dir: Path) -> None:
    with Store(store_dir, writable=True):
        one_error_line(cli("ingest", "--store", store_dir, NOAA), 3, "locked")


def test_missing_store_is_exit_3(cli: Cli, tmp_path: Path) -> None:
    one_error_line(cli("info", "--store", tmp_path / "nowhere"), 3, "no darkfleet store")


def test_usage_errors_are_exit_1(cli: Cli) -> None:
    assert cli("ingest", "--no-such-option").returncode == 1
    assert cli("no-such-command").returncode == 1


def test_bad_assume_time_is_exit_2(cli: Cli, store_dir: Path) -> None:
    one_error_line(
        cli("ingest", "--store", store_dir, "--assume-time", "yesterday", NOAA),
        2,
        "not an ISO 8601 time",
    )
