"""numba kernels that split NMEA bytes into lines and read each line's structure.

They never build Python objects: every result is a column array with one entry per
line (see :class:`Lines`). Timestamps are int64 microseconds since the Unix epoch,
``NO_TS`` when absent. Multi-part assembly and payload decoding live in
``_nmea_assembly`` (below, :func:`assemble`) and :mod:`._sixbit`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from darkfleet.ingest._sixbit import jit

__all__ = [
    "K_AIS",
    "K_BLANK",
    "K_CARRIED",
    "K_GPS_TIME",
    "K_HEADER_TIME",
    "K_IGNORED",
    "K_MULTI",
    "K_REJECT",
    "NO_TS",
    "R_BAD_CHECKSUM",
    "R_UNPARSEABLE",
    "Lines",
    "Messages",
    "Pending",
    "assemble",
    "hash_ranges",
    "new_pending",
    "resolve_times",
    "scan_lines",
    "split_lines",
]

U8 = npt.NDArray[np.uint8]
I8 = npt.NDArray[np.int8]
I64 = npt.NDArray[np.int64]
I64_2D = npt.NDArray[np.int64]

NO_TS = np.iinfo(np.int64).min
K_BLANK, K_IGNORED, K_AIS, K_HEADER_TIME, K_GPS_TIME, K_REJECT, K_MULTI, K_CARRIED = range(8)
"""Line kinds; K_CARRIED marks fragments re-read from the previous batch."""
R_BAD_CHECKSUM, R_UNPARSEABLE = 1, 2
US = 1_000_000
(
    KIND,
    REASON,
    OWN_TS,
    HEADER_TS,
    FRAG_TOTAL,
    FRAG_NUM,
    SEQ_ID,
    CHANNEL,
    GROUP_ID,
    PAY_START,
    PAY_END,
    FILL,
    SRC_START,
    SRC_END,
) = range(14)
"""Columns of the table the line scanner fills (the fields of :class:`Lines`)."""
BACKSLASH, BANG, DOLLAR, STAR, COMMA, COLON = 92, 33, 36, 42, 44, 58


class Lines(NamedTuple):
    """What :func:`scan_lines` found in each line (-1 where a field does not apply)."""

    kind: I8  # K_*
    reason: I8  # R_* when kind is K_REJECT
    own_ts: I64  # from the tag block, a leading or a trailing column
    header_ts: I64  # time carried by a $PGHP or $xxRMC/$xxZDA line
    frag_total: I8
    frag_num: I8
    seq_id: I64
    channel: I64
    group_id: I64  # hash of the tag-block ``g:`` id, 0 without one
    pay_start: I64
    pay_end: I64
    fill: I8
    src_start: I64  # tag-block ``s:`` value
    src_end: I64


def allocate(n: int) -> Lines:
    def i8(value: int) -> I8:
        return np.full(n, value, np.int8)

    def i64(value: int) -> I64:
        return np.full(n, value, np.int64)

    return Lines(
        i8(K_BLANK), i8(0), i64(NO_TS), i64(NO_TS), i8(0), i8(0), i64(-1), i64(-1),
        i64(0), i64(-1), i64(-1), i8(-1), i64(-1), i64(-1),
    )  # fmt: skip


# ---------------------------------------------------------------------------- lines


@jit
def count_newlines(buf: U8) -> int:
    n = 0
    for b in buf:
        if b == 10:
            n += 1
    return n


@jit
def fill_line_bounds(buf: U8, final: bool, starts: I64, ends: I64) -> tuple[int, int]:
    """Start/end of each complete line, trailing whitespace trimmed; (lines, bytes used)."""
    n = 0
    start = 0
    for i in range(buf.shape[0]):
        if buf[i] == 10:
            starts[n], ends[n] = start, trim_end(buf, start, i)
            n += 1
            start = i + 1
    if final and start < buf.shape[0]:
        starts[n], ends[n] = start, trim_end(buf, start, buf.shape[0])
        n += 1
        start = buf.shape[0]
    return n, start


@jit
def trim_end(buf: U8, start: int, end: int) -> int:
    while end > start and (buf[end - 1] == 32 or 9 <= buf[end - 1] <= 13):
        end -= 1
    return end


def split_lines(buf: U8, final: bool) -> tuple[I64, I64, int]:
    """Line bounds in ``buf`` and the bytes they use (the rest is an unfinished line)."""
    cap = count_newlines(buf) + 1
    starts = np.empty(cap, np.int64)
    ends = np.empty(cap, np.int64)
    n, used = fill_line_bounds(buf, final, starts, ends)
    return starts[:n], ends[:n], used


# ---------------------------------------------------------------------------- numbers


@jit
def digits(buf: U8, a: int, b: int) -> int:
    """The non-negative integer in ``buf[a:b]``, or -1 unless it is all digits (1-18)."""
    if b <= a or b - a > 18:
        return -1
    val = 0
    for i in range(a, b):
        d = buf[i] - 48
        if d < 0 or d > 9:
            return -1
        val = val * 10 + d
    return val


@jit
def fraction_us(buf: U8, a: int, b: int) -> int:
    """Microseconds in the decimal fraction digits ``buf[a:b]`` (after the point)."""
    val, scale = 0, 100_000
    for i in range(a, b):
        d = buf[i] - 48
        if d < 0 or d > 9:
            return -1
        val += d * scale
        scale //= 10
    return val


@jit
def find(buf: U8, a: int, b: int, char: int) -> int:
    for i in range(a, b):
        if buf[i] == char:
            return i
    return -1


@jit
def hex_value(char: int) -> int:
    if 48 <= char <= 57:
        return char - 48
    if 65 <= char <= 70:
        return char - 55
    if 97 <= char <= 102:
        return char - 87
    return -1


@jit
def checksum_ok(buf: U8, a: int, star: int, end: int) -> bool:
    """XOR of ``buf[a:star]`` equals the two hex digits after ``star`` (before ``end``)."""
    if star < 0 or star + 3 > end:
        return False
    hi, lo = hex_value(buf[star + 1]), hex_value(buf[star + 2])
    if hi < 0 or lo < 0:
        return False
    x = 0
    for i in range(a, star):
        x ^= buf[i]
    return x == hi * 16 + lo


@jit
def fnv(buf: U8, a: int, b: int) -> int:
    """A 63-bit FNV-1a hash of ``buf[a:b]`` (never 0)."""
    h = np.uint64(14695981039346656037)
    for i in range(a, b):
        h = (h ^ np.uint64(buf[i])) * np.uint64(1099511628211)
    return int(h >> np.uint64(1)) | 1


# ---------------------------------------------------------------------------- time


@jit
def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@jit
def civil_us(y: int, mo: int, d: int, h: int, mi: int, s: int, us: int) -> int:
    """Epoch microseconds of a UTC civil time, or NO_TS if a field is out of range."""
    if not (1 <= mo <= 12 and 1 <= d <= 31 and 0 <= h <= 23 and 0 <= mi <= 59):
        return NO_TS
    if not (0 <= s <= 60 and 0 <= us < US and y >= 1900):
        return NO_TS
    days = days_from_civil(y, mo, d)
    return ((days * 24 + h) * 60 + mi) * 60 * US + s * US + us


@jit
def epoch_us(buf: U8, a: int, b: int) -> int:
    """``seconds[.fraction]`` or milliseconds (> 1e11) since the epoch, as microseconds."""
    dot = find(buf, a, b, 46)
    whole = digits(buf, a, b if dot < 0 else dot)
    if whole < 0:
        return NO_TS
    frac = 0 if dot < 0 else fraction_us(buf, dot + 1, b)
    if frac < 0:
        return NO_TS
    if whole > 100_000_000_000:
        return whole * 1000 + frac // 1000
    return whole * US + frac


@jit
def two(buf: U8, a: int) -> int:
    return digits(buf, a, a + 2)


@jit
def iso_us(buf: U8, a: int, b: int) -> int:
    """``YYYY-MM-DD[T ]HH:MM:SS[.f][Z|±HH[:]MM]`` as epoch microseconds, else NO_TS."""
    if b - a < 19 or buf[a + 4] != 45 or buf[a + 7] != 45 or buf[a + 13] != COLON:
        return NO_TS
    if buf[a + 16] != COLON or buf[a + 10] not in (84, 32):
        return NO_TS
    year = digits(buf, a, a + 4)
    ts = civil_us(year, two(buf, a + 5), two(buf, a + 8), two(buf, a + 11), two(buf, a + 14),
                  two(buf, a + 17), 0)  # fmt: skip
    i = a + 19
    if ts == NO_TS or year < 0:
        return NO_TS
    if i < b and buf[i] == 46:
        j = i + 1
        while j < b and 48 <= buf[j] <= 57:
            j += 1
        ts += fraction_us(buf, i + 1, min(j, i + 7))
        i = j
    return apply_offset(buf, i, b, ts)


@jit
def apply_offset(buf: U8, i: int, b: int, ts: int) -> int:
    """``ts`` shifted to UTC by the zone designator in ``buf[i:b]`` (none means UTC)."""
    if i == b or (i + 1 == b and buf[i] == 90):
        return ts
    if buf[i] not in (43, 45):
        return NO_TS
    hh = two(buf, i + 1)
    mm = two(buf, b - 2) if b - i in (5, 6) else -1
    if hh < 0 or mm < 0:
        return NO_TS
    sign = 1 if buf[i] == 43 else -1
    return ts - sign * (hh * 60 + mm) * 60 * US


@jit
def prefix_us(buf: U8, a: int, b: int) -> int:
    """A leading timestamp column (epoch or ISO 8601) before the sentence."""
    while b > a and buf[b - 1] in (32, 9, 44, 59):
        b -= 1
    if b - a >= 19 and buf[a + 4] == 45:
        return iso_us(buf, a, b)
    return epoch_us(buf, a, b)


@jit
def suffix_us(buf: U8, a: int, b: int) -> int:
    """The first all-numeric comma column after the checksum (USCG, DMA), else NO_TS."""
    if a >= b or buf[a] != COMMA:
        return NO_TS
    start = a + 1
    for i in range(a + 1, b + 1):
        if i == b or buf[i] == COMMA:
            if i - start >= 9:
                ts = epoch_us(buf, start, i)
                if ts != NO_TS:
                    return ts
            start = i + 1
    return NO_TS


@jit
def hhmmss_us(buf: U8, a: int, b: int) -> int:
    """Microseconds into the day of ``hhmmss[.ss]``, or -1."""
    if b - a < 6:
        return -1
    h, m, s = two(buf, a), two(buf, a + 2), two(buf, a + 4)
    if h < 0 or m < 0 or s < 0:
        return -1
    frac = 0
    if b - a > 7 and buf[a + 6] == 46:
        frac = fraction_us(buf, a + 7, b)
    return ((h * 60 + m) * 60 + s) * US + frac if frac >= 0 else -1


# ---------------------------------------------------------------------------- fields


@jit
def field_bounds(buf: U8, a: int, b: int, k: int) -> tuple[int, int]:
    """Bounds of the ``k``-th comma field (0-based) of ``buf[a:b]``, (-1, -1) if absent."""
    start = a
    idx = 0
    for i in range(a, b + 1):
        if i == b or buf[i] == COMMA:
            if idx == k:
                return start, i
            idx += 1
            start = i + 1
    return -1, -1


@jit
def int_field(buf: U8, a: int, b: int, k: int) -> int:
    fa, fb = field_bounds(buf, a, b, k)
    return digits(buf, fa, fb) if fa >= 0 else -1


@jit
def pghp_us(buf: U8, a: int, b: int) -> int:
    """``$PGHP,1,yyyy,m,d,h,min,s,ms,…``: the GateHouse time header."""
    if int_field(buf, a, b, 1) != 1:
        return NO_TS
    f = [int_field(buf, a, b, k) for k in range(2, 9)]
    if min(f) < 0:
        return NO_TS
    return civil_us(f[0], f[1], f[2], f[3], f[4], f[5], f[6] * 1000)


@jit
def rmc_us(buf: U8, a: int, b: int) -> int:
    """``$xxRMC,hhmmss.ss,…,ddmmyy,…``: time and date of a GPS fix."""
    ta, tb = field_bounds(buf, a, b, 1)
    da, db = field_bounds(buf, a, b, 9)
    if ta < 0 or da < 0 or db - da != 6:
        return NO_TS
    tod = hhmmss_us(buf, ta, tb)
    yy = two(buf, da + 4)
    if tod < 0 or yy < 0:
        return NO_TS
    year = 2000 + yy if yy < 80 else 1900 + yy
    day = civil_us(year, two(buf, da + 2), two(buf, da), 0, 0, 0, 0)
    return NO_TS if day == NO_TS else day + tod


@jit
def zda_us(buf: U8, a: int, b: int) -> int:
    """``$xxZDA,hhmmss.ss,dd,mm,yyyy,…``."""
    ta, tb = field_bounds(buf, a, b, 1)
    tod = hhmmss_us(buf, ta, tb) if ta >= 0 else -1
    day = civil_us(int_field(buf, a, b, 4), int_field(buf, a, b, 3), int_field(buf, a, b, 2),
                   0, 0, 0, 0)  # fmt: skip
    return NO_TS if tod < 0 or day == NO_TS else day + tod


# ---------------------------------------------------------------------------- one line


@jit
def tag_block(buf: U8, a: int, e: int, i: int, out: I64_2D) -> int:
    """Read the tag block opening at ``a``; returns the index after it, or -1 (rejected)."""
    close = find(buf, a + 1, e, BACKSLASH)
    if close < 0:
        return reject(out, i, R_UNPARSEABLE)
    star = find(buf, a + 1, close, STAR)
    if not checksum_ok(buf, a + 1, star, close) or star + 3 != close:
        return reject(out, i, R_BAD_CHECKSUM)
    start = a + 1
    for j in range(a + 1, star + 1):
        if j == star or buf[j] == COMMA:
            tag_field(buf, start, j, i, out)
            start = j + 1
    return close + 1


@jit
def tag_field(buf: U8, a: int, b: int, i: int, out: I64_2D) -> None:
    if b - a < 2 or buf[a + 1] != COLON:
        return
    key = buf[a]
    if key == 99:  # c: receive time
        out[i, OWN_TS] = epoch_us(buf, a + 2, b)
    elif key == 115:  # s: source
        out[i, SRC_START], out[i, SRC_END] = a + 2, b
    elif key == 103 or key == 71:  # g: / G: sentence-group
        group(buf, a + 2, b, i, out)


@jit
def group(buf: U8, a: int, b: int, i: int, out: I64_2D) -> None:
    """``g:<n>-<total>-<id>``: the group id (any text) is hashed."""
    d1 = find(buf, a, b, 45)
    d2 = find(buf, d1 + 1, b, 45) if d1 >= 0 else -1
    if d2 >= 0:
        out[i, GROUP_ID] = fnv(buf, d2 + 1, b)


@jit
def reject(out: I64_2D, i: int, reason: int) -> int:
    out[i, KIND] = K_REJECT
    out[i, REASON] = reason
    return -1


@jit
def sentence_start(buf: U8, a: int, e: int) -> int:
    for j in range(a, e):
        c = buf[j]
        if c in (BACKSLASH, BANG, DOLLAR):
            return j
    return -1


@jit
def scan_line(buf: U8, a: int, e: int, i: int, out: I64_2D) -> None:
    """Classify line ``i`` (``buf[a:e]``) and fill its entries of ``out``."""
    if a == e:
        return
    if buf[a] == 35:  # '#'
        out[i, KIND] = K_IGNORED
        return
    q = sentence_start(buf, a, e)
    if q < 0:
        reject(out, i, R_UNPARSEABLE)
        return
    lead = prefix_us(buf, a, q) if q > a else NO_TS
    if q > a and lead == NO_TS:
        reject(out, i, R_UNPARSEABLE)
        return
    if buf[q] == BACKSLASH:
        q = tag_block(buf, q, e, i, out)
        if q < 0:
            return
        if q >= e or buf[q] not in (BANG, DOLLAR):
            reject(out, i, R_UNPARSEABLE)
            return
    if out[i, OWN_TS] == NO_TS:
        out[i, OWN_TS] = lead
    sentence(buf, q, e, i, out)


@jit
def sentence(buf: U8, q: int, e: int, i: int, out: I64_2D) -> None:
    """The ``!``/``$`` sentence at ``q``: checksum, address, then its kind's fields."""
    star = find(buf, q, e, STAR)
    if not checksum_ok(buf, q + 1, star, e):
        reject(out, i, R_BAD_CHECKSUM)
        return
    end = star + 3
    if find(buf, end, e, BANG) >= 0 or find(buf, end, e, DOLLAR) >= 0:
        out[i, KIND] = K_MULTI
        return
    if out[i, OWN_TS] == NO_TS:
        out[i, OWN_TS] = suffix_us(buf, end, e)
    comma = find(buf, q, star, COMMA)
    addr = (comma if comma >= 0 else star) - q - 1
    if addr == 5 and buf[q + 3] == 86 and buf[q + 4] == 68 and buf[q + 5] in (77, 79):
        vdm_fields(buf, q, star, i, out)
    else:
        other_sentence(buf, q, star, addr, i, out)


