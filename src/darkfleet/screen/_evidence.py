"""One kind of evidence per function: AIS values that equal or resemble list values.

Every function returns rows of :data:`EVIDENCE`: the MMSI, the row ``_e`` of the
prepared entry table, the match type, a score and the two halves of an explanation
sentence (``lead`` before the entry's description, ``tail`` after it). AIS values come
from the identity history (every value a vessel reported, with when), so past names and
IMOs count as much as current ones.
"""

from __future__ import annotations

import polars as pl

from darkfleet.mid import imo_valid_expr
from darkfleet.screen._fuzzy import similar_pairs
from darkfleet.screen._names import core_key_expr, name_key_expr
from darkfleet.screen._params import ScreenParams

__all__ = [
    "EVIDENCE",
    "callsign_evidence",
    "entity_evidence",
    "imo_evidence",
    "mmsi_evidence",
    "name_evidence",
    "near_imo_evidence",
]

EVIDENCE = pl.Schema(
    {
        "mmsi": pl.Int64(),
        "_e": pl.UInt32(),
        "match_type": pl.String(),
        "score": pl.Float64(),
        "lead": pl.String(),
        "tail": pl.String(),
    }
)


def _out(frame: pl.DataFrame, match_type: str, score: pl.Expr | float, lead: pl.Expr,
         tail: pl.Expr | str = "") -> pl.DataFrame:  # fmt: skip
    tail_expr = tail if isinstance(tail, pl.Expr) else pl.lit(tail)
    return frame.select(
        "mmsi",
        pl.col("_e").cast(pl.UInt32),
        match_type=pl.lit(match_type),
        score=pl.lit(score) if not isinstance(score, pl.Expr) else score,
        lead=lead,
        tail=tail_expr,
    ).cast(EVIDENCE)


def _values(history: pl.DataFrame, field: str) -> pl.DataFrame:
    return history.filter(pl.col("field") == field)


def imo_evidence(history: pl.DataFrame, entries: pl.DataFrame, score: float) -> pl.DataFrame:
    """AIS IMOs equal to a listed IMO (valid check digit; an invalid one scores 0.9 ×)."""
    imos = _values(history, "imo").with_columns(imo=pl.col("value").cast(pl.Int64))
    lead = pl.format("AIS IMO {} ({}) equals the IMO of", "value", "seen")
    valid = imos.join(entries.filter(pl.col("imo").is_not_null()), on="imo")
    invalid = imos.join(
        entries.filter(pl.col("imo_invalid").is_not_null()), left_on="imo", right_on="imo_invalid"
    )
    tail = " (the check digit of this IMO is invalid)"
    return pl.concat(
        [_out(valid, "imo", score, lead), _out(invalid, "imo", 0.9 * score, lead, tail)]
    )


def near_imo_evidence(
    history: pl.DataFrame, entries: pl.DataFrame, valid_score: float, invalid_score: float
) -> pl.DataFrame:
    """AIS IMOs one digit off a listed IMO (Hamming distance 1 on seven digits).

    An AIS IMO that is itself listed is left out. A valid AIS IMO may well be another
    ship, so it scores ``valid_score``; an invalid one (a typo or an altered number)
    scores ``invalid_score``.
    """
    listed = entries.select("_e", listed=pl.coalesce("imo", "imo_invalid")).drop_nulls()
    imos = _values(history, "imo").with_columns(imo=pl.col("value").cast(pl.Int64))
    imos = imos.filter(pl.col("imo").is_between(1_000_000, 9_999_999))
    imos = imos.filter(~pl.col("imo").is_in(listed["listed"].implode()))
    hits = _one_digit_variants(imos).join(listed, left_on="variant", right_on="listed")
    valid = imo_valid_expr(pl.col("imo"))
    lead = pl.format("AIS IMO {} ({}) is one digit off IMO {} of", "value", "seen", "variant")
    why = (
        pl.when(valid)
        .then(pl.lit("a valid IMO, perhaps of another ship"))
        .otherwise(pl.lit("its check digit is invalid: a typo or an altered number"))
    )
    tail = pl.format(" (digit {} differs; {})", "position", why)
    return _out(hits, "near_imo", pl.when(valid).then(valid_score).otherwise(invalid_score),
                lead, tail)  # fmt: skip


def _one_digit_variants(imos: pl.DataFrame) -> pl.DataFrame:
    """Every IMO with one of its seven digits replaced by each other digit."""
    edits = pl.DataFrame({"position": list(range(1, 8))}).join(
        pl.DataFrame({"digit": list(range(10))}), how="cross"
    )
    place = (10 ** (7 - pl.col("position"))).cast(pl.Int64)
    current = pl.col("imo") // place % 10
    variant = pl.col("imo") + (pl.col("digit") - current) * place
    joined = imos.join(edits, how="cross").filter(pl.col("digit") != current)
    return joined.with_columns(variant=variant)


