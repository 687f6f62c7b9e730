"""Choosing what to change: the cheapest set of options (and installation slots) that makes
go-live, on the same simulated draws for every candidate.

Two parts. :func:`make_plan` (``migrasim plan``) reads the scenario's ``options``, simulates
each organisation's completion under each of its *choices* (a set of options, each crewed
option in a slot) on the same replications and gives, per choice, which replications finish
by the organisation's go-live: one batch run per programme-wide subset and per choice, applied
to every organisation at once, when organisations are alone on their links; otherwise a
heuristic with full runs (greedy by cost per organisation-day saved, then local search). It
writes crew slots as copies of the link (``not_before``, ``draws_as``), so plan.yaml runs to the
same figures, and re-checks the plan on fresh replications. :func:`select` (pure) solves a
sample-average-approximation (SAA) mixed-integer programme with ``scipy.optimize.milp``
(HiGHS), exact on those draws (Pagnoncelli, Ahmed & Shapiro 2009, "Sample average
approximation method for chance constrained programming"; Luedtke & Ahmed 2008 for the sample
sizes).

The programme (variables ``x[o, c]``, one binary per organisation ``o`` and choice ``c``):

- each organisation takes exactly one of its choices (its "no change" choice included);
- a crewed option installs at most ``capacity`` organisations per slot;
- *in time at confidence alpha*, per organisation (the default, as ``run`` judges each
  organisation): the SAA constraint ``sum_r z[o, r] >= ceil(alpha R)`` with ``z[o, r] <=
  sum_c in_time[o, c, r] x[o, c]``; because an organisation's completion depends only on its
  own choice (organisations alone on their links), it reduces exactly to allowing only the
  choices whose own share of in-time replications reaches ``ceil(alpha R) / R``, so no ``z`` is
  needed; ``joint=True`` asks instead that *every* organisation be in time together in
  ``ceil(alpha R)`` replications, which needs the ``z[r]`` of the SAA programme;
- without a budget: minimise the cost with every organisation in time (when that cannot be
  done, as many organisations as can be, then the cost); with a budget: maximise the number of
  organisations in time at that cost or less, then minimise the cost;
- ties are broken by the least total P80 (in days), so a crew's early slots go to the
  organisations with the most days to save;
- ``at_least=k`` (the frontier): the cheapest plan with at least ``k`` organisations in time.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.sampling import has_uncertainty
from migrasim.core.rules import go_live_of, in_time_ordinals, quantile_rank
from migrasim.errors import N_, Message, Problem, ScenarioError
from migrasim.scenario.overrides import apply_override, key_path_problem
from migrasim.scenario.types import (
    PROGRAMME_ROW,
    OptionSpec,
    Scenario,
    option_assignments,
    organisations_of,
    parse_scenario,
)

COST_TOLERANCE = 1e-6
"""Relative slack on the optimal cost when the tie-break programme keeps it."""


@dataclass(frozen=True)
class Choice:
    """One way an organisation can go: the options it takes, the slot (1-based) of each
    crewed one, what it costs, and in which replications it finishes by its go-live."""

    options: tuple[str, ...]
    slots: tuple[tuple[str, int], ...]  # (crewed option, slot)
    cost: float
    in_time: np.ndarray  # bool, one per replication
    p80_days: float  # the organisation's P80 under this choice, in days from the start (tie-break)


@dataclass(frozen=True)
class Selection:
    """The chosen choice per organisation and what it achieves on the draws."""

    chosen: tuple[int, ...]  # index into each organisation's choices
    cost: float
    in_time: int  # organisations in time at the confidence (or, joint, all of them or none)
    joint_chance: float  # share of replications in which every organisation is in time
    variables: int
    constraints: int
    seconds: float
    optimal: bool


def needed(alpha: float, replications: int) -> int:
    """Replications that must be in time for a chance of at least ``alpha`` (as a P-alpha
    before go-live is read: ``core.rules.quantile_rank``)."""
    return max(1, math.ceil(alpha * replications - 1e-9))


def _joint_chance(choices: Sequence[Sequence[Choice]], chosen: Sequence[int]) -> float:
    together = np.logical_and.reduce(
        [org[c].in_time for org, c in zip(choices, chosen, strict=True)]
    )
    return float(np.mean(together))


class _Programme:
    """The constraint rows of the SAA programme, kept sparse (row, column, value)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.entries: list[tuple[int, int, float]] = []
        self.low: list[float] = []
        self.high: list[float] = []

    def add(self, columns: Sequence[int], values: Any, low: float, high: float) -> None:
        row = len(self.low)
        self.entries += [(row, int(c), float(v)) for c, v in zip(columns, values, strict=True)]
        self.low.append(low)
        self.high.append(high)

    def solve(
        self, objective: np.ndarray, upper: np.ndarray, time_limit: float
    ) -> np.ndarray | None:
        rows, columns, values = zip(*self.entries, strict=True) if self.entries else ((), (), ())
        matrix = coo_matrix((values, (rows, columns)), shape=(len(self.low), self.width))
        result = milp(
            objective,
            integrality=np.ones(self.width),
            bounds=Bounds(np.zeros(self.width), upper),
            constraints=LinearConstraint(matrix.tocsr(), self.low, self.high),
            options={"time_limit": time_limit},
        )
        if result.x is None:
            return None
        return np.asarray(np.round(result.x), dtype=float)