@jit
def other_sentence(buf: U8, q: int, star: int, addr: int, i: int, out: I64_2D) -> None:
    """Non-AIS sentences are ignored; time headers and GPS times are remembered."""
    out[i, KIND] = K_IGNORED
    if addr == 4 and buf[q + 1] == 80 and buf[q + 2] == 71 and buf[q + 3] == 72:  # PGHP
        out[i, KIND] = K_HEADER_TIME
        out[i, HEADER_TS] = pghp_us(buf, q, star)
    elif addr == 5 and buf[q + 3] == 82 and buf[q + 4] == 77 and buf[q + 5] == 67:  # RMC
        out[i, KIND] = K_GPS_TIME
        out[i, HEADER_TS] = rmc_us(buf, q, star)
    elif addr == 5 and buf[q + 3] == 90 and buf[q + 4] == 68 and buf[q + 5] == 65:  # ZDA
        out[i, KIND] = K_GPS_TIME
        out[i, HEADER_TS] = zda_us(buf, q, star)


@jit
def vdm_fields(buf: U8, q: int, star: int, i: int, out: I64_2D) -> None:
    """``!xxVDM,total,num,seq,channel,payload,fill``."""
    bounds = np.empty(7, np.int64)
    n = 0
    for j in range(q, star):
        if buf[j] == COMMA:
            if n == 6:
                reject(out, i, R_UNPARSEABLE)
                return
            bounds[n] = j
            n += 1
    bounds[n] = star
    if n != 6:
        reject(out, i, R_UNPARSEABLE)
        return
    total = digits(buf, bounds[0] + 1, bounds[1])
    num = digits(buf, bounds[1] + 1, bounds[2])
    seq = digits(buf, bounds[2] + 1, bounds[3]) if bounds[3] > bounds[2] + 1 else -2
    fill = digits(buf, bounds[5] + 1, bounds[6])
    chan_len = bounds[4] - bounds[3] - 1
    if not (1 <= num <= total <= 9) or seq == -1 or fill < 0 or fill > 5 or chan_len > 1:
        reject(out, i, R_UNPARSEABLE)
        return
    out[i, KIND] = K_AIS
    out[i, FRAG_TOTAL], out[i, FRAG_NUM], out[i, SEQ_ID], out[i, FILL] = total, num, seq, fill
    out[i, CHANNEL] = buf[bounds[3] + 1] if chan_len == 1 else 0
    out[i, PAY_START], out[i, PAY_END] = bounds[4] + 1, bounds[5]


