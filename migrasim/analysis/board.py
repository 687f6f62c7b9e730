"""The board's questions that need more than the replications' dates: what holds the
programme back in plain terms (:func:`binding_constraint`), what moves the baseline beyond
volume / capacity (:func:`baseline_movers`), and what would fix it with its uncertainty
(:func:`capacity_need`).

Rules (documented here once; the report's words come from the catalogue):

* **Binding constraint.** At the most likely inputs, the programme's completion is simulated
  three more times: with the bottleneck link's capacity doubled, with no install lead time on
  any link, and with no remediation delay for rejected records. Each gain is in days (never =
  the horizon). The largest gain names the constraint: the link (shown by its description),
  "install lead time" or "remediation"; a tie goes to the link. A gain under half a day counts
  as none.
* **Capacity needed, with its uncertainty.** On the run's own draws (the same seed and blocks as
  the Monte Carlo run; at most :data:`MAX_DRAWS` replications), each replication's smallest value
  of the bottleneck's binding capacity that brings the whole programme in before go-live is
  found by bisection (geometric, to 0.5 %; more capacity never finishes later). The capacity for
  a target chance p (0.5, 0.8) is the p-quantile of these needs (the smallest value at which a
  share p of the draws makes go-live), with a ~95 % distribution-free order-statistic interval
  (``stats.quantile_interval_ranks``). An uncertain capacity keeps its spread: each draw's value
  is the decision value times that draw's ratio to the most likely value.

Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, time

import numpy as np

from migrasim.analysis.advice import MAX_FACTOR, Fix
from migrasim.analysis.draws import BLOCK_SIZE, draw_block, inputs_for, take_rows
from migrasim.analysis.records import BaselineMovers, Binding, CapacityNeed, CapacityTarget
from migrasim.analysis.sensitivity import InputKind, input_value, programme_finishes, with_input
from migrasim.analysis.stats import quantile_interval_ranks
from migrasim.core.batch import BlockInputs, CurveCache, lone_flows, solve_block
from migrasim.core.calendar import SimTime
from migrasim.core.engine import simulate
from migrasim.core.model import Inputs, Model, Rejection, baseline_inputs
from migrasim.core.rules import completion_days, in_time_ordinals, quantile_rank
from migrasim.scenario.types import Scenario

INF = math.inf
DAY_S = 86_400.0

__all__ = ["MAX_DRAWS", "baseline_movers", "binding_constraint", "capacity_need"]

MAX_DRAWS = 200
"""Replications used for the capacity needs (fewer when the run had fewer)."""
ENGINE_DRAWS = 100
FLOW_DRAW_BUDGET = 6_000
"""At most flows x draws re-solved per search step (29 flows: all 200 draws)."""
MAX_FLOWS = 200
"""Beyond this many flows the capacity search is not run with every `run` (its cost grows with
flows x draws x search steps); `migrasim solve` answers the same question on request."""
MIN_DRAWS = 20
"""Fewer draws than this give no capacity estimate (intervals would be meaningless)."""
"""... and when the model needs the event engine (flows sharing a link): slower per draw."""
PRECISION = 1.005
"""Bisection stops when the bracket's ends are within 0.5 % of each other (3 figures shown)."""
TARGETS = (0.5, 0.8)

# attribute -> (unit, SI per unit, input kind, BlockInputs column)
_QUANTITIES: dict[str, tuple[str, float, InputKind, str]] = {
    "daily_cap": ("GB", 1e9, InputKind.CAP, "cap"),
    "bandwidth": ("Mbit/s", 1e6 / 8, InputKind.BANDWIDTH, "bandwidth"),
    "daily_records": ("records/day", 1.0, InputKind.DAILY_RECORDS, "daily_records"),
    "records_rate": ("records/s", 1.0, InputKind.RECORDS_RATE, "records_rate"),
}


def _days(t: SimTime | None, horizon: float) -> float:
    return (horizon if t is None or not math.isfinite(t) else t) / 86400


