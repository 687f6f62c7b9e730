"""Every replication of a block at once, for flows alone on their links. Pure: numpy only.

A flow alone on one link (at a time) moves, from its start ``s``, ``M(t) = C(t) - C(s) - L(t)``
bytes by ``t``: ``C`` is the link's cumulative capacity over the calendar (per-window amounts of
:class:`~migrasim.core.curve.CurveArrays`, linear while a window delivers and flat after) and
``L`` what outages take away (for a link whose windows never run out of quota, an outage
``[a, b)`` takes exactly ``C(b) - C(a)``). A backlog ``X`` growing at ``g`` bytes/s is cleared at
the first ``t`` with ``M(t) - g t >= X``; with ``H(t) = C(t) - g t`` that is the first ``t`` with
``H(t) >= X + C(s) + L(t)``. ``H`` peaks at each window's delivery end, so the window is found by
a search on ``cum[j+1] - g ends[j]`` (monotone in every realistic calendar; otherwise a scan) and
the moment inside it in closed form. Outages are taken one at a time: the candidate that counts
the first ``i`` outages is the answer if it falls before outage ``i + 1`` starts.

A link with both bandwidth and a daily cap can run out of quota inside a window; a flow that
starts inside a window still has the whole quota (less what an earlier phase used in it), so the
start window is solved on its own and the rest on ``C``. Such links with outages are not solved
here (see :func:`lone_flows`); their flows keep the event engine.

The semantics are the engine's (``core/engine.py``, ``_Run._flow`` and ``_advance_single``): a
flow starts at ``max(earliest, completion of what it waits for)``; its first phase moves the
volume plus what grew since the scenario start; a rejected ``fraction`` of what it delivered
(``fraction / (1 - fraction)`` of it, re-sent rejections included) is re-sent in a second phase
starting ``delay`` after the first ends, plus what grew since then; a link with a lead time is
down until it is available, or its fallback stands in until then.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from migrasim.core import kinds
from migrasim.core.capacity import INF
from migrasim.core.curve import CurveArrays
from migrasim.core.lookup import Interpolator, SortedTable
from migrasim.core.model import Inputs, Model, Rejection
from migrasim.core.shipment_batch import shipped_rows

_KEYS_KEPT = 16
"""Search keys kept per curve (one per growth rate): growth is drawn per replication and flow,
so an unbounded memo grows with replications x flows x windows (gigabytes at 2,000 flows)."""

HORIZON_TOL = 1e-6
"""Seconds: the engine's TIME_TOL; a completion this close past the horizon completes."""

_OUTAGE_CHUNK = 6
"""Outages whose losses are computed together: a speed knob (results do not depend on it)."""

_FIXED_POINT_STEPS = 24
"""Steps of the growth fixed point (:meth:`_Curve._window`) before the exact search per growth
takes the rows still moving: a speed knob (both give the same window)."""

Rows = np.ndarray
"""A float array with one entry per replication of the block (or of a subset of it)."""


@dataclass(frozen=True)
class BlockInputs:
    """The concrete inputs of a block of replications, one row per replication.

    Per flow (rows x flows): ``volume`` bytes, ``growth`` bytes/s, rejection ``fraction`` and
    ``delay`` s. Per link (rows x links): ``bandwidth`` (x efficiency, bytes/s), ``cap`` (bytes per
    working day), ``records_rate``, ``daily_records`` (inf: none) and ``available`` (SimTime).
    ``down[(link, flow or -1)] = (starts, ends)``: rows x K sorted, disjoint outages, padded with
    inf.
    """

    volume: np.ndarray
    growth: np.ndarray
    fraction: np.ndarray
    delay: np.ndarray
    bandwidth: np.ndarray
    cap: np.ndarray
    records_rate: np.ndarray
    daily_records: np.ndarray
    available: np.ndarray
    down: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    turnaround: np.ndarray | None = None  # rows x links, shipment turnaround s (inf: none)
    limits: dict[str, np.ndarray] = field(default_factory=dict)  # registered capacity rules'
    # values (rows x links) by key (core.kinds; the built-in rules are the fields above)
    down_drawn: dict[tuple[int, int], Hashable] = field(default_factory=dict)
    """Per instance of ``down`` that the draws memoise, a value naming its draw and rows (equal
    values, equal outages): a decision loop's points share the batch solver's stack of them
    (:func:`_stacked`). Whoever replaces ``down`` replaces this too (or leaves it empty)."""

    @property
    def rows(self) -> int:
        return int(self.volume.shape[0])


