"""Where the detectors run: ``local`` (in this process) or ``spark`` (a cluster)."""

from __future__ import annotations

from darkfleet.engine.local import detect_store

__all__ = ["detect_store"]
