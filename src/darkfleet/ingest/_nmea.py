"""Read NMEA 0183 AIS logs (``!xxVDM`` / ``!xxVDO``) into position and static batches.

Accepted, line by line (any mix; ``\\n`` or ``\\r\\n``; blank lines skipped but counted):

* AIS sentences of any talker, single- or multi-part (assembled by channel, sequence
  id and fragment count, or by the IEC 61162-450 tag-block group ``g:``), optionally
  behind a tag block ``\\c:…,s:…,g:…*hh\\`` and/or a leading timestamp column
  (epoch seconds or ISO 8601, separated by space, tab, comma or semicolon), and
  optionally followed by comma columns (USCG/NAIS ``…,r003669946,1325394060``, DMA
  ``…,0*3E,1357134218``).
* Time sources, best first: tag block ``c:`` (s or ms), the leading column, the first
  all-digit trailing column, the latest ``$PGHP`` header, the latest ``$xxRMC``/
  ``$xxZDA``; else ``assume_time``; else the message is rejected ``no_timestamp``.
  A multi-part message takes its first fragment's time.
* Types 1, 2, 3, 18, 27 give positions; 5 and 24 give static rows; 19 gives both (the
  static row has ``records = 0``). Other AIS types, other NMEA sentences and ``#``
  comments are ignored. Non-vessel messages are ignored even without a time.
* A line holding all fragments of one message back to back (seen in some
  MarineTraffic exports) is read as that one message; any other line with several
  sentences is ``unparseable``.

Parsing runs in numba kernels over whole blocks (:mod:`._nmea_kernels`,
:mod:`._sixbit`); Python only builds the frames and handles those rare joined lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import polars as pl

from darkfleet import schema
from darkfleet.ingest import _nmea_kernels as k
from darkfleet.ingest import _rules
from darkfleet.ingest import _sixbit as sb
from darkfleet.ingest._batch import RECORDS, Batch

__all__ = ["looks_like_nmea", "read_nmea"]

MAX_FRAGMENT_AGE = 10_000
"""Lines a multi-part message may wait for its next fragment before it is orphaned."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MIN_BLOCK, MAX_BLOCK = 1 << 16, 1 << 26
REASONS = ["", "bad_checksum", "unparseable", "bad_length", "orphan_fragment", "no_timestamp",
           "bad_value"]  # fmt: skip
R_BAD_LENGTH, R_ORPHAN, R_NO_TS, R_BAD_VALUE = 3, 4, 5, 6
AIS_SENTENCE = re.compile(rb"[!$][A-Z]{2}VD[MO],\d,\d,\d?,[A-Za-z0-9]?,[0-W`-w]*,\d\*[0-9A-F]{2}")
SENTENCE_SPLIT = re.compile(rb"(?:\\[^\\]*\\)?[!$][^!$\\]*")

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]


def looks_like_nmea(head: bytes) -> bool:
    """True if the first bytes of a file hold at least one AIVDM/AIVDO sentence."""
    return AIS_SENTENCE.search(head[: 1 << 16]) is not None


def read_nmea(
    stream: BinaryIO,
    source: str,
    assume_time: datetime | None = None,
    batch_lines: int = 500_000,
) -> Iterator[Batch]:
    """Decode an NMEA AIS byte stream into :class:`Batch` objects of ~``batch_lines`` lines."""
    state = _State(source, assume_time)
    for chunk in _chunks(stream, max(1, batch_lines)):
        yield state.batch(chunk, final=False)
    if state.carry:
        yield state.batch(b"", final=True)


def _chunks(stream: BinaryIO, batch_lines: int) -> Iterator[bytes]:
    """Runs of whole lines, each at most ``batch_lines`` lines."""
    size = min(MAX_BLOCK, max(MIN_BLOCK, batch_lines * 80))
    rest = b""
    while True:
        block = stream.read(size)
        data = rest + block
        cut = len(data) if not block else data.rfind(b"\n") + 1
        rest = data[cut:]
        yield from _split_every(data[:cut], batch_lines)
        if not block:
            return


def _split_every(data: bytes, batch_lines: int) -> Iterator[bytes]:
    if not data:
        return
    buf = np.frombuffer(data, np.uint8)
    starts, _, _ = k.split_lines(buf, True)
    for lo in range(0, len(starts), batch_lines):
        hi = lo + batch_lines
        yield data[starts[lo] : starts[hi] if hi < len(starts) else len(data)]


