"""The batch solver against the per-replication engine, and hand-worked cases through it.

The differential test draws a block of replications for a random scenario whose flows are each
alone on their links, solves the block at once (``core.batch``), then runs the engine on the
very same inputs, row by row (``draws.inputs_for``): every completion must agree within a second
and 'never' must be 'never' in both. The strategies cover record limits, cap-only,
bandwidth-only and bandwidth + cap links, windows across midnight, bank holidays, clock changes
(starts up to late October), random and planned outages, lead times with a fallback, growth and
rejections, with uncertain volumes so rows differ.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from migrasim.analysis.draws import draw_block, inputs_for, take_rows
from migrasim.analysis.runner import band_day_ends
from migrasim.core.batch import lone_flows, solve_block
from migrasim.core.calendar import NEVER
from migrasim.core.engine import simulate
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario
from tests import strategies as gen
from tests.helpers import (
    ALL_WEEK,
    FALLBACK_ALL_DAY_THEN_TWO_HOURS,
    assert_batch_agrees_with_engine,
    assert_row_agrees,
    scenario_dict,
)

TOL_S = 1.0
ROWS = 3
"""Rows of each block checked against the engine (the engine is the slow side)."""


def batch_finishes(data: dict[str, Any]) -> dict[str, datetime | None]:
    """Completion of each flow in replication 0 through the batch solver."""
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, 1, 0), slice(0, 1))
    result = solve_block(model, block, band_day_ends(model)[1], 0)
    return {
        flow.name: None
        if math.isinf(result.finished[0, f])
        else model.clock.to_local(float(result.finished[0, f]))
        for f, flow in enumerate(model.flows)
    }


@st.composite
def lone_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A random scenario whose flows each have a link of their own, with the risk features."""
    data = draw(
        gen.scenarios(
            max_flows=3,
            max_links=3,
            volume_mb=(200, 8000),
            horizon_days=st.integers(30, 150),
            start_dates=(date(2025, 6, 2), date(2025, 10, 20)),
        )
    )
    links: dict[str, Any] = {}
    for i, flow in enumerate(data["flows"]):
        spec = dict(data["links"][flow["links"][0]])
        spec.pop("per_flow", None)
        name = f"own{i}"
        quota = "daily_cap" in spec and "bandwidth" in spec
        if not quota and draw(st.integers(0, 2)) == 0:
            spec["outages"] = {
                "mtbf": f"{draw(st.integers(1, 10))} days",
                "mttr": draw(st.sampled_from(["2 h", "30 min", {"low": "1 h", "likely": "3 h",
                                                                "high": "1 days"}])),
            }  # fmt: skip
        if not quota and draw(st.integers(0, 3)) == 0:
            day = date.fromisoformat(data["start"][:10]).toordinal() + draw(st.integers(0, 10))
            first = date.fromordinal(day)
            spec.setdefault("outages", {})["planned"] = [f"{first}T10:00..{first}T15:30"]
        if draw(st.integers(0, 3)) == 0:
            spec["lead_time"] = f"{draw(st.integers(1, 6))} days"
            if draw(st.booleans()):
                links[f"fb{i}"] = draw(gen.links(kind="cap", window=False))
                links[f"fb{i}"].pop("per_flow", None)
                spec["fallback"] = f"fb{i}"
                if draw(st.booleans()):  # the fallback fails too (what it moved before the
                    # switch is what the link itself no longer owes)
                    links[f"fb{i}"]["outages"] = {
                        "mtbf": f"{draw(st.integers(1, 4))} days",
                        "mttr": draw(st.sampled_from(["3 h", "1 days"])),
                    }
        if draw(st.integers(0, 3)) == 0:
            if draw(st.booleans()):
                spec["records_rate"] = f"{draw(st.integers(20, 400))}/s"
            else:
                spec["daily_records"] = f"{draw(st.integers(50_000, 900_000))}/day"
            flow["records"] = draw(st.integers(10_000, 2_000_000))
        links[name] = spec
        flow["links"] = [name]
        mb = int(flow["volume"].split()[0])
        if draw(st.booleans()):
            flow["volume"] = {"low": f"{mb // 2} MB", "likely": f"{mb} MB", "high": f"{2 * mb} MB"}
        if draw(st.integers(0, 2)) == 0:
            flow["growth"] = f"{draw(st.integers(1, 300))} MB/day"
        if draw(st.integers(0, 2)) == 0:
            flow["rejection"] = {
                "fraction": {"low": 0.01, "likely": 0.05, "high": 0.2},
                "delay": draw(st.sampled_from(["1 h", "5 h", "3 days"])),
            }
    data["links"] = links
    return data