def select(
    choices: Sequence[Sequence[Choice]],
    crews: Mapping[str, int],
    alpha: float,
    budget: float | None = None,
    joint: bool = False,
    time_limit: float = 60.0,
    at_least: int | None = None,
) -> Selection | None:
    """The plan on these draws (see the module docstring), or ``None`` when no plan reaches a
    joint chance of ``alpha`` (or puts ``at_least`` organisations in time). ``choices[o]``
    lists organisation ``o``'s choices (the first should be "no change"); ``crews`` the
    capacity per slot of each crewed option. ``at_least`` (not joint): the cheapest plan with
    at least that many organisations in time (a point of the frontier)."""
    started = time.perf_counter()
    index = [(o, c) for o, org in enumerate(choices) for c in range(len(org))]
    n = len(index)
    replications = len(choices[0][0].in_time) if choices and choices[0] else 0
    need = needed(alpha, replications)
    extra = replications if joint else 0  # z[r]: every organisation in time in replication r
    width = n + extra
    cost = np.zeros(width)
    cost[:n] = [choices[o][c].cost for o, c in index]
    meets = np.zeros(width)
    meets[:n] = [int(choices[o][c].in_time.sum()) >= need for o, c in index]
    p80 = np.zeros(width)
    p80[:n] = [min(choices[o][c].p80_days, 1e6) for o, c in index]
    base = _Programme(width)
    for o, org in enumerate(choices):
        first = index.index((o, 0))
        base.add(range(first, first + len(org)), [1.0] * len(org), 1.0, 1.0)
    slots = sorted({s for o, c in index for s in choices[o][c].slots})
    for option, slot in slots:
        using = [k for k, (o, c) in enumerate(index) if (option, slot) in choices[o][c].slots]
        base.add(using, [1.0] * len(using), 0.0, float(crews[option]))
    if joint:
        for o, org in enumerate(choices):
            first = index.index((o, 0))
            hits = np.array([choice.in_time for choice in org])  # choices x replications
            for r in range(replications):
                (takes,) = np.nonzero(hits[:, r])
                base.add([n + r, *(first + takes)], [1.0, *([-1.0] * len(takes))], -np.inf, 0.0)
        base.add(range(n, width), [1.0] * extra, float(need), np.inf)
    if budget is not None:
        base.add(range(width), cost, -np.inf, float(budget))
    upper = np.ones(width)
    if not joint and at_least is not None:
        base.add(range(width), meets, float(at_least), np.inf)
    elif not joint:
        everyone = budget is None and all(
            any(meets[k] for k, (oo, _) in enumerate(index) if oo == o) for o in range(len(choices))
        )
        if everyone:  # every organisation in time: only its in-time choices, if crews allow
            only = upper.copy()
            only[:n] = meets[:n]
            everyone = base.solve(cost, only, time_limit) is not None
            upper = only if everyone else upper
        if not everyone:  # as many organisations in time as can be (within the budget)
            most = base.solve(-meets, upper, time_limit)
            assert most is not None  # "no change" for everyone is always feasible
            base.add(range(width), meets, float(meets @ most), np.inf)
    x = base.solve(cost, upper, time_limit)
    if x is None:
        return None
    base.add(range(width), cost, -np.inf, float(cost @ x) * (1 + COST_TOLERANCE) + 1e-6)
    ordered = base.solve(p80, upper, time_limit)  # ties: the least total P80
    x = ordered if ordered is not None else x
    chosen = [0] * len(choices)
    for k, (o, c) in enumerate(index):
        if x[k] > 0.5:
            chosen[o] = c
    together = _joint_chance(choices, chosen)
    in_time = sum(int(choices[o][c].in_time.sum()) >= need for o, c in enumerate(chosen))
    return Selection(
        tuple(chosen), float(sum(choices[o][c].cost for o, c in enumerate(chosen))), in_time,
        together, width, len(base.low), time.perf_counter() - started, True,
    )  # fmt: skip


# --- the pipeline: options -> choices on the same draws -> the plan ----------------------------

PROGRAMME_OPTIONS_LIMIT = 8
"""Programme-wide options are tried in every combination (2^n): at most this many."""

EXACT, HEURISTIC = "exact", "heuristic"
"""How the plan was found: the SAA programme on the batch results (organisations alone on
their links), or greedy then local search with full runs (flows share a link)."""

SLOT_TIE = 1e-4
"""Days added to a choice's P80 per crew slot in the tie-break: between choices with the same
P80 the earlier slot is taken (a whole day of P80 always outweighs it)."""

HEURISTIC_RUNS = 2000
"""Most full runs the heuristic makes (it says so when it stops there)."""


@dataclass(frozen=True)
class Organisation:
    """An organisation the plan chooses for: its flows and the go-live it is judged by (the
    earliest of its flows' go-lives, each its own or else the programme's: ``go_live_of``)."""

    name: str
    flows: tuple[str, ...]
    go_live: date


@dataclass(frozen=True)
class Applied:
    """One organisation's part of a plan: its options, the crew slot of each crewed one."""

    options: tuple[str, ...] = ()
    slots: tuple[tuple[str, int], ...] = ()

    def slot(self, option: str) -> int | None:
        return dict(self.slots).get(option)


@dataclass(frozen=True)
class PlanRow:
    """plan.csv's row: an organisation (or ALL for the programme-wide options and the
    programme's figures), its options and slots, their cost, its P80 and chance."""

    organisation: str
    options: tuple[str, ...]
    slots: tuple[tuple[str, int], ...]
    cost: float
    p80: date | None
    prob: float
    go_live: date | None
    in_time: bool  # its chance reaches the plan's confidence


