"""Decode armoured 6-bit AIS payloads into column arrays, one numba pass per batch.

A payload is the ASCII text of an AIVDM sentence's fifth field (all fragments of a
multi-part message concatenated). Each character carries six bits (ITU-R M.1371,
"armouring": ``0``-``W`` and `````-``w``). :func:`decode_payloads` reads the fields
darkfleet keeps from message types 1, 2, 3, 5, 18, 19, 24 and 27 into preallocated
arrays and classifies every other message.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

__all__ = [
    "ST_BAD_LENGTH",
    "ST_BOTH",
    "ST_IGNORED",
    "ST_POSITION",
    "ST_STATIC",
    "ST_UNPARSEABLE",
    "Decoded",
    "decode_payloads",
    "jit",
]

F = TypeVar("F", bound=Callable[..., Any])

ST_POSITION, ST_STATIC, ST_BOTH, ST_IGNORED, ST_BAD_LENGTH, ST_UNPARSEABLE = 1, 2, 3, 4, 5, 6
NAME_CHARS, CALLSIGN_CHARS, DEST_CHARS = 20, 7, 20
DESTINATION_CHARS = DEST_CHARS
(
    STATUS,
    MSG_TYPE,
    MMSI,
    LAT,
    LON,
    SOG,
    COG,
    HEADING,
    NAV_STATUS,
    IMO,
    SHIP_TYPE,
    LENGTH,
    BEAM,
    DRAUGHT,
) = range(14)
NUMERIC = 14
NAME_AT, CALLSIGN_AT, DESTINATION_AT = 0, 20, 27
MIN_BITS = np.zeros(64, dtype=np.int64)
MIN_BITS[[1, 2, 3, 18]] = 168
MIN_BITS[[5, 19, 27]] = [420, 312, 96]
"""Payload bits a decoded type needs (24 depends on its part: 160 for A, 168 for B)."""

U8 = npt.NDArray[np.uint8]
I8 = npt.NDArray[np.int8]
I64 = npt.NDArray[np.int64]
F64_2D = npt.NDArray[np.float64]


def jit(fn: F) -> F:
    """``numba.njit`` with an on-disk cache, typed so that mypy keeps the signature."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))


class Decoded(NamedTuple):
    """Per-message decode results; sentinels: NaN for floats, -1 for ints."""

    status: I8
    msg_type: I8
    mmsi: I64
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    sog: npt.NDArray[np.float32]
    cog: npt.NDArray[np.float32]
    heading: npt.NDArray[np.int16]
    nav_status: I8
    imo: I64
    ship_type: npt.NDArray[np.int16]
    length: npt.NDArray[np.float32]
    beam: npt.NDArray[np.float32]
    draught: npt.NDArray[np.float32]
    name: U8
    callsign: U8
    destination: U8


def allocate(n: int) -> Decoded:
    """Output arrays for ``n`` messages, filled with "not available"."""
    return Decoded(
        status=np.zeros(n, np.int8),
        msg_type=np.full(n, -1, np.int8),
        mmsi=np.full(n, -1, np.int64),
        lat=np.full(n, np.nan),
        lon=np.full(n, np.nan),
        sog=np.full(n, np.nan, np.float32),
        cog=np.full(n, np.nan, np.float32),
        heading=np.full(n, -1, np.int16),
        nav_status=np.full(n, -1, np.int8),
        imo=np.full(n, -1, np.int64),
        ship_type=np.full(n, -1, np.int16),
        length=np.full(n, np.nan, np.float32),
        beam=np.full(n, np.nan, np.float32),
        draught=np.full(n, np.nan, np.float32),
        name=np.full((n, NAME_CHARS), 32, np.uint8),
        callsign=np.full((n, CALLSIGN_CHARS), 32, np.uint8),
        destination=np.full((n, DEST_CHARS), 32, np.uint8),
    )


@jit
def sixbit(char: int) -> int:
    """The 6-bit value of an armoured character, or -1 if it is not one."""
    v = char - 48
    if v < 0 or v > 71 or 40 <= v < 48:
        return -1
    return v - 8 if v >= 48 else v


