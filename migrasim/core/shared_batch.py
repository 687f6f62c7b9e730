"""Every replication of a block at once, flows sharing a link included. Pure: numpy only.

:mod:`migrasim.core.batch` solves flows alone on their links. This module adds the components
of flows that share one link (``per_flow: false``) and do nothing else: each flow's path is that
one link, which has a byte rate per window (a bandwidth, or a daily cap spread over the window)
and may fail (outages), but no quota that can run out inside a window, no record limit, no lead
time and no fallback; a flow may also pass an own (per-flow) link whose rate is a constant
multiple of the shared link's (:func:`own_link_fits`: water-filling, see :class:`_Phases`).
Their flows may start late, wait for others (``after``, inside the component or across it),
grow and re-send rejections.

Such a component moves in *phases*: while the set of moving flows is fixed (``n`` of them),
max-min fairness gives each ``1/n`` of what the link moves, so from the phase's start ``s`` a
flow with backlog ``R`` growing at ``g`` clears at the first ``t`` with
``M(t) / n - g (t - s) >= R``, ``M`` the link's cumulative capacity from ``s`` less its outages:
the lone flow's search on the link's curve
(:meth:`migrasim.core.curve_search._Curve.first_reach`) with the target and the growth times
``n``, outages counted by :class:`_Outages`. A phase ends at
the first completion or the next flow joining (its start, the end of what it waits for, a
rejection's re-send); every flow then has ``M(t) / n`` more delivered. Every replication takes
its own phases, all rows stepping together, so the cost is the number of phases (about three
per flow with rejections) times a vectorised step; on many flows a step looks only at a window
of them (from the first any row still moves or awaits to every one that may join by then), so
flows that start one after another cost what is under way, not all of them.

:func:`solve_block` solves a whole block: lone flows by :mod:`migrasim.core.batch`, shared
components here, in dependency order. :func:`paths` says which solver each component takes:
a component neither can phase exactly keeps the event engine, for that component only: each
replication's run of :func:`migrasim.core.engine.simulate` on that component alone, with that
replication's inputs, the flows it waits for outside it completing when the batch found they
do (and flows the batch solves after it waiting for its completions). Only if no such order
exists (units waiting, through others, for themselves) does every component keep the engine.
"""

from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from migrasim.core import kinds
from migrasim.core.batch import (
    CurveCache,
    _link_columns,
    _make_instance,
    _stacks,
    lone_flows,
    solve_stack,
)
from migrasim.core.block import HORIZON_TOL, BlockInputs, BlockResult, row_inputs
from migrasim.core.capacity import INF
from migrasim.core.curve_search import _Curve, _Down, _moved, _moved_days, _Segment
from migrasim.core.engine import simulate
from migrasim.core.model import LinkModel, Model
from migrasim.core.solvers.component import TIME_TOL

LONE = "lone"
SHARED = "shared"
ENGINE = "engine"
PATHS = (LONE, SHARED, ENGINE)
"""Which solver a component takes: the lone-flow batch, the shared-link batch, the engine."""


@dataclass(frozen=True)
class ComponentPath:
    """A component (its flows, by index) and the solver it takes (one of :data:`PATHS`)."""

    flows: tuple[int, ...]
    path: str
    link: int  # the shared link (-1: none)


def _plain(link: LinkModel) -> bool:
    """A byte rate per window only: no quota inside a window, record limit, lead time,
    fallback or shipped media."""
    return not (
        link.shipment is not None
        or link.fallback >= 0
        or link.quota_limited
        or link.limits_records
        or any(v < INF for _, v in link.limits)  # a rule the scale below does not carry
        or link.estimates.lead_time is not None
        or link.available > 0
    )


def _kind(link: LinkModel) -> str:
    """How a plain link limits: by a bandwidth, a daily cap spread over its window, or neither."""
    if link.estimates.bandwidth is not None:
        return "bandwidth"
    return "cap" if link.estimates.daily_cap is not None else ""


def own_link_fits(
    model: Model, own: int, shared: int, flow: int, down_keys: set[tuple[int, int]]
) -> bool:
    """Whether flow ``flow``'s own (per-flow) link ``own`` beside the shared link leaves the
    phases exact: a plain link of the same kind (both a bandwidth, or both a daily cap spread
    over the window; a cap beside a bandwidth would be a quota) with the same windows and no
    outages, so its rate is a constant multiple of the shared link's in every window and
    max-min fairness gives each flow a constant fraction of the shared link within a phase."""
    a, b = model.links[own], model.links[shared]
    return (
        a.per_flow
        and _plain(a)
        and _kind(a) != ""
        and _kind(a) == _kind(b)
        and not a.planned
        and a.estimates.mtbf is None
        and (own, flow) not in down_keys
        and (own, -1) not in down_keys
        and a.not_before == -math.inf
        and a.schedule == b.schedule
    )


def shared_link(
    model: Model, members: tuple[int, ...], down_keys: set[tuple[int, int]] | None = None
) -> int:
    """The link a component of several flows shares, if this module can phase it, else -1:
    every flow's path is that one link, or that link and an own link that fits beside it
    (:func:`own_link_fits`); the shared link has a byte rate per window and nothing else
    (:func:`_plain`)."""
    if len(members) < 2:
        return -1
    down_keys = set() if down_keys is None else down_keys
    common = {
        tuple(i for i in model.flows[f].links if not model.links[i].per_flow) for f in members
    }
    if len(common) != 1:
        return -1
    (path,) = common
    if len(path) != 1:
        return -1
    link = model.links[path[0]]
    if link.per_flow or not _plain(link):
        return -1
    for f in members:
        own = [i for i in model.flows[f].links if i != path[0]]
        if len(own) > 1 or (own and not own_link_fits(model, own[0], path[0], f, down_keys)):
            return -1
    return path[0]


