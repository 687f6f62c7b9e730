"""Flows on a shared link, some behind an own (per-flow) link, by phases (issue 20 item 1).

Where a flow's own link has the same kind of limit as the shared link (both a bandwidth, or both
a daily cap spread over the window), the same windows and no outages, its rate limit is a
constant multiple of the shared link's in every window, so max-min fairness gives each flow a
constant fraction of the shared link within a phase: water-filling (flows whose own limit is
below the fair share take it, the rest share what is left). The differential test draws 2-30
such flows on one shared link (start dates, ``after``, growth, rejections, uncertain volumes
and rates, outages on the shared link), some own links that do not fit (another window, another
kind, outages: that component keeps the engine), solves the block and runs the engine on the
same inputs row by row: every completion within a second, the bottleneck (the link that set the
flow's rate longest) and the burn-up band.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from migrasim.analysis.draws import draw_block, take_rows
from migrasim.core.engine import simulate
from migrasim.core.shared_batch import ENGINE, SHARED, paths, solvable, solve_block
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario
from tests import strategies as gen
from tests.helpers import ALL_WEEK, assert_block_agrees, scenario_dict

TOL_S = 1.0
ROWS = 3
SHARES = [0.02, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 0.8, 1.0, 1.5]


@st.composite
def water_scenarios(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    """A scenario of 2-30 flows on one shared link S, about half behind an own link, and
    maybe a lone flow beside them; and whether every own link fits (else S's component keeps
    the engine)."""
    base = draw(
        gen.scenarios(
            max_flows=1,
            max_links=1,
            horizon_days=st.integers(20, 150),
            start_dates=(date(2025, 6, 2), date(2025, 10, 20)),
        )
    )
    start = datetime.fromisoformat(base["start"])
    kind = draw(st.sampled_from(["cap", "bw"]))
    window = draw(st.one_of(st.none(), gen.windows()))
    value = draw(st.integers(500, 5000)) if kind == "cap" else draw(st.integers(2, 100)) / 2

    def spec(x: float, how: str = kind, where: str | None = window) -> dict[str, Any]:
        out: dict[str, Any] = (
            {"daily_cap": f"{max(1, round(x))} MB"} if how == "cap"
            else {"bandwidth": f"{max(0.01, round(x, 2)):g} Mbit/s"}
        )  # fmt: skip
        if where is not None:
            out["window"] = where
        return out

    def uncertain(link: dict[str, Any]) -> None:
        key = "daily_cap" if "daily_cap" in link else "bandwidth"
        number, unit = link[key].split(" ", 1)
        x = float(number)
        link[key] = {"low": f"{x / 2:g} {unit}", "likely": f"{x:g} {unit}",
                     "high": f"{2 * x:g} {unit}"}  # fmt: skip

    shared = spec(value)
    if draw(st.integers(0, 2)) == 0:
        uncertain(shared)
    if draw(st.integers(0, 2)) == 0:
        shared["outages"] = {"mtbf": f"{draw(st.integers(1, 10))} days", "mttr": "3 h"}
    links: dict[str, Any] = {"S": shared}
    fits = True
    spoil = draw(st.integers(0, 3)) == 0  # one own link that does not fit
    flows: list[dict[str, Any]] = []
    for i in range(draw(st.integers(2, 30))):
        mb = draw(st.integers(50, 3000))
        flow: dict[str, Any] = {"name": f"F{i}", "source": f"s{i}", "target": "t",
                                "volume": f"{mb} MB", "links": ["S"]}  # fmt: skip
        if draw(st.booleans()):
            own = spec(value * draw(st.sampled_from(SHARES)))
            misfit = draw(st.sampled_from(["window", "kind", "down"])) if spoil else ""
            spoil = False
            if misfit == "window":
                own = spec(value, where="01:00-05:00" if window != "01:00-05:00" else "02:00-06:00")
            elif misfit == "kind":
                own = spec(
                    value * 8.0 if kind == "bw" else value / 4, "bw" if kind == "cap" else "cap"
                )
            elif misfit == "down":
                first = start.date() + timedelta(days=draw(st.integers(0, 5)))
                own["outages"] = {"planned": [f"{first}T10:00..{first}T15:30"]}
            fits = fits and not misfit
            if draw(st.integers(0, 2)) == 0:
                uncertain(own)
            own["per_flow"] = True
            links[f"own{i}"] = own
            flow["links"] = draw(st.sampled_from([[f"own{i}", "S"], ["S", f"own{i}"]]))
        if draw(st.booleans()):
            flow["volume"] = {"low": f"{mb // 2} MB", "likely": f"{mb} MB", "high": f"{2 * mb} MB"}
        if i and draw(st.integers(0, 3)) == 0:
            flow["after"] = [f"F{draw(st.integers(0, i - 1))}"]
        if draw(st.integers(0, 2)) == 0:
            flow["start"] = (start + timedelta(minutes=30 * draw(st.integers(0, 480)))).isoformat(
                timespec="minutes"
            )
        if draw(st.integers(0, 2)) == 0:
            flow["growth"] = f"{draw(st.integers(1, 100))} MB/day"
        if draw(st.integers(0, 2)) == 0:
            flow["rejection"] = {
                "fraction": {"low": 0.01, "likely": 0.05, "high": 0.2},
                "delay": draw(st.sampled_from(["30 min", "5 h", "3 days"])),
            }
        flows.append(flow)
    if draw(st.booleans()):  # a lone flow beside, maybe waiting for one of them
        links["L"] = {"daily_cap": "700 MB", "per_flow": True}
        lone: dict[str, Any] = {"name": "Z", "source": "z", "target": "t", "volume": "900 MB",
                                "links": ["L"]}  # fmt: skip
        if draw(st.booleans()):
            lone["after"] = [f"F{draw(st.integers(0, len(flows) - 1))}"]
        flows.append(lone)
    base["links"] = links
    base["flows"] = flows
    return base, fits


@settings(max_examples=max(20, settings().max_examples // 2))
@given(water_scenarios(), st.integers(0, 2**31 - 1))
def test_water_filling_agrees_with_the_engine(case: tuple[dict[str, Any], bool], seed: int) -> None:
    data, fits = case
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, seed, 0), slice(0, ROWS))
    component = model.component_of[0]
    way = paths(model, set(block.down))[component]
    event(f"{way.path}, {'fits' if fits else 'misfit'}")
    assert way.path == (SHARED if fits else ENGINE)
    if solvable(model, set(block.down)):
        assert_block_agrees(model, block, ROWS, TOL_S, solve_block)


# --- by hand -------------------------------------------------------------------------------------


def test_water_filling_by_hand() -> None:
    # S: 1 GB a day; A behind 200 MB a day, B behind 600 MB a day, C on S alone; every day a
    # working day. Three moving: the fair share is a third; A's 0.2 is below it, so A takes
    # 0.2 and B and C share the 0.8 left (0.4 each; B's 0.6 is above that). B's 3 GB take 7.5
    # days; then C takes the 0.8 A leaves: its last 2 GB in 2.5 days, done at day 10 with A
    # (2 GB at 0.2 a day). A's bottleneck is its own link, B's and C's the shared one.
    data = scenario_dict(
        {"S": {"daily_cap": "1 GB"},
         "a": {"daily_cap": "200 MB", "per_flow": True},
         "b": {"daily_cap": "600 MB", "per_flow": True}},
        [{"name": "A", "volume": "2 GB", "links": ["a", "S"]},
         {"name": "B", "volume": "3 GB", "links": ["S", "b"]},
         {"name": "C", "volume": "5 GB", "links": ["S"]}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    scenario = parse_scenario(data)
    model = build_model(scenario)
    assert [p.path for p in paths(model, set())] == [SHARED]
    day = 86400.0
    want = [10 * day, 7.5 * day, 10 * day]
    engine = simulate(model)
    assert [f.finished_s for f in engine.flows] == pytest.approx(want)
    assert [f.bottleneck for f in engine.flows] == ["a", "S", "S"]
    block = take_rows(draw_block(scenario, model, 1, 0), slice(0, 1))
    got = solve_block(model, block, np.array([]), 0)
    assert got.finished[0].tolist() == pytest.approx(want, abs=1e-6)
    assert [model.links[i].name for i in got.bottleneck[0]] == ["a", "S", "S"]
    assert_block_agrees(model, block, 1, TOL_S, solve_block)


def test_own_links_under_the_link_leave_it_part_used() -> None:
    # S: 1 GB a day; A and B behind 200 and 300 MB a day: together half of S, so each runs at
    # its own limit (S never saturates): A's 1 GB in 5 days, B's 3 GB in 10. The burn-up band
    # counts what they moved, not S's whole capacity: half a GB a day, so 2.5 of 4 GB (62.5 %)
    # by the end of day 5.
    data = scenario_dict(
        {"S": {"daily_cap": "1 GB"},
         "a": {"daily_cap": "200 MB", "per_flow": True},
         "b": {"daily_cap": "300 MB", "per_flow": True}},
        [{"name": "A", "volume": "1 GB", "links": ["a", "S"]},
         {"name": "B", "volume": "3 GB", "links": ["b", "S"]}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, 1, 0), slice(0, 1))
    day = 86400.0
    days = np.array([5 * day, 10 * day])
    got = solve_block(model, block, days, 1)
    assert got.finished[0].tolist() == pytest.approx([5 * day, 10 * day], abs=1e-6)
    assert got.progress[0].tolist() == pytest.approx([2.5 / 4, 1.0])
    assert [model.links[i].name for i in got.bottleneck[0]] == ["a", "b"]


def test_an_own_link_that_does_not_fit_keeps_the_engine_for_that_component() -> None:
    # a cap beside a bandwidth is a quota, not a rate: the engine (for that component only)
    data = scenario_dict(
        {"S": {"bandwidth": "10 Mbit/s"},
         "a": {"daily_cap": "200 MB", "per_flow": True},
         "L": {"daily_cap": "1 GB", "per_flow": True}},
        [{"name": "A", "volume": "2 GB", "links": ["a", "S"]},
         {"name": "B", "volume": "3 GB", "links": ["S"]},
         {"name": "Z", "volume": "1 GB", "links": ["L"]}],
    )  # fmt: skip
    model = build_model(parse_scenario(data))
    assert [p.path for p in paths(model, set())] == [ENGINE, "lone"]
    data["links"]["a"] = {"bandwidth": "2 Mbit/s", "per_flow": True}
    model = build_model(parse_scenario(data))
    assert [p.path for p in paths(model, set())] == [SHARED, "lone"]


def test_an_own_limit_equal_to_the_fair_share_binds_as_in_the_engine() -> None:
    # S: 1 GB a day among five flows, A behind 200 MB a day, C behind 204: A's limit is the
    # fair share exactly (C's is above it); the engine's progressive filling fixes the own
    # limit first (A's bottleneck), though (0.2 + 0.204) - 0.204 is a rounding above 0.2.
    data = scenario_dict(
        {"S": {"daily_cap": "1 GB"}, "a": {"daily_cap": "200 MB", "per_flow": True},
         "c": {"daily_cap": "204 MB", "per_flow": True}},
        [{"name": "A", "volume": "2 GB", "links": ["a", "S"]},
         {"name": "C", "volume": "2 GB", "links": ["c", "S"]},
         *({"name": f"B{i}", "volume": "2 GB", "links": ["S"]} for i in range(3))],
        working_days=ALL_WEEK,
    )  # fmt: skip
    scenario = parse_scenario(data)
    model = build_model(scenario)
    engine = simulate(model)
    assert [f.finished_s for f in engine.flows] == pytest.approx([10 * 86400.0] * 5)
    assert [f.bottleneck for f in engine.flows] == ["a", "S", "S", "S", "S"]
    block = take_rows(draw_block(scenario, model, 1, 0), slice(0, 1))
    got = solve_block(model, block, np.array([]), 0)
    assert got.finished[0].tolist() == pytest.approx([10 * 86400.0] * 5, abs=1e-6)
    assert [model.links[i].name for i in got.bottleneck[0]] == ["a", "S", "S", "S", "S"]
