"""A transparent additive risk score per vessel, with every point explained.

Definition: a vessel's ``risk_score`` is the sum of whole-point *contributions*, each one
line of ``reasons`` that starts with its points (``+25 dark rendezvous with 445123456 on
2024-03-02 (event 9a6b12c4…)``), so the score equals the sum of the reason points.
Contributions, with the weights of ``risk_weights.toml`` (bundled, every weight
commented there; a user file is merged over it, unknown keys are a ConfigError):

* **events** of the vessel (pairwise ones count for both vessels) by kind; gaps by
  ``likely_intentional``; identity changes by ``change_type``; zone entries and port
  visits score when they are DPRK ones (see :mod:`darkfleet.assess._common`);
* **sanctions matches**: per list entry its best match type (``name`` scaled by the
  match score, read as 0-1, or 0-100 when above 1);
* **exposure** in the meeting network: nearest sanctioned vessel 1 or 2 hops away,
  DPRK-flagged vessel 1 hop away;
* **flag**: a flag (from the MID, or the identity) on the ITF list of flags of
  convenience below, and the DPRK flag itself.

Each category is capped (``[caps]``): when a cap bites, a negative reason line says so,
so one noisy detector cannot dominate and the sum still holds. Bands (``[bands]``):
low < 20 ≤ medium < 50 ≤ high < 80 ≤ critical (RadianceFleet uses 0-20 / 21-50 /
51-75 / 76+).

**Flags of convenience** (ITF Fair Practices Committee, list of 30 January 2013:
34 registers) as ISO 3166-1 alpha-2 codes: AG BS BB BZ BM BO MM KH KY KM CY GQ FO GE GI
HN JM LB LR MT MH MU MD MN CW (Netherlands Antilles, dissolved 2010; its MID 306 is
Curaçao's now) KP PA ST LK VC TO VU. The French and German international registers
(FIS, GIS) share their country's MID and cannot be told apart in AIS, so they are left
out. Added by the ITF after 2013 and included here: CM (Cameroon), CK (Cook Islands),
PW (Palau), KN (St Kitts and Nevis), SL (Sierra Leone), TZ (Tanzania, Zanzibar
register), TG (Togo); check the ITF's current list before relying on these.

>>> band(55, default_weights())
'high'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from darkfleet.assess._common import (
    DPRK_FLAG,
    PortLookup,
    details_of,
    dprk_port_visits,
    is_dprk_zone,
    short_id,
)
from darkfleet.assess._weights import RiskWeights, band, default_weights, load_weights
from darkfleet.mid import flags

__all__ = [
    "FLAGS_OF_CONVENIENCE",
    "FOC_LIST_DATE",
    "Contribution",
    "RiskWeights",
    "band",
    "contributions",
    "default_weights",
    "load_weights",
    "risk_scores",
]

FOC_LIST_DATE = "2013-01-30"
_FOC_CODES = (
    "AG BS BB BZ BM BO MM KH KY KM CY GQ FO GE GI HN JM LB LR MT MH MU MD MN CW KP PA ST LK "
    "VC TO VU CM CK PW KN SL TZ TG"
)
FLAGS_OF_CONVENIENCE = frozenset(_FOC_CODES.split())
"""ITF flags of convenience as ISO alpha-2 codes (list of 2013-01-30 plus later additions)."""

_EVENT_ORDER = (
    "dark_rendezvous",
    "encounter",
    "shared_mmsi",
    "identity_change",
    "port_visit",
    "zone_entry",
    "gap",
    "draught_change",
    "loitering",
)
_SCHEMA: dict[str, pl.DataType] = {
    "mmsi": pl.Int64(),
    "risk_score": pl.Int64(),
    "risk_band": pl.String(),
    "reasons": pl.List(pl.String()),
}


@dataclass(frozen=True)
class Contribution:
    """Points added to (or, for a cap, taken from) one vessel's score, and why."""

    mmsi: int
    category: str
    points: int
    text: str

    @property
    def reason(self) -> str:
        """``+N text``; "; " never occurs inside, since CSV output joins reasons with it."""
        return f"{self.points:+d} {self.text}".replace("; ", ", ")


def contributions(
    events: pl.DataFrame,
    matches: pl.DataFrame,
    exposure: pl.DataFrame | None,
    vessel_flags: Mapping[int, str | None],
    weights: RiskWeights,
    dprk_ports: Iterable[str] = (),
) -> list[Contribution]:
    """Every contribution to every vessel, caps applied, in reading order per vessel."""
    ports = set(dprk_ports)
    raw = [
        *_event_points(events, weights, ports),
        *_match_points(matches, weights),
        *_exposure_points(exposure, weights),
        *_flag_points(vessel_flags, weights),
    ]
    return _capped(raw, weights)