def row_inputs(model: Model, block: BlockInputs, row: int) -> Inputs:
    """Row ``row`` of ``block`` as the engine's :class:`~migrasim.core.model.Inputs` (its
    outages are every one drawn: up to the horizon)."""
    down = {}
    for key, (s, e) in block.down.items():
        finite = np.isfinite(s[row])
        down[key] = (tuple(s[row][finite].tolist()), tuple(e[row][finite].tolist()))
    fraction, delay = block.fraction[row].tolist(), block.delay[row].tolist()
    return Inputs(
        volume=tuple(block.volume[row].tolist()),
        growth=tuple(block.growth[row].tolist()),
        rejection=tuple(Rejection(f, d) for f, d in zip(fraction, delay, strict=True)),
        **kinds.as_fields(
            {r.key: tuple(r.values(block)[row].tolist()) for r in kinds.CAPACITY_RULES}
        ),
        available=tuple(block.available[row].tolist()),
        down=down,
        outages_until=model.horizon,
        turnaround=() if block.turnaround is None else tuple(block.turnaround[row].tolist()),
    )


@dataclass(frozen=True)
class BlockResult:
    """What a block contributes: ``finished`` (rows x flows, SimTime, inf = never),
    ``bottleneck`` (rows x flows, link index, -1 = none) and ``progress`` (band rows x days,
    programme progress fraction at the end of each day)."""

    finished: np.ndarray
    bottleneck: np.ndarray
    progress: np.ndarray


def lone_flows(model: Model, down_keys: set[tuple[int, int]]) -> list[int]:
    """Flows the batch solver handles: alone in their component, on one link (its fallback
    standing in until it is available), with no outages (``down_keys``: the ``(link, flow or
    -1)`` instances that have any) on a link that can use up a quota inside a window."""
    out = []
    for members in model.components:
        if len(members) != 1:
            continue
        f = members[0]
        flow = model.flows[f]
        if len(flow.links) != 1:
            continue
        if model.links[flow.links[0]].shipment is not None:
            out.append(f)  # shipped media: a closed form (core/shipment_batch.py)
            continue
        used = [flow.links[0]]
        if model.links[used[0]].fallback >= 0:
            used.append(model.links[used[0]].fallback)
        if any(model.links[i].quota_limited and _instance(model, i, f) in down_keys for i in used):
            continue
        out.append(f)
    return out


def _instance(model: Model, link: int, f: int) -> tuple[int, int]:
    return (link, f if model.links[link].per_flow else -1)


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
        self.quota = arrays.quota
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
            inside, np.minimum(curve.quota - seg.used, rate * (curve.closes[kk] - s)), 0
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
        inside, np.minimum(curve.quota - seg.used, rate * (curve.closes[kk] - seg.start)), 0
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


# --- a lone flow, all rows of a group at once --------------------------------------------------


@dataclass
class _Instance:
    """A link instance for a group of rows: its curve, outages and lead time (start shift)."""

    link: int
    curve: _Curve
    down: _Down | None
    ready: Rows  # the instance moves nothing before this (a lead time without a fallback)


@dataclass
class _Phase:
    """One phase of a group's rows: where it started on each instance and when it ended."""

    start: Rows
    x: Rows
    finished: Rows
    fb_seg: _Segment | None
    main_seg: _Segment
    switch: Rows  # when the main link takes over from the fallback (-inf: no fallback)


