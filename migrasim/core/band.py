"""The burn-up band: bytes each of the first rows of a block delivered by each day end.

For the band's rows (the first ``band_rows`` replications of a block), :func:`_band` gives a
group's entries' delivery by each day end and what they owe in all, flow by flow;
:func:`_band_sum` gives the same for every entry of a group on one link without quota or
fallback (:func:`_summable`) at once, by difference arrays. Pure: numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migrasim.core.block import Rows
from migrasim.core.capacity import INF
from migrasim.core.curve_search import _Segment
from migrasim.core.lone_flow import _Group, _Phase, _Solved, _subgroup, _take


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
    arrays, summed along the days: :class:`_Steps`)."""
    horizon = solved.horizon
    steps = _Steps(solved.group, rows[band], band, times)
    due = _owing(solved, band)
    t1 = due.p1.finished
    steps.phase(
        np.arange(band.size), due.p1.main_seg, np.where(t1 <= horizon, t1, INF), due.cleared1
    )
    if due.p2 is not None:
        t2 = due.p2.finished
        steps.phase(due.mine, due.p2.main_seg, np.where(t2 <= horizon, t2, INF), due.cleared2)
    steps.add_to(delivered)
    np.add.at(needed, rows[band], due.owed)


class _Steps:
    """The step functions ``A`` and ``B`` of :func:`_band_sum` for a group's band entries, as
    difference arrays: per step, the rows of the arrays it falls on, its days and its values
    (a span adds its value on its first day ``lo`` and takes it off on its day ``hi``)."""

    def __init__(self, group: _Group, at: np.ndarray, band: np.ndarray, times: np.ndarray) -> None:
        self.curve = group.main.curve
        self.down = group.main.down
        self.at = at  # each entry's row of the difference arrays
        self.band = band
        self.times = times
        self.a_row: list[np.ndarray] = []
        self.a_day: list[np.ndarray] = []
        self.a_val: list[np.ndarray] = []
        self.b_row: list[np.ndarray] = []
        self.b_day: list[np.ndarray] = []
        self.b_val: list[np.ndarray] = []

    def span(self, where: np.ndarray, lo: np.ndarray, hi: np.ndarray, a: np.ndarray | float,
             b: np.ndarray | float) -> None:  # fmt: skip
        """Days lo..hi of the entries in rows ``where``: A += a, B += b."""
        for row, day, val, w in (
            (self.a_row, self.a_day, self.a_val, a),
            (self.b_row, self.b_day, self.b_val, b),
        ):
            w = np.broadcast_to(np.asarray(w, dtype=float), lo.shape)
            row += [where, where]
            day += [lo, hi]
            val += [w, -w]

    def phase(self, pick: np.ndarray, seg: _Segment, done: np.ndarray, cleared: np.ndarray) -> None:
        """A phase of the entries ``pick`` (of ``band``) from ``seg.start`` to ``done``."""
        times, n_days = self.times, self.times.size
        where = self.at[pick]
        s = seg.start
        first = np.searchsorted(times, s, side="left")
        last = np.searchsorted(times, done, side="left")  # from here on: cleared
        last = np.maximum(last, first)
        self.span(where, first, last, 1.0, -self.curve.at(s))
        finite = np.isfinite(cleared)
        self.span(where[finite], last[finite], np.full(finite.sum(), n_days), 0.0, cleared[finite])
        if self.down is not None:
            self.outages(pick, where, s, done, last)

    def outages(
        self, pick: np.ndarray, where: np.ndarray, s: Rows, done: np.ndarray, last: np.ndarray
    ) -> None:
        """The losses of the outages that start before the phase of ``pick`` is ``done``, up to
        the day ``last`` from which it has cleared."""
        down, curve, times = self.down, self.curve, self.times
        assert down is not None
        entry = self.band[pick]
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
        self.span(where[k[0]], ia, ib, -1.0, ca)  # inside the outage: C(a) - C(day) each day
        self.span(where[k[0]], ib, stop, 0.0, ca - curve.at(b))  # after it: C(b) - C(a) lost

    def add_to(self, delivered: np.ndarray) -> None:
        """``A(day) C(day) + B(day)`` (at least 0) per row, added into ``delivered``."""
        n_days = self.times.size
        # Past the last day on which a step falls (inside the days), A stays 0 and B constant
        # when every phase has ended by then: the sums are built to that day, whose column
        # stands for every later one (the same numbers as summing them all).
        days_a = np.concatenate(self.a_day)
        days_b = np.concatenate(self.b_day)
        vals_a = np.concatenate(self.a_val)
        last = int(
            max(days_a[days_a < n_days].max(initial=0), days_b[days_b < n_days].max(initial=0))
        )
        if np.any((days_a >= n_days) & (vals_a != 0)):
            last = n_days - 1  # a phase still going on the last day: no cut
        width = last + 2  # days 0..last and one column for the steps past them

        def summed(row: list[np.ndarray], day: np.ndarray, val: np.ndarray) -> np.ndarray:
            flat = np.concatenate(row) * width + np.minimum(day, last + 1)
            steps = np.bincount(flat, val, minlength=delivered.shape[0] * width)
            return np.cumsum(steps.reshape(-1, width), axis=1)[:, : last + 1]

        a_days = summed(self.a_row, days_a, vals_a)
        b_days = summed(self.b_row, days_b, np.concatenate(self.b_val))
        got = np.maximum(a_days * self.curve.at_days(self.times)[None, : last + 1] + b_days, 0.0)
        delivered[:, : last + 1] += got
        delivered[:, last + 1 :] += got[:, last:]
