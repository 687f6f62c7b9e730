"""Choosing what to change: the cheapest set of options (and installation slots) that makes
go-live, on the same simulated draws for every candidate.

Pure: the caller simulates each organisation's completion under each of its *choices* (a set
of options, each crewed option in a slot) on the same replications, and gives, per choice,
which replications finish by the organisation's go-live. :func:`select` then solves a
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
  organisations with the most days to save.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

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
) -> Selection | None:
    """The plan on these draws (see the module docstring), or ``None`` when no plan reaches a
    joint chance of ``alpha``. ``choices[o]`` lists organisation ``o``'s choices (the first
    should be "no change"); ``crews`` the capacity per slot of each crewed option."""
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
    if not joint:
        if budget is None and all(
            any(meets[k] for k, (oo, _) in enumerate(index) if oo == o) for o in range(len(choices))
        ):
            upper[:n] = meets[:n]  # every organisation in time: only its in-time choices
        else:  # as many organisations in time as can be (within the budget), then the cost
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