class _Group:
    """Rows (of one or more lone flows on the same links) that share every rate; each row has
    its own times (start, outages, lead times) and growth."""

    def __init__(
        self,
        main: _Instance,
        fallback: _Instance | None,
        switch: Rows,
        growth: Rows,
    ) -> None:
        self.main = main
        self.fallback = fallback
        self.switch = switch
        self.growth = growth

    def phase(self, start: Rows, x: Rows, carry: dict[int, tuple[Rows, Rows]]) -> _Phase:
        """Solve one phase from ``start`` with target ``x``; ``carry[link] = (window, used)`` is
        the quota the previous phase left in its last window of that link."""
        g = self.growth
        finished = np.full(start.shape, INF)
        on_fb = start < self.switch
        fb_seg: _Segment | None = None
        main_x = x
        todo = np.ones(start.shape, bool)
        if self.fallback is not None and on_fb.any():
            fb = self.fallback
            s = np.maximum(start, fb.ready)
            fb_seg = _Segment(s, x, self._carried(fb, s, carry))
            t, _, _ = _solve_segment(fb.curve, fb_seg, g, fb.down)
            moved = np.where(self.switch > s, _moved(fb.curve, fb_seg, fb.down, self.switch), 0.0)
            # As in the engine, a backlog within its byte tolerance of cleared at the switch is
            # cleared there: floating-point dust does not carry a flow over to the main link.
            with np.errstate(invalid="ignore"):  # rows without a fallback: -inf x 0
                dust = on_fb & (x - (moved - g * self.switch) <= _tol(x))
            done = on_fb & ((t <= self.switch) | dust)
            finished[done] = np.minimum(t, self.switch)[done]
            main_x = np.where(on_fb, x - moved, x)
            todo = ~done
        s_main = np.maximum(np.maximum(start, self.switch), self.main.ready)
        used = np.where(on_fb, 0.0, self._carried(self.main, s_main, carry))
        main_seg = _Segment(s_main, main_x, used)
        t, _, _ = _solve_segment(self.main.curve, main_seg, g, self.main.down)
        finished[todo] = t[todo]
        return _Phase(start, x, finished, fb_seg, main_seg, self.switch)

    @staticmethod
    def _carried(inst: _Instance, start: Rows, carry: dict[int, tuple[Rows, Rows]]) -> Rows:
        if inst.link not in carry or not inst.curve.quota_limited:
            return np.zeros(start.shape)
        window, used = carry[inst.link]
        n = len(inst.curve.opens)
        ww = np.clip(window, 0, max(n - 1, 0))
        opens, closes = inst.curve.opens[ww], inst.curve.closes[ww]
        same = (window >= 0) & (window < n) & (opens <= start) & (start < closes)
        return np.where(same, used, 0.0)

    def quota_left(self, ph: _Phase) -> dict[int, tuple[Rows, Rows]]:
        """Per link, (window, used) where the phase ended on it (window -1: it did not)."""
        out: dict[int, tuple[Rows, Rows]] = {}
        on_fb = ph.finished < self.switch
        fb = self.fallback
        if fb is not None and ph.fb_seg is not None and fb.curve.quota_limited:
            w, used = _used_at(fb.curve, ph.fb_seg, ph.finished)
            out[fb.link] = (np.where(on_fb, w, -1), used)
        if self.main.curve.quota_limited:
            w, used = _used_at(self.main.curve, ph.main_seg, ph.finished)
            out[self.main.link] = (np.where(on_fb, -1, w), used)
        return out

    def moved(self, ph: _Phase, days: np.ndarray) -> np.ndarray:
        """Bytes the phase moved by each of ``days`` (rows x days), before it completes."""
        sw = ph.switch[:, None]
        t = days[None, :]
        total = np.where(t > ph.main_seg.start[:, None], 0.0, 0.0)
        if ph.fb_seg is not None and self.fallback is not None:
            fb = self.fallback
            before = _moved_days(fb.curve, ph.fb_seg, fb.down, days)
            at_switch = _moved(fb.curve, ph.fb_seg, fb.down, np.maximum(ph.switch, ph.fb_seg.start))
            fb_part = np.where(t < sw, before, at_switch[:, None])
            total = total + np.where(ph.start[:, None] < sw, fb_part, 0.0)
        main = _moved_days(self.main.curve, ph.main_seg, self.main.down, days)
        return total + np.where(t > ph.main_seg.start[:, None], main, 0.0)


# --- a whole block ---------------------------------------------------------------------------

CurveCache = dict[tuple[float, ...], _Curve]
"""Curves by (link, bandwidth, cap, records/s, records/day, bytes per record); the caller keeps
one per model so blocks share them."""


def solve_block(
    model: Model,
    block: BlockInputs,
    day_ends: np.ndarray,
    band_rows: int,
    cache: CurveCache | None = None,
) -> BlockResult:
    """Completion, bottleneck and (for the first ``band_rows`` rows) daily programme progress of
    every replication in ``block``. Every flow must be one of :func:`lone_flows`."""
    lone = set(lone_flows(model, set(block.down)))
    if len(lone) != len(model.flows):
        raise ValueError("solve_block needs every flow alone on its links; use the engine")
    cache = {} if cache is None else cache
    n, n_flows = block.rows, len(model.flows)
    horizon = model.horizon
    finished = np.full((n, n_flows), INF)
    bottleneck = np.full((n, n_flows), -1, dtype=np.int64)
    band_rows = min(band_rows, n)
    times = np.minimum(day_ends, horizon)
    delivered = np.zeros((band_rows, len(day_ends)))
    needed = np.zeros(band_rows)
    for stack in _stacks(model):
        solve_stack(model, block, stack, times, cache, (finished, bottleneck, delivered, needed))
    with np.errstate(divide="ignore", invalid="ignore"):
        progress = np.where(needed[:, None] > 0, np.clip(delivered / needed[:, None], 0, 1), 1.0)
    return BlockResult(finished, bottleneck, progress)


