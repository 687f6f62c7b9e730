"""Every uncertain input of a block of replications at once, as numpy arrays. Pure.

Replications come in blocks of :data:`BLOCK_SIZE` (a constant of the method, not of the number
of workers): block ``b`` holds replications ``b * BLOCK_SIZE ..`` and draws from
``SeedSequence(seed, spawn_key=(b, key_hash(key)))``, one sub-stream per input named by its key
path (``flows[Cardiff].volume``, ``links[capped].outages@Cardiff``). So a replication's inputs
depend only on (seed, its block, its row), adding blocks never changes the ones already drawn,
and the same input gets the same draws in every scenario run with the same seed (common random
numbers). A block's first ``rows`` replications can be drawn alone: each input's stream gives
its rows in order, so they are the first rows of the whole block's draw. Random outages are the
exception (a stream's repairs follow every row's up times), so they are always drawn for the
whole block, then cut.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from migrasim.analysis import uncertain
from migrasim.core import kinds
from migrasim.core.batch import BlockInputs, row_inputs
from migrasim.core.capacity import INF
from migrasim.core.distributions import Estimate, beta_inverse, key_hash, normal_cdf_array
from migrasim.core.model import Inputs, Model, Value, flow_path_links, merge_intervals
from migrasim.scenario.types import Scenario, Uncertain, as_value

BLOCK_SIZE = 1000
"""Replications per block: part of the method (it fixes which stream each one draws from)."""

_CHUNK = 32
"""Outage cycles drawn per step, per row."""

_MEMO: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_MEMO_BYTES = 0
MEMO_LIMIT_BYTES = 256 * 2**20
"""Drawn arrays kept per process (least recently used dropped first)."""


def _memo(key: tuple[Any, ...], make: Any) -> Any:
    """The arrays ``make()`` returns for ``key``, drawn once per process.

    A draw depends only on its key: (seed, block, input key path, the input's specification,
    its group's correlation, what else it depends on). So every run with the same seed — each
    point of a ``solve``, each variant of a ``compare``, each scenario of a sweep — gets back
    the very arrays an earlier run drew for an input it did not change: common random numbers
    exactly, and no input is drawn twice. Memory is bounded by :data:`MEMO_LIMIT_BYTES`.
    """
    global _MEMO_BYTES
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return _MEMO[key]
    value = make()
    arrays = value if isinstance(value, tuple) else (value,)
    size = sum(int(a.nbytes) for a in arrays)
    _MEMO[key] = value
    _MEMO_BYTES += size
    while _MEMO_BYTES > MEMO_LIMIT_BYTES and len(_MEMO) > 1:
        _, old = _MEMO.popitem(last=False)
        olds = old if isinstance(old, tuple) else (old,)
        _MEMO_BYTES -= sum(int(a.nbytes) for a in olds)
    return value


def clear_memo() -> None:
    """Forget every memoised draw (tests and benchmarks use it to time fresh draws)."""
    global _MEMO_BYTES
    _MEMO.clear()
    _MEMO_BYTES = 0


class _Streams:
    """Uniforms of one block, one sub-stream per input key."""

    def __init__(self, seed: int, block: int, rows: int) -> None:
        self.seed, self.block, self.rows = seed, block, rows

    def rng(self, key: str) -> np.random.Generator:
        seq = np.random.SeedSequence(self.seed, spawn_key=(self.block, key_hash(key)))
        return np.random.Generator(np.random.PCG64(seq))

    def uniform(self, key: str) -> np.ndarray:
        """Uniforms in (0, 1), never exactly 0 or 1."""
        return self.rng(key).random(self.rows) + 2.0**-54


def _draw(
    streams: _Streams,
    correlation: Mapping[str, float],
    value: Value | Uncertain | None,
    key: str,
    default: float,
) -> np.ndarray:
    """One input for every row: its constant, or its estimate at correlated uniforms."""
    if value is None:
        return np.full(streams.rows, default)
    parsed = value if isinstance(value, Estimate) else as_value(value)
    if not isinstance(parsed, Estimate):
        return np.full(streams.rows, parsed)
    if parsed.high <= parsed.low:
        return np.full(streams.rows, parsed.likely)
    rho = None if parsed.group is None else correlation[parsed.group]
    memo_key = ("input", streams.seed, streams.block, streams.rows, key, parsed, rho)
    return _memo(memo_key, lambda: _estimate_rows(streams, parsed, key, rho))  # type: ignore[no-any-return]


def _estimate_rows(streams: _Streams, parsed: Estimate, key: str, rho: float | None) -> np.ndarray:
    if parsed.group is not None and rho is not None:
        # Gaussian copula on normals drawn directly (no inverse normal CDF needed): the
        # group's shared factor and the input's own, mixed at correlation rho.
        shared = streams.rng(f"group:{parsed.group}").standard_normal(streams.rows)
        own = streams.rng(key).standard_normal(streams.rows)
        rho = min(max(rho, 0.0), 1.0)
        z = np.sqrt(rho) * shared + np.sqrt(1.0 - rho) * own
        u = np.clip(normal_cdf_array(z), 1e-16, 1.0 - 1e-16)
    else:
        u = streams.uniform(key)
    out = parsed.ppf_array(u)
    out.flags.writeable = False  # shared by every run that reuses it
    return out


Until = float | dict[tuple[int, int], np.ndarray]
"""How far random outages are drawn: one time for all, or per ``(link, flow or -1)`` instance
a time per row (instances not named: the horizon)."""


def draw_block(
    scenario: Scenario,
    model: Model,
    seed: int,
    block: int,
    outages_until: Until | None = None,
    rows: int = BLOCK_SIZE,
) -> BlockInputs:
    """The first ``rows`` replications of block ``block`` of ``scenario`` compiled as
    ``model`` (:func:`draw_rows`; its capacity rules as ``scenario`` gives them)."""
    return draw_rows(model, seed, block, outages_until, rows, scenario)


def draw_rows(
    model: Model,
    seed: int,
    block: int,
    outages_until: Until | None = None,
    rows: int = BLOCK_SIZE,
    scenario: Scenario | None = None,
) -> BlockInputs:
    """The first ``rows`` (default: all ``BLOCK_SIZE``) replications of block ``block`` of
    ``model`` (its capacity rules as ``scenario`` gives them, if given): the same numbers as
    those rows of the whole block.

    Random outages are drawn until ``outages_until`` (default: the horizon): every outage that
    starts before it, and no fewer. Each chunk of outage cycles has its own stream, drawn whole
    for every row whatever the bound, so the outages drawn to any time are a prefix of those
    drawn to the horizon, and a replication that finishes by ``outages_until`` is exactly the
    one with every outage drawn.

    Each uncertain input is drawn by its kind's ``draw`` (``analysis/uncertain.py``) and each
    capacity rule by the loop below; :class:`~migrasim.analysis.sampling.Sampler` takes its
    replications from here, so the two samplers give the same draws.
    """
    until = model.horizon if outages_until is None else outages_until
    if not 0 < rows <= BLOCK_SIZE:
        raise ValueError(f"a block has 1 to {BLOCK_SIZE} rows, not {rows}")
    streams = _Streams(seed, block, rows)
    draw = functools.partial(_draw, streams, model.correlation)
    columns: dict[str, list[np.ndarray]] = {}
    for owner, count in (("flow", len(model.flows)), ("link", len(model.links))):
        for kind in uncertain.drawn(owner):  # type: ignore[arg-type]
            assert kind.column is not None
            drawn = [kind.draw(model, i, draw) for i in range(count)]
            if kind.combine is not None:  # onto the column the kinds before it drew
                before = columns[kind.column]
                drawn = [kind.combine(a, b) for a, b in zip(before, drawn, strict=True)]
            columns[kind.column] = drawn
    per_rule: dict[str, list[np.ndarray]] = {r.key: [] for r in kinds.CAPACITY_RULES}
    # the capacity rules as the scenario gives them when it is given (the capacity search
    # draws a scenario with one rule set to a value, on the model as compiled), else as compiled
    for link in model.links:
        key = f"links[{link.stream}]"
        spec: Any = link.estimates if scenario is None else scenario.links[link.name]
        eff = draw(spec.efficiency, f"{key}.efficiency", 1.0)
        for rule in kinds.CAPACITY_RULES:
            given = rule.given(spec) if scenario is None else spec.limit(rule)
            value = draw(given, f"{key}.{rule.key}", INF)
            if rule.scaled_by_efficiency:  # bandwidth x efficiency
                value = np.where(value < INF, value * eff, INF)
            per_rule[rule.key].append(value)

    def stack(cols: list[np.ndarray]) -> np.ndarray:
        return np.stack(cols, axis=1) if cols else np.zeros((rows, 0))

    named: dict[tuple[int, int], Any] = {}  # the memoised outages' names (``down_drawn``)
    fields: dict[str, Any] = {name: stack(cols) for name, cols in columns.items()}
    return BlockInputs(
        **fields,
        **kinds.as_fields({k: stack(cols) for k, cols in per_rule.items()}),
        down=_first_rows(
            _outages(model, _Streams(seed, block, BLOCK_SIZE), until, rows, named), rows
        ),
        down_drawn={instance: (name, rows) for instance, name in named.items()},
    )


def _outages(
    model: Model,
    streams: _Streams,
    until: Until,
    keep: int | None = None,
    drawn: dict[tuple[int, int], Any] | None = None,
) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """Planned outages plus an alternating up/down renewal process per link instance, for
    the first ``keep`` rows of the streams' (default: all of them; each row's outages are the
    same however many are kept). ``drawn`` gets, per instance whose outages are memoised, the
    value that names them (``BlockInputs.down_drawn``)."""
    keep = streams.rows if keep is None else keep
    down: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for f, flow in enumerate(model.flows):
        for link in flow_path_links(flow, model.links):
            compiled = model.links[link]
            owner = f if compiled.per_flow else -1
            if (link, owner) in down:
                continue  # a shared link already drawn
            spec = compiled.estimates
            planned = list(compiled.planned)
            if spec.mtbf is not None and spec.mttr is not None:
                where = flow.name if owner >= 0 else "shared"
                key = f"links[{compiled.stream}].outages@{where}"
                mtbf = _draw(streams, model.correlation, spec.mtbf, f"{key}.mtbf", INF)
                mttr = spec.mttr
                if isinstance(until, dict):  # bounds per row: drawn for this run only
                    bound = until.get((link, owner), model.horizon)
                    starts, ends = _renewal(streams, key, mtbf, mttr, bound, keep)
                else:
                    # the drawn mtbf itself is in the key (it depends on its group's rho too)
                    memo_key = ("renewal", streams.seed, streams.block, streams.rows, key,
                                mtbf.tobytes(), mttr, until, keep)  # fmt: skip
                    starts, ends = _memo(
                        memo_key,
                        functools.partial(_renewal, streams, key, mtbf, mttr, until, keep),
                    )
                    if drawn is not None:
                        drawn[(link, owner)] = (memo_key, tuple(planned))
                if planned:
                    starts, ends = _merge_rows(starts, ends, planned)
                down[(link, owner)] = (starts, ends)
            elif planned:
                merged = merge_intervals(planned)
                row_s = np.asarray(merged[0], dtype=float)
                row_e = np.asarray(merged[1], dtype=float)
                down[(link, owner)] = (
                    np.broadcast_to(row_s, (keep, row_s.size)).copy(),
                    np.broadcast_to(row_e, (keep, row_e.size)).copy(),
                )
    return down


def _first_rows(down: dict[Any, tuple[np.ndarray, np.ndarray]], rows: int) -> dict[Any, Any]:
    if rows == BLOCK_SIZE:
        return down
    return {key: (starts[:rows], ends[:rows]) for key, (starts, ends) in down.items()}


def with_outages_until(
    scenario: Scenario, model: Model, seed: int, block: int, inputs: BlockInputs, until: Until
) -> BlockInputs:
    """``inputs`` (block ``block``, drawn whole) with its outages drawn to ``until`` instead."""
    streams = _Streams(seed, block, inputs.rows)
    drawn: dict[tuple[int, int], Any] = {}
    down = _outages(model, streams, until, None, drawn)
    return replace(inputs, down=down, down_drawn=drawn)


def outage_instances(scenario: Scenario, model: Model) -> set[tuple[int, int]]:
    """The ``(link, flow or -1)`` instances that can be down (what ``BlockInputs.down`` keys)."""
    out = set()
    for f, flow in enumerate(model.flows):
        for link in flow_path_links(flow, model.links):
            compiled = model.links[link]
            spec = scenario.links[compiled.name].outages
            if compiled.planned or (spec is not None and spec.mtbf is not None):
                out.add((link, f if compiled.per_flow else -1))
    return out


def random_outage_instances(scenario: Scenario, model: Model) -> set[tuple[int, int]]:
    """The ``(link, flow or -1)`` instances with random outages (an ``mtbf`` and ``mttr``)."""
    out = set()
    for f, flow in enumerate(model.flows):
        for link in flow_path_links(flow, model.links):
            compiled = model.links[link]
            spec = scenario.links[compiled.name].outages
            if spec is not None and spec.mtbf is not None and spec.mttr is not None:
                out.add((link, f if compiled.per_flow else -1))
    return out


def _renewal(
    streams: _Streams,
    key: str,
    mtbf: np.ndarray,
    mttr: float | Estimate,
    horizon: float | np.ndarray,
    stored: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the outages of an up/down process starting before ``horizon`` (one time, or
    one per row): exponential up times (mean ``mtbf``), repairs ~ ``mttr``; rows x K, padded
    with inf, for the first ``stored`` rows (default: all). Chunk ``c`` of cycles draws from its
    own stream (``key#c``) for every row, so a row's outages do not depend on ``horizon`` or
    ``stored``, only how many of them are kept; rows already past their bound, and rows past
    ``stored``, skip the (costlier) transformation of their draws and are not stored (a block
    of 1,000 rows run for 200 replications held 5x the outages it used: with day-long down
    days every few days to a 10-year horizon, gigabytes)."""
    rows = mtbf.size
    stored = rows if stored is None else min(stored, rows)
    bound = np.broadcast_to(np.asarray(horizon, dtype=float), (rows,))
    t = np.zeros(rows)
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    active = np.flatnonzero(t[:stored] < bound[:stored])
    while active.size:
        rng = streams.rng(f"{key}#{len(starts)}")
        ups = rng.exponential(1.0, (rows, _CHUNK))[active] * mtbf[active, None]
        if isinstance(mttr, Estimate):
            repairs = _sample(mttr, rng, (rows, _CHUNK), active)
        else:
            repairs = np.full((active.size, _CHUNK), mttr)
        cycle_ends = t[active, None] + np.cumsum(ups + repairs, axis=1)
        cycle_starts = cycle_ends - repairs
        keep = cycle_starts < bound[active, None]
        chunk_s = np.full((stored, _CHUNK), INF)
        chunk_e = np.full((stored, _CHUNK), INF)
        chunk_s[active] = np.where(keep, cycle_starts, INF)
        chunk_e[active] = np.where(keep, cycle_ends, INF)
        starts.append(chunk_s)
        ends.append(chunk_e)
        t[active] = cycle_ends[:, -1]
        active = active[t[active] < bound[active]]
    if not starts:
        return np.zeros((stored, 0)), np.zeros((stored, 0))
    return np.concatenate(starts, axis=1), np.concatenate(ends, axis=1)