@jit
def scan_into(buf: U8, starts: I64, ends: I64, out: I64_2D) -> None:
    for i in range(starts.shape[0]):
        scan_line(buf, starts[i], ends[i], i, out)


def scan_lines(buf: U8, starts: I64, ends: I64) -> Lines:
    """Classify every line ``buf[starts[i]:ends[i]]``."""
    table = np.empty((len(starts), len(Lines._fields)), np.int64)
    table[:] = np.array([np.asarray(column[:1]).item(0) for column in allocate(1)], np.int64)
    scan_into(buf, starts, ends, table)
    dtypes = [np.asarray(column).dtype for column in allocate(0)]
    return Lines._make(table[:, j].astype(dtype) for j, dtype in enumerate(dtypes))


# ---------------------------------------------------------------------------- times


@jit
def resolve_times(kind: I8, own_ts: I64, header_ts: I64, sticky: I64) -> I64:
    """Each AIS line's time: its own, else the last $PGHP header, else the last GPS time.

    ``sticky`` holds (header, gps) times carried between batches and is updated.
    """
    ts = np.full(kind.shape[0], NO_TS, np.int64)
    for i in range(kind.shape[0]):
        k = kind[i]
        if k == K_HEADER_TIME and header_ts[i] != NO_TS:
            sticky[0] = header_ts[i]
        elif k == K_GPS_TIME and header_ts[i] != NO_TS:
            sticky[1] = header_ts[i]
        elif k == K_AIS:
            ts[i] = own_ts[i] if own_ts[i] != NO_TS else sticky[0]
            if ts[i] == NO_TS:
                ts[i] = sticky[1]
    return ts


