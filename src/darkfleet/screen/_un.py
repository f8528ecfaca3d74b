"""The UN Security Council Consolidated Sanctions List (XML).

``CONSOLIDATED_LIST`` holds ``INDIVIDUALS/INDIVIDUAL`` and ``ENTITIES/ENTITY`` records:
``DATAID``, ``FIRST_NAME`` … ``FOURTH_NAME``, ``UN_LIST_TYPE`` (the regime, e.g. DPRK),
``REFERENCE_NUMBER`` (``KPe.066``), ``LISTED_ON``, ``COMMENTS1`` and ``*_ALIAS`` names.
It names companies (DPRK shipping firms), not vessels; their "Company Number IMO" is a
company id, not a ship's, so it is left in the remarks. The list date is the root's
``dateGenerated``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import polars as pl

from darkfleet.errors import ListError
from darkfleet.screen.entries import entries_frame

__all__ = ["LIST_NAME", "looks_like_un", "read_un"]

LIST_NAME = "UN SC Consolidated"
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_SPACES = re.compile(r"\s+")


def looks_like_un(text: str) -> bool:
    """True for XML (the root element is checked when parsing)."""
    return text.lstrip().startswith("<")


def read_un(path: Path, data: bytes) -> pl.DataFrame:
    """Every individual and entity of the consolidated list as list entries."""
    root = _parse(path, data)
    generated = root.get("dateGenerated", "")
    if root.tag != "CONSOLIDATED_LIST" or not generated:
        raise ListError(f"{path}:1: not a UN consolidated list (root <{root.tag}>)")
    rows = [
        _record(node, kind)
        for kind, xpath in (("individual", "INDIVIDUALS/INDIVIDUAL"), ("entity", "ENTITIES/ENTITY"))
        for node in root.iterfind(xpath)
    ]
    columns = {key: [row[key] for row in rows] for key in _record_keys()}
    return entries_frame(columns, LIST_NAME, generated[:10])


def _parse(path: Path, data: bytes) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0]
        reason = str(exc.msg).split(": line ")[0]
        raise ListError(f"{path}:{line}: not well-formed XML ({reason})") from None


def _record_keys() -> tuple[str, ...]:
    return ("entry_id", "kind", "name", "aliases", "programs", "remarks")


def _record(node: ET.Element, kind: str) -> dict[str, Any]:
    reference = _text(node, "REFERENCE_NUMBER") or _text(node, "DATAID")
    name = " ".join(filter(None, (_text(node, part) for part in _NAME_PARTS)))
    aliases = [_clean(a.text) for a in node.iter("ALIAS_NAME")]
    regime = _text(node, "UN_LIST_TYPE")
    return {
        "entry_id": reference,
        "kind": kind,
        "name": name,
        "aliases": [a for a in aliases if a and a != name],
        "programs": [regime] if regime else [],
        "remarks": _text(node, "COMMENTS1"),
    }


def _text(node: ET.Element, tag: str) -> str:
    return _clean(node.findtext(tag))


def _clean(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()
