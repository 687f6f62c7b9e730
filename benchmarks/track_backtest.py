"""Calibration backtest of ``migrasim track`` (issues 10 and 19), shared by ``bench_track.py``
and ``tests/statistics/test_track_calibration.py``.

The plan (:func:`bench_scenario`): six flows, each alone on 1 GB per working day (one
``per_flow`` link), PERT volumes from 0.3x to 3x their likely value, correlated 0.8.

Truth ``i`` is drawn from ``SeedSequence(ENTROPY, spawn_key=(i,))``, so it is the same whatever
else runs. It differs from the plan in known ways:

- every flow's volume is drawn from the plan's own estimate (Gaussian copula, rho 0.8; the
  shared factor by a randomly shifted golden-ratio sequence, :func:`shared_factor`);
- spread ``link`` (issue 10): one efficiency ``e ~ U(0.6, 1.0)`` and one share of down days
  ``q ~ U(0, 0.15)`` for every flow, as the pooled model assumes;
- spread ``flow`` (issue 19, organisations that differ): each flow its own ``e_i ~ U(0.5,
  0.95)`` and ``q_i ~ U(0, 0.15)``, as the example log's boards move 50-90 % of plan;
- each working day a flow is down with probability ``q_i`` (nothing crosses), else it moves
  ``e_i x U(0.9, 1.1)`` of its nominal 1 GB.

The truth is simulated by the project's own engine (``core.engine.simulate``): a truth scenario
in which each flow has its own copy of its link, whose daily cap is ``e_i x 1.1 x`` the plan's
and whose planned outages are the whole of each down day and the last ``1 - u/1.1`` of every
other working day (a cap-only link spreads its quota evenly over the day, so that day moves
``e_i x u`` of nominal). The log is that run's timeline read day by day from the engine's
curves (a row per working day, 0 bytes on a down day, ``complete`` on the day the flow
finishes, by the end-of-day rule), and the truth's completion dates are that run's.

Its first ``k`` weeks are fed to ``track`` (``pooling="pooled"``: one efficiency per link;
``"partial"``: each flow its own, shrunk towards its link's) and the re-forecast is scored:

- programme: share of truths that finish by the re-forecast's P80 (and by the plan's), median
  absolute and mean signed error of the P50 (days);
- per flow, over every (truth, flow) still moving at the as-of date: share that finish by their
  own re-forecast P80, median absolute P50 error (days), mean signed P50 error (days, the
  bias; negative: too early), and the coverage split by the flow's
  true efficiency (the slow, middle and fast third of the spread): pooling one link's flows
  forecasts the slow ones too early and the fast ones too late, which the overall share hides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from migrasim.analysis.experiment import Outcome, run_scenario
from migrasim.analysis.runner import Execution
from migrasim.analysis.summary import summarise
from migrasim.analysis.track import track_scenario, working_calendar
from migrasim.core.engine import simulate
from migrasim.scenario.actuals import ActualsLog, FlowActuals, LogDay
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import EstimateSpec, OutageSpec, Scenario, likely_of, parse_scenario

GB = 1e9
LIKELY_GB = (30, 45, 60, 80, 100, 120)
RHO = 0.8
ENTROPY = 20250602
"""Root of every truth's seed: truth ``i`` draws from ``SeedSequence(ENTROPY, spawn_key=(i,))``."""
SEED = 7
"""The plan's and the re-forecasts' Monte Carlo seed (common random numbers)."""
SPREADS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "link": ((0.6, 1.0), (0.0, 0.15)),
    "flow": ((0.5, 0.95), (0.0, 0.15)),
}
"""Per spread: the efficiency's and the share of down days' uniform ranges."""
DAY_NOISE = (0.9, 1.1)
"""A working day that is not down moves ``efficiency x U(0.9, 1.1)`` of nominal."""
BANDS = ("slow", "middle", "fast")
"""Thirds of the spread's efficiency range."""


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
    """A hidden truth: its whole daily log and when each flow (and the programme) finished."""

    log: dict[str, list[LogDay]]
    finished: dict[str, date]  # each flow's completion date (end-of-day rule)
    completed_on: date  # the programme's
    efficiency: dict[str, float]
    down_share: dict[str, float]
    volume: dict[str, float]


