"""Hand-computed cases: every date below was worked out by hand (see comments)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from migrasim.core.calendar import NEVER
from migrasim.core.engine import simulate
from migrasim.core.rules import in_time
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario
from tests.helpers import ALL_WEEK, FALLBACK_ALL_DAY_THEN_TWO_HOURS, finish, run, scenario_dict


def one_flow(link: dict[str, object], volume: str, **kw: object) -> dict[str, object]:
    return scenario_dict({"L": link}, [{"name": "A", "volume": volume, "links": ["L"]}], **kw)


def test_daily_cap_and_end_of_day_rule() -> None:
    # docs/semantics.md §1: 7 GB at 1 GB/day from Wed 2025-07-02; working days Jul 2,3,4,7,8,9,10.
    model, result = run(one_flow({"daily_cap": "1 GB"}, "7 GB", start="2025-07-02"))
    moment = finish(model, result, "A")
    assert moment == datetime(2025, 7, 11, 0, 0)
    completed_on = model.clock.completion_day(result.flows[0].finished_s)
    assert completed_on == date(2025, 7, 10)
    assert in_time(completed_on, date(2025, 7, 11))
    assert not in_time(completed_on, date(2025, 7, 10))


def test_window_opening_friday_runs_into_saturday() -> None:
    # docs/semantics.md §2.
    # 25 MB/s, Thu window moves 720 GB, Fri window the other 480 GB in 19,200 s.
    link = {"bandwidth": "200 Mbit/s", "window": "22:00-06:00"}
    model, result = run(one_flow(link, "1.2 TB", start="2025-07-03T12:00"))
    assert finish(model, result, "A") == datetime(2025, 7, 5, 3, 20, 0)


def test_no_window_opens_on_a_weekend() -> None:
    # docs/semantics.md §2.
    # 1.5 TB: Thu 720 GB, Fri 720 GB, then 60 GB in Monday's window (2,400 s after 22:00).
    link = {"bandwidth": "200 Mbit/s", "window": "22:00-06:00"}
    model, result = run(one_flow(link, "1.5 TB", start="2025-07-03T12:00"))
    assert finish(model, result, "A") == datetime(2025, 7, 7, 22, 40, 0)


def test_max_min_fair_sharing_is_water_filling() -> None:
    # docs/semantics.md §3: A held to 0.5 GB/day, B and C get 1.25 GB/day; C then alone at 3 GB/day.
    data = scenario_dict(
        {"shared": {"daily_cap": "3 GB"}, "own": {"daily_cap": "0.5 GB", "per_flow": True}},
        [
            {"name": "A", "volume": "5 GB", "links": ["shared", "own"]},
            {"name": "B", "volume": "12.5 GB", "links": ["shared"]},
            {"name": "C", "volume": "15 GB", "links": ["shared"]},
        ],
        working_days=ALL_WEEK,
    )
    model, result = run(data)
    assert finish(model, result, "A") == datetime(2025, 7, 17, 0, 0)
    assert finish(model, result, "B") == datetime(2025, 7, 17, 0, 0)
    assert finish(model, result, "C") == datetime(2025, 7, 17, 20, 0)
    assert {f.name: f.bottleneck for f in result.flows} == {
        "A": "own",
        "B": "shared",
        "C": "shared",
    }


def test_dependency_starts_at_the_moment_of_completion() -> None:
    # docs/semantics.md §4.
    # 1 TB at 12.5 MB/s takes 80,000 s -> A done 2025-07-07T22:13:20; B the same.
    data = scenario_dict(
        {"net": {"bandwidth": "100 Mbit/s", "per_flow": True}},
        [
            {"name": "A", "volume": "1 TB", "links": ["net"]},
            {"name": "B", "volume": "1 TB", "links": ["net"], "after": ["A"]},
        ],
        working_days=ALL_WEEK,
    )
    model, result = run(data)
    a, b = result.flows
    assert finish(model, result, "A") == datetime(2025, 7, 7, 22, 13, 20)
    assert b.started_s == a.finished_s
    assert finish(model, result, "B") == datetime(2025, 7, 8, 20, 26, 40)


def test_binary_units_need_an_extra_day() -> None:
    # docs/semantics.md §5.
    # 10 GiB = 10.737 GB at 1 GB/day: 10 full days (Jul 7-18), then 0.73741824 of Mon Jul 21.
    model, result = run(one_flow({"daily_cap": "1 GB"}, "10 GiB"))
    assert finish(model, result, "A") == datetime(2025, 7, 21, 17, 41, 53)  # 63,712.9 s
    model, result = run(one_flow({"daily_cap": "1 GB"}, "10 GB"))
    assert finish(model, result, "A") == datetime(2025, 7, 19, 0, 0)  # Sat 00:00 = Friday


def test_welsh_bank_holiday_is_not_worked() -> None:
    # Fri 2025-08-22, Mon 25 is the late summer bank holiday, Tue 26, Wed 27.
    model, result = run(
        one_flow({"daily_cap": "1 GB"}, "3 GB", start="2025-08-22", holidays="wales")
    )
    assert finish(model, result, "A") == datetime(2025, 8, 28, 0, 0)
    model, result = run(one_flow({"daily_cap": "1 GB"}, "3 GB", start="2025-08-22"))
    assert finish(model, result, "A") == datetime(2025, 8, 27, 0, 0)


def test_closures_are_not_worked() -> None:
    data = one_flow(
        {"daily_cap": "1 GB"},
        "3 GB",
        start="2025-07-07",
        calendar={"closures": ["2025-07-08..2025-07-10"]},
    )
    model, result = run(data)
    assert finish(model, result, "A") == datetime(2025, 7, 15, 0, 0)  # Mon 7, Fri 11, Mon 14


def test_cap_with_bandwidth_is_a_quota_used_up_early_in_the_day() -> None:
    # 12.5 MB/s moves 45 GB in the first hour of each day; 100 GB = 45 + 45 + 10 (800 s).
    link = {"bandwidth": "100 Mbit/s", "daily_cap": "45 GB"}
    model, result = run(one_flow(link, "100 GB"))
    assert finish(model, result, "A") == datetime(2025, 7, 9, 0, 13, 20)


def test_efficiency_scales_bandwidth() -> None:
    # 1 Gbit/s x 0.5 = 62.5 MB/s; 225 GB takes 3,600 s.
    link = {"bandwidth": "1 Gbit/s", "efficiency": 0.5}
    model, result = run(one_flow(link, "225 GB"))
    assert finish(model, result, "A") == datetime(2025, 7, 7, 1, 0, 0)


def test_capped_window_spreads_quota_over_the_window() -> None:
    # 1 GB per 12 h window (19:00-07:00) -> 0.5 GB by 01:00 on the first night.
    link = {"daily_cap": "1 GB", "window": "19:00-07:00"}
    model, result = run(one_flow(link, "0.5 GB"))
    assert finish(model, result, "A") == datetime(2025, 7, 8, 1, 0, 0)


def test_clock_change_night_is_an_hour_longer() -> None:
    # Sun 2025-10-26 has 25 real hours; 48 h of 1 MB/s from Sat 00:00 ends at Sun 23:00 local.
    model, result = run(
        one_flow({"bandwidth": "1 MB/s"}, "172.8 GB", start="2025-10-25", working_days=ALL_WEEK)
    )
    assert finish(model, result, "A") == datetime(2025, 10, 26, 23, 0, 0)


def test_floating_point_dust_does_not_carry_over_a_weekend() -> None:
    # docs/semantics.md §6.
    # 0.1 GB/day is not exact in binary; 0.2 GB from Thu must finish at Fri 24:00, not Monday.
    model, result = run(one_flow({"daily_cap": "0.1 GB"}, "0.2 GB", start="2025-07-03"))
    moment = finish(model, result, "A")
    assert moment == datetime(2025, 7, 5, 0, 0)
    assert model.clock.completion_day(result.flows[0].finished_s) == date(2025, 7, 4)
    # and across many jumped weeks: 35 working days of 0.7 GB end on a Friday at 24:00.
    model, result = run(one_flow({"daily_cap": "0.7 GB"}, "24.5 GB", start="2025-07-07"))
    assert finish(model, result, "A") == datetime(2025, 8, 23, 0, 0)


@pytest.mark.parametrize("method", ["auto", "events"])
def test_a_last_quota_that_empties_the_flow_ends_it_in_that_window(method: str) -> None:
    # The week cache once jumped over the window that ends a flow whose volume is a whole
    # number of quotas: the jump left 0.001 bytes of floating-point dust, the next window ended
    # it, a day late. From Mon 2 March 2026 (every day worked, no holidays):
    # A and B, 0.7 GB each, share a 0.1 GB/day quota at 1 Gbit/s (125 MB/s, 62.5 MB/s each):
    # 0.05 GB each a day for 14 days, the 14th (Sun 15 March) opening at 00:00 and its 0.1 GB
    # taking 0.8 s.
    shared = scenario_dict(
        {"L": {"daily_cap": "0.1 GB", "bandwidth": "1 Gbit/s"}},
        [{"name": n, "volume": "0.7 GB", "links": ["L"]} for n in ("A", "B")],
        start="2026-03-02", working_days=ALL_WEEK, horizon="1 years",
    )  # fmt: skip
    model = build_model(parse_scenario(shared))
    result = simulate(model, method=method)
    want = model.clock.to_sim(datetime(2026, 3, 15, 0, 0, 0, 800000))
    for flow in result.flows:
        assert flow.finished_s == pytest.approx(want, abs=1e-3), flow.name
    # 35 x 0.3 GB in a 09:00-17:00 window at 42 Mbit/s (5.25 MB/s): the 35th window opens
    # Sun 5 April (BST) at 09:00, and 0.3 GB takes 57.142857 s
    alone = one_flow(
        {"daily_cap": "0.3 GB", "bandwidth": "42 Mbit/s", "window": "09:00-17:00"},
        "10.5 GB", start="2026-03-02", working_days=ALL_WEEK, horizon="1 years",
    )  # fmt: skip
    model = build_model(parse_scenario(alone))
    want = model.clock.to_sim(datetime(2026, 4, 5, 9, 0, 57, 142857))
    assert simulate(model, method=method).flows[0].finished_s == pytest.approx(want, abs=1e-3)


def test_flow_start_is_respected() -> None:
    data = scenario_dict(
        {"L": {"bandwidth": "1 MB/s", "per_flow": True}},
        [{"name": "A", "volume": "3.6 GB", "links": ["L"], "start": "2025-07-08T09:30"}],
    )
    model, result = run(data)
    assert finish(model, result, "A") == datetime(2025, 7, 8, 10, 30)


def test_never_within_horizon_does_not_hang() -> None:
    model, result = run(one_flow({"daily_cap": "1 GB"}, "5 TB", horizon="1 years"))
    assert result.flows[0].finished_s == NEVER  # the one never (inf), not None
    assert result.finished_s == NEVER
    assert model.clock.completion_day(result.finished_s) is None
    assert result.flows[0].bottleneck == "L"


def test_dependency_on_a_flow_that_never_completes_never_starts() -> None:
    data = scenario_dict(
        {"L": {"daily_cap": "1 GB", "per_flow": True}},
        [
            {"name": "A", "volume": "500 GB", "links": ["L"]},
            {"name": "B", "volume": "1 GB", "links": ["L"], "after": ["A"]},
        ],
        horizon="30 days",
    )
    _, result = run(data)
    assert result.flows[0].started_s == 0.0
    assert result.flows[1].started_s == NEVER
    assert result.flows[1].finished_s == NEVER


@pytest.mark.parametrize("weeks", [1, 10, 80])
def test_long_capped_flows_match_working_day_count(weeks: int) -> None:
    # 5 * weeks GB at 1 GB/day from a Monday, no holidays: ends Saturday 00:00 of the last week.
    model, result = run(one_flow({"daily_cap": "1 GB"}, f"{5 * weeks} GB"))
    moment = finish(model, result, "A")
    assert moment is not None
    assert (moment.date() - date(2025, 7, 7)).days == 7 * weeks - 2
    assert moment.time().hour == 0


def test_same_input_gives_identical_result() -> None:
    data = one_flow({"daily_cap": "1 GB"}, "123 GB", holidays="wales")
    assert run(data)[1] == run(data)[1]


def test_flow_joining_a_component_whose_flows_never_finish() -> None:
    # A can never finish within the horizon; B joins the shared 2 GB/day link on Jul 14 and
    # gets half of it: 3 GB at 1 GB/day from Mon Jul 14 -> Thu Jul 17 00:00.
    data = scenario_dict(
        {"shared": {"daily_cap": "2 GB"}},
        [
            {"name": "A", "volume": "10 TB", "links": ["shared"]},
            {"name": "B", "volume": "3 GB", "links": ["shared"], "start": "2025-07-14"},
        ],
        horizon="60 days",
    )
    model, result = run(data)
    assert result.flows[0].finished_s == NEVER
    assert finish(model, result, "B") == datetime(2025, 7, 17, 0, 0)
    # A's curve runs to the horizon: 2 GB/day for 5 days, 1 GB/day for 3, then 2 GB/day again.
    times, cumulative = result.curves[0]  # type: ignore[index]
    assert times[-1] == pytest.approx(model.horizon)
    # 44 working days from Jul 7 to the horizon (Sep 5 00:00), three of them shared with B.
    assert cumulative[-1] == pytest.approx((44 * 2 - 3) * 1e9)


@pytest.mark.parametrize("horizon", ["1 week", "30 days", "365 days", "1 year"])
def test_a_flow_finishing_exactly_at_the_horizon_completes(horizon: str) -> None:
    """Issue 12: a completion within a microsecond of the horizon completes, whatever the
    rounding of rate x time. 100 Mbit/s = 12.5 MB/s all week: a volume of 12.5 MB x the
    horizon in seconds finishes exactly at the horizon (read back from the compiled model,
    as a year is 365.25 days)."""
    data = scenario_dict(
        {"w": {"bandwidth": "100 Mbit/s"}},
        [{"name": "F", "volume": "1 GB", "links": ["w"]}],
        working_days=ALL_WEEK,
        horizon=horizon,
    )
    model, _ = run(data)
    data["flows"][0]["volume"] = f"{12.5e6 * model.horizon!r} B"
    model, result = run(data)
    assert result.flows[0].finished_s == model.horizon
    assert result.flows[0].reason is None


def test_a_fallback_and_its_link_bind_for_their_whole_time_in_every_solver() -> None:
    # docs/semantics.md, "Bottleneck": a flow on one link at a time waits on nothing else.
    # 2000 GB from Mon 7 Jul 2025 on `slow` (10 Mbit/s = 1.25 MB/s, all day) until `fast`
    # (100 Mbit/s = 12.5 MB/s, 01:00-03:00: 90 GB a night) is in on Thu 10 Jul: 3 days on
    # slow (259,200 s, 324 GB), then 1676 GB on fast: 18 nights (1620 GB) and 56 GB in
    # 4,480 s of the 19th: Mon 28 Jul 02:14:40, 1,563,280 s on fast. The event stepper
    # (method="events") once counted only fast's 134,080 open seconds and named `slow`.
    from migrasim.core.engine import simulate

    model, result = run(FALLBACK_ALL_DAY_THEN_TWO_HOURS, record=False)
    assert finish(model, result, "F") == datetime(2025, 7, 28, 2, 14, 40)
    for method in ("auto", "events"):
        flow = simulate(model, method=method).flows[0]
        assert flow.bottleneck == "fast", method
        assert dict(flow.limiting_seconds) == pytest.approx(
            {"fast": 1_563_280.0, "slow": 259_200.0}
        ), method
