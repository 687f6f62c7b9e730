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

import itertools
from dataclasses import dataclass, field

import numpy as np

from migrasim.core.capacity import INF
from migrasim.core.curve import CurveArrays
from migrasim.core.model import LinkModel, Model
from migrasim.core.shipment_batch import shipped_rows

_KEYS_KEPT = 16
"""Search keys kept per curve (one per growth rate): growth is drawn per replication and flow,
so an unbounded memo grows with replications x flows x windows (gigabytes at 2,000 flows)."""

HORIZON_TOL = 1e-6
"""Seconds: the engine's TIME_TOL; a completion this close past the horizon completes."""

_OUTAGE_CHUNK = 8
"""Outages whose candidates are tried together: a speed knob, fixed so results are too."""

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

    @property
    def rows(self) -> int:
        return int(self.volume.shape[0])


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
        self._keys: dict[float, tuple[np.ndarray, bool]] = {}
        self._running: dict[float, np.ndarray] = {}
        self._days_key: tuple[float, ...] = ()
        self._days = np.zeros(0)

    def at(self, t: np.ndarray) -> np.ndarray:
        """C(t): bytes the link could move from the first window to ``t``."""
        if not len(self.knots_t):
            return np.zeros(np.shape(t))
        out = np.interp(t, self.knots_t, self.knots_c, left=0.0, right=float(self.cum[-1]))
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

    def first_reach(self, lb: np.ndarray, target: np.ndarray, growth: float) -> np.ndarray:
        """Per row, the first ``t >= lb`` with ``C(t) - growth t >= target`` (inf: none), given
        that it does not hold at ``lb``."""
        n = len(self.opens)
        keys, monotone = self.keys(growth)
        first = np.searchsorted(self.ends, lb, side="right")  # windows still delivering after lb
        if monotone:
            j = np.maximum(np.searchsorted(keys, target, side="left"), first)
        else:
            # The first window anywhere whose key reaches the target, from the running maximum
            # (monotone): where that is at or after ``first`` it is the answer; only rows that
            # reached it earlier need a scan from ``first``.
            j = np.searchsorted(self.running_max(growth), target, side="left")
            early = np.flatnonzero(j < first)
            if early.size:
                j[early] = [_scan(keys, int(first[i]), float(target[i])) for i in early]
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


def _solve_segment(
    curve: _Curve, seg: _Segment, growth: float, down: tuple[np.ndarray, np.ndarray] | None
) -> tuple[Rows, Rows, Rows]:
    """(completion or inf, window of the start, quota used in that window by the completion)."""
    s, x = seg.start, seg.x
    n = len(curve.opens)
    k = np.searchsorted(curve.closes, s, side="right")
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
    # Outages one at a time: the candidate that counts the first i losses stands if it comes
    # before outage i + 1 starts (the first such candidate is the answer). Candidates are tried
    # a chunk of outages at a time, and only rows still open go on to the next chunk.
    result = np.full(s.shape, INF)
    lost = np.zeros(s.shape)
    rows = np.arange(s.size)
    lb = s.copy()
    width = down[0].shape[1]
    i = 0
    while rows.size and i < width:
        w = min(_OUTAGE_CHUNK, width - i)
        fin = np.isfinite(down[0][rows, i : i + w])
        a = np.where(fin, np.maximum(down[0][rows, i : i + w], s[rows, None]), INF)
        b = np.where(fin, np.maximum(down[1][rows, i : i + w], s[rows, None]), INF)
        loss = np.where(fin, curve.at(np.where(fin, b, 0.0)) - curve.at(np.where(fin, a, 0.0)), 0)
        before = np.concatenate([np.zeros((rows.size, 1)), np.cumsum(loss, axis=1)[:, :-1]], 1)
        bounds = np.concatenate([lb[:, None], np.maximum(s[rows, None], b[:, :-1])], axis=1)
        goal = (target[rows] + lost)[:, None] + before
        t = curve.first_reach(bounds.ravel(), goal.ravel(), growth).reshape(rows.size, w)
        valid = t <= a
        hit = valid.any(axis=1)
        j = np.argmax(valid, axis=1)
        result[rows[hit]] = t[hit, j[hit]]
        keep = ~hit
        rows = rows[keep]
        lost = lost[keep] + loss[keep].sum(axis=1)
        lb = np.maximum(s[rows], b[keep, -1])
        i += w
    if rows.size:  # after the last outage
        result[rows] = curve.first_reach(lb, target[rows] + lost, growth)
    return result, k, np.zeros(s.shape)


