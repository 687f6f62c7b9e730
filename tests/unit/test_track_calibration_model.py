"""track's throughput calibration: each flow's own throughput, partially pooled, measured
against the plan's own timeline (issue 19, items 1 and 2).

Every expected figure is worked by hand in the comment beside it. Logs "equal to the plan" are
generated here from the baseline engine's own curves, independently of analysis/track.py."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.summary import summarise
from migrasim.analysis.track import (
    Conditioned,
    condition,
    forecast_run,
    plan_days,
    track_scenario,
    turnaround_shifts,
)
from migrasim.core.engine import simulate
from migrasim.scenario.actuals import ActualsLog, FlowActuals, LogDay
from migrasim.scenario.compile import build_model
from migrasim.scenario.loader import load_scenario
from migrasim.scenario.types import Scenario, likely_of, parse_scenario
from tests.helpers import scenario_dict

GB = 1e9
ROOT = Path(__file__).resolve().parents[2]


def _log(
    spec: Scenario,
    as_of: date,
    daily: dict[str, Callable[[date], float]],
    complete: dict[str, date] | None = None,
) -> ActualsLog:
    """A log with ``daily[flow](day)`` bytes on every day before ``as_of`` (no row for 0;
    a flow missing from ``daily`` has no rows)."""
    flows = {}
    for flow in spec.flows:
        rows: list[LogDay] = []
        make = daily.get(flow.label)
        day = spec.start.date()
        while make is not None and day < as_of:
            got = make(day)
            if got > 0 or day.weekday() < 5:
                done = complete is not None and complete.get(flow.label) == day
                rows.append(LogDay(day, flow.label, got, 0.0, None, done, len(rows) + 2))
            day += timedelta(days=1)
        done_on = None if complete is None else complete.get(flow.label)
        flows[flow.label] = FlowActuals(flow.label, tuple(rows), done_on)
    return ActualsLog("log.csv", flows, as_of, ())


def _plan_log(
    spec: Scenario, as_of: date, extra: Callable[[str, date], float] | None = None
) -> ActualsLog:
    """The log that equals the plan to the byte: each day's bytes from the baseline engine's
    cumulative curves at local midnights (a delivery at 00:00 counts for the day before, the
    end-of-day rule), plus ``extra(flow, day)``."""
    model = build_model(spec)
    result = simulate(model, record=True)
    assert result.curves is not None
    first = spec.start.date()
    days = [first + timedelta(days=k) for k in range((as_of - first).days)]
    bounds = [model.clock.to_sim(datetime.combine(d, time())) for d in [*days, as_of]]
    flows = {}
    for flow, (ts, cs) in zip(spec.flows, result.curves, strict=True):
        t_arr, c_arr = np.asarray(ts), np.asarray(cs)

        def cumulative(t: float, t_arr: Any = t_arr, c_arr: Any = c_arr) -> float:
            i = int(np.searchsorted(t_arr, t, side="right"))
            if i == 0:
                return 0.0
            if i >= t_arr.size:
                return float(c_arr[-1])
            t0, t1, c0, c1 = t_arr[i - 1], t_arr[i], c_arr[i - 1], c_arr[i]
            return float(c0 + (c1 - c0) * (t - t0) / (t1 - t0))

        rows = []
        for k, day in enumerate(days):
            got = cumulative(bounds[k + 1]) - cumulative(bounds[k])
            got += 0.0 if extra is None else extra(flow.label, day)
            if got > 1e-3:
                rows.append(LogDay(day, flow.label, got, 0.0, None, False, k + 2))
        flows[flow.label] = FlowActuals(flow.label, tuple(rows), None)
    return ActualsLog("plan.csv", flows, as_of, ())


def _baselines(spec: Scenario, log: ActualsLog, n: int = 60) -> dict[str, tuple[Any, Any]]:
    """Per flow (and ALL): (plan, re-forecast) baseline completion dates."""
    result = track_scenario(spec, log, n, 1)
    plan, forecast = summarise(result.plan), summarise(result.forecast)
    return {
        a.name: (a.baseline_completed_on, b.baseline_completed_on)
        for a, b in zip(plan.rows, forecast.rows, strict=True)
    }


def _at_likely(spec: Scenario) -> Scenario:
    """``spec`` with every flow's volume at its most likely value."""
    flows = tuple(f.model_copy(update={"volume": float(likely_of(f.volume))}) for f in spec.flows)
    return spec.model_copy(update={"flows": flows})