def _sample(
    est: Estimate, rng: np.random.Generator, shape: tuple[int, int], rows: np.ndarray
) -> np.ndarray:
    """Independent draws of ``est`` (no common-random-number mapping needed for repairs), for
    ``rows`` of a ``shape`` drawn whole: uniforms through the tabulated inverse CDF, several
    times faster than ``Generator.beta``."""
    a, m, b = est.low, est.likely, est.high
    if b <= a:
        return np.full((rows.size, shape[1]), m)
    if est.dist == "uniform":
        return np.asarray(rng.uniform(a, b, shape)[rows])
    if est.dist == "triangular":
        return np.asarray(rng.triangular(a, m, b, shape)[rows])
    alpha, beta = est.pert_shape
    return np.asarray(a + (b - a) * beta_inverse(alpha, beta)(rng.random(shape)[rows]))


def _merge_rows(
    starts: np.ndarray, ends: np.ndarray, planned: list[tuple[float, float]]
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's outages merged with the planned ones (sorted, disjoint, padded with inf)."""
    merged = []
    for row in range(starts.shape[0]):
        finite = np.isfinite(starts[row])
        spans = list(zip(starts[row][finite].tolist(), ends[row][finite].tolist(), strict=True))
        merged.append(merge_intervals([*spans, *planned]))
    width = max(len(m[0]) for m in merged)
    out_s = np.full((starts.shape[0], width), INF)
    out_e = np.full((starts.shape[0], width), INF)
    for row, (s, e) in enumerate(merged):
        out_s[row, : len(s)] = s
        out_e[row, : len(e)] = e
    return out_s, out_e


def take_rows(block: BlockInputs, rows: slice | np.ndarray) -> BlockInputs:
    """The first replications of a block (a block is drawn whole, then cut)."""
    cut: dict[str, Any] = {}
    for column in dataclasses.fields(block):
        value = getattr(block, column.name)
        if column.name == "down":
            cut["down"] = {k: (s[rows], e[rows]) for k, (s, e) in value.items()}
        elif column.name == "down_drawn":
            cut["down_drawn"] = {k: (name, _rows_named(rows)) for k, name in value.items()}
        elif isinstance(value, dict):  # registered capacity rules' columns by key
            cut[column.name] = {k: v[rows] for k, v in value.items()}
        else:
            cut[column.name] = None if value is None else value[rows]
    return BlockInputs(**cut)


def _rows_named(rows: slice | np.ndarray) -> tuple[Any, ...]:
    """A value naming a selection of rows (for ``BlockInputs.down_drawn``)."""
    if isinstance(rows, slice):
        return ("slice", rows.start, rows.stop, rows.step)
    return ("rows", np.asarray(rows).dtype.str, np.asarray(rows).tobytes())


def inputs_for(model: Model, block: BlockInputs, row: int) -> Inputs:
    """Row ``row`` of ``block`` as the engine's :class:`~migrasim.core.engine.Inputs`."""
    return row_inputs(model, block, row)
