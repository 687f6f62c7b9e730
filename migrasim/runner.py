"""Monte Carlo: seed -> one stream per replication -> replications -> aggregated results.

Replication ``r`` draws from ``SeedSequence(seed).spawn()[r]`` (see ``sampling.py``), so its
result depends only on ``(seed, r)``: the same seed gives the same numbers whatever the number
of workers. Results are aggregated as they arrive: completion times (one float per flow per
replication), bottleneck counts and a histogram of programme progress per day for the burn-up
band; no replication's timeline is kept.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import numpy as np

from migrasim.engine import Inputs, Model, RunResult, build_model, simulate
from migrasim.sampling import Sampler
from migrasim.scenario import Scenario

BAND_BINS = 200
"""Programme progress is binned in 0.5 % steps for the burn-up band."""

BAND_REPLICATIONS = 200
"""The burn-up band is drawn from the first this-many replications: enough for a P10-P90 band
on a chart, and it spares the rest of the replications from recording their delivery curves."""

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Replication:
    """What one replication contributes: compact, picklable."""

    replication: int
    finished: tuple[float, ...]  # per flow, SimTime; inf for never
    bottleneck: tuple[str, ...]  # per flow, '' if none
    progress_bins: np.ndarray | None  # progress bin at the end of each band day (or not kept)


@dataclass
class MonteCarloResult:
    """Aggregated replications of one scenario."""

    model: Model
    seed: int
    replications: int
    finished: np.ndarray  # shape (replications, flows), SimTime, inf = never
    bottlenecks: list[Counter[str]]  # per flow
    band_days: list[Any]  # local dates of the band
    band_counts: np.ndarray  # (days, BAND_BINS + 1) replications per progress bin
    band_replications: int  # how many replications the band counts
    inputs_seen: list[Inputs] = field(default_factory=list)

    @property
    def programme_finished(self) -> np.ndarray:
        """Per replication, when the last flow finished (inf if any never did)."""
        return np.asarray(self.finished.max(axis=1))


def band_day_ends(model: Model) -> tuple[list[Any], np.ndarray]:
    """Local dates from the start to the horizon and the SimTime at the end of each."""
    clock = model.clock
    first = clock.start.date()
    last = clock.to_local(model.horizon).date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    ends = np.array([clock.to_sim(datetime.combine(d + timedelta(days=1), time())) for d in days])
    return days, ends


def summarise(replication: int, result: RunResult, day_ends: np.ndarray) -> Replication:
    """Reduce one run to what the aggregate needs."""
    finished = tuple(np.inf if f.finished_s is None else f.finished_s for f in result.flows)
    bottlenecks = tuple(f.bottleneck or "" for f in result.flows)
    if result.curves is None:
        return Replication(replication, finished, bottlenecks, None)
    total = np.zeros(len(day_ends))
    needed = 0.0
    assert result.curves is not None
    for flow, (times, cumulative) in zip(result.flows, result.curves, strict=True):
        # progress counts against everything the flow had to move (growth and rework
        # included); a flow that never finishes still owes its backlog at the horizon.
        owed = flow.delivered_bytes + flow.remaining_bytes
        needed += owed
        if times:
            total += np.interp(day_ends, times, cumulative, left=0.0)
    fraction = np.clip(total / needed, 0.0, 1.0) if needed > 0 else np.ones(len(day_ends))
    bins = np.minimum((fraction * BAND_BINS + 1e-9).astype(np.int64), BAND_BINS)
    return Replication(
        replication, finished, bottlenecks, bins.astype(np.uint8 if BAND_BINS < 256 else np.uint16)
    )


def replicate(model: Model, sampler: Sampler, replication: int, record: bool) -> RunResult:
    """One replication. Random outages are first drawn only up to a guess of when everything
    is done; if anything finishes later (or never), the replication is run again with every
    outage to the horizon. Both give the same answer whenever the first is used (the draws are a
    prefix of one sequence and nothing after the last completion matters), so this only saves
    drawing years of outages nobody meets."""
    guess = _WORKER.get("outage_guess", model.horizon)
    if guess < model.horizon:
        inputs = sampler.inputs(replication, outages_until=guess)
        result = simulate(model, inputs, record=record)
        if all(f.finished_s is not None and f.finished_s <= guess for f in result.flows):
            return result
    return simulate(model, sampler.inputs(replication), record=record)


def _outage_guess(model: Model) -> float:
    """2.5 x the baseline's programme completion (at least a year), capped at the horizon."""
    baseline = simulate(model).finished_s
    if baseline is None:
        return model.horizon
    return min(model.horizon, max(2.5 * baseline, 365 * 86400.0))


# Worker state: each worker process builds the model once.
_WORKER: dict[str, Any] = {}


def _init_worker(scenario: Scenario, model: Model | None, seed: int) -> None:
    # With fork the parent's compiled model is inherited; with spawn it is rebuilt here.
    _init_worker_local(model if model is not None else build_model(scenario), seed)


def _init_worker_local(model: Model, seed: int) -> None:
    _WORKER["model"] = model
    _WORKER["sampler"] = Sampler(model, seed)
    _WORKER["day_ends"] = band_day_ends(model)[1]
    _WORKER["outage_guess"] = _outage_guess(model)


def _run_chunk(replications: range) -> list[Replication]:
    model: Model = _WORKER["model"]
    sampler: Sampler = _WORKER["sampler"]
    out = []
    for r in replications:
        result = replicate(model, sampler, r, record=r < BAND_REPLICATIONS)
        out.append(summarise(r, result, _WORKER["day_ends"]))
    return out


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def run_monte_carlo(
    scenario: Scenario,
    replications: int,
    seed: int,
    workers: int | None = None,
    progress: Progress | None = None,
    model: Model | None = None,
) -> MonteCarloResult:
    """Run ``replications`` replications of ``scenario`` with ``seed`` on ``workers`` processes
    (default: every core). ``progress(done, total)`` is called as results arrive."""
    model = model if model is not None else build_model(scenario)
    workers = workers or os.cpu_count() or 1
    workers = max(1, min(workers, replications))
    days, _ = band_day_ends(model)
    n_flows = len(model.flows)
    finished = np.full((replications, n_flows), np.inf)
    bottlenecks: list[Counter[str]] = [Counter() for _ in range(n_flows)]
    band = np.zeros((len(days), BAND_BINS + 1), dtype=np.int64)
    rows = np.arange(len(days))
    done = 0

    def absorb(batch: list[Replication]) -> None:
        nonlocal done
        for rep in batch:
            finished[rep.replication] = rep.finished
            for counter, name in zip(bottlenecks, rep.bottleneck, strict=True):
                if name:
                    counter[name] += 1
            if rep.progress_bins is not None:
                band[rows, rep.progress_bins] += 1
        done += len(batch)
        if progress is not None:
            progress(done, replications)

    chunk = max(1, min(50, replications // (workers * 8) or 1))
    if workers == 1:
        _init_worker_local(model, seed)
        for part in _chunks(replications, chunk):
            absorb(_run_chunk(part))
    else:
        fork = "fork" in multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if fork else "spawn")
        init_args = (scenario, model if fork else None, seed)
        with context.Pool(workers, initializer=_init_worker, initargs=init_args) as pool:
            for batch in pool.imap(_run_chunk, _chunks(replications, chunk)):
                absorb(batch)
    return MonteCarloResult(
        model,
        seed,
        replications,
        finished,
        bottlenecks,
        days,
        band,
        min(replications, BAND_REPLICATIONS),
    )
