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
from migrasim.analysis.solve import Target, parse_target
from migrasim.analysis.stats import DateStats, date_stats
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


def point_scenario(
    data: Any, source: str | None, point: dict[str, str], read_value: Callable[[str], Any]
) -> Any:
    """The scenario a point runs (the file's data with the point's values set), checked: its
    own go-live, start and every other key as the point sets them."""
    return with_overrides(data, [(k, read_value(v)) for k, v in point.items()], source)


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
    scenario = point_scenario(data, source, point, read_value)
    outcome = run_scenario(scenario, replications, seed, execution, band=False, reuse_draws=True)
    stats = date_stats(outcome.days("ALL"), scenario.go_live, exact=outcome.mc is None)
    return {**point, **stats.fields(), "replications": outcome.replications}


DEFAULT_TARGET = "P80 < go_live"
"""What a sweep judges each point by unless told: its P80 before its own go-live."""


def point_target(text: str | None, go_live: date | None) -> Target | None:
    """The target a point is judged by, ``go_live`` standing for the point's own go-live
    (``solve.parse_target``). Without ``text`` the default, and None (not judged) for a point
    without go-live; a target given that needs a go-live the point lacks is an error."""
    if text is None and go_live is None:
        return None
    return parse_target(DEFAULT_TARGET if text is None else text, go_live)


def sweep_point(
    values: dict[str, str],
    record: dict[str, Any],
    go_live: date | None = None,
    target: Target | None = None,
) -> SweepPoint:
    """A point's record (as :func:`evaluate_point` returns it and points/NNNN.json keeps it)
    as a typed record; ``go_live``: the point's own (its scenario's), and ``target`` what it is
    judged by (:func:`point_target`; None: not judged)."""

    def day(text: Any) -> date | None:
        return None if text == "never" else date.fromisoformat(str(text))

    def share(value: Any) -> float | None:
        return None if value in ("", None) else float(value)

    low, high = share(record.get("prob_ci_low")), share(record.get("prob_ci_high"))
    p50, p80, p95 = day(record["p50"]), day(record["p80"]), day(record["p95"])
    chance = share(record["prob_by_go_live"])
    ci = None if low is None or high is None else (low, high)
    meets = None
    if target is not None:  # the rule solve uses (Target.met), on the point's saved figures
        meets = target.met(DateStats(p50, p80, p95, chance, ci, (None, None), None))
    return SweepPoint(
        dict(values),
        p80,
        chance,
        p50,
        p95,
        ci,
        None if record.get("replications") is None else int(record["replications"]),
        go_live,
        None if target is None else target_words(target),
        meets,
    )


def target_words(target: Target) -> str:
    """A point's target with its go-live as a date, as sweep.csv writes it: "P80 < 2026-01-05"."""
    metric = "prob_by_go_live" if target.metric == "prob_by_go_live" else target.metric.upper()
    threshold = target.threshold
    value = threshold.isoformat() if isinstance(threshold, date) else f"{threshold:g}"
    return f"{metric} {target.op} {value}"


@dataclass(frozen=True)
class SweepAdvice:
    """The sweep's answer for the headline: the first point (in grid order) that meets its
    target (by default its P80 before its own go-live), else (``meeting == 0``) the point with
    the best chance. Rendered in words by ``render.headlines``."""

    points: int  # how many were swept
    meeting: int  # how many meet their target (SweepPoint.meets: sweep.csv's meets_target)
    point: SweepPoint  # the first of those, or the best when none does
    target: str | None = None  # the --target as given; None: the default (P80 before go-live)


def sweep_advice(points: Sequence[SweepPoint], target: str | None = None) -> SweepAdvice | None:
    """The sweep's answer, each point judged by its own target (``SweepPoint.meets``, so the
    count is sweep.csv's ``meets_target``); None when no point is judged (no go-live)."""
    judged = [p for p in points if p.meets is not None]
    if not judged:
        return None
    meets = [p for p in judged if p.meets]
    if not meets:
        best = max(judged, key=lambda p: p.chance or 0.0)
        return SweepAdvice(len(points), 0, best, target)
    return SweepAdvice(len(points), len(meets), meets[0], target)