def truth_rng(index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(ENTROPY, spawn_key=(index,)))


def shared_factor(index: int) -> float:
    """The uniform score of truth ``index``'s volume factor (shared by its flows): a randomly
    shifted golden-ratio sequence (randomised quasi-Monte Carlo). Each is uniform on (0, 1),
    so the truths are still drawn from the plan's estimates, but any first ``n`` of them spread
    evenly over the factor that decides the programme's date most: with plain draws 16 or 40
    truths can hold a quarter more large programmes than they should, a bias in the coverage of
    several standard errors at that size."""
    shift = np.random.default_rng(np.random.SeedSequence(ENTROPY)).random()
    return float((shift + index * (math.sqrt(5) - 1) / 2) % 1.0)


def truth_scenario(
    spec: Scenario,
    volumes: dict[str, float],
    efficiency: dict[str, float],
    down: dict[str, float],
    rng: np.random.Generator,
) -> Scenario:
    """``spec`` with each flow's volume fixed and its own copy of its (cap-only, ``per_flow``)
    link carrying the flow's true capacity and down days as planned outages."""
    cal = working_calendar(spec, spec.start.date() + timedelta(days=3660))
    clock = build_model(spec).clock
    links = {}
    flows = []
    for flow in spec.flows:
        name = flow.label
        (link_name,) = flow.links
        link = spec.links[link_name]
        assert link.per_flow
        assert link.daily_cap is not None
        assert link.bandwidth is None
        nominal = float(likely_of(link.daily_cap))
        cap = nominal * efficiency[name] * DAY_NOISE[1]
        periods = []
        moved = 0.0
        day = spec.start.date()
        while moved < volumes[name] + nominal:  # outages until it has surely finished
            if cal.is_working(day):
                begin = datetime.combine(day, time())
                end = begin + timedelta(days=1)
                if rng.random() < down[name]:
                    periods.append((begin, end))
                else:
                    up = rng.uniform(*DAY_NOISE) / DAY_NOISE[1]
                    moved += cap * up
                    # up for that share of the day's real seconds (23 or 25 h when the
                    # clocks change), to the second
                    a, b = clock.to_sim(begin), clock.to_sim(end)
                    cut = clock.to_local(a + up * (b - a))
                    if cut < end:
                        periods.append((cut, end))
            day += timedelta(days=1)
        copy = f"{link_name}/{name}"
        links[copy] = link.model_copy(
            update={
                "daily_cap": cap,
                "outages": OutageSpec.model_construct(mtbf=None, mttr=None,
                                                      planned=tuple(periods)),
            }
        )  # fmt: skip
        flows.append(flow.model_copy(update={"volume": volumes[name], "links": (copy,)}))
    return spec.model_copy(update={"links": links, "flows": tuple(flows)})


def draw_truth(spec: Scenario, index: int, spread: str = "link") -> Truth:
    """Truth ``index`` of ``spread`` (see the module docstring), simulated by the engine, and
    its whole daily log read from the run's timeline."""
    rng = truth_rng(index)
    names = spec.flow_names()
    shared = float(ndtri(shared_factor(index)))
    volumes = {}
    for name, flow in zip(names, spec.flows, strict=True):
        est = flow.volume
        assert isinstance(est, EstimateSpec)
        u = float(ndtr(math.sqrt(RHO) * shared + math.sqrt(1 - RHO) * rng.standard_normal()))
        volumes[name] = est.to_estimate().ppf(u)
    (e_low, e_high), (q_low, q_high) = SPREADS[spread]
    if spread == "link":
        e, q = rng.uniform(e_low, e_high), rng.uniform(q_low, q_high)
        efficiency, down = dict.fromkeys(names, e), dict.fromkeys(names, q)
    else:
        efficiency = dict(zip(names, rng.uniform(e_low, e_high, len(names)), strict=True))
        down = dict(zip(names, rng.uniform(q_low, q_high, len(names)), strict=True))
    truth = truth_scenario(spec, volumes, efficiency, down, rng)
    model = build_model(truth)
    result = simulate(model, record=True)
    assert result.curves is not None
    clock = model.clock
    cal = working_calendar(spec, spec.start.date() + timedelta(days=3660))
    log: dict[str, list[LogDay]] = {}
    finished: dict[str, date] = {}
    row = 2
    for ran, (times, cums) in zip(result.flows, result.curves, strict=True):
        last = clock.completion_day(ran.finished_s)
        assert last is not None, f"truth {index}: {ran.name} never finishes"
        finished[ran.name] = last
        days = [spec.start.date() + timedelta(days=i)
                for i in range((last - spec.start.date()).days + 1)]  # fmt: skip
        ends = np.array([clock.to_sim(datetime.combine(d + timedelta(days=1), time()))
                         for d in days])  # fmt: skip
        cumulative = np.interp(ends, np.array(times), np.array(cums), left=0.0)
        cumulative[-1] = ran.delivered_bytes
        moved = np.diff(cumulative, prepend=0.0)
        rows = []
        for d, got in zip(days, moved.tolist(), strict=True):
            if cal.is_working(d) or got > 0:
                rows.append(LogDay(d, ran.name, max(got, 0.0), 0.0, None, d == last, row))
                row += 1
        log[ran.name] = rows
    return Truth(log, finished, max(finished.values()), efficiency, down, volumes)