# ---------------------------------------------------------------------------- assembly

MAX_PARTS = 9
ASSEMBLY_FIELDS = ("kind", "frag_total", "frag_num", "seq_id", "channel", "group_id",
                   "pay_start", "pay_end", "fill")  # fmt: skip
A_KIND, A_FRAG_TOTAL, A_FRAG_NUM, A_SEQ_ID, A_CHANNEL, A_GROUP_ID = range(6)
A_PAY_START, A_PAY_END, A_FILL = 6, 7, 8
PENDING_SLOTS = 128


class Messages(NamedTuple):
    """Complete AIS messages: their lines (CSR ``ptr``/``lines``) and payload in ``payload``."""

    ptr: I64
    lines: I64
    pay_start: I64
    pay_end: I64
    fill: I8
    payload: U8


class Pending(NamedTuple):
    """Open multi-part messages waiting for their next fragment."""

    active: npt.NDArray[np.bool_]
    next_num: I8
    first_no: I64
    filled: I64
    lines: I64  # PENDING_SLOTS x MAX_PARTS line indices


def new_pending() -> Pending:
    return Pending(
        np.zeros(PENDING_SLOTS, np.bool_), np.zeros(PENDING_SLOTS, np.int8),
        np.zeros(PENDING_SLOTS, np.int64), np.zeros(PENDING_SLOTS, np.int64),
        np.zeros((PENDING_SLOTS, MAX_PARTS), np.int64),
    )  # fmt: skip