def _capped(raw: list[Contribution], weights: RiskWeights) -> list[Contribution]:
    order = {c: i for i, c in enumerate(weights.sections["caps"])}
    groups: dict[tuple[int, str], list[Contribution]] = {}
    for c in raw:
        groups.setdefault((c.mmsi, c.category), []).append(c)
    result: list[Contribution] = []
    for mmsi, category in sorted(groups, key=lambda k: (k[0], order[k[1]])):
        items = groups[(mmsi, category)]
        total, cap = sum(c.points for c in items), weights.get("caps", category)
        result.extend(items)
        if total > cap:
            text = f"cap: {category} points limited to {cap} ({total} before the cap)"
            result.append(Contribution(mmsi, category, cap - total, text))
    return result


def _event_points(events: pl.DataFrame, w: RiskWeights, ports: set[str]) -> Iterator[Contribution]:
    ranked = events.with_columns(
        _rank=pl.col("kind").replace_strict(
            {k: i for i, k in enumerate(_EVENT_ORDER)}, default=len(_EVENT_ORDER)
        )
    )
    for row in ranked.sort("_rank", "start", "event_id").iter_rows(named=True):
        points, text = _event_reason(row, details_of(row["details"]), w, ports)
        if points <= 0:
            continue
        for mmsi in (row["mmsi"], row["other_mmsi"]):
            if mmsi is not None:
                other = row["other_mmsi"] if mmsi == row["mmsi"] else row["mmsi"]
                line = text.format(other=other, id=short_id(row["event_id"]))
                yield Contribution(mmsi, row["kind"], points, line)


def _event_reason(
    row: Mapping[str, Any], info: Mapping[str, Any], w: RiskWeights, ports: set[str]
) -> tuple[int, str]:
    kind, day, hours = row["kind"], row["start"].strftime("%Y-%m-%d"), row["duration_h"]
    tail = f"on {day} (event {{id}})"
    if kind == "encounter":
        return w.get("events", kind), f"encounter with {{other}} {tail}, {hours:.1f} h"
    if kind == "dark_rendezvous":
        return w.get("events", kind), f"dark rendezvous with {{other}} {tail}"
    if kind == "gap":
        likely = bool(info.get("likely_intentional"))
        key, note = ("gap_likely_intentional", ", likely intentional") if likely else ("gap", "")
        return w.get("events", key), f"AIS gap of {hours:.1f} h from {day}{note} (event {{id}})"
    if kind == "identity_change":
        return _identity_reason(info, w, tail)
    if kind == "zone_entry":
        zone = info.get("zone")
        key = "zone_entry_dprk" if is_dprk_zone(zone) else "zone_entry"
        return w.get("events", key), f"entered zone {zone} {tail}"
    if kind == "port_visit":
        dprk = row["event_id"] in ports
        key, where = ("port_visit_dprk", " (DPRK)") if dprk else ("port_visit", "")
        return w.get("events", key), f"port visit at {info.get('port')}{where} {tail}"
    return _simple_reason(kind, info, hours, w, tail)


def _simple_reason(
    kind: str, info: Mapping[str, Any], hours: float, w: RiskWeights, tail: str
) -> tuple[int, str]:
    if kind == "draught_change":
        change = f"{info.get('draught_before_m')} → {info.get('draught_after_m')} m"
        return w.get("events", kind), f"draught change {change} at sea {tail}"
    if kind == "loitering":
        return w.get("events", kind), f"loitering for {hours:.1f} h {tail}"
    if kind == "shared_mmsi":
        return w.get("events", kind), f"MMSI shared by several transmitters {tail}"
    return 0, ""


def _identity_reason(info: Mapping[str, Any], w: RiskWeights, tail: str) -> tuple[int, str]:
    change = str(info.get("change_type") or "other")
    table = w.sections["identity_change"]
    points = table.get(change, table["other"])
    if "old" in info or "new" in info:
        return points, f"identity change ({change}: {info.get('old')} → {info.get('new')}) {tail}"
    return points, f"identity change ({change}) {tail}"


def _match_points(matches: pl.DataFrame, w: RiskWeights) -> Iterator[Contribution]:
    best: dict[tuple[int, str, str], tuple[int, dict[str, Any]]] = {}
    for row in matches.sort("mmsi", "list_name", "entry_id", "match_type").iter_rows(named=True):
        points = _match_value(row, w)
        key = (row["mmsi"], row["list_name"], row["entry_id"])
        if key not in best or points > best[key][0]:
            best[key] = (points, row)
    for (mmsi, _, _), (points, row) in sorted(best.items(), key=lambda kv: kv[0]):
        if points > 0:
            yield Contribution(mmsi, "matches", points, _match_text(row))