@dataclass
class _Carry:
    """Fragment lines still waiting for partners at the end of a batch."""

    raw: list[bytes] = field(default_factory=list)
    line_no: list[int] = field(default_factory=list)
    ts: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.raw)


@dataclass
class _Block:
    """One batch's lines: bytes, bounds, numbers and what the kernels found."""

    buf: U8
    starts: I64
    ends: I64
    line_no: I64
    lines: k.Lines
    originals: dict[int, bytes]
    n_carried: int

    def raw(self, i: int) -> str:
        text = self.originals.get(i, self.buf[self.starts[i] : self.ends[i]].tobytes())
        return text.decode("utf-8", errors="replace")


class _State:
    """What persists between batches: line count, sticky times, open fragments."""

    def __init__(self, source: str, assume_time: datetime | None) -> None:
        self.source = source
        self.assume_us = k.NO_TS if assume_time is None else _to_us(assume_time)
        self.next_line = 1
        self.sticky = np.full(2, k.NO_TS, np.int64)
        self.pending = k.new_pending()
        self.carry = _Carry()

    def batch(self, chunk: bytes, final: bool) -> Batch:
        block = self._block(chunk)
        ts = k.resolve_times(block.lines.kind, block.lines.own_ts, block.lines.header_ts,
                             self.sticky)  # fmt: skip
        ts[: block.n_carried] = self.carry.ts
        msgs, orphan = k.assemble(block.buf, block.lines, block.line_no, MAX_FRAGMENT_AGE,
                                  self.pending)  # fmt: skip
        if final:
            _orphan_all(self.pending, orphan)
        waiting = self._carry_forward(block, ts)
        return _Outcome(self, block, ts, msgs, orphan, waiting).batch()

    def _block(self, chunk: bytes) -> _Block:
        carried = len(self.carry.raw)
        data = b"".join(line + b"\n" for line in self.carry.raw) + chunk
        buf = np.frombuffer(data, np.uint8)
        starts, ends, _ = k.split_lines(buf, True)
        fresh = len(starts) - carried
        line_no = np.concatenate([np.array(self.carry.line_no, np.int64),
                                  np.arange(self.next_line, self.next_line + fresh)])  # fmt: skip
        self.next_line += fresh
        lines = k.scan_lines(buf, starts, ends)
        block = _Block(buf, starts, ends, line_no, lines, {}, carried)
        if (lines.kind == k.K_MULTI).any():
            block = _rewrite_joined(block)
        block.lines.kind[:carried] = k.K_CARRIED
        return block

    def _carry_forward(self, block: _Block, ts: I64) -> npt.NDArray[np.bool_]:
        """Move fragments still pending into ``self.carry``; returns a mask of them."""
        waiting = np.zeros(len(block.starts), np.bool_)
        self.carry = _Carry()
        for slot in np.flatnonzero(self.pending.active):
            for j in range(self.pending.filled[slot]):
                i = int(self.pending.lines[slot, j])
                waiting[i] = True
                self.pending.lines[slot, j] = len(self.carry.raw)
                self.carry.raw.append(block.buf[block.starts[i] : block.ends[i]].tobytes())
                self.carry.line_no.append(int(block.line_no[i]))
                self.carry.ts.append(int(ts[i]))
        return waiting


def _orphan_all(pending: k.Pending, orphan: npt.NDArray[np.bool_]) -> None:
    for slot in np.flatnonzero(pending.active):
        orphan[pending.lines[slot, : pending.filled[slot]]] = True
        pending.active[slot] = False


