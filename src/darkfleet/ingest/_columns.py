"""Header names providers use for AIS fields, mapped to darkfleet's canonical columns.

Headers are matched case-insensitively after dropping everything but letters and
digits, so ``BaseDateTime``, ``base_date_time`` and ``# Timestamp`` all normalise.
"""

from __future__ import annotations

import re

__all__ = ["FIELD_SYNONYMS", "canonical_columns", "normalise_header"]

FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "mmsi": ("mmsi", "ssvid", "userid", "mmsinumber", "sourcemmsi"),
    "ts": (
        "ts",
        "basedatetime",
        "timestamp",
        "datetime",
        "time",
        "timeutc",
        "timestamputc",
        "postime",
        "datetimeutc",
        "msgtime",
        "positiontime",
    ),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "long", "longitude", "lng", "x"),
    "sog_kn": ("sogkn", "sog", "speed", "speedoverground", "speedkn", "speedknots"),
    "cog_deg": ("cogdeg", "cog", "course", "courseoverground"),
    "heading_deg": ("headingdeg", "heading", "trueheading", "hdg"),
    "nav_status": ("navstatus", "status", "navigationalstatus", "navigationstatus"),
    "msg_type": ("msgtype", "messagetype", "type", "msgid"),
    "name": ("name", "vesselname", "shipname"),
    "imo": ("imo", "imonumber"),
    "callsign": ("callsign", "callsignal"),
    "ship_type": ("shiptype", "vesseltype", "typeofship", "shiptypecode"),
    "length_m": ("lengthm", "length", "loa"),
    "beam_m": ("beamm", "beam", "width"),
    "draught_m": ("draughtm", "draught", "draft"),
    "destination": ("destination", "dest"),
    "source": ("source", "datasourcetype", "receiver"),
    "mobile_type": ("typeofmobile", "transceiverclass", "mobiletype"),
}

_NON_ALNUM = re.compile(r"[^a-z0-9]")


def normalise_header(name: str) -> str:
    """``'# Timestamp'`` -> ``'timestamp'``; ``'Base_Date_Time'`` -> ``'basedatetime'``."""
    return _NON_ALNUM.sub("", name.lower())


def canonical_columns(header: list[str]) -> dict[str, int]:
    """Canonical field -> column index, for every field the header names (first match wins)."""
    normalised = [normalise_header(h) for h in header]
    found: dict[str, int] = {}
    for field, synonyms in FIELD_SYNONYMS.items():
        for synonym in synonyms:
            if synonym in normalised and normalised.index(synonym) not in found.values():
                found[field] = normalised.index(synonym)
                break
    return found
