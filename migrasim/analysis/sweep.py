"""Sweep: every combination of a grid of values, each run with the same seed.

Pure: :func:`grid_points` lists the points and :func:`evaluate_point` runs one; saving each point
as soon as it finishes (so an interrupted sweep resumes without redoing work) is the CLI's job.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from migrasim.analysis.experiment import run_scenario, with_overrides
from migrasim.analysis.records import SweepPoint
from migrasim.analysis.runner import Execution
from migrasim.analysis.stats import date_stats
from migrasim.core.rules import in_time
from migrasim.errors import N_, Problem, ScenarioError
from migrasim.scenario.overrides import split_assignment


def parse_grid(specs: Sequence[str]) -> list[tuple[str, list[str]]]:
    """``KEY=V1,V2,...`` options -> [(key, [values...])]."""
    grid = []
    for spec in specs:
        try:
            key, values = split_assignment(spec)
        except ValueError as exc:
            raise ScenarioError(
                [Problem(f"--grid {spec}", exc.args[0] if exc.args else str(exc),
                         N_("write KEY=V1,V2,... e.g. links.capped.daily_cap='1 GB,2 GB,5 GB'"))]
            ) from None  # fmt: skip
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not items:
            raise ScenarioError(
                [Problem(f"--grid {spec}", N_("no values"), N_("list values after ="))]
            )
        grid.append((key, items))
    if not grid:
        raise ScenarioError(
            [Problem("--grid", N_("no grid given"), N_("add --grid KEY=V1,V2,..."))]
        )
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


def sweep_point(values: dict[str, str], record: dict[str, Any]) -> SweepPoint:
    """A point's record (as :func:`evaluate_point` returns it and points/NNNN.json keeps it)
    as a typed record."""

    def day(text: Any) -> date | None:
        return None if text == "never" else date.fromisoformat(str(text))

    def share(value: Any) -> float | None:
        return None if value in ("", None) else float(value)

    low, high = share(record.get("prob_ci_low")), share(record.get("prob_ci_high"))
    return SweepPoint(
        dict(values),
        day(record["p80"]),
        share(record["prob_by_go_live"]),
        day(record["p50"]),
        day(record["p95"]),
        None if low is None or high is None else (low, high),
        None if record.get("replications") is None else int(record["replications"]),
    )


@dataclass(frozen=True)
class SweepAdvice:
    """The sweep's answer for the headline: the first point (in grid order) whose P80 is before
    go-live, else (``meeting == 0``) the point with the best chance. Rendered in words by
    ``render.headlines``."""

    points: int  # how many were swept
    meeting: int  # how many bring the P80 before go-live
    point: SweepPoint  # the first of those, or the best when none does


def sweep_advice(points: Sequence[SweepPoint], go_live: date | None) -> SweepAdvice | None:
    """The sweep's answer; None without go-live or points."""
    if go_live is None or not points:
        return None
    meets = [p for p in points if in_time(p.p80, go_live)]
    if not meets:
        best = max(points, key=lambda p: p.chance or 0.0)
        return SweepAdvice(len(points), 0, best)
    return SweepAdvice(len(points), len(meets), meets[0])
