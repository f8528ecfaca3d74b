"""One error tree for darkfleet; the CLI maps each branch to a documented exit code.

    DarkfleetError                exit 1 (usage)
    ├── InputFormatError          exit 2  a file that cannot be read as AIS
    ├── ConfigError               exit 2  a bad parameter or settings file
    ├── ListError                 exit 2  a malformed sanctions list or watchlist
    ├── StoreError                exit 3  locked, corrupt or full store
    └── EngineError               exit 4  Spark or another engine failed

>>> raise InputFormatError("data.jpg: not AIS (no NMEA sentences or known CSV header)")
Traceback (most recent call last):
...
darkfleet.errors.InputFormatError: data.jpg: not AIS (no NMEA sentences or known CSV header)
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DarkfleetError",
    "DarkfleetWarning",
    "EngineError",
    "InputFormatError",
    "ListError",
    "StoreError",
]


class DarkfleetError(Exception):
    """Base of every error darkfleet raises on purpose."""

    exit_code = 1


class InputFormatError(DarkfleetError):
    """An input file that is missing, unreadable, empty or not AIS."""

    exit_code = 2


class ConfigError(DarkfleetError):
    """A parameter or settings value that is out of range or of the wrong type."""

    exit_code = 2


class ListError(DarkfleetError):
    """A sanctions list or watchlist that cannot be loaded completely."""

    exit_code = 2


class StoreError(DarkfleetError):
    """The store is locked by another writer, corrupt, or the disk is full."""

    exit_code = 3


class EngineError(DarkfleetError):
    """The execution engine (Spark) is missing or failed."""

    exit_code = 4


class DarkfleetWarning(UserWarning):
    """Base of every warning darkfleet emits."""
