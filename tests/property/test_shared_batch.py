"""Flows sharing a link through the batch solver (``core.shared_batch``), against the engine.

The differential test draws a block for a random scenario in which 2-30 flows share each of one
or two links (cap-only or bandwidth links, their capacity certain or not, mixed windows,
outages, start dates, dependencies inside and across the shared links and lone flows beside
them, growth, rejections, uncertain volumes), solves it at once by phases, then runs the event
engine on the very same inputs row by row: every completion within a second, 'never' in both,
the bottleneck and the burn-up band's bin at every day end. The textbook case and a closed form
pin the phases by hand; plain scenarios go against the independent reference model too
(``tests.reference_model``).
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
from migrasim.core.engine import simulate
from migrasim.core.shared_batch import (
    ENGINE,
    LONE,
    SHARED,
    batchable,
    paths,
    solvable,
    solve_block,
)
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario
from tests import strategies as gen
from tests.helpers import ALL_WEEK, assert_block_agrees, scenario_dict
from tests.reference_model import run_reference, seconds_since_start

TOL_S = 1.0
ROWS = 3


@st.composite
def shared_scenarios(draw: st.DrawFn, risk: bool = True, max_per_link: int = 30) -> dict[str, Any]:
    """1-2 shared links with 2-``max_per_link`` flows each, and 0-2 lone flows on per-flow
    links; ``risk``: outages, growth, rejections and uncertain volumes too."""
    base = draw(
        gen.scenarios(
            max_flows=1,
            max_links=1,
            horizon_days=st.integers(20, 150),
            start_dates=(date(2025, 6, 2), date(2025, 10, 20)),
        )
    )
    start = datetime.fromisoformat(base["start"])
    links: dict[str, Any] = {}
    homes: list[str] = []
    for i in range(draw(st.integers(1, 2))):
        spec = draw(gen.links(kind=draw(st.sampled_from(["cap", "bw"]))))
        spec.pop("per_flow", None)
        if risk and draw(st.integers(0, 2)) == 0:  # an uncertain capacity: rows differ
            key = "daily_cap" if "daily_cap" in spec else "bandwidth"
            number, unit = spec[key].split(" ", 1)
            x = float(number)
            spec[key] = {"low": f"{x / 2:g} {unit}", "likely": f"{x:g} {unit}",
                         "high": f"{2 * x:g} {unit}"}  # fmt: skip
        if risk and draw(st.integers(0, 2)) == 0:
            spec["outages"] = {
                "mtbf": f"{draw(st.integers(1, 10))} days",
                "mttr": draw(st.sampled_from(["2 h", "30 min", {"low": "1 h", "likely": "3 h",
                                                                "high": "1 days"}])),
            }  # fmt: skip
        if risk and draw(st.integers(0, 3)) == 0:
            first = start.date() + timedelta(days=draw(st.integers(0, 10)))
            spec.setdefault("outages", {})["planned"] = [f"{first}T10:00..{first}T15:30"]
        links[f"S{i}"] = spec
        homes += [f"S{i}"] * draw(st.integers(2, max_per_link))
    for i in range(draw(st.integers(0, 2))):
        spec = draw(gen.links())
        spec["per_flow"] = True
        links[f"own{i}"] = spec
        homes.append(f"own{i}")
    order = draw(st.permutations(homes))
    flows = []
    for i, home in enumerate(order):
        mb = draw(st.integers(50, 3000))
        flow: dict[str, Any] = {"name": f"F{i}", "source": f"s{i}", "target": "t",
                                "volume": f"{mb} MB", "links": [home]}  # fmt: skip
        if risk and draw(st.booleans()):
            flow["volume"] = {"low": f"{mb // 2} MB", "likely": f"{mb} MB", "high": f"{2 * mb} MB"}
        if i and draw(st.integers(0, 3)) == 0:
            flow["after"] = draw(
                st.lists(st.sampled_from([f"F{j}" for j in range(i)]), min_size=1, max_size=2,
                         unique=True)
            )  # fmt: skip
        if draw(st.integers(0, 2)) == 0:
            flow["start"] = (start + timedelta(minutes=30 * draw(st.integers(0, 480)))).isoformat(
                timespec="minutes"
            )
        if risk and draw(st.integers(0, 2)) == 0:
            flow["growth"] = f"{draw(st.integers(1, 100))} MB/day"
        if risk and draw(st.integers(0, 2)) == 0:
            flow["rejection"] = {
                "fraction": {"low": 0.01, "likely": 0.05, "high": 0.2},
                "delay": draw(st.sampled_from(["30 min", "1 h", "5 h", "3 days"])),
            }
        flows.append(flow)
    base["links"] = links
    base["flows"] = flows
    return base


def assert_shared_agrees(data: dict[str, Any], seed: int, rows: int = ROWS) -> None:
    """Rows of block 0 through the batch against the engine: completions within TOL_S (never is
    never), bottlenecks, and the band's bin at every day end within one."""
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, seed, 0), slice(0, rows))
    ways = paths(model, set(block.down))
    shared = [p for p in ways if len(p.flows) > 1]
    if not batchable(model, set(block.down)):
        # only a chain of waits between the pieces (a unit waiting, through others, for
        # itself) keeps a model of phaseable components on the engine
        assert all(p.path == ENGINE for p in ways)
        return
    assert shared
    assert all(p.path == SHARED for p in shared)
    assert_block_agrees(model, block, rows, TOL_S, solve_block)


