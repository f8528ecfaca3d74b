"""Match vessel identities seen in AIS against sanctions-list entries.

Evidence, strongest first (each a ``match_type`` of :data:`darkfleet.schema.MATCHES`):

* ``imo`` — an IMO the vessel reported equals a listed IMO (check digit valid);
* ``mmsi`` — its MMSI equals a listed MMSI;
* ``callsign`` — a call sign it reported (letters and digits, ≥ 4 of them) equals one;
* ``name`` — a name it reported resembles a listed vessel name or alias (rapidfuzz
  ratio ≥ 90 on normalised keys, numbers equal), raised when the listed flag agrees
  with the AIS flag;
* ``near_imo`` — an IMO it reported is one digit off a listed IMO (never ``imo``);
* ``entity`` — a name it reported carries the name of a listed company, or an entry it
  matched names an owner that is itself listed (e.g. an OFAC vessel's "Linked To"
  company on the UN list).

Past values count: every name, IMO and call sign in the identity history is compared.
One row per vessel and entry: the strongest type, the evidence combined as
``1 - Π(1 - s)``, and an explanation with one sentence per piece of evidence.

>>> ids, history = vessel_identities(positions, static), identity_history(static)  # doctest: +SKIP
>>> screen(ids, history, load_lists(bundled_lists()))  # doctest: +SKIP
"""

from __future__ import annotations

import polars as pl

from darkfleet import schema
from darkfleet.screen import _evidence as ev
from darkfleet.screen._names import core_expr, core_key_expr, name_key_expr
from darkfleet.screen._params import ScreenParams

__all__ = ["DISCLAIMER", "MATCH_TYPES", "ScreenParams", "screen"]

MATCH_TYPES = ("imo", "mmsi", "callsign", "name", "near_imo", "entity")
"""Match types, strongest first: a vessel-entry pair is labelled with the first it has."""

DISCLAIMER = schema.DISCLAIMER


def screen(
    identities: pl.DataFrame,
    history: pl.DataFrame,
    entries: pl.DataFrame,
    params: ScreenParams | None = None,
) -> pl.DataFrame:
    """Matches of AIS vessels against list entries, in :data:`darkfleet.schema.MATCHES` form.

    ``identities`` come from :func:`~darkfleet.screen.vessel_identities`, ``history`` from
    :func:`~darkfleet.screen.identity_history`, ``entries`` from
    :func:`~darkfleet.screen.load_lists`.
    """
    params = params or ScreenParams()
    table = _prepare_entries(entries)
    values = _prepare_history(history)
    vessel = _vessel_evidence(identities, values, table, params)
    owners = _owner_evidence(vessel, table, params)
    entity = ev.entity_evidence(
        values, _entity_cores(table, params), params.entity_score, params.name_threshold
    )
    return _combine(pl.concat([vessel, entity, owners]), table)


def _vessel_evidence(
    identities: pl.DataFrame, values: pl.DataFrame, table: pl.DataFrame, params: ScreenParams
) -> pl.DataFrame:
    vessels = table.filter(pl.col("kind") == "vessel")
    return pl.concat(
        [
            ev.imo_evidence(values, vessels, params.imo_score),
            ev.mmsi_evidence(identities, vessels, params.mmsi_score),
            ev.callsign_evidence(values, vessels, params.callsign_score, params.min_callsign_chars),
            ev.name_evidence(values, identities, _vessel_names(vessels), params),
            ev.near_imo_evidence(
                values, vessels, params.near_imo_valid_score, params.near_imo_invalid_score
            ),
        ]
    )


def _prepare_entries(entries: pl.DataFrame) -> pl.DataFrame:
    programs = entries["programs"].list.join(", ")
    where = pl.when(pl.col("programs_text") != "").then(pl.format(" ({})", "programs_text"))
    return (
        entries.with_row_index("_e")
        .with_columns(programs_text=programs)
        .with_columns(
            ref=pl.format(
                "{} entry {} '{}'{}, listed {}",
                "list_name",
                "entry_id",
                "name",
                where.otherwise(pl.lit("")),
                pl.col("list_date").fill_null("on an unknown date"),
            )
        )
    )


def _prepare_history(history: pl.DataFrame) -> pl.DataFrame:
    """History per MMSI (segments merged), with a 'reported A to B' text."""
    merged = history.group_by("mmsi", "field", "value").agg(
        pl.col("first_seen").min(), pl.col("last_seen").max(), pl.col("reports").sum()
    )
    a = pl.col("first_seen").dt.strftime("%Y-%m-%d")
    b = pl.col("last_seen").dt.strftime("%Y-%m-%d")
    seen = pl.when(a == b).then(pl.format("reported {}", a))
    return merged.with_columns(seen=seen.otherwise(pl.format("reported {} to {}", a, b)))