@settings(max_examples=2 * settings().max_examples)
@given(lone_scenarios(), st.integers(0, 2**31 - 1))
@example(
    data={
        "name": "generated",
        "start": "2025-06-02",
        "horizon": "30 days",
        "calendar": {"holidays": "none", "working_days": ["Mon", "Tue", "Wed", "Thu", "Fri"]},
        "links": {
            "own0": {
                "daily_cap": "500 MB",
                "bandwidth": "1 Mbit/s",
                "lead_time": "1 days",
                "daily_records": "50000/day",
            }
        },
        "flows": [
            {
                "name": "F0",
                "source": "s0",
                "target": "t",
                "volume": "200 MB",
                "links": ["own0"],
                "start": "2025-06-02",
                "records": 1050000,
            }
        ],
    },
    seed=0,
).via("a completion exactly at the horizon is not one (engine semantics)")
@example(
    data={
        "name": "generated",
        "start": "2025-06-02",
        "horizon": "30 days",
        "calendar": {
            "holidays": "none",
            "working_days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
            "closures": ["2025-06-02"],
        },
        "links": {
            "own0": {"daily_cap": "3733 MB", "window": "00:00-03:30", "daily_records": "50000/day"}
        },
        "flows": [
            {
                "name": "F0",
                "source": "s0",
                "target": "t",
                "volume": "3733 MB",
                "links": ["own0"],
                "start": "2025-06-02",
                "records": 10000,
                "rejection": {
                    "fraction": {"low": 0.01, "likely": 0.05, "high": 0.2},
                    "delay": "5 h",
                },
            }
        ],
    },
    seed=0,
).via("a window's amount is the volume but for floating-point dust (rate x span)")
@example(
    data={
        "name": "generated",
        "start": "2025-06-02",
        "horizon": "30 days",
        "calendar": {
            "holidays": "none",
            "working_days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
            "closures": ["2025-06-02"],
        },
        "links": {"own0": {"daily_cap": "3733 MB", "window": "00:00-03:30"}},
        "flows": [
            {
                "name": "F0",
                "source": "s0",
                "target": "t",
                "volume": "3733 MB",
                "links": ["own0"],
                "start": "2025-06-02",
            }
        ],
    },
    seed=0,
).via("the same, with records and a re-sent rejection")
@example(
    data={
        "name": "generated",
        "start": "2025-06-02T11:00",
        "horizon": "30 days",
        "calendar": {"holidays": "none", "working_days": ["Mon", "Tue", "Wed", "Thu", "Fri"]},
        "links": {
            "fb0": {"daily_cap": "865 MB", "outages": {"mtbf": "1 days", "mttr": "1 days"}},
            "own0": {
                "daily_cap": "500 MB",
                "window": "00:00-00:30",
                "outages": {
                    "mtbf": "1 days",
                    "mttr": "2 h",
                    "planned": ["2025-06-02T10:00..2025-06-02T15:30"],
                },
                "lead_time": "2 days",
                "fallback": "fb0",
            },
        },
        "flows": [
            {"name": "F0", "source": "s0", "target": "t", "volume": "865 MB", "links": ["own0"]}
        ],
    },
    seed=9022,
).via("the fallback clears the volume at the switch but for floating-point dust")
def test_batch_agrees_with_the_engine(data: dict[str, Any], seed: int) -> None:
    _agrees(data, seed)