def _one_link(flows: list[dict[str, Any]], link: dict[str, Any] | None = None) -> Scenario:
    # Mon 2025-07-07 start, Mon-Fri, no holidays; 1 GB per flow per working day, no outages.
    spec = link if link is not None else {"daily_cap": "1 GB", "per_flow": True}
    return parse_scenario(scenario_dict({"capped": spec}, flows, go_live="2026-06-01"))


def _weekday(amount: float) -> Callable[[date], float]:
    return lambda d: amount if d.weekday() < 5 else 0.0


# --- the headline case --------------------------------------------------------------------------


def test_on_plan_flow_beside_a_half_rate_flow_is_forecast_on_plan() -> None:
    # A and B, 57.5 GB each on a per_flow 1 GB/day link. Four weeks (20 working days,
    # Mon 7 Jul - Fri 1 Aug): A moves 1 GB every weekday (its plan), B 0.5 GB.
    spec = _one_link([
        {"name": "A", "volume": "57.5 GB", "links": ["capped"]},
        {"name": "B", "volume": "57.5 GB", "links": ["capped"]},
    ])  # fmt: skip
    log = _log(spec, date(2025, 8, 4), {"A": _weekday(GB), "B": _weekday(GB / 2)})
    cond = condition(spec, log)
    # Efficiency: y_A = 1, y_B = 0.5; within-flow sd 0 -> floor 0.2: v = 0.04 / 20 = 0.002,
    # w = 500 each. DerSimonian-Laird: mean 0.75, Q = 500 (0.25^2 + 0.25^2) = 62.5,
    # tau^2 = (62.5 - 1) / (1000 - 500) = 0.123. Link: P = 1/0.15^2 + 2/0.125 = 60.444,
    # m = (44.444 + 1.5/0.125) / 60.444 = 0.933824. Shrinkage B = 0.002/0.125 = 0.016:
    # mu_A = 0.984 + 0.016 m = 0.998941, mu_B = 0.492 + 0.016 m = 0.506941.
    assert cond.posteriors["capped"].mu == pytest.approx(0.933824, abs=1e-5)
    assert cond.flow_posteriors["A"].mu == pytest.approx(0.998941, abs=1e-5)
    assert cond.flow_posteriors["B"].mu == pytest.approx(0.506941, abs=1e-5)
    # The pooled model gives both the link's 0.75-ish efficiency (the complaint).
    pooled = condition(spec, log, "pooled").posteriors["capped"].mu
    assert pooled < 0.8
    # Forecast: A's plan ends on its 58th working day, Wed 24 Sep (57.5 GB: half of the 58th
    # day); 37.5 GB left at 0.998941 GB/day is 37.54 working days: Wed 24 Sep again.
    result = track_scenario(spec, log, 200, 1)
    plan, forecast = summarise(result.plan), summarise(result.forecast)
    a_plan, a_new = plan.rows[0], forecast.rows[0]
    assert a_plan.baseline_completed_on == date(2025, 9, 24)
    assert a_new.baseline_completed_on == date(2025, 9, 24)
    assert a_new.p50 is not None
    assert a_plan.p50 is not None
    assert abs((a_new.p50 - a_plan.p50).days) <= 1
    # B: 47.5 GB left at ~0.5 GB/day: about 94 working days, far later than plan.
    b_plan, b_new = plan.rows[1], forecast.rows[1]
    assert b_new.p50 is not None
    assert b_plan.p50 is not None
    assert (b_new.p50 - b_plan.p50).days > 60
    # What is simulated: both stay on a 1 GB/day link at their own rates (A's factor about
    # 0.9989, B's 0.5069: the flows' down-day shares are within 0.02 % of the link's); B's
    # relative spread (sd / mu, about 0.044 / 0.507) is twice A's (0.044 / 0.999), so B moves
    # to a copy of the link that carries its own.
    assert cond.rate_factors == pytest.approx({"A": 0.998941, "B": 0.506941}, abs=5e-4)
    simulated = cond.to_simulate
    assert simulated.flows[0].links == ("capped",)
    (copy,) = simulated.flows[1].links
    assert cond.link_names == {copy: "capped"}
    # Outputs keep the scenario's link names.
    assert {b.link for b in forecast.bottlenecks or ()} == {"capped"}
    assert [f.bottleneck for f in result.forecast.baseline.flows] == ["capped", "capped"]


