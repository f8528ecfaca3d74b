"""The vessels table: one row per MMSI with its identity, events, matches and risk.

Columns: ``mmsi, imo, name, callsign, flag, ship_type, ship_type_text, first_seen,
last_seen, positions, segments, events, sanctions_matches, best_match, match_type,
risk_score, risk_band, reasons``. Identity columns are those of the MMSI's dominant
segment (as ``screen.vessel_identities`` gives them); ``segments`` > 1 says that one
MMSI carried several kinematically separate tracks. ``best_match`` is the strongest
sanctions match (by type: imo, mmsi, callsign, name, entity, near_imo; then score) as
``ENTRY NAME (LIST DATE, entry ID)``.
"""

from __future__ import annotations

import polars as pl

from darkfleet.assess._common import PortLookup
from darkfleet.assess.network import exposure, meeting_graph
from darkfleet.assess.risk import RiskWeights, risk_scores
from darkfleet.mid import ship_type_text

__all__ = ["VESSEL_COLUMNS", "assess_vessels", "vessel_table"]

VESSEL_COLUMNS = (
    "mmsi",
    "imo",
    "name",
    "callsign",
    "flag",
    "ship_type",
    "ship_type_text",
    "first_seen",
    "last_seen",
    "positions",
    "segments",
    "events",
    "sanctions_matches",
    "best_match",
    "match_type",
    "risk_score",
    "risk_band",
    "reasons",
)
_MATCH_RANK = {"imo": 0, "mmsi": 1, "callsign": 2, "name": 3, "entity": 4, "near_imo": 5}
_IDENTITY = ("imo", "name", "callsign", "flag", "ship_type", "first_seen", "last_seen")


def assess_vessels(
    identities: pl.DataFrame,
    events: pl.DataFrame,
    matches: pl.DataFrame,
    weights: RiskWeights | None = None,
    places: PortLookup | None = None,
    max_hops: int = 3,
) -> pl.DataFrame:
    """The whole assessment: network exposure, risk scores and the vessels table."""
    network = meeting_graph(events, identities, matches)
    exposed = exposure(network, matches, max_hops)
    scores = risk_scores(events, matches, exposed, identities, weights, places)
    return vessel_table(identities, events, matches, scores)


def vessel_table(
    identities: pl.DataFrame, events: pl.DataFrame, matches: pl.DataFrame, scores: pl.DataFrame
) -> pl.DataFrame:
    """The vessels table from identities, events, matches and ``risk_scores`` output."""
    base = _identity_frame(identities)
    mmsis = pl.concat([base["mmsi"], scores["mmsi"]]).unique().sort().to_frame()
    table = (
        mmsis.join(base, on="mmsi", how="left")
        .join(_event_counts(events), on="mmsi", how="left")
        .join(_best_matches(matches), on="mmsi", how="left")
        .join(scores, on="mmsi", how="left")
    )
    texts = [ship_type_text(code) for code in table["ship_type"].to_list()]
    counts = ("positions", "segments", "events", "sanctions_matches", "risk_score")
    return table.with_columns(
        pl.col(*counts).fill_null(0),
        ship_type_text=pl.Series(texts, dtype=pl.String()),
        risk_band=pl.col("risk_band").fill_null("low"),
        reasons=pl.col("reasons").fill_null(pl.lit([], dtype=pl.List(pl.String()))),
    ).select(VESSEL_COLUMNS)


def _identity_frame(identities: pl.DataFrame) -> pl.DataFrame:
    columns = {
        name: (pl.col(name) if name in identities.columns else pl.lit(None))
        for name in (*_IDENTITY, "positions", "segments")
    }
    frame = identities.select(pl.col("mmsi").cast(pl.Int64), **columns)
    return frame.with_columns(
        pl.col("imo").cast(pl.Int64),
        pl.col("ship_type").cast(pl.Int64),
        pl.col("positions", "segments").cast(pl.Int64),
    )


def _event_counts(events: pl.DataFrame) -> pl.DataFrame:
    both = pl.concat(
        [events.select("event_id", "mmsi"), events.select("event_id", mmsi="other_mmsi")]
    ).drop_nulls()
    return both.unique().group_by("mmsi").agg(events=pl.len().cast(pl.Int64))


def _best_matches(matches: pl.DataFrame) -> pl.DataFrame:
    rank = pl.col("match_type").replace_strict(_MATCH_RANK, default=len(_MATCH_RANK))
    label = pl.format(
        "{} ({} {}, entry {})",
        "entry_name",
        "list_name",
        pl.col("list_date").fill_null("undated"),
        "entry_id",
    )
    ordered = matches.with_columns(_rank=rank, best_match=label).sort(
        "mmsi", "_rank", pl.col("score"), "entry_id", descending=[False, False, True, False]
    )
    return ordered.group_by("mmsi", maintain_order=True).agg(
        sanctions_matches=pl.len().cast(pl.Int64),
        best_match=pl.col("best_match").first(),
        match_type=pl.col("match_type").first(),
    )