def paths(model: Model, down_keys: set[tuple[int, int]]) -> list[ComponentPath]:
    """Each component and the solver it takes: the batch where it can phase the component, else
    the engine for that component. If the pieces cannot be solved in an order (a unit waits,
    through others, for itself), every component keeps the engine."""
    lone = set(lone_flows(model, down_keys))
    out = []
    for members in model.components:
        if len(members) == 1 and members[0] in lone:
            out.append(ComponentPath(members, LONE, -1))
            continue
        link = shared_link(model, members, down_keys)
        out.append(ComponentPath(members, SHARED if link >= 0 else ENGINE, link))
    if all(p.path == ENGINE for p in out) or _units(model, out) is None:
        return [ComponentPath(p.flows, ENGINE, p.link) for p in out]
    return out


def batchable(model: Model, down_keys: set[tuple[int, int]]) -> bool:
    """Whether :func:`solve_block` solves the model at batch speed: every component phased
    (else some, or all, run on the engine one replication at a time)."""
    return all(p.path != ENGINE for p in paths(model, down_keys))


def solvable(model: Model, down_keys: set[tuple[int, int]]) -> bool:
    """Whether :func:`solve_block` solves the model, the components it cannot phase on the
    engine (else the whole engine runs it: nothing is phased, or no order of the pieces)."""
    return any(p.path != ENGINE for p in paths(model, down_keys))


Unit = tuple[str, tuple[int, ...], int]
"""What is solved in one go: (LONE, a stack of lone flows, -1), (SHARED, a component, link) or
(ENGINE, a component, its index in ``model.components``)."""


def _units(model: Model, comps: list[ComponentPath]) -> list[Unit] | None:
    """The stacks of lone flows, the shared components and the engine's in an order in which
    everything a unit waits for is solved before it; None if there is none (a unit waits,
    through others, for itself)."""
    shared = [p for p in comps if p.path == SHARED]
    engine = [p for p in comps if p.path == ENGINE]
    if not shared and not engine:  # lone flows only: their stacks are in dependency order
        return [(LONE, tuple(stack), -1) for stack in _stacks(model)]
    in_other = {f for p in shared + engine for f in p.flows}
    units: list[Unit] = [
        (LONE, tuple(f for f in stack if f not in in_other), -1) for stack in _stacks(model)
    ]
    units = [u for u in units if u[1]]
    units += [(SHARED, p.flows, p.link) for p in shared]
    units += [(ENGINE, p.flows, model.component_of[p.flows[0]]) for p in engine]
    unit_of = {f: i for i, (_, flows, _) in enumerate(units) for f in flows}
    needs = [
        {unit_of[d] for f in flows for d in model.flows[f].after} - {i}
        for i, (_, flows, _) in enumerate(units)
    ]
    # Kahn's order, the first ready unit first (lone stacks keep their own order)
    waiting = [len(n) for n in needs]
    users: list[list[int]] = [[] for _ in units]
    for i, n in enumerate(needs):
        for j in n:
            users[j].append(i)
    ready = [i for i, w in enumerate(waiting) if w == 0]
    heapq.heapify(ready)
    order: list[Unit] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(units[i])
        for j in users[i]:
            waiting[j] -= 1
            if not waiting[j]:
                heapq.heappush(ready, j)
    return order if len(order) == len(units) else None


def solve_block(
    model: Model,
    block: BlockInputs,
    day_ends: np.ndarray,
    band_rows: int,
    cache: CurveCache | None = None,
) -> BlockResult:
    """:func:`migrasim.core.batch.solve_block` for every model :func:`solvable` accepts:
    lone flows as there, shared components by phases, the rest on the engine row by row."""
    comps = paths(model, set(block.down))
    units = None if all(p.path == ENGINE for p in comps) else _units(model, comps)
    if units is None:
        raise ValueError("solve_block cannot phase any component; use the engine")
    cache = {} if cache is None else cache
    n, n_flows = block.rows, len(model.flows)
    finished = np.full((n, n_flows), INF)
    bottleneck = np.full((n, n_flows), -1, dtype=np.int64)
    band_rows = min(band_rows, n)
    times = np.minimum(day_ends, model.horizon)
    delivered = np.zeros((band_rows, len(day_ends)))
    needed = np.zeros(band_rows)
    out = (finished, bottleneck, delivered, needed)
    # Shared components that wait for nothing are solved together, at the first one's turn
    # (their rows stacked in one phase loop where their links' curves agree but for a scale).
    free = [u for u in units if u[0] == SHARED and not any(model.flows[f].after for f in u[1])]
    for i, (kind, flows, link) in enumerate(units):
        if kind == ENGINE:
            if i and units[i - 1][0] == ENGINE:
                continue  # run with the first of its run of engine units
            run = itertools.takewhile(lambda u: u[0] == ENGINE, units[i:])
            _solve_engine(model, block, tuple(u[2] for u in run), day_ends, out)
        elif kind == LONE:
            solve_stack(model, block, list(flows), times, cache, out)
        elif free and (kind, flows, link) == free[0]:
            _solve_shared(model, block, [(u[1], u[2]) for u in free], times, cache, out)
        elif (kind, flows, link) not in free:
            _solve_shared(model, block, [(flows, link)], times, cache, out)
    with np.errstate(divide="ignore", invalid="ignore"):
        progress = np.where(needed[:, None] > 0, np.clip(delivered / needed[:, None], 0, 1), 1.0)
    return BlockResult(finished, bottleneck, progress)


