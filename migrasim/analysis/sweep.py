"""Sweep: every combination of a grid of values, each run with the same seed.

Pure: :func:`grid_points` lists the points and :func:`evaluate_point` runs one; saving each point
as soon as it finishes (so an interrupted sweep resumes without redoing work) is the CLI's job.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from migrasim.analysis.experiment import run_scenario, with_overrides
from migrasim.analysis.runner import Execution
from migrasim.analysis.stats import date_stats
from migrasim.errors import Problem, ScenarioError
from migrasim.scenario.overrides import split_assignment


def parse_grid(specs: Sequence[str]) -> list[tuple[str, list[str]]]:
    """``KEY=V1,V2,...`` options -> [(key, [values...])]."""
    grid = []
    for spec in specs:
        try:
            key, values = split_assignment(spec)
        except ValueError as exc:
            raise ScenarioError(
                [Problem(f"--grid {spec}", str(exc), "write KEY=V1,V2,... e.g. "
                         "links.capped.daily_cap='1 GB,2 GB,5 GB'")]
            ) from None  # fmt: skip
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not items:
            raise ScenarioError([Problem(f"--grid {spec}", "no values", "list values after =")])
        grid.append((key, items))
    if not grid:
        raise ScenarioError([Problem("--grid", "no grid given", "add --grid KEY=V1,V2,...")])
    return grid


def grid_points(grid: list[tuple[str, list[str]]]) -> list[dict[str, str]]:
    """Every combination, in a fixed order (the first key varies slowest)."""
    keys = [key for key, _ in grid]
    return [
        dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(v for _, v in grid))
    ]


def evaluate_point(
    data: Any,
    source: str | None,
    point: dict[str, str],
    replications: int | None,
    seed: int,
    execution: Execution,
    read_value: Callable[[str], Any],
) -> dict[str, Any]:
    """Run one point and return its record (programme P-dates and chance of go-live).

    Run many points inside one ``runner.cluster_session(execution)`` to reuse a connection."""
    scenario = with_overrides(data, [(k, read_value(v)) for k, v in point.items()], source)
    outcome = run_scenario(scenario, replications, seed, execution, band=False, reuse_draws=True)
    stats = date_stats(outcome.days("ALL"), scenario.go_live, exact=outcome.mc is None)
    return {**point, **stats.fields(), "replications": outcome.replications}