@dataclass(frozen=True)
class FrontierPoint:
    """The best plan within ``budget``: what it costs, how many organisations it puts in
    time, its chance of every organisation in time, the programme's P80."""

    budget: float
    cost: float
    in_time: int
    organisations: int
    chance: float
    p80: date | None
    recommended: bool
    options: tuple[str, ...]  # every option it takes, once each


@dataclass(frozen=True)
class PlanOutcome:
    """What ``migrasim plan`` found."""

    method: str  # EXACT or HEURISTIC
    alpha: float
    joint: bool
    budget: float | None
    rows: tuple[PlanRow, ...]  # one per organisation, then ALL
    programme: tuple[str, ...]  # programme-wide options taken
    cost: float
    met: bool  # the target is met on the draws (every organisation, or the joint chance)
    in_time: int
    organisations: int
    chance: float  # share of replications with every organisation in time (in sample)
    fresh_chance: float  # the same on fresh, independent replications
    fresh_in_time: int  # organisations in time at the confidence on the fresh replications
    fresh_seed: int
    p80: date | None  # the programme's P80 with the plan
    frontier: tuple[FrontierPoint, ...]
    assignments: tuple[str, ...]  # the plan as --set KEY=VALUE changes (plan.yaml's)
    replications: int
    seed: int
    runs: int  # simulations made (batch runs or full runs)
    variables: int  # the largest programme's size
    constraints: int
    milp_seconds: float  # the plan's programmes (one per programme-wide subset)
    frontier_seconds: float = 0.0  # the frontier's programmes
    note: str = ""


def parse_plan_target(chance: float | None, target: str | None) -> float:
    """The confidence each organisation must make its go-live with: ``--chance`` or a
    ``--target`` such as ``P80 < go_live`` (0.8) or ``prob_by_go_live >= 0.9``."""
    if chance is not None and target is not None:
        raise ScenarioError(
            [Problem("--target", N_("give --chance or --target, not both"), N_("remove one"))]
        )
    if target is None:
        alpha = 0.8 if chance is None else chance
        if not 0 < alpha <= 1:
            raise ScenarioError(
                [Problem("--chance", N_("must be in (0, 1], got %(value)s", value=repr(alpha)),
                         N_("e.g. 0.8"))]
            )  # fmt: skip
        return alpha
    match = re.match(
        r"^\s*(?:P(?P<p>\d{1,2})\s*<\s*go_live|prob_by_go_live\s*>=\s*(?P<x>[0-9.]+))\s*$",
        target,
        re.IGNORECASE,
    )
    alpha = -1.0
    if match and match["p"] is not None:
        alpha = int(match["p"]) / 100
    elif match:
        with contextlib.suppress(ValueError):
            alpha = float(match["x"])
    if not 0 < alpha <= 1:
        raise ScenarioError(
            [Problem("--target", N_("cannot read %(text)s", text=repr(target)),
                     N_("write e.g. 'P80 < go_live' or 'prob_by_go_live >= 0.9': the plan "
                        "judges each organisation against its own go-live"))]
        )  # fmt: skip
    return alpha


def organisations(scenario: Scenario) -> list[Organisation]:
    """The organisations of ``scenario`` with the go-live each is judged by; one without a
    go-live is an error (exit 2)."""
    by_name = {flow.label: flow for flow in scenario.flows}
    out = []
    for name, flows in organisations_of(scenario).items():
        go_live = go_live_of([by_name[f].go_live for f in flows], scenario.go_live)
        if go_live is None:
            raise ScenarioError(
                [Problem("go_live", N_("the plan needs a go-live date (the programme's, or "
                                       "each flow's own)"), N_("add go_live"))]
            )  # fmt: skip
        out.append(Organisation(name, tuple(flows), go_live))
    return out


def separable(scenario: Scenario) -> bool:
    """Whether every organisation's completion depends only on its own choices: no link is
    shared by flows of two organisations (per-flow links are each flow's own), and no flow
    waits for another organisation's."""
    owner: dict[str, str] = {}
    org_of = {flow.label: flow.organisation_name for flow in scenario.flows}
    for flow in scenario.flows:
        if any(org_of[a] != flow.organisation_name for a in flow.after):
            return False
        names = [*flow.links]
        names += [str(scenario.links[n].fallback) for n in flow.links if scenario.links[n].fallback]
        for name in names:
            if scenario.links[name].per_flow:
                continue
            if owner.setdefault(name, flow.organisation_name) != flow.organisation_name:
                return False
    return True


def _duration_text(seconds: float) -> str:
    """A duration as a scenario file writes it (``not_before: 4 weeks``): a value, in English."""
    for unit, size in (("weeks", 604800.0), ("days", 86400.0), ("h", 3600.0)):
        if seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def _duration_words(seconds: float) -> Message:
    """A duration for a person to read, from the catalogue (``4 weeks``, ``1 day``)."""
    for size, one, many in ((604800.0, N_("%(n)s week"), N_("%(n)s weeks")),
                            (86400.0, N_("%(n)s day"), N_("%(n)s days")),
                            (3600.0, N_("%(n)s h"), N_("%(n)s h"))):  # fmt: skip
        if seconds % size == 0:
            n = seconds / size
            return N_((one if n == 1 else many).msgid, n=f"{n:g}")
    return N_("%(n)s s", n=f"{seconds:g}")


