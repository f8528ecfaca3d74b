"""Vessel identities for the scenario simulator: MMSI, IMO, name, call sign, size, speed.

MMSIs start with a real Maritime Identification Digit of the region's usual flags; IMO
numbers carry a valid check digit (sum of d_i * (7 - i) over the first six digits, mod
10) unless an invalid one is asked for on purpose.

>>> imo_valid(9074729)
True
"""

from __future__ import annotations

import string
from dataclasses import dataclass, replace

import numpy as np

from darkfleet._sim_regions import Region

__all__ = ["DPRK_MID", "Vessel", "imo_valid", "make_imo", "make_vessel", "rename", "rng_choice"]

DPRK_MID = 445
CALLSIGN_PREFIX = {
    412: "B",
    413: "B",
    414: "B",
    440: "D7",
    441: "DS",
    445: "HM",
    351: "3E",
    352: "3F",
    353: "H3",
    354: "HO",
    355: "HP",
    356: "3F",
    357: "H9",
    667: "9L",
    671: "5V",
    457: "JV",
    477: "VR",
    636: "A8",
    538: "V7",
    574: "3W",
    563: "9V",
    244: "PB",
    245: "PC",
    211: "DA",
    218: "DC",
    232: "2A",
    235: "MB",
    257: "LA",
    219: "OZ",
    205: "OR",
    215: "9H",
    248: "9H",
    256: "9H",
    613: "TJ",
    626: "TR",
}
SYLLABLES = {
    "cn": "HAI XING JIN SHUN HONG DA YUAN FU AN TONG HUA MING KANG RUI XIANG LONG SHENG TAI",
    "kp": "CHON MA SAN YU JONG SAM PAEK MYONG RYU KUM UN RYE SONG KANG NAM HUI PHYONG",
    "vn": "VIET THANG LONG HAI PHAT MINH AN BINH DAI NAM PHUONG HOANG SAO MAI",
    "xx": "OCEAN GRACE STAR PACIFIC NORDIC AURORA MARIA GOLDEN BLUE PRIDE SPIRIT HORIZON",
}
FISHING_PREFIX = {
    "cn": ("LU RONG YU", "LIAO DAN YU", "ZHE DAI YU", "QIONG YU", "GUI BEI YU"),
    "kp": ("HWANGHAE",),
    "vn": ("QNG", "TH"),
    "xx": ("UK", "PD", "SCH"),
}


