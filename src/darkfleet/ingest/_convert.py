"""Turn string columns of provider tables into canonical positions and static rows.

Shared by the CSV and JSON readers: each hands over a frame of raw text columns named
by canonical field plus ``line_no`` and ``raw``; this module parses types, applies the
validity rules and splits records into positions, static rows and rejects.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from darkfleet import schema
from darkfleet.ingest import _rules
from darkfleet.ingest._batch import RECORDS, Batch
from darkfleet.ingest._time import parse_timestamps

__all__ = ["NAV_STATUS_TEXT", "SHIP_TYPE_TEXT", "TextRecords", "to_batch"]

SHIP_TYPE_TEXT = {
    "wig": 20,
    "fishing": 30,
    "towing": 31,
    "towinglong": 32,
    "dredging": 33,
    "diving": 34,
    "military": 35,
    "sailing": 36,
    "pleasure": 37,
    "hsc": 40,
    "highspeedcraft": 40,
    "pilot": 50,
    "sar": 51,
    "tug": 52,
    "porttender": 53,
    "antipollution": 54,
    "lawenforcement": 55,
    "medical": 58,
    "passenger": 60,
    "cargo": 70,
    "tanker": 80,
    "other": 90,
}
NAV_STATUS_TEXT = {
    "underwayusingengine": 0,
    "atanchor": 1,
    "notundercommand": 2,
    "restrictedmanoeuverability": 3,
    "restrictedmaneuverability": 3,
    "constrainedbyherdraught": 4,
    "moored": 5,
    "aground": 6,
    "engagedinfishing": 7,
    "underwaysailing": 8,
    "aisdsartisactive": 14,
    "unknownvalue": 15,
    "undefined": 15,
}
_KEYS = ("mmsi", "ts", "lat", "lon")
_STATIC_FIELDS = (
    "imo",
    "name",
    "callsign",
    "ship_type",
    "length_m",
    "beam_m",
    "draught_m",
    "destination",
)


@dataclass(frozen=True)
class TextRecords:
    """One input record per row: canonical field names as text, ``line_no``, ``raw``.

    ``is_vessel`` (bool) marks rows that carry vessel data; the others are counted
    as ignored (base stations, aids to navigation). ``has_position`` (bool) marks rows
    whose record is a position report; the rest are static-only.
    """

    frame: pl.DataFrame
    source: str


def to_batch(
    records: TextRecords, ignored_extra: int = 0, rejects: pl.DataFrame | None = None
) -> Batch:
    """Parse, validate and split ``records`` into a :class:`Batch`."""
    frame = records.frame
    ignored = int((~frame["is_vessel"]).sum()) + ignored_extra
    frame = _parse(frame.filter(pl.col("is_vessel")), records.source)
    frame = frame.with_columns(
        pl.when(pl.col("_unparseable"))
        .then(pl.lit("unparseable"))
        .when(_rules.bad_key(has_position=True))
        .then(pl.lit("bad_value"))
        .otherwise(None)
        .alias("reason")
    )
    bad = frame.filter(pl.col("reason").is_not_null())
    good = frame.filter(pl.col("reason").is_null())
    new_rejects = bad.select(pl.lit(records.source).alias("source"), "line_no", "raw", "reason")
    all_rejects = pl.concat([rejects, new_rejects]) if rejects is not None else new_rejects
    positions = _positions(good.filter(pl.col("has_position")))
    static = _static(good)
    read = frame.height + ignored + (0 if rejects is None else rejects.height)
    rejects_out = all_rejects.sort("line_no").cast(schema.polars_schema(schema.REJECTS))
    return Batch(positions, static, rejects_out, ignored, read)


def _number(frame: pl.DataFrame, col: str, dtype: pl.DataType) -> pl.Expr:
    """A numeric column from text (``" 12.5"``, ``"12"``) or from an already-typed column."""
    expr = pl.col(col)
    if frame.schema[col] == pl.String:
        expr = expr.str.strip_chars().cast(pl.Float64, strict=False)
    if dtype.is_integer():
        expr = expr.round(0)
    return expr.cast(dtype, strict=False).alias(col)


def _coded(frame: pl.DataFrame, col: str, names: dict[str, int], dtype: pl.DataType) -> pl.Expr:
    """An AIS code from a number or from its text name (``"Under way using engine"``)."""
    if frame.schema[col] != pl.String:
        return pl.col(col).cast(dtype, strict=False).alias(col)
    text = pl.col(col).str.to_lowercase().str.replace_all(r"[^a-z0-9]", "")
    numeric = pl.col(col).str.strip_chars().cast(pl.Float64, strict=False)
    named = text.replace_strict(names, default=None, return_dtype=pl.Int64)
    return (
        pl.coalesce([numeric.cast(pl.Int64, strict=False), named])
        .cast(dtype, strict=False)
        .alias(col)
    )


def _parse(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    frame = _ensure_columns(frame)
    text_cols = [c for c in ("mmsi", "lat", "lon") if frame.schema[c] == pl.String]
    imo = pl.col("imo")
    if frame.schema["imo"] == pl.String:  # "IMO9307839" (MarineCadastre), "9307839", ...
        plain = imo.str.strip_prefix("IMO").cast(pl.Int64, strict=False)
        imo = pl.coalesce(plain, imo.str.replace_all(r"[^0-9]", "").cast(pl.Int64, strict=False))
    parsed = frame.with_columns(
        _number(frame, "mmsi", pl.Int64()),
        _number(frame, "lat", pl.Float64()),
        _number(frame, "lon", pl.Float64()),
        _number(frame, "sog_kn", pl.Float32()),
        _number(frame, "cog_deg", pl.Float32()),
        _number(frame, "heading_deg", pl.Int16()),
        _coded(frame, "nav_status", NAV_STATUS_TEXT, pl.Int8()),
        _number(frame, "msg_type", pl.Int8()),
        imo.cast(pl.Int64, strict=False),
        _coded(frame, "ship_type", SHIP_TYPE_TEXT, pl.Int16()),
        _number(frame, "length_m", pl.Float32()),
        _number(frame, "beam_m", pl.Float32()),
        _number(frame, "draught_m", pl.Float32()),
        pl.col("source").cast(pl.String).fill_null(source),
        *[pl.col(c).alias(f"_{c}_text") for c in text_cols],
    )
    if frame.schema["ts"] == pl.String:
        parsed = parsed.with_columns(parse_timestamps(parsed["ts"]))
    unparseable = _unparseable(text_cols).alias("_unparseable")
    return _rules.clean_positions(parsed.with_columns(unparseable))


def _ensure_columns(frame: pl.DataFrame) -> pl.DataFrame:
    wanted = [
        *_KEYS,
        "sog_kn",
        "cog_deg",
        "heading_deg",
        "nav_status",
        "msg_type",
        *_STATIC_FIELDS,
        "source",
    ]
    missing = [pl.lit(None, dtype=pl.String).alias(c) for c in wanted if c not in frame.columns]
    return frame.with_columns(missing) if missing else frame


def _unparseable(text_cols: list[str]) -> pl.Expr:
    """Key text present but not parseable, or MMSI/time missing altogether."""

    def failed(col: str) -> pl.Expr:
        text = pl.col(f"_{col}_text").str.strip_chars()
        return text.is_not_null() & (text != "") & pl.col(col).is_null()

    missing_key = pl.col("mmsi").is_null() | pl.col("ts").is_null()
    position_failed = [failed(c) for c in ("lat", "lon") if c in text_cols]
    return pl.any_horizontal(missing_key, *position_failed)


def _positions(good: pl.DataFrame) -> pl.DataFrame:
    cols = [c for c in schema.POSITIONS.names]
    out = good.select(cols).cast(schema.polars_schema(schema.POSITIONS))
    return out.with_columns(pl.lit(1, dtype=pl.Int32).alias(RECORDS))


def _static(good: pl.DataFrame) -> pl.DataFrame:
    """Static rows; a run of identical reports from one MMSI keeps its first and last."""
    frame = _rules.clean_static(good.select(*schema.STATIC.names, "has_position"))
    has_identity = pl.any_horizontal([pl.col(c).is_not_null() for c in _STATIC_FIELDS])
    frame = frame.filter(has_identity | ~pl.col("has_position"))
    records = pl.when(pl.col("has_position")).then(0).otherwise(1).cast(pl.Int32).alias(RECORDS)
    frame = frame.with_columns(records, pl.struct(_STATIC_FIELDS).hash(seed=7).alias("_h"))
    frame = frame.sort("mmsi", "ts", maintain_order=True)
    h, mmsi = pl.col("_h"), pl.col("mmsi")
    starts = (h != h.shift(1)) | (mmsi != mmsi.shift(1))
    ends = (h != h.shift(-1)) | (mmsi != mmsi.shift(-1))
    frame = frame.filter(starts.fill_null(True) | ends.fill_null(True) | (pl.col(RECORDS) > 0))
    out = frame.select(schema.STATIC.names).cast(schema.polars_schema(schema.STATIC))
    return out.with_columns(frame[RECORDS])
