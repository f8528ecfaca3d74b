"""OpenSanctions / FollowTheMoney (FtM) entities as JSON lines.

One entity per line: ``{"id", "schema", "properties": {...}, "datasets": [...],
"first_seen", "last_change"}``. ``Vessel`` entities carry ``name``, ``imoNumber``,
``mmsi``, ``callSign``, ``flag``, ``previousName``, ``type`` and ``owner`` (ids of other
entities, or nested entities); ``Company``, ``Organization``, ``LegalEntity`` and
``PublicBody`` become entities, ``Person`` individuals, and ``Ownership`` links
(``owner`` → ``asset``) add owners. Other schemata are read and skipped. The list date
is the latest ``last_change`` (else ``last_seen``, ``first_seen``) in the file.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import polars as pl

from darkfleet.errors import ListError
from darkfleet.screen.entries import entries_frame

__all__ = ["LIST_NAME", "looks_like_ftm", "read_ftm"]

LIST_NAME = "OpenSanctions"
_KINDS = {
    "Vessel": "vessel",
    "Company": "entity",
    "Organization": "entity",
    "LegalEntity": "entity",
    "PublicBody": "entity",
    "Person": "individual",
}
_DIGITS = re.compile(r"\d+")
Entity = dict[str, Any]


def looks_like_ftm(text: str) -> bool:
    """True when the file starts with a JSON object."""
    return text.lstrip().startswith("{")


def read_ftm(path: Path, text: str) -> tuple[pl.DataFrame, str | None]:
    """The file's vessels, organisations and people as list entries, and its date."""
    entities = _parse(path, text)
    names = {e["id"]: _first(e, "name") or e["id"] for e in entities}
    owners = _owner_links(entities)
    rows = [_row(e, owners, names) for e in entities if e["schema"] in _KINDS]
    columns = {key: [row[key] for row in rows] for key in _ROW_KEYS}
    stamps = [str(e.get(k)) for e in entities for k in _STAMPS if e.get(k)]
    return entries_frame(columns, LIST_NAME, ""), max(stamps)[:10] if stamps else None


_STAMPS = ("last_change", "last_seen", "first_seen")
_ROW_KEYS = (
    "entry_id", "kind", "name", "aliases", "imo", "mmsi", "callsign", "flag",
    "vessel_type", "owner", "programs", "remarks",
)  # fmt: skip


def _parse(path: Path, text: str) -> list[Entity]:
    entities = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entity = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ListError(f"{path}:{number}: bad JSON ({exc.msg})") from None
        if not isinstance(entity, dict) or not entity.get("id") or not entity.get("schema"):
            raise ListError(f"{path}:{number}: not an FtM entity (needs 'id' and 'schema')")
        if not isinstance(entity.get("properties", {}), dict):
            raise ListError(f"{path}:{number}: 'properties' is not an object")
        entities.append(entity)
    return entities


def _props(entity: Entity, key: str) -> list[Any]:
    values = entity.get("properties", {}).get(key, [])
    return values if isinstance(values, list) else [values]


def _first(entity: Entity, key: str) -> str | None:
    values = [str(v) for v in _props(entity, key) if not isinstance(v, dict)]
    return values[0] if values else None


def _ref(value: Any) -> str:
    """An owner reference: an id, or a nested entity's id."""
    return str(value.get("id", "")) if isinstance(value, dict) else str(value)


def _owner_links(entities: list[Entity]) -> dict[str, list[str]]:
    links: dict[str, list[str]] = defaultdict(list)
    for entity in entities:
        if entity["schema"] == "Ownership":
            for asset in _props(entity, "asset"):
                links[_ref(asset)].extend(_ref(o) for o in _props(entity, "owner"))
        else:
            links[entity["id"]].extend(_ref(o) for o in _props(entity, "owner"))
    return links


def _nested_names(entity: Entity) -> dict[str, str]:
    return {
        str(o.get("id")): str((o.get("properties", {}).get("name") or [o.get("id")])[0])
        for o in _props(entity, "owner")
        if isinstance(o, dict)
    }


def _row(entity: Entity, owners: dict[str, list[str]], names: dict[str, str]) -> dict[str, Any]:
    known = {**names, **_nested_names(entity)}
    all_names = [str(v) for v in _props(entity, "name")]
    extra = ("alias", "weakAlias", "previousName")
    aliases = all_names[1:] + [str(v) for key in extra for v in _props(entity, key)]
    owner = "; ".join(dict.fromkeys(known.get(o, o) for o in owners.get(entity["id"], []) if o))
    return {
        "entry_id": entity["id"],
        "kind": _KINDS[entity["schema"]],
        "name": all_names[0] if all_names else entity["id"],
        "aliases": aliases,
        "imo": _number(_first(entity, "imoNumber")),
        "mmsi": _number(_first(entity, "mmsi")),
        "callsign": _first(entity, "callSign"),
        "flag": _first(entity, "flag"),
        "vessel_type": _first(entity, "type"),
        "owner": owner or None,
        "programs": [str(d) for d in entity.get("datasets", []) + _props(entity, "program")],
        "remarks": "; ".join(str(v) for v in _props(entity, "notes")) or None,
    }


def _number(text: str | None) -> int | None:
    """Digits of an identifier as printed ('IMO 9187629' → 9187629)."""
    found = _DIGITS.findall(text or "")
    return int("".join(found)) if found else None