@settings(max_examples=max(20, settings().max_examples // 2))
@given(shared_scenarios(), st.integers(0, 2**31 - 1))
def test_shared_links_agree_with_the_engine(data: dict[str, Any], seed: int) -> None:
    assert_shared_agrees(data, seed)


@settings(max_examples=max(20, settings().max_examples // 2))
@given(shared_scenarios(risk=False, max_per_link=8))
def test_shared_links_agree_with_the_reference_model(data: dict[str, Any]) -> None:
    """Plain numbers (no risk features): the batch against the independent reference."""
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, 1, 0), slice(0, 1))
    if not batchable(model, set(block.down)):
        return
    result = solve_block(model, block, np.array([]), 0)
    reference = run_reference(scenario)
    for f, flow in enumerate(model.flows):
        want, got = reference.finished[f], float(result.finished[0, f])
        if want is not None and model.horizon - want <= TOL_S:
            continue  # right at the horizon: either answer is fair
        where = f"{flow.name}: batch {got}, reference {want}"
        if want is None:
            assert math.isinf(got), where
        else:
            assert abs(got - want) <= TOL_S, where


# --- by hand -------------------------------------------------------------------------------------

TEXTBOOK = scenario_dict(
    {"national": {"daily_cap": "1 GB"}},
    [{"name": "A", "volume": "10 GB", "links": ["national"]},
     {"name": "B", "volume": "20 GB", "links": ["national"]},
     {"name": "C", "volume": "30 GB", "links": ["national"]}],
    start="2025-07-07",  # a Monday
    working_days=ALL_WEEK,
)  # fmt: skip
"""10, 20 and 30 GB through one 1 GB/day link from the same Monday, every day a working day:
a third of a GB a day each until A's 10 GB are through (end of day 30), then half a GB a day
for B's last 10 GB (end of day 50), then the whole GB for C's last 10 (end of day 60)."""


def test_textbook_case_in_the_reference_the_engine_and_the_batch() -> None:
    scenario = parse_scenario(TEXTBOOK)
    model = build_model(scenario)
    want = [seconds_since_start(scenario, datetime(2025, 7, 7) + timedelta(days=d))
            for d in (30, 50, 60)]  # fmt: skip
    assert run_reference(scenario).finished == pytest.approx(want)
    engine = simulate(model)
    assert [f.finished_s for f in engine.flows] == pytest.approx(want)
    block = take_rows(draw_block(scenario, model, 1, 0), slice(0, 1))
    assert [p.path for p in paths(model, set(block.down))] == [SHARED]
    got = solve_block(model, block, np.array([]), 0)
    assert got.finished[0].tolist() == pytest.approx(want, abs=1e-6)
    assert got.bottleneck[0].tolist() == [0, 0, 0]


@settings(max_examples=max(20, settings().max_examples // 2))
@given(st.lists(st.integers(1, 60), min_size=2, max_size=30))
def test_equal_starts_finish_in_closed_form(gigabytes: list[int]) -> None:
    """With equal starts and no other limits the k-th smallest of N volumes finishes when the
    link has carried the k-1 smaller ones plus (N-k+1) times its own: at 1 GB a day on a
    seven-day week, that many days after the start (ends of days, in real seconds)."""
    data = scenario_dict(
        {"national": {"daily_cap": "1 GB"}},
        [{"name": f"F{i}", "volume": f"{gb} GB", "links": ["national"]}
         for i, gb in enumerate(gigabytes)],
        working_days=ALL_WEEK, horizon="10 years",
    )  # fmt: skip
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, 1, 0), slice(0, 1))
    got = solve_block(model, block, np.array([]), 0).finished[0]
    ordered = sorted(gigabytes)
    for i, gb in enumerate(gigabytes):
        k = ordered.index(gb)  # ties finish together
        days = sum(ordered[:k]) + (len(ordered) - k) * gb
        want = seconds_since_start(scenario, datetime(2025, 7, 7) + timedelta(days=days))
        assert abs(float(got[i]) - want) <= 1e-6 * max(1.0, want), (gb, days)


def test_a_late_joiner_and_a_dependency_inside_the_component() -> None:
    # 1 GB/day, every day. A (10 GB) alone for 4 days (4 GB), then B (2 GB) joins on day 4:
    # half a GB a day each, B done after 4 more days (end of day 8; A has 6 GB, 4 to go); C
    # (3 GB) waits for B, then shares with A: C done after 6 days (end of day 14, A has 1 GB
    # to go), A alone for its last GB (end of day 15).
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB"}},
        [{"name": "A", "volume": "10 GB", "links": ["L"]},
         {"name": "B", "volume": "2 GB", "links": ["L"], "start": "2025-07-11"},
         {"name": "C", "volume": "3 GB", "links": ["L"], "after": ["B"]}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, 1, 0), slice(0, 1))
    got = solve_block(model, block, np.array([]), 0).finished[0]
    want = [seconds_since_start(scenario, datetime(2025, 7, 7) + timedelta(days=d))
            for d in (15, 8, 14)]  # fmt: skip
    assert got.tolist() == pytest.approx(want, abs=1e-6)


def test_what_cannot_be_phased_keeps_the_engine() -> None:
    # a shared link with a bandwidth and a daily cap (a quota that can run out inside a
    # window, taken by whoever is moving): the engine, for that component only
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB", "bandwidth": "10 Mbit/s"},
         "M": {"daily_cap": "1 GB", "per_flow": True}},
        [{"name": "A", "volume": "10 GB", "links": ["L"]},
         {"name": "B", "volume": "2 GB", "links": ["L"]},
         {"name": "C", "volume": "3 GB", "links": ["M"]}],
    )  # fmt: skip
    model = build_model(parse_scenario(data))
    ways = paths(model, set())
    assert [(p.flows, p.path) for p in ways] == [((0, 1), ENGINE), ((2,), LONE)]
    assert not batchable(model, set())
    assert solvable(model, set())
    data["links"]["L"].pop("bandwidth")
    model = build_model(parse_scenario(data))
    assert [(p.flows, p.path) for p in paths(model, set())] == [((0, 1), SHARED), ((2,), LONE)]