# --- shrinkage ----------------------------------------------------------------------------------


def _wales_like(weeks: int) -> Conditioned:
    # 29 flows on one per_flow 1 GB/day link; 28 on plan, X at half rate, for `weeks` weeks.
    flows = [{"name": f"F{i}", "volume": "300 GB", "links": ["capped"]} for i in range(28)]
    spec = _one_link([*flows, {"name": "X", "volume": "300 GB", "links": ["capped"]}])
    daily = {f"F{i}": _weekday(GB) for i in range(28)} | {"X": _weekday(GB / 2)}
    return condition(spec, _log(spec, date(2025, 7, 7) + timedelta(weeks=weeks), daily))


def test_one_bad_week_moves_a_little_a_month_most_of_the_way() -> None:
    # One week: v = 0.04/5 = 0.008, w = 125. Mean 28.5/29 = 0.982759; sum of squares
    # 28 x 0.017241^2 + 0.482759^2 = 0.241379; Q = 30.172; tau^2 = (30.172 - 28) /
    # (3625 - 125) = 0.000621; B = 0.008 / 0.008621 = 0.928; m = 0.98299 (the prior adds
    # 44.4 at 1.0 to 29 / 0.008621 = 3364 at the mean): mu_X = 0.072 x 0.5 + 0.928 x 0.98299
    # = 0.948: a tenth of the way from the plan to its own 0.5.
    week = _wales_like(1).flow_posteriors["X"].mu
    assert week == pytest.approx(0.948, abs=2e-3)
    # Four weeks: v = 0.002, w = 500: Q = 120.69, tau^2 = 92.69 / 14000 = 0.006621,
    # B = 0.002 / 0.008621 = 0.232: mu_X = 0.768 x 0.5 + 0.232 x 0.98299 = 0.612: 78 % of
    # the way.
    month = _wales_like(4).flow_posteriors["X"].mu
    assert month == pytest.approx(0.612, abs=2e-3)
    # Monotone in evidence: each week more moves it further towards 0.5, never past.
    shares = [_wales_like(k).flow_posteriors["X"].mu for k in (1, 2, 3, 4, 8)]
    assert all(a > b for a, b in itertools.pairwise(shares))
    assert shares[-1] > 0.5
    # The flows on plan stay on plan (within 0.5 %).
    assert _wales_like(4).flow_posteriors["F0"].mu == pytest.approx(1.0, abs=5e-3)


def test_down_days_shrink_towards_the_link() -> None:
    # Four flows on a per_flow link, two weeks (10 working days). F0 moves nothing (10 zero
    # days), the others 1 GB every day. Link: prior share 0.01 x 20 days: Beta(0.2, 19.8);
    # + 10 zero of 40 days: Beta(10.2, 49.8), mean p = 0.17. Flow shares 1, 0, 0, 0: pooled
    # 0.25, variance 0.25 (ddof 1) less binomial 0.25 x 0.75 / 10 = 0.01875: 0.23125;
    # M = 0.1875 / 0.23125 - 1 < 10: the floor 10. F0: Beta(10 x 0.17 + 10, 10 x 0.83) =
    # Beta(11.7, 8.3): 0.585; the others Beta(1.7, 18.3): 0.085.
    spec = _one_link([{"name": f"F{i}", "volume": "100 GB", "links": ["capped"]}
                      for i in range(4)])  # fmt: skip
    daily = {"F0": _weekday(0.0)} | {f"F{i}": _weekday(GB) for i in (1, 2, 3)}
    cond = condition(spec, _log(spec, date(2025, 7, 21), daily))
    assert cond.posteriors["capped"].down_share == pytest.approx(10.2 / 60)
    assert cond.flow_posteriors["F0"].down_share == pytest.approx(0.585, abs=1e-3)
    assert cond.flow_posteriors["F1"].down_share == pytest.approx(0.085, abs=1e-3)
    # F0 moved nothing on any day: no efficiency evidence, it gets the link's (all the others
    # at 1.0: tau^2 = 0, mu = 1).
    assert cond.flow_posteriors["F0"].mu == pytest.approx(1.0)