def binding_constraint(model: Model, bottleneck: str, description: str | None = None) -> Binding:
    """The constraint holding the programme back (see the module's rule)."""
    base = baseline_inputs(model)
    horizon = model.horizon
    names = [link.name for link in model.links]
    cases: dict[str, Inputs] = {}
    if bottleneck in names:
        index = names.index(bottleneck)
        doubled = base
        for kind in (InputKind.CAP, InputKind.BANDWIDTH, InputKind.RECORDS_RATE,
                     InputKind.DAILY_RECORDS):  # fmt: skip
            value = input_value(base, kind, index)
            if math.isfinite(value):
                doubled = with_input(doubled, kind, index, 2 * value)
        cases["link"] = doubled
    leads = [i for i, link in enumerate(model.links) if link.estimates.lead_time is not None]
    if leads:
        available = tuple(-INF if i in leads else a for i, a in enumerate(base.available))
        cases["lead_time"] = replace(base, available=available)
    if any(r.fraction > 0 and r.delay_s > 0 for r in base.rejection):
        rejection = tuple(Rejection(r.fraction, 0.0) for r in base.rejection)
        cases["remediation"] = replace(base, rejection=rejection)
    # One batch block for every case when the flows are alone on their links (else the engine
    # case by case): not one event-engine run each (3 s each at 10,000 flows).
    t0, *finishes = (_days(t, horizon) for t in programme_finishes(model, [base, *cases.values()]))
    gains = {
        name: (g if (g := t0 - t) >= 0.5 else 0.0) for name, t in zip(cases, finishes, strict=True)
    }
    link_gain = gains.get("link", 0.0)
    lead_gain = gains.get("lead_time", 0.0)
    remediation_gain = gains.get("remediation", 0.0)
    constraint = "link"
    best = link_gain
    if lead_gain > best:
        constraint, best = "lead_time", lead_gain
    if remediation_gain > best:
        constraint = "remediation"
    return Binding(constraint, bottleneck, description, link_gain, lead_gain, remediation_gain)


def baseline_movers(
    scenario: Scenario, model: Model, volume: float, total: float
) -> BaselineMovers:
    """What moves the baseline beyond volume / capacity (``volume`` and ``total`` in bytes: the
    programme's)."""
    base = baseline_inputs(model)
    return BaselineMovers(
        volume_bytes=volume,
        total_bytes=total,
        growth=any(g > 0 for g in base.growth),
        rejections=any(r.fraction > 0 for r in base.rejection),
        closures=bool(scenario.calendar.closures),
        lead_times=any(link.estimates.lead_time is not None for link in model.links),
    )


def _finisher(
    model: Model, block: BlockInputs, column: str, kind: InputKind, index: int, ratio: np.ndarray
) -> Callable[[float, np.ndarray], np.ndarray]:
    """(A value (SI), rows) -> the programme's finish (s, inf = never) in each of those draws
    with the capacity at that value (times each draw's ratio). The vectorised solver when
    every flow is alone on its links (one value for every row keeps the rows in one group),
    else the event engine."""
    batch = len(lone_flows(model, set(block.down))) == len(model.flows)
    day_ends = np.array([], dtype=float)
    cache: CurveCache = {}

    def finish(value: float, rows: np.ndarray) -> np.ndarray:
        drawn = value * ratio[rows]
        if batch:
            some = take_rows(block, rows)
            col = getattr(some, column).copy()
            col[:, index] = drawn
            # Far below today's capacity growth can outpace a flow: the solver then reaches
            # 0 x inf on its way to "never" (inf, checked: no NaN comes out); keep it quiet.
            with np.errstate(invalid="ignore"):
                result = solve_block(model, replace(some, **{column: col}), day_ends, 0, cache)
            return np.asarray(result.finished.max(axis=1))
        out = np.empty(rows.size)
        for i, row in enumerate(rows.tolist()):
            inputs = with_input(inputs_for(model, block, row), kind, index, float(drawn[i]))
            t = simulate(model, inputs).finished_s
            out[i] = INF if t is None else t
        return out

    return finish


