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

The pieces, each in the module named after its concept: the block's records
(:mod:`migrasim.core.block`: ``BlockInputs``, ``BlockResult``, ``row_inputs``), a link's capacity
curve searched for every row at once (:mod:`migrasim.core.curve_search`), a lone flow's phases
for a group of rows (:mod:`migrasim.core.lone_flow`) and the burn-up band
(:mod:`migrasim.core.band`). This module splits a block's lone flows into stacks and groups,
builds each group's link instances (the stacked outages kept by value, :func:`_stacked`) and
solves them; it re-exports the names its callers import from it (``__all__``).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Hashable
from typing import Any

import numpy as np

from migrasim.core import kinds
from migrasim.core.band import _band, _band_sum, _summable
from migrasim.core.block import HORIZON_TOL, BlockInputs, BlockResult, Rows, row_inputs
from migrasim.core.capacity import INF
from migrasim.core.curve_search import _Curve, _Down, _moved, _moved_days, _Segment
from migrasim.core.lone_flow import _Group, _Instance, _Lot, _solve_flow
from migrasim.core.model import Model
from migrasim.core.shipment_batch import shipped_rows

__all__ = [
    "HORIZON_TOL",
    "BlockInputs",
    "BlockResult",
    "CurveCache",
    "_Curve",
    "_Down",
    "_Segment",
    "_down_rows",
    "_link_columns",
    "_make_instance",
    "_moved",
    "_moved_days",
    "_stacked",
    "_stacks",
    "_summable",
    "lone_flows",
    "row_inputs",
    "solve_block",
    "solve_stack",
]


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