def slot_description(link: str, slot: int, option: str, seconds: float) -> Message:
    """The description of a crewed option's copy of ``link`` in crew slot ``slot`` (a
    catalogue message: the scenario a plan makes shows it in the command's language)."""
    return N_(
        "%(link)s in crew slot %(slot)s of %(option)s: no earlier than %(when)s after the start",
        link=link,
        slot=slot,
        option=option,
        when=_duration_words(seconds),
    )


class Planner:
    """Materialises plans as ``--set`` changes of the scenario's raw mapping and runs them on
    the same draws (common random numbers: same seed, same replications)."""

    def __init__(
        self, data: Mapping[str, Any], source: str | None, scenario: Scenario, replications: int,
        seed: int, execution: Any, words: Callable[[Message], str] = str,
    ) -> None:  # fmt: skip
        self.data = data
        self.words = words  # a catalogue message in the language of the outputs
        self.source = source
        self.scenario = scenario
        self.replications = replications
        self.seed = seed
        self.execution = execution
        self.options = {o.name: o for o in scenario.options}
        self.orgs = organisations(scenario)
        self.runs = 0

    # -- materialising ------------------------------------------------------------------------

    def assignments(
        self, programme: Sequence[str], applied: Mapping[str, Applied]
    ) -> list[tuple[str, Any]]:
        """The ``(key path, value)`` changes that make a plan: the programme-wide options, then
        each organisation's; a crewed option's new links on an organisation's path are
        replaced by a copy available no earlier than the slot (``not_before``: the later of it
        and the link's own lead time, drawn on the original's streams, ``draws_as``)."""
        pairs: list[tuple[str, Any]] = []
        for name in programme:
            pairs += option_assignments(self.options[name], None)
        data = self._apply(copy.deepcopy(self.data), pairs)  # changed in place from here on
        copies: set[str] = set()
        for org in self.orgs:
            choice = applied.get(org.name)
            if choice is None or not choice.options:
                continue
            mine: list[tuple[str, Any]] = []
            for name in choice.options:
                mine += option_assignments(self.options[name], list(org.flows))
            before = {flow: _flow_links(data, flow) for flow in org.flows}
            self._apply(data, mine)
            extra: list[tuple[str, Any]] = []
            for option, slot in choice.slots:
                crew = self.options[option].crew
                assert crew is not None
                when = _duration_text(slot * float(crew.per))
                for flow in org.flows:
                    now = _flow_links(data, flow)
                    if not any(n not in before[flow] for n in now):
                        continue
                    path = []
                    for link in now:
                        if link in before[flow]:
                            path.append(link)
                            continue
                        copy_name = f"{link} slot {slot}"
                        if copy_name not in copies:
                            spec = dict(data["links"][link])
                            spec["not_before"] = when
                            spec["draws_as"] = spec.get("draws_as") or link
                            spec["description"] = self.words(
                                slot_description(link, slot, option, slot * float(crew.per))
                            )
                            copies.add(copy_name)
                            extra.append((f"links.{copy_name}", spec))
                        path.append(copy_name)
                    extra.append((f"flows[{flow}].links", path))
            pairs += mine + extra
            self._apply(data, extra)
        return pairs

    def _apply(self, data: Any, pairs: Sequence[tuple[str, Any]]) -> Any:
        """``data`` (the caller's own copy) with ``pairs`` applied in place."""
        for key, value in pairs:
            try:
                data = apply_override(data, key, value, copy_root=False)
            except (KeyError, ValueError) as exc:
                raise ScenarioError([key_path_problem(key, exc)], self.source) from None
        return data

    def scenario_of(self, pairs: Sequence[tuple[str, Any]]) -> Scenario:
        data = self._apply(copy.deepcopy(self.data), pairs)
        return parse_scenario(data, self.source)

    # -- running ------------------------------------------------------------------------------

    def run(self, spec: Scenario, seed: int | None = None) -> dict[str, np.ndarray]:
        """Each organisation's completion day ordinals (inf: never) per replication."""
        outcome = run_scenario(
            spec, self.replications, self.seed if seed is None else seed, self.execution,
            band=False, reuse_draws=True,
        )  # fmt: skip
        self.runs += 1
        names = outcome.flow_names()
        finished = outcome.finished()
        out = {}
        for org in self.orgs:
            columns = [names.index(f) for f in org.flows]
            last = finished[:, columns].max(axis=1)
            out[org.name] = outcome.model.clock.completion_days(last)
        return out


def _flow_links(data: Any, flow: str) -> list[str]:
    for item in data.get("flows", ()):
        if isinstance(item, Mapping):
            label = item.get("name") or f"{item.get('source')} -> {item.get('target')}"
            if label == flow:
                return [str(n) for n in item.get("links") or ()]
    return []


def _p80_days(ordinals: np.ndarray, start: date) -> float:
    value = float(np.sort(ordinals)[quantile_rank(len(ordinals), 0.8)])
    return value - start.toordinal() if math.isfinite(value) else 1e6


def _p80_date(ordinals: np.ndarray) -> date | None:
    value = float(np.sort(ordinals)[quantile_rank(len(ordinals), 0.8)])
    return date.fromordinal(int(value)) if math.isfinite(value) else None


def _groups_ok(names: Sequence[str], options: Mapping[str, OptionSpec],
               taken: set[str] = frozenset()) -> bool:  # type: ignore[assignment]  # fmt: skip
    groups = [options[n].group for n in names if options[n].group is not None]
    return len(groups) == len(set(groups)) and not (set(groups) & taken)