@jit
def same_message(tab: I64_2D, a: int, b: int) -> bool:
    """Lines ``a`` and ``b`` are fragments of one message (tag group, else channel + id)."""
    if tab[a, A_FRAG_TOTAL] != tab[b, A_FRAG_TOTAL]:
        return False
    if tab[a, A_GROUP_ID] != 0 and tab[b, A_GROUP_ID] != 0:
        return bool(tab[a, A_GROUP_ID] == tab[b, A_GROUP_ID])
    return bool(tab[a, A_CHANNEL] == tab[b, A_CHANNEL] and tab[a, A_SEQ_ID] == tab[b, A_SEQ_ID])


@jit
def drop_slot(pend: Pending, k: int, orphan: npt.NDArray[np.bool_]) -> None:
    for j in range(pend.filled[k]):
        orphan[pend.lines[k, j]] = True
    pend.active[k] = False


@jit
def open_slot(pend: Pending, orphan: npt.NDArray[np.bool_]) -> int:
    """A free pending slot; when all are taken, the oldest message is orphaned."""
    oldest = 0
    for k in range(PENDING_SLOTS):
        if not pend.active[k]:
            return k
        if pend.first_no[k] < pend.first_no[oldest]:
            oldest = k
    drop_slot(pend, oldest, orphan)
    return oldest


