"""The board's questions that need more than the replications' dates: what holds the
programme back in plain terms (:func:`binding_constraint`), what moves the baseline beyond
volume / capacity (:func:`baseline_movers`), and what would fix it with its uncertainty
(:func:`capacity_need`).

Rules (documented here once; the report's words come from the catalogue):

* **Binding constraint.** At the most likely inputs, the programme's completion is simulated
  again: with the bottleneck link's capacity doubled, and with each uncertain input kind that
  declares a relief relieved everywhere (``uncertain.reliefs``: no install lead time on any
  link, no remediation delay for rejected records). Each gain is in days (never = the
  horizon). The largest gain names the constraint: the link (shown by its description) or the
  relief (in its kind's words); a tie goes to the link, then to the relief of least rank. A
  gain under half a day counts as none.
* **Capacity needed, with its uncertainty.** The capacity is stated in the terms of the scenario
  key it names, as ``--set KEY=VALUE`` and ``migrasim solve --vary KEY`` take it: a daily cap as
  typed, a bandwidth as the nominal line speed (before ``efficiency``). A value is tried exactly
  as ``--set`` would run it: the key set to that one value in every replication (an uncertain
  capacity's own spread is replaced, as ``--set`` replaces it), every other input, the link's
  efficiency included, drawn as in the run. On the run's own draws (the same seed and block as
  the Monte Carlo run, so the same draws ``--set`` and ``solve`` give: common random numbers;
  up to one block, :data:`MAX_DRAWS`, fewer when the flows x draws budget says so), each
  replication's smallest value that brings the whole programme in before go-live is found by
  bisection (geometric, to 0.5 %; more capacity never finishes later). The capacity for a
  target chance p (0.5, 0.8) is the p-quantile of these needs (the smallest value at which a
  share p of the draws makes go-live: the value at which ``P80 < go_live`` holds, for 0.8),
  with a ~95 % distribution-free order-statistic interval (``stats.quantile_interval_ranks``).
  Values are stated to 4 significant figures: the value rounded up (typed back, it still
  makes its target on these draws), the interval's lower end down and upper end up.
* **Doubling's P80 shift.** The binding constraint's gains are measured at the most likely
  inputs (one run each). The headline's "N days earlier" for the bottleneck link is also
  measured on the run's own draws: the programme's P80 on those draws today and with the link's
  every capacity doubled (common random numbers), when the batch solver can take the scenario
  (every flow alone on its links); the sentences name which basis they use.

Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

import numpy as np

from migrasim.analysis import uncertain
from migrasim.analysis.advice import MAX_FACTOR, Fix, rounded_setting
from migrasim.analysis.draws import BLOCK_SIZE, draw_block, inputs_for, take_rows
from migrasim.analysis.records import (
    BaselineMovers,
    Binding,
    CapacityNeed,
    CapacityTarget,
    Relief,
)
from migrasim.analysis.sensitivity import (
    input_value,
    programme_finishes,
    with_input,
    with_kind_values,
)
from migrasim.analysis.stats import quantile_interval_ranks
from migrasim.core import kinds
from migrasim.core.batch import BlockInputs, CurveCache
from migrasim.core.calendar import NEVER, SimTime
from migrasim.core.engine import simulate
from migrasim.core.kinds import CapacityRule
from migrasim.core.model import Inputs, Model, baseline_inputs
from migrasim.core.rules import in_time_ordinals, quantile_rank
from migrasim.core.shared_batch import batchable, solve_block
from migrasim.scenario.types import Scenario, likely_of

DAY_S = 86_400.0

__all__ = ["MAX_DRAWS", "baseline_movers", "binding_constraint", "capacity_need"]

MAX_DRAWS = BLOCK_SIZE
"""Replications used for the capacity needs (fewer when the run had fewer): one block, so the
needs are found on the very draws a run (and ``solve``) of up to a block's replications uses."""
ENGINE_DRAWS = 100
FLOW_DRAW_BUDGET = 30_000
"""At most flows x draws re-solved per search step (29 flows: all 1,000 draws; measured on the
Wales scenario, 0.47 s for 1,000 draws against 0.26 s for 200)."""
MAX_FLOWS = 200
"""Beyond this many flows the capacity search is not run with every `run` (its cost grows with
flows x draws x search steps); `migrasim solve` answers the same question on request."""
MIN_DRAWS = 20
"""Fewer draws than this give no capacity estimate (intervals would be meaningless)."""
"""... and when the model needs the event engine (flows sharing a link): slower per draw."""
PRECISION = 1.005
"""Bisection stops when the bracket's ends are within 0.5 % of each other (3 figures shown)."""
AHEAD_ROWS = 120
"""The capacity search solves the values its bisection may ask next in one phase loop while
their undecided draws (rows) number at most this (about the rows whose cost equals a loop's
fixed per-step cost on the Wales scenario)..."""
AHEAD_DEPTH = 5
"""... and at most this many levels of the bisection ahead (31 values)."""
TARGETS = (0.5, 0.8)