def test_a_flow_with_no_rows_is_no_evidence() -> None:
    # F1 has no row at all: not "ten days with nothing moved". Only F0's evidence counts:
    # one unit, on plan: the link's down share is the prior's 0.2 / (20 + 10) = 0.00667.
    spec = _one_link([{"name": f"F{i}", "volume": "100 GB", "links": ["capped"]}
                      for i in range(2)])  # fmt: skip
    cond = condition(spec, _log(spec, date(2025, 7, 21), {"F0": _weekday(GB)}))
    assert cond.evidence["F1"].working_days == 0
    assert "F1" not in cond.flow_posteriors
    assert "F1" not in cond.rate_factors
    assert cond.posteriors["capped"].down_share == pytest.approx(0.2 / 30)
    assert cond.posteriors["capped"].zero_days == 0
    # in the pooled model too
    assert condition(spec, _log(spec, date(2025, 7, 21), {"F0": _weekday(GB)}),
                     "pooled").posteriors["capped"].days == 10  # fmt: skip
    # Rows with 0 bytes are evidence of nothing moving.
    zero = condition(spec, _log(spec, date(2025, 7, 21), {"F0": _weekday(GB),
                                                          "F1": _weekday(0.0)}))  # fmt: skip
    assert zero.evidence["F1"].zero_days == 10
    assert zero.flow_posteriors["F1"].down_share > 0.5


# --- pooled: the first model, unchanged ---------------------------------------------------------


def test_pooled_is_the_per_link_model() -> None:
    # The first model: pipe 10 GB/day per_flow; A 5 GB every day, B 5 GB with one zero day.
    # Ratios to the nominal 10 GB: nine days at 0.5, sd 0 -> 0.2: precision 9 / 0.04 = 225;
    # mu = (44.444 + 225 x 0.5) / 269.444 = 0.582474; sd = sqrt(1 / 269.444) = 0.060921.
    # Down days: Beta(0.2 + 1, 19.8 + 9) = Beta(1.2, 28.8).
    spec = _one_link(
        [{"name": "A", "volume": "40 GB", "links": ["capped"]},
         {"name": "B", "volume": "30 GB", "links": ["capped"]}],
        {"daily_cap": "10 GB", "per_flow": True},
    )  # fmt: skip
    daily = {"A": _weekday(5 * GB), "B": lambda d: 0.0 if d.day == 8 else _weekday(5 * GB)(d)}
    log = _log(spec, date(2025, 7, 12), daily)
    cond = condition(spec, log, "pooled")
    post = cond.posteriors["capped"]
    assert post.mu == pytest.approx(156.9444 / 269.4444, rel=1e-5)
    assert post.sd == pytest.approx((1 / 269.4444) ** 0.5, rel=1e-5)
    assert (post.alpha, post.beta) == pytest.approx((1.2, 28.8))
    assert cond.simulated is None
    assert not cond.flow_posteriors
    assert not cond.rate_factors
    # what is simulated is the remaining scenario itself
    left = forecast_run(cond, 30, 2)
    direct = run_scenario(cond.scenario, 30, 2)
    assert np.array_equal(left.finished(), direct.finished())
    with pytest.raises(ValueError, match="pooling"):
        condition(spec, log, "per_flow")


# --- a log equal to the plan re-forecasts the plan ----------------------------------------------


