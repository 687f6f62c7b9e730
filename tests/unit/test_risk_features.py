"""Hand-computed cases for growth, rejections, outages, lead times and record limits.

Each runs through both solvers: the cumulative-capacity curve ("auto") and event by event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from migrasim.core.calendar import NEVER
from migrasim.core.engine import simulate
from migrasim.render.reasons import never_reason_text
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario
from tests.helpers import ALL_WEEK, scenario_dict

METHODS = ["auto", "events"]


def finishes(data: dict[str, Any], method: str) -> dict[str, datetime | None]:
    model = build_model(parse_scenario(data))
    result = simulate(model, method=method)
    return {
        f.name: None if f.finished_s == NEVER else model.clock.to_local(f.finished_s)
        for f in result.flows
    }


@pytest.mark.parametrize("method", METHODS)
def test_growth_is_caught_up(method: str) -> None:
    # 1 GB/day on weekdays, 0.5 GB/day growth every day: -0.5 GB/day net on weekdays, +0.5 at
    # weekends, 1.5 GB/week net. The backlog is 10 - 1.5 j on the j-th Monday and falls by 2.5
    # by Friday night, so it first reaches 0 in week 5 (2.5 GB on Mon 2025-08-11): Sat 00:00.
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB"}},
        [{"name": "A", "volume": "10 GB", "links": ["L"], "growth": "0.5 GB/day"}],
    )
    assert finishes(data, method)["A"] == datetime(2025, 8, 16, 0, 0)


@pytest.mark.parametrize("method", METHODS)
def test_growth_faster_than_capacity_never_finishes_and_says_why(method: str) -> None:
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB"}},
        [{"name": "A", "volume": "10 GB", "links": ["L"], "growth": "1.5 GB/day"}],
        horizon="1 years",
    )
    model = build_model(parse_scenario(data))
    flow = simulate(model, method=method).flows[0]
    assert flow.finished_s == NEVER
    assert never_reason_text(flow.reason).startswith("growth of 1.5 GB/day outpaces the")


@pytest.mark.parametrize("method", METHODS)
def test_rejected_data_is_resent_after_remediation(method: str) -> None:
    # 10 GB at 1 GB/day (7-day week) ends Jul 17 00:00; 3 days' remediation; the rework is
    # 10 x 0.2 / 0.8 = 2.5 GB (re-sent data is itself 20% rejected): 2.5 days -> Jul 22 12:00.
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB"}},
        [{"name": "A", "volume": "10 GB", "links": ["L"],
          "rejection": {"fraction": 0.2, "delay": "3 days"}}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    assert finishes(data, method)["A"] == datetime(2025, 7, 22, 12, 0)


@pytest.mark.parametrize("method", METHODS)
def test_rejection_without_delay_is_a_larger_volume(method: str) -> None:
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB"}},
        [{"name": "A", "volume": "8 GB", "links": ["L"], "rejection": {"fraction": 0.2}}],
        working_days=ALL_WEEK,
    )
    assert finishes(data, method)["A"] == datetime(2025, 7, 17, 0, 0)  # 8 / 0.8 = 10 days


@pytest.mark.parametrize("method", METHODS)
def test_planned_outage_pauses_work_in_flight(method: str) -> None:
    # 86.4 GB at 1 MB/s is one day; six hours down on the first morning.
    data = scenario_dict(
        {"L": {"bandwidth": "1 MB/s",
               "outages": {"planned": ["2025-07-07T06:00..2025-07-07T12:00"]}}},
        [{"name": "A", "volume": "86.4 GB", "links": ["L"]}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    assert finishes(data, method)["A"] == datetime(2025, 7, 8, 6, 0)


@pytest.mark.parametrize("method", METHODS)
def test_whole_day_planned_outage(method: str) -> None:
    # 1 GB/day on weekdays; Tue 8 July down all day: Mon, Wed, Thu -> Fri 00:00.
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB", "outages": {"planned": ["2025-07-08..2025-07-08"]}}},
        [{"name": "A", "volume": "3 GB", "links": ["L"]}],
    )
    assert finishes(data, method)["A"] == datetime(2025, 7, 11, 0, 0)


@pytest.mark.parametrize("method", METHODS)
def test_lead_time_with_and_without_fallback(method: str) -> None:
    # Hard-wired 100 MB/s link installed after 2 days. With the 1 GB/day link as fallback,
    # 2 GB move first and the other 3 GB take 30 s; without, all 5 GB wait and take 50 s.
    links = {
        "capped": {"daily_cap": "1 GB", "per_flow": True},
        "wired": {"bandwidth": "100 MB/s", "lead_time": "2 days", "fallback": "capped"},
        "late": {"bandwidth": "100 MB/s", "lead_time": "2 days"},
    }
    data = scenario_dict(
        links,
        [
            {"name": "A", "volume": "5 GB", "links": ["wired"]},
            {"name": "B", "volume": "5 GB", "links": ["late"]},
        ],
        working_days=ALL_WEEK,
    )
    got = finishes(data, method)
    assert got["A"] == datetime(2025, 7, 9, 0, 0, 30)
    assert got["B"] == datetime(2025, 7, 9, 0, 0, 50)


@pytest.mark.parametrize("method", METHODS)
def test_available_from_date(method: str) -> None:
    data = scenario_dict(
        {"L": {"bandwidth": "1 MB/s", "available_from": "2025-07-10T08:00"}},
        [{"name": "A", "volume": "3.6 GB", "links": ["L"]}],
        working_days=ALL_WEEK,
    )
    assert finishes(data, method)["A"] == datetime(2025, 7, 10, 9, 0)


@pytest.mark.parametrize("method", METHODS)
def test_record_rate_and_byte_rate_on_one_path(method: str) -> None:
    # 100 GB at 10 MB/s takes 10,000 s; 1.08 M records at 150/s take 7,200 s (bytes bind);
    # 2.16 M records take 14,400 s (records bind).
    links = {"net": {"bandwidth": "10 MB/s", "per_flow": True},
             "load": {"records_rate": "150 records/s", "per_flow": True}}  # fmt: skip
    path = ["net", "load"]
    data = scenario_dict(
        links,
        [
            {"name": "bytes", "volume": "100 GB", "records": "1.08 M", "links": path},
            {"name": "records", "volume": "100 GB", "records": "2.16 M", "links": path},
        ],
        working_days=ALL_WEEK,
    )
    got = finishes(data, method)
    assert got["bytes"] == datetime(2025, 7, 7, 2, 46, 40)
    assert got["records"] == datetime(2025, 7, 7, 4, 0, 0)
    model = build_model(parse_scenario(data))
    bottlenecks = {f.name: f.bottleneck for f in simulate(model, method=method).flows}
    assert bottlenecks == {"bytes": "net", "records": "load"}


def test_shared_record_limit_is_shared_fairly_in_bytes() -> None:
    # 150 records/s shared; A has 1 kB records, B 2 kB: equal byte rates r with
    # r/1000 + r/2000 = 150 -> r = 100 kB/s. A's 0.36 GB takes 3,600 s.
    data = scenario_dict(
        {"load": {"records_rate": "150 records/s"}},
        [
            {"name": "A", "volume": "0.36 GB", "records": "360 k", "links": ["load"]},
            {"name": "B", "volume": "10 GB", "records": "5 M", "links": ["load"]},
        ],
        working_days=ALL_WEEK,
    )
    assert finishes(data, "auto")["A"] == datetime(2025, 7, 7, 1, 0, 0)


def test_daily_records_spread_over_the_window() -> None:
    # 2 M records per working day over a 10 h window; 1 M records of 1 kB = 5 h.
    data = scenario_dict(
        {"load": {"daily_records": "2 M", "window": "08:00-18:00"}},
        [{"name": "A", "volume": "1 GB", "records": "1 M", "links": ["load"]}],
    )
    assert finishes(data, "auto")["A"] == datetime(2025, 7, 7, 13, 0)


def test_a_bare_date_planned_outage_is_that_whole_local_day() -> None:
    """docs/scenario-format.md: a bare date means the whole day. Hand-worked: a 1 GB/day
    cap-only link from Monday 2025-07-07 00:00, Mon-Fri (no Welsh bank holiday that week),
    planned outages on Tuesday 8 July (a bare date) and Thursday 10 July (a one-day range):
    Mon 1 GB, Tue 0, Wed 1 GB, Thu 0, Fri 1 GB, so 3 GB completes at the end of Friday 11 July
    (2025-07-12 00:00 local)."""
    from datetime import datetime

    from migrasim import build_model, simulate
    from migrasim.scenario.types import parse_scenario

    data = {
        "name": "bare date",
        "start": "2025-07-07",
        "links": {
            "l": {
                "daily_cap": "1 GB",
                "outages": {"planned": ["2025-07-08", "2025-07-10..2025-07-10"]},
            }
        },
        "flows": [{"source": "a", "target": "b", "volume": "3 GB", "links": ["l"]}],
    }
    scenario = parse_scenario(data)
    planned = scenario.links["l"].outages.planned  # type: ignore[union-attr]
    assert planned[0] == (datetime(2025, 7, 8), datetime(2025, 7, 9))
    model = build_model(scenario)
    finished = simulate(model).flows[0].finished_s
    assert model.clock.to_local(finished) == datetime(2025, 7, 12)
