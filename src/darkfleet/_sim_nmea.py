"""NMEA 0183 AIVDM encoding for the simulator, with IEC 61162-450 tag blocks.

Position reports (types 1 and 18) are encoded with numpy, all rows at once: the bit
layout follows ITU-R M.1371 and a test checks it against ``pyais.encode_dict``. Static
reports (type 5, two fragments, and type 24 parts A and B) go through pyais, cached by
content, since a ship's static data rarely changes.

>>> tag_block(1709251200)
'\\\\s:darkfleet-sim,c:1709251200*0F\\\\'
"""

from __future__ import annotations

import functools
from functools import reduce
from operator import xor

import numpy as np
import numpy.typing as npt
from pyais import encode_dict

__all__ = ["StaticKey", "encode_positions", "static_sentences", "tag_block"]

Field = str | int | float | bytes | bool
StaticKey = tuple[int, int | None, str, str, int, float, float, float | None, str | None, bool]
U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]
SOURCE_TAG = "s:darkfleet-sim"
HEX = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)


def checksum(text: str) -> str:
    """NMEA checksum: XOR of every character, as two hex digits."""
    return f"{reduce(xor, text.encode(), 0):02X}"


def tag_block(epoch: int, group: str = "") -> str:
    """A tag block with source and UNIX time (and a group tag for multi-part messages)."""
    body = f"{group}{SOURCE_TAG},c:{epoch}" if epoch >= 0 else group.rstrip(",")
    return f"\\{body}*{checksum(body)}\\"


def _bits(fields: list[tuple[I64, int]]) -> U8:
    cols = []
    for values, width in fields:
        v = values.astype(np.int64) & ((1 << width) - 1)
        shifts = np.arange(width - 1, -1, -1, dtype=np.int64)
        cols.append(((v[:, None] >> shifts) & 1).astype(np.uint8))
    return np.hstack(cols)


def _armor(bits: U8) -> U8:
    groups = bits.reshape(len(bits), -1, 6) @ np.array([32, 16, 8, 4, 2, 1], dtype=np.uint8)
    return np.asarray(np.where(groups < 40, groups + 48, groups + 56), dtype=np.uint8)


def _fields(cols: dict[str, npt.NDArray[np.generic]], class_a: bool) -> list[tuple[I64, int]]:
    n = len(cols["mmsi"])
    z = np.zeros(n, dtype=np.int64)

    def fill(name: str, scale: float, missing: int) -> I64:
        v = np.asarray(cols[name], dtype=np.float64)
        return np.where(np.isnan(v), missing, np.round(v * scale)).astype(np.int64)

    speed, course = fill("sog_kn", 10, 1023), fill("cog_deg", 10, 3600)
    lon, lat, heading = (
        fill("lon", 600000, 181 * 600000),
        fill("lat", 600000, 91 * 600000),
        fill("heading_deg", 1, 511),
    )
    second, mmsi = (
        np.asarray(cols["ts"], dtype=np.int64) % 60,
        np.asarray(cols["mmsi"], dtype=np.int64),
    )
    if class_a:
        return [
            (z + 1, 6),
            (z, 2),
            (mmsi, 30),
            (fill("nav_status", 1, 15), 4),
            (z - 128, 8),
            (speed, 10),
            (z, 1),
            (lon, 28),
            (lat, 27),
            (course, 12),
            (heading, 9),
            (second, 6),
            (z, 2),
            (z, 3),
            (z, 1),
            (z, 19),
        ]
    return [
        (z + 18, 6),
        (z, 2),
        (mmsi, 30),
        (z, 8),
        (speed, 10),
        (z, 1),
        (lon, 28),
        (lat, 27),
        (course, 12),
        (heading, 9),
        (second, 6),
        (z, 2),
        (z + 1, 1),
        (z, 6),
        (z, 20),
    ]


def _xor_rows(chars: U8) -> U8:
    return np.asarray(np.bitwise_xor.reduce(chars, axis=1), dtype=np.uint8)


