"""darkfleet: find sanctions evasion at sea in AIS vessel-tracking data."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