def _moved(
    curve: _Curve,
    seg: _Segment,
    down: tuple[np.ndarray, np.ndarray] | None,
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
    if down is not None and t.ndim == 1:
        for i in range(down[0].shape[1]):
            a, b = np.maximum(down[0][:, i], seg.start), np.maximum(down[1][:, i], seg.start)
            fin = np.isfinite(a)
            a0, b0 = np.where(fin, a, 0), np.where(fin, b, 0)
            lost = curve.at(np.clip(tt, a0, b0)) - curve.at(np.minimum(a0, tt))
            moved = moved - np.where(fin, np.maximum(lost, 0.0), 0.0)
    return np.asarray(np.maximum(moved, 0.0))


def _quota_head(curve: _Curve, seg: _Segment) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """On a quota-limited link: per row, what the window open at ``seg.start`` can still move
    (the quota left, or the window's remaining time at its rate), when the curve takes over
    (that window's close, else the start) and the window's rate."""
    n = len(curve.opens)
    k = np.searchsorted(curve.closes, seg.start, side="right")
    kk = np.minimum(k, max(n - 1, 0))
    inside = (k < n) & (curve.opens[kk] <= seg.start)
    rate = curve.rates[kk]
    head = np.where(
        inside, np.minimum(curve.quota - seg.used, rate * (curve.closes[kk] - seg.start)), 0
    )
    return head, np.where(inside, curve.closes[kk], seg.start), rate


def _moved_days(
    curve: _Curve, seg: _Segment, down: tuple[np.ndarray, np.ndarray] | None, days: np.ndarray
) -> np.ndarray:
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
    down: tuple[np.ndarray, np.ndarray],
    days: np.ndarray,
    cd: np.ndarray,
) -> np.ndarray:
    """What outages after ``start`` took from the link by each of ``days`` (rows x days): an
    outage's whole loss from the first day end after it, ``C(t) - C(a)`` at day ends inside
    it (outages are disjoint, so a day end is inside at most one per row)."""
    rows = down[0].shape[0]
    if days.size:  # outages starting after the last day end take nothing by then
        width = int((down[0] < days[-1]).sum(axis=1).max(initial=0))
        down = (down[0][:, :width], down[1][:, :width])
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
    w = np.searchsorted(curve.closes, t, side="right")
    ww = np.minimum(w, max(n - 1, 0))
    k = np.searchsorted(curve.closes, seg.start, side="right")
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
    down: tuple[np.ndarray, np.ndarray] | None
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
    fb_moved: Rows  # whether anything moved on the fallback (else its time was blocked time)


