"""Flags from MMSIs, ship-type texts and IMO check digits: reference facts written down here.

* **MID → flag**: the ITU Maritime Identification Digits (ITU-R M.585, Table of MIDs,
  every MID allocated from 201 to 775) mapped to ISO 3166-1 alpha-2 codes. Territories
  with their own MID get their own ISO code where one exists (Faroe Islands FO,
  Greenland GL, Hong Kong HK, ...); Azores (204) and Madeira (255) are PT, Alaska (303)
  is US, Ascension (608) is SH, and the French southern lands (501, 607, 618, 635) are TF.
* **Where the MID sits in an MMSI** (ITU-R M.585): ships ``MIDxxxxxx``; handheld VHF
  ``8MIDxxxxx``; craft associated with a parent ship ``98MIDxxxx``; aids to navigation
  ``99MIDxxxx``; SAR aircraft ``111MIDxxx``. Group (``0MID``) and coast (``00MID``)
  stations, SART/MOB/EPIRB (``97x``) and anything not of nine digits carry no flag.
* **Ship type**: the AIS type codes 20-99 (ITU-R M.1371, Table 53) as text.
* **IMO number** (ships): seven digits whose last is the check digit,
  ``sum(d[i] * (7 - i) for i in 0..5) % 10 == d[6]``.

>>> flag_of(445123456), flag_of(100000001), imo_is_valid(9074729), ship_type_text(80)
('KP', None, True, 'Tanker, all ships of this type')
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "MID_FLAGS",
    "flag_of",
    "flags",
    "imo_is_valid",
    "imo_valid_expr",
    "imos_valid",
    "is_allocated_mid",
    "mid_expr",
    "mid_of",
    "ship_type_text",
]

_MID_ROWS = """
201 AL|202 AD|203 AT|204 PT|205 BE|206 BY|207 BG|208 VA|209 CY|210 CY|211 DE|212 CY
213 GE|214 MD|215 MT|216 AM|218 DE|219 DK|220 DK|224 ES|225 ES|226 FR|227 FR|228 FR
229 MT|230 FI|231 FO|232 GB|233 GB|234 GB|235 GB|236 GI|237 GR|238 HR|239 GR|240 GR
241 GR|242 MA|243 HU|244 NL|245 NL|246 NL|247 IT|248 MT|249 MT|250 IE|251 IS|252 LI
253 LU|254 MC|255 PT|256 MT|257 NO|258 NO|259 NO|261 PL|262 ME|263 PT|264 RO|265 SE
266 SE|267 SK|268 SM|269 CH|270 CZ|271 TR|272 UA|273 RU|274 MK|275 LV|276 EE|277 LT
278 SI|279 RS|301 AI|303 US|304 AG|305 AG|306 CW|307 AW|308 BS|309 BS|310 BM|311 BS
312 BZ|314 BB|316 CA|319 KY|321 CR|323 CU|325 DM|327 DO|329 GP|330 GD|331 GL|332 GT
334 HN|336 HT|338 US|339 JM|341 KN|343 LC|345 MX|347 MQ|348 MS|350 NI|351 PA|352 PA
353 PA|354 PA|355 PA|356 PA|357 PA|358 PR|359 SV|361 PM|362 TT|364 TC|366 US|367 US
368 US|369 US|370 PA|371 PA|372 PA|373 PA|374 PA|375 VC|376 VC|377 VC|378 VG|379 VI
401 AF|403 SA|405 BD|408 BH|410 BT|412 CN|413 CN|414 CN|416 TW|417 LK|419 IN|422 IR
423 AZ|425 IQ|428 IL|431 JP|432 JP|434 TM|436 KZ|437 UZ|438 JO|440 KR|441 KR|443 PS
445 KP|447 KW|450 LB|451 KG|453 MO|455 MV|457 MN|459 NP|461 OM|463 PK|466 QA|468 SY
470 AE|471 AE|472 TJ|473 YE|475 YE|477 HK|478 BA|501 TF|503 AU|506 MM|508 BN|510 FM
511 PW|512 NZ|514 KH|515 KH|516 CX|518 CK|520 FJ|523 CC|525 ID|529 KI|531 LA|533 MY
536 MP|538 MH|540 NC|542 NU|544 NR|546 PF|548 PH|550 TL|553 PG|555 PN|557 SB|559 AS
561 WS|563 SG|564 SG|565 SG|566 SG|567 TH|570 TO|572 TV|574 VN|576 VU|577 VU|578 WF
601 ZA|603 AO|605 DZ|607 TF|608 SH|609 BI|610 BJ|611 BW|612 CF|613 CM|615 CG|616 KM
617 CV|618 TF|619 CI|620 KM|621 DJ|622 EG|624 ET|625 ER|626 GA|627 GH|629 GM|630 GW
631 GQ|632 GN|633 BF|634 KE|635 TF|636 LR|637 LR|638 SS|642 LY|644 LS|645 MU|647 MG
649 ML|650 MZ|654 MR|655 MW|656 NE|657 NG|659 NA|660 RE|661 RW|662 SD|663 SN|664 SC
665 SH|666 SO|667 SL|668 ST|669 SZ|670 TD|671 TG|672 TN|674 TZ|675 UG|676 CD|677 TZ
678 ZM|679 ZW|701 AR|710 BR|720 BO|725 CL|730 CO|735 EC|740 FK|745 GF|750 GY|755 PY
760 PE|765 SR|770 UY|775 VE
"""

MID_FLAGS: dict[int, str] = {
    int(item[:3]): item[4:]
    for line in _MID_ROWS.strip().splitlines()
    for item in line.split("|")
    if item
}
"""Every allocated MID → ISO 3166-1 alpha-2 code of the flag state or territory."""

_SHIP_CLASSES = {
    2: "Wing in ground (WIG)",
    4: "High speed craft (HSC)",
    6: "Passenger",
    7: "Cargo",
    8: "Tanker",
    9: "Other Type",
}
_SPECIAL_TYPES = {
    30: "Fishing",
    31: "Towing",
    32: "Towing: length exceeds 200 m or breadth exceeds 25 m",
    33: "Dredging or underwater operations",
    34: "Diving operations",
    35: "Military operations",
    36: "Sailing",
    37: "Pleasure craft",
    38: "Reserved",
    39: "Reserved",
    50: "Pilot vessel",
    51: "Search and rescue vessel",
    52: "Tug",
    53: "Port tender",
    54: "Anti-pollution equipment",
    55: "Law enforcement",
    56: "Spare - local vessel",
    57: "Spare - local vessel",
    58: "Medical transport",
    59: "Noncombatant ship (RR Resolution No. 18)",
}
_SECOND_DIGIT = {
    0: "all ships of this type",
    1: "Hazardous category A",
    2: "Hazardous category B",
    3: "Hazardous category C",
    4: "Hazardous category D",
    9: "No additional information",
}


def mid_of(mmsi: int) -> int | None:
    """The three Maritime Identification Digits of an MMSI, or None where it has none."""
    if not 100_000_000 <= mmsi <= 999_999_999:
        return None
    text = str(mmsi)
    if text[0] in "234567":
        return int(text[:3])
    if text.startswith(("98", "99")):
        return int(text[2:5])
    if text.startswith("111"):
        return int(text[3:6])
    if text[0] == "8":
        return int(text[1:4])
    return None


def is_allocated_mid(mid: int | None) -> bool:
    """True when ``mid`` is a MID the ITU has allocated to a flag state or territory."""
    return mid in MID_FLAGS


def flag_of(mmsi: int) -> str | None:
    """ISO 3166-1 alpha-2 flag of an MMSI from its MID, or None (no or unallocated MID)."""
    return MID_FLAGS.get(mid_of(mmsi) or 0)


def mid_expr(mmsi: pl.Expr) -> pl.Expr:
    """Polars form of :func:`mid_of` (Int64, null where the MMSI carries no MID)."""
    ship = (mmsi >= 200_000_000) & (mmsi < 800_000_000)
    return (
        pl.when(ship)
        .then(mmsi // 1_000_000)
        .when((mmsi >= 980_000_000) & (mmsi <= 999_999_999))
        .then(mmsi // 10_000 % 1000)
        .when((mmsi >= 111_000_000) & (mmsi < 112_000_000))
        .then(mmsi // 1000 % 1000)
        .when((mmsi >= 800_000_000) & (mmsi < 900_000_000))
        .then(mmsi // 100_000 % 1000)
        .otherwise(None)
        .cast(pl.Int64)
    )


def flags(mmsi: pl.Series) -> pl.Series:
    """Vectorised :func:`flag_of`: a String series named ``flag``, null where unknown."""
    frame = pl.DataFrame({"mmsi": mmsi.cast(pl.Int64)})
    mid = mid_expr(pl.col("mmsi"))
    flag = mid.replace_strict(MID_FLAGS, default=None, return_dtype=pl.String)
    return frame.select(flag.alias("flag")).to_series()


def ship_type_text(code: int | None) -> str | None:
    """Text of an AIS ship-type code 20-99 (ITU-R M.1371); None outside that range."""
    if code is None or not 20 <= code <= 99:
        return None
    if code in _SPECIAL_TYPES:
        return _SPECIAL_TYPES[code]
    first, second = divmod(code, 10)
    return f"{_SHIP_CLASSES[first]}, {_SECOND_DIGIT.get(second, 'Reserved for future use')}"


def imo_is_valid(imo: int | None) -> bool:
    """True for a seven-digit ship IMO number whose check digit is right."""
    if imo is None or not 1_000_000 <= imo <= 9_999_999:
        return False
    digits = [int(c) for c in str(imo)]
    return sum(d * (7 - i) for i, d in enumerate(digits[:6])) % 10 == digits[6]


def imo_valid_expr(imo: pl.Expr) -> pl.Expr:
    """Polars form of :func:`imo_is_valid` (false for null or not seven digits)."""
    weighted = pl.sum_horizontal([(imo // 10 ** (6 - i) % 10) * (7 - i) for i in range(6)])
    in_range = (imo >= 1_000_000) & (imo <= 9_999_999)
    return (in_range & (weighted % 10 == imo % 10)).fill_null(False)


def imos_valid(imo: pl.Series) -> pl.Series:
    """Vectorised :func:`imo_is_valid`: a Boolean series named ``imo_valid``."""
    frame = pl.DataFrame({"imo": imo.cast(pl.Int64)})
    return frame.select(imo_valid_expr(pl.col("imo")).alias("imo_valid")).to_series()