def test_plan_log_on_health_boards_calibrates_to_the_plan() -> None:
    spec = load_scenario(ROOT / "scenarios" / "health_boards.yaml")
    log = _plan_log(spec, date(2025, 6, 30))  # four weeks, Mon 2 - Fri 27 June
    cond = condition(spec, log)
    for flow in spec.flows:
        e = cond.evidence[flow.label]
        # 20 working days, each moving what the plan moves: 100 %, no zero day
        assert (e.working_days, e.zero_days) == (20, 0)
        assert e.moved_share == pytest.approx(1.0, abs=1e-9)
        assert cond.flow_posteriors[flow.label].mu == pytest.approx(1.0, abs=1e-9)
        assert cond.rate_factors[flow.label] == pytest.approx(1.0, abs=1e-4)
    # With each volume at its most likely value (the volume estimates' own conditioning is not
    # calibration), every flow's re-forecast baseline is the plan's, to the day: growth, the
    # Christmas freeze, and the 3 % rejected of the whole first pass (the rework owed on the
    # 20 GB already across included) all as the plan has them.
    plain = _at_likely(spec)
    for name, (plan, new) in _baselines(plain, _plan_log(plain, date(2025, 6, 30))).items():
        assert new == plan, name


def test_plan_log_on_a_night_window_past_midnight() -> None:
    # 100 Mbit/s = 12.5 MB/s, open 22:00-06:00 (8 h) Mon-Fri: 360 GB a night, split 90 GB
    # before midnight and 270 GB after (Tue-Sat). 5 TB: 13.9 nights, Mon 7 - Thu 24 July.
    spec = _one_link(
        [{"name": "N", "volume": "5 TB", "links": ["capped"]}],
        {"bandwidth": "100 Mbit/s", "window": "22:00-06:00", "per_flow": True},
    )
    log = _plan_log(spec, date(2025, 7, 21))  # two weeks
    cond = condition(spec, log)
    e = cond.evidence["N"]
    # Mon-Sat twice: 12 days the plan moves something; all of it moved.
    assert (e.working_days, e.zero_days) == (12, 0)
    assert e.moved_share == pytest.approx(1.0)
    # The first model read it as 3,600 GB of 12 "working days" (Saturdays' rows counted) at a
    # nominal 360 GB: 83 % of planned.
    assert condition(spec, log, "pooled").evidence["N"].moved_share == pytest.approx(10 / 12)
    assert cond.flow_posteriors["N"].mu == pytest.approx(1.0)
    # No zero day in 12 (weighted: Mondays 2/8, Saturdays 6/8, the rest 1; 10 in all):
    # Beta(0.2, 29.8). The remaining plan is re-forecast to the day.
    for name, (plan, new) in _baselines(spec, log).items():
        assert new == plan, name


def test_saturday_extras_never_make_an_on_plan_log_later() -> None:
    # 1 GB/day Mon-Fri, 30 GB: plan ends on the 30th working day, Fri 15 August.
    spec = _one_link([{"name": "A", "volume": "30 GB", "links": ["capped"]}])
    on_plan = _plan_log(spec, date(2025, 7, 28))
    extra = _plan_log(spec, date(2025, 7, 28),
                      lambda _f, d: 0.5 * GB if d.weekday() == 5 else 0.0)  # fmt: skip
    base = condition(spec, on_plan)
    more = condition(spec, extra)
    # Saturdays add bytes, never working days.
    assert more.evidence["A"].working_days == base.evidence["A"].working_days == 15
    assert more.evidence["A"].zero_days == 0
    assert more.flow_posteriors["A"].mu > base.flow_posteriors["A"].mu
    plan_b = _baselines(spec, on_plan)["A"]
    more_b = _baselines(spec, extra)["A"]
    assert plan_b[1] == plan_b[0] == date(2025, 8, 15)
    assert more_b[1] is not None
    assert more_b[1] <= plan_b[1]


