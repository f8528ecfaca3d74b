"""Blocked all-pairs string similarity with rapidfuzz.

Keys are compared only within a block (their first character), with
``rapidfuzz.process.cdist`` on all cores and a score cutoff, so 10,000 AIS names against
30,000 list names is tens of millions of cheap comparisons rather than a Python loop.
A misspelt first letter is the price of the blocking.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

__all__ = ["similar_pairs"]

PAIRS = pl.Schema({"left": pl.String(), "right": pl.String(), "similarity": pl.Int64()})


def similar_pairs(left: pl.Series, right: pl.Series, cutoff: float) -> pl.DataFrame:
    """Distinct (left, right, similarity 0-100) pairs whose ``fuzz.ratio`` ≥ ``cutoff``."""
    right_blocks = _blocks(right)
    frames = [
        _pairs(keys, right_blocks[block], cutoff)
        for block, keys in _blocks(left).items()
        if block in right_blocks
    ]
    return pl.concat(frames) if frames else pl.DataFrame(schema=PAIRS)


def _blocks(keys: pl.Series) -> dict[str, list[str]]:
    frame = pl.DataFrame({"key": keys.drop_nulls().unique().sort()})
    grouped = frame.group_by(pl.col("key").str.slice(0, 1).alias("block")).agg("key")
    return {block: list(members) for block, members in grouped.iter_rows()}


def _pairs(left: list[str], right: list[str], cutoff: float) -> pl.DataFrame:
    scores = process.cdist(
        left, right, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.uint8, workers=-1
    )
    i, j = np.nonzero(scores)
    return pl.DataFrame(
        {
            "left": np.asarray(left, dtype=object)[i],
            "right": np.asarray(right, dtype=object)[j],
            "similarity": scores[i, j].astype(np.int64),
        },
        schema=PAIRS,
    )