@dataclass(frozen=True)
class Vessel:
    """One ship's identity and physical constants."""

    mmsi: int
    imo: int | None
    name: str
    callsign: str
    ship_type: int
    length_m: float
    beam_m: float
    laden_m: float
    ballast_m: float
    class_a: bool
    speed_kn: float
    report_s: float

    @property
    def kind(self) -> str:
        """'tanker', 'cargo' or 'fishing', from the AIS ship type."""
        return {8: "tanker", 7: "cargo"}.get(self.ship_type // 10, "fishing")


def rng_choice(rng: np.random.Generator, items: tuple[str, ...] | list[str]) -> str:
    """One item of a sequence, chosen with rng (typed wrapper)."""
    return items[int(rng.integers(len(items)))]


def imo_valid(imo: int) -> bool:
    """Whether a 7-digit IMO number has the right check digit."""
    digits = [int(c) for c in f"{imo:07d}"]
    return len(digits) == 7 and sum(d * (7 - i) for i, d in enumerate(digits[:6])) % 10 == digits[6]


def make_imo(rng: np.random.Generator, valid: bool = True) -> int:
    """A random IMO number from the 8/9 million ranges, valid or deliberately not."""
    body = [int(rng.integers(8, 10))] + [int(d) for d in rng.integers(0, 10, 5)]
    check = sum(d * (7 - i) for i, d in enumerate(body)) % 10
    if not valid:
        check = (check + int(rng.integers(1, 10))) % 10
    return int("".join(map(str, body)) + str(check))


def _unique_imo(rng: np.random.Generator, taken: set[int]) -> int:
    """An IMO number no other vessel of the scenario has (IMO numbers are for life)."""
    imo = make_imo(rng)
    while imo in taken:
        imo = make_imo(rng)
    taken.add(imo)  # 7-digit IMOs never clash with the 9-digit MMSIs in the same set
    return imo


def _culture(mid: int) -> str:
    return {445: "kp", 574: "vn"}.get(mid, "cn" if mid in (412, 413, 414, 477) else "xx")


def _name(rng: np.random.Generator, mid: int, kind: str) -> str:
    culture = _culture(mid)
    if kind == "fishing":
        return f"{rng_choice(rng, FISHING_PREFIX[culture])} {int(rng.integers(100, 99999))}"
    words = SYLLABLES[culture].split()
    if culture == "xx":
        return f"{rng_choice(rng, words)} {rng_choice(rng, words)}"
    return f"{rng_choice(rng, words)} {rng_choice(rng, words)} {int(rng.integers(1, 99))}"


def _callsign(rng: np.random.Generator, mid: int) -> str:
    prefix = CALLSIGN_PREFIX.get(mid, "X")
    tail = "".join(rng.choice(list(string.ascii_uppercase + string.digits), 5 - len(prefix)))
    return prefix + tail


def _dimensions(rng: np.random.Generator, kind: str, dprk: bool) -> tuple[float, ...]:
    """(length, beam, laden draught, ballast draught) in metres, rounded like AIS."""
    if kind == "fishing":
        length = float(rng.uniform(20, 60))
        return (round(length), round(length / 4.5), round(float(rng.uniform(2, 4)), 1), 0.0)
    lo, hi = (70, 110) if dprk else ((90, 250) if kind == "tanker" else (90, 300))
    length = float(rng.uniform(lo, hi))
    laden = min(0.055 * length + float(rng.uniform(0.5, 2.0)), 20.0)
    ballast = laden * float(rng.uniform(0.42, 0.55))
    return (
        round(length),
        round(length / rng.uniform(5.5, 6.8)),
        round(laden, 1),
        round(ballast, 1),
    )


def _mid(rng: np.random.Generator, region: Region, dprk: bool, kind: str) -> int:
    if dprk:
        return DPRK_MID
    flags = region.flags[:2] if kind == "fishing" else region.flags
    mids = np.array([m for m, _ in flags])
    weights = np.array([w for _, w in flags])
    return int(rng.choice(mids, p=weights / weights.sum()))


def make_vessel(
    rng: np.random.Generator, region: Region, kind: str, taken: set[int], dprk: bool = False
) -> Vessel:
    """A new vessel of the given kind with an MMSI not in ``taken`` (which it joins)."""
    mid = _mid(rng, region, dprk, kind)
    mmsi = mid * 1_000_000 + int(rng.integers(0, 1_000_000))
    while mmsi in taken:
        mmsi = mid * 1_000_000 + int(rng.integers(0, 1_000_000))
    taken.add(mmsi)
    length, beam, laden, ballast = _dimensions(rng, kind, dprk)
    class_a = kind != "fishing" or length > 45 or bool(rng.random() < 0.3)
    ship_type = {"tanker": 80, "cargo": 70, "fishing": 30}[kind]
    if kind != "fishing" and rng.random() < 0.3:
        ship_type += int(rng.integers(1, 5))
    speed = {"tanker": (10, 14), "cargo": (12, 15), "fishing": (8, 10)}[kind]
    imo = _unique_imo(rng, taken) if kind != "fishing" or length > 45 else None
    return Vessel(
        mmsi=mmsi,
        imo=imo,
        name=_name(rng, mid, kind),
        callsign=_callsign(rng, mid),
        ship_type=ship_type,
        length_m=length,
        beam_m=beam,
        laden_m=laden,
        ballast_m=ballast,
        class_a=class_a,
        speed_kn=round(float(rng.uniform(*speed)), 1),
        report_s=30.0 + 150.0 * float(np.sqrt(rng.random())) if class_a else 180.0,
    )


def rename(rng: np.random.Generator, vessel: Vessel, region: Region, field: str) -> Vessel:
    """The same vessel under a new name or a new call sign (same flag)."""
    mid = vessel.mmsi // 1_000_000
    if field == "name":
        return replace(vessel, name=_name(rng, mid, vessel.kind))
    _ = region
    return replace(vessel, callsign=_callsign(rng, mid))
