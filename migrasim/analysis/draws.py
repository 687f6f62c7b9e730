"""Every uncertain input of a block of replications at once, as numpy arrays. Pure.

Replications come in blocks of :data:`BLOCK_SIZE` (a constant of the method, not of the number
of workers): block ``b`` holds replications ``b * BLOCK_SIZE ..`` and draws from
``SeedSequence(seed, spawn_key=(b, key_hash(key)))``, one sub-stream per input named by its key
path (``flows[Cardiff].volume``, ``links[capped].outages@Cardiff``). So a replication's inputs
depend only on (seed, its block, its row), adding blocks never changes the ones already drawn,
and the same input gets the same draws in every scenario run with the same seed (common random
numbers). A block is always drawn whole, then cut to the replications asked for.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.special import ndtr, ndtri

from migrasim.core.batch import BlockInputs
from migrasim.core.capacity import INF
from migrasim.core.distributions import Estimate, key_hash
from migrasim.core.model import Inputs, Model, Rejection, flow_path_links, merge_intervals
from migrasim.scenario.types import Scenario, Uncertain, as_value

BLOCK_SIZE = 1000
"""Replications per block: part of the method (it fixes which stream each one draws from)."""

_CHUNK = 32
"""Outage cycles drawn per step, per row."""


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
    streams: _Streams, scenario: Scenario, value: Uncertain | None, key: str, default: float
) -> np.ndarray:
    """One input for every row: its constant, or its estimate at correlated uniforms."""
    if value is None:
        return np.full(streams.rows, default)
    parsed = as_value(value)
    if not isinstance(parsed, Estimate):
        return np.full(streams.rows, parsed)
    if parsed.high <= parsed.low:
        return np.full(streams.rows, parsed.likely)
    u = streams.uniform(key)
    if parsed.group is not None:
        rho = scenario.correlation[parsed.group]
        shared = streams.uniform(f"group:{parsed.group}")
        if rho >= 1.0:
            u = shared
        elif rho > 0.0:
            z = np.sqrt(rho) * ndtri(shared) + np.sqrt(1.0 - rho) * ndtri(u)
            u = np.clip(ndtr(z), 1e-16, 1.0 - 1e-16)
    return parsed.ppf_array(u)


def draw_block(
    scenario: Scenario, model: Model, seed: int, block: int, outages_until: float | None = None
) -> BlockInputs:
    """The inputs of block ``block`` (``BLOCK_SIZE`` rows) of ``scenario`` compiled as ``model``.

    Random outages are drawn until ``outages_until`` (default: the horizon): every outage that
    starts before it, and no fewer. Each chunk of outage cycles has its own stream, so the
    outages drawn to any time are a prefix of those drawn to the horizon, and a replication
    that finishes by ``outages_until`` is exactly the one with every outage drawn.
    """
    until = model.horizon if outages_until is None else outages_until
    streams = _Streams(seed, block, BLOCK_SIZE)
    flows = scenario.flows
    per_flow: dict[str, list[np.ndarray]] = {k: [] for k in ("v", "g", "fr", "d")}
    for flow in flows:
        key = f"flows[{flow.label}]"
        per_flow["v"].append(_draw(streams, scenario, flow.volume, f"{key}.volume", INF))
        per_flow["g"].append(_draw(streams, scenario, flow.growth, f"{key}.growth", 0.0))
        rej = flow.rejection
        fraction = None if rej is None else rej.fraction
        delay = None if rej is None else rej.delay
        per_flow["fr"].append(_draw(streams, scenario, fraction, f"{key}.rejection.fraction", 0.0))
        per_flow["d"].append(_draw(streams, scenario, delay, f"{key}.rejection.delay", 0.0))
    per_link: dict[str, list[np.ndarray]] = {k: [] for k in ("bw", "cap", "rr", "dr", "av", "ta")}
    for i, (name, link) in enumerate(scenario.links.items()):
        key = f"links[{name}]"
        bw = _draw(streams, scenario, link.bandwidth, f"{key}.bandwidth", INF)
        eff = _draw(streams, scenario, link.efficiency, f"{key}.efficiency", 1.0)
        per_link["bw"].append(np.where(bw < INF, bw * eff, INF))
        per_link["cap"].append(_draw(streams, scenario, link.daily_cap, f"{key}.daily_cap", INF))
        per_link["rr"].append(
            _draw(streams, scenario, link.records_rate, f"{key}.records_rate", INF)
        )
        per_link["dr"].append(
            _draw(streams, scenario, link.daily_records, f"{key}.daily_records", INF)
        )
        if link.lead_time is not None:
            per_link["av"].append(_draw(streams, scenario, link.lead_time, f"{key}.lead_time", 0))
        else:
            per_link["av"].append(np.full(BLOCK_SIZE, model.links[i].available))
        turnaround = None if link.shipment is None else link.shipment.turnaround
        per_link["ta"].append(_draw(streams, scenario, turnaround, f"{key}.turnaround", INF))

    def stack(cols: list[np.ndarray]) -> np.ndarray:
        return np.stack(cols, axis=1) if cols else np.zeros((BLOCK_SIZE, 0))

    return BlockInputs(
        volume=stack(per_flow["v"]),
        growth=stack(per_flow["g"]),
        fraction=stack(per_flow["fr"]),
        delay=stack(per_flow["d"]),
        bandwidth=stack(per_link["bw"]),
        cap=stack(per_link["cap"]),
        records_rate=stack(per_link["rr"]),
        daily_records=stack(per_link["dr"]),
        available=stack(per_link["av"]),
        down=_outages(scenario, model, streams, until),
        turnaround=stack(per_link["ta"]),
    )


def _outages(
    scenario: Scenario, model: Model, streams: _Streams, until: float
) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """Planned outages plus an alternating up/down renewal process per link instance."""
    down: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for f, flow in enumerate(model.flows):
        for link in flow_path_links(flow, model.links):
            compiled = model.links[link]
            owner = f if compiled.per_flow else -1
            if (link, owner) in down:
                continue  # a shared link already drawn
            spec = scenario.links[compiled.name].outages
            planned = list(compiled.planned)
            if spec is not None and spec.mtbf is not None and spec.mttr is not None:
                where = flow.name if owner >= 0 else "shared"
                key = f"links[{compiled.name}].outages@{where}"
                mtbf = _draw(streams, scenario, spec.mtbf, f"{key}.mtbf", INF)
                starts, ends = _renewal(streams, key, mtbf, as_value(spec.mttr), until)
                if planned:
                    starts, ends = _merge_rows(starts, ends, planned)
                down[(link, owner)] = (starts, ends)
            elif planned:
                merged = merge_intervals(planned)
                row_s = np.asarray(merged[0], dtype=float)
                row_e = np.asarray(merged[1], dtype=float)
                down[(link, owner)] = (
                    np.broadcast_to(row_s, (streams.rows, row_s.size)).copy(),
                    np.broadcast_to(row_e, (streams.rows, row_e.size)).copy(),
                )
    return down


def with_outages_until(
    scenario: Scenario, model: Model, seed: int, block: int, inputs: BlockInputs, until: float
) -> BlockInputs:
    """``inputs`` (block ``block``, drawn whole) with its outages drawn to ``until`` instead."""
    streams = _Streams(seed, block, inputs.rows)
    return replace(inputs, down=_outages(scenario, model, streams, until))


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


def _renewal(
    streams: _Streams, key: str, mtbf: np.ndarray, mttr: float | Estimate, horizon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the outages of an up/down process starting before ``horizon``: exponential up
    times (mean ``mtbf``), repairs ~ ``mttr``; rows x K, padded with inf. Chunk ``c`` of cycles
    draws from its own stream (``key#c``), whatever ``horizon`` is."""
    rows = mtbf.size
    t = np.zeros(rows)
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    while (t < horizon).any():
        rng = streams.rng(f"{key}#{len(starts)}")
        ups = rng.exponential(1.0, (rows, _CHUNK)) * mtbf[:, None]
        if isinstance(mttr, Estimate):
            repairs = _sample(mttr, rng, (rows, _CHUNK))
        else:
            repairs = np.full((rows, _CHUNK), mttr)
        cycle_ends = t[:, None] + np.cumsum(ups + repairs, axis=1)
        cycle_starts = cycle_ends - repairs
        keep = cycle_starts < horizon
        starts.append(np.where(keep, cycle_starts, INF))
        ends.append(np.where(keep, cycle_ends, INF))
        t = cycle_ends[:, -1]
    if not starts:
        return np.zeros((rows, 0)), np.zeros((rows, 0))
    return np.concatenate(starts, axis=1), np.concatenate(ends, axis=1)