def _solve_engine(
    model: Model,
    block: BlockInputs,
    components: tuple[int, ...],
    day_ends: np.ndarray,
    out: Out,
) -> None:
    """Every row of the block for ``components`` on the engine, one run of them alone per row
    with that row's inputs; the flows they wait for outside them are solved already."""
    finished, bottleneck, delivered, needed = out
    flows = sorted(f for c in components for f in model.components[c])
    inside = set(flows)
    outside = sorted({d for f in flows for d in model.flows[f].after} - inside)
    names = {link.name: i for i, link in enumerate(model.links)}
    band_rows = delivered.shape[0]
    for row in range(block.rows):
        ready = {d: float(finished[row, d]) for d in outside}
        record = row < band_rows
        run = simulate(model, row_inputs(model, block, row), record=record,
                       components=components, ready=ready)  # fmt: skip
        for f, res in zip(flows, run.flows, strict=True):
            finished[row, f] = res.finished_s
            bottleneck[row, f] = -1 if res.bottleneck is None else names[res.bottleneck]
        if record and run.curves is not None:
            for res, (t, cumulative) in zip(run.flows, run.curves, strict=True):
                needed[row] += res.delivered_bytes + res.remaining_bytes
                if t:
                    delivered[row] += np.interp(day_ends, t, cumulative, left=0.0)


# --- one shared component ----------------------------------------------------------------------

Out = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""(finished, bottleneck, delivered, needed) of the block, filled in place."""

_WAIT, _MOVING, _RESEND, _DONE = 0, 1, 2, 3


@dataclass(frozen=True)
class _Part:
    """Rows of one shared component in a phase loop: its flows, its link, the block rows, the
    scale of each row's curve against the loop's and the rows' outages."""

    members: tuple[int, ...]
    link: int
    rows: np.ndarray
    scale: np.ndarray
    down: tuple[np.ndarray, np.ndarray] | None


def _solve_shared(
    model: Model,
    block: BlockInputs,
    comps: list[tuple[tuple[int, ...], int]],
    times: np.ndarray,
    cache: CurveCache,
    out: Out,
) -> None:
    """Every row of the block for shared components (flows, link) that wait for nothing
    outside themselves or, alone, for flows solved before. A link with a byte rate per window
    only (a bandwidth, or a daily cap spread over the window) moves in every row the same
    curve scaled by that row's bandwidth or cap, and links with the same windows the same
    curve too, so rows whose values differ (an uncertain cap or efficiency) and components on
    such links share one phase loop on the first row's curve, each row with its scale. Rows
    the scale cannot carry (a zero or no limit) are solved in groups of equal values."""
    loops: dict[tuple[Any, ...], list[tuple[_Part, list[float]]]] = {}
    for members, link in comps:
        bw, cap = block.bandwidth[:, link], block.cap[:, link]
        value = np.where(np.isfinite(bw), bw, cap)
        sorts = np.isfinite(bw).astype(np.int64) + 2 * ~((value > 0) & np.isfinite(value))
        schedule = model.links[link].schedule
        shape = (np.asarray(schedule.open_s).tobytes(), np.asarray(schedule.close_s).tobytes())
        groups: list[tuple[Any, np.ndarray]] = []
        for kind in np.unique(sorts).tolist():
            rows = np.flatnonzero(sorts == kind)
            if kind < 2:
                groups.append(((kind, *shape), rows))
                continue
            cols = np.stack([c[rows] for c in _link_columns(block, link)], axis=1)
            keys, inverse = np.unique(cols, axis=0, return_inverse=True)
            for g in range(len(keys)):  # each its own loop
                groups.append(((kind, link, g, id(comps)), rows[inverse.reshape(-1) == g]))
        for key, rows in groups:
            spans = block.down.get((link, -1))
            down = None if spans is None else (spans[0][rows], spans[1][rows])
            params = [float(c[rows[0]]) for c in _link_columns(block, link)]
            scale = value[rows] if key[0] < 2 else np.ones(rows.size)
            part = _Part(members, link, rows, scale, down)
            loops.setdefault((*key, members if key[0] >= 2 else ()), []).append((part, params))
    for parts in loops.values():
        first, params = parts[0]
        base = float(first.scale[0])
        curve = _make_instance(
            model, block, first.link, params, 0.0, first.rows[:1], np.full(1, -1), cache, True
        ).curve
        scaled = [_Part(p.members, p.link, p.rows, p.scale / base, p.down) for p, _ in parts]
        seconds = None  # open seconds, for the bottleneck of flows with an own link
        if any(len(model.flows[f].links) > 1 for p in scaled for f in p.members):
            key = (float(first.link), -1.0)  # not a rule's key: (link, *values, per_record)
            seconds = cache.get(key)
            if seconds is None:
                ones = [1.0 if r is kinds.BANDWIDTH else INF for r in kinds.CAPACITY_RULES]
                seconds = cache[key] = _Curve(
                    kinds.curve_arrays(model.links[first.link], ones, 0.0), False
                )
        _Phases(model, block, scaled, curve, times, out, seconds).run()


Origin = tuple[np.ndarray, ...]
"""Per entry, ``C(s)`` and, on a link with outages, :meth:`_Outages._first` at ``s``."""

_LOOK = 8
"""Outages looked at past the last counted before the whole row is (a speed knob)."""


