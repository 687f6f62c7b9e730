"""A lone flow's phases, for every row of a group at once.

A *group* is the rows (of one or more lone flows on the same links) that share every rate; each
row has its own times (start, outages, lead times) and growth. :meth:`_Group.phase` solves one
phase on the link (its fallback standing in until it is available) and :func:`_solve_flow` both
phases of a flow: the first, and the second that re-sends rejections. The semantics are those of
:mod:`migrasim.core.batch`'s docstring. Pure: numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migrasim.core.block import HORIZON_TOL, Rows
from migrasim.core.capacity import INF
from migrasim.core.curve_search import (
    _Curve,
    _Down,
    _moved,
    _moved_days,
    _Segment,
    _solve_segment,
    _tol,
    _used_at,
)
from migrasim.core.model import Model


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
