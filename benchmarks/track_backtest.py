"""Calibration backtest of ``migrasim track`` (issue 10), shared by ``bench_track.py`` and
``tests/statistics/test_track_calibration.py``.

For each seed a hidden "truth" differs from the plan in known ways: every flow's volume is drawn
from the plan's own estimate (with its correlation), the link moves only a share ``e ~ U(0.6,
1.0)`` of its 1 GB/day cap (x U(0.9, 1.1) day to day) and is down on a share ``q ~ U(0, 0.15)``
of working days. Its daily transfer log is simulated day by day; the first ``k`` weeks are fed
to ``track`` and the re-forecast's P50 and P80 of the programme's completion are compared with
the truth's completion, as are the plan's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from scipy.special import ndtr

from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.runner import Execution
from migrasim.analysis.summary import summarise
from migrasim.analysis.track import track_scenario, working_calendar
from migrasim.scenario.actuals import ActualsLog, FlowActuals, LogDay
from migrasim.scenario.types import EstimateSpec, Scenario, parse_scenario

GB = 1e9
LIKELY_GB = (30, 45, 60, 80, 100, 120)
RHO = 0.8


def bench_scenario() -> Scenario:
    """Six flows, each alone on 1 GB per working day, PERT volumes 0.3x-3x, correlated 0.8."""
    flows = [
        {
            "name": f"F{i}",
            "source": f"s{i}",
            "target": "t",
            "volume": {
                "low": f"{0.3 * v} GB",
                "likely": f"{v} GB",
                "high": f"{3 * v} GB",
                "group": "method",
            },
            "links": ["capped"],
        }
        for i, v in enumerate(LIKELY_GB)
    ]
    return parse_scenario(
        {
            "name": "track backtest",
            "start": "2025-06-02",
            "horizon": "10 years",
            "calendar": {"holidays": "wales"},
            "correlation": {"method": RHO},
            "links": {"capped": {"daily_cap": "1 GB", "per_flow": True}},
            "flows": flows,
        }
    )


@dataclass(frozen=True)
class Truth:
    log: dict[str, list[LogDay]]
    completed_on: date
    efficiency: float
    down_share: float


def draw_truth(spec: Scenario, seed: int) -> Truth:
    """The hidden truth of ``seed`` and its whole daily log."""
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal()
    volumes = []
    for flow in spec.flows:
        est = flow.volume
        assert isinstance(est, EstimateSpec)
        u = float(ndtr(np.sqrt(RHO) * shared + np.sqrt(1 - RHO) * rng.standard_normal()))
        volumes.append(est.to_estimate().ppf(u))
    efficiency = rng.uniform(0.6, 1.0)
    down = rng.uniform(0.0, 0.15)
    cal = working_calendar(spec, spec.start.date() + timedelta(days=3650))
    left = dict(zip(spec.flow_names(), volumes, strict=True))
    log: dict[str, list[LogDay]] = {name: [] for name in left}
    day = spec.start.date()
    finished = day
    row = 2
    while any(v > 0 for v in left.values()):
        if cal.is_working(day):
            for name, remaining in left.items():
                if remaining <= 0:
                    continue
                moved = 0.0
                if rng.random() >= down:
                    moved = min(GB * efficiency * rng.uniform(0.9, 1.1), GB, remaining)
                left[name] = remaining - moved
                done = left[name] <= 1.0
                if done:
                    left[name] = 0.0
                    finished = day
                log[name].append(LogDay(day, name, moved, 0.0, None, done, row))
                row += 1
        day += timedelta(days=1)
    return Truth(log, finished, efficiency, down)


def log_until(truth: Truth, as_of: date) -> ActualsLog:
    flows = {}
    for name, days in truth.log.items():
        kept = tuple(d for d in days if d.day < as_of)
        done = [d.day for d in kept if d.complete]
        flows[name] = FlowActuals(name, kept, done[-1] if done else None)
    return ActualsLog("truth", flows, as_of, ())


def backtest(
    seeds: range, weeks: tuple[int, ...], replications: int, execution: Execution
) -> dict[str, Any]:
    """Per ``k`` in ``weeks``: coverage of the truth by the re-forecast's and the plan's P80,
    and the median absolute error (days) of each P50 against the truth."""
    spec = bench_scenario()
    plan = run_scenario(spec, replications, 7, execution)
    plan_report = summarise(plan).programme
    assert plan_report.p50 is not None
    assert plan_report.p80 is not None
    rows: dict[int, dict[str, list[float]]] = {
        k: {"track80": [], "plan80": [], "track_err": [], "plan_err": []} for k in weeks
    }
    for seed in seeds:
        truth = draw_truth(spec, seed)
        for k in weeks:
            as_of = spec.start.date() + timedelta(weeks=k)
            if truth.completed_on < as_of:
                continue  # already over: nothing to forecast
            result = track_scenario(spec, log_until(truth, as_of), replications, 7, execution,
                                    plan=plan)  # fmt: skip
            new = summarise(result.forecast).programme
            assert new.p50 is not None
            assert new.p80 is not None
            got = rows[k]
            got["track80"].append(float(truth.completed_on <= new.p80))
            got["plan80"].append(float(truth.completed_on <= plan_report.p80))
            got["track_err"].append(abs((new.p50 - truth.completed_on).days))
            got["plan_err"].append(abs((plan_report.p50 - truth.completed_on).days))
    return {
        "plan_p50": plan_report.p50,
        "plan_p80": plan_report.p80,
        "rows": {
            k: {
                "n": len(v["track80"]),
                "track_p80_coverage": float(np.mean(v["track80"])),
                "plan_p80_coverage": float(np.mean(v["plan80"])),
                "track_p50_mae_days": float(np.median(v["track_err"])),
                "plan_p50_mae_days": float(np.median(v["plan_err"])),
            }
            for k, v in rows.items()
        },
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        f"plan: P50 {result['plan_p50']}, P80 {result['plan_p80']}",
        "weeks  truths  truth<=track P80  truth<=plan P80  median |P50 err| track  plan",
    ]
    for k, row in result["rows"].items():
        lines.append(
            f"{k:>5}  {row['n']:>6}  {100 * row['track_p80_coverage']:>15.0f}%  "
            f"{100 * row['plan_p80_coverage']:>14.0f}%  {row['track_p50_mae_days']:>18.1f} d"
            f"  {row['plan_p50_mae_days']:>4.1f} d"
        )
    return "\n".join(lines)
