"""darkfleet: find sanctions evasion at sea in AIS vessel-tracking data.

>>> import darkfleet
>>> positions, static = darkfleet.read_ais("positions.csv")  # doctest: +SKIP
"""

from __future__ import annotations

from darkfleet import schema
from darkfleet.errors import (
    ConfigError,
    DarkfleetError,
    DarkfleetWarning,
    EngineError,
    InputFormatError,
    ListError,
    StoreError,
)
from darkfleet.ingest import ingest, read_ais
from darkfleet.store import Store

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DarkfleetError",
    "DarkfleetWarning",
    "EngineError",
    "InputFormatError",
    "ListError",
    "Store",
    "StoreError",
    "__version__",
    "ingest",
    "read_ais",
    "schema",
]