def capacity_need(
    scenario: Scenario, model: Model, fix: Fix | None, seed: int, replications: int
) -> CapacityNeed | None:
    """The bottleneck's capacity needed for a P50 and a P80 chance of making go-live, each with
    its interval (see the module's rule); None without go-live, a fix or the draws."""
    go_live = model.go_live
    if fix is None or go_live is None or replications < 2:
        return None
    attribute = fix.key.rsplit(".", 1)[-1]
    if attribute not in _QUANTITIES:
        return None
    unit, per_unit, kind, column = _QUANTITIES[attribute]
    index = [link.name for link in model.links].index(fix.link)
    likely = input_value(baseline_inputs(model), kind, index)
    if not math.isfinite(likely) or likely <= 0:
        return None
    if len(model.flows) > MAX_FLOWS or FLOW_DRAW_BUDGET // max(1, len(model.flows)) < MIN_DRAWS:
        return None  # the report then points to `migrasim solve` for the capacity (no draws)
    # Only "in time or not" counts here, so outages are drawn only to the day after go-live
    # (exact: nothing that starts after go-live's midnight changes a completion before it,
    # and a completion after it stays after it when later outages are left out).
    deadline = model.clock.to_sim(datetime.combine(go_live, time()))
    bound = min(model.horizon, max(0.0, deadline + DAY_S))
    block = draw_block(scenario, model, seed, 0, bound)
    probe = lone_flows(model, set(block.down))
    draws = MAX_DRAWS if len(probe) == len(model.flows) else ENGINE_DRAWS
    # Bounded cost: each draw re-solves every flow some 40 times; beyond FLOW_DRAW_BUDGET
    # (flows x draws) fewer draws are used, and too few to say anything means no estimate.
    draws = min(draws, FLOW_DRAW_BUDGET // max(1, len(model.flows)))
    if draws < MIN_DRAWS or len(model.flows) > MAX_FLOWS:
        return None  # the report then points to `migrasim solve` for the capacity
    n = min(replications, BLOCK_SIZE, draws)
    block = take_rows(block, slice(0, n))
    ratio = getattr(block, column)[:, index] / likely
    finish = _finisher(model, block, column, kind, index, ratio)

    made: dict[float, np.ndarray] = {}  # value -> which draws make go-live with it
    memo: dict[float, int] = {}

    def count(value: float) -> int:
        """How many draws make go-live with the capacity at ``value`` (SI). More capacity
        never finishes later, so a draw that made it with less makes it, one that missed with
        more misses, and only the draws left undecided are solved."""
        if value not in memo:
            yes = np.zeros(n, dtype=bool)
            no = np.zeros(n, dtype=bool)
            for v, ok in made.items():
                if v <= value:
                    yes |= ok
                if v >= value:
                    no |= ~ok
            ok = yes.copy()
            rows = np.flatnonzero(~yes & ~no)
            if rows.size:
                ok[rows] = in_time_ordinals(completion_days(model.clock, finish(value, rows)),
                                            go_live)  # fmt: skip
            made[value] = ok
            memo[value] = int(ok.sum())
        return memo[value]

    low_end, high_end = likely / 10, likely * MAX_FACTOR

    def smallest(rank: int) -> float | None:
        """The smallest value (to 0.2 %) at which more than ``rank`` draws make go-live: the
        (rank+1)-th smallest need. None: not within MAX_FACTOR x today's."""
        if count(high_end) <= rank:
            return None
        if count(low_end) > rank:
            return low_end / per_unit  # at most this: below the searched range
        # Start from the narrowest bracket the values tried so far give (counts only grow).
        lo = max((v for v, c in memo.items() if c <= rank), default=low_end)
        hi = min((v for v, c in memo.items() if c > rank), default=high_end)
        while hi / lo > PRECISION:
            mid = math.sqrt(lo * hi)
            if count(mid) > rank:
                hi = mid
            else:
                lo = mid
        return hi / per_unit

    targets = []
    for p in TARGETS:
        low, high = quantile_interval_ranks(n, p)
        targets.append(
            CapacityTarget(p, smallest(quantile_rank(n, p)), smallest(low), smallest(high))
        )
    return CapacityNeed(
        key=fix.key, noun=fix.noun, link=fix.link, unit=unit, current=likely / per_unit,
        replications=n, searched_up_to=likely * MAX_FACTOR / per_unit, targets=tuple(targets),
    )  # fmt: skip