class _Group:
    """Rows of one lone flow that share every input but times (start, outages, lead times)."""

    def __init__(
        self,
        main: _Instance,
        fallback: _Instance | None,
        switch: Rows,
        growth: float,
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
        fb_moved = np.zeros(start.shape, bool)
        if self.fallback is not None and on_fb.any():
            fb = self.fallback
            s = np.maximum(start, fb.ready)
            fb_seg = _Segment(s, x, self._carried(fb, s, carry))
            t, _, _ = _solve_segment(fb.curve, fb_seg, g, fb.down)
            done = on_fb & (t <= self.switch)
            finished[done] = t[done]
            moved = np.where(self.switch > s, _moved(fb.curve, fb_seg, fb.down, self.switch), 0.0)
            main_x = np.where(on_fb, x - moved, x)
            todo = ~done
            fb_moved = done | (moved > 0)
        s_main = np.maximum(np.maximum(start, self.switch), self.main.ready)
        used = np.where(on_fb, 0.0, self._carried(self.main, s_main, carry))
        main_seg = _Segment(s_main, main_x, used)
        t, _, _ = _solve_segment(self.main.curve, main_seg, g, self.main.down)
        finished[todo] = t[todo]
        return _Phase(start, x, finished, fb_seg, main_seg, self.switch, fb_moved)

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
    # What a flow holds from a day on (it has finished, or the horizon cut it off) is added
    # once, at that day, and summed along the days at the end: a flow costs the days it is
    # moving, not every day to the horizon.
    held = np.zeros((band_rows, len(day_ends) + 1))
    needed = np.zeros(band_rows)
    acc = _Band(delivered, held, needed)
    stacked: set[int] = set()
    for flows in _stacks(model, block):
        _solve_stack(model, block, flows, times, band_rows, cache, finished, bottleneck, acc)
        stacked.update(flows)
    for f in _order(model):
        if f in stacked:
            continue
        flow = model.flows[f]
        start = np.full(n, max(flow.earliest, 0.0))
        for d in flow.after:
            start = np.maximum(start, finished[:, d])
        live = np.flatnonzero(start <= horizon)
        if model.links[flow.links[0]].shipment is not None:
            t_end, got, owed = shipped_rows(model, block, f, live, start[live], times, band_rows)
            finished[live, f] = t_end
            bottleneck[live, f] = flow.links[0]
            delivered[live[live < band_rows]] += got
            needed[live[live < band_rows]] += owed
            continue
        for pos, group in _groups(model, block, f, live, cache):
            rows = live[pos]
            t_end, link, (got, hi, kept), owed = _solve_flow(
                model, block, f, rows, start[rows], group, times, band_rows
            )
            # As in the engine, a completion within HORIZON_TOL past the horizon completes, at
            # the horizon (floating-point dust must not decide the boundary).
            finished[rows, f] = np.where(
                t_end <= horizon + HORIZON_TOL, np.minimum(t_end, horizon), INF
            )
            bottleneck[rows, f] = link
            band = rows < band_rows
            if band.any():
                delivered[rows[band], :hi] += got
                held[rows[band], hi] += kept
                needed[rows[band]] += owed
    delivered += np.cumsum(held, axis=1)[:, :-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        progress = np.where(needed[:, None] > 0, np.clip(delivered / needed[:, None], 0, 1), 1.0)
    return BlockResult(finished, bottleneck, progress)


@dataclass(frozen=True)
class _Band:
    """The band rows' accumulators: ``delivered`` by each day end (rows x days), ``held`` from
    a day on (rows x days + 1, summed along the days at the end) and ``needed`` in all."""

    delivered: np.ndarray
    held: np.ndarray
    needed: np.ndarray


_STACK_CELLS = 4_000_000
"""Band rows x days solved at once when flows are stacked (a chunk's working arrays stay
about this many floats, whatever the flows and replications)."""


def _stacks(model: Model, block: BlockInputs) -> list[list[int]]:
    """Flows that can be solved together, one row per (flow, replication): flows that wait for
    none, not shipped, without outages, on the same link (a link with ``per_flow``: an instance
    each, the same rates) and the same records count. Rows of different flows with the same
    rates and growth then form one group (``_groups``), solved in one call, not one per flow."""
    found: dict[tuple[int, float], list[int]] = {}
    for f, flow in enumerate(model.flows):
        main = flow.links[0]
        link = model.links[main]
        if flow.after or link.shipment is not None or not link.per_flow:
            continue
        used = [main] if link.fallback < 0 else [main, link.fallback]
        if any(_has_outages(block, _instance(model, i, f)) for i in used):
            continue
        limits = link.limits_records or (link.fallback >= 0 and
                                         model.links[link.fallback].limits_records)  # fmt: skip
        records = float(flow.records or 0) if limits else 0.0
        found.setdefault((main, records), []).append(f)
    # Smallest first: a chunk of the band then holds flows of like length, and each chunk
    # computes the days up to its own last completion only.
    size = block.volume.mean(axis=0) if block.rows else np.zeros(len(model.flows))
    out = []
    for flows in found.values():
        if len(flows) > 1:
            index = np.asarray(flows, dtype=np.int64)
            out.append(index[np.lexsort((index, size[index]))].tolist())
    return out


def _has_outages(block: BlockInputs, key: tuple[int, int]) -> bool:
    spans = block.down.get(key)
    return spans is not None and bool(np.isfinite(spans[0]).any())


def _solve_stack(
    model: Model,
    block: BlockInputs,
    flows: list[int],
    times: np.ndarray,
    band_rows: int,
    cache: CurveCache,
    finished: np.ndarray,
    bottleneck: np.ndarray,
    acc: _Band,
) -> None:
    """Solve ``flows`` (one of :func:`_stacks`) together: rows are (flow, replication) pairs,
    flow by flow; each group of equal rates is solved in one call (in chunks of at most
    :data:`_STACK_CELLS` band cells), and the results go where each flow's would."""
    n = block.rows
    horizon = model.horizon
    f0 = flows[0]
    col = np.repeat(np.asarray(flows, dtype=np.int64), n)  # each row's flow (its block column)
    reps = np.tile(np.arange(n), len(flows))  # each row's replication
    earliest = np.array([max(model.flows[f].earliest, 0.0) for f in flows])
    start = np.repeat(earliest, n)
    live = np.flatnonzero(start <= horizon)
    rows, col, start = reps[live], col[live], start[live]
    chunk = max(1, _STACK_CELLS // max(times.size, 1))  # band rows per call
    for pos, group in _groups(model, block, f0, rows, cache, col):
        in_band = np.cumsum(rows[pos] < band_rows)
        marks = np.searchsorted(in_band, np.arange(chunk, int(in_band[-1]), chunk), "right")
        cuts = sorted({0, *marks.tolist(), pos.size})
        for lo, hi_pos in itertools.pairwise(cuts):
            part = pos[lo:hi_pos]
            sub = group if len(cuts) == 2 else _subgroup(group, np.arange(lo, hi_pos))
            r, c = rows[part], col[part]
            t_end, link, (got, hi, kept), owed = _solve_flow(
                model, block, f0, r, start[part], sub, times, band_rows, c
            )
            finished[r, c] = np.where(
                t_end <= horizon + HORIZON_TOL, np.minimum(t_end, horizon), INF
            )
            bottleneck[r, c] = link
            band = np.flatnonzero(r < band_rows)
            if not band.size:
                continue
            rb, cb = r[band], c[band]
            # a flow's rows are consecutive and name each replication once: add flow by flow
            flows_at = [0, *(np.flatnonzero(np.diff(cb)) + 1).tolist(), rb.size]
            for a, b in itertools.pairwise(flows_at):
                acc.delivered[rb[a:b], :hi] += got[a:b]
            acc.held[:, hi] += np.bincount(rb, weights=kept, minlength=band_rows)
            acc.needed[:] += np.bincount(rb, weights=owed, minlength=band_rows)


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
    return [block.bandwidth[:, link], block.cap[:, link], block.records_rate[:, link],
            block.daily_records[:, link]]  # fmt: skip


def _groups(
    model: Model,
    block: BlockInputs,
    f: int,
    rows: np.ndarray,
    cache: CurveCache,
    col: np.ndarray | None = None,
) -> list[tuple[np.ndarray, _Group]]:
    """Split ``rows`` (replications) into groups with equal rates and growth; build each
    group's instances. Each group comes with its rows' positions in ``rows``. ``col``: each
    row's flow when rows of several flows on ``f``'s links are stacked (``_stacks``); else
    every row is ``f``'s."""
    if not rows.size:
        return []
    flow = model.flows[f]
    c = f if col is None else col
    main = flow.links[0]
    fb = model.links[main].fallback
    per_record = np.zeros(rows.size)
    limits = model.links[main].limits_records or (fb >= 0 and model.links[fb].limits_records)
    if flow.records and limits:
        per_record = block.volume[rows, c] / flow.records
    cols = [*(x[rows] for x in _link_columns(block, main)), per_record, block.growth[rows, c]]
    if fb >= 0:
        cols += [x[rows] for x in _link_columns(block, fb)]
    table = np.stack(cols, axis=1)
    if bool((table == table[:1]).all()):  # the usual case: one group, no sort needed
        keys, inverse = table[:1], np.zeros(rows.size, dtype=np.int64)
    else:
        keys, inverse = np.unique(table, axis=0, return_inverse=True)
    out = []
    for g, key in enumerate(keys):
        pos = np.flatnonzero(inverse.reshape(-1) == g)
        sub = rows[pos]
        kv = [float(v) for v in key]
        avail = block.available[sub, main]
        main_inst = _make_instance(model, block, f, main, kv[:4], kv[4], sub, cache, fb < 0)
        fallback = None
        switch = np.full(sub.size, -INF)
        if fb >= 0:
            fallback = _make_instance(model, block, f, fb, kv[6:10], kv[4], sub, cache, True)
            switch = np.where(avail > 0, avail, -INF)
        out.append((pos, _Group(main_inst, fallback, switch, kv[5])))
    return out


def _make_instance(
    model: Model,
    block: BlockInputs,
    f: int,
    link_id: int,
    params: list[float],
    per_record: float,
    rows: np.ndarray,
    cache: CurveCache,
    lead_is_down: bool,
) -> _Instance:
    link = model.links[link_id]
    bw, cap, rr, dr = params
    pr = per_record if link.limits_records else 0.0
    key = (float(link_id), bw, cap, rr, dr, pr)
    curve = cache.get(key)
    if curve is None:
        curve = cache[key] = _Curve(_arrays(link, bw, cap, rr, dr, pr), link.quota_limited)
    owner = f if link.per_flow else -1
    spans = block.down.get((link_id, owner))
    down = None if spans is None else (spans[0][rows], spans[1][rows])
    if down is not None and not np.isfinite(down[0]).any():
        down = None
    avail = block.available[rows, link_id]
    ready = np.where(lead_is_down & (avail > 0), avail, -INF)
    return _Instance(link_id, curve, down, ready)


def _arrays(link: LinkModel, bw: float, cap: float, rr: float, dr: float, pr: float) -> CurveArrays:
    """The link's per-window rates and amounts, as the engine's single-link curve builds them."""
    opens = np.asarray(link.schedule.open_s, dtype=float)
    closes = np.asarray(link.schedule.close_s, dtype=float)
    spans = closes - opens
    if bw < INF:
        rates = np.full(len(spans), bw)
    elif cap < INF:
        rates = cap / spans
    else:
        rates = np.full(len(spans), INF)
    if link.limits_records:
        rates = np.minimum(rates, np.minimum(rr, dr / spans) * pr)
    quota = cap if link.quota_limited else INF
    return CurveArrays.build(opens, closes, rates, quota)


def _solve_flow(
    model: Model,
    block: BlockInputs,
    f: int,
    rows: np.ndarray,
    start: Rows,
    group: _Group,
    times: np.ndarray,
    band_rows: int,
    col: np.ndarray | None = None,
) -> tuple[Rows, Rows, tuple[np.ndarray, int, Rows], Rows]:
    """(completion, bottleneck link, delivered by each day end and bytes owed (band rows)).
    Delivered comes as ``(got, hi, kept)``: ``got`` by each of the first ``hi`` day ends, and
    ``kept`` by every day end after them. ``col``: each row's flow, when rows of several flows
    are stacked (``_stacks``); else every row is ``f``'s."""
    horizon = model.horizon
    g = group.growth
    c = np.full(rows.size, f) if col is None else col
    x1 = block.volume[rows, c]
    ph1 = group.phase(start, x1, {})
    t1 = ph1.finished
    done1 = t1 <= horizon + HORIZON_TOL
    d1 = x1 + g * t1
    t_end = np.where(done1, t1, INF)
    fraction = block.fraction[rows, c]
    again = np.flatnonzero(done1 & (fraction > 0))
    phases = [(np.arange(rows.size), ph1)]
    ph2 = None
    if again.size:
        fr = fraction[again]
        rework = d1[again] * fr / (1.0 - fr)
        s2 = t1[again] + block.delay[rows[again], c[again]]
        sub = _subgroup(group, again)
        carry = {k: (w[again], u[again]) for k, (w, u) in group.quota_left(ph1).items()}
        ph2 = sub.phase(s2, rework - g * t1[again], carry)
        t2 = np.where(s2 <= horizon, ph2.finished, INF)
        t2 = np.where(t2 <= horizon + HORIZON_TOL, t2, INF)
        t_end[again] = t2
        phases.append((again, ph2))
    link = _bottleneck(group, phases, horizon, rows.size)
    band = np.flatnonzero(rows < band_rows)
    got: tuple[np.ndarray, int, Rows] = (np.zeros((0, 0)), 0, np.zeros(0))
    owed = np.zeros(band.size)
    if band.size:
        got, owed = _band(group, ph1, ph2, again, band, x1, block, rows, c, horizon, times)
    return t_end, link, got, owed


def _subgroup(group: _Group, idx: np.ndarray) -> _Group:
    def inst(i: _Instance | None) -> _Instance | None:
        if i is None:
            return None
        down = None if i.down is None else (i.down[0][idx], i.down[1][idx])
        return _Instance(i.link, i.curve, down, i.ready[idx])

    main = inst(group.main)
    assert main is not None
    return _Group(main, inst(group.fallback), group.switch[idx], group.growth)


def _bottleneck(
    group: _Group, phases: list[tuple[np.ndarray, _Phase]], horizon: float, n: int
) -> np.ndarray:
    """The link that set the rate longest: the fallback or the link itself. As in the engine,
    time counts as moving once anything has moved (from the first phase on), and a link's
    blocked time only counts when nothing ever moved."""
    if group.fallback is None:
        return np.full(n, group.main.link)
    on_fb = np.zeros(n)
    on_main = np.zeros(n)
    for p, (idx, ph) in enumerate(phases):
        end = np.minimum(ph.finished, horizon)
        fb_secs = np.maximum(np.minimum(end, ph.switch) - ph.start, 0.0)
        on_fb[idx] += np.where(ph.fb_moved | (p > 0), fb_secs, 0.0)
        on_main[idx] += np.maximum(end - np.maximum(ph.start, ph.switch), 0.0)
    return np.where(on_fb > on_main, group.fallback.link, group.main.link)


def _band(
    group: _Group,
    ph1: _Phase,
    ph2: _Phase | None,
    again: np.ndarray,
    band: np.ndarray,
    x1: Rows,
    block: BlockInputs,
    rows: np.ndarray,
    col: np.ndarray,
    horizon: float,
    times: np.ndarray,
) -> tuple[tuple[np.ndarray, int, Rows], Rows]:
    """Bytes delivered by each day end (``(got, hi, kept)``: by each of the first ``hi`` day
    ends, and by every one after them), and bytes owed in all, for the band rows."""
    g = group.growth
    sub = _subgroup(group, band)
    p1 = _take(ph1, band)
    t1 = p1.finished
    cleared1 = np.where(t1 <= horizon, x1[band] + g * t1, INF)
    owed = np.where(t1 <= horizon, cleared1, x1[band] + g * horizon)
    ends = np.where(t1 <= horizon, t1, horizon)
    mine = np.zeros(0, dtype=np.int64)
    p2: _Phase | None = None
    rework = np.zeros(0)
    if ph2 is not None:
        # the band rows that have a second phase, and where they are in ``again`` (both sorted)
        mine = np.flatnonzero(np.isin(band, again))
        if mine.size:
            p2 = _take(ph2, np.searchsorted(again, band[mine]))
            fr = block.fraction[rows[band[mine]], col[band[mine]]]
            rework = cleared1[mine] * fr / (1.0 - fr)
            ends[mine] = np.where(p2.finished <= horizon, p2.finished, horizon)
    # Only the days up to the last completion need the curves; after it every row is cleared.
    # (side="right": a horizon at midnight makes the last day ends equal; all need the curves)
    hi = min(int(np.searchsorted(times, float(ends.max()), side="right")) + 1, times.size)
    days = times[:hi]
    got = np.minimum(sub.moved(p1, days), cleared1[:, None])
    got = np.where(days[None, :] >= p1.start[:, None], got, 0.0)
    kept = np.where(np.isfinite(cleared1), cleared1, 0.0)
    if p2 is not None:
        sub2 = _subgroup(group, band[mine])
        t1m = t1[mine]
        t2 = p2.finished
        cleared2 = np.where(t2 <= horizon, rework + g * (t2 - t1m), INF)
        m2 = np.minimum(sub2.moved(p2, days), cleared2[:, None])
        got[mine] += np.where(days[None, :] >= p2.start[:, None], m2, 0.0)
        kept[mine] += np.where(np.isfinite(cleared2), cleared2, 0.0)
        started = p2.start <= horizon
        owed[mine] += np.where(
            t2 <= horizon, cleared2, np.where(started, rework + g * (horizon - t1m), 0.0)
        )
    return (got, hi, kept), owed


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
        ph.fb_moved[idx],
    )
