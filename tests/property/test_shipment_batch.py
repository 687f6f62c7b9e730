"""Shipped media: the batch closed form (``core/shipment_batch.py``) against the event engine.

Random scenarios with flows alone on shipment links (per-flow or a link of their own), mixed
with capped flows that wait for them (``after``): uncertain turnaround and lead time, windows
(across midnight too), weekday and 7-day calendars, Welsh holidays, clock changes, growth and
rejections. A block is solved at once, then the engine runs the very same inputs row by row:
every completion agrees within a second, 'never' is 'never' in both, the bottleneck is the
same, and the burn-up band's progress bins differ by at most one (0.5 %).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from migrasim.analysis.draws import draw_block, take_rows
from migrasim.analysis.runner import band_day_ends
from migrasim.core.batch import solve_block
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario
from tests.helpers import ALL_WEEK, assert_batch_agrees_with_engine, scenario_dict

TOL_S = 1.0
ROWS = 4


@st.composite
def shipped_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A random scenario: 1-3 shipped flows, each optionally followed by a capped delta."""
    low_h = draw(st.integers(6, 72))
    turnaround: Any = f"{low_h} h"
    if draw(st.booleans()):
        turnaround = {"low": f"{low_h} h", "likely": f"{low_h + draw(st.integers(0, 48))} h",
                      "high": f"{low_h + 48 + draw(st.integers(0, 100))} h"}  # fmt: skip
    shipment = {
        "capacity": f"{draw(st.integers(20, 800))} GB",
        "turnaround": turnaround,
        "in_flight": draw(st.integers(1, 3)),
    }
    courier: dict[str, Any] = {"shipment": shipment, "per_flow": True}
    if draw(st.booleans()):
        courier["window"] = draw(st.sampled_from(["09:00-17:00", "22:00-06:00", "13:30-14:00"]))
    if draw(st.booleans()):
        days = draw(st.integers(1, 20))
        courier["lead_time"] = draw(
            st.sampled_from([f"{days} days", {"low": "1 day", "likely": f"{days} days",
                                              "high": f"{days + 10} days"}])
        )  # fmt: skip
    links: dict[str, Any] = {"courier": courier, "capped": {"daily_cap": "5 GB", "per_flow": True}}
    flows: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 3))):
        gb = draw(st.integers(10, 3000))
        volume: Any = f"{gb} GB"
        if draw(st.booleans()):
            volume = {"low": f"{gb // 2 + 1} GB", "likely": f"{gb} GB", "high": f"{2 * gb} GB"}
        flow: dict[str, Any] = {"name": f"bulk{i}", "volume": volume, "links": ["courier"]}
        if draw(st.integers(0, 2)) == 0:
            flow["growth"] = f"{draw(st.integers(1, 200))} GB/day"
        if draw(st.integers(0, 2)) == 0:
            flow["rejection"] = {
                "fraction": {"low": 0.01, "likely": 0.05, "high": 0.2},
                "delay": draw(st.sampled_from(["1 h", "5 h", "3 days"])),
            }
        if draw(st.integers(0, 3)) == 0:
            flow["start"] = f"2025-{draw(st.integers(6, 10)):02d}-{draw(st.integers(1, 28)):02d}"
        flows.append(flow)
        if draw(st.booleans()):
            flows.append({"name": f"delta{i}", "volume": "2 GB", "growth": "1 GB/day",
                          "links": ["capped"], "after": [f"bulk{i}"]})  # fmt: skip
    start = date(2025, draw(st.integers(6, 10)), draw(st.integers(1, 28)))
    return scenario_dict(
        links,
        flows,
        start=start.isoformat(),
        holidays=draw(st.sampled_from(["wales", "none"])),
        working_days=draw(st.sampled_from([None, ALL_WEEK])),
        horizon=f"{draw(st.integers(20, 200))} days",
    )


@settings(deadline=None)
@given(shipped_scenarios(), st.integers(0, 2**31 - 1))
def test_shipment_batch_agrees_with_the_engine(data: dict[str, Any], seed: int) -> None:
    assert_batch_agrees_with_engine(data, seed, ROWS, TOL_S)


def test_issue_case_through_the_batch_path() -> None:
    # The hand-worked case (tests/unit/test_shipment.py): 10 TB, 2 x 4 TB devices, turnaround
    # 5 days, 7-day calendar from Mon 2025-07-07: 8 TB leave day 0, 2 TB day 5, done day 10.
    data = scenario_dict(
        {"courier": {"shipment": {"capacity": "4 TB", "turnaround": "5 days", "in_flight": 2}}},
        [{"name": "A", "volume": "10 TB", "links": ["courier"]}],
        working_days=ALL_WEEK,
    )
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, 1, 0), slice(0, 1))
    result = solve_block(model, block, band_day_ends(model)[1], 1)
    assert model.clock.to_local(float(result.finished[0, 0])) == datetime(2025, 7, 17)
    # progress at the end of each day: 0 on days 0-4 (before Sat 00:00), 0.8 from the end of
    # day 4 (the day-4 end is Sat 00:00, the moment 8 TB arrive) to day 8, 1.0 from day 9
    assert list(result.progress[0][:11]) == [0, 0, 0, 0, 0.8, 0.8, 0.8, 0.8, 0.8, 1.0, 1.0]


def test_progress_at_a_midnight_horizon_counts_unfinished_flows() -> None:
    # Found by the differential test above: 100 GB at 5 GB/day (7-day calendar) from Mon
    # 2025-07-07 with a 10-day horizon (Thu 17 Jul 00:00) moves 10 x 5 = 50 GB: progress 0.5 at
    # the last day end. The last two day ends both clip to the horizon; both must read 0.5
    # (the second read 0 before core/batch.py's _band looked past equal day ends).
    data = scenario_dict(
        {"capped": {"daily_cap": "5 GB"}},
        [{"name": "A", "volume": "100 GB", "links": ["capped"]}],
        working_days=ALL_WEEK,
        horizon="10 days",
    )
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, 1, 0), slice(0, 1))
    day_ends = band_day_ends(model)[1]
    result = solve_block(model, block, day_ends, 1)
    assert math.isinf(result.finished[0, 0])
    assert day_ends.size == 11  # local days 7..17 July
    assert list(result.progress[0][-2:]) == [0.5, 0.5]
