"""Every solver against the independent reference model on record limits, planned outages,
growth and rejections (issue 21, item 6).

``tests.reference_model`` works these four rules out from docs/semantics.md and
docs/scenario-format.md ("Risk semantics") with none of the solvers' code. Random scenarios with
the features go through the event engine (``simulate``: the curve solver for a flow alone on one
link, ``method="events"`` for the event stepper everywhere), the batch solver
(``core.batch.solve_block``, when every flow is alone on its link) and the shared-link batch
(``core.shared_batch.solve_block``, when it takes the model), and each must agree with the
reference: starts and completions within a second, 'never' in both, bytes delivered by the
horizon, and the seconds each link bound a flow. A hand-computed case per feature pins the
reference itself (the dates written out, the arithmetic in a comment).

Not generated: a daily cap on a link that also limits records (the docs do not say whether such
a link, alone on a path, spreads its cap or is a quota in series with its own record rate).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrasim.analysis.draws import draw_block, take_rows
from migrasim.core import batch, shared_batch
from migrasim.core.engine import simulate
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario
from tests import strategies as gen
from tests.helpers import ALL_WEEK, scenario_dict
from tests.property.test_differential import TOL_S, assert_agree
from tests.reference_model import RefResult, run_reference, seconds_since_start

_EXAMPLES = 2 * settings().max_examples


@st.composite
def risky_scenarios(
    draw: st.DrawFn,
    max_flows: int = 4,
    max_links: int = 3,
    start_dates: tuple[date, date] = (gen.FIRST_START, gen.LAST_START),
) -> dict[str, Any]:
    """``gen.scenarios`` with record limits, planned outages, growth and rejections added."""
    data = draw(
        gen.scenarios(
            max_flows=max_flows,
            max_links=max_links,
            volume_mb=(200, 8000),
            horizon_days=st.sampled_from([30, 60, 120]),
            start_dates=start_dates,
        )
    )
    start = datetime.fromisoformat(data["start"])
    records = False
    for spec in data["links"].values():
        if draw(st.integers(0, 2)) == 0:  # a record limit instead of a daily cap
            spec.pop("daily_cap", None)
            if draw(st.booleans()):
                spec["records_rate"] = f"{draw(st.integers(20, 400))} records/s"
            else:
                spec["daily_records"] = f"{draw(st.integers(50, 900)) * 1000}/day"
            records = True
        if draw(st.integers(0, 2)) == 0:
            planned = []
            for _ in range(draw(st.integers(1, 3))):
                # any ten minutes, on or off the half-hour grid of the windows
                down = start + timedelta(minutes=10 * draw(st.integers(-144, 144 * 20)))
                if draw(st.integers(0, 3)) == 0:  # a bare date: the whole day
                    planned.append(down.date().isoformat())
                else:
                    up = down + timedelta(minutes=10 * draw(st.integers(1, 6 * 60)))
                    planned.append(f"{down:%Y-%m-%dT%H:%M}..{up:%Y-%m-%dT%H:%M}")
            spec["outages"] = {"planned": planned}
    for flow in data["flows"]:
        if records:  # every flow (a flow on a link that limits records must give them)
            flow["records"] = draw(st.integers(10, 2000)) * 1000
        if draw(st.integers(0, 2)) == 0:
            flow["growth"] = f"{draw(st.integers(1, 300))} MB/day"
        if draw(st.integers(0, 2)) == 0:
            flow["rejection"] = {"fraction": draw(st.sampled_from([0.01, 0.05, 0.2, 0.5]))}
            delay = draw(st.sampled_from([None, "30 min", "5 h", "3 days"]))
            if delay is not None:  # none: re-sent at once
                flow["rejection"]["delay"] = delay
    return data


def assert_engine_agrees(data: dict[str, Any], method: str) -> RefResult:
    scenario = parse_scenario(data)
    model = build_model(scenario)
    result = simulate(model, record=True, method=method)
    reference = run_reference(scenario)
    assert_agree(model, result, reference)
    return reference


def assert_block_agrees(data: dict[str, Any], solver: Any) -> bool:
    """Row 0 of ``solver.solve_block`` against the reference, if the solver takes the model:
    completions within TOL_S, 'never' in both. Returns whether it took it."""
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, 1, 0), slice(0, 1))
    down = set(block.down)
    if solver is batch:
        if len(batch.lone_flows(model, down)) != len(model.flows):
            return False
    elif not shared_batch.batchable(model, down):
        return False
    result = solver.solve_block(model, block, np.array([]), 0)
    reference = run_reference(scenario)
    for f, flow in enumerate(model.flows):
        want, got = reference.finished[f], float(result.finished[0, f])
        if want is not None and model.horizon - want <= TOL_S:
            continue  # right at the horizon: either answer is fair
        where = f"{flow.name}: {solver.__name__} {got}, reference {want}"
        if want is None:
            assert math.isinf(got), where
        else:
            assert abs(got - want) <= TOL_S, where
    return True


# --- generated scenarios -------------------------------------------------------------------------


@settings(max_examples=_EXAMPLES)
@given(risky_scenarios())
def test_engine_agrees_with_the_reference_on_the_risk_rules(data: dict[str, Any]) -> None:
    assert_engine_agrees(data, "auto")


@settings(max_examples=_EXAMPLES)
@given(risky_scenarios())
def test_event_stepper_agrees_with_the_reference_on_the_risk_rules(data: dict[str, Any]) -> None:
    assert_engine_agrees(data, "events")


@given(risky_scenarios(max_flows=3, start_dates=(date(2025, 10, 18), date(2025, 10, 26))))
def test_the_risk_rules_agree_across_the_autumn_clock_change(data: dict[str, Any]) -> None:
    """A 25-hour Sunday (2025-10-26) with outages, daily record limits and growth: both count
    real seconds, so a day's records spread over the longer window and growth runs on per
    real second."""
    assert_engine_agrees(data, "auto")
    assert_engine_agrees(data, "events")


@st.composite
def lone_risky_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """Each flow on a per-flow link of its own (what the curve solver and the batch take)."""
    data = draw(risky_scenarios(max_flows=3, max_links=1))
    spec = data["links"].pop("L0")
    for i, flow in enumerate(data["flows"]):
        data["links"][f"own{i}"] = {**spec, "per_flow": True}
        flow["links"] = [f"own{i}"]
    return data


@settings(max_examples=_EXAMPLES)
@given(lone_risky_scenarios())
def test_curve_solver_and_batch_agree_with_the_reference_on_the_risk_rules(
    data: dict[str, Any],
) -> None:
    assert_engine_agrees(data, "auto")
    assert_block_agrees(data, batch)


@st.composite
def shared_risky_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """Flows on one shared link (cap-only or bandwidth-only: no quota inside a window)."""
    data = draw(risky_scenarios(max_flows=5, max_links=1))
    spec = data["links"]["L0"]
    spec.pop("per_flow", None)
    if "records_rate" in spec or "daily_records" in spec:
        spec.pop("records_rate", None)
        spec.pop("daily_records", None)
        for flow in data["flows"]:
            flow.pop("records", None)
    if "daily_cap" in spec and "bandwidth" in spec:
        spec.pop(draw(st.sampled_from(["daily_cap", "bandwidth"])))
    if "daily_cap" not in spec and "bandwidth" not in spec:
        spec["daily_cap"] = draw(gen.sizes_mb(500, 5000))
    if "bandwidth" not in spec:
        spec.pop("efficiency", None)
    for flow in data["flows"]:
        flow["links"] = ["L0"]
    return data


@settings(max_examples=_EXAMPLES)
@given(shared_risky_scenarios())
def test_shared_batch_agrees_with_the_reference_on_the_risk_rules(data: dict[str, Any]) -> None:
    assert_engine_agrees(data, "auto")
    assert_block_agrees(data, shared_batch)


# --- by hand -------------------------------------------------------------------------------------


def _at(scenario: Any, moment: str) -> float:
    return seconds_since_start(scenario, datetime.fromisoformat(moment))


def check_by_hand(
    data: dict[str, Any], expected: dict[str, str | None], solvers: tuple[Any, ...] = ()
) -> None:
    """The reference gives the hand-computed completions (None: never), and so do the engine
    (curve solver where it applies), the event stepper and each solver in ``solvers``."""
    scenario = parse_scenario(data)
    reference = run_reference(scenario)
    for name, moment in expected.items():
        got = reference.finished[reference.names.index(name)]
        if moment is None:
            assert got is None, f"reference {name}: {got} s, expected never"
        else:
            assert got is not None, f"reference {name}: never, expected {moment}"
            assert got == pytest.approx(_at(scenario, moment), abs=1e-6), f"reference {name}"
    # the answer does not depend on the reference's step
    assert run_reference(scenario, step_s=300.0).finished == pytest.approx(reference.finished)
    assert_engine_agrees(data, "auto")
    assert_engine_agrees(data, "events")
    for solver in solvers:
        assert assert_block_agrees(data, solver), f"{solver.__name__} did not take the case"


def test_records_rate_by_hand() -> None:
    # 1 GB of 1 M records is 1,000 B a record; 100 records/s is 100,000 B/s, so 10^9 B take
    # 10,000 s = 2 h 46 min 40 s from Mon 2025-07-07 00:00.
    data = scenario_dict(
        {"L": {"records_rate": "100 records/s", "per_flow": True}},
        [{"name": "A", "volume": "1 GB", "records": "1 M", "links": ["L"]}],
        working_days=ALL_WEEK,
    )
    check_by_hand(data, {"A": "2025-07-07T02:46:40"}, (batch,))


def test_daily_records_by_hand() -> None:
    # 1 GB of 2 M records is 500 B a record; 500 k records a day is 250 MB a working day,
    # spread over 08:00-18:00. Four working days from Mon 2025-07-07: the last 250 MB arrive as
    # Thursday's window closes, 2025-07-10T18:00.
    data = scenario_dict(
        {"L": {"daily_records": "500 k", "window": "08:00-18:00", "per_flow": True}},
        [{"name": "A", "volume": "1 GB", "records": "2 M", "links": ["L"]}],
    )
    check_by_hand(data, {"A": "2025-07-10T18:00"}, (batch,))


def test_a_shared_record_rate_is_shared_max_min_fairly_in_bytes() -> None:
    # A: 1 GB of 1 M records (1,000 B each); B: 2 GB of 1 M records (2,000 B each); one shared
    # 150 records/s. Equal byte rates x: x / 1000 + x / 2000 = 150, so x = 100,000 B/s and A's
    # 1 GB takes 10,000 s (02:46:40). B has 1 GB left, alone: 150 x 2000 = 300,000 B/s,
    # 3,333.33 s more: 13,333.33 s = 03:42:13.333. (Equal records, 75/s each, would give A
    # 75 kB/s and B 150 kB/s: B done at 13,333 s, A at 13,333 s too.)
    data = scenario_dict(
        {"L": {"records_rate": "150 records/s"}},
        [{"name": "A", "volume": "1 GB", "records": "1 M", "links": ["L"]},
         {"name": "B", "volume": "2 GB", "records": "1 M", "links": ["L"]}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    check_by_hand(data, {"A": "2025-07-07T02:46:40", "B": "2025-07-07T03:42:13.333333"})


def test_a_planned_outage_in_a_spread_cap_by_hand() -> None:
    # 1 GB over {daily_cap: 1 GB} (1/24 GB an hour), every day; down Mon 2025-07-07
    # 06:00-12:00. Monday moves 18 h: 0.75 GB. Tuesday moves the last 0.25 GB in 6 h:
    # 2025-07-08T06:00.
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB", "per_flow": True,
               "outages": {"planned": ["2025-07-07T06:00..2025-07-07T12:00"]}}},
        [{"name": "A", "volume": "1 GB", "links": ["L"]}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    check_by_hand(data, {"A": "2025-07-08T06:00"}, (batch,))


def test_a_whole_day_outage_by_hand() -> None:
    # 2 TB over 100 Mbit/s (12.5 MB/s), every day, from Mon 2025-07-07; planned "2025-07-08"
    # is the whole of Tuesday. Monday moves 86,400 s x 12.5 MB = 1.08 TB; Tuesday nothing;
    # Wednesday the last 0.92 TB in 73,600 s = 20 h 26 min 40 s: 2025-07-09T20:26:40.
    data = scenario_dict(
        {"L": {"bandwidth": "100 Mbit/s", "per_flow": True,
               "outages": {"planned": ["2025-07-08"]}}},
        [{"name": "A", "volume": "2 TB", "links": ["L"]}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    check_by_hand(data, {"A": "2025-07-09T20:26:40"}, (batch,))


def test_an_outage_pauses_a_quota_by_hand() -> None:
    # 3 GB through {bandwidth: 10 Mbit/s (1.25 MB/s), daily_cap: 1 GB, window 08:00-18:00},
    # Mon-Fri from Mon 2025-07-07, down Tue 09:00-10:00. A gigabyte takes 800 s at the wire's
    # rate: Monday 08:00:00-08:13:20. Tuesday 08:00-08:13:20 (the outage is after it).
    # Wednesday 08:00-08:13:20: done 2025-07-09T08:13:20. Then down Wed 08:10-09:00 instead:
    # 600 s (750 MB) before it, the last 250 MB (200 s) from 09:00: 2025-07-09T09:03:20.
    outage = "2025-07-09T08:10..2025-07-09T09:00"
    data = scenario_dict(
        {"L": {"bandwidth": "10 Mbit/s", "daily_cap": "1 GB", "window": "08:00-18:00",
               "per_flow": True, "outages": {"planned": [outage]}}},
        [{"name": "A", "volume": "3 GB", "links": ["L"]}],
    )  # fmt: skip
    check_by_hand(data, {"A": "2025-07-09T09:03:20"})


def test_growth_by_hand() -> None:
    # {daily_cap: 2 GB}, every day, from Mon 2025-07-07; growth 1 GB a day. A (10 GB) starts
    # at once and falls by 2 - 1 = 1 GB a day: 10 days, 2025-07-17T00:00. B starts Wed 9 July
    # with 10 + 2 x 1 = 12 GB to move: 12 days, 2025-07-21T00:00. C grows 3 GB a day, faster
    # than 2 GB a day: never.
    data = scenario_dict(
        {"L": {"daily_cap": "2 GB", "per_flow": True}},
        [{"name": "A", "volume": "10 GB", "growth": "1 GB/day", "links": ["L"]},
         {"name": "B", "volume": "10 GB", "growth": "1 GB/day", "links": ["L"],
          "start": "2025-07-09"},
         {"name": "C", "volume": "10 GB", "growth": "3 GB/day", "links": ["L"]}],
        working_days=ALL_WEEK, horizon="60 days",
    )  # fmt: skip
    check_by_hand(data, {"A": "2025-07-17T00:00", "B": "2025-07-21T00:00", "C": None}, (batch,))


def test_rejection_by_hand() -> None:
    # {daily_cap: 1 GB}, every day, from Mon 2025-07-07. A: 9 GB, 10 % rejected, 2 days'
    # delay: the first pass ends after 9 days (Wed 16 July 00:00); rework 9 x 0.1 / 0.9 = 1 GB,
    # re-sent from Fri 18 July 00:00, one day: 2025-07-19T00:00. B: 8 GB at 2 GB a day with
    # growth 1 GB a day, 20 % rejected, 1 day's delay: the backlog falls 1 GB a day, so the
    # first pass ends on day 8 having moved 8 + 8 = 16 GB; rework 16 x 0.2 / 0.8 = 4 GB plus a
    # day's growth: 5 GB from day 9, falling 1 GB a day: day 14, 2025-07-21T00:00.
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB", "per_flow": True},
         "M": {"daily_cap": "2 GB", "per_flow": True}},
        [{"name": "A", "volume": "9 GB", "links": ["L"],
          "rejection": {"fraction": 0.1, "delay": "2 days"}},
         {"name": "B", "volume": "8 GB", "growth": "1 GB/day", "links": ["M"],
          "rejection": {"fraction": 0.2, "delay": "1 days"}}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    check_by_hand(data, {"A": "2025-07-19T00:00", "B": "2025-07-21T00:00"}, (batch,))
    reference = run_reference(parse_scenario(data))
    scenario = parse_scenario(data)
    assert reference.first_pass[0] == pytest.approx(_at(scenario, "2025-07-16T00:00"))
    assert reference.first_pass[1] == pytest.approx(_at(scenario, "2025-07-15T00:00"))


def test_growth_and_rejection_on_a_shared_link_by_hand() -> None:
    # One shared {daily_cap: 2 GB}, every day, from Mon 2025-07-07. A: 4 GB, 50 % rejected, no
    # delay; B: 6 GB growing 1 GB a day. A gigabyte a day each: A's first pass ends on day 4;
    # its rework is 4 x 0.5 / 0.5 = 4 GB, re-sent at once (still a gigabyte a day): day 8.
    # B's backlog falls 0 a day meanwhile (1 GB in, 1 GB out): 6 GB at day 8, then 2 GB a day
    # alone against 1 GB of growth: 6 more days, day 14 (2025-07-21T00:00).
    data = scenario_dict(
        {"L": {"daily_cap": "2 GB"}},
        [{"name": "A", "volume": "4 GB", "links": ["L"],
          "rejection": {"fraction": 0.5}},
         {"name": "B", "volume": "6 GB", "growth": "1 GB/day", "links": ["L"]}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    check_by_hand(data, {"A": "2025-07-15T00:00", "B": "2025-07-21T00:00"}, (shared_batch,))


def test_the_reference_refuses_what_it_does_not_model() -> None:
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB", "outages": {"mtbf": "10 days", "mttr": "2 h"}}},
        [{"name": "A", "volume": "1 GB", "links": ["L"]}],
    )
    with pytest.raises(NotImplementedError, match="planned outages"):
        run_reference(parse_scenario(data))


def test_the_generated_cases_reach_every_feature() -> None:
    """A cheap guard that the strategies draw each feature (not a hypothesis run)."""
    seen: set[str] = set()

    @settings(max_examples=60, database=None)
    @given(risky_scenarios())
    def collect(data: dict[str, Any]) -> None:
        for spec in data["links"].values():
            seen.update(k for k in ("records_rate", "daily_records", "outages") if k in spec)
        for flow in data["flows"]:
            seen.update(k for k in ("growth", "rejection") if k in flow)

    collect()
    assert seen == {"records_rate", "daily_records", "outages", "growth", "rejection"}