def _to_us(moment: datetime) -> int:
    """Epoch microseconds of ``moment`` (naive means UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return (aware - EPOCH) // timedelta(microseconds=1)


class _Outcome:
    """Where every line of one block ends: a row, a reject or the ignored count."""

    def __init__(
        self,
        state: _State,
        block: _Block,
        ts: I64,
        msgs: k.Messages,
        orphan: npt.NDArray[np.bool_],
        waiting: npt.NDArray[np.bool_],
    ) -> None:
        self.state, self.block, self.msgs = state, block, msgs
        self.reason = _line_reasons(block.lines, orphan)
        self.ignored = int(np.isin(block.lines.kind, IGNORED_KINDS).sum())
        self.read = int((block.lines.kind != k.K_BLANK).sum() - waiting.sum())
        self.decoded = sb.decode_payloads(msgs.payload, msgs.pay_start, msgs.pay_end, msgs.fill)
        self.first = msgs.lines[msgs.ptr[:-1]]
        self.msg_ts = ts[self.first]
        self.nlines = np.diff(msgs.ptr)

    def batch(self) -> Batch:
        status = self._message_status()
        positions, static = self._frames(status)
        return Batch(
            positions=positions,
            static=static,
            rejects=self._rejects(),
            ignored=self.ignored,
            read=self.read,
        )

    def _message_status(self) -> npt.NDArray[np.int8]:
        """ST_* per message, with messages lacking a time turned into rejects."""
        status = self.decoded.status.copy()
        no_ts = self.msg_ts == k.NO_TS
        if self.state.assume_us != k.NO_TS:
            self.msg_ts[no_ts] = self.state.assume_us
            no_ts[:] = False
        kept = np.isin(status, [sb.ST_POSITION, sb.ST_STATIC, sb.ST_BOTH])
        self._reject_messages(kept & no_ts, R_NO_TS)
        self._reject_messages(status == sb.ST_BAD_LENGTH, R_BAD_LENGTH)
        self._reject_messages(status == sb.ST_UNPARSEABLE, k.R_UNPARSEABLE)
        self.ignored += int(self.nlines[status == sb.ST_IGNORED].sum())
        status[~kept | no_ts] = 0
        return status

    def _reject_messages(self, mask: npt.NDArray[np.bool_], reason: int) -> None:
        """Every line of the messages in ``mask`` is rejected with ``reason``."""
        self.reason[self.msgs.lines[np.repeat(mask, self.nlines)]] = reason

    def _frames(self, status: npt.NDArray[np.int8]) -> tuple[pl.DataFrame, pl.DataFrame]:
        pos_idx = np.flatnonzero((status == sb.ST_POSITION) | (status == sb.ST_BOTH))
        sta_idx = np.flatnonzero((status == sb.ST_STATIC) | (status == sb.ST_BOTH))
        sources = self._sources()
        positions = _rules.clean_positions(self._positions(pos_idx, sources))
        bad_pos = positions.select(_rules.bad_key(has_position=True)).to_series().to_numpy()
        static = _rules.clean_static(self._static(sta_idx, sources))
        bad_sta = static.select(_rules.bad_key(has_position=False)).to_series().to_numpy()
        bad = np.zeros(len(status), np.bool_)
        bad[pos_idx[bad_pos]] = True
        bad[sta_idx[bad_sta]] = True
        self._reject_messages(bad, R_BAD_VALUE)
        return positions.filter(~bad[pos_idx]), static.filter(~bad[sta_idx])

    def _sources(self) -> pl.Series:
        """Per message: its tag-block ``s:`` value, else the reader's source name."""
        lines, buf = self.block.lines, self.block.buf
        first = self.first
        hashes = k.hash_ranges(buf, lines.src_start[first], lines.src_end[first])
        uniq, where, codes = np.unique(hashes, return_index=True, return_inverse=True)
        names = [
            self.state.source if h == 0 else _text(buf, lines, int(first[w]))
            for h, w in zip(uniq, where, strict=True)
        ]
        return pl.Series(names, dtype=pl.String).gather(codes.ravel())

    def _positions(self, idx: I64, sources: pl.Series) -> pl.DataFrame:
        d = self.decoded
        return pl.DataFrame(
            {
                "mmsi": d.mmsi[idx],
                "ts": pl.Series(self.msg_ts[idx]).cast(pl.Datetime("us", "UTC")),
                "lat": d.lat[idx],
                "lon": d.lon[idx],
                "sog_kn": pl.Series(d.sog[idx], nan_to_null=True),
                "cog_deg": pl.Series(d.cog[idx], nan_to_null=True),
                "heading_deg": _nullable(d.heading[idx]),
                "nav_status": _nullable(d.nav_status[idx]),
                "source": sources.gather(idx).cast(pl.Categorical),
                "msg_type": d.msg_type[idx],
                RECORDS: pl.Series(self.nlines[idx], dtype=pl.Int32),
            }
        )

    def _static(self, idx: I64, sources: pl.Series) -> pl.DataFrame:
        d = self.decoded
        return pl.DataFrame(
            {
                "mmsi": d.mmsi[idx],
                "ts": pl.Series(self.msg_ts[idx]).cast(pl.Datetime("us", "UTC")),
                "imo": _nullable(d.imo[idx]),
                "name": _strings(d.name[idx]),
                "callsign": _strings(d.callsign[idx]),
                "ship_type": _nullable(d.ship_type[idx]),
                "length_m": pl.Series(d.length[idx], nan_to_null=True),
                "beam_m": pl.Series(d.beam[idx], nan_to_null=True),
                "draught_m": pl.Series(d.draught[idx], nan_to_null=True),
                "destination": _strings(d.destination[idx]),
                "source": sources.gather(idx).cast(pl.Categorical),
                RECORDS: pl.Series(
                    np.where(d.status[idx] == sb.ST_BOTH, 0, self.nlines[idx]), dtype=pl.Int32
                ),
            }
        )

    def _rejects(self) -> pl.DataFrame:
        idx = np.flatnonzero(self.reason)
        return pl.DataFrame(
            {
                "source": [self.state.source] * len(idx),
                "line_no": self.block.line_no[idx],
                "raw": [self.block.raw(int(i)) for i in idx],
                "reason": [REASONS[r] for r in self.reason[idx]],
            },
            schema=schema.polars_schema(schema.REJECTS),
        )


