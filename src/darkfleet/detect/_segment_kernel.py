"""The per-fix matching loop of the segmenter, compiled with numba.

Rows arrive sorted by (mmsi, time) and cut into vessel groups by ``starts``. For each
group the kernel keeps a small table of open segments, each with the history of its
last few fixes (the "lookback"), scores every new fix against every open segment and
writes one integer label per row, unique within its group, in creation order.

The scoring follows the published description of Global Fishing Watch's gpsdio-segment
matcher: a discrepancy in nautical miles between where the fix is and where dead
reckoning from the segment says it should be, compared with what ``max_speed_kn``
allows over the padded elapsed time. Layout of the packed arrays:

- ``fix`` float64 (n, 7): hours since the epoch, lat, lon, sog (kn, 0 when course or
  speed is unknown), cos and sin of the course over ground (the north and east parts
  of the unit heading), cos of the latitude; precomputed so the loop needs little trig;
- ``kind`` int8 (n, 2): transponder class bit mask (1 class A, 2 class B, 3 either),
  1 for a type 27 (long-range, coarse) report;
- per open segment: ``hist``/``hmet`` the row and match metric of its last fixes,
  newest first, and ``seg`` its history length, fix count and label.

>>> match_groups(np.array([0, 2]), np.zeros((2, 7)), np.int8([[1, 0], [1, 0]]), np.ones(12), 5, 9)
array([0, 0])
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

__all__ = ["CONFIG_FIELDS", "group_starts", "match_groups", "stitch_groups"]

CONFIG_FIELDS = (
    "max_speed_kn",
    "max_gap_hours",
    "penalty_hours",
    "hours_exp",
    "buffer_hours",
    "lookback_factor",
    "ambiguity_factor",
    "short_segment_positions",
    "transponder_mismatch_weight",
    "penalty_speed_kn",
    "min_type27_hours",
    "shape_factor",
)
"""Names (``SegmentParams`` fields) of the floats packed, in this order, into ``cfg``."""

_MAX_KN, _MAX_H, _PEN_H, _H_EXP, _BUF_H, _LB_FACTOR = 0, 1, 2, 3, 4, 5
_AMBIG, _SHORT, _XPDR_W, _PEN_KN, _T27_H, _SHAPE = 6, 7, 8, 9, 10, 11
_T, _LAT, _LON, _SOG, _SIN_T, _COS_T, _COS_LAT = 0, 1, 2, 3, 4, 5, 6
_MASK, _IS27 = 0, 1
_LEN, _COUNT, _LABEL = 0, 1, 2
_NM_PER_DEG = 60.0

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]


@njit(cache=True)
def _wrap(dlon: float) -> float:
    """Longitude difference folded into [-180, 180); loops only for absurd inputs."""
    while dlon >= 180.0:
        dlon -= 360.0
    while dlon < -180.0:
        dlon += 360.0
    return dlon


@njit(cache=True)
def _norm(x: float, y: float) -> float:
    return math.sqrt(x * x + y * y)


@njit(cache=True)
def _dead_reckon(fix: F64, p: int, hours: float) -> tuple[float, float]:
    """Position of fix ``p`` moved ``hours`` along its course at its speed (flat step)."""
    step = fix[p, _SOG] * hours / _NM_PER_DEG
    lat = fix[p, _LAT] + fix[p, _SIN_T] * step
    return lat, fix[p, _LON] + fix[p, _COS_T] * step / (fix[p, _COS_LAT] + 1e-3)


@njit(cache=True)
def _cross_track(fix: F64, p: int, hours: float, ux: float, uy: float, dist: float) -> float:
    """Distance off fix ``p``'s course line, or inf when the other fix is not ahead on it.

    ``(ux, uy)`` is the unit vector from the earlier to the later fix (east, north).
    """
    along = (fix[p, _COS_T] * ux + fix[p, _SIN_T] * uy) * dist
    if 0.0 < along <= fix[p, _SOG] * hours:
        return float(abs(fix[p, _COS_T] * uy - fix[p, _SIN_T] * ux) * dist)
    return math.inf


@njit(cache=True)
def _discrepancy_nm(fix: F64, p: int, q: int, hours: float, shape: float) -> float:
    """Smallest of: dead-reckoning miss both ways, shape × distance, shape × cross-track."""
    nm_lon = _NM_PER_DEG * math.cos(math.radians(0.5 * (fix[p, _LAT] + fix[q, _LAT])))
    fy, fx = _dead_reckon(fix, p, hours)
    by, bx = _dead_reckon(fix, q, -hours)
    miss_fwd = _norm(nm_lon * _wrap(fx - fix[q, _LON]), _NM_PER_DEG * (fy - fix[q, _LAT]))
    miss_back = _norm(nm_lon * _wrap(bx - fix[p, _LON]), _NM_PER_DEG * (by - fix[p, _LAT]))
    dx = nm_lon * _wrap(fix[q, _LON] - fix[p, _LON])
    dy = _NM_PER_DEG * (fix[q, _LAT] - fix[p, _LAT])
    dist = _norm(dx, dy)
    normal = math.inf
    if dist > 0.0:
        ux, uy = dx / dist, dy / dist
        normal = _cross_track(fix, p, hours, ux, uy, dist)
        normal += _cross_track(fix, q, hours, ux, uy, dist)
    return min(0.5 * (miss_fwd + miss_back), dist * shape, 0.5 * normal * shape)


@njit(cache=True)
def _surely_out_of_reach(fix: F64, p: int, q: int, hours: float, allowed: float) -> bool:
    """Cheap pre-filter: so far apart that no discrepancy can be within ``allowed``.

    Every discrepancy is at least about the distance minus what the faster fix covers
    in ``hours``; the factor 2 leaves room for the flat-earth approximations.
    """
    limit = 2.0 * (allowed + max(fix[p, _SOG], fix[q, _SOG]) * hours)
    dy = _NM_PER_DEG * (fix[q, _LAT] - fix[p, _LAT])
    if abs(dy) > limit:
        return True
    nm_lon = _NM_PER_DEG * 0.5 * (fix[p, _COS_LAT] + fix[q, _COS_LAT])
    return bool(_norm(nm_lon * _wrap(fix[q, _LON] - fix[p, _LON]), dy) > limit)


@njit(cache=True)
def _metric(discrepancy: float, hours: float, cfg: F64) -> float:
    """0 when the fix is out of reach, else a score favouring small misses and short gaps."""
    padded = _norm(hours, cfg[_BUF_H])
    allowed = padded * cfg[_MAX_KN]
    if discrepancy > allowed:
        return 0.0
    alpha = (cfg[_MAX_KN] / cfg[_PEN_KN]) * discrepancy / allowed
    return math.exp(-(alpha * alpha)) / padded


@njit(cache=True)
def _penalised_hours(hours: float, cfg: F64) -> float:
    """Long gaps count as shorter: ships rarely hold course and speed for many hours."""
    ratio = max(hours, 0.0) / cfg[_PEN_H]
    shrink: float = math.sqrt(ratio) if cfg[_H_EXP] == 0.5 else ratio ** (1.0 - cfg[_H_EXP])
    return hours / (1.0 + shrink)


@njit(cache=True)
def _segment_mask(s: int, hist: I64, seg: I64, kind: I8) -> int:
    mask = 0
    for k in range(seg[s, _LEN]):
        mask |= kind[hist[s, k], _MASK]
    return mask


@njit(cache=True)
def _score(
    s: int, i: int, hist: I64, hmet: F64, seg: I64, fix: F64, kind: I8, cfg: F64
) -> tuple[float, float, int]:
    """Best (metric, hours, lookback depth) of fix ``i`` on segment ``s``; metric 0: none.

    Re-attaching ``k`` fixes back (dropping the ``k`` newer ones) must beat, after
    division by ``k × lookback_factor``, the metric the dropped fixes attached with.
    """
    weight = 1.0 if _segment_mask(s, hist, seg, kind) & kind[i, _MASK] else cfg[_XPDR_W]
    best_lb, best_metric, best_hours, best_k = 0.0, 0.0, 0.0, 0
    for k in range(seg[s, _LEN]):
        p = hist[s, k]
        hours = fix[i, _T] - fix[p, _T]
        if hours > cfg[_MAX_H]:
            break
        existing = 0.0 if k == 0 else hmet[s, k - 1]
        scale = max(1.0, k * cfg[_LB_FACTOR])
        ceiling = weight / _norm(hours, cfg[_BUF_H]) / scale
        if ceiling <= existing or ceiling <= best_lb:
            continue  # cannot win even with a perfect fit: skip the trigonometry
        allowed = _norm(hours, cfg[_BUF_H]) * cfg[_MAX_KN] / min(1.0, cfg[_SHAPE])
        if _surely_out_of_reach(fix, p, i, hours, allowed):
            continue
        pen_hours = _penalised_hours(hours, cfg)
        disc = _discrepancy_nm(fix, p, i, pen_hours, cfg[_SHAPE])
        metric = _metric(disc, hours, cfg) * weight
        if metric / scale > max(existing, best_lb):
            best_lb, best_metric, best_hours, best_k = metric / scale, metric, hours, k
    return best_metric, best_hours, best_k


@njit(cache=True)
def _close(s: int, n_open: int, hist: I64, hmet: F64, seg: I64) -> int:
    """Remove open segment ``s`` by moving the last open one into its slot."""
    last = n_open - 1
    hist[s, :] = hist[last, :]
    hmet[s, :] = hmet[last, :]
    seg[s, :] = seg[last, :]
    return last


@njit(cache=True)
def _close_stale(i: int, n_open: int, hist: I64, hmet: F64, seg: I64, fix: F64, cfg: F64) -> int:
    """Close segments silent for longer than ``max_gap_hours`` before fix ``i``."""
    s = 0
    while s < n_open:
        if fix[i, _T] - fix[hist[s, 0], _T] > cfg[_MAX_H]:
            n_open = _close(s, n_open, hist, hmet, seg)
        else:
            s += 1
    return n_open


@njit(cache=True)
def _open(i: int, n_open: int, hist: I64, hmet: F64, seg: I64, new_label: int, out: I64) -> int:
    """Open a segment holding fix ``i``; the stalest open one makes room if needed."""
    if n_open >= hist.shape[0]:
        stalest = 0
        for s in range(1, n_open):
            if hist[s, 0] < hist[stalest, 0]:
                stalest = s
        n_open = _close(stalest, n_open, hist, hmet, seg)
    hist[n_open, 0], hmet[n_open, 0] = i, 0.0
    seg[n_open, _LEN], seg[n_open, _COUNT], seg[n_open, _LABEL] = 1, 1, new_label
    out[i] = new_label
    return n_open + 1


@njit(cache=True)
def _extend(
    s: int, i: int, k: int, metric: float, hist: I64, hmet: F64, seg: I64, n_labels: int, out: I64
) -> int:
    """Append fix ``i`` to segment ``s``; the ``k`` newest fixes it skips become singletons."""
    for j in range(k):
        out[hist[s, j]] = n_labels
        n_labels += 1
    keep = min(seg[s, _LEN] - k, hist.shape[1] - 1)
    if k == 0:  # shift the kept history one place older, copying in a safe direction
        for j in range(keep - 1, -1, -1):
            hist[s, j + 1], hmet[s, j + 1] = hist[s, j], hmet[s, j]
    else:
        for j in range(keep):
            hist[s, j + 1], hmet[s, j + 1] = hist[s, j + k], hmet[s, j + k]
    hist[s, 0], hmet[s, 0] = i, metric
    seg[s, _LEN] = keep + 1
    seg[s, _COUNT] += 1 - k
    out[i] = seg[s, _LABEL]
    return n_labels


@njit(cache=True)
def _weigh_short(cand: F64, n_open: int, seg: I64, cfg: F64) -> None:
    """With several candidates, down-weight segments that have few fixes so far."""
    n_match = 0
    for s in range(n_open):
        n_match += cand[s, 0] > 0.0
    if n_match > 1:
        for s in range(n_open):
            a = seg[s, _COUNT] / cfg[_SHORT]
            cand[s, 0] *= a / math.sqrt(1.0 + a * a)


@njit(cache=True)
def _best(cand: F64, n_open: int, seg: I64) -> int:
    """Slot of the highest weighted metric (lowest label on ties), or -1."""
    best = -1
    for s in range(n_open):
        w = cand[s, 0]
        if w > 0.0 and (
            best < 0
            or w > cand[best, 0]
            or (w == cand[best, 0] and seg[s, _LABEL] < seg[best, _LABEL])
        ):
            best = s
    return best


@njit(cache=True)
def _is_close(cand: F64, s: int, best_w: float, cfg: F64) -> bool:
    return bool(cand[s, 0] > 0.0 and cand[s, 0] * cfg[_AMBIG] >= best_w)


@njit(cache=True)
def _contenders(cand: F64, n_open: int, best_w: float, cfg: F64) -> tuple[int, float]:
    """Number of segments nearly as good as the best, and the shortest hours among them."""
    n_close, min_hours = 0, math.inf
    for s in range(n_open):
        if _is_close(cand, s, best_w, cfg):
            n_close += 1
            min_hours = min(min_hours, cand[s, 1])
    return n_close, min_hours


@njit(cache=True)
def _close_contenders(
    cand: F64, n_open: int, best_w: float, hist: I64, hmet: F64, seg: I64, cfg: F64
) -> int:
    s = 0
    while s < n_open:
        if _is_close(cand, s, best_w, cfg):
            n_open = _close(s, n_open, hist, hmet, seg)
            cand[s, :] = cand[n_open, :]
        else:
            s += 1
    return n_open


@njit(cache=True)
def _group(
    lo: int, hi: int, fix: F64, kind: I8, cfg: F64, lookback: int, max_open: int, out: I64
) -> None:
    """Label rows ``lo:hi`` (one vessel) in ``out``."""
    hist = np.empty((max_open, lookback), np.int64)
    hmet = np.empty((max_open, lookback), np.float64)
    seg = np.zeros((max_open, 3), np.int64)
    cand = np.empty((max_open, 4), np.float64)  # weighted metric, hours, depth, metric
    n_open, n_labels = 0, 0
    for i in range(lo, hi):
        n_open = _close_stale(i, n_open, hist, hmet, seg, fix, cfg)
        for s in range(n_open):
            metric, hours, k = _score(s, i, hist, hmet, seg, fix, kind, cfg)
            cand[s, 0], cand[s, 1], cand[s, 2], cand[s, 3] = metric, hours, k, metric
        _weigh_short(cand, n_open, seg, cfg)
        best = _best(cand, n_open, seg)
        if best < 0:
            n_open = _open(i, n_open, hist, hmet, seg, n_labels, out)
            n_labels += 1
            continue
        best_w = cand[best, 0]
        n_close, min_hours = _contenders(cand, n_open, best_w, cfg)
        if kind[i, _IS27] and min_hours < cfg[_T27_H]:
            out[i] = n_labels  # a coarse type 27 report next to finer fixes is noise
            n_labels += 1
        elif n_close > 1:  # ambiguous: close every near-equal contender, start afresh
            n_open = _close_contenders(cand, n_open, best_w, hist, hmet, seg, cfg)
            n_open = _open(i, n_open, hist, hmet, seg, n_labels, out)
            n_labels += 1
        else:
            k = int(cand[best, 2])
            n_labels = _extend(best, i, k, cand[best, 3], hist, hmet, seg, n_labels, out)


@njit(cache=True)
def match_groups(starts: I64, fix: F64, kind: I8, cfg: F64, lookback: int, max_open: int) -> I64:
    """Segment label of every row; rows ``starts[g]:starts[g + 1]`` are one vessel."""
    out = np.full(fix.shape[0], -1, np.int64)
    for g in range(starts.shape[0] - 1):
        _group(starts[g], starts[g + 1], fix, kind, cfg, lookback, max_open, out)
    return out


@njit(cache=True)
def _reachable(seg: F64, track_last: int, s: int, max_kn: float, buffer_h: float) -> bool:
    """Can segment ``s`` start where segment ``track_last`` ended, at ``max_kn``?"""
    hours = seg[s, 0] - seg[track_last, 1]
    if hours <= 0.0:
        return False
    nm_lon = _NM_PER_DEG * math.cos(math.radians(0.5 * (seg[s, 2] + seg[track_last, 4])))
    dist = _norm(
        nm_lon * _wrap(seg[s, 3] - seg[track_last, 5]),
        _NM_PER_DEG * (seg[s, 2] - seg[track_last, 4]),
    )
    return dist <= max_kn * _norm(hours, buffer_h)


@njit(cache=True)
def stitch_groups(starts: I64, seg: F64, max_kn: float, buffer_h: float, max_open: int) -> I64:
    """Track number (first segment's row) of each segment; chains reachable segments.

    ``seg`` rows are segments sorted by (mmsi, start) with columns start hour, end
    hour, first lat, first lon, last lat, last lon. A segment joins, among the tracks
    whose last segment ended before it starts and from where it is reachable at
    ``max_kn``, the one that ended last; otherwise it starts a new track.
    """
    out = np.empty(seg.shape[0], np.int64)
    last = np.empty(max_open, np.int64)
    for g in range(starts.shape[0] - 1):
        n_tracks = 0
        for s in range(starts[g], starts[g + 1]):
            best = -1
            for k in range(n_tracks):
                if _reachable(seg, last[k], s, max_kn, buffer_h) and (
                    best < 0 or seg[last[k], 1] > seg[last[best], 1]
                ):
                    best = k
            if best < 0:
                best = n_tracks if n_tracks < max_open else _stalest(last, n_tracks, seg)
                n_tracks = max(n_tracks, best + 1)
                out[s] = s
            else:
                out[s] = out[last[best]]
            last[best] = s
    return out


@njit(cache=True)
def _stalest(last: I64, n_tracks: int, seg: F64) -> int:
    stalest = 0
    for k in range(1, n_tracks):
        if seg[last[k], 1] < seg[last[stalest], 1]:
            stalest = k
    return stalest


def group_starts(mmsi: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Offsets where each run of equal MMSIs starts, plus the end (no groups if empty)."""
    if mmsi.size == 0:
        return np.zeros(1, dtype=np.int64)
    return np.flatnonzero(np.r_[True, mmsi[1:] != mmsi[:-1], True]).astype(np.int64)
