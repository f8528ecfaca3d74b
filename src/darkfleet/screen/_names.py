"""Name normalisation for matching AIS names against list names.

A vessel name is upper-cased; ``M/V``, ``MV``, ``MT``, ``M.T.``, ``M/T``, ``M/S`` prefixes
are dropped; "NO." or "NO" before a number is dropped ("YU JONG NO.2" → "YU JONG 2");
punctuation becomes space and runs of space collapse. The comparison *key* then drops the
spaces too, so transliteration spacing does not matter ("CHON MA SAN" and "CHONMASAN"
share the key ``CHONMASAN``). An organisation's *core* also drops the legal-form and
trade words (CO, LTD, SHIPPING, ...) so a vessel named after its company can be found.

>>> normalise_name("M/V Yu Jong No.2"), name_key("Chon-Ma San"), core_key("Korea Achim Shipping Co")
('YU JONG 2', 'CHONMASAN', 'KOREAACHIM')
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "core_expr",
    "core_key",
    "core_key_expr",
    "name_expr",
    "name_key",
    "name_key_expr",
    "normalise_name",
]

_PREFIX = r"^\s*(?:M\s*/\s*[VTS]|M\.\s*[VT]\.?|M[VT]\.?)\s+"
_NUMBER_WORD = r"\bNO\b\.?\s*(\d)"
_LEGAL_WORDS = (
    "CO", "COMPANY", "CORP", "CORPORATION", "LTD", "LIMITED", "LLC", "INC", "SA", "GMBH",
    "JV", "PLC", "GROUP", "SHIPPING", "SHPG", "TRADING", "HOLDINGS", "THE", "OF", "AND",
    "SARL", "SRL", "BV", "AG", "FZE", "FZCO", "FZC", "PTE", "LLP", "SAS", "SPA", "OOO", "JSC",
    "OJSC", "PJSC", "ZAO", "OAO", "AO",
)  # fmt: skip
_LEGAL = r"\b(?:" + "|".join(_LEGAL_WORDS) + r")\b"


def name_expr(name: pl.Expr) -> pl.Expr:
    """Polars form of :func:`normalise_name`."""
    upper = name.str.to_uppercase().str.replace(_PREFIX, "")
    plain = upper.str.replace_all(_NUMBER_WORD, " ${1}").str.replace_all(r"[^0-9A-Z]+", " ")
    return plain.str.strip_chars()


def name_key_expr(name: pl.Expr) -> pl.Expr:
    """Polars form of :func:`name_key`."""
    return name_expr(name).str.replace_all(" ", "", literal=True)


def core_expr(name: pl.Expr) -> pl.Expr:
    """An organisation's name without legal-form and trade words or digits, spaced."""
    core = name_expr(name).str.replace_all(_LEGAL, "").str.replace_all(r"[0-9]", "")
    return core.str.replace_all(r" +", " ").str.strip_chars()


def core_key_expr(name: pl.Expr) -> pl.Expr:
    """Polars form of :func:`core_key`."""
    return core_expr(name).str.replace_all(" ", "", literal=True)


def _one(expr: pl.Expr, text: str) -> str:
    value = pl.select(expr).item() if text else ""
    return str(value or "")


def normalise_name(name: str) -> str:
    """Upper case, no vessel prefix, no "NO." before numbers, single spaces."""
    return _one(name_expr(pl.lit(name)), name)


def name_key(name: str) -> str:
    """The normalised name without spaces: the key names are compared on."""
    return _one(name_key_expr(pl.lit(name)), name)


def core_key(name: str) -> str:
    """An organisation's key without legal-form and trade words or digits."""
    return _one(core_key_expr(pl.lit(name)), name)