def _const(text: str, n: int) -> U8:
    return np.tile(np.frombuffer(text.encode(), dtype=np.uint8), (n, 1))


def _hex(values: U8) -> U8:
    return np.stack([HEX[values >> 4], HEX[values & 15]], axis=1)


def encode_positions(cols: dict[str, npt.NDArray[np.generic]], epoch: I64, class_a: bool) -> U8:
    """One tag-blocked ``!AIVDM`` line per row: a (rows x width) byte matrix, newline-ended."""
    n = len(epoch)
    payload = _armor(_bits(_fields(cols, class_a)))
    digits = ((epoch[:, None] // 10 ** np.arange(9, -1, -1)) % 10 + 48).astype(np.uint8)
    tag_head = f"{SOURCE_TAG},c:"
    tag_sum = _xor_rows(np.hstack([_const(tag_head, n), digits]))
    head = f"AIVDM,1,1,,{'A' if class_a else 'B'},"
    body_sum = _xor_rows(np.hstack([_const(head, n), payload, _const(",0", n)]))
    return np.hstack(
        [
            _const("\\" + tag_head, n),
            digits,
            _const("*", n),
            _hex(tag_sum),
            _const("\\!" + head, n),
            payload,
            _const(",0*", n),
            _hex(body_sum),
            _const("\n", n),
        ]
    )


@functools.lru_cache(maxsize=200_000)
def _static_payloads(key: StaticKey) -> tuple[str, ...]:
    mmsi, imo, name, callsign, ship_type, length, beam, draught, destination, class_a = key
    bow, port = int(length) * 3 // 4, int(beam) // 2
    dims: dict[str, Field] = {
        "to_bow": min(bow, 511),
        "to_stern": min(int(length) - bow, 511),
        "to_port": min(port, 63),
        "to_starboard": min(int(beam) - port, 63),
    }
    base: dict[str, Field] = {
        "mmsi": mmsi,
        "callsign": callsign,
        "shipname": name,
        "ship_type": ship_type,
        **dims,
    }
    if class_a:
        data: dict[str, Field] = {
            **base,
            "msg_type": 5,
            "imo": imo or 0,
            "epfd": 1,
            "draught": draught or 0.0,
            "destination": destination or "",
            "month": 0,
            "day": 0,
            "hour": 24,
            "minute": 60,
        }
        return tuple(
            encode_dict(data, talker_id="AI", sentence_type="VDM", radio_channel="A", seq_id=0)
        )
    part_a = encode_dict(
        {"msg_type": 24, "mmsi": mmsi, "partno": 0, "shipname": name},
        talker_id="AI",
        sentence_type="VDM",
        radio_channel="B",
    )
    part_b = encode_dict(
        {**base, "msg_type": 24, "partno": 1},
        talker_id="AI",
        sentence_type="VDM",
        radio_channel="B",
    )
    return (part_a[0], part_b[0])


def static_sentences(key: StaticKey, epoch: int, group: int) -> str:
    """Tag-blocked lines of one static report (type 5 in two fragments, or 24 A + B)."""
    lines = _static_payloads(key)
    if len(lines) == 2 and lines[0].startswith("!AIVDM,2,"):
        seq = group % 10
        first = lines[0].replace(",2,1,0,", f",2,1,{seq},", 1)
        second = lines[1].replace(",2,2,0,", f",2,2,{seq},", 1)
        first = first[: first.rindex("*")] + "*" + checksum(first[1 : first.rindex("*")])
        second = second[: second.rindex("*")] + "*" + checksum(second[1 : second.rindex("*")])
        return (
            f"{tag_block(epoch, f'g:1-2-{group},')}{first}\n"
            f"{tag_block(-1, f'g:2-2-{group},')}{second}\n"
        )
    return "".join(f"{tag_block(epoch)}{line}\n" for line in lines)