def test_pieces_waiting_for_each_other_in_a_loop_keep_the_engine() -> None:
    # A and B share S; Y (alone on Q) waits for B, X (alone on P) for Y, and A for X: the
    # shared component waits for X's stack, which waits for Y's, which waits for the
    # component. No order solves the pieces one after another, so the whole run keeps the
    # engine (which takes the flows as they become ready).
    data = scenario_dict(
        {"S": {"daily_cap": "1 GB"},
         "P": {"daily_cap": "1 GB", "per_flow": True},
         "Q": {"daily_cap": "1 GB", "per_flow": True}},
        [{"name": "A", "volume": "2 GB", "links": ["S"], "after": ["X"]},
         {"name": "B", "volume": "1 GB", "links": ["S"]},
         {"name": "Y", "volume": "1 GB", "links": ["Q"], "after": ["B"]},
         {"name": "X", "volume": "1 GB", "links": ["P"], "after": ["Y"]}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    model = build_model(parse_scenario(data))
    assert {p.path for p in paths(model, set())} == {ENGINE}
    assert not batchable(model, set())
    assert not solvable(model, set())
    # B alone 1 day, Y the next, X the next, then A alone for 2 days: the end of day 5
    got = [f.finished_s for f in simulate(model).flows]
    assert got == pytest.approx([5 * 86400.0, 86400.0, 2 * 86400.0, 3 * 86400.0])
    # without the loop (A waits for nothing) the pieces solve in order, by phases
    data["flows"][0].pop("after")
    model = build_model(parse_scenario(data))
    assert sorted(p.path for p in paths(model, set())) == [LONE, LONE, SHARED]
