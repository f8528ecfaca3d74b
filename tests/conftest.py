"""Shared fixtures: paths to the real test data and small file builders."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
OUTPUT = Path(__file__).parent.parent / "test-output"


def report_summary(title: str, text: str) -> None:
    """Show ``text`` in the test run's closing summary (works under pytest-xdist too)."""
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / f"{title}.summary.txt").write_text(text + "\n")


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller, once
        for old in OUTPUT.glob("*.summary.txt"):
            old.unlink()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for path in sorted(OUTPUT.glob("*.summary.txt")):
        terminalreporter.write_sep("-", path.name.removesuffix(".summary.txt"))
        terminalreporter.write(path.read_text())


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write ``content`` to ``tmp_path/name`` and return the path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)
        return path

    return write


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the real ``darkfleet`` command in a subprocess."""
    cmd = [sys.executable, "-c", "from darkfleet.cli import main; main()", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_cli
