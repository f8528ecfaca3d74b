"""Risk weights: the bundled ``risk_weights.toml`` with a user file merged over it.

Every value is whole points ≥ 0; a section or key the bundled file does not have is a
:class:`~darkfleet.errors.ConfigError` naming it, as is ``[bands]`` out of order.

>>> default_weights().get("events", "dark_rendezvous")
25
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from darkfleet.errors import ConfigError

__all__ = ["RiskWeights", "band", "default_weights", "load_weights"]


@dataclass(frozen=True)
class RiskWeights:
    """The weights, by section then key (see ``risk_weights.toml``)."""

    sections: Mapping[str, Mapping[str, int]]

    def get(self, section: str, key: str) -> int:
        return self.sections[section][key]


def default_weights() -> RiskWeights:
    """The bundled weights."""
    text = resources.files("darkfleet.assess").joinpath("risk_weights.toml").read_text("utf-8")
    return _validated(tomllib.loads(text), "risk_weights.toml")


def load_weights(path: Path | None = None) -> RiskWeights:
    """The bundled weights with a user TOML file merged over them, section by section."""
    weights = default_weights()
    if path is None:
        return weights
    try:
        user = tomllib.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such weights file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return _validated(_merge(weights, user, path), str(path))


def _merge(base: RiskWeights, user: Mapping[str, Any], path: Path) -> dict[str, Any]:
    merged = {name: dict(values) for name, values in base.sections.items()}
    for section, values in user.items():
        if section not in merged:
            raise ConfigError(f"{path}: unknown section [{section}]; known: {sorted(merged)}")
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: '{section}' must be a [section] of weights")
        unknown = sorted(set(values) - set(merged[section]))
        if unknown:
            known = ", ".join(sorted(merged[section]))
            raise ConfigError(f"{path}: [{section}] unknown weight(s) {unknown}; known: {known}")
        merged[section].update(values)
    return merged


def _validated(data: Mapping[str, Any], where: str) -> RiskWeights:
    for section, values in data.items():
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{where}: [{section}] {key} = {value!r}: need whole points ≥ 0")
    bands = data["bands"]
    if not bands["medium"] <= bands["high"] <= bands["critical"]:
        raise ConfigError(f"{where}: [bands] need medium ≤ high ≤ critical, got {dict(bands)}")
    return RiskWeights({s: dict(v) for s, v in data.items()})


def band(score: int, weights: RiskWeights) -> str:
    """``low``, ``medium``, ``high`` or ``critical`` by the ``[bands]`` thresholds."""
    for name in ("critical", "high", "medium"):
        if score >= weights.get("bands", name):
            return name
    return "low"