def _labels(table: pl.DataFrame) -> pl.DataFrame:
    """One row per entry and name or alias, with what kind of label it is."""
    names = table.select("_e", "flag", "imo", label="name", is_alias=pl.lit(False))
    aliases = table.select("_e", "flag", "imo", label="aliases", is_alias=pl.lit(True))
    aliases = aliases.explode("label")
    return pl.concat([names, aliases]).drop_nulls("label")


def _vessel_names(vessels: pl.DataFrame) -> pl.DataFrame:
    labels = _labels(vessels).with_columns(key=name_key_expr(pl.col("label")))
    return labels.filter(pl.col("key").str.len_chars() >= 3).unique(["_e", "key"], keep="first")


def _entity_cores(table: pl.DataFrame, params: ScreenParams) -> pl.DataFrame:
    """Keys of organisation names and aliases: the whole name, and its core.

    A one-word core ("DRAGON" of "DRAGON TRADING LIMITED") is kept only when it is
    long enough to be distinctive ("CHONGCHONGANG").
    """
    entities = table.filter(pl.col("kind") == "entity")
    labels = _labels(entities).with_columns(core=core_expr(pl.col("label")))
    distinct = (pl.col("core").str.count_matches(" ") >= 1) | (
        pl.col("core").str.len_chars() >= params.single_word_entity_chars
    )
    keys = pl.concat(
        [
            labels.filter(distinct).select("_e", key=pl.col("core").str.replace_all(" ", "")),
            labels.select("_e", key=name_key_expr(pl.col("label"))),
        ]
    )
    return keys.filter(pl.col("key").str.len_chars() >= params.min_entity_chars).unique()


def _owner_evidence(
    vessel: pl.DataFrame, table: pl.DataFrame, params: ScreenParams
) -> pl.DataFrame:
    """Listed owners of matched list vessels that are themselves listed organisations.

    Only vessel matches scoring at least ``params.owner_min_score`` pass on to an owner
    (a bare name match does not; a name with an agreeing flag does); near-miss IMOs never.
    """
    strong = vessel.filter(
        (pl.col("match_type") != "near_imo") & (pl.col("score") >= params.owner_min_score)
    )
    best = strong.sort("score", descending=True).unique(["mmsi", "_e"], keep="first")
    owned = best.join(table.select("_e", "owner", parent="ref"), on="_e").drop_nulls("owner")
    owned = owned.with_columns(owner=pl.col("owner").str.split("; ")).explode("owner")
    owned = owned.with_columns(parent_e="_e").drop("_e")
    keys = pl.concat(
        [
            owned.with_columns(key=core_key_expr(pl.col("owner"))),
            owned.with_columns(key=name_key_expr(pl.col("owner"))),
        ]
    )
    hits = keys.join(_entity_cores(table, params), on="key").filter(
        pl.col("_e") != pl.col("parent_e")
    )
    hits = hits.unique(["mmsi", "parent_e", "_e"])
    lead = pl.format(
        "Owner '{}' of {}, which this vessel matches by {}, is", "owner", "parent", "match_type"
    )
    hits = hits.with_columns(
        lead=lead, tail=pl.lit(""), score=pl.col("score") * params.owner_factor
    )
    return hits.with_columns(match_type=pl.lit("entity")).select(ev.EVIDENCE.names())


def _combine(evidence: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    rank = pl.col("match_type").replace_strict(MATCH_TYPES, list(range(len(MATCH_TYPES))))
    sentences = (
        evidence.join(table, on="_e")
        .with_columns(sentence=pl.format("{} {}{}.", "lead", "ref", "tail"), _rank=rank)
        .sort("_rank", "score", "sentence", descending=[False, True, False])
        .unique(["mmsi", "_e", "match_type"], keep="first", maintain_order=True)
    )
    combined = sentences.group_by("mmsi", "_e", maintain_order=True).agg(
        pl.col("match_type").first(),
        score=(1 - (1 - pl.col("score")).product()).round(3),
        explanation=pl.col("sentence").str.join(" "),
    )
    matches = combined.join(table, on="_e").select(
        "mmsi",
        "list_name",
        "list_date",
        "entry_id",
        "match_type",
        "score",
        "explanation",
        entry_name="name",
        programs="programs_text",
    )
    order = ["score", "mmsi", "list_name", "entry_id"]
    matches = matches.sort(order, descending=[True, False, False, False])
    return matches.select(schema.MATCHES.names).cast(schema.polars_schema(schema.MATCHES))