IGNORED_KINDS = [k.K_IGNORED, k.K_HEADER_TIME, k.K_GPS_TIME]


def _line_reasons(lines: k.Lines, orphan: npt.NDArray[np.bool_]) -> npt.NDArray[np.int8]:
    """Reject reason code per line as far as the line alone decides (0 = none)."""
    reason = np.where(lines.kind == k.K_REJECT, lines.reason, 0).astype(np.int8)
    reason[orphan] = R_ORPHAN
    return reason


def _nullable(values: npt.NDArray[np.generic]) -> pl.Series:
    series = pl.Series(values)
    return series.set(series < 0, None)


def _strings(chars: U8) -> pl.Series:
    fixed = np.ascontiguousarray(chars).view(f"S{chars.shape[1]}").ravel()
    return pl.Series(fixed, dtype=pl.Binary).cast(pl.String)


def _text(buf: U8, lines: k.Lines, i: int) -> str:
    raw = buf[lines.src_start[i] : lines.src_end[i]].tobytes()
    return raw.decode("utf-8", errors="replace")


def _rewrite_joined(block: _Block) -> _Block:
    """Replace each line holding several sentences by one equivalent single sentence."""
    pieces = []
    for i in np.flatnonzero(block.lines.kind == k.K_MULTI):
        original = block.buf[block.starts[i] : block.ends[i]].tobytes()
        block.originals[int(i)] = original
        pieces.append((int(i), _join_fragments(original)))
    return _replace_lines(block, dict(pieces))


def _join_fragments(line: bytes) -> bytes:
    """One sentence carrying all fragments of ``line``, or a line that rejects as it should.

    Fragments that do not make one complete message give an unparseable line (the
    orphaned parts of a joined line are not separate records).
    """
    parts = SENTENCE_SPLIT.findall(line)
    buf = np.frombuffer(b"\n".join(parts), np.uint8)
    starts, ends, _ = k.split_lines(buf, True)
    found = k.scan_lines(buf, starts, ends)
    rejected = np.flatnonzero(found.kind == k.K_REJECT)
    if len(rejected):
        return parts[rejected[0]] if found.reason[rejected[0]] == k.R_BAD_CHECKSUM else b"?"
    total = int(found.frag_total[0]) if len(parts) else 0
    in_order = (found.kind == k.K_AIS).all() and total == len(parts)
    if not in_order or list(found.frag_num) != list(range(1, total + 1)):
        return b"?"
    payload = b"".join(
        buf[s:e].tobytes() for s, e in zip(found.pay_start, found.pay_end, strict=True)
    )
    return _single_sentence(parts[0], payload, int(found.fill[-1]), int(found.channel[0]))


def _single_sentence(first: bytes, payload: bytes, fill: int, channel: int) -> bytes:
    tag = first[: first.index(b"\\", 1) + 1] if first.startswith(b"\\") else b""
    chan = bytes([channel]) if channel else b""
    body = b"AIVDM,1,1,," + chan + b"," + payload + b"," + str(fill).encode()
    check = 0
    for byte in body:
        check ^= byte
    return tag + b"!" + body + b"*" + f"{check:02X}".encode()


def _replace_lines(block: _Block, new: dict[int, bytes]) -> _Block:
    rows = [
        new.get(i, block.buf[block.starts[i] : block.ends[i]].tobytes())
        for i in range(len(block.starts))
    ]
    buf = np.frombuffer(b"\n".join(rows) + b"\n", np.uint8)
    starts, ends, _ = k.split_lines(buf, True)
    lines = k.scan_lines(buf, starts, ends)
    return _Block(buf, starts, ends, block.line_no, lines, block.originals, block.n_carried)
