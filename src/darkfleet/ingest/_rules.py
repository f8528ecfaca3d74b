"""Validity rules shared by every reader: what is "not available" and what is impossible.

AIS encodes "not available" with sentinel values (latitude 91, longitude 181, speed
102.3 kn, course 360, heading 511, draught 0). Those become nulls and the record is
kept. An impossible value in a key field (an MMSI that is not nine digits, a latitude
beyond the poles, a time before AIS existed or in the future) rejects the record as
``bad_value``. Out-of-range values in auxiliary fields (speed, course, heading) are
nulled rather than rejected, so that a garbled course never costs a position.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

__all__ = [
    "EARLIEST_TS",
    "bad_key",
    "clean_positions",
    "clean_static",
    "latest_ts",
]

EARLIEST_TS = datetime(1995, 1, 1, tzinfo=UTC)
MIN_MMSI = 100_000_000
MAX_MMSI = 999_999_999


def latest_ts() -> datetime:
    """The latest plausible timestamp: one day after now (receiver clocks drift)."""
    return datetime.now(UTC) + timedelta(days=1)


def clean_positions(frame: pl.DataFrame) -> pl.DataFrame:
    """Sentinels and out-of-range auxiliary values in a positions frame become nulls."""
    lat, lon = pl.col("lat"), pl.col("lon")
    sog, cog, hdg = pl.col("sog_kn"), pl.col("cog_deg"), pl.col("heading_deg")
    return frame.with_columns(
        pl.when(lat.is_nan() | ((lat - 91.0).abs() < 1e-6)).then(None).otherwise(lat).alias("lat"),
        pl.when(lon.is_nan() | ((lon - 181.0).abs() < 1e-6)).then(None).otherwise(lon).alias("lon"),
        pl.when(sog.is_nan() | (sog < 0) | (sog >= 102.25))
        .then(None)
        .otherwise(sog)
        .alias("sog_kn"),
        pl.when(cog.is_nan() | (cog < 0) | (cog >= 360.0))
        .then(None)
        .otherwise(cog)
        .alias("cog_deg"),
        pl.when((hdg < 0) | (hdg >= 360)).then(None).otherwise(hdg).alias("heading_deg"),
    )


def clean_static(frame: pl.DataFrame) -> pl.DataFrame:
    """Zero/blank "not available" values in a static frame become nulls."""

    def blank_to_null(col: str) -> pl.Expr:
        text = pl.col(col).str.replace_all("@", "").str.strip_chars()
        return pl.when(text == "").then(None).otherwise(text).alias(col)

    def zero_to_null(col: str) -> pl.Expr:
        c = pl.col(col)
        return pl.when(c.is_nan() | (c <= 0)).then(None).otherwise(c).alias(col)

    imo, ship = pl.col("imo"), pl.col("ship_type")
    return frame.with_columns(
        blank_to_null("name"),
        blank_to_null("callsign"),
        blank_to_null("destination"),
        zero_to_null("length_m"),
        zero_to_null("beam_m"),
        zero_to_null("draught_m"),
        pl.when(imo <= 0).then(None).otherwise(imo).alias("imo"),
        pl.when(ship <= 0).then(None).otherwise(ship).alias("ship_type"),
    )


def bad_key(has_position: bool = True) -> pl.Expr:
    """True where a row's key fields are impossible (apply after :func:`clean_positions`).

    Null MMSI or time is impossible too: a reader that could not parse them rejects
    the record as ``unparseable`` before this check, so nulls here mean "missing".
    """
    mmsi, ts = pl.col("mmsi"), pl.col("ts")
    bad = (
        mmsi.is_null()
        | (mmsi < MIN_MMSI)
        | (mmsi > MAX_MMSI)
        | ts.is_null()
        | (ts < EARLIEST_TS)
        | (ts > latest_ts())
    )
    if has_position:
        bad = bad | (pl.col("lat").abs() > 90.0) | (pl.col("lon").abs() > 180.0)
    return bad.fill_null(False)