def fresh_seed(seed: int) -> int:
    """The seed of the out-of-sample check: derived from ``seed``, independent of it."""
    state = np.random.SeedSequence([seed, 22]).generate_state(2, np.uint32)
    return int(state[0]) << 31 | int(state[1]) >> 1


@dataclass
class _Evaluated:
    """Per programme-wide subset: every organisation's choices with their completions."""

    programme: tuple[str, ...]
    cost: float
    applied: list[list[Applied]]  # per organisation, per choice
    choices: list[list[Choice]]
    ordinals: list[list[np.ndarray]]


def _subsets(names: Sequence[str], options: Mapping[str, OptionSpec]) -> list[tuple[str, ...]]:
    out = []
    for k in range(len(names) + 1):
        out += [c for c in itertools.combinations(names, k) if _groups_ok(c, options)]
    return out


def _slots(option: OptionSpec, eligible: int, planner: Planner) -> int:
    """How many crew slots can matter: enough for every organisation it may apply to, and
    none that opens after the latest go-live."""
    crew = option.crew
    assert crew is not None
    start = planner.scenario.start
    latest = max(org.go_live for org in planner.orgs)
    useful = 0
    while (start + timedelta(seconds=(useful + 1) * float(crew.per))).date() < latest:
        useful += 1
        if useful >= eligible:
            break
    return max(1, min(math.ceil(eligible / crew.capacity), useful))


def _combos(planner: Planner, taken: set[str]) -> list[Applied]:
    """Every per-organisation choice but "no change": sets of options (at most one per
    group), each crewed option in each of its slots."""
    options = planner.options
    each = [n for n, o in options.items() if o.each is not None]
    out: list[Applied] = []
    for k in range(1, len(each) + 1):
        for names in itertools.combinations(each, k):
            if not _groups_ok(names, options, taken):
                continue
            eligible = [org for org in planner.orgs
                        if _eligible(planner, org, Applied(names))]  # fmt: skip
            if not eligible:
                continue
            crewed = [n for n in names if options[n].crew is not None]
            ranges = [range(1, _slots(options[n], len(eligible), planner) + 1) for n in crewed]
            for slots in itertools.product(*ranges):
                out.append(Applied(names, tuple(zip(crewed, slots, strict=True))))
    return out


def _eligible(planner: Planner, org: Organisation, applied: Applied) -> bool:
    """Whether every option of ``applied`` may apply to ``org`` (its ``flows``)."""
    return all(org.name in (planner.options[n].flows or (org.name,)) for n in applied.options)


def _evaluate_exact(planner: Planner, alpha: float) -> list[_Evaluated]:
    """Every organisation's completions under every choice, one batch run per programme-wide
    subset and per choice (applied to every organisation at once), on the same draws."""
    options = planner.options
    programme = [n for n, o in options.items() if o.each is None]
    start = planner.scenario.start.date()
    out = []
    for subset in _subsets(programme, options):
        taken = {str(options[n].group) for n in subset if options[n].group is not None}
        cost = sum(options[n].cost for n in subset)
        base = planner.run(planner.scenario_of(planner.assignments(subset, {})))
        evaluated = _Evaluated(subset, cost, [], [], [])
        for org in planner.orgs:
            ords = base[org.name]
            evaluated.applied.append([Applied()])
            evaluated.choices.append([Choice((), (), 0.0, in_time_ordinals(ords, org.go_live),
                                             _p80_days(ords, start))])  # fmt: skip
            evaluated.ordinals.append([ords])
        for combo in _combos(planner, taken):
            targets = {org.name: combo for org in planner.orgs if _eligible(planner, org, combo)}
            results = planner.run(planner.scenario_of(planner.assignments(subset, targets)))
            price = sum(options[n].cost for n in combo.options)
            for o, org in enumerate(planner.orgs):
                if org.name not in targets:
                    continue
                ords = results[org.name]
                evaluated.applied[o].append(combo)
                evaluated.choices[o].append(
                    Choice(combo.options, combo.slots, price,
                           in_time_ordinals(ords, org.go_live),
                           _p80_days(ords, start) + SLOT_TIE * sum(s for _, s in combo.slots))
                )  # fmt: skip
                evaluated.ordinals[o].append(ords)
        out.append(evaluated)
    return out


@dataclass(frozen=True)
class _Pick:
    evaluated: _Evaluated
    selection: Selection

    @property
    def cost(self) -> float:
        return self.evaluated.cost + self.selection.cost

    def key(self, joint: bool) -> tuple[float, float, float]:
        chosen = self.selection.chosen
        p80 = sum(self.evaluated.choices[o][c].p80_days for o, c in enumerate(chosen))
        return (0.0 if joint else -self.selection.in_time, self.cost, p80)


def _best(
    evaluated: Sequence[_Evaluated], crews: Mapping[str, int], alpha: float,
    budget: float | None, joint: bool, at_least: int | None = None,
) -> tuple[_Pick | None, int, int, float]:  # fmt: skip
    """The best plan over the programme-wide subsets: the most organisations in time (or
    the joint chance), then the least cost, then the least total P80 (``at_least``: the
    cheapest with at least that many in time); with the largest programme's size and the
    seconds spent."""
    best: _Pick | None = None
    variables = constraints = 0
    seconds = 0.0
    for ev in evaluated:
        left = None if budget is None else budget - ev.cost
        if left is not None and left < -1e-9:
            continue
        selection = select(ev.choices, crews, alpha, left, joint, at_least=at_least)
        if selection is None:
            continue
        variables = max(variables, selection.variables)
        constraints = max(constraints, selection.constraints)
        seconds += selection.seconds
        pick = _Pick(ev, selection)
        if best is None or _order(pick, joint, at_least) < _order(best, joint, at_least):
            best = pick
    return best, variables, constraints, seconds