def log_until(truth: Truth, as_of: date) -> ActualsLog:
    """The log as it stood on the morning of ``as_of``."""
    flows = {}
    for name, days in truth.log.items():
        kept = tuple(d for d in days if d.day < as_of)
        done = [d.day for d in kept if d.complete]
        flows[name] = FlowActuals(name, kept, done[-1] if done else None)
    return ActualsLog("truth", flows, as_of, ())


def _band(spread: str, efficiency: float) -> str:
    low, high = SPREADS[spread][0]
    third = (high - low) / 3
    return (
        BANDS[0]
        if efficiency < low + third
        else BANDS[1]
        if efficiency < high - third
        else BANDS[2]
    )


def _score(p50: date | None, p80: date | None, truth: date) -> tuple[float, float]:
    """(covered by the P80, P50 - truth in days); never covers every truth, errs infinitely."""
    covered = 1.0 if p80 is None or truth <= p80 else 0.0
    err = math.inf if p50 is None else float((p50 - truth).days)
    return covered, err


def _summary(samples: list[tuple[float, float]]) -> dict[str, float]:
    """Coverage of the P80s, median absolute and mean signed error of the P50s (negative: the
    forecast was too early)."""
    if not samples:
        return {"n": 0, "p80_coverage": math.nan, "p50_mae_days": math.nan,
                "p50_bias_days": math.nan}  # fmt: skip
    covered, err = (np.array(x, dtype=float) for x in zip(*samples, strict=True))
    return {
        "n": len(samples),
        "p80_coverage": float(covered.mean()),
        "p50_mae_days": float(np.median(np.abs(err))),
        "p50_bias_days": float(err.mean()),
    }


def backtest(
    truths: range,
    weeks: tuple[int, ...],
    replications: int,
    execution: Execution,
    spread: str = "link",
    poolings: tuple[str, ...] = ("pooled",),
) -> dict[str, Any]:
    """Per ``k`` in ``weeks`` and model (``plan`` and each of ``poolings``): the programme's and
    the flows' P80 coverage and median absolute P50 error (see the module docstring)."""
    spec = bench_scenario()
    plan: Outcome = run_scenario(spec, replications, SEED, execution)
    plan_report = summarise(plan)
    plan_flows = {f.name: f for f in plan_report.flows}
    models = ("plan", *poolings)
    programme: dict[int, dict[str, list[tuple[float, float]]]] = {
        k: {m: [] for m in models} for k in weeks
    }
    flows: dict[int, dict[str, list[tuple[float, float]]]] = {
        k: {m: [] for m in models} for k in weeks
    }
    bands: dict[int, dict[str, dict[str, list[tuple[float, float]]]]] = {
        k: {m: {b: [] for b in BANDS} for m in models} for k in weeks
    }
    identical = compared = 0
    start = spec.start.date()
    for index in truths:
        truth = draw_truth(spec, index, spread)
        for k in weeks:
            as_of = start + timedelta(weeks=k)
            if truth.completed_on < as_of:
                continue  # already over: nothing to forecast
            log = log_until(truth, as_of)
            moving = [n for n, day in truth.finished.items() if day >= as_of]
            reports = {"plan": plan_report}
            finishes = []
            for pooling in poolings:
                result = track_scenario(spec, log, replications, SEED, execution, plan=plan,
                                        pooling=pooling)  # fmt: skip
                reports[pooling] = summarise(result.forecast)
                finishes.append(result.forecast.finished())
            if len(finishes) > 1:
                compared += 1
                identical += all(np.array_equal(finishes[0], f) for f in finishes[1:])
            for model, report in reports.items():
                p = report.programme
                programme[k][model].append(_score(p.p50, p.p80, truth.completed_on))
                by_name = plan_flows if model == "plan" else {f.name: f for f in report.flows}
                for name in moving:
                    f = by_name[name]
                    scored = _score(f.p50, f.p80, truth.finished[name])
                    flows[k][model].append(scored)
                    bands[k][model][_band(spread, truth.efficiency[name])].append(scored)
    return {
        "spread": spread,
        "truths": len(truths),
        "replications": replications,
        "models": models,
        "plan_p50": plan_report.programme.p50,
        "plan_p80": plan_report.programme.p80,
        "identical": (identical, compared),
        "rows": {
            k: {
                model: {
                    "programme": _summary(programme[k][model]),
                    "flows": _summary(flows[k][model]),
                    "bands": {b: _summary(bands[k][model][b]) for b in BANDS},
                }
                for model in models
            }
            for k in weeks
        },
    }