@jit
def bits(buf: U8, start: int, nchars: int, pos: int, width: int) -> int:
    """Unsigned ``width``-bit field at bit ``pos``; bits past the payload read as 0."""
    val = 0
    k = pos
    end = pos + width
    while k < end:
        ci = k // 6
        off = k - ci * 6
        take = min(6 - off, end - k)
        v = sixbit(buf[start + ci]) if ci < nchars else 0
        val = (val << take) | ((v >> (6 - off - take)) & ((1 << take) - 1))
        k += take
    return val


@jit
def signed(val: int, width: int) -> int:
    return val - (1 << width) if val >= 1 << (width - 1) else val


@jit
def text(
    buf: U8, start: int, nchars: int, pos: int, out: U8, row: int, col: int, width: int
) -> None:
    """Six-bit ASCII characters from bit ``pos`` into ``out[row]``."""
    for k in range(width):
        v = bits(buf, start, nchars, pos + 6 * k, 6)
        out[row, col + k] = v + 64 if v < 32 else v


@jit
def valid_armour(buf: U8, start: int, end: int) -> bool:
    for i in range(start, end):  # noqa: SIM110 (numba compiles loops, not generators)
        if sixbit(buf[i]) < 0:
            return False
    return True


@jit
def position_fields(
    buf: U8, s: int, n: int, i: int, num: F64_2D, at: tuple[int, int, int, int, int]
) -> None:
    """Speed, longitude, latitude, course and heading at the bit offsets ``at``."""
    sog_at, lon_at, lat_at, cog_at, hdg_at = at
    num[i, SOG] = bits(buf, s, n, sog_at, 10) / 10.0
    num[i, LON] = signed(bits(buf, s, n, lon_at, 28), 28) / 600000.0
    num[i, LAT] = signed(bits(buf, s, n, lat_at, 27), 27) / 600000.0
    num[i, COG] = bits(buf, s, n, cog_at, 12) / 10.0
    num[i, HEADING] = bits(buf, s, n, hdg_at, 9)


@jit
def dimensions(buf: U8, s: int, n: int, i: int, num: F64_2D, at: int) -> None:
    """Length (A + B) and beam (C + D) from the 30-bit dimension block at ``at``."""
    num[i, LENGTH] = bits(buf, s, n, at, 9) + bits(buf, s, n, at + 9, 9)
    num[i, BEAM] = bits(buf, s, n, at + 18, 6) + bits(buf, s, n, at + 24, 6)


@jit
def class_a(buf: U8, s: int, n: int, i: int, num: F64_2D, txt: U8) -> int:
    num[i, NAV_STATUS] = bits(buf, s, n, 38, 4)
    position_fields(buf, s, n, i, num, (50, 61, 89, 116, 128))
    return ST_POSITION


@jit
def class_b(buf: U8, s: int, n: int, i: int, num: F64_2D, txt: U8) -> int:
    position_fields(buf, s, n, i, num, (46, 57, 85, 112, 124))
    return ST_POSITION


@jit
def extended_b(buf: U8, s: int, n: int, i: int, num: F64_2D, txt: U8) -> int:
    class_b(buf, s, n, i, num, txt)
    text(buf, s, n, 143, txt, i, NAME_AT, NAME_CHARS)
    num[i, SHIP_TYPE] = bits(buf, s, n, 263, 8)
    dimensions(buf, s, n, i, num, 271)
    return ST_BOTH


@jit
def voyage(buf: U8, s: int, n: int, i: int, num: F64_2D, txt: U8) -> int:
    num[i, IMO] = bits(buf, s, n, 40, 30)
    text(buf, s, n, 70, txt, i, CALLSIGN_AT, CALLSIGN_CHARS)
    text(buf, s, n, 112, txt, i, NAME_AT, NAME_CHARS)
    num[i, SHIP_TYPE] = bits(buf, s, n, 232, 8)
    dimensions(buf, s, n, i, num, 240)
    num[i, DRAUGHT] = bits(buf, s, n, 294, 8) / 10.0
    text(buf, s, n, 302, txt, i, DESTINATION_AT, DESTINATION_CHARS)
    return ST_STATIC