def solve_stack(
    model: Model,
    block: BlockInputs,
    stack: list[int],
    times: np.ndarray,
    cache: CurveCache,
    out: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """One stack of lone flows (:func:`_stacks`), every flow it waits for solved already: its
    completions, bottlenecks and band rows' delivery written into ``out`` = (finished,
    bottleneck, delivered, needed) of the block (:func:`solve_block`'s arrays)."""
    finished, bottleneck, delivered, needed = out
    band_rows = delivered.shape[0]
    horizon = model.horizon
    flow = model.flows[stack[0]]
    if model.links[flow.links[0]].shipment is not None:
        for f in stack:
            start = _start(model, f, finished)
            live = np.flatnonzero(start <= horizon)
            t_end, got, owed = shipped_rows(model, block, f, live, start[live], times, band_rows)
            finished[live, f] = t_end
            bottleneck[live, f] = flow.links[0]
            delivered[live[live < band_rows]] += got
            needed[live[live < band_rows]] += owed
        return
    starts = [_start(model, f, finished) for f in stack]
    lives = [np.flatnonzero(start <= horizon) for start in starts]
    rows = np.concatenate(lives)
    flows = np.repeat(np.asarray(stack, dtype=np.int64), [live.size for live in lives])
    start_all = np.concatenate([start[live] for start, live in zip(starts, lives, strict=True)])
    for sub, group in _groups(model, block, stack, rows, flows, cache):
        r, fl = rows[sub], flows[sub]
        band = r < band_rows
        lot = _Lot(block.volume[r, fl], block.fraction[r, fl], block.delay[r, fl])
        solved = _solve_flow(model, lot, start_all[sub], group)
        # As in the engine, a completion within HORIZON_TOL past the horizon completes, at
        # the horizon (floating-point dust must not decide the boundary).
        t_end = solved.finished
        finished[r, fl] = np.where(t_end <= horizon + HORIZON_TOL, np.minimum(t_end, horizon), INF)
        bottleneck[r, fl] = solved.link
        entries = np.flatnonzero(band)
        if entries.size and _summable(group):
            _band_sum(delivered, needed, r, solved, entries, times)
            continue
        # else the band one flow at a time (a stack's entries come flow by flow), so each
        # flow's days end at its own last completion and memory stays one flow's
        cut = np.flatnonzero(np.diff(fl[entries])) + 1
        for lo, hi in itertools.pairwise([0, *cut.tolist(), entries.size] if entries.size else []):
            idx = entries[lo:hi]
            got, owed = _band(solved, idx, times)
            delivered[r[idx]] += got
            needed[r[idx]] += owed


def _start(model: Model, f: int, finished: np.ndarray) -> Rows:
    """Per row, when flow ``f`` may start: its earliest, after every flow it waits for."""
    flow = model.flows[f]
    start = np.full(finished.shape[0], max(flow.earliest, 0.0))
    for d in flow.after:
        start = np.maximum(start, finished[:, d])
    return start


def _stacks(model: Model) -> list[list[int]]:
    """The flows in stacks solved together: flows on the same link (and fallback) whose
    predecessors are all in earlier stacks, in dependency order (each flow's level is one more
    than its latest predecessor's), within a level by first flow."""
    level: dict[int, int] = {}
    for f in _order(model):
        level[f] = 1 + max((level[d] for d in model.flows[f].after), default=-1)
    stacks: dict[tuple[int, int], list[int]] = {}
    for f in sorted(level, key=lambda f: (level[f], f)):
        stacks.setdefault((level[f], model.flows[f].links[0]), []).append(f)
    return list(stacks.values())


def _order(model: Model) -> list[int]:
    """Flows with every flow they wait for before them."""
    done: list[int] = []
    seen: set[int] = set()

    def visit(f: int) -> None:
        if f in seen:
            return
        seen.add(f)
        for d in model.flows[f].after:
            visit(d)
        done.append(f)

    for f in range(len(model.flows)):
        visit(f)
    return done


def _link_columns(block: BlockInputs, link: int) -> list[np.ndarray]:
    """Link ``link``'s value of every capacity rule per row (``core.kinds`` order)."""
    return [rule.values(block)[:, link] for rule in kinds.CAPACITY_RULES]


def _groups(
    model: Model,
    block: BlockInputs,
    stack: list[int],
    rows: np.ndarray,
    flows: np.ndarray,
    cache: CurveCache,
) -> list[tuple[np.ndarray, _Group]]:
    """Split the stack's rows (block ``rows`` of ``flows``, one entry each) into groups with
    equal rates; build each group's instances. Returns (entries, group) pairs."""
    if not rows.size:
        return []
    main = model.flows[stack[0]].links[0]
    fb = model.links[main].fallback
    per_record = np.zeros(rows.size)
    limits = model.links[main].limits_records or (fb >= 0 and model.links[fb].limits_records)
    if limits:
        records = np.array([model.flows[f].records or 0 for f in range(len(model.flows))])
        counts = records[flows]
        with np.errstate(divide="ignore", invalid="ignore"):
            per_record = np.where(counts > 0, block.volume[rows, flows] / counts, 0.0)
    cols = [c[rows] for c in _link_columns(block, main)] + [per_record]
    n = len(kinds.CAPACITY_RULES)
    if fb >= 0:
        cols += [c[rows] for c in _link_columns(block, fb)]
    table = np.stack(cols, axis=1)
    if bool((table == table[:1]).all()):  # the usual case: one group, no sort needed
        keys, inverse = table[:1], np.zeros(rows.size, dtype=np.int64)
    else:
        keys, inverse = np.unique(table, axis=0, return_inverse=True)
    out = []
    for g, key in enumerate(keys):
        sub = np.flatnonzero(inverse.reshape(-1) == g)
        kv = [float(v) for v in key]
        r, fl = rows[sub], flows[sub]
        avail = block.available[r, main]
        main_inst = _make_instance(model, block, main, kv[:n], kv[n], r, fl, cache, fb < 0)
        fallback = None
        switch = np.full(sub.size, -INF)
        if fb >= 0:
            fallback = _make_instance(model, block, fb, kv[n + 1 :], kv[n], r, fl, cache, True)
            switch = np.where(avail > 0, avail, -INF)
        out.append((sub, _Group(main_inst, fallback, switch, block.growth[r, fl])))
    return out


def _make_instance(
    model: Model,
    block: BlockInputs,
    link_id: int,
    params: list[float],
    per_record: float,
    rows: np.ndarray,
    flows: np.ndarray,
    cache: CurveCache,
    lead_is_down: bool,
) -> _Instance:
    link = model.links[link_id]
    pr = per_record if link.limits_records else 0.0
    key = (float(link_id), *params, pr)
    curve = cache.get(key)
    if curve is None:
        arrays = kinds.curve_arrays(link, params, pr)
        curve = cache[key] = _Curve(arrays, link.quota_limited)
    spans = _down_rows(block, link_id, link.per_flow, rows, flows)
    down = None
    if spans is not None and np.isfinite(spans[0]).any():
        down = _Down(spans[0], spans[1], np.arange(rows.size))
    avail = block.available[rows, link_id]
    ready = np.where(lead_is_down & (avail > 0), avail, -INF)
    return _Instance(link_id, curve, down, ready)


def _down_rows(
    block: BlockInputs, link: int, per_flow: bool, rows: np.ndarray, flows: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """The outages of each entry's instance of ``link`` (its flow's own, if ``per_flow``),
    padded with inf to the widest; None if no instance has any."""
    if not per_flow:
        spans = block.down.get((link, -1))
        return None if spans is None else (spans[0][rows], spans[1][rows])
    # entries come in runs of one flow (a stack is laid out flow by flow)
    cut = np.flatnonzero(np.diff(flows)) + 1
    bounds = np.concatenate(([0], cut, [flows.size])).tolist()
    parts = [(lo, hi, (link, int(flows[lo]))) for lo, hi in itertools.pairwise(bounds)]
    if not any(block.down.get(instance) is not None for _, _, instance in parts):
        return None
    drawn = tuple(block.down_drawn.get(instance) for _, _, instance in parts)
    if any(d is None and i in block.down for d, (_, _, i) in zip(drawn, parts, strict=True)):
        return _stack(block, parts, rows)  # outages drawn for this run alone: nothing to share
    # A decision loop solves the same memoised outages point after point: the stack is kept
    # by the values that name the draws it is made of.
    return _stacked(_Named((link, drawn, rows.tobytes(), flows.tobytes()), (block, parts, rows)))


class _Named:
    """A stack's inputs, equal (and hashed) by the values that name them, not by the arrays."""

    def __init__(self, name: Hashable, inputs: Any) -> None:
        self.name, self.inputs = name, inputs

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Named) and self.name == other.name

    def __hash__(self) -> int:
        return hash(self.name)


@functools.lru_cache(maxsize=1)  # one: a stack can be large
def _stacked(named: _Named) -> tuple[np.ndarray, np.ndarray]:
    starts, ends = _stack(*named.inputs)
    named.inputs = None  # the cache keeps the name, not the block
    starts.flags.writeable = False  # shared by every point that asks for it
    ends.flags.writeable = False
    return starts, ends


def _stack(
    block: BlockInputs, parts: list[tuple[int, int, tuple[int, int]]], rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    found = [(lo, hi, block.down.get(instance)) for lo, hi, instance in parts]
    width = max(spans[0].shape[1] for _, _, spans in found if spans is not None)
    starts = np.full((rows.size, width), INF)
    ends = np.full((rows.size, width), INF)
    for lo, hi, spans in found:
        if spans is not None:
            k = spans[0].shape[1]
            starts[lo:hi, :k] = spans[0][rows[lo:hi]]
            ends[lo:hi, :k] = spans[1][rows[lo:hi]]
    return starts, ends


@dataclass(frozen=True)
class _Lot:
    """Per entry of a group (a row of one flow): volume, rejection fraction and delay."""

    volume: Rows
    fraction: Rows
    delay: Rows


@dataclass(frozen=True)
class _Solved:
    """A group's entries solved: completion (inf: never) and bottleneck link per entry, the
    first phase, the second (re-sent rejections) and the entries it covers (``again``), with
    what they were solved from (the band is built from these)."""

    group: _Group
    lot: _Lot
    horizon: float
    finished: Rows
    link: Rows
    ph1: _Phase
    ph2: _Phase | None
    again: np.ndarray


def _solve_flow(model: Model, lot: _Lot, start: Rows, group: _Group) -> _Solved:
    """Both phases of a group's entries (see :class:`_Solved`)."""
    horizon = model.horizon
    g = group.growth
    x1 = lot.volume
    ph1 = group.phase(start, x1, {})
    t1 = ph1.finished
    done1 = t1 <= horizon + HORIZON_TOL
    d1 = x1 + g * np.where(done1, t1, 0.0)  # delivered by the end (used where done)
    t_end = np.where(done1, t1, INF)
    fraction = lot.fraction
    again = np.flatnonzero(done1 & (fraction > 0))
    phases = [(np.arange(x1.size), ph1)]
    ph2 = None
    if again.size:
        fr = fraction[again]
        rework = d1[again] * fr / (1.0 - fr)
        s2 = t1[again] + lot.delay[again]
        sub = _subgroup(group, again)
        carry = {k: (w[again], u[again]) for k, (w, u) in group.quota_left(ph1).items()}
        ph2 = sub.phase(s2, rework - g[again] * t1[again], carry)
        t2 = np.where(s2 <= horizon, ph2.finished, INF)
        t2 = np.where(t2 <= horizon + HORIZON_TOL, t2, INF)
        t_end[again] = t2
        phases.append((again, ph2))
    link = _bottleneck(group, phases, horizon, x1.size)
    return _Solved(group, lot, horizon, t_end, link, ph1, ph2, again)


def _subgroup(group: _Group, idx: np.ndarray) -> _Group:
    def inst(i: _Instance | None) -> _Instance | None:
        if i is None:
            return None
        down = None if i.down is None else i.down.take(idx)
        return _Instance(i.link, i.curve, down, i.ready[idx])

    main = inst(group.main)
    assert main is not None
    return _Group(main, inst(group.fallback), group.switch[idx], group.growth[idx])


def _bottleneck(
    group: _Group, phases: list[tuple[np.ndarray, _Phase]], horizon: float, n: int
) -> np.ndarray:
    """The link that bound the flow longest: the fallback or the link itself. As in the engine
    (docs/semantics.md, "Bottleneck"), a flow on one link at a time waits on nothing else, so
    all its time on a link, closed windows and outages included, binds it there."""
    if group.fallback is None:
        return np.full(n, group.main.link)
    on_fb = np.zeros(n)
    on_main = np.zeros(n)
    for idx, ph in phases:
        end = np.minimum(ph.finished, horizon)
        on_fb[idx] += np.maximum(np.minimum(end, ph.switch) - ph.start, 0.0)
        on_main[idx] += np.maximum(end - np.maximum(ph.start, ph.switch), 0.0)
    return np.where(on_fb > on_main, group.fallback.link, group.main.link)


@dataclass(frozen=True)
class _Owing:
    """What the band entries' phases clear and owe: the first phase's entries and the bytes it
    cleared (inf: not by the horizon), the bytes owed in all (both phases; what grew up to the
    horizon for an unfinished one), and the entries (``mine``, positions in the band) that
    re-sent rejections, with their phase and what it cleared."""

    p1: _Phase
    cleared1: Rows
    owed: Rows
    mine: np.ndarray
    p2: _Phase | None
    cleared2: Rows


def _owing(solved: _Solved, band: np.ndarray) -> _Owing:
    lot, ph2, again, horizon = solved.lot, solved.ph2, solved.again, solved.horizon
    g = solved.group.growth[band]
    x1 = lot.volume[band]
    p1 = _take(solved.ph1, band)
    t1 = p1.finished
    with np.errstate(invalid="ignore"):  # never (inf) x no growth: masked
        cleared1 = np.where(t1 <= horizon, x1 + g * t1, INF)
    owed = np.where(t1 <= horizon, cleared1, x1 + g * horizon)
    mine = np.zeros(0, dtype=np.int64)
    p2: _Phase | None = None
    cleared2 = np.zeros(0)
    if ph2 is not None:
        # the band entries that re-sent (``again`` and ``band`` are sorted entry numbers)
        mine = np.flatnonzero(np.isin(band, again))
        if mine.size:
            p2 = _take(ph2, np.searchsorted(again, band[mine]))
            fr = lot.fraction[band[mine]]
            rework = cleared1[mine] * fr / (1.0 - fr)
            t2 = p2.finished
            gm = g[mine]
            cleared2 = np.where(t2 <= horizon, rework + gm * (t2 - t1[mine]), INF)
            unfinished = np.where(p2.start <= horizon, rework + gm * (horizon - t1[mine]), 0.0)
            owed[mine] += np.where(t2 <= horizon, cleared2, unfinished)
    return _Owing(p1, cleared1, owed, mine, p2, cleared2)


def _band(solved: _Solved, band: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, Rows]:
    """Bytes delivered by each day end, and bytes owed in all, for the band entries."""
    group, horizon = solved.group, solved.horizon
    due = _owing(solved, band)
    p1, p2, mine, cleared1 = due.p1, due.p2, due.mine, due.cleared1
    sub = _subgroup(group, band)
    got = np.zeros((band.size, times.size))
    ends = np.where(p1.finished <= horizon, p1.finished, horizon)
    if p2 is not None:
        ends[mine] = np.where(p2.finished <= horizon, p2.finished, horizon)
    # Only the days up to the last completion need the curves; after it every row is cleared.
    # (side="right": a horizon at midnight makes the last day ends equal; all need the curves)
    hi = min(int(np.searchsorted(times, float(ends.max()), side="right")) + 1, times.size)
    days = times[:hi]
    got[:, :hi] = np.minimum(sub.moved(p1, days), cleared1[:, None])
    got[:, :hi] = np.where(days[None, :] >= p1.start[:, None], got[:, :hi], 0.0)
    got[:, hi:] = np.where(np.isfinite(cleared1), cleared1, 0.0)[:, None]
    if p2 is not None:
        sub2 = _subgroup(group, band[mine])
        cleared2 = due.cleared2
        m2 = np.minimum(sub2.moved(p2, days), cleared2[:, None])
        got[mine, :hi] += np.where(days[None, :] >= p2.start[:, None], m2, 0.0)
        got[mine, hi:] += np.where(np.isfinite(cleared2), cleared2, 0.0)[:, None]
    return got, due.owed


def _summable(group: _Group) -> bool:
    """Whether :func:`_band_sum` covers the group: one link, without quota or fallback."""
    return group.fallback is None and not group.main.curve.quota_limited


def _band_sum(
    delivered: np.ndarray,
    needed: np.ndarray,
    rows: np.ndarray,
    solved: _Solved,
    band: np.ndarray,
    times: np.ndarray,
) -> None:
    """:func:`_band` for every band entry of a group on one link without quota or fallback,
    added into ``delivered`` (band rows x days) and ``needed`` at once. By each day end a
    phase has moved ``C(day) - C(s)`` less its outages' losses while it runs (from its start
    ``s`` to the first day end at or after its completion) and what it cleared after, so per
    row the sum over all its entries is ``A(day) C(day) + B(day)``, with ``A`` and ``B``
    step functions built from each phase's and each outage's start and end days (difference
    arrays, summed along the days)."""
    group, horizon = solved.group, solved.horizon
    curve = group.main.curve
    n_days = times.size
    at = rows[band]  # each entry's row of the difference arrays
    a_row: list[np.ndarray] = []
    a_day: list[np.ndarray] = []
    a_val: list[np.ndarray] = []
    b_row: list[np.ndarray] = []
    b_day: list[np.ndarray] = []
    b_val: list[np.ndarray] = []

    def span(where: np.ndarray, lo: np.ndarray, hi: np.ndarray, a: np.ndarray | float,
             b: np.ndarray | float) -> None:  # fmt: skip
        """Days lo..hi of the entries in rows ``where``: A += a, B += b."""
        for row, day, val, w in ((a_row, a_day, a_val, a), (b_row, b_day, b_val, b)):
            w = np.broadcast_to(np.asarray(w, dtype=float), lo.shape)
            row += [where, where]
            day += [lo, hi]
            val += [w, -w]

    def phase(pick: np.ndarray, seg: _Segment, done: np.ndarray, cleared: np.ndarray) -> None:
        """A phase of the entries ``pick`` (of ``band``) from ``seg.start`` to ``done``."""
        where = at[pick]
        s = seg.start
        first = np.searchsorted(times, s, side="left")
        last = np.searchsorted(times, done, side="left")  # from here on: cleared
        last = np.maximum(last, first)
        span(where, first, last, 1.0, -curve.at(s))
        finite = np.isfinite(cleared)
        span(where[finite], last[finite], np.full(finite.sum(), n_days), 0.0, cleared[finite])
        down = group.main.down
        if down is None:
            return
        entry = band[pick]
        starts, ends = down.starts[down.sel[entry]], down.ends[down.sel[entry]]
        fin = np.isfinite(starts) & (starts < done[:, None])
        if not fin.any():
            return
        k = np.nonzero(fin)
        a = np.maximum(starts[k], s[k[0]])
        b = np.maximum(ends[k], s[k[0]])
        stop = last[k[0]]
        ia = np.minimum(np.searchsorted(times, a, side="left"), stop)
        ib = np.minimum(np.searchsorted(times, b, side="left"), stop)
        ca = curve.at(a)
        span(where[k[0]], ia, ib, -1.0, ca)  # inside the outage: C(a) - C(day) each day
        span(where[k[0]], ib, stop, 0.0, ca - curve.at(b))  # after it: C(b) - C(a) lost

    due = _owing(solved, band)
    t1 = due.p1.finished
    phase(np.arange(band.size), due.p1.main_seg, np.where(t1 <= horizon, t1, INF), due.cleared1)
    if due.p2 is not None:
        t2 = due.p2.finished
        phase(due.mine, due.p2.main_seg, np.where(t2 <= horizon, t2, INF), due.cleared2)
    # Past the last day on which a step falls (inside the days), A stays 0 and B constant when
    # every phase has ended by then: the sums are built to that day, whose column stands for
    # every later one (the same numbers as summing them all).
    days_a, days_b, vals_a = np.concatenate(a_day), np.concatenate(b_day), np.concatenate(a_val)
    last = int(max(days_a[days_a < n_days].max(initial=0), days_b[days_b < n_days].max(initial=0)))
    if np.any((days_a >= n_days) & (vals_a != 0)):
        last = n_days - 1  # a phase still going on the last day: no cut
    width = last + 2  # days 0..last and one column for the steps past them

    def summed(row: list[np.ndarray], day: np.ndarray, val: np.ndarray) -> np.ndarray:
        flat = np.concatenate(row) * width + np.minimum(day, last + 1)
        steps = np.bincount(flat, val, minlength=delivered.shape[0] * width)
        return np.cumsum(steps.reshape(-1, width), axis=1)[:, : last + 1]

    a_days = summed(a_row, days_a, vals_a)
    b_days = summed(b_row, days_b, np.concatenate(b_val))
    got = np.maximum(a_days * curve.at_days(times)[None, : last + 1] + b_days, 0.0)
    delivered[:, : last + 1] += got
    delivered[:, last + 1 :] += got[:, last:]
    np.add.at(needed, rows[band], due.owed)


def _take(ph: _Phase, idx: np.ndarray) -> _Phase:
    def seg(s: _Segment | None) -> _Segment | None:
        return None if s is None else _Segment(s.start[idx], s.x[idx], s.used[idx])

    main = seg(ph.main_seg)
    assert main is not None
    return _Phase(
        ph.start[idx],
        ph.x[idx],
        ph.finished[idx],
        seg(ph.fb_seg),
        main,
        ph.switch[idx],
    )