def _order(pick: _Pick, joint: bool, at_least: int | None) -> tuple[float, ...]:
    key = pick.key(joint)
    return (key[1], key[0], key[2]) if at_least is not None else key


def _programme_p80(ordinals: Sequence[np.ndarray]) -> date | None:
    return _p80_date(np.max(np.stack(ordinals), axis=0))


def _joint(ordinals: Sequence[np.ndarray], orgs: Sequence[Organisation]) -> float:
    hits = [in_time_ordinals(o, org.go_live) for o, org in zip(ordinals, orgs, strict=True)]
    return float(np.mean(np.logical_and.reduce(hits)))


@dataclass(frozen=True)
class _State:
    programme: tuple[str, ...]
    applied: tuple[tuple[str, Applied], ...]  # (organisation, its options), sorted

    def of(self, org: str) -> Applied:
        return dict(self.applied).get(org, Applied())

    def cost(self, options: Mapping[str, OptionSpec]) -> float:
        names = [*self.programme, *(n for _, a in self.applied for n in a.options)]
        return float(sum(options[n].cost for n in names))

    def with_org(self, org: str, applied: Applied) -> _State:
        rest = {k: v for k, v in self.applied if k != org}
        if applied.options:
            rest[org] = applied
        return _State(self.programme, tuple(sorted(rest.items())))


