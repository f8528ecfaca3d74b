"""Parse the timestamp spellings AIS providers use into UTC microseconds.

ISO 8601 (``T`` or space, optional fraction, ``Z`` or an offset), day-first
``31/12/2015 23:59:59`` (Danish Maritime Authority), minute-resolution variants and
UNIX epochs in seconds or milliseconds. The first format that parses most of a batch
is tried first; rows it misses fall back to the others, so one odd row never costs
speed on the rest.
"""

from __future__ import annotations

import polars as pl

__all__ = ["parse_timestamps"]

UTC_US = pl.Datetime("us", "UTC")
_FORMATS = (
    "%Y-%m-%d %H:%M:%S%.f",
    "%d/%m/%Y %H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M",
    "%Y/%m/%d %H:%M:%S%.f",
    "%m/%d/%Y %H:%M:%S%.f",
)
_EPOCH_MS_THRESHOLD = 100_000_000_000


_EXACT = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%d/%m/%Y %H:%M:%S")


def parse_timestamps(text: pl.Series) -> pl.Series:
    """UTC timestamps for ``text``; null where nothing parses."""
    exact = _exact_format(text)
    if exact is not None:
        parsed = _parse(text, exact)
        missed = parsed.is_null() & text.is_not_null()
        if not missed.any():
            return parsed.alias(text.name)
        return parsed.scatter(missed.arg_true(), _general(text.filter(missed))).alias(text.name)
    return _general(text)


def _exact_format(text: pl.Series) -> str | None:
    """A whole-second format every sampled value has (the fast, common case)."""
    sample = text.drop_nulls().head(50)
    if sample.is_empty():
        return None
    for fmt in _EXACT:
        if _parse(sample, fmt).null_count() == 0:
            return fmt
    return None


def _general(text: pl.Series) -> pl.Series:
    norm = text.str.strip_chars().str.replace("T", " ", literal=True).str.strip_suffix("Z")
    best = _best_format(norm)
    parsed = _parse(norm, best) if best else pl.Series(norm.name, [None] * len(norm), UTC_US)
    missed = parsed.is_null() & norm.is_not_null()
    if missed.any():
        fallback = _coalesced(norm.filter(missed))
        parsed = parsed.scatter(missed.arg_true(), fallback)
    return parsed.alias(text.name)


def _best_format(norm: pl.Series) -> str | None:
    sample = norm.drop_nulls().head(200)
    if sample.is_empty():
        return None
    scores = {fmt: _parse(sample, fmt).null_count() for fmt in _FORMATS}
    fmt, nulls = min(scores.items(), key=lambda item: item[1])
    return fmt if nulls < len(sample) else None


def _parse(norm: pl.Series, fmt: str) -> pl.Series:
    return norm.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC")


def _coalesced(norm: pl.Series) -> pl.Series:
    frame = pl.DataFrame({"t": norm})
    candidates = [
        pl.col("t").str.to_datetime(f, strict=False, time_unit="us", time_zone="UTC")
        for f in _FORMATS
    ]
    number = pl.col("t").cast(pl.Float64, strict=False)
    seconds = pl.when(number > _EPOCH_MS_THRESHOLD).then(number / 1000.0).otherwise(number)
    epoch = (seconds * 1e6).cast(pl.Int64, strict=False).cast(UTC_US)
    return frame.select(pl.coalesce([*candidates, epoch]).alias("t"))["t"]