def _sample(est: Estimate, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Independent draws of ``est`` (no common-random-number mapping needed for repairs)."""
    a, m, b = est.low, est.likely, est.high
    if b <= a:
        return np.full(shape, m)
    if est.dist == "uniform":
        return rng.uniform(a, b, shape)
    if est.dist == "triangular":
        return rng.triangular(a, m, b, shape)
    alpha = 1 + 4 * (m - a) / (b - a)
    beta = 1 + 4 * (b - m) / (b - a)
    return a + (b - a) * rng.beta(alpha, beta, shape)


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
    return BlockInputs(
        volume=block.volume[rows],
        growth=block.growth[rows],
        fraction=block.fraction[rows],
        delay=block.delay[rows],
        bandwidth=block.bandwidth[rows],
        cap=block.cap[rows],
        records_rate=block.records_rate[rows],
        daily_records=block.daily_records[rows],
        available=block.available[rows],
        down={k: (s[rows], e[rows]) for k, (s, e) in block.down.items()},
        turnaround=None if block.turnaround is None else block.turnaround[rows],
    )


def inputs_for(model: Model, block: BlockInputs, row: int) -> Inputs:
    """Row ``row`` of ``block`` as the engine's :class:`~migrasim.core.engine.Inputs`."""
    down = {}
    for key, (s, e) in block.down.items():
        finite = np.isfinite(s[row])
        down[key] = (tuple(s[row][finite].tolist()), tuple(e[row][finite].tolist()))
    fraction, delay = block.fraction[row].tolist(), block.delay[row].tolist()
    return Inputs(
        volume=tuple(block.volume[row].tolist()),
        growth=tuple(block.growth[row].tolist()),
        rejection=tuple(Rejection(f, d) for f, d in zip(fraction, delay, strict=True)),
        bandwidth=tuple(block.bandwidth[row].tolist()),
        cap=tuple(block.cap[row].tolist()),
        records_rate=tuple(block.records_rate[row].tolist()),
        daily_records=tuple(block.daily_records[row].tolist()),
        available=tuple(block.available[row].tolist()),
        down=down,
        outages_until=model.horizon,
        turnaround=() if block.turnaround is None else tuple(block.turnaround[row].tolist()),
    )