def mmsi_evidence(identities: pl.DataFrame, entries: pl.DataFrame, score: float) -> pl.DataFrame:
    """AIS MMSIs equal to a listed MMSI."""
    vessels = identities.select("mmsi", "first_seen", "last_seen")
    hits = vessels.join(entries.filter(pl.col("mmsi").is_not_null()), on="mmsi")
    hits = hits.with_columns(seen=_seen("first_seen", "last_seen", "seen"))
    return _out(
        hits, "mmsi", score, pl.format("AIS MMSI {} ({}) equals the MMSI of", "mmsi", "seen")
    )


def callsign_evidence(
    history: pl.DataFrame, entries: pl.DataFrame, score: float, min_chars: int
) -> pl.DataFrame:
    """AIS call signs (normalised, at least ``min_chars`` long) equal to a listed one."""
    signs = _values(history, "callsign").filter(pl.col("value").str.len_chars() >= min_chars)
    hits = signs.join(entries, left_on="value", right_on="callsign")
    lead = pl.format("AIS call sign {} ({}) equals the call sign of", "value", "seen")
    return _out(hits, "callsign", score, lead)


def name_evidence(
    history: pl.DataFrame,
    identities: pl.DataFrame,
    names: pl.DataFrame,
    params: ScreenParams,
) -> pl.DataFrame:
    """AIS names resembling a listed vessel's name or alias (fuzzy on the name key).

    Numbers in the names must agree ("NAM SAN 8" is not "NAM SAN 6"); keys shorter than
    ``params.exact_name_below`` must be equal. A flag agreeing with the AIS flag (MID)
    adds ``params.flag_bonus``; a valid AIS IMO that differs from the listed IMO
    multiplies the score by ``params.imo_conflict_factor`` (another ship of that name).
    """
    ais = _values(history, "name").with_columns(key=name_key_expr(pl.col("value")))
    ais = ais.filter(pl.col("key").str.len_chars() >= 3)
    pairs = similar_pairs(ais["key"], names["key"], params.name_threshold)
    vessels = identities.filter(pl.col("imo_valid") | pl.col("imo").is_null())
    hits = (
        ais.join(pairs, left_on="key", right_on="left")
        .join(names, left_on="right", right_on="key")
        .join(vessels.select("mmsi", ais_flag="flag", ais_imo="imo"), on="mmsi", how="left")
        .filter(_digits(pl.col("key")) == _digits(pl.col("right")))
        .filter(
            (pl.col("similarity") == 100)
            | (pl.col("key").str.len_chars() >= params.exact_name_below)
        )
    )
    return _out(hits, "name", _name_score(params), _name_lead(), _name_tail())


def _name_score(params: ScreenParams) -> pl.Expr:
    bonus = pl.when(_flag_agrees()).then(params.flag_bonus).otherwise(0.0)
    factor = pl.when(_imo_conflicts()).then(params.imo_conflict_factor).otherwise(1.0)
    return pl.min_horizontal(params.name_score * pl.col("similarity") / 100 + bonus, 1.0) * factor


def _flag_agrees() -> pl.Expr:
    return (pl.col("ais_flag") == pl.col("flag")).fill_null(False)


def _imo_conflicts() -> pl.Expr:
    return (pl.col("ais_imo") != pl.col("imo")).fill_null(False)


def _name_lead() -> pl.Expr:
    alias = pl.when(pl.col("is_alias")).then(pl.format("the alias or former name '{}'", "label"))
    return pl.format(
        "AIS name '{}' ({}) resembles {} of", "value", "seen", alias.otherwise(pl.lit("the name"))
    )


def _name_tail() -> pl.Expr:
    flag = pl.when(_flag_agrees()).then(pl.format(", flag {} agrees", "flag"))
    imo = pl.when(_imo_conflicts()).then(
        pl.format(", but its IMO {} differs from the listed IMO {}", "ais_imo", "imo")
    )
    notes = pl.concat_str(flag.otherwise(pl.lit("")), imo.otherwise(pl.lit("")))
    return pl.format(" (similarity {}%{})", "similarity", notes)


def entity_evidence(
    history: pl.DataFrame, cores: pl.DataFrame, score: float, threshold: float
) -> pl.DataFrame:
    """AIS names that carry the name of a listed company or organisation."""
    ais = _values(history, "name").with_columns(key=core_key_expr(pl.col("value")))
    pairs = similar_pairs(ais["key"], cores["key"], threshold)
    hits = ais.join(pairs, left_on="key", right_on="left").join(
        cores, left_on="right", right_on="key"
    )
    lead = pl.format("AIS name '{}' ({}) carries the name of", "value", "seen")
    tail = pl.format(" (similarity {}%)", "similarity")
    return _out(hits, "entity", score * pl.col("similarity") / 100, lead, tail)


def _digits(key: pl.Expr) -> pl.Expr:
    return key.str.replace_all(r"[^0-9]", "")


def _seen(first: str, last: str, alias: str) -> pl.Expr:
    a, b = pl.col(first).dt.strftime("%Y-%m-%d"), pl.col(last).dt.strftime("%Y-%m-%d")
    text = pl.when(a == b).then(pl.format("seen {}", a)).otherwise(pl.format("seen {} to {}", a, b))
    return text.fill_null("not seen in positions").alias(alias)