@pytest.mark.parametrize(
    "as_of",
    [date(2025, 6, 25), date(2025, 6, 30), date(2025, 7, 16), date(2025, 7, 21)],
)
def test_plan_log_on_shipped_disks(as_of: date) -> None:
    # Every bulk disk leaves Mon 23 June (3 weeks' lead time) and is loaded 5 days later (Sat
    # 28 June 00:00, counted for Fri 27). The 3 % rejected is re-sent when the disk is next
    # free to leave 2 weeks after (Sat 12 July -> Mon 14), loaded Sat 19 (Fri 18); the deltas
    # (1 GB + growth at 1 GB/day) follow from Mon 21. As of Wed 25 June every disk is in
    # transit; as of Mon 30 June it has arrived and the re-send waits; as of Wed 16 July the
    # re-send is in transit; as of Mon 21 July every bulk is done. Each re-forecasts the plan.
    plain = _at_likely(load_scenario(ROOT / "scenarios" / "shipped_disks.yaml"))
    log = _plan_log(plain, as_of)
    cond = condition(plain, log)
    assert cond.simulated is not None
    copies = {n for n in cond.simulated.links if n not in plain.links}
    assert len(copies) == 29
    assert {cond.link_names[c] for c in copies} == {"courier"}
    baselines = _baselines(plain, log)
    for name, (plan, new) in baselines.items():
        assert new == plan, name
    assert baselines["Cardiff bulk"][1] == date(2025, 7, 18)
    if as_of == date(2025, 7, 21):
        assert cond.completed_on["Cardiff bulk"] == date(2025, 7, 18)


def test_turnaround_calibrated_from_logged_arrivals() -> None:
    # Every bulk disk is logged on Tue 1 July, 4 days after the plan's Fri 27 June. The plan's
    # turnaround {3, 5, 10} days has sd about (10 - 3) / 6 = 1.1667 days; each logged arrival
    # is a 1-day observation: weight 29 x 1.1667^2 / (29 x 1.1667^2 + 1) = 0.975294, shift
    # 0.975294 x 4 = 3.9012 days.
    plain = _at_likely(load_scenario(ROOT / "scenarios" / "shipped_disks.yaml"))
    on_plan = _plan_log(plain, date(2025, 7, 7))
    late = {}
    for name, flow in on_plan.flows.items():
        days = tuple(
            replace(d, day=date(2025, 7, 1)) if d.day == date(2025, 6, 27) else d for d in flow.days
        )
        late[name] = replace(flow, days=days)
    log = replace(on_plan, flows=late)
    shifts = turnaround_shifts(plain, log, plan_days(plain, date(2025, 7, 7)))
    assert shifts == {"courier": pytest.approx(3.9012 * 86_400, rel=1e-4)}
    assert turnaround_shifts(plain, on_plan, plan_days(plain, date(2025, 7, 7))) == {"courier": 0.0}
    # The re-sent disk leaves 2 weeks after Wed 2 July 00:00 (Wed 16 July) and takes 5 + 3.9012
    # days: loaded Thu 24 July 21:38, 6 days after the plan's Fri 18.
    bulk = _baselines(plain, log)["Cardiff bulk"]
    assert bulk == (date(2025, 7, 18), date(2025, 7, 24))


def test_a_shared_link_is_one_unit() -> None:
    # Two flows share a 2 GB/day link (1 GB each in the plan's timeline); one week at 0.5 GB
    # each. One unit (the link): y = 5 / 10 = 0.5 from 10 days with data, sd 0 -> 0.2:
    # v = 0.04 / 10 = 0.004, tau = 0; P = 44.444 + 250 = 294.444, m = (44.444 + 125) /
    # 294.444 = 0.575472. Down days: Beta(0.2, 19.8 + 10).
    spec = _one_link(
        [{"name": "A", "volume": "50 GB", "links": ["capped"]},
         {"name": "B", "volume": "50 GB", "links": ["capped"]}],
        {"daily_cap": "2 GB"},
    )  # fmt: skip
    log = _log(spec, date(2025, 7, 14), {"A": _weekday(GB / 2), "B": _weekday(GB / 2)})
    cond = condition(spec, log)
    post = cond.posteriors["capped"]
    assert post.mu == pytest.approx(169.4444 / 294.4444, rel=1e-5)
    assert (post.alpha, post.beta) == pytest.approx((0.2, 29.8))
    assert cond.flow_posteriors["A"] == cond.flow_posteriors["B"] == post
    assert cond.simulated is None
    assert not cond.rate_factors
