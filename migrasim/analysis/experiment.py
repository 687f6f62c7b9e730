"""Run a scenario (raw mapping + overrides) and reduce it to the statistics decisions need.

Shared by compare, sweep and solve: each point is the same scenario with some keys changed, run
with the same seed, so every point sees the same draws for the same inputs (common random
numbers) and differences come from the change, not from noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from migrasim.analysis import uncertain
from migrasim.analysis.runner import (
    DEFAULT_PRECISION,
    LOCAL,
    Execution,
    MonteCarloResult,
    Precision,
    run_monte_carlo,
)
from migrasim.analysis.sampling import has_uncertainty
from migrasim.core.engine import Model, RunResult, simulate
from migrasim.errors import N_, MigrasimError, ScenarioError
from migrasim.scenario.compile import build_model
from migrasim.scenario.overrides import apply_override, key_path_problem
from migrasim.scenario.types import Scenario, parse_scenario

Progress = Callable[[int, int], None]


@dataclass
class Outcome:
    """One scenario's results: the baseline and (if uncertain) the replications."""

    scenario: Scenario
    model: Model
    baseline: RunResult
    mc: MonteCarloResult | None
    seed: int

    @property
    def replications(self) -> int:
        return 1 if self.mc is None else self.mc.replications

    def finished(self) -> np.ndarray:
        """(replications, flows) completion SimTime, inf = never."""
        if self.mc is not None:
            return self.mc.finished
        return np.array([[f.finished_s for f in self.baseline.flows]])

    def days(self, flow: str = "ALL") -> list[date | None]:
        """Completion date per replication of a flow (or the programme), None = never."""
        return ordinal_days(self.ordinals(flow))

    def ordinals(self, flow: str = "ALL") -> np.ndarray:
        """:meth:`days` as day ordinals (floats; inf = never), for array arithmetic."""
        finished = self.finished()
        if flow == "ALL":
            column = finished.max(axis=1)
        else:
            names = [f.name for f in self.model.flows]
            if flow not in names:
                raise MigrasimError(
                    N_(
                        "no flow named %(flow)s in %(name)s",
                        flow=repr(flow),
                        name=repr(self.scenario.name),
                    )
                )
            column = finished[:, names.index(flow)]
        # the end-of-day rule, for every replication at once
        return self.model.clock.completion_days(column)

    def flow_names(self) -> list[str]:
        return [f.name for f in self.model.flows]


def run_scenario(
    scenario: Scenario,
    replications: int | None,
    seed: int,
    execution: Execution = LOCAL,
    progress: Progress | None = None,
    band: bool = True,
    precision: Precision | None = None,
    reuse_draws: bool = False,
) -> Outcome:
    """Baseline plus Monte Carlo with ``replications``, else (unless ``precision`` is given)
    the scenario's ``replications:``, else, when any input is uncertain, as many as
    ``precision`` needs (blocks until the
    programme's P80 is known to its half-width; ``runner.Precision``), run where
    ``execution`` says. ``band=False``: no burn-up band (for points that need only dates);
    ``reuse_draws``: one of many runs on the same seed (``runner.run_monte_carlo``)."""
    model = build_model(scenario)
    baseline = simulate(model, uncertain.baseline(model), record=True)
    mc = None
    if has_uncertainty(scenario):
        # An explicit precision (``--precision``) beats the file's count, as --replications does.
        n = replications or (None if precision is not None else scenario.replications)
        mc = run_monte_carlo(
            scenario, n, seed, execution.workers, progress, model, execution.scheduler,
            band, precision or DEFAULT_PRECISION, reuse_draws,
        )  # fmt: skip
    elif replications or scenario.replications:
        n = replications or scenario.replications
        mc = run_monte_carlo(
            scenario, n, seed, execution.workers, progress, model, execution.scheduler, band,
            reuse_draws=reuse_draws,
        )  # fmt: skip
    return Outcome(scenario, model, baseline, mc, seed)


def with_overrides(
    data: Any, assignments: Sequence[tuple[str, Any]], source: str | None
) -> Scenario:
    """Validate ``data`` with ``(key, value)`` overrides applied; a key path that is not in the
    scenario is a :class:`ScenarioError` naming it (exit 2), as for ``--set``."""
    for key, value in assignments:
        try:
            data = apply_override(data, key, value)
        except (KeyError, ValueError) as exc:
            raise ScenarioError([key_path_problem(key, exc)], source) from None
    return parse_scenario(data, source)


def ordinal_days(ordinals: np.ndarray) -> list[date | None]:
    """Day ordinals (inf = never) as dates (None = never)."""
    return [None if math.isinf(o) else date.fromordinal(int(o)) for o in ordinals.tolist()]