def _days(t: SimTime, horizon: float) -> float:
    return (horizon if t == NEVER else t) / 86400


def binding_constraint(
    model: Model,
    bottleneck: str,
    description: str | None = None,
    scenario: Scenario | None = None,
    seed: int = 0,
    replications: int = 0,
    p80: date | None = None,
    p80_known: bool = False,
) -> Binding:
    """The constraint holding the programme back (see the module's rule); with the run's
    ``scenario``, ``seed`` and ``replications``, also how far doubling the bottleneck link's
    capacity moves the programme's P80 on the run's draws (``p80``: the run's own;
    ``p80_known``: ``p80`` is the run's own even when None, never)."""
    base = uncertain.baseline(model)
    horizon = model.horizon
    names = [link.name for link in model.links]
    cases: dict[str, Inputs] = {}
    if bottleneck in names:
        index = names.index(bottleneck)
        doubled = base
        for kind in kinds.CAPACITY_RULES:
            value = input_value(base, kind, index)
            if math.isfinite(value):
                doubled = with_input(doubled, kind, index, 2 * value)
        cases["link"] = doubled
    plain = baseline_inputs(model)  # without the kinds that combine onto a field
    for relief in uncertain.reliefs():  # each kind's relief (lead times, remediation) at once
        count = len(model.flows if relief.owner == "flow" else model.links)
        relieved = {i: relief.relieved for i in range(count) if relief.relieves(model, base, i)}
        if relieved:  # combined with the other kinds of its field (a start delay still waits)
            cases[str(relief.relief)] = with_kind_values(base, relief, relieved, model, plain)
    # One batch block for every case when the flows are alone on their links (else the engine
    # case by case): not one event-engine run each (3 s each at 10,000 flows).
    t0, *finishes = (_days(t, horizon) for t in programme_finishes(model, [base, *cases.values()]))
    gains = {
        name: (g if (g := t0 - t) >= 0.5 else 0.0) for name, t in zip(cases, finishes, strict=True)
    }
    link_gain = gains.get("link", 0.0)
    reliefs = tuple(
        Relief(str(k.relief), gains.get(str(k.relief), 0.0)) for k in uncertain.reliefs()
    )
    constraint = "link"
    best = link_gain
    for gained in reliefs:  # the first of the largest gains
        if gained.days > best:
            constraint, best = gained.relief, gained.days
    shift = None
    if scenario is not None and bottleneck in names:
        shift = doubled_p80_shift(scenario, model, names.index(bottleneck), seed, replications, p80,
                                  p80_known)  # fmt: skip
    p80_days, p80_draws = (None, 0) if shift is None else shift
    return Binding(constraint, bottleneck, description, link_gain, reliefs, p80_days, p80_draws)


