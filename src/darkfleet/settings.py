"""Settings: one declared registry, read from a TOML file, then the environment.

Every detector threshold lives in a frozen ``Params`` dataclass; together they form
the registry (section = the detector, name = the field, default = the field default,
unit = the suffix of the name). A TOML file overrides defaults section by section::

    [encounter]
    max_encounter_dist_km = 0.3

and an environment variable ``DARKFLEET_<SECTION>_<NAME>`` (e.g.
``DARKFLEET_ENCOUNTER_MAX_ENCOUNTER_DIST_KM=0.3``) overrides the file. Unknown
sections or names, and values of the wrong type, are configuration errors that name
the offending key and value.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from darkfleet.errors import ConfigError

__all__ = ["Setting", "apply_overrides", "read_toml", "registry"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Setting:
    """One registered setting."""

    section: str
    name: str
    default: Any
    type: str

    @property
    def env(self) -> str:
        return f"DARKFLEET_{self.section}_{self.name}".upper()


def registry(sections: Mapping[str, Any]) -> list[Setting]:
    """Every setting of every ``Params`` instance in ``sections`` (section name -> params)."""
    return [
        Setting(section, f.name, getattr(params, f.name), type(getattr(params, f.name)).__name__)
        for section, params in sections.items()
        for f in dataclasses.fields(params)
    ]


def read_toml(path: Path | None) -> dict[str, dict[str, Any]]:
    """A settings file as {section: {name: value}}; no file gives no overrides."""
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such settings file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    for section, values in data.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: '{section}' must be a [section] of settings")
    return data


def apply_overrides(section: str, params: T, file_values: Mapping[str, Any]) -> T:
    """``params`` with values from the file, then from the environment."""
    fields = {f.name: f for f in dataclasses.fields(params)}  # type: ignore[arg-type]
    unknown = set(file_values) - set(fields)
    if unknown:
        known = ", ".join(sorted(fields))
        raise ConfigError(f"[{section}] unknown setting(s) {sorted(unknown)}; known: {known}")
    changes = {
        name: _typed(section, name, value, getattr(params, name))
        for name, value in file_values.items()
    }
    for name in fields:
        env = f"DARKFLEET_{section}_{name}".upper()
        if env in os.environ:
            changes[name] = _typed(section, name, os.environ[env], getattr(params, name))
    return dataclasses.replace(params, **changes)  # type: ignore[type-var]


def _typed(section: str, name: str, value: Any, default: Any) -> Any:
    """``value`` converted to the type of ``default``; a clear error when it cannot be."""
    kind = type(default)
    try:
        if kind is bool:
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(value)
                return value.lower() in ("true", "1", "yes")
            return bool(value)
        if kind in (int, float, str):
            if kind is int and isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return kind(value)
        if kind is tuple:
            return tuple(value)
    except (TypeError, ValueError):
        raise ConfigError(f"[{section}] {name} = {value!r}: expected {kind.__name__}") from None
    return value