class _Outages:
    """One shared link's outages on each row (rows x K, sorted, disjoint, padded with inf), with
    what each takes from the link (``C(b) - C(a)``) summed along the row, so what the outages
    between two times take, and the first time a backlog clears despite them, cost a few
    searches per row, not a pass over every outage."""

    def __init__(self, curve: _Curve, starts: np.ndarray, ends: np.ndarray) -> None:
        self.curve = curve
        fin = np.isfinite(starts)
        self.a = starts
        self.b = ends
        self.ca = np.where(fin, curve.at(np.where(fin, starts, 0.0)), 0.0)
        self.cb = np.where(fin, curve.at(np.where(fin, ends, 0.0)), 0.0)
        rows = starts.shape[0]
        self.cum = np.concatenate((np.zeros((rows, 1)), np.cumsum(self.cb - self.ca, axis=1)), 1)
        self.width = int(fin.sum(axis=1).max(initial=0))
        self.a, self.b = self.a[:, : self.width], self.b[:, : self.width]
        self.ca, self.cb = self.ca[:, : self.width], self.cb[:, : self.width]
        self.cum = self.cum[:, : self.width + 1]
        self.over = np.zeros(rows, dtype=np.int64)  # per row: outages over by its last time

    def _count(
        self, side: np.ndarray, rows: np.ndarray, base: np.ndarray, t: np.ndarray, strict: bool
    ) -> np.ndarray:
        """Per entry, how many of its row's ``side`` times (outage starts or ends) are before
        ``t`` (``strict``) or at or before it, given that the first ``base`` are: a look at the
        next few first, the whole row only for entries past them (or when the row is no
        longer than a look)."""
        if self.width <= _LOOK:  # the whole row is no more than a look
            whole = side[rows]
            return np.asarray((whole < t[:, None] if strict else whole <= t[:, None]).sum(axis=1))
        look = _LOOK
        idx = base[:, None] + np.arange(look)[None, :]
        inside = idx < self.width
        near = np.where(inside, side[rows[:, None], np.minimum(idx, self.width - 1)], INF)
        hit = near < t[:, None] if strict else near <= t[:, None]
        count = base + hit.sum(axis=1)
        far = np.flatnonzero(count - base == look)
        if far.size:
            whole = side[rows[far]]
            tt = t[far, None]
            count[far] = (whole < tt if strict else whole <= tt).sum(axis=1)
        return np.asarray(count)

    def _first(self, rows: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per entry: the first outage not over by ``s`` and what of it passed before ``s``
        (``C(s) - C(a)`` if it is under way at ``s``, else 0). Each row's times only move on,
        so the search starts where its last one ended (``self.over``)."""
        p = self._count(self.b, rows, self.over[rows], s, strict=False)
        self.over[rows] = p
        pp = np.minimum(p, max(self.width - 1, 0))
        under_way = (p < self.width) & (self.a[rows, pp] < s)
        early = np.where(under_way, self.curve.at(s) - self.ca[rows, pp], 0.0)
        return p, early

    def origin(self, rows: np.ndarray, s: np.ndarray) -> Origin:
        """What :meth:`moved` and :meth:`clear` from ``s`` would each find first (``C(s)``, and
        :meth:`_first` if the link has outages), found once for every search from ``s``."""
        return (self.curve.at(s), *self._first(rows, s)) if self.width else (self.curve.at(s),)

    def moved(
        self, rows: np.ndarray, s: np.ndarray, t: np.ndarray, origin: Origin | None = None
    ) -> np.ndarray:
        """What the link moves from ``s`` to ``t`` (each entry its row's outages; ``origin``:
        :meth:`origin` of these entries, if found)."""
        curve = self.curve
        origin = self.origin(rows, s) if origin is None else origin
        raw = curve.at(t) - origin[0]
        if not self.width:
            return np.asarray(np.maximum(raw, 0.0))
        p, early = origin[1], origin[2]
        q = self._count(self.a, rows, p, t, strict=True)  # begun by t: p..q-1 overlap
        some = q > p
        lost = self.cum[rows, q] - self.cum[rows, p] - np.where(some, early, 0.0)
        last = np.maximum(q - 1, 0)
        late = some & (self.b[rows, last] > t)
        with np.errstate(invalid="ignore"):  # t inf: masked
            lost -= np.where(late, self.cb[rows, last] - curve.at(np.where(late, t, 0.0)), 0.0)
        return np.asarray(np.maximum(raw - lost, 0.0))

    def clear(
        self, rows: np.ndarray, s: np.ndarray, x: np.ndarray, g: np.ndarray,
        origin: Origin | None = None,
    ) -> np.ndarray:  # fmt: skip
        """Per entry, the first ``t >= s`` with ``C(t) - C(s) - lost(s, t) - g t >= x``, inf
        if none (it does not hold at ``s``; ``origin``: :meth:`origin` of these entries, if
        found). The candidate that counts the first ``i`` outages (searched from the end of
        the ``i``-th) stands if no further outage begins before it; else count those that do
        and search again (the count only grows, and no gap it skips can hold the answer: the
        backlog was not cleared there even with fewer outages counted)."""
        curve = self.curve
        origin = self.origin(rows, s) if origin is None else origin
        target = x + origin[0]
        if not self.width:
            return curve.first_reach(s, target, g)
        p, early = origin[1], origin[2]
        out = np.full(s.shape, INF)
        counted = p.copy()
        todo = np.arange(s.size)
        while todo.size:
            r, c, pt = rows[todo], counted[todo], p[todo]
            some = c > pt
            lost = self.cum[r, c] - self.cum[r, pt] - np.where(some, early[todo], 0.0)
            lb = np.where(some, np.maximum(s[todo], self.b[r, np.maximum(c - 1, 0)]), s[todo])
            t = curve.first_reach(lb, target[todo] + lost, g[todo])
            now = self._count(self.a, r, c, t, strict=True)
            stands = now <= c
            out[todo[stands]] = t[stands]
            counted[todo] = now
            todo = todo[~stands]
        return out


_PER_FLOW = ("volume", "growth", "fraction", "delay", "ready", "tol", "state", "phase", "join",
             "rem", "got", "t1", "final", "started")  # fmt: skip
"""The phase loop's arrays with a column per flow."""
_WINDOW = 128
"""Above this many flows a loop steps on a window of them (``_Phases._slide``), this many wide
at least (a speed knob)..."""
_WINDOW_EVERY = 8
"""... and moves its start past the flows no longer in play every this many steps."""


_TIE = 1.0 + 1e-12
"""An own limit within this factor of the fair share binds (the engine's tie, in its bytes/s,
goes to the own link; the sums of own limits here, in fractions of the link, can round off
it)."""


def _outage_table(parts: list[_Part], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The parts' outages stacked (a position per row, padded with inf): starts and ends."""
    downs = [
        p.down if p.down is not None
        else (np.full((p.rows.size, 0), INF), np.full((p.rows.size, 0), INF))
        for p in parts
    ]  # fmt: skip
    wide = max(d[0].shape[1] for d in downs)
    starts = np.full((n, wide), INF)
    ends = np.full((n, wide), INF)
    offsets = np.cumsum([0] + [p.rows.size for p in parts]).tolist()
    for (a, b), lo in zip(downs, offsets, strict=False):
        starts[lo : lo + a.shape[0], : a.shape[1]] = a
        ends[lo : lo + a.shape[0], : a.shape[1]] = b
    return starts, ends


class _Phases:
    """Shared components on rows of a block with one curve: the phase loop (module doc). The
    parts' rows are stacked (a position each) and their flows padded to the widest part.

    Per (position, flow): its state (waiting to start, moving, waiting to re-send rejections,
    done), which phase it is in (1 or 2), when it joins next (inf: not known yet or never), its
    backlog now, what it has delivered and when its first phase ended.

    A flow with an own link beside the shared one (:func:`own_link_fits`) has a rate limit
    ``ratio`` times the shared link's; each phase then water-fills (:meth:`_shares`): flows
    whose own limit is below the fair share take it, the rest share what is left, every one a
    constant fraction of the link within the phase. ``seconds`` (the link's open seconds as a
    curve) counts the time each link set such a flow's rate, for its bottleneck."""

    def __init__(
        self,
        model: Model,
        block: BlockInputs,
        parts: list[_Part],
        curve: _Curve,
        times: np.ndarray,
        out: Out,
        seconds: _Curve | None = None,
    ) -> None:
        self.model, self.parts, self.curve, self.times = model, parts, curve, times
        self.finished, self.bottleneck, self.delivered_out, self.needed_out = out
        self.horizon = model.horizon
        sizes = [p.rows.size for p in parts]
        self.offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        n, width = int(self.offsets[-1]), max(len(p.members) for p in parts)
        self.rows = np.concatenate([p.rows for p in parts])  # block row of each position
        self.scale = np.concatenate([p.scale for p in parts])  # its curve is ``curve`` x this
        self.link = np.concatenate([np.full(p.rows.size, p.link) for p in parts])
        shape = (n, width)
        self.volume = np.ones(shape)
        self.growth = np.zeros(shape)
        self.fraction = np.zeros(shape)
        self.delay = np.zeros(shape)
        self.ready = np.full(shape, INF)  # padding never joins
        self.ratio = np.full(shape, INF)  # own limit / the shared link's (inf: no own link)
        self.own = np.full(shape, -1, dtype=np.int64)  # the own link (-1: none)
        self.inner: list[list[int]] = [[] for _ in range(width)]
        for part, lo in zip(parts, self.offsets.tolist(), strict=False):
            at = slice(lo, lo + part.rows.size)
            k = len(part.members)
            cols = np.ix_(part.rows, np.asarray(part.members, dtype=np.int64))
            self.volume[at, :k] = block.volume[cols]
            self.growth[at, :k] = block.growth[cols]
            self.fraction[at, :k] = block.fraction[cols]
            self.delay[at, :k] = block.delay[cols]
            self._own_limits(block, part, at)
            self._starts(part, at)
        self.tol = np.maximum(1e-3, self.volume * 1e-13)  # the engine's bytes_tol
        self.has_inner = any(self.inner)
        self.shrinking = bool((self.growth < 0).any())  # a backlog may fall while it waits
        self.state = np.full(shape, _WAIT, dtype=np.int8)
        self.phase = np.ones(shape, dtype=np.int8)
        self.join = np.where(
            [not deps for deps in self.inner], self.ready, INF
        ) if self.has_inner else self.ready.copy()  # fmt: skip
        self.join[self.join > self.horizon] = INF
        self.rem = np.zeros(shape)
        self.got = np.zeros(shape)
        self.t1 = np.zeros(shape)
        self.final = np.full(shape, INF)  # the flow's completion (both phases)
        self.started = np.zeros(shape, dtype=bool)
        self.in_band = self.rows < self.delivered_out.shape[0]
        starts, ends = _outage_table(parts, n)
        wide = starts.shape[1]
        self.down = _Down(starts, ends, np.arange(n)) if wide else None
        self.outages = _Outages(curve, starts, ends)
        self.has_own = bool((self.own >= 0).any())
        if self.has_own:  # seconds each link set the rate of a flow with an own link
            assert seconds is not None
            self.open = _Outages(seconds, starts, ends)
            self.own_s = np.zeros(shape)
            self.link_s = np.zeros(shape)
        # the link's average rate over its calendar (bytes/s): only to guess which flow
        # clears first
        span = float(curve.ends[-1] - curve.opens[0]) if len(curve.opens) else 0.0
        self.rate = float(curve.cum[-1]) / span if span > 0 else 0.0
        # band rows' phases: (rows, start, end, the share of the link used: 1 unless every
        # moving flow is held below it by its own link)
        self.busy: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.origin: Origin = ()  # the step's (``_Outages.origin`` of the busy rows at its start)
        # The per-flow arrays, whole; the loop sees a window of their columns (``_slide``).
        self.whole = {name: getattr(self, name) for name in _PER_FLOW}
        self.lo, self.hi = 0, width
        self.ext = np.full(n, INF)  # per position: the first join among columns past the window

    def _own_limits(self, block: BlockInputs, part: _Part, at: slice) -> None:
        """Each flow of ``part`` with an own link beside the shared one: that link, and its
        limit as a multiple of the shared link's rate (same kind, same windows)."""
        for j, f in enumerate(part.members):
            own = [i for i in self.model.flows[f].links if i != part.link]
            if not own:
                continue
            self.own[at, j] = own[0]
            by_bw = np.isfinite(block.bandwidth[part.rows, part.link])
            mine = np.where(by_bw, block.bandwidth[part.rows, own[0]],
                            block.cap[part.rows, own[0]])  # fmt: skip
            link = np.where(by_bw, block.bandwidth[part.rows, part.link],
                            block.cap[part.rows, part.link])  # fmt: skip
            with np.errstate(divide="ignore", invalid="ignore"):
                self.ratio[at, j] = np.where(link > 0, mine / link, INF)

    def _starts(self, part: _Part, at: slice) -> None:
        """The earliest start of each flow of ``part``: its own, after every flow outside the
        component it waits for (solved before); flows inside it are waited for as the phases
        go (``inner``; a part with these is alone in its loop)."""
        pos = {f: j for j, f in enumerate(part.members)}
        for j, f in enumerate(part.members):
            flow = self.model.flows[f]
            start = np.full(part.rows.size, max(flow.earliest, 0.0))
            for d in flow.after:
                if d not in pos:
                    start = np.maximum(start, self.finished[part.rows, d])
            self.ready[at, j] = start
            inner = [pos[d] for d in flow.after if d in pos]
            if inner:
                self.inner[j] = inner

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> None:
        first = self.join.min(axis=1)
        t = np.where(np.isfinite(first), first, INF)
        live = np.flatnonzero(t <= self.horizon)
        width = self.hi
        # (flows behind own links keep every column: their own-link arrays are whole)
        windowed = width > _WINDOW and not self.has_inner and not self.has_own
        if windowed:
            self._show(0, 0)
        steps = 0
        while live.size:
            tl = t[live]
            if windowed:
                self._slide(live, tl, steps % _WINDOW_EVERY == 0)
            steps += 1
            self._join(live, tl)
            n = (self.state[live] == _MOVING).sum(axis=1)
            upcoming = self.join[live].min(axis=1)  # finite only for a flow yet to join
            if windowed:
                upcoming = np.minimum(upcoming, self.ext[live])
            end = upcoming.copy()
            busy = n > 0
            if busy.any():
                b = live[busy]
                inv, own = self._shares(b, n[busy])
                done_at, times, bound, got = self._next_completion(b, tl[busy], inv, upcoming[busy])
                end[busy] = np.minimum(done_at, upcoming[busy])
                over = end[busy] > self.horizon + HORIZON_TOL
                stop = np.where(over, self.horizon, end[busy])
                self._advance(b, tl[busy], stop, inv, bound, got, own)
                self._complete(b[~over], stop[~over], times[~over])
            t[live] = end  # inf where nothing moves or is to join: that row is done
            live = live[end <= self.horizon + HORIZON_TOL]
        self._show(0, width)
        self._write()

    def _show(self, lo: int, hi: int, ext: np.ndarray | None = None) -> None:
        """Let the loop see columns ``lo`` to ``hi`` of the per-flow arrays (views: what it
        writes there is written to the whole), and note each position's first join past them
        (``ext`` if found)."""
        self.lo, self.hi = lo, hi
        for name, whole in self.whole.items():
            setattr(self, name, whole[:, lo:hi])
        self.ext = self._past(hi) if ext is None else ext

    def _past(self, hi: int) -> np.ndarray:
        """Per position, the first join among the columns from ``hi`` on (inf: none)."""
        rest = self.whole["join"][:, hi:]
        return rest.min(axis=1) if rest.shape[1] else np.full(rest.shape[0], INF)

    def _slide(self, live: np.ndarray, t: np.ndarray, trim: bool) -> None:
        """The window on many flows: past every column none of the live positions will touch
        again (not moving, nothing to join: done, or never to start), and on to every column
        that may join by ``t``. Columns past it have not been touched (their join is their
        start), so their first join is known; the loop takes it as an event. Each step then
        costs the flows in the window, not all of them (staggered starts: those under way)."""
        lo, hi = self.lo, self.hi
        if trim:
            idle = ((self.state[live] != _MOVING) & (self.join[live] == INF)).all(axis=0)
            busy = np.flatnonzero(~idle)
            lo += int(busy[0]) if busy.size else hi - lo
        width = self.whole["join"].shape[1]
        more, ext = _WINDOW, self.ext
        while hi < width and (hi - lo < _WINDOW or (ext[live] <= t).any()):
            hi = min(width, hi + more)
            more *= 2
            ext = self._past(hi)
        if (lo, hi) != (self.lo, self.hi):
            self._show(lo, hi, ext)

    def _join(self, live: np.ndarray, t: np.ndarray) -> None:
        """Flows whose join time has come start a phase: the volume and what grew since the
        scenario start, or the re-sent rejections and what grew since the first phase ended."""
        joins = self.join[live] <= t[:, None]  # finite only for a flow yet to join
        if not joins.any():
            return
        r, k = np.nonzero(joins)
        rr = live[r]
        now = t[r]
        g = self.growth[rr, k]
        first = self.state[rr, k] == _WAIT
        fr = self.fraction[rr, k]
        again = (self.volume[rr, k] + g * self.t1[rr, k]) * fr / np.where(first, 1.0, 1.0 - fr)
        self.rem[rr, k] = np.where(
            first, self.volume[rr, k] + g * now, again + g * (now - self.t1[rr, k])
        )
        self.phase[rr, k] = np.where(first, 1, 2)
        self.started[rr, k] |= first
        self.state[rr, k] = _MOVING
        self.join[rr, k] = INF

    def _shares(self, rows: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Per (row, flow): the inverse of the fraction of the link the flow moves at in this
        phase (``n`` with ``n`` flows moving and no own links; inf: not moving), and which
        moving flows their own link limits (None: no own links). Water-filling, as the
        engine's progressive filling: the smallest own limits first, each taken while it is at
        most the fair share of what is left (a tie goes to the own link)."""
        moving = self.state[rows] == _MOVING
        if not self.has_own:
            return np.where(moving, n.astype(float)[:, None], INF), None
        a = np.where(moving, self.ratio[rows], INF)
        order = np.sort(a, axis=1)
        finite = np.where(np.isfinite(order), order, 0.0)
        before = np.cumsum(finite, axis=1)  # the own limits below each
        before = np.concatenate((np.zeros((rows.size, 1)), before[:, :-1]), axis=1)
        rest = n[:, None] - np.arange(a.shape[1])[None, :]  # flows from each on
        with np.errstate(divide="ignore", invalid="ignore"):
            level = (1.0 - before) / rest
            shared = (rest > 0) & (order > level * _TIE)
        some = shared.any(axis=1)
        j = shared.argmax(axis=1)
        here = np.arange(rows.size)
        fair = np.where(some, level[here, j], INF)
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_fair = np.where(some, rest[here, j] / (1.0 - before[here, j]), INF)
            own = moving & (a <= fair[:, None] * _TIE)
            inv = np.where(own, 1.0 / a, np.where(moving, inv_fair[:, None], INF))
        return inv, own

    def _clear_at(
        self, rows: np.ndarray, k: np.ndarray, t: np.ndarray, inv: np.ndarray,
        origin: Origin | None = None,
    ) -> np.ndarray:  # fmt: skip
        """When flow ``k`` of each row would clear moving at ``1 / inv`` of the link from ``t``
        on."""
        g = self.growth[rows, k] * inv
        scale = self.scale[rows]
        x = (inv * self.rem[rows, k] - g * t) / scale
        return self.outages.clear(rows, t, x, g / scale, origin)

    def _next_completion(
        self, rows: np.ndarray, t: np.ndarray, inv: np.ndarray, upcoming: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per row, the first completion with the moving set as it is (inf: none), when each
        flow would clear (inf: not before that, or not solved), and the bound the search used
        with what the link moved by it. One flow first, the one that looks soonest (its
        backlog over its share of the link's average rate less its growth: only a guess, for
        speed); then only flows whose backlog is within what each flow gets by the earlier of
        its completion and the next join can clear before that (growth only delays a flow),
        so only they are solved."""
        moving = self.state[rows] == _MOVING
        rem = np.where(moving, self.rem[rows], INF)
        growth = self.growth[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            net = (self.rate * self.scale[rows])[:, None] / inv - growth
            guess = np.where(moving & (net > 0), rem / net, INF)
        here = np.arange(rows.size)
        k0 = guess.argmin(axis=1)
        none = np.flatnonzero(np.isinf(guess[here, k0]))  # no finite guess: the least backlog
        if none.size:
            k0[none] = rem[none].argmin(axis=1)
        # every search this step starts at t: what each would find there first, found once
        self.origin = origin = self.outages.origin(rows, t)
        first = self._clear_at(rows, k0, t, inv[here, k0], origin)
        bound = np.minimum(first, upcoming)
        finite = np.isfinite(bound)
        share = np.full(rem.shape, INF)
        got = np.zeros(rows.size)
        if finite.any():
            got = self.outages.moved(rows, t, np.where(finite, bound, t), origin) * self.scale[rows]
            share = np.where(finite[:, None], got[:, None] / inv, INF)
        maybe = moving & (rem <= share + self.tol[rows])
        if self.shrinking:
            maybe |= moving & (growth < 0)
        maybe[here, k0] = False
        times = np.full(rem.shape, INF)
        times[here, k0] = first
        r, k = np.nonzero(maybe)
        if r.size:
            times[r, k] = self._clear_at(rows[r], k, t[r], inv[r, k], tuple(o[r] for o in origin))
        return times.min(axis=1), times, np.where(finite, bound, -INF), got

    def _advance(
        self, rows: np.ndarray, t: np.ndarray, stop: np.ndarray, inv: np.ndarray,
        bound: np.ndarray, got: np.ndarray, own: np.ndarray | None = None,
    ) -> None:  # fmt: skip
        """Move every moving flow of ``rows`` from ``t`` to ``stop``: each gets ``1/inv`` of
        what the link moves (``got`` where ``stop`` is the ``bound`` it was computed for), its
        backlog grows meanwhile (``self.origin``: this step's, from :meth:`_next_completion`);
        the open seconds go to the link that set each rate."""
        moved = got.copy()
        again = stop != bound
        if again.any():
            a = np.flatnonzero(again)
            origin = tuple(o[a] for o in self.origin)
            moved[a] = self.outages.moved(rows[a], t[a], stop[a], origin) * self.scale[rows[a]]
        moving = self.state[rows] == _MOVING
        each = np.where(moving, moved[:, None] / inv, 0.0)
        if own is not None:
            secs = self.open.moved(rows, t, stop)[:, None]
            self.own_s[rows] += np.where(own, secs, 0.0)
            self.link_s[rows] += np.where(moving & ~own, secs, 0.0)
        dt = (stop - t)[:, None]
        self.got[rows] += each
        rem = self.rem[rows]
        self.rem[rows] = np.where(moving, rem - each + self.growth[rows] * dt, rem)
        band = self.in_band[rows]
        if band.any():
            used = np.ones(rows.size)
            if own is not None:
                used = np.minimum(1.0, np.where(moving, 1.0 / inv, 0.0).sum(axis=1))
            self.busy.append((rows[band], t[band], stop[band], used[band]))

    def _complete(self, rows: np.ndarray, t: np.ndarray, times: np.ndarray) -> None:
        """Flows of ``rows`` that clear at ``t``: within the engine's tolerances (a solved
        completion within a microsecond, or a backlog of dust)."""
        if not rows.size:
            return
        moving = self.state[rows] == _MOVING
        due = moving & ((times <= t[:, None] + TIME_TOL) | (self.rem[rows] <= self.tol[rows]))
        r, k = np.nonzero(due)
        if not r.size:
            return
        rr, now = rows[r], t[r]
        self.rem[rr, k] = 0.0
        resend = (self.phase[rr, k] == 1) & (self.fraction[rr, k] > 0)
        self.t1[rr, k] = np.where(self.phase[rr, k] == 1, now, self.t1[rr, k])
        again = self.delay[rr, k] + now
        self.state[rr, k] = np.where(resend, _RESEND, _DONE)
        self.join[rr, k] = np.where(resend & (again <= self.horizon), again, INF)
        last = ~resend
        self.final[rr[last], k[last]] = np.minimum(now[last], self.horizon)
        if self.has_inner and last.any():
            self._release(np.unique(rr[last]))

    def _release(self, rows: np.ndarray) -> None:
        """Flows of ``rows`` waiting for flows of the component: their join time once every
        one of those is done."""
        for k, deps in enumerate(self.inner):
            if not deps:
                continue
            waiting = rows[self.state[rows, k] == _WAIT]
            if not waiting.size:
                continue
            last = self.final[np.ix_(waiting, deps)].max(axis=1)
            when = np.maximum(self.ready[waiting, k], last)
            self.join[waiting, k] = np.where(when <= self.horizon, when, INF)

    # -- results ----------------------------------------------------------------------------

    def _write(self) -> None:
        for part, lo in zip(self.parts, self.offsets.tolist(), strict=False):
            at = slice(lo, lo + part.rows.size)
            for k, f in enumerate(part.members):
                self.finished[part.rows, f] = self.final[at, k]
                link = np.full(part.rows.size, part.link)
                if self.has_own:  # the link that set its rate longest (a tie: the shared)
                    link = np.where(self.own_s[at, k] > self.link_s[at, k], self.own[at, k], link)
                self.bottleneck[part.rows, f] = np.where(self.started[at, k], link, -1)
        if self.in_band.any():
            self._band()

    def _band(self) -> None:
        """Each band row's delivery by every day end (the link's capacity, less its outages,
        over the phases in which anything moved, times the share of it used) and what its
        flows owed in all."""
        band = np.flatnonzero(self.in_band)  # positions
        m = band.size
        rows = self.rows[band]
        times = self.times
        n_days = times.size
        owed = self.got[band] + np.where(self.state[band] == _MOVING, self.rem[band], 0.0)
        np.add.at(self.needed_out, rows, owed.sum(axis=1))
        if not self.busy or not n_days:
            return
        which = np.searchsorted(band, np.concatenate([b[0] for b in self.busy]))
        t0 = np.concatenate([b[1] for b in self.busy])
        t1 = np.concatenate([b[2] for b in self.busy])
        used = np.concatenate([b[3] for b in self.busy])
        zero = _Segment(np.zeros(m), np.zeros(m), np.zeros(m))
        down = None if self.down is None else self.down.take(band)
        at_days = _moved_days(self.curve, zero, down, times) * self.scale[band, None]  # C'(day)
        ends = np.concatenate([t0, t1])
        owner = np.concatenate([which, which])
        zero_e = _Segment(np.zeros(ends.size), np.zeros(ends.size), np.zeros(ends.size))
        d = None if down is None else down.take(owner)
        at_ends = _moved(self.curve, zero_e, d, ends) * self.scale[band][owner]
        c0, c1 = at_ends[: t0.size], at_ends[t0.size :]
        first = np.searchsorted(times, t0, side="left")
        last = np.maximum(np.searchsorted(times, t1, side="left"), first)
        width = n_days + 1
        a = np.zeros(m * width)
        b = np.zeros(m * width)
        np.add.at(a, which * width + first, used)
        np.add.at(a, which * width + last, -used)
        np.add.at(b, which * width + first, -c0 * used)
        np.add.at(b, which * width + last, c1 * used)
        a_days = np.cumsum(a.reshape(m, width), axis=1)[:, :n_days]
        b_days = np.cumsum(b.reshape(m, width), axis=1)[:, :n_days]
        np.add.at(self.delivered_out, rows, np.maximum(a_days * at_days + b_days, 0.0))