@jit
def expire(pend: Pending, line_no: int, max_age: int, orphan: npt.NDArray[np.bool_]) -> None:
    for k in range(PENDING_SLOTS):
        if pend.active[k] and line_no - pend.first_no[k] > max_age:
            drop_slot(pend, k, orphan)


@jit
def find_slot(pend: Pending, tab: I64_2D, i: int, any_next: bool) -> int:
    for k in range(PENDING_SLOTS):
        wanted = any_next or pend.next_num[k] == tab[i, A_FRAG_NUM]
        if pend.active[k] and wanted and same_message(tab, pend.lines[k, 0], i):
            return k
    return -1


@jit
def emit(msgs: Messages, n: int, used: int, buf: U8, tab: I64_2D, parts: I64) -> int:
    """Append message ``n`` made of line indices ``parts``; returns payload bytes used."""
    msgs.pay_start[n] = used
    start = msgs.ptr[n]
    for j in range(parts.shape[0]):
        i = parts[j]
        msgs.lines[start + j] = i
        for b in range(tab[i, A_PAY_START], tab[i, A_PAY_END]):
            msgs.payload[used] = buf[b]
            used += 1
    msgs.ptr[n + 1] = start + parts.shape[0]
    msgs.pay_end[n] = used
    msgs.fill[n] = tab[parts[-1], A_FILL]
    return used