def _percent(x: float) -> str:
    return "-" if math.isnan(x) else f"{100 * x:.0f}%"


def _days(x: float, sign: bool = False) -> str:
    if math.isnan(x):
        return "-"
    if math.isinf(x):
        return "never"
    return f"{x:+.0f} d" if sign else f"{x:.1f} d"


def table(result: dict[str, Any]) -> str:
    """The backtest as a text table: one row per number of weeks and model. ``cover``: share
    whose truth is by the P80; ``|err|``: median absolute P50 error; ``bias``: mean signed
    P50 error (negative: too early)."""
    (e_low, e_high), (q_low, q_high) = SPREADS[result["spread"]]
    per = "one per link" if result["spread"] == "link" else "per flow"
    third = (e_high - e_low) / 3
    lines = [
        f"truths: spread {result['spread']!r}, efficiency U({e_low}, {e_high}) and down days "
        f"U({q_low:.0%}, {q_high:.0%}), {per}; {result['truths']} truths, "
        f"{result['replications']} replications",
        f"plan: P50 {result['plan_p50']}, P80 {result['plan_p80']}",
        f"{'':15}|{'programme (one per truth)':^33}|{'per flow (each still moving)':^33}|"
        f"{'flow P80 cover by efficiency':^29}",
        f"{'weeks':>5} {'model':<8} | {'truths':>6} {'cover':>6} {'|err|':>8} {'bias':>8} | "
        f"{'flows':>6} {'cover':>6} {'|err|':>8} {'bias':>8} | "
        f"{f'<{e_low + third:.2f}':>8} {'middle':>8} {f'>={e_high - third:.2f}':>9}",
    ]
    for k, row in result["rows"].items():
        for model in result["models"]:
            prog, flow, bands = row[model]["programme"], row[model]["flows"], row[model]["bands"]
            lines.append(
                f"{k:>5} {model:<8} | {prog['n']:>6} {_percent(prog['p80_coverage']):>6} "
                f"{_days(prog['p50_mae_days']):>8} {_days(prog['p50_bias_days'], True):>8} | "
                f"{flow['n']:>6} {_percent(flow['p80_coverage']):>6} "
                f"{_days(flow['p50_mae_days']):>8} {_days(flow['p50_bias_days'], True):>8} | "
                f"{_percent(bands[BANDS[0]]['p80_coverage']):>8} "
                f"{_percent(bands[BANDS[1]]['p80_coverage']):>8} "
                f"{_percent(bands[BANDS[2]]['p80_coverage']):>9}"
            )
    same, compared = result["identical"]
    if compared:
        lines.append(
            f"re-forecasts identical across {', '.join(result['models'][1:])}: "
            f"{same} of {compared}"
            + (" (the models do not differ in this tree)" if same == compared else "")
        )
    return "\n".join(lines)
