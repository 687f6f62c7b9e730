"""A lone flow's capacity curve on one link, searched for every row of a block at once.

A flow alone on one link (at a time) moves, from its start ``s``, ``M(t) = C(t) - C(s) - L(t)``
bytes by ``t``: ``C`` is the link's cumulative capacity over the calendar (per-window amounts of
:class:`~migrasim.core.curve.CurveArrays`, linear while a window delivers and flat after: the
:class:`_Curve`) and ``L`` what outages take away (:class:`_Down`). :func:`_solve_segment` finds
when a segment's backlog is cleared (:meth:`_Curve.first_reach`, outages taken a chunk at a
time), :func:`_moved` and :func:`_moved_days` what it moved by given times, :func:`_used_at` the
quota it used in a window. The semantics are those of :mod:`migrasim.core.batch`'s docstring.
Pure: numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migrasim.core.block import Rows
from migrasim.core.capacity import INF
from migrasim.core.curve import CurveArrays
from migrasim.core.lookup import Interpolator, SortedTable

_KEYS_KEPT = 16
"""Search keys kept per curve (one per growth rate): growth is drawn per replication and flow,
so an unbounded memo grows with replications x flows x windows (gigabytes at 2,000 flows)."""


_OUTAGE_CHUNK = 6
"""Outages whose losses are computed together: a speed knob (results do not depend on it)."""


_FIXED_POINT_STEPS = 24
"""Steps of the growth fixed point (:meth:`_Curve._window`) before the exact search per growth
takes the rows still moving: a speed knob (both give the same window)."""


# --- one link's capacity curve ---------------------------------------------------------------

_SMALL = 64
"""Queries of at most this many times go to numpy's own search and interpolation, which the
tables of ``core/lookup.py`` equal exactly and beat only on larger ones (a speed knob)."""


class _Table:
    """``np.searchsorted`` on fixed sorted ``values``: a :class:`SortedTable` for large
    queries, numpy's own for small ones (the same indices)."""

    def __init__(self, values: np.ndarray) -> None:
        self.table = SortedTable.of(values)
        self.values = self.table.values

    def left(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.size <= _SMALL:
            return np.searchsorted(self.values, x, side="left")
        return self.table.left(x)

    def right(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.size <= _SMALL:
            return np.searchsorted(self.values, x, side="right")
        return self.table.right(x)


class _Curve:
    """A link's cumulative capacity for one flow and one set of rates, as flat arrays."""

    def __init__(self, arrays: CurveArrays, quota_limited: bool) -> None:
        self.opens = arrays.opens
        self.closes = arrays.closes
        self.rates = arrays.rates
        self.ends = arrays.ends
        self.amounts = arrays.amounts
        self.cum = arrays.cum
        self.quota_at = arrays.quota_at
        self.quota_limited = quota_limited
        n = len(self.opens)
        # C(t) is linear from (open_j, cum_j) to (end_j, cum_j+1) and flat to the next open.
        self.knots_t = np.empty(2 * n)
        self.knots_c = np.empty(2 * n)
        self.knots_t[0::2], self.knots_t[1::2] = self.opens, self.ends
        self.knots_c[0::2], self.knots_c[1::2] = self.cum[:-1], self.cum[1:]
        # the searches every solve repeats, on tables cut once (core/lookup.py: exact)
        self._c = Interpolator(self.knots_t, self.knots_c, 0.0, float(self.cum[-1])) if n else None
        self.ends_table = _Table(self.ends)  # the same times for every capacity
        self.closes_table = _Table(self.closes)
        self.cum_table = _Table(self.cum[1:])
        self._keys: dict[float, tuple[np.ndarray, bool]] = {}
        self._running: dict[float, np.ndarray] = {}
        self._days_key: tuple[float, ...] = ()
        self._days = np.zeros(0)

    def at(self, t: np.ndarray) -> np.ndarray:
        """C(t): bytes the link could move from the first window to ``t``."""
        if self._c is None:
            return np.zeros(np.shape(t))
        t = np.asarray(t, dtype=float)
        if t.size <= _SMALL:  # numpy's own, the same numbers (core/lookup.py), sooner
            out = np.interp(t, self.knots_t, self.knots_c, 0.0, float(self.cum[-1]))
        else:
            out = self._c(t)
        return np.where(np.isinf(t) & (np.asarray(t) < 0), 0.0, out)

    def at_days(self, days: np.ndarray) -> np.ndarray:
        """C at the band's day ends (the same array every block), computed once."""
        key = (
            days.size,
            float(days[0]) if days.size else 0.0,
            float(days[-1]) if days.size else 0.0,
        )
        if self._days_key != key:
            self._days_key, self._days = key, self.at(days)
        return self._days

    def _window(self, first: np.ndarray, target: np.ndarray, growth: np.ndarray) -> np.ndarray:
        """Per row, the first window ``j >= first`` whose key ``cum[j+1] - g ends[j]`` reaches
        ``target``, ``n`` if none. For ``g >= 0`` by a fixed point, a search on ``cum`` (the
        same for every growth) per step: ``j <- first j' >= j with cum[j'+1] >= target +
        g ends[j]`` never passes the answer and stops on it, in a few steps when growth is
        small beside the link's rate. Rows still moving after :data:`_FIXED_POINT_STEPS`, and
        negative growth, take the search on the keys of their own growth."""
        n = len(self.opens)
        j = np.asarray(first).copy()
        if not n or not j.size:
            return j
        todo = np.flatnonzero(growth >= 0)
        for _ in range(_FIXED_POINT_STEPS):
            if not todo.size:
                break
            jj = j[todo]
            live = jj < n
            at = np.minimum(jj, n - 1)
            step = self.cum_table.left(target[todo] + growth[todo] * self.ends[at])
            nxt = np.where(live, np.maximum(step, jj), jj)
            j[todo] = nxt
            todo = todo[nxt != jj]
        falling = np.flatnonzero(~(growth >= 0))
        if not todo.size and not falling.size:  # every row found (the usual case)
            return j
        rest = np.union1d(todo, falling)
        for g in np.unique(growth[rest]):
            rows = rest[growth[rest] == g]
            j[rows] = self._window_keys(j[rows], target[rows], float(g))
        return j

    def _window_keys(self, first: np.ndarray, target: np.ndarray, growth: float) -> np.ndarray:
        """:meth:`_window` for one growth rate, by a search on its keys."""
        keys, monotone = self.keys(growth)
        if monotone:
            return np.asarray(np.maximum(np.searchsorted(keys, target, side="left"), first))
        # The first window anywhere whose key reaches the target, from the running maximum
        # (monotone): where that is at or after ``first`` it is the answer; only rows that
        # reached it earlier need a scan from ``first``.
        j = np.searchsorted(self.running_max(growth), target, side="left")
        early = np.flatnonzero(j < first)
        if early.size:
            j[early] = [_scan(keys, int(first[i]), float(target[i])) for i in early]
        return j

    def keys(self, growth: float) -> tuple[np.ndarray, bool]:
        """``H`` at each window's delivery end, and whether it never falls."""
        if growth not in self._keys:
            if len(self._keys) >= _KEYS_KEPT:  # growth differs per row and flow: keep few
                self._keys.clear()
                self._running.clear()
            keys = self.cum[1:] - growth * self.ends
            self._keys[growth] = (keys, bool(np.all(np.diff(keys) >= 0)))
        return self._keys[growth]

    def running_max(self, growth: float) -> np.ndarray:
        """The running maximum of :meth:`keys` (monotone, for a vectorised search)."""
        if growth not in self._running:
            self._running[growth] = np.maximum.accumulate(self.keys(growth)[0])
        return self._running[growth]

    def first_reach(self, lb: np.ndarray, target: np.ndarray, growth: Rows | float) -> np.ndarray:
        """Per row, the first ``t >= lb`` with ``C(t) - growth t >= target`` (inf: none), given
        that it does not hold at ``lb``; ``growth`` one rate for all rows or one per row."""
        n = len(self.opens)
        first = self.ends_table.right(lb)  # windows still delivering after lb
        growth = np.broadcast_to(np.asarray(growth, dtype=float), np.shape(target))
        # reached within the engine's byte tolerance: a window whose amount is the target
        # but for floating-point dust (rate x span vs the cap) is the one that reaches it
        j = self._window(first, target - _tol(target), growth)
        found = j < n
        jj = np.minimum(j, n - 1)
        t0 = np.maximum(self.opens[jj], lb)
        rate = self.rates[jj]
        with np.errstate(divide="ignore", invalid="ignore"):  # rows not found: masked below
            h0 = self.cum[jj] + rate * np.maximum(t0 - self.opens[jj], 0.0) - growth * t0
            dt = np.where(np.isinf(rate), 0.0, (target - h0) / (rate - growth))
        t = t0 + np.maximum(dt, 0.0)
        return np.where(found, np.minimum(t, self.ends[jj]), INF)


def _scan(keys: np.ndarray, start: int, target: float) -> int:
    hits = np.flatnonzero(keys[start:] >= target)
    return start + int(hits[0]) if hits.size else len(keys)


# --- one phase on one link instance ------------------------------------------------------------


@dataclass
class _Segment:
    """Rows' state on one link instance from ``start``: backlog target ``x`` (clear when
    ``M(t) - g t >= x``) and the quota already used in the start's window."""

    start: Rows
    x: Rows
    used: Rows


@dataclass(frozen=True)
class _Down:
    """Outages of a link instance per row: row ``i``'s are ``starts[sel[i]]``,
    ``ends[sel[i]]`` (sorted, disjoint, padded with inf). Taking rows only narrows ``sel``;
    the (rows x outages) arrays are gathered a few columns at a time, where needed."""

    starts: np.ndarray
    ends: np.ndarray
    sel: np.ndarray

    @property
    def width(self) -> int:
        return int(self.starts.shape[1])

    def take(self, idx: np.ndarray) -> _Down:
        return _Down(self.starts, self.ends, self.sel[idx])

    def cols(self, rows: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Outages ``lo..hi`` of ``rows`` (rows x (hi - lo))."""
        r = self.sel[rows]
        return self.starts[r, lo:hi], self.ends[r, lo:hi]

    def before(self, t: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Every row's outages, cut after the last column in which any row has one starting
        before ``t`` (one time for all, or one per row)."""
        starts = self.starts[self.sel]
        bound = np.asarray(t)[:, None] if np.ndim(t) else t
        width = int((starts < bound).sum(axis=1).max(initial=0))
        return starts[:, :width], self.ends[self.sel, :width]


def _solve_segment(
    curve: _Curve, seg: _Segment, growth: Rows, down: _Down | None
) -> tuple[Rows, Rows, Rows]:
    """(completion or inf, window of the start, quota used in that window by the completion)."""
    s, x = seg.start, seg.x
    n = len(curve.opens)
    k = curve.closes_table.right(s)
    kk = np.minimum(k, max(n - 1, 0))
    inside = (k < n) & (curve.opens[kk] <= s) if n else np.zeros(s.shape, bool)
    if curve.quota_limited:
        rate = curve.rates[kk]
        head = np.where(
            inside, np.minimum(curve.quota_at(kk) - seg.used, rate * (curve.closes[kk] - s)), 0
        )
        head = np.maximum(head, 0.0)
        need = x + growth * s
        net = rate - growth
        with np.errstate(divide="ignore", invalid="ignore"):
            in_head = inside & (net > 0) & (need <= net * head / rate + _tol(x))
            t_head = s + np.maximum(need, 0.0) / net
        rest_start = np.where(inside, curve.closes[kk], s)
        rest = curve.first_reach(rest_start, x - head + curve.at(rest_start), growth)
        done = np.where(in_head, t_head, rest)
        used_end = np.where(in_head, seg.used + rate * (t_head - s), 0.0)
        return done, k, used_end
    target = x + curve.at(s)
    if down is None:
        return curve.first_reach(s, target, growth), k, np.zeros(s.shape)
    # Outages one at a time: the candidate that counts the first i losses (searched from the
    # end of outage i) stands if it comes before outage i + 1 starts; the first such is the
    # answer. A chunk of outages at a time, by a fixed point: from the chunk's first outage,
    # count how many of the chunk's outages start before the candidate and move to the
    # candidate that counts them, until the count stands (the answer; the count only grows
    # and never passes it) or the whole chunk is counted (the next chunk). So each row costs
    # one search per chunk it passes and a few where it finishes, not one per outage.
    result = np.full(s.shape, INF)
    lost = np.zeros(s.shape)
    rows = np.arange(s.size)
    lb = s.copy()
    width = down.width
    i = 0
    while rows.size and i < width:
        w = min(_OUTAGE_CHUNK, width - i)
        starts, ends = down.cols(rows, i, i + w)
        fin = np.isfinite(starts)
        a = np.where(fin, np.maximum(starts, s[rows, None]), INF)
        b = np.where(fin, np.maximum(ends, s[rows, None]), INF)
        loss = np.where(fin, curve.at(np.where(fin, b, 0.0)) - curve.at(np.where(fin, a, 0.0)), 0)
        total = np.cumsum(loss, axis=1)
        counted = np.zeros(rows.size, dtype=np.int64)
        t = np.empty(rows.size)
        moving = np.arange(rows.size)
        while moving.size:
            c = counted[moving]
            some = c > 0
            last = np.maximum(c - 1, 0)
            here = rows[moving]
            extra = np.where(some, total[moving, last], 0.0)
            bound = np.where(some, np.maximum(s[here], b[moving, last]), lb[moving])
            tt = curve.first_reach(bound, target[here] + lost[moving] + extra, growth[here])
            t[moving] = tt
            now = (a[moving] < tt[:, None]).sum(axis=1)
            counted[moving] = now
            moving = moving[(now != c) & (now < w)]
        done = counted < w
        result[rows[done]] = t[done]
        keep = ~done
        rows = rows[keep]
        lost = lost[keep] + total[keep, -1]
        lb = np.maximum(s[rows], b[keep, -1])
        i += w
    if rows.size:  # after the last outage
        result[rows] = curve.first_reach(lb, target[rows] + lost, growth[rows])
    return result, k, np.zeros(s.shape)


def _moved(
    curve: _Curve,
    seg: _Segment,
    down: _Down | None,
    t: np.ndarray,
) -> np.ndarray:
    """Bytes moved from ``seg.start`` by ``t`` (rows x times, or rows), if never cleared."""
    s = seg.start.reshape(seg.start.shape + (1,) * (t.ndim - 1))
    tt = np.maximum(t, s)
    if curve.quota_limited:
        head, rest_start, rate = _quota_head(curve, seg)
        shape = seg.start.shape + (1,) * (t.ndim - 1)
        rs, hd, rt = (
            rest_start.reshape(shape),
            np.maximum(head, 0).reshape(shape),
            rate.reshape(shape),
        )
        head_now = np.minimum(hd, rt * np.maximum(np.minimum(tt, rs) - s, 0.0))
        return np.asarray(head_now + np.maximum(curve.at(np.maximum(tt, rs)) - curve.at(rs), 0.0))
    moved = curve.at(tt) - curve.at(s)
    if down is not None and t.ndim == 1 and down.width:
        # every outage at once (rows x outages); only those starting before ``t`` take any
        starts, ends = down.before(tt)
        a = np.maximum(starts, seg.start[:, None])
        b = np.maximum(ends, seg.start[:, None])
        fin = np.isfinite(a)
        a0, b0 = np.where(fin, a, 0), np.where(fin, b, 0)
        t2 = tt[:, None]
        # an outage [a, b) has taken C(min(t, b)) - C(a) by t once it started, nothing before
        lost = np.where(fin & (t2 > a0), curve.at(np.clip(t2, a0, b0)) - curve.at(a0), 0.0)
        for column in np.maximum(lost, 0.0).T:  # in order: "moved > 0" must not see dust
            moved = moved - column
    return np.asarray(np.maximum(moved, 0.0))


def _quota_head(curve: _Curve, seg: _Segment) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """On a quota-limited link: per row, what the window open at ``seg.start`` can still move
    (the quota left, or the window's remaining time at its rate), when the curve takes over
    (that window's close, else the start) and the window's rate."""
    n = len(curve.opens)
    k = curve.closes_table.right(seg.start)
    kk = np.minimum(k, max(n - 1, 0))
    inside = (k < n) & (curve.opens[kk] <= seg.start)
    rate = curve.rates[kk]
    head = np.where(
        inside, np.minimum(curve.quota_at(kk) - seg.used, rate * (curve.closes[kk] - seg.start)), 0
    )
    return head, np.where(inside, curve.closes[kk], seg.start), rate


def _moved_days(curve: _Curve, seg: _Segment, down: _Down | None, days: np.ndarray) -> np.ndarray:
    """Bytes moved from ``seg.start`` by each of the sorted times ``days`` (rows x days), if
    never cleared. ``C`` at the days is computed once per curve; outages cost a gather."""
    cd = curve.at_days(days)[None, :]
    t = days[None, :]
    s = seg.start[:, None]
    if curve.quota_limited:
        head, rest_start, rate = _quota_head(curve, seg)
        rs = rest_start[:, None]
        head_now = np.minimum(
            np.maximum(head, 0)[:, None], rate[:, None] * np.maximum(np.minimum(t, rs) - s, 0.0)
        )
        rest = np.where(t >= rs, cd - curve.at(rest_start)[:, None], 0.0)
        return np.asarray(head_now + np.maximum(rest, 0.0))
    moved = np.where(t >= s, cd - curve.at(seg.start)[:, None], 0.0)
    if down is not None:
        moved = moved - _lost_by(curve, seg.start, down, days, cd)
    return np.maximum(moved, 0.0)


def _lost_by(
    curve: _Curve,
    start: Rows,
    spans: _Down,
    days: np.ndarray,
    cd: np.ndarray,
) -> np.ndarray:
    """What outages after ``start`` took from the link by each of ``days`` (rows x days): an
    outage's whole loss from the first day end after it, ``C(t) - C(a)`` at day ends inside
    it (outages are disjoint, so a day end is inside at most one per row)."""
    rows = spans.sel.size
    # outages starting after the last day end take nothing by then
    down = spans.before(days[-1] if days.size else INF)
    fin = np.isfinite(down[0])
    a = np.where(fin, np.maximum(down[0], start[:, None]), 0.0)
    b = np.where(fin, np.maximum(down[1], start[:, None]), 0.0)
    ca = curve.at(a)
    loss = np.where(fin, curve.at(b) - ca, 0.0)
    n_days = days.size
    ib = np.where(fin, np.searchsorted(days, b, side="left"), n_days)
    ia = np.where(fin, np.searchsorted(days, a, side="left"), n_days)
    steps = np.zeros((rows, n_days + 1))
    row_of = np.broadcast_to(np.arange(rows)[:, None], fin.shape)
    np.add.at(steps, (row_of[fin], ib[fin]), loss[fin])
    lost = np.cumsum(steps[:, :n_days], axis=1)
    inside = np.maximum(ib - ia, 0)
    total = int(inside.sum())
    if total:
        counts = inside.ravel()
        first = np.repeat(ia.ravel(), counts)
        step = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        day = first + step
        row = np.repeat(row_of.ravel(), counts)
        lost[row, day] += np.maximum(cd[0, day] - np.repeat(ca.ravel(), counts), 0.0)
    return lost


def _tol(x: Rows) -> Rows:
    # The engine's: well under one byte for any real volume.
    return np.asarray(np.maximum(1e-3, np.abs(x) * 1e-13))


def _used_at(curve: _Curve, seg: _Segment, t: Rows) -> tuple[Rows, Rows]:
    """(window of ``t``, quota the segment used in it by ``t``), for a quota-limited link."""
    n = len(curve.opens)
    w = curve.closes_table.right(t)
    ww = np.minimum(w, max(n - 1, 0))
    k = curve.closes_table.right(seg.start)
    rate = curve.rates[ww]
    same = (k == w) & (curve.opens[ww] <= seg.start)
    begun = np.where(same, seg.start, curve.opens[ww])
    used = np.where(same, seg.used, 0.0) + rate * np.maximum(t - begun, 0.0)
    return w, np.where(np.isfinite(t), used, 0.0)
