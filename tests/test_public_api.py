"""The public surface is explicit: every module's ``__all__`` is sorted and importable."""

from __future__ import annotations

import importlib
import pkgutil

import darkfleet


def modules() -> list[str]:
    names = ["darkfleet"]
    for info in pkgutil.walk_packages(darkfleet.__path__, "darkfleet."):
        names.append(info.name)
    return names


def isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return (kind, name)


def test_every_all_is_sorted_and_resolves() -> None:
    checked = 0
    for name in modules():
        if ".web" in name or "spark" in name:
            continue  # optional extras are checked in their own tests
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        if exported is None:
            continue
        assert list(exported) == sorted(exported, key=isort_key), name
        for symbol in exported:
            assert hasattr(module, symbol), f"{name}.{symbol}"
        checked += 1
    assert checked >= 10


def test_error_tree_exit_codes() -> None:
    assert darkfleet.InputFormatError("x").exit_code == 2
    assert darkfleet.ConfigError("x").exit_code == 2
    assert darkfleet.ListError("x").exit_code == 2
    assert darkfleet.StoreError("x").exit_code == 3
    assert darkfleet.EngineError("x").exit_code == 4
    for cls in (darkfleet.InputFormatError, darkfleet.StoreError, darkfleet.EngineError):
        assert issubclass(cls, darkfleet.DarkfleetError)