def doubled_p80_shift(
    scenario: Scenario,
    model: Model,
    index: int,
    seed: int,
    replications: int,
    p80: date | None = None,
    p80_known: bool = False,
) -> tuple[float | None, int] | None:
    """(days the programme's P80 moves earlier with link ``index``'s every capacity doubled,
    the draws it was measured on): the run's first draws (up to a block, within
    :data:`FLOW_DRAW_BUDGET`), today and doubled, common random numbers. Days are None when
    the P80 never comes today or doubled; None when the batch solver cannot take the scenario
    (flows sharing a link) or there are too few draws. ``p80``: the run's own P80 when it was
    found on these very draws (all ``replications`` of one block); today's case is then not
    solved again, and outages are drawn and the doubled case solved only to the day after it
    (exact: doubling never finishes later, so the doubled P80 falls before then and nothing
    after it moves it).
    ``p80_known``: ``p80`` is the run's own on these draws even when None: a P80 that never
    comes today gives None days without solving anything (no shift is measured from never)."""
    n = min(replications, BLOCK_SIZE, FLOW_DRAW_BUDGET // max(1, len(model.flows)))
    if n < MIN_DRAWS or len(model.flows) > MAX_FLOWS:
        return None
    known = (p80 is not None or p80_known) and n == replications
    bound = model.horizon
    if known and p80 is not None:
        after = model.clock.to_sim(datetime.combine(p80, time())) + DAY_S
        bound = min(model.horizon, max(0.0, after))
    block = draw_block(scenario, model, seed, 0, bound, rows=n)
    if not batchable(model, set(block.down)):
        return None
    if known and p80 is None:
        return None, n
    doubled: dict[str, Any] = {}
    for rule in kinds.CAPACITY_RULES:
        values = rule.values(block).copy()
        values[:, index] *= 2  # inf (no such limit) stays inf
        doubled |= rule.with_values(replace(block, **doubled), values)
    cache: CurveCache = {}
    day_ends = np.array([], dtype=float)
    rank = quantile_rank(n, 0.8)
    cases = [replace(block, **doubled)] if known else [block, replace(block, **doubled)]
    short = replace(model, horizon=bound)  # the same argument: solved only to the bound
    found = []
    for inputs in cases:
        with np.errstate(invalid="ignore"):
            finished = solve_block(short, inputs, day_ends, 0, cache).finished.max(axis=1)
        found.append(float(np.sort(model.clock.completion_days(finished))[rank]))
    twice = found[-1]
    today = float(p80.toordinal()) if known and p80 is not None else found[0]
    if not (math.isfinite(today) and math.isfinite(twice)):
        return None, n
    return today - twice, n


def baseline_movers(
    scenario: Scenario, model: Model, volume: float, total: float
) -> BaselineMovers:
    """What moves the baseline beyond volume / capacity (``volume`` and ``total`` in bytes: the
    programme's)."""
    moving = []
    for kind in uncertain.UNCERTAIN_INPUTS:  # each kind that says it moves the baseline
        count = len(model.flows if kind.owner == "flow" else model.links)
        if kind.moves is not None and any(
            (likely := kind.likely(model, i)) is not None and likely > 0 for i in range(count)
        ):
            moving.append(kind.key)
    return BaselineMovers(volume, total, bool(scenario.calendar.closures), tuple(moving))


def _finisher(
    model: Model,
    block: BlockInputs,
    rule: CapacityRule,
    index: int,
    ratio: np.ndarray,
    until: float,
) -> Callable[[list[tuple[float, np.ndarray]]], list[np.ndarray]]:
    """[(a value (SI), rows)] -> for each, the programme's finish (s, inf = never; the batch
    solver says inf for any finish after ``until`` too) in each of those draws with the
    capacity at that value (times each draw's ratio). The vectorised solver when it can phase
    every component, all the values' rows stacked in one block (one phase loop: rows whose
    curves differ only by a scale share it), solved only to ``until`` (as if the horizon were
    there: nothing after a time changes what finished before it, and a draw stops as soon as
    it is past), else the event engine."""
    batch = batchable(model, set(block.down))
    short = replace(model, horizon=min(model.horizon, until))
    day_ends = np.array([], dtype=float)
    cache: CurveCache = {}

    def finish(asked: list[tuple[float, np.ndarray]]) -> list[np.ndarray]:
        drawn = [value * ratio[rows] for value, rows in asked]
        if batch:
            every = np.concatenate([rows for _, rows in asked])
            some = take_rows(block, every)
            col = rule.values(some).copy()
            col[:, index] = np.concatenate(drawn)
            # Far below today's capacity growth can outpace a flow: the solver then reaches
            # 0 x inf on its way to "never" (inf, checked: no NaN comes out); keep it quiet.
            with np.errstate(invalid="ignore"):
                changed = replace(some, **rule.with_values(some, col))
                result = solve_block(short, changed, day_ends, 0, cache)
            ends = np.cumsum([rows.size for _, rows in asked])[:-1]
            return np.split(np.asarray(result.finished.max(axis=1)), ends)
        found = []
        for (_, rows), values in zip(asked, drawn, strict=True):
            out = np.empty(rows.size)
            for i, row in enumerate(rows.tolist()):
                inputs = with_input(inputs_for(model, block, row), rule, index, float(values[i]))
                out[i] = simulate(model, inputs).finished_s
            found.append(out)
        return found

    return finish


def capacity_need(
    scenario: Scenario,
    model: Model,
    fix: Fix | None,
    seed: int,
    replications: int,
    keep_spread: bool = False,
) -> CapacityNeed | None:
    """The bottleneck's capacity needed for a P50 and a P80 chance of making go-live, each with
    its interval (see the module's rule); None without go-live, a fix or the draws.

    ``keep_spread``: the key is drawn as the scenario gives it and each draw's value over its
    likely one multiplies the value searched (``track``'s remaining scenario, whose calibrated
    capacity is the plan's value times an uncertain efficiency: the need keeps that
    uncertainty), instead of set to one value as ``--set`` sets it."""
    go_live = model.go_live
    if fix is None or go_live is None or replications < 2:
        return None
    attribute = fix.key.rsplit(".", 1)[-1]
    rule = kinds.rule_of(attribute)
    if rule is None:
        return None
    unit, per_unit = rule.advice_unit, rule.per_advice_unit
    index = [link.name for link in model.links].index(fix.link)
    spec = scenario.links.get(fix.link)
    typed = None if spec is None else spec.limit(rule)
    likely = math.nan if typed is None else likely_of(typed)  # the key's terms (nominal), SI
    if not math.isfinite(likely) or likely <= 0:
        return None
    if len(model.flows) > MAX_FLOWS or FLOW_DRAW_BUDGET // max(1, len(model.flows)) < MIN_DRAWS:
        return None  # the report then points to `migrasim solve` for the capacity (no draws)
    search = _need_search(scenario, model, fix.link, index, rule, likely, seed, replications,
                          keep_spread)  # fmt: skip
    if search is None:
        return None  # the report then points to `migrasim solve` for the capacity
    targets = tuple(search.target(p) for p in TARGETS)
    return CapacityNeed(
        key=fix.key, noun=fix.noun, link=fix.link, unit=unit, current=likely / per_unit,
        replications=search.n, searched_up_to=likely * MAX_FACTOR / per_unit, targets=targets,
    )  # fmt: skip


def _need_search(
    scenario: Scenario,
    model: Model,
    link: str,
    index: int,
    rule: CapacityRule,
    likely: float,
    seed: int,
    replications: int,
    keep_spread: bool,
) -> _NeedSearch | None:
    """The search for ``link``'s (the model's link ``index``) ``rule`` (today ``likely``, SI)
    on the run's own draws (see :func:`capacity_need`); None when too few draws fit the
    budget."""
    go_live = model.go_live
    assert go_live is not None
    # Only "in time or not" counts here, so outages are drawn only to the day after go-live
    # (exact: nothing that starts after go-live's midnight changes a completion before it,
    # and a completion after it stays after it when later outages are left out).
    deadline = model.clock.to_sim(datetime.combine(go_live, time()))
    bound = min(model.horizon, max(0.0, deadline + DAY_S))
    # Drawn with the key at one value (its likely one), as ``--set`` runs it: the column is then
    # that value times what else multiplies it in each draw (a bandwidth's efficiency); with
    # ``keep_spread`` the key's own spread is kept in that multiplier too.
    drawn = scenario if keep_spread else _with_link_value(scenario, link, rule, likely)
    block = draw_block(drawn, model, seed, 0, bound)
    batch = batchable(model, set(block.down))
    draws = MAX_DRAWS if batch else ENGINE_DRAWS
    # Bounded cost: each draw re-solves every flow some 40 times; beyond FLOW_DRAW_BUDGET
    # (flows x draws) fewer draws are used, and too few to say anything means no estimate.
    draws = min(draws, FLOW_DRAW_BUDGET // max(1, len(model.flows)))
    if draws < MIN_DRAWS or len(model.flows) > MAX_FLOWS:
        return None
    n = min(replications, BLOCK_SIZE, draws)
    block = take_rows(block, slice(0, n))
    ratio = rule.values(block)[:, index] / likely
    finish = _finisher(model, block, rule, index, ratio, bound)
    return _NeedSearch(model, go_live, finish, n, batch, likely, rule.per_advice_unit)


class _NeedSearch:
    """Each draw's need, found by bisection over the capacity's value (SI) from a tenth of
    today's (``likely``) to :data:`~migrasim.analysis.advice.MAX_FACTOR` times it; ``finish``
    solves the programme's finish in some draws at a value (:func:`_finisher`)."""

    def __init__(
        self,
        model: Model,
        go_live: date,
        finish: Callable[[list[tuple[float, np.ndarray]]], list[np.ndarray]],
        n: int,
        batch: bool,
        likely: float,
        per_unit: float,
    ) -> None:
        self.model, self.go_live, self.finish = model, go_live, finish
        self.n, self.batch, self.per_unit = n, batch, per_unit
        self.low_end, self.high_end = likely / 10, likely * MAX_FACTOR
        self.made: dict[float, np.ndarray] = {}  # value -> which draws make go-live with it
        self.memo: dict[float, int] = {}
        # value -> (rows, made) solved early
        self.ahead: dict[float, tuple[np.ndarray, np.ndarray]] = {}

    def undecided(self, value: float) -> tuple[np.ndarray, np.ndarray]:
        """(the draws known to make go-live with ``value``, the draws not known either way).
        More capacity never finishes later, so a draw that made it with less makes it, one that
        missed with more misses."""
        yes = np.zeros(self.n, dtype=bool)
        no = np.zeros(self.n, dtype=bool)
        for v, ok in self.made.items():
            if v <= value:
                yes |= ok
            if v >= value:
                no |= ~ok
        return yes, np.flatnonzero(~yes & ~no)

    def solve(self, asked: list[tuple[float, np.ndarray]]) -> list[np.ndarray]:
        finishes = self.finish(asked)
        clock = self.model.clock
        return [in_time_ordinals(clock.completion_days(f), self.go_live) for f in finishes]

    def count(self, value: float) -> int:
        """How many draws make go-live with the capacity at ``value`` (SI); only the draws
        :meth:`undecided` leaves are solved (or taken from a look ahead's solve)."""
        if value not in self.memo:
            yes, rows = self.undecided(value)
            ok = yes.copy()
            if rows.size:
                if value in self.ahead:
                    solved, found = self.ahead[value]
                    ok[rows] = found[np.searchsorted(solved, rows)]
                else:
                    (ok[rows],) = self.solve([(value, rows)])
            self.made[value] = ok
            self.memo[value] = int(ok.sum())
        return self.memo[value]

    def look_ahead(self, lo: float, hi: float) -> None:
        """Solve in one go the values the bisection of (lo, hi) may ask next, level by level
        while their undecided draws stay within :data:`AHEAD_ROWS` (a phase loop's steps cost
        more than its rows), so fewer loops run one after another. A value is counted only
        when the bisection asks for it, so every bracket and figure is the one-by-one search's."""
        asked: list[tuple[float, np.ndarray]] = []
        total = 0
        level = [(lo, hi)]
        for depth in range(AHEAD_DEPTH):
            here: list[tuple[float, np.ndarray]] = []
            below = []
            for a, b in level:
                if b / a <= PRECISION:
                    continue
                mid = math.sqrt(a * b)
                below += [(a, mid), (mid, b)]
                if mid not in self.memo and mid not in self.ahead:
                    rows = self.undecided(mid)[1]
                    if rows.size:
                        here.append((mid, rows))
            size = sum(rows.size for _, rows in here)
            if depth and total + size > AHEAD_ROWS:
                break
            asked += here
            total += size
            level = below
        if len(asked) > 1:  # else the bisection's own count solves it, alone
            for (value, rows), found in zip(asked, self.solve(asked), strict=True):
                self.ahead[value] = (rows, found)

    def smallest(self, rank: int) -> float | None:
        """The smallest value (to 0.2 %) at which more than ``rank`` draws make go-live: the
        (rank+1)-th smallest need, in the key's advice unit. None: not within MAX_FACTOR x
        today's."""
        if self.count(self.high_end) <= rank:
            return None
        if self.count(self.low_end) > rank:
            return self.low_end / self.per_unit  # at most this: below the searched range
        # Start from the narrowest bracket the values tried so far give (counts only grow).
        lo = max((v for v, c in self.memo.items() if c <= rank), default=self.low_end)
        hi = min((v for v, c in self.memo.items() if c > rank), default=self.high_end)
        while hi / lo > PRECISION:
            mid = math.sqrt(lo * hi)
            if self.batch and mid not in self.memo and mid not in self.ahead:
                self.look_ahead(lo, hi)
            if self.count(mid) > rank:
                hi = mid
            else:
                lo = mid
        return hi / self.per_unit

    def target(self, p: float) -> CapacityTarget:
        """The capacity for a ``p`` chance of making go-live, with its interval, stated to 4
        significant figures (the value and the upper end rounded up, the lower end down)."""
        low, high = quantile_interval_ranks(self.n, p)
        return CapacityTarget(p, _stated(self.smallest(quantile_rank(self.n, p)), up=True),
                              _stated(self.smallest(low), down=True),
                              _stated(self.smallest(high), up=True))  # fmt: skip


def _stated(value: float | None, up: bool = False, down: bool = False) -> float | None:
    return None if value is None else rounded_setting(value, up=up, down=down)


def _with_link_value(scenario: Scenario, link: str, rule: CapacityRule, value: float) -> Scenario:
    """``scenario`` with link ``link``'s capacity rule ``rule`` set to one value (SI), as
    ``--set`` sets it."""
    old = scenario.links[link]
    update: dict[str, Any] = (
        {rule.key: value} if rule.field is not None else {"limits": {**old.limits, rule.key: value}}
    )
    spec = old.model_copy(update=update)
    return scenario.model_copy(update={"links": {**scenario.links, link: spec}})
