"""MID → flag table, ship-type texts and the IMO check digit."""

from __future__ import annotations

import polars as pl
import pytest

from darkfleet.mid import (
    MID_FLAGS,
    flag_of,
    flags,
    imo_is_valid,
    imos_valid,
    is_allocated_mid,
    mid_of,
    ship_type_text,
)

# From ../shared/data/conformance/reference_values.json ("imo_check_digit"), copied so
# that the tests do not depend on ../shared.
VALID_IMOS = [9074729, 9134270, 8528864, 8514045, 8358427]
INVALID_IMOS = [9074728, 9134271, 8528865]


def test_table_covers_every_allocated_mid_with_iso_alpha2() -> None:
    assert min(MID_FLAGS) == 201 and max(MID_FLAGS) == 775
    assert all(len(code) == 2 and code.isupper() for code in MID_FLAGS.values())
    assert len(MID_FLAGS) > 280


@pytest.mark.parametrize(
    ("mmsi", "flag"),
    [
        (445123456, "KP"),  # North Korea
        (636019687, "LR"),  # Liberia (PERFECT)
        (538001234, "MH"),  # Marshall Islands
        (412588888, "CN"),
        (273123456, "RU"),
        (477293900, "HK"),
        (351000001, "PA"),
        (204000001, "PT"),  # Azores
        (982111234, "DE"),  # craft associated with a parent ship: 98MID
        (992111234, "DE"),  # aid to navigation: 99MID
        (111211123, "DE"),  # SAR aircraft: 111MID
        (821112345, "DE"),  # handheld VHF: 8MID
    ],
)
def test_flag_of_known_mids(mmsi: int, flag: str) -> None:
    assert flag_of(mmsi) == flag


@pytest.mark.parametrize(
    "mmsi", [100000001, 999999999, 200000010, 600000019, 123456789, 970123456, 0, 4451234567]
)
def test_no_flag_for_unallocated_or_malformed(mmsi: int) -> None:
    assert flag_of(mmsi) is None
    assert not is_allocated_mid(mid_of(mmsi))


def test_vectorised_flags_agree_with_scalar() -> None:
    mmsis = [445123456, 100000001, 982111234, 111211123, 821112345, 970123456, 999999999]
    assert flags(pl.Series(mmsis)).to_list() == [flag_of(m) for m in mmsis]
    assert flags(pl.Series([None], dtype=pl.Int64)).to_list() == [None]


def test_every_ship_mid_maps_back() -> None:
    mmsis = pl.Series([mid * 1_000_000 + 1 for mid in MID_FLAGS])
    assert flags(mmsis).to_list() == list(MID_FLAGS.values())


def test_imo_check_digit_reference_values() -> None:
    assert all(imo_is_valid(i) for i in VALID_IMOS)
    assert not any(imo_is_valid(i) for i in INVALID_IMOS)
    assert imos_valid(pl.Series(VALID_IMOS + INVALID_IMOS)).to_list() == [True] * 5 + [False] * 3


@pytest.mark.parametrize("imo", [None, 0, 123, 12345678, 1234568, 1073741823])
def test_imo_out_of_range_or_wrong_digit_is_invalid(imo: int | None) -> None:
    assert not imo_is_valid(imo)
    assert imos_valid(pl.Series([imo], dtype=pl.Int64)).to_list() == [False]


def test_vectorised_imo_agrees_on_a_range() -> None:
    imos = list(range(9074700, 9074800))
    assert imos_valid(pl.Series(imos)).to_list() == [imo_is_valid(i) for i in imos]


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (30, "Fishing"),
        (52, "Tug"),
        (70, "Cargo, all ships of this type"),
        (71, "Cargo, Hazardous category A"),
        (79, "Cargo, No additional information"),
        (80, "Tanker, all ships of this type"),
        (84, "Tanker, Hazardous category D"),
        (85, "Tanker, Reserved for future use"),
        (99, "Other Type, No additional information"),
        (21, "Wing in ground (WIG), Hazardous category A"),
    ],
)
def test_ship_type_text(code: int, text: str) -> None:
    assert ship_type_text(code) == text


@pytest.mark.parametrize("code", [None, 0, 19, 100, 255])
def test_ship_type_text_outside_range(code: int | None) -> None:
    assert ship_type_text(code) is None


def test_placeholder_imo_1234567_passes_the_check_digit() -> None:
    # A known placeholder (567000000 reports it) that the arithmetic cannot catch.
    assert imo_is_valid(1234567)
