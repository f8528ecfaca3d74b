"""The parameters of sanctions screening: thresholds and the score of each kind of evidence."""

from __future__ import annotations

from dataclasses import dataclass, fields

from darkfleet.errors import ConfigError

__all__ = ["ScreenParams"]


@dataclass(frozen=True)
class ScreenParams:
    """Thresholds and evidence scores for :func:`darkfleet.screen.screen`.

    Scores are 0-1. A match's score combines its pieces of evidence as independent
    ones: ``1 - Π(1 - s)``.

    >>> ScreenParams(name_threshold=92).name_threshold
    92
    """

    name_threshold: float = 90.0
    """rapidfuzz ``ratio`` (0-100) on name keys needed for a name or entity match."""
    exact_name_below: int = 6
    """Name keys shorter than this (letters and digits) must be equal to match."""
    min_callsign_chars: int = 4
    """Call signs shorter than this are not matched (too many collisions)."""
    min_entity_chars: int = 6
    """Organisation name cores shorter than this are not matched against vessel names."""
    single_word_entity_chars: int = 10
    """A one-word organisation core must be at least this long to be matched."""
    imo_score: float = 0.98
    mmsi_score: float = 0.9
    callsign_score: float = 0.75
    name_score: float = 0.7
    """Score of a name match at similarity 100 (scaled by similarity)."""
    flag_bonus: float = 0.15
    """Added to a name match when the listed flag equals the AIS flag (from the MID)."""
    imo_conflict_factor: float = 0.4
    """Multiplies a name match when the vessel's (valid) IMO differs from the listed one."""
    near_imo_invalid_score: float = 0.55
    near_imo_valid_score: float = 0.2
    """A valid IMO one digit off a listed one is usually another real ship: a weak lead."""
    entity_score: float = 0.5
    owner_factor: float = 0.8
    """An owner link scores this times the score of the vessel match it comes through."""
    owner_min_score: float = 0.8
    """A vessel match must score this much before its listed owner is looked up."""

    def __post_init__(self) -> None:
        if not 50 <= self.name_threshold <= 100:
            raise ConfigError(f"name_threshold {self.name_threshold}: must be within 50-100")
        counts = ("exact_name_below", "min_callsign_chars", "min_entity_chars")
        for name in (*counts, "single_word_entity_chars"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} {getattr(self, name)}: must be at least 1")
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name.endswith(("_score", "_bonus", "_factor")) and not 0 <= value <= 1:
                raise ConfigError(f"{field.name} {value}: must be within 0-1")
