"""Monte Carlo: seed -> blocks of replications -> aggregated results.

Replications come in blocks of :data:`~migrasim.analysis.draws.BLOCK_SIZE`, each drawn at once
from a stream keyed by (seed, block) (see ``draws.py``), so a replication's result depends only
on ``(seed, r)``: the same seed gives the same numbers whatever the number of workers. When every
flow is alone on its links, or shares one link in a way phases solve exactly, a block is solved
at once by ``core.shared_batch`` (``core.batch`` for the lone flows); a component that cannot be
phased runs through the event engine one replication at a time, alone, inside that solve (and
the whole model does only if no order of the pieces exists); ``MonteCarloResult.solvers`` says
which component took which. Results are aggregated block by block: completion times (one
float per flow per replication), bottleneck counts and a histogram of programme progress per day
for the burn-up band; no
replication's timeline is kept.

Blocks run in local worker processes by default, or on an existing Dask cluster
(``scheduler="tcp://host:port"``): the same units either way, and the aggregate is indexed by
replication (bottleneck ties are broken by the first replication that saw each link), so the
result is identical whichever runs them and in whatever order they arrive.
"""

from __future__ import annotations

import functools
import os
import threading
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import numpy as np

from migrasim.analysis.draws import (
    BLOCK_SIZE,
    Until,
    draw_block,
    inputs_for,
    outage_instances,
    random_outage_instances,
    take_rows,
)
from migrasim.analysis.parallel import has_fork, process_pool
from migrasim.analysis.stats import quantile_interval_ranks
from migrasim.core.batch import BlockInputs, BlockResult, CurveCache
from migrasim.core.calendar import Clock
from migrasim.core.capacity import INF
from migrasim.core.engine import Inputs, Model, RunResult, simulate
from migrasim.core.model import flow_path_links
from migrasim.core.rules import quantile_rank
from migrasim.core.shared_batch import ComponentPath, batchable, paths, solvable, solve_block
from migrasim.errors import N_, ClusterError
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import Scenario

BAND_BINS = 200
"""Programme progress is binned in 0.5 % steps for the burn-up band."""

