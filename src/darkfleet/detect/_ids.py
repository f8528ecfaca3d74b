"""Deterministic event ids: the same event found twice gets the same id.

An id is the first 16 hex digits of the SHA-1 of ``kind|mmsi|other_mmsi|start``, with
``start`` written as ISO 8601 UTC to the microsecond (naive datetimes count as UTC) and
an absent ``other_mmsi`` written as the empty string. Reruns therefore update events
instead of duplicating them.

>>> event_id("encounter", 123, 456, datetime(2018, 1, 1, tzinfo=UTC))
'9a6b3275b9ccfd4c'
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

__all__ = ["event_id"]


def event_id(kind: str, mmsi: int, other_mmsi: int | None, start: datetime) -> str:
    """The deterministic id of one event (see the module docstring for the recipe)."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    iso = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    other = "" if other_mmsi is None else str(int(other_mmsi))
    text = f"{kind}|{int(mmsi)}|{other}|{iso}"
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]