@jit
def fragment(
    pend: Pending, tab: I64_2D, i: int, line_no: int, orphan: npt.NDArray[np.bool_]
) -> int:
    """File fragment line ``i``; returns the slot it completed, or -1."""
    if tab[i, A_FRAG_NUM] == 1:
        old = find_slot(pend, tab, i, True)
        if old >= 0:
            drop_slot(pend, old, orphan)
        k = open_slot(pend, orphan)
        pend.active[k], pend.first_no[k], pend.filled[k] = True, line_no, 0
    else:
        k = find_slot(pend, tab, i, False)
        if k < 0:
            orphan[i] = True
            return -1
    pend.lines[k, pend.filled[k]] = i
    pend.filled[k] += 1
    pend.next_num[k] = tab[i, A_FRAG_NUM] + 1
    return k if tab[i, A_FRAG_NUM] == tab[i, A_FRAG_TOTAL] else -1


@jit
def assemble_into(
    buf: U8, tab: I64_2D, line_no: I64, max_age: int, pend: Pending, msgs: Messages,
    orphan: npt.NDArray[np.bool_],
) -> tuple[int, int]:  # fmt: skip
    """Group AIS lines into messages in arrival order; returns (messages, payload bytes)."""
    n = used = 0
    single = np.empty(1, np.int64)
    for i in range(tab.shape[0]):
        if tab[i, A_KIND] != K_AIS:
            continue
        if i % 64 == 0:  # ages are loose limits: checking now and then is enough
            expire(pend, line_no[i], max_age, orphan)
        if tab[i, A_FRAG_TOTAL] == 1:
            single[0] = i
            used = emit(msgs, n, used, buf, tab, single)
            n += 1
            continue
        k = fragment(pend, tab, i, line_no[i], orphan)
        if k >= 0:
            used = emit(msgs, n, used, buf, tab, pend.lines[k, : pend.filled[k]])
            pend.active[k] = False
            n += 1
    return n, used


def assemble(
    buf: U8, lines: Lines, line_no: I64, max_age: int, pend: Pending
) -> tuple[Messages, npt.NDArray[np.bool_]]:
    """Messages complete in this batch and the fragment lines found to be orphans.

    Fragments still waiting for partners stay in ``pend`` (line indices of this batch).
    """
    n = len(lines.kind)
    ais = (lines.kind == K_AIS) | (lines.kind == K_CARRIED)
    size = int((lines.pay_end - lines.pay_start)[ais].sum())
    msgs = Messages(
        np.zeros(n + 1, np.int64), np.empty(n, np.int64), np.empty(n, np.int64),
        np.empty(n, np.int64), np.empty(n, np.int8), np.empty(size, np.uint8),
    )  # fmt: skip
    orphan = np.zeros(n, np.bool_)
    tab = np.stack([np.asarray(getattr(lines, name), np.int64) for name in ASSEMBLY_FIELDS], 1)
    count, _ = assemble_into(buf, tab, line_no, max_age, pend, msgs, orphan)
    c = count
    return Messages(msgs.ptr[: c + 1], msgs.lines[: msgs.ptr[c]], msgs.pay_start[:c],
                    msgs.pay_end[:c], msgs.fill[:c], msgs.payload), orphan  # fmt: skip


@jit
def hash_ranges(buf: U8, starts: I64, ends: I64) -> I64:
    """:func:`fnv` of each ``buf[starts[i]:ends[i]]``; 0 where ``starts[i]`` is -1."""
    out = np.zeros(starts.shape[0], np.int64)
    for i in range(starts.shape[0]):
        if starts[i] >= 0:
            out[i] = fnv(buf, starts[i], ends[i])
    return out