BAND_REPLICATIONS = 200
"""The burn-up band is drawn from the first this-many replications: enough for a P10-P90 band
on a chart, and it spares the rest of the replications from recording their delivery curves."""

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler to answer before giving up."""

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Execution:
    """Where replications run: ``workers`` local processes (None: every core), or the existing
    Dask cluster whose scheduler is at ``scheduler`` (``tcp://host:port``; ``workers`` is then
    ignored). The results do not depend on it."""

    workers: int | None = None
    scheduler: str | None = None


LOCAL = Execution()
"""Local processes, one per core."""


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
    precision: Precision | None = None  # the stopping rule, when the count was not given
    half_width_days: float | None = None  # the P80 half-width it reached (precision runs)
    solvers: tuple[ComponentPath, ...] = ()  # each component and the solver it took

    @property
    def programme_finished(self) -> np.ndarray:
        """Per replication, when the last flow finished (inf if any never did)."""
        return np.asarray(self.finished.max(axis=1))


def band_day_ends(model: Model) -> tuple[list[Any], np.ndarray]:
    """Local dates from the start to the horizon and the SimTime at the end of each."""
    days, ends = _day_ends(model.clock, model.horizon)
    return list(days), ends


@functools.lru_cache(maxsize=8)
def _day_ends(clock: Clock, horizon: float) -> tuple[tuple[Any, ...], np.ndarray]:
    """:func:`band_day_ends`, once per clock and horizon (every point of a decision loop
    builds a model of its own with the same ones)."""
    first = clock.start.date()
    last = clock.to_local(horizon).date()
    days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    ends = np.array([clock.to_sim(datetime.combine(d + timedelta(days=1), time())) for d in days])
    ends.flags.writeable = False  # shared by every caller
    return days, ends


def summarise(replication: int, result: RunResult, day_ends: np.ndarray) -> Replication:
    """Reduce one run to what the aggregate needs."""
    finished = tuple(f.finished_s for f in result.flows)
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


Unit = tuple[int, int, int]
"""(block, first row, end row): a piece of work; rows of one block, in order."""


@dataclass(frozen=True)
class BlockSummary:
    """What rows ``lo..hi`` of a block contribute: compact, picklable."""

    first: int  # replication number of row ``lo``
    finished: np.ndarray  # (rows, flows) SimTime, inf for never
    bottleneck: np.ndarray  # (rows, flows) link index, -1 for none
    band: np.ndarray  # (days, BAND_BINS + 1) counts of this piece's band replications


def progress_bins(fraction: np.ndarray) -> np.ndarray:
    """Programme progress fractions as burn-up band bins."""
    return np.minimum((fraction * BAND_BINS + 1e-9).astype(np.int64), BAND_BINS)


OUTAGE_SLACK = 1.5
"""Random outages are first drawn, per row and flow, to ``OUTAGE_SLACK`` x the flow's
completion without them plus :data:`OUTAGE_MARGIN_S` (a speed knob: rows whose completion
passes that bound are solved again with every outage, so results do not depend on it)."""

OUTAGE_MARGIN_S = 60 * 86400.0


class _State:
    """What a worker needs to run blocks of one model with one seed."""

    def __init__(
        self,
        model: Model,
        scenario: Scenario,
        seed: int,
        band_limit: int = BAND_REPLICATIONS,
        reuse_draws: bool = False,
    ) -> None:
        self.model = model
        self.scenario = scenario
        self.seed = seed
        self.band_limit = band_limit
        self.reuse_draws = reuse_draws
        self.day_ends = band_day_ends(model)[1]
        self.cache: CurveCache = {}
        self.random_down = sorted(random_outage_instances(scenario, model))
        self.users: dict[int, list[int]] = {}
        for f, flow in enumerate(model.flows):
            for link in flow_path_links(flow, model.links):
                self.users.setdefault(link, []).append(f)
        names = {link.name: i for i, link in enumerate(model.links)}
        self.link_index = names
        down = outage_instances(scenario, model)
        self.batch = solvable(model, down)  # else each replication on the whole engine
        self.phased = batchable(model, down)  # else some components on the engine

    @classmethod
    def build(
        cls,
        model: Model,
        scenario: Scenario,
        seed: int,
        band_limit: int = BAND_REPLICATIONS,
        reuse_draws: bool = False,
    ) -> _State:
        return cls(model, scenario, seed, band_limit, reuse_draws)

    def same_run(
        self, model: Model, scenario: Scenario, seed: int, band_limit: int, reuse: bool
    ) -> bool:
        """Whether this state runs exactly that (so a precision run's later blocks reuse it)."""
        return (self.model is model and self.scenario is scenario and self.seed == seed
                and self.band_limit == band_limit and self.reuse_draws == reuse)  # fmt: skip

    def _draw(self, block: int, rows: int, until: Until | None = None) -> BlockInputs:
        """Block ``block``'s first ``rows`` inputs, outages to ``until`` (other inputs are
        memoised in ``draws``, so only the outages are drawn again)."""
        return draw_block(self.scenario, self.model, self.seed, block, until, rows)

    def _bounds(self, calm: np.ndarray, lo: int, hi: int) -> dict[tuple[int, int], np.ndarray]:
        """Per random-outage instance, how far to draw its outages for each row of the block:
        ``OUTAGE_SLACK`` x the completion without random outages (``calm``, rows lo..hi) of
        the flows using it, plus a margin; rows outside lo..hi need none."""
        bounds: dict[tuple[int, int], np.ndarray] = {}
        horizon = self.model.horizon
        for link, owner in self.random_down:
            flows = [owner] if owner >= 0 else self.users[link]
            t = calm[:, flows].max(axis=1)
            row = np.zeros(BLOCK_SIZE)
            row[lo:hi] = np.minimum(horizon, OUTAGE_SLACK * t + OUTAGE_MARGIN_S)
            bounds[(link, owner)] = row
        return bounds

    def _late(self, finished: np.ndarray, bounds: dict[tuple[int, int], np.ndarray],
              lo: int) -> np.ndarray:  # fmt: skip
        """Rows (0-based from lo) with a flow finishing after (or never before) the bound its
        outages were drawn to."""
        late = np.zeros(finished.shape[0], bool)
        n = finished.shape[0]
        for (link, owner), bound in bounds.items():
            flows = [owner] if owner >= 0 else self.users[link]
            b = bound[lo : lo + n]
            late |= (finished[:, flows] >= b[:, None]).any(axis=1) & (b < self.model.horizon)
        return late

    def _solve(self, block: int, lo: int, hi: int, band_rows: int) -> BlockResult:
        """Solve rows ``lo..hi``. With random outages: first without them (a lower bound of
        every completion), then with outages drawn per row only to a bound past that; rows
        with a completion past its bound are solved again with every outage. Both give the
        same answer for the rows kept (``draws.draw_block``: the outages drawn to any time
        are a prefix of the whole draw)."""
        rows = slice(lo, hi)
        solve = solve_block
        # (components on the engine: one pass with every outage, not three through them)
        if not self.random_down or self.reuse_draws or not self.phased:
            return solve(self.model, take_rows(self._draw(block, hi), rows), self.day_ends,
                         band_rows, self.cache)  # fmt: skip
        calm = solve(self.model, take_rows(self._draw(block, hi, 0.0), rows), self.day_ends, 0,
                     self.cache).finished  # fmt: skip
        bounds = self._bounds(calm, lo, hi)
        first = solve(self.model, take_rows(self._draw(block, hi, bounds), rows), self.day_ends,
                      band_rows, self.cache)  # fmt: skip
        late = np.flatnonzero(self._late(first.finished, bounds, lo))
        if not late.size:
            return first
        for bound in bounds.values():
            bound[lo + late] = self.model.horizon
        full = take_rows(self._draw(block, hi, bounds), rows)
        again = solve(self.model, take_rows(full, late), self.day_ends, 0, self.cache)
        first.finished[late] = again.finished
        first.bottleneck[late] = again.bottleneck
        in_band = late[late < band_rows]
        if in_band.size:
            redo = solve(self.model, take_rows(full, in_band), self.day_ends, in_band.size,
                         self.cache)  # fmt: skip
            first.progress[in_band] = redo.progress
        return first

    def run(self, unit: Unit) -> BlockSummary:
        block, lo, hi = unit
        first = block * BLOCK_SIZE + lo
        band_rows = max(0, min(hi - lo, self.band_limit - first))
        band = np.zeros((len(self.day_ends), BAND_BINS + 1), dtype=np.int64)
        if self.batch:
            result = self._solve(block, lo, hi, band_rows)
            finished, bottleneck = result.finished, result.bottleneck
            # each band replication's bin on each day, counted at once
            cells = np.arange(band.shape[0]) * band.shape[1] + progress_bins(result.progress)
            band += np.bincount(cells.ravel(), minlength=band.size).reshape(band.shape)
            return BlockSummary(first, finished, bottleneck, band)
        n_flows = len(self.model.flows)
        finished = np.full((hi - lo, n_flows), np.inf)
        bottleneck = np.full((hi - lo, n_flows), -1, dtype=np.int64)
        rows = np.arange(len(self.day_ends))
        inputs = take_rows(self._draw(block, BLOCK_SIZE), slice(lo, hi))  # shared by pieces
        for row in range(hi - lo):
            run = simulate(self.model, inputs_for(self.model, inputs, row), record=row < band_rows)
            rep = summarise(first + row, run, self.day_ends)
            finished[row] = rep.finished
            bottleneck[row] = [self.link_index.get(name, -1) for name in rep.bottleneck]
            if rep.progress_bins is not None:
                band[rows, rep.progress_bins] += 1
        return BlockSummary(first, finished, bottleneck, band)


# Local worker state: each worker process builds its state once.
_WORKER: dict[str, _State] = {}


def _init_worker(
    scenario: Scenario, model: Model | None, seed: int, band_limit: int, reuse: bool
) -> None:
    # With fork the parent's state (compiled model, curves, draws so far) is inherited as it
    # is; with spawn it is rebuilt here.
    state = _WORKER.get("state")
    if (
        model is not None
        and state is not None
        and state.same_run(model, scenario, seed, band_limit, reuse)
    ):
        return
    model = model if model is not None else build_model(scenario)
    _WORKER["state"] = _State.build(model, scenario, seed, band_limit, reuse)


def _run_unit(unit: Unit) -> BlockSummary:
    return _WORKER["state"].run(unit)


# Dask worker state: a few runs' states, by run token, built on a worker's first unit of a run.
_REMOTE: OrderedDict[str, _State] = OrderedDict()
_REMOTE_LOCK = threading.Lock()
_REMOTE_KEEP = 4


def _run_remote_unit(
    token: str, model: Model, scenario: Scenario, seed: int, band_limit: int, unit: Unit
) -> BlockSummary:
    """Run on a Dask worker: ``model`` is the scattered copy, shared by the run's units."""
    with _REMOTE_LOCK:
        state = _REMOTE.get(token)
        if state is None:
            state = _REMOTE[token] = _State.build(model, scenario, seed, band_limit)
            while len(_REMOTE) > _REMOTE_KEEP:
                _REMOTE.popitem(last=False)
        else:
            _REMOTE.move_to_end(token)
    return state.run(unit)


def _units(total: int, size: int, begin: int = 0) -> Iterator[Unit]:
    """Replications ``begin..total`` (``begin`` a multiple of the block size) as blocks cut
    into pieces of at most ``size`` rows (whole blocks when ``size`` is larger)."""
    for start in range(begin, total, BLOCK_SIZE):
        block, end = start // BLOCK_SIZE, min(start + BLOCK_SIZE, total)
        for lo in range(0, end - start, size):
            yield block, lo, min(lo + size, end - start)


# Open Dask clients by scheduler address, while a ``cluster_session`` keeps them.
_CLIENTS: dict[str, Any] = {}


def check_address(scheduler: str) -> None:
    """Raise :class:`ClusterError` unless ``scheduler`` reads as a Dask scheduler address (or
    when dask.distributed, an optional dependency, is not installed)."""
    try:
        from distributed.comm.addressing import parse_address, parse_host_port
        from distributed.comm.registry import get_backend
    except ImportError:
        raise ClusterError(
            N_(
                "--scheduler runs the replications on a Dask cluster, which needs "
                "dask.distributed; install it with: %(command)s",
                command="pip install 'migrasim[distributed]'",
            ),
            bad_input=True,
        ) from None

    try:
        scheme, location = parse_address(scheduler)
        get_backend(scheme)
        if scheme != "inproc":
            parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise ClusterError(
            N_(
                "%(address)s is not a Dask scheduler address (%(reason)s); give %(form)s, e.g. "
                "%(example)s",
                address=repr(scheduler),
                reason=str(exc),
                form="tcp://HOST:PORT",
                example="tcp://10.0.0.5:8786",
            ),
            bad_input=True,
        ) from None


def _connect(scheduler: str) -> Any:
    """A ``distributed.Client`` for ``scheduler``, or a :class:`ClusterError` saying why not."""
    from distributed import Client

    class _Client(Client):  # type: ignore[misc]
        """A client that, when it fails to connect, stops its event loop at once; a plain one
        leaves that to its finaliser, which waits and then prints a traceback at exit."""

        _failed = False

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            try:
                super().__init__(*args, **kwargs)
            except BaseException:
                self._failed = True
                runner = getattr(self, "_loop_runner", None)
                if runner is not None:
                    with suppress(Exception):
                        runner.stop()
                raise

        def __del__(self) -> None:
            if not self._failed:
                super().__del__()

    check_address(scheduler)
    try:
        return _Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClusterError(
            N_(
                "cannot reach the Dask scheduler at %(address)s (%(reason)s); check the address "
                "and that %(command)s is running there and reachable from here",
                address=scheduler,
                reason=reason,
                command="'dask scheduler'",
            ),
            bad_input=True,
        ) from None


@contextmanager
def cluster_session(execution: Execution) -> Iterator[None]:
    """Keep one connection to ``execution``'s cluster open across many runs (a sweep's, a
    solve's). Without a scheduler, or inside another session for it, it does nothing."""
    address = execution.scheduler
    if address is None or address in _CLIENTS:
        yield
        return
    client = _connect(address)
    _CLIENTS[address] = client
    try:
        yield
    finally:
        del _CLIENTS[address]
        client.close()


@dataclass(frozen=True)
class Precision:
    """Run blocks until the programme's P80 is known to within a half-width (a ~95 %
    distribution-free interval, ``stats.quantile_interval_ranks``), or ``cap`` replications.

    The half-width asked for is ``days`` when given (``--precision``), else the larger of 1 day
    and ``relative`` (1 %) of the time from the start to the P80 so far. A P80 of "never" with
    its whole interval "never" is known; an interval with one end "never" is not.
    """

    days: float | None = None
    relative: float = 0.01
    cap: int = 100_000

    def goal_days(self, p80_s: float) -> float:
        if self.days is not None:
            return self.days
        return max(1.0, self.relative * max(p80_s, 0.0) / 86400.0)

    def half_width_days(self, programme: np.ndarray) -> float:
        """The achieved half-width of the P80 of ``programme`` (SimTime per replication): inf
        while an end of the interval is "never" and the other is not; 0 when both are."""
        ordered = np.sort(programme)
        lo, hi = quantile_interval_ranks(ordered.size, 0.8)
        a, b = float(ordered[lo]), float(ordered[hi])
        if np.isinf(a) and np.isinf(b):
            return 0.0
        if np.isinf(b):
            return INF
        return (b - a) / 2 / 86400.0

    def met(self, programme: np.ndarray) -> bool:
        p80 = float(np.sort(programme)[quantile_rank(programme.size, 0.8)])
        goal = self.goal_days(p80 if np.isfinite(p80) else 0.0)
        return self.half_width_days(programme) <= goal


DEFAULT_PRECISION = Precision()


def precision_steps(cap: int) -> Iterator[int]:
    """Replication counts tried in turn: 1, 2, 4, 8 ... blocks (doubling), then the cap.

    Doubling keeps the number of checks logarithmic; the count run is the first of these whose
    P80 meets the half-width, so it depends on the seed and scenario only, never on workers."""
    n = BLOCK_SIZE
    while n < cap:
        yield n
        n *= 2
    yield cap


def run_monte_carlo(
    scenario: Scenario,
    replications: int | None,
    seed: int,
    workers: int | None = None,
    progress: Progress | None = None,
    model: Model | None = None,
    scheduler: str | None = None,
    band: bool = True,
    precision: Precision = DEFAULT_PRECISION,
    reuse_draws: bool = False,
) -> MonteCarloResult:
    """Run ``replications`` replications of ``scenario`` with ``seed`` on ``workers`` processes
    (default: every core), or on the Dask cluster at ``scheduler`` when given.
    ``progress(done, total)`` is called as results arrive (``total`` is the cap while the
    count is open).

    ``replications=None``: run blocks, doubling (:func:`precision_steps`), until the
    programme's P80 meets ``precision``; the result says how many ran and the half-width
    reached. ``band=False`` skips the burn-up band (solve and sweep points need only the
    completions). ``reuse_draws``: draw every random outage to the horizon, once per process
    (``draws`` memoises it), for a decision loop that runs the same seed again and again with
    one parameter changed; a single run draws them only as far as each row needs. The results
    are the same either way."""
    model = model if model is not None else build_model(scenario)
    band_limit = BAND_REPLICATIONS if band else 0
    solvers = tuple(paths(model, outage_instances(scenario, model)))
    if replications is not None:
        run = _Accumulator(model, replications, progress)
        _execute(run, scenario, model, seed, workers, scheduler, band_limit, reuse_draws, 0,
                 replications)  # fmt: skip
        result = run.result(seed, band_limit)
        result.solvers = solvers
        return result
    run = _Accumulator(model, precision.cap, progress)
    done = 0
    for n in precision_steps(precision.cap):
        _execute(run, scenario, model, seed, workers, scheduler, band_limit, reuse_draws, done,
                 n)  # fmt: skip
        done = n
        if precision.met(run.finished[:n].max(axis=1)):
            break
    result = run.result(seed, band_limit, done)
    result.solvers = solvers
    result.precision = precision
    result.half_width_days = precision.half_width_days(result.programme_finished)
    return result


class _Accumulator:
    """Block results absorbed into per-replication arrays (indexed by replication, so the
    order blocks arrive in does not matter)."""

    def __init__(self, model: Model, capacity: int, progress: Progress | None) -> None:
        self.model = model
        self.days, _ = band_day_ends(model)
        n_flows = len(model.flows)
        self.names = [link.name for link in model.links]
        self.capacity = capacity
        self.finished = np.full((capacity, n_flows), np.inf)
        self.counts = np.zeros((n_flows, len(self.names)), dtype=np.int64)
        self.first_seen = np.full((n_flows, len(self.names)), capacity, dtype=np.int64)
        self.band = np.zeros((len(self.days), BAND_BINS + 1), dtype=np.int64)
        self.done = 0
        self.progress = progress

    def absorb(self, part: BlockSummary) -> None:
        rows = part.finished.shape[0]
        self.finished[part.first : part.first + rows] = part.finished
        for f in range(self.finished.shape[1]):
            links = part.bottleneck[:, f]
            named = links >= 0
            self.counts[f] += np.bincount(links[named], minlength=len(self.names))
            for link in np.unique(links[named]):
                at = part.first + int(np.argmax(links == link))
                self.first_seen[f, link] = min(self.first_seen[f, link], at)
        self.band += part.band
        self.done += rows
        if self.progress is not None:
            self.progress(self.done, self.capacity)

    def result(self, seed: int, band_limit: int, n: int | None = None) -> MonteCarloResult:
        n = self.capacity if n is None else n
        # Counters in the order of the first replication to see each link: ties in
        # most_common() then break the same way however the replications arrived.
        bottlenecks = []
        for f in range(self.finished.shape[1]):
            order = np.argsort(self.first_seen[f], kind="stable")
            seen = [i for i in order if self.counts[f, i] > 0]
            bottlenecks.append(Counter({self.names[i]: int(self.counts[f, i]) for i in seen}))
        return MonteCarloResult(
            self.model,
            seed,
            n,
            self.finished[:n],
            bottlenecks,
            self.days,
            self.band,
            min(n, band_limit),
        )


def _execute(
    run: _Accumulator,
    scenario: Scenario,
    model: Model,
    seed: int,
    workers: int | None,
    scheduler: str | None,
    band_limit: int,
    reuse: bool,
    begin: int,
    end: int,
) -> None:
    """Run replications ``begin..end`` into ``run``."""
    if scheduler is not None:
        _run_on_cluster(scheduler, model, scenario, seed, band_limit, begin, end, run.absorb)
        return
    state = _WORKER.get("state")
    if state is None or not state.same_run(model, scenario, seed, band_limit, reuse):
        state = _State.build(model, scenario, seed, band_limit, reuse)
    workers = max(1, min(workers or os.cpu_count() or 1, end - begin))
    # The batch solver's unit of work is a whole block: a block shared among workers would
    # have each piece draw the block's random streams whole, and a run's one block solved
    # here leaves the second core to ``run``'s chart helper (faster end to end than sharing).
    size = BLOCK_SIZE if state.batch else _chunk_size(end - begin, workers)
    units = list(_units(end, size, begin))
    if workers == 1 or len(units) == 1:
        _WORKER["state"] = state
        for unit in units:
            run.absorb(_run_unit(unit))
        return
    _WORKER["state"] = state  # a forked worker takes it over as it is
    init_args = (scenario, model if has_fork() else None, seed, band_limit, reuse)
    with process_pool(workers, _init_worker, init_args) as pool:
        # submitted one by one, not by ``pool.map``: on Ctrl+C map cancels the futures left,
        # which Python 3.11's executor then fails to fail once its workers are stopped (an
        # error printed after the interruption)
        parts = [pool.submit(_run_unit, unit) for unit in units]
        for part in parts:
            run.absorb(part.result())


def _chunk_size(replications: int, slots: int) -> int:
    return max(1, min(50, replications // (slots * 8) or 1))


def _run_on_cluster(
    scheduler: str,
    model: Model,
    scenario: Scenario,
    seed: int,
    band_limit: int,
    begin: int,
    replications: int,
    absorb: Callable[[BlockSummary], None],
) -> None:
    """Send the model to every worker once, submit the chunks, absorb them as they finish."""
    from distributed import KilledWorker, as_completed

    with ExitStack() as stack:
        client = _CLIENTS.get(scheduler)
        if client is None:
            client = _connect(scheduler)
            stack.callback(client.close)
        futures: list[Any] = []
        try:
            slots = sum(client.nthreads().values())
            if slots == 0:
                raise ClusterError(
                    N_("the Dask cluster at %(address)s has no workers", address=repr(scheduler)),
                    bad_input=True,
                )
            token = uuid.uuid4().hex
            shared = client.scatter(model, broadcast=True, hash=False)
            spec = client.scatter(scenario, broadcast=True, hash=False)
            futures = [
                client.submit(
                    _run_remote_unit, token, shared, spec, seed, band_limit, unit, pure=False
                )
                for unit in _units(replications, _chunk_size(replications - begin, slots), begin)
            ]
            for _, batch in as_completed(futures, loop=client.loop, with_results=True):
                absorb(batch)
        except ImportError as exc:
            raise ClusterError(
                N_(
                    "a Dask worker could not import what it needs (%(reason)s); install the same "
                    "migrasim version on every worker",
                    reason=str(exc),
                )
            ) from None
        except (OSError, TimeoutError) as exc:
            raise ClusterError(
                N_(
                    "lost the Dask cluster at %(address)s: %(reason)s",
                    address=repr(scheduler),
                    reason=str(exc),
                )
            ) from None
        except KilledWorker as exc:
            raise ClusterError(
                N_("Dask workers kept dying running replications: %(reason)s", reason=str(exc))
            ) from None
        finally:
            if futures:
                client.cancel(futures)