@jit
def long_range(buf: U8, s: int, n: int, i: int, num: F64_2D, txt: U8) -> int:
    num[i, NAV_STATUS] = bits(buf, s, n, 40, 4)
    num[i, LON] = signed(bits(buf, s, n, 44, 18), 18) / 600.0
    num[i, LAT] = signed(bits(buf, s, n, 62, 17), 17) / 600.0
    speed = bits(buf, s, n, 79, 6)
    num[i, SOG] = np.nan if speed == 63 else speed
    num[i, COG] = bits(buf, s, n, 85, 9)
    return ST_POSITION


@jit
def static_24(buf: U8, s: int, n: int, nbits: int, i: int, num: F64_2D, txt: U8) -> int:
    part = bits(buf, s, n, 38, 2)
    if part == 0:
        if nbits < 160:
            return ST_BAD_LENGTH
        text(buf, s, n, 40, txt, i, NAME_AT, NAME_CHARS)
        return ST_STATIC
    if part != 1:
        return ST_UNPARSEABLE
    if nbits < 168:
        return ST_BAD_LENGTH
    num[i, SHIP_TYPE] = bits(buf, s, n, 40, 8)
    text(buf, s, n, 90, txt, i, CALLSIGN_AT, CALLSIGN_CHARS)
    dimensions(buf, s, n, i, num, 132)
    return ST_STATIC


@jit
def decode_one(buf: U8, s: int, e: int, fill: int, i: int, num: F64_2D, txt: U8) -> int:
    """Decode one payload into row ``i`` of ``out``; returns its ST_* status."""
    n = e - s
    if not valid_armour(buf, s, e) or fill < 0 or fill > 5:
        return ST_UNPARSEABLE
    nbits = 6 * n - fill
    if nbits < 38:
        return ST_BAD_LENGTH
    kind = bits(buf, s, n, 0, 6)
    num[i, MSG_TYPE] = kind
    num[i, MMSI] = bits(buf, s, n, 8, 30)
    if kind == 0 or kind > 27:
        return ST_UNPARSEABLE
    if nbits < MIN_BITS[kind]:
        return ST_BAD_LENGTH
    if kind <= 3:
        return class_a(buf, s, n, i, num, txt)
    if kind == 18:
        return class_b(buf, s, n, i, num, txt)
    if kind == 19:
        return extended_b(buf, s, n, i, num, txt)
    if kind == 5:
        return voyage(buf, s, n, i, num, txt)
    if kind == 27:
        return long_range(buf, s, n, i, num, txt)
    if kind == 24:
        return static_24(buf, s, n, nbits, i, num, txt)
    return ST_IGNORED


@jit
def decode_into(buf: U8, starts: I64, ends: I64, fills: I8, num: F64_2D, txt: U8) -> None:
    for i in range(starts.shape[0]):
        num[i, STATUS] = decode_one(buf, starts[i], ends[i], fills[i], i, num, txt)


def decode_payloads(buf: U8, starts: I64, ends: I64, fills: I8) -> Decoded:
    """Decode the payloads ``buf[starts[i]:ends[i]]`` with ``fills[i]`` fill bits."""
    n = len(starts)
    template = allocate(n)
    numbers = template[:NUMERIC]
    num = np.empty((n, NUMERIC), np.float64)
    num[:] = [float(np.asarray(a[:1]).item(0)) if n else 0.0 for a in numbers]
    txt = np.full((n, NAME_CHARS + CALLSIGN_CHARS + DEST_CHARS), 32, np.uint8)
    decode_into(buf, starts, ends, fills, num, txt)
    columns = [num[:, j].astype(a.dtype) for j, a in enumerate(numbers)]
    cuts = np.cumsum([0, NAME_CHARS, CALLSIGN_CHARS, DEST_CHARS])
    texts = [np.ascontiguousarray(txt[:, a:b]) for a, b in itertools.pairwise(cuts)]
    return Decoded._make(columns + texts)