class _Heuristic:
    """Greedy by cost per organisation-day saved, then local search (drop, or swap for a
    cheaper option of the same group), every candidate plan a full run on the same draws."""

    def __init__(self, planner: Planner, alpha: float, budget: float | None, joint: bool):
        self.planner, self.alpha, self.budget, self.joint = planner, alpha, budget, joint
        self.cache: dict[_State, dict[str, np.ndarray]] = {}
        self.stopped = False
        self.start = planner.scenario.start.date()

    def results(self, state: _State) -> dict[str, np.ndarray]:
        if state not in self.cache:
            if self.planner.runs >= HEURISTIC_RUNS:
                self.stopped = True
                raise StopIteration
            pairs = self.planner.assignments(state.programme, dict(state.applied))
            self.cache[state] = self.planner.run(self.planner.scenario_of(pairs))
        return self.cache[state]

    def score(self, state: _State) -> tuple[int, float, float]:
        """(organisations in time, joint chance, total P80 days) of a plan."""
        res = self.results(state)
        orgs = self.planner.orgs
        need = needed(self.alpha, len(next(iter(res.values()))))
        count = sum(int(in_time_ordinals(res[o.name], o.go_live).sum()) >= need for o in orgs)
        chance = _joint([res[o.name] for o in orgs], orgs)
        days = sum(min(_p80_days(res[o.name], self.start), 1e5) for o in orgs)
        return count, chance, days

    def met(self, score: tuple[int, float, float]) -> bool:
        if self.joint:
            return score[1] >= needed(self.alpha, self.planner.replications) / (
                self.planner.replications
            )
        return score[0] == len(self.planner.orgs)

    def better_or_equal(self, new: tuple[int, float, float], old: tuple[int, float, float]) -> bool:
        if self.joint:
            return self.met(new) or new[1] >= old[1]
        return new[0] >= old[0]

    def moves(self, state: _State) -> list[_State]:
        options = self.planner.options
        out = []
        for name, option in options.items():
            cost = state.cost(options) + option.cost
            if self.budget is not None and cost > self.budget + 1e-9:
                continue
            if option.each is None:
                if name not in state.programme and _groups_ok((*state.programme, name), options):
                    out.append(_State(tuple(sorted((*state.programme, name))), state.applied))
                continue
            used = sum(name in a.options for _, a in state.applied)
            for org in self.planner.orgs:
                mine = state.of(org.name)
                names = (*mine.options, name)
                taken = {str(options[n].group) for n in state.programme if options[n].group}
                if name in mine.options or not _groups_ok(names, options, taken):
                    continue
                if option.flows is not None and org.name not in option.flows:
                    continue
                slots = mine.slots
                if option.crew is not None:
                    slots = (*slots, (name, used // option.crew.capacity + 1))
                out.append(state.with_org(org.name, Applied(names, slots)))
        return out

    def search(self) -> _State:
        options = self.planner.options
        state = _State((), ())
        try:
            score = self.score(state)
            while not self.met(score):  # greedy
                best, best_ratio = None, math.inf
                for move in self.moves(state):
                    new = self.score(move)
                    saved = score[2] - new[2] + 1e5 * (new[0] - score[0])
                    if saved <= 0:
                        continue
                    ratio = (move.cost(options) - state.cost(options)) / saved
                    if ratio < best_ratio:
                        best, best_ratio = move, ratio
                if best is None:
                    break
                state, score = best, self.score(best)
            improved = True
            while improved:  # local search: drop, or swap for a cheaper option of the group
                improved = False
                for candidate in self._smaller(state):
                    new = self.score(candidate)
                    if self.better_or_equal(new, score) and (self.met(new) or not self.met(score)):
                        state, score, improved = candidate, new, True
                        break
        except StopIteration:
            pass
        return state

    def _smaller(self, state: _State) -> list[_State]:
        options = self.planner.options
        out = []
        for name in sorted(state.programme, key=lambda n: -options[n].cost):
            out.append(_State(tuple(n for n in state.programme if n != name), state.applied))
        applied = sorted(
            ((org, n) for org, a in state.applied for n in a.options),
            key=lambda item: -options[item[1]].cost,
        )
        for org, name in applied:
            mine = state.of(org)
            rest = tuple(n for n in mine.options if n != name)
            slots = tuple(s for s in mine.slots if s[0] != name)
            out.append(state.with_org(org, Applied(rest, slots)))
            group = options[name].group
            for other, spec in options.items():
                if (other != name and spec.each is not None and group is not None
                        and spec.group == group and spec.cost < options[name].cost
                        and spec.crew is None
                        and (spec.flows is None or org in spec.flows)):  # fmt: skip
                    out.append(state.with_org(org, Applied((*rest, other), slots)))
        return out


def _variants(planner: Planner) -> list[Scenario]:
    """The scenario with no option, with every programme-wide option, and with each
    per-organisation option applied to every organisation it may (slot 1 when crewed)."""
    options = planner.options
    programme = tuple(n for n, o in options.items() if o.each is None)
    plans: list[tuple[tuple[str, ...], dict[str, Applied]]] = [(programme, {})]
    for name, option in options.items():
        if option.each is None:
            continue
        slots = ((name, 1),) if option.crew is not None else ()
        applied = Applied((name,), slots)
        plans.append(((), {org.name: applied for org in planner.orgs
                           if _eligible(planner, org, applied)}))  # fmt: skip
    return [planner.scenario, *(planner.scenario_of(planner.assignments(*p)) for p in plans)]


def assignment_text(key: str, value: Any) -> str:
    """A change as ``--set`` takes it: ``KEY=VALUE``, the value as YAML (JSON is YAML)."""
    return f"{key}={json.dumps(value, ensure_ascii=False, default=str)}"


def make_plan(
    data: Mapping[str, Any],
    source: str | None,
    scenario: Scenario,
    alpha: float,
    budget: float | None,
    joint: bool,
    replications: int | None,
    seed: int,
    execution: Any,
    words: Callable[[Message], str] = str,
) -> PlanOutcome:
    """The plan for ``scenario`` (its ``options``): see the module docstring. ``words`` writes
    a catalogue message (the crew slots' link descriptions) in the outputs' language (English
    by default)."""
    options = {o.name: o for o in scenario.options}
    _check_plan(options, source, budget)
    planner = Planner(data, source, scenario, replications or scenario.replications or 1,
                      seed, execution, words)  # fmt: skip
    variants = _variants(planner)
    if replications is None and scenario.replications is None:
        # as run: 1,000 replications when anything is uncertain (here: with any option)
        planner.replications = 1000 if any(has_uncertainty(v) for v in variants) else 1
    n = planner.replications
    orgs = planner.orgs
    crews = {k: o.crew.capacity for k, o in options.items() if o.crew is not None}
    if all(separable(v) for v in variants):
        found = _exact(planner, alpha, crews, budget, joint)
    else:
        found = _heuristic(planner, alpha, budget, joint, options)
    method, taken, applied, frontier = found.method, found.taken, found.applied, found.frontier
    pairs = planner.assignments(taken, applied)
    spec = planner.scenario_of(pairs)
    results = planner.run(spec)  # the plan itself, on the same draws (plan.yaml's figures)
    fresh = fresh_seed(seed)
    rerun = planner.run(spec, fresh)
    need = needed(alpha, n)
    rows = []
    ords = [results[o.name] for o in orgs]
    for org, o in zip(orgs, ords, strict=True):
        hits = int(in_time_ordinals(o, org.go_live).sum())
        choice = applied.get(org.name, Applied())
        cost = sum(options[k].cost for k in choice.options)
        rows.append(PlanRow(org.name, choice.options, choice.slots, float(cost), _p80_date(o),
                            hits / len(o), org.go_live, hits >= need))  # fmt: skip
    chance = _joint(ords, orgs)
    in_time = sum(r.in_time for r in rows)
    met = chance >= need / n if joint else in_time == len(orgs)
    total = float(sum(options[k].cost for k in taken) + sum(r.cost for r in rows))
    p80 = _programme_p80(ords)
    rows.append(PlanRow(PROGRAMME_ROW, tuple(taken), (), float(sum(options[k].cost for k in taken)),
                        p80, chance, scenario.go_live, met))  # fmt: skip
    fresh_ords = [rerun[o.name] for o in orgs]
    fresh_in_time = sum(
        int(in_time_ordinals(f, org.go_live).sum()) >= need
        for f, org in zip(fresh_ords, orgs, strict=True)
    )
    every = tuple(sorted({*taken, *(k for a in applied.values() for k in a.options)}))
    recommended = FrontierPoint(total if budget is None else budget, total, in_time, len(orgs),
                                chance, p80, True, every)  # fmt: skip
    _mark_recommended(frontier, recommended)
    return PlanOutcome(
        method, alpha, joint, budget, tuple(rows), tuple(taken), total, met, in_time, len(orgs),
        chance, _joint(fresh_ords, orgs), fresh_in_time, fresh, p80, tuple(frontier),
        tuple(assignment_text(k, v) for k, v in pairs), n, seed, planner.runs, found.variables,
        found.constraints, found.seconds, found.frontier_seconds, found.note,
    )  # fmt: skip


def _check_plan(
    options: Mapping[str, OptionSpec], source: str | None, budget: float | None
) -> None:
    """Raises unless the scenario has options to choose from, few enough programme-wide ones,
    and the budget is 0 or more."""
    if not options:
        raise ScenarioError(
            [Problem("options", N_("the scenario has no options to choose from"),
                     N_("add 'options:' (docs/scenario-format.md, \"Options\")"))], source
        )  # fmt: skip
    programme = [n for n, o in options.items() if o.each is None]
    if len(programme) > PROGRAMME_OPTIONS_LIMIT:
        raise ScenarioError(
            [Problem("options", N_("%(n)s programme-wide options; the plan tries every "
                                   "combination of them, at most %(limit)s", n=len(programme),
                                   limit=PROGRAMME_OPTIONS_LIMIT),
                     N_("give some of them 'each: organisation', or join some into one"))],
            source,
        )  # fmt: skip
    if budget is not None and budget < 0:
        raise ScenarioError(
            [Problem("--budget", N_("must be 0 or more, got %(value)s", value=repr(budget)),
                     N_("e.g. 250000"))]
        )  # fmt: skip


@dataclass
class _Found:
    """What a search found: the plan, the cost frontier and what the search took."""

    method: str  # EXACT or HEURISTIC
    taken: tuple[str, ...]  # programme-wide options taken
    applied: dict[str, Applied]  # per organisation, its options
    frontier: list[FrontierPoint]
    note: str = ""
    variables: int = 0
    constraints: int = 0
    seconds: float = 0.0
    frontier_seconds: float = 0.0


def _exact(
    planner: Planner, alpha: float, crews: Mapping[str, int], budget: float | None, joint: bool
) -> _Found:
    """The SAA programme on the batch results (organisations alone on their links), and the
    cheapest plan for each count in time."""
    orgs = planner.orgs
    note = ""
    frontier_seconds = 0.0
    frontier: list[FrontierPoint] = []
    method = EXACT
    evaluated = _evaluate_exact(planner, alpha)
    pick, variables, constraints, seconds = _best(evaluated, crews, alpha, budget, joint)
    if pick is None:  # no plan reaches the joint chance: the most organisations in time
        note = "joint"
        pick, v, c, s = _best(evaluated, crews, alpha, budget, False)
        variables, constraints, seconds = max(v, variables), max(c, constraints), seconds + s
    assert pick is not None
    chosen = pick.selection.chosen
    taken = pick.evaluated.programme
    applied = {org.name: pick.evaluated.applied[o][c]
               for o, (org, c) in enumerate(zip(orgs, chosen, strict=True))}  # fmt: skip
    k = 0
    while k <= len(orgs):  # the frontier: the cheapest plan for each count in time
        point, _, _, s = _best(evaluated, crews, alpha, None, False, at_least=k)
        frontier_seconds += s
        if point is None:
            break
        k = point.selection.in_time + 1
        ords = [point.evaluated.ordinals[o][c] for o, c in enumerate(point.selection.chosen)]
        names = {nm for o, c in enumerate(point.selection.chosen)
                 for nm in point.evaluated.applied[o][c].options}  # fmt: skip
        frontier.append(FrontierPoint(
            point.cost, point.cost, point.selection.in_time, len(orgs), _joint(ords, orgs),
            _programme_p80(ords), False,
            tuple(sorted({*point.evaluated.programme, *names})),
        ))  # fmt: skip
    return _Found(method, taken, applied, _efficient(frontier), note, variables, constraints,
                  seconds, frontier_seconds)  # fmt: skip


def _heuristic(
    planner: Planner,
    alpha: float,
    budget: float | None,
    joint: bool,
    options: Mapping[str, OptionSpec],
) -> _Found:
    """Greedy then local search with full runs (flows share a link), and the plans it visited
    on the frontier."""
    orgs = planner.orgs
    note = ""
    frontier: list[FrontierPoint] = []
    method = HEURISTIC
    search = _Heuristic(planner, alpha, budget, joint)
    state = search.search()
    if search.stopped:
        note = "runs"
    taken, applied = state.programme, dict(state.applied)
    for visited, res in search.cache.items():
        ords = [res[o.name] for o in orgs]
        cost = visited.cost(options)
        count = search.score(visited)[0]
        frontier.append(FrontierPoint(
            cost, cost, count, len(orgs), _joint(ords, orgs), _programme_p80(ords), False,
            tuple(sorted({*visited.programme, *(n for _, a in visited.applied
                                                for n in a.options)})),
        ))  # fmt: skip
    return _Found(method, taken, applied, _efficient(frontier), note)


def _mark_recommended(frontier: list[FrontierPoint], plan: FrontierPoint) -> None:
    """Marks the frontier's point at the plan's cost and count in time as recommended, or adds
    ``plan`` (in cost order) when there is none."""
    marked = False
    for i, entry in enumerate(frontier):
        if not marked and abs(entry.cost - plan.cost) < 1e-6 and entry.in_time == plan.in_time:
            frontier[i] = replace(entry, recommended=True)
            marked = True
    if not marked:
        frontier.append(plan)
        frontier.sort(key=lambda p: (p.cost, p.in_time))


def _efficient(points: Sequence[FrontierPoint]) -> list[FrontierPoint]:
    """The plans no other beats: none cheaper (or as cheap) with as many in time."""
    out: list[FrontierPoint] = []
    for point in sorted(points, key=lambda p: (p.cost, -p.in_time, -p.chance)):
        if out and point.in_time <= out[-1].in_time:
            continue
        out.append(point)
    return out