@st.composite
def stacked_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A lone-flow scenario whose flows share per-flow links (each flow its own instance of
    the link, so still alone): the batch solver stacks them (rows x flows) and sums their
    burn-up band; their growth, rejections, outages and dependencies differ."""
    data = draw(lone_scenarios())
    flows = data["flows"]
    home = [min(i, draw(st.integers(0, i))) for i in range(len(flows))]
    records = any("records" in flow for flow in flows)
    for i, flow in enumerate(flows):
        flow["links"] = [f"own{home[i]}"]
        if records and "records" not in flow:
            flow["records"] = draw(st.integers(10_000, 2_000_000))
    links = {}
    for name, spec in data["links"].items():
        if name.startswith("own") and int(name[3:]) in home:
            links[name] = {**spec, "per_flow": True}
            fallback = spec.get("fallback")
            if fallback:
                links[fallback] = {**data["links"][fallback], "per_flow": True}
    data["links"] = links
    return data


@settings(max_examples=max(20, settings().max_examples // 2))
@given(stacked_scenarios(), st.integers(0, 2**31 - 1))
def test_flows_stacked_on_a_link_agree_with_the_engine(data: dict[str, Any], seed: int) -> None:
    _agrees(data, seed)


def _agrees(data: dict[str, Any], seed: int) -> None:
    assert_batch_agrees_with_engine(data, seed, ROWS, TOL_S)


@settings(max_examples=max(10, settings().max_examples // 2))
@given(lone_scenarios(), st.integers(0, 2**31 - 1))
@example(FALLBACK_ALL_DAY_THEN_TWO_HOURS, 0).via(
    "3 days on the fallback, open all day; 18 nights on the link, open 2 h each"
)
def test_batch_agrees_with_the_event_stepper_on_what_bound_each_flow(
    data: dict[str, Any], seed: int
) -> None:
    # One bottleneck rule in every solver (docs/semantics.md, "Bottleneck"): the batch
    # against the engine stepping lone flows event by event (not on their curves), so a
    # fallback's closed or down time and a spent quota's wait count alike in all three.
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, seed, 0), slice(0, ROWS))
    assert len(lone_flows(model, set(block.down))) == len(model.flows)
    result = solve_block(model, block, np.array([]), 0)
    for row in range(ROWS):
        run = simulate(model, inputs_for(model, block, row), method="events")
        assert_row_agrees(model, result, row, run, TOL_S)


def test_every_replication_of_a_block_is_solved_on_its_own() -> None:
    """A row's result does not depend on which other rows are solved with it (workers)."""
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB", "outages": {"mtbf": "5 days", "mttr": "6 h"}}},
        [{"name": "A", "volume": {"low": "5 GB", "likely": "8 GB", "high": "20 GB"},
          "links": ["L"], "growth": "0.1 GB/day"}],
    )  # fmt: skip
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = draw_block(scenario, model, 7, 0)
    ends = band_day_ends(model)[1]
    whole = solve_block(model, take_rows(block, slice(0, 40)), ends, 0).finished
    part = solve_block(model, take_rows(block, slice(20, 40)), ends, 0).finished
    assert np.array_equal(whole[20:], part)


# --- hand-worked cases, through the batch path ------------------------------------------------


def test_daily_cap_end_of_day() -> None:
    # docs/semantics.md §1: 7 GB at 1 GB per weekday from Wed 2025-07-02 -> Fri 2025-07-11 00:00.
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB"}}, [{"name": "A", "volume": "7 GB", "links": ["L"]}],
        start="2025-07-02",
    )  # fmt: skip
    assert batch_finishes(data)["A"] == datetime(2025, 7, 11, 0, 0)


def test_friday_window_runs_into_saturday() -> None:
    # docs/semantics.md §2: 720 GB on Thursday night, the other 480 GB at 25 MB/s take 19,200 s.
    data = scenario_dict(
        {"L": {"bandwidth": "200 Mbit/s", "window": "22:00-06:00"}},
        [{"name": "A", "volume": "1.2 TB", "links": ["L"]}],
        start="2025-07-03T12:00",
    )
    assert batch_finishes(data)["A"] == datetime(2025, 7, 5, 3, 20)


