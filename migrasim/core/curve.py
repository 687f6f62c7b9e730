"""The cumulative capacity of one link for one flow, over the whole calendar at once.

For a flow alone on one link (the common case: every council on its own capped or hard-wired
link), the bytes it can move are a sum of per-window amounts ``min(quota, rate x up-time)``.
:class:`LinkCurve` keeps those amounts as a cumulative sum, so the window in which a backlog is
cleared is found by binary search (or one vectorised pass when the source keeps growing) instead
of stepping through the days; only windows touched by an outage, and the window where the flow
completes, are walked exactly. A 400-day, 1 GB/day flow costs one search, not 400 steps.

Semantics are the engine's: the window's rate applies while the window is open and the link is
up; a link with both bandwidth and a daily cap moves at its bandwidth until the day's quota is
used; a cap-only link spreads its quota evenly over the window (that is just its rate).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

import numpy as np

INF = float("inf")
TIME_TOL = 1e-6


class Trace:
    """Breakpoints (t, cumulative bytes) of a piecewise-linear delivery curve, in two lists."""

    __slots__ = ("times", "values")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.values: list[float] = []

    def add(self, t: float, value: float) -> None:
        self.times.append(t)
        self.values.append(value)

    def extend(self, other: Trace) -> None:
        self.times.extend(other.times)
        self.values.extend(other.values)

    def __len__(self) -> int:
        return len(self.times)


@dataclass
class Walk:
    """Where a flow got to: time, backlog left, quota used in the current window, bytes moved."""

    t: float
    remaining: float
    window: int
    used: float
    moved: float
    done: bool = False
    points: Trace = field(default_factory=Trace)


@dataclass(frozen=True)
class CurveArrays:
    """A link's windows for one flow: per-window rate, amount and delivery end, and their
    cumulative sum. Independent of outages, so flows with equal rates share one."""

    opens: np.ndarray
    closes: np.ndarray
    rates: np.ndarray
    quota: float | np.ndarray  # bytes a window may move: one for all, or one per window
    amounts: np.ndarray
    ends: np.ndarray
    cum: np.ndarray
    opens_list: list[float]
    closes_list: list[float]
    cum_list: list[float]
    growth_keys: dict[float, list[float] | None] = field(default_factory=dict, compare=False)

    @classmethod
    def build(
        cls, opens: np.ndarray, closes: np.ndarray, rates: np.ndarray, quota: float | np.ndarray
    ) -> CurveArrays:
        amounts = np.minimum(quota, rates * (closes - opens))
        with np.errstate(divide="ignore", invalid="ignore"):
            ends = np.where(rates > 0, opens + amounts / rates, opens)
        cum = np.concatenate(([0.0], np.cumsum(amounts)))
        return cls(
            opens, closes, rates, quota, amounts, ends, cum,
            opens.tolist(), closes.tolist(), cum.tolist(),
        )  # fmt: skip

    def quota_at(self, w: Any) -> Any:
        """The quota of window ``w`` (an index, or an array of them)."""
        quota = self.quota
        if not isinstance(quota, np.ndarray):
            return quota
        if not quota.size:  # no window: nothing is ever inside one
            return np.full(np.shape(w), INF)
        return quota[w]


class LinkCurve:
    """One link instance's capacity for one flow (see module doc): the link's
    :class:`CurveArrays` and its outages as sorted, disjoint (starts, ends)."""

    def __init__(
        self, arrays: CurveArrays, down: tuple[tuple[float, ...], tuple[float, ...]]
    ) -> None:
        self.opens = arrays.opens
        self.closes = arrays.closes
        self.rates = arrays.rates
        self.quota_at = arrays.quota_at
        self.amounts = arrays.amounts
        self.ends = arrays.ends
        self.cum = arrays.cum
        self.opens_list = arrays.opens_list
        self.closes_list = arrays.closes_list
        self.cum_list = arrays.cum_list
        self.down_starts, self.down_ends = down
        self._keys = arrays.growth_keys

    def _growth_keys(self, growth: float) -> list[float] | None:
        """``cum[j+1] - growth * ends[j]`` if non-decreasing in j (then the window where a
        growing backlog clears is a binary search), else None."""
        if growth not in self._keys:
            keys = self.cum[1:] - growth * self.ends
            monotone = bool(np.all(np.diff(keys) >= 0))
            self._keys[growth] = keys.tolist() if monotone else None
        return self._keys[growth]

    # -- exact walk through one window ----------------------------------------------------------

    def _up(self, a: float, b: float) -> list[tuple[float, float]]:
        """Sub-intervals of [a, b) when the link is up."""
        out = []
        i = bisect.bisect_right(self.down_ends, a)
        t = a
        while t < b:
            if i < len(self.down_starts) and self.down_starts[i] < b:
                s, e = self.down_starts[i], self.down_ends[i]
                if s > t:
                    out.append((t, s))
                t = max(t, e)
                i += 1
            else:
                out.append((t, b))
                break
        return out

    def walk_window(
        self, w: int, walk: Walk, growth: float, until: float, tol: float, record: bool
    ) -> None:
        """Move through window ``w`` from ``walk.t`` (up to ``until``), updating ``walk``."""
        start = max(walk.t, float(self.opens[w]))
        end = min(float(self.closes[w]), until)
        walk.remaining += growth * (start - walk.t)
        walk.t = start
        if walk.window != w:
            walk.window, walk.used = w, 0.0
        rate = float(self.rates[w])
        for a, b in self._up(start, end) if end > start else ():
            walk.remaining += growth * (a - walk.t)
            walk.t = a
            left = self.quota_at(w) - walk.used
            if left <= 0 or rate <= 0:
                break
            seg = min(b - a, left / rate)
            net = rate - growth
            if record:
                walk.points.add(a, walk.moved)
            if net > 0 and walk.remaining <= net * seg + tol:
                dt = max(walk.remaining, 0.0) / net
                walk.t = a + dt
                walk.moved += rate * dt
                walk.used += rate * dt
                walk.remaining = 0.0
                walk.done = True
                if record:
                    walk.points.add(walk.t, walk.moved)
                return
            walk.remaining -= net * seg
            walk.moved += rate * seg
            walk.used += rate * seg
            walk.t = a + seg
            if record:
                walk.points.add(walk.t, walk.moved)
        walk.remaining += growth * (max(end, walk.t) - walk.t)
        walk.t = max(end, walk.t)

    # -- many windows at once ---------------------------------------------------------------------

    def _next_touched(self, w: int) -> int:
        """The first window at or after ``w`` that an outage touches (len(opens) if none)."""
        n = len(self.opens_list)
        if w >= n:
            return n
        i = bisect.bisect_right(self.down_ends, self.opens_list[w])
        if i >= len(self.down_starts):
            return n
        return bisect.bisect_right(self.closes_list, self.down_starts[i])

    def advance(self, walk: Walk, growth: float, until: float, tol: float, record: bool) -> Walk:
        """Move the flow on from ``walk`` until its backlog is cleared or ``until``."""
        opens = self.opens_list
        n = len(opens)
        w = bisect.bisect_right(self.closes_list, walk.t)
        if w < n and opens[w] < walk.t:  # already inside window w: finish it exactly
            self.walk_window(w, walk, growth, until, tol, record)
            w += 1
        last = bisect.bisect_right(self.closes_list, until)  # windows wholly before until
        while not walk.done and w < n and opens[w] < until:
            stop = min(self._next_touched(w), last)
            if stop > w:
                self._stretch(w, stop, walk, growth, tol, record)
                if walk.done:
                    return walk
                w = stop
                continue
            self.walk_window(w, walk, growth, until, tol, record)
            w += 1
        if not walk.done and walk.t < until:
            walk.remaining += growth * (until - walk.t)
            walk.t = until
        return walk

    def _stretch(
        self, w: int, stop: int, walk: Walk, growth: float, tol: float, record: bool
    ) -> None:
        """Windows ``w..stop-1``, untouched by outages and wholly before the limit."""
        cum = self.cum_list
        base = cum[w]  # each of these windows starts with a fresh quota
        if growth > 0:
            # backlog at window j's delivery end: R + g (end_j - t) - (cum[j+1] - base)
            keys = self._growth_keys(growth)
            target = walk.remaining - growth * walk.t + base - tol
            if keys is not None:
                j = bisect.bisect_left(keys, target, w, stop)
            else:
                sums = self.cum[w + 1 : stop + 1] - base
                backlog = walk.remaining + growth * (self.ends[w:stop] - walk.t) - sums
                hits = np.flatnonzero(backlog <= tol)
                j = w + int(hits[0]) if hits.size else stop
        else:  # the first window by whose end the cumulative amount covers the backlog
            j = bisect.bisect_left(cum, base + walk.remaining - tol, w + 1, stop + 1) - 1
        if j > w:  # whole windows before the one where the backlog clears (or all of them)
            if record:
                self._record(w, j, walk)
            before = cum[j] - base
            walk.remaining += growth * (self.closes_list[j - 1] - walk.t) - before
            walk.moved += before
            walk.t = self.closes_list[j - 1]
            walk.window, walk.used = j - 1, float(self.amounts[j - 1])
        if j < stop:
            self.walk_window(j, walk, growth, INF, tol, record)

    def _record(self, w: int, stop: int, walk: Walk) -> None:
        moved = walk.moved + (self.cum[w:stop] - self.cum[w])
        times = np.empty(2 * (stop - w))
        values = np.empty(2 * (stop - w))
        times[0::2], times[1::2] = self.opens[w:stop], self.ends[w:stop]
        values[0::2], values[1::2] = moved, moved + self.amounts[w:stop]
        walk.points.times.extend(times.tolist())
        walk.points.values.extend(values.tolist())