def _match_value(row: Mapping[str, Any], w: RiskWeights) -> int:
    table = w.sections["matches"]
    weight = table.get(row["match_type"], 0)
    if row["match_type"] != "name":
        return weight
    score = float(row["score"] or 0.0)
    return round(weight * min(1.0, score / 100.0 if score > 1.0 else score))


def _match_text(row: Mapping[str, Any]) -> str:
    dated = f"{row['list_name']} ({row['list_date']})" if row["list_date"] else row["list_name"]
    text = f"sanctions match by {row['match_type']} on {dated}: {row['entry_name']} "
    text += f"[{row['entry_id']}]"
    if row["programs"]:
        text += f", programs {row['programs']}"
    return f"{text}: {row['explanation']}" if row["explanation"] else text


def _exposure_points(exposure: pl.DataFrame | None, w: RiskWeights) -> Iterator[Contribution]:
    if exposure is None:
        return
    for row in exposure.sort("mmsi").iter_rows(named=True):
        path = row["path_to_sanctioned"]
        if row["hops_to_sanctioned"] == 1:
            text = f"met sanctioned vessel {path[-1]}"
            yield Contribution(row["mmsi"], "exposure", w.get("exposure", "sanctioned_1_hop"), text)
        elif row["hops_to_sanctioned"] == 2:
            text = f"two meetings from sanctioned vessel {path[-1]} (via {path[1]})"
            yield Contribution(
                row["mmsi"], "exposure", w.get("exposure", "sanctioned_2_hops"), text
            )
        if row["hops_to_dprk"] == 1:
            text = f"met DPRK-flagged vessel {row['path_to_dprk'][-1]}"
            yield Contribution(row["mmsi"], "exposure", w.get("exposure", "dprk_1_hop"), text)


def _flag_points(vessel_flags: Mapping[int, str | None], w: RiskWeights) -> Iterator[Contribution]:
    for mmsi, flag in sorted(vessel_flags.items()):
        if flag in FLAGS_OF_CONVENIENCE:
            text = f"flag {flag} is a flag of convenience (ITF list, {FOC_LIST_DATE})"
            yield Contribution(mmsi, "flag", w.get("flag", "flag_of_convenience"), text)
        if flag == DPRK_FLAG:
            yield Contribution(mmsi, "flag", w.get("flag", "dprk_flag"), "DPRK flag (MID 445)")


def risk_scores(
    events: pl.DataFrame,
    matches: pl.DataFrame,
    exposure: pl.DataFrame | None = None,
    identities: pl.DataFrame | None = None,
    weights: RiskWeights | None = None,
    places: PortLookup | None = None,
) -> pl.DataFrame:
    """One row per vessel: ``mmsi``, ``risk_score``, ``risk_band``, ``reasons`` (list)."""
    weights = weights or default_weights()
    mmsis = _all_mmsis(events, matches, exposure, identities)
    vessel_flags = _flags(mmsis, identities)
    ports = dprk_port_visits(events, places)
    found = contributions(events, matches, exposure, vessel_flags, weights, ports)
    reasons: dict[int, list[Contribution]] = {m: [] for m in mmsis}
    for c in found:
        reasons.setdefault(c.mmsi, []).append(c)
    rows = [_score_row(m, reasons[m], weights) for m in sorted(reasons)]
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row")


def _score_row(mmsi: int, items: list[Contribution], weights: RiskWeights) -> tuple[Any, ...]:
    score = sum(c.points for c in items)
    return (mmsi, score, band(score, weights), [c.reason for c in items])


def _all_mmsis(
    events: pl.DataFrame,
    matches: pl.DataFrame,
    exposure: pl.DataFrame | None,
    identities: pl.DataFrame | None,
) -> list[int]:
    found = set(events["mmsi"].to_list()) | set(events["other_mmsi"].drop_nulls().to_list())
    found |= set(matches["mmsi"].to_list())
    for frame in (exposure, identities):
        if frame is not None:
            found |= set(frame["mmsi"].to_list())
    return sorted(found)


def _flags(mmsis: list[int], identities: pl.DataFrame | None) -> dict[int, str | None]:
    series = pl.Series("mmsi", mmsis, dtype=pl.Int64)
    result = dict(zip(mmsis, flags(series).to_list(), strict=True))
    if identities is not None and "flag" in identities.columns:
        for mmsi, flag in identities.select("mmsi", "flag").iter_rows():
            result[mmsi] = flag or result.get(mmsi)
    return result