def test_dependency_starts_at_the_moment_of_completion() -> None:
    # 100 Mbit/s = 12.5 MB/s: A's 1 TB takes 80,000 s (Mon 22:13:20); B's 125 GB 10,000 s more.
    data = scenario_dict(
        {"L": {"bandwidth": "100 Mbit/s", "per_flow": True}},
        [{"name": "A", "volume": "1 TB", "links": ["L"]},
         {"name": "B", "volume": "125 GB", "links": ["L"], "after": ["A"]}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    got = batch_finishes(data)
    assert got["A"] == datetime(2025, 7, 7, 22, 13, 20)
    assert got["B"] == datetime(2025, 7, 8, 1, 0, 0)


def test_growth_is_caught_up() -> None:
    # As tests/unit/test_risk_features.py: net -0.5 GB a weekday, +0.5 a weekend day; the
    # backlog first reaches 0 on Fri 2025-08-15 at midnight.
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB"}},
        [{"name": "A", "volume": "10 GB", "links": ["L"], "growth": "0.5 GB/day"}],
    )
    assert batch_finishes(data)["A"] == datetime(2025, 8, 16, 0, 0)


def test_rejected_data_is_resent_after_remediation() -> None:
    # 10 GB ends Jul 17 00:00; 3 days' remediation; rework 10 x 0.2 / 0.8 = 2.5 GB: 2.5 days.
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB"}},
        [{"name": "A", "volume": "10 GB", "links": ["L"],
          "rejection": {"fraction": 0.2, "delay": "3 days"}}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    assert batch_finishes(data)["A"] == datetime(2025, 7, 22, 12, 0)


def test_planned_outage_pauses_work_in_flight() -> None:
    # 86.4 GB at 1 MB/s is one day; six hours down on the first morning.
    data = scenario_dict(
        {"L": {"bandwidth": "1 MB/s",
               "outages": {"planned": ["2025-07-07T06:00..2025-07-07T12:00"]}}},
        [{"name": "A", "volume": "86.4 GB", "links": ["L"]}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    assert batch_finishes(data)["A"] == datetime(2025, 7, 8, 6, 0)


def test_lead_time_with_and_without_fallback() -> None:
    # With the 1 GB/day fallback 2 GB move in 2 days and 3 GB at 100 MB/s take 30 s; without,
    # all 5 GB take 50 s from the moment the link is installed.
    links = {
        "capped": {"daily_cap": "1 GB", "per_flow": True},
        "wired": {"bandwidth": "100 MB/s", "lead_time": "2 days", "fallback": "capped"},
        "late": {"bandwidth": "100 MB/s", "lead_time": "2 days"},
    }
    data = scenario_dict(
        links,
        [{"name": "A", "volume": "5 GB", "links": ["wired"]},
         {"name": "B", "volume": "5 GB", "links": ["late"]}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    got = batch_finishes(data)
    assert got["A"] == datetime(2025, 7, 9, 0, 0, 30)
    assert got["B"] == datetime(2025, 7, 9, 0, 0, 50)


def test_a_fallback_outage_after_the_switch_takes_nothing_moved_before_it() -> None:
    # As above, with the fallback down Fri 11 Jul 10:00-15:30, two days after the wired link
    # took over (Wed 9 Jul 00:00): the 2 GB the fallback moved on Mon and Tue still count, so
    # 3 GB are left for the wire, 30 s. (The batch solver once subtracted the fallback's
    # capacity from the switch to that later outage, leaving all 5 GB: 50 s.) The engine too.
    links = {
        "capped": {"daily_cap": "1 GB", "per_flow": True,
                   "outages": {"planned": ["2025-07-11T10:00..2025-07-11T15:30"]}},
        "wired": {"bandwidth": "100 MB/s", "lead_time": "2 days", "fallback": "capped"},
    }  # fmt: skip
    data = scenario_dict(
        links, [{"name": "A", "volume": "5 GB", "links": ["wired"]}], working_days=ALL_WEEK
    )
    assert batch_finishes(data)["A"] == datetime(2025, 7, 9, 0, 0, 30)
    model = build_model(parse_scenario(data))
    run = simulate(model, inputs_for(model, draw_block(parse_scenario(data), model, 1, 0), 0))
    assert run.flows[0].finished_s != NEVER
    assert model.clock.to_local(run.flows[0].finished_s) == datetime(2025, 7, 9, 0, 0, 30)


def test_records_bind_when_they_are_slower() -> None:
    # 100 GB at 10 MB/s would take 10,000 s; 2.16 M records at 150/s take 14,400 s (4 h).
    data = scenario_dict(
        {"L": {"bandwidth": "10 MB/s", "records_rate": "150/s"}},
        [{"name": "A", "volume": "100 GB", "links": ["L"], "records": 2_160_000}],
        working_days=ALL_WEEK,
    )
    assert batch_finishes(data)["A"] == datetime(2025, 7, 7, 4, 0)


def test_quota_in_a_window_started_late() -> None:
    # 10 MB/s with a 36 GB daily quota (one hour's worth), window 08:00-20:00, start Mon 17:00.
    # Monday's 3 h left could move 108 GB, but the whole quota is still there: 36 GB by 18:00.
    # Tuesday: 36 GB by 09:00. The last 8 GB take 800 s on Wednesday: 08:13:20.
    data = scenario_dict(
        {"L": {"bandwidth": "10 MB/s", "daily_cap": "36 GB", "window": "08:00-20:00"}},
        [{"name": "A", "volume": "80 GB", "links": ["L"]}],
        start="2025-07-07T17:00",
        working_days=ALL_WEEK,
    )
    assert batch_finishes(data)["A"] == datetime(2025, 7, 9, 8, 13, 20)


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml")), ids=str
)
def test_every_scenario_file_agrees_with_the_engine(path: Path) -> None:
    # The shipped scenarios' own features together (the hard-wired one: a lead time with a
    # failing fallback), on the first rows of block 0: completions within TOL_S, bottlenecks.
    from migrasim.core import shared_batch
    from migrasim.scenario.loader import load_scenario

    scenario = load_scenario(path)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, 1, 0), slice(0, 12))
    if not shared_batch.batchable(model, set(block.down)):
        pytest.skip("flows share a link in a way phases cannot solve: the event engine runs it")
    # (flows sharing a link, as health_boards_shared.yaml's, by phases: core/shared_batch.py)
    result = shared_batch.solve_block(model, block, np.array([]), 0)
    for row in range(12):
        assert_row_agrees(model, result, row, simulate(model, inputs_for(model, block, row)), TOL_S)


@settings(max_examples=max(10, settings().max_examples // 2))
@given(lone_scenarios(), st.integers(0, 2**31 - 1))
def test_the_summed_band_is_the_band_flow_by_flow(data: dict[str, Any], seed: int) -> None:
    # The burn-up band summed over all of a group's flows at once (difference arrays) equals
    # the band built flow by flow and day by day, to rounding.
    from migrasim.core import batch

    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, seed, 0), slice(0, 20))
    day_ends = band_day_ends(model)[1]
    summed = solve_block(model, block, day_ends, 20).progress
    original = batch._summable
    try:
        batch._summable = lambda group: False  # type: ignore[assignment]
        by_flow = solve_block(model, block, day_ends, 20).progress
    finally:
        batch._summable = original
    assert np.allclose(summed, by_flow, rtol=0, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(lone_scenarios(), st.integers(0, 2**31 - 1))
def test_flows_stacked_on_a_per_flow_link_solve_as_one_by_one(
    data: dict[str, Any], seed: int
) -> None:
    """Flows on one ``per_flow`` link without outages are solved together, a row per (flow,
    replication) (``batch._stacks``): the completions and bottlenecks are exactly those of
    solving flow by flow, and the band's progress agrees to rounding."""
    import migrasim.core.batch as batch

    first = data["flows"][0]["links"][0]
    spec = {k: v for k, v in data["links"][first].items() if k != "outages"}
    spec["per_flow"] = True
    data["links"] = {k: {**v, "per_flow": True} for k, v in data["links"].items()
                     if k == spec.get("fallback")}  # fmt: skip
    data["links"]["shared"] = spec
    flows = []
    for copy in range(4):  # several flows per drawn one: different volumes, same link
        for flow in data["flows"]:
            after = [f"{name}-{copy}" for name in flow.get("after", [])]
            flows.append({**flow, "name": f"{flow['name']}-{copy}", "links": ["shared"],
                          **({"after": after} if after else {})})  # fmt: skip
    if "records" in flows[0]:  # one records count per stack: keep it on every flow
        for flow in flows:
            flow["records"] = flows[0]["records"]
    data["flows"] = flows
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, seed % 1000, 0), slice(0, 40))
    days = band_day_ends(model)[1]
    assert any(len(stack) > 1 for stack in batch._stacks(model))  # the flows are stacked...
    stacked = solve_block(model, block, days, 25)
    real = batch._stacks
    try:  # ... and here one flow per stack, in the same order
        batch._stacks = lambda m: [[f] for stack in real(m) for f in stack]  # type: ignore[assignment]
        alone = solve_block(model, block, days, 25)
    finally:
        batch._stacks = real
    assert np.array_equal(stacked.finished, alone.finished)
    assert np.array_equal(stacked.bottleneck, alone.bottleneck)
    assert np.allclose(stacked.progress, alone.progress, rtol=0, atol=1e-12)
