"""Settings: one registry, documented in the README, overridden by file then environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from darkfleet.detect.pipeline import DetectParams
from darkfleet.errors import ConfigError
from darkfleet.settings import registry

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme() -> None:
    settings = registry(DetectParams().sections())
    assert len(settings) > 50
    for setting in settings:
        assert f"`[{setting.section}]`" in README, setting.section
        assert f"`{setting.name}`" in README, f"[{setting.section}] {setting.name}"


def test_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "params.toml"
    config.write_text("[encounter]\nmax_encounter_dist_km = 0.3\n[gap]\nmin_gap_hours = 6\n")
    params = DetectParams.load(config)
    assert params.encounter.max_encounter_dist_km == 0.3 and params.gap.min_gap_hours == 6.0
    monkeypatch.setenv("DARKFLEET_GAP_MIN_GAP_HOURS", "8")
    assert DetectParams.load(config).gap.min_gap_hours == 8.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[encounter]\nmax_encounter_dist = 0.3\n", "unknown setting"),
        ("[encounters]\nmax_encounter_dist_km = 0.3\n", "unknown settings section"),
        ("[encounter]\nmax_encounter_dist_km = 'near'\n", "expected float"),
        ("[encounter\n", "not valid TOML"),
        ("[encounter]\nmax_encounter_dist_km = -1\n", "max_encounter_dist_km"),
    ],
)
def test_bad_settings_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "params.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message):
        DetectParams.load(config)
