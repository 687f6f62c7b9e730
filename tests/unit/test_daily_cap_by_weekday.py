"""``daily_cap_by_weekday`` (migrasim/core/capacity_rules/daily_cap_by_weekday.py): a size per
weekday, the quota of each window being the size of the weekday the window opens on.

Hand-computed dates by every solver (the curve solver, the event stepper with its week cache,
the batch, the shared-link batch's fall-back to the engine), validation through the command
line (exit 2, the weekday's key path), and properties on generated profiles: no window moves
more than its day's size, bytes are conserved, and raising any day's size never finishes later.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, note, settings
from hypothesis import strategies as st

from migrasim.analysis.advice import fix_for
from migrasim.analysis.draws import draw_block, take_rows
from migrasim.core import kinds
from migrasim.core.engine import simulate
from migrasim.core.shared_batch import ENGINE, LONE, paths, solve_block
from migrasim.errors import ScenarioError
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario
from tests.helpers import (
    ALL_WEEK,
    assert_batch_agrees_with_engine,
    assert_block_agrees,
    finish,
    invoke,
    scenario_dict,
)

GB = 1e9
KEY = "daily_cap_by_weekday"
WEEK = {"Mon": "1 GB", "Tue": "1 GB", "Wed": "1 GB", "Thu": "1 GB", "Fri": "1 GB",
        "Sat": "5 GB", "Sun": "5 GB"}  # fmt: skip


def _data(link: dict[str, Any], volume: str = "10 GB", **extra: Any) -> dict[str, Any]:
    # Monday 2 March 2026, every day a working day, no holidays
    extra.setdefault("start", "2026-03-02")
    return scenario_dict({"l": link}, [{"name": "F", "volume": volume, "links": ["l"]}],
                         working_days=ALL_WEEK, **extra)  # fmt: skip


def _finishes(data: dict[str, Any]) -> set[datetime | None]:
    """The flow's completion by the curve solver and by the event stepper (week cache)."""
    model = build_model(parse_scenario(data))
    return {finish(model, simulate(model, method=m), "F") for m in ("auto", "events")}


# --- run: hand-computed dates -------------------------------------------------------------


def test_the_rule_is_registered_from_its_module() -> None:
    rule = kinds.rule_of(KEY)
    assert rule is not None
    assert (rule.measure, rule.per, rule.unit) == ("bytes", "day", "daily_by_weekday")


def test_ten_gigabytes_finish_on_the_saturday() -> None:
    # Alone on the link, each day's size is spread over the day (as a daily cap is). From
    # Monday 2 March: Mon..Fri move 1 GB each (5 GB by Sat 00:00), Saturday 5 GB, so the tenth
    # gigabyte arrives at Sunday 00:00, which counts for Saturday 7 March.
    assert _finishes(_data({KEY: WEEK})) == {datetime(2026, 3, 8, 0, 0)}
    # 12 GB: Sunday moves 2 of its 5 GB in 2/5 of 24 h = 9 h 36 min
    assert _finishes(_data({KEY: WEEK}, "12 GB")) == {datetime(2026, 3, 8, 9, 36)}
    # the same 10 GB under a flat daily_cap of 1 GB takes ten days (Thursday 12 March)
    assert _finishes(_data({"daily_cap": "1 GB"})) == {datetime(2026, 3, 12, 0, 0)}


def test_a_weekday_left_out_moves_nothing() -> None:
    # Saturdays only: 5 GB on Sat 7 and Sat 14 March (10 GB), then 2 of Sat 21's 5 GB take
    # 2/5 x 24 h = 9 h 36 min: Saturday 21 March 09:36
    assert _finishes(_data({KEY: {"Sat": "5 GB"}}, "12 GB")) == {datetime(2026, 3, 21, 9, 36)}


def test_many_weeks_through_the_week_cache() -> None:
    # 15 GB a week: 26 weeks move 390 GB (to Sunday 30 August 24:00); then Mon..Fri 5 GB and
    # Saturday 5 GB: Sunday 6 September 00:00
    assert _finishes(_data({KEY: WEEK}, "400 GB")) == {datetime(2026, 9, 6, 0, 0)}


def test_a_window_takes_the_size_of_the_day_it_opens() -> None:
    # 100 Mbit/s (12.5 MB/s) in the window 22:00-06:00 with a quota of 1 GB opening on Friday
    # and 5 GB opening on Saturday; start Friday 6 March 12:00, 3 GB. Friday's window runs into
    # Saturday but is Friday's: 1 GB, 80 s. Saturday's window moves the other 2 GB in 160 s:
    # Saturday 7 March 22:02:40. (Were Friday's window given Saturday's 5 GB, 3 GB would be in
    # by Friday 22:04.)
    link = {KEY: {"Fri": "1 GB", "Sat": "5 GB"}, "bandwidth": "100 Mbit/s",
            "window": "22:00-06:00"}  # fmt: skip
    assert _finishes(_data(link, "3 GB", start="2026-03-06T12:00")) == {
        datetime(2026, 3, 7, 22, 2, 40)
    }


def test_with_a_bandwidth_it_is_a_quota() -> None:
    # 30 GB at 12.5 MB/s in 22:00-06:00 from Monday 2 March: windows opening Mon..Fri move
    # 1 GB (80 s) each, Sat and Sun 5 GB (400 s): 15 GB by Sunday 8 March's window, 20 by
    # Friday 13's; Saturday 14's 5 GB take 400 s: 22:06:40
    link = {KEY: WEEK, "bandwidth": "100 Mbit/s", "window": "22:00-06:00"}
    assert _finishes(_data(link, "30 GB")) == {datetime(2026, 3, 14, 22, 6, 40)}
    model = build_model(parse_scenario(_data(link, "30 GB")))
    assert model.links[0].quota_limited
    flow = simulate(model).flows[0]
    assert flow.bottleneck == "l"


def test_a_shared_link_is_shared_fairly_by_the_day() -> None:
    # A (3 GB) and B (9 GB) share {Mon..Fri: 2 GB, Sat, Sun: 6 GB} from Monday 2 March. Each
    # gets 1 GB a day Mon..Wed: A is done at Thursday 00:00 (dated Wednesday 4 March), B has
    # 3 GB. B alone: Thu, Fri 2 GB each (7 GB), then 2 of Saturday's 6 GB in 8 h: 08:00.
    week = dict.fromkeys(("Mon", "Tue", "Wed", "Thu", "Fri"), "2 GB") | {
        "Sat": "6 GB",
        "Sun": "6 GB",
    }
    data = scenario_dict({"l": {KEY: week}},
                         [{"name": "A", "volume": "3 GB", "links": ["l"]},
                          {"name": "B", "volume": "9 GB", "links": ["l"]}],
                         start="2026-03-02", working_days=ALL_WEEK)  # fmt: skip
    model = build_model(parse_scenario(data))
    result = simulate(model)
    assert finish(model, result, "A") == datetime(2026, 3, 5, 0, 0)
    assert finish(model, result, "B") == datetime(2026, 3, 7, 8, 0)
    # the shared-link batch phases bandwidths and daily caps only: this component keeps the
    # engine (never a wrong answer) while a lone flow beside it takes the batch, and the
    # block solver agrees with the engine
    data["links"]["m"] = {KEY: WEEK, "per_flow": True}
    data["flows"].append({"source": "s", "target": "t", "name": "C", "volume": "4 GB",
                          "links": ["m"]})  # fmt: skip
    model = build_model(parse_scenario(data))
    assert [(p.flows, p.path) for p in paths(model, set())] == [((0, 1), ENGINE), ((2,), LONE)]
    data["flows"][1]["volume"] = {"low": "6 GB", "likely": "9 GB", "high": "14 GB"}
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, 5, 0), slice(0, 4))
    assert_block_agrees(model, block, 4, 1.0, solve_block)


def test_the_batch_agrees_with_the_engine() -> None:
    # uncertain volumes, row by row: spread over the day, a quota beside a night window's
    # bandwidth, and outages on a spread link (the batch takes them; a quota with outages
    # keeps the engine: core.batch.lone_flows)
    spread = {KEY: WEEK}
    quota = {KEY: WEEK | {"Sun": "150 GB"}, "bandwidth": "100 Mbit/s", "window": "19:00-07:00"}
    outages = {KEY: {"Mon": "20 GB", "Wed": "30 GB", "Sat": "50 GB"},
               "outages": {"mtbf": "5 days", "mttr": "6 hours"}}  # fmt: skip
    for link in (spread, quota, outages):
        data = scenario_dict({"l": {**link, "per_flow": True}},
                             [{"name": f"F{i}", "links": ["l"],
                               "volume": {"low": f"{20 + 30 * i} GB",
                                          "likely": f"{40 + 30 * i} GB",
                                          "high": f"{90 + 40 * i} GB"}} for i in range(3)],
                             start="2026-03-04", working_days=ALL_WEEK)  # fmt: skip
        assert_batch_agrees_with_engine(data, seed=7, rows=30)


def test_on_a_working_week_calendar() -> None:
    # Mon..Fri working days: the weekend's sizes are never used. 10 GB from Monday 2 March at
    # 1 GB a weekday: ten working days, Friday 13 March (Saturday 00:00)
    data = scenario_dict({"l": {KEY: WEEK}}, [{"name": "F", "volume": "10 GB", "links": ["l"]}],
                         start="2026-03-02")  # fmt: skip
    assert _finishes(data) == {datetime(2026, 3, 14, 0, 0)}


# --- validate -----------------------------------------------------------------------------


def _problem(link: dict[str, Any]) -> tuple[str, str, str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(_data(link))
    (problem,) = caught.value.problems
    return problem.key_path, str(problem.problem), str(problem.fix)


def test_validation_names_the_weekday() -> None:
    path, problem, fix = _problem({KEY: {"Mon": "1 GB", "Satur": "5 GB"}})
    assert path == f"links.l.{KEY}.Satur"
    assert "'Satur'" in problem
    assert "Mon, Tue" in fix
    path, problem, fix = _problem({KEY: {"Mon": "1 GB", "Sat": "5 furlongs"}})
    assert path == f"links.l.{KEY}.Sat"
    assert "5 furlongs" in problem
    path, problem, _ = _problem({KEY: {"Sat": "-5 GB"}})
    assert path == f"links.l.{KEY}.Sat"
    assert "> 0" in problem
    path, problem, _ = _problem({KEY: {"Sat": "5 GB", "Saturday": "4 GB"}})
    assert path == f"links.l.{KEY}.Saturday"
    assert "twice" in problem
    # a plain size, or nothing, is not a size per weekday
    for value in ("5 GB", {}):
        path, problem, fix = _problem({KEY: value})
        assert path == f"links.l.{KEY}"
        assert "per weekday" in problem
        assert "Mon: 1 GB" in fix


def test_estimates_are_rejected_clearly() -> None:
    path, problem, _ = _problem({KEY: {"Sat": {"low": "1 GB", "likely": "2 GB", "high": "3 GB"}}})
    assert path == f"links.l.{KEY}.Sat"
    assert "not an estimate" in problem
    path, problem, _ = _problem({KEY: {"low": "1 GB", "likely": "2 GB", "high": "3 GB"}})
    assert path == f"links.l.{KEY}"
    assert "not an estimate" in problem


def test_it_is_not_combined_with_a_daily_cap() -> None:
    path, problem, _ = _problem({KEY: WEEK, "daily_cap": "1 GB"})
    assert path == "links.l"
    assert f"give {KEY} or daily_cap, not both" in problem


def test_full_names_and_the_largest_day() -> None:
    scenario = parse_scenario(_data({KEY: {"Monday": "2 GB", "saturday": "5 GB"}}))
    link = scenario.links["l"]
    assert link.profiles[KEY] == (2 * GB, 0.0, 0.0, 0.0, 0.0, 5 * GB, 0.0)
    rule = kinds.rule_of(KEY)
    assert rule is not None
    assert link.limit(rule) == 5 * GB  # the value the tornado, advice and solve scale


def test_the_command_line(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "name: wk\nstart: 2026-03-02\ncalendar: {holidays: none}\nlinks:\n"
        "  l: {daily_cap_by_weekday: {Mon: 1 GB, Tue: 1 GB, Sat: 5 GB}}\n"
        "flows:\n  - {source: a, target: b, volume: 10 GB, links: [l]}\n"
    )
    code, _, err = invoke("validate", str(good))
    assert code == 0, err
    for bad, path, value in (
        ("Sat: 5 GB", "links.l.daily_cap_by_weekday.Sat", "5 furlongs"),
        ("Sat: 5 GB", "links.l.daily_cap_by_weekday.Sunday-ish", "Sunday-ish"),
    ):
        text = good.read_text()
        text = (text.replace(bad, f"Sat: {value}") if value == "5 furlongs"
                else text.replace(bad, f"{value}: 5 GB"))  # fmt: skip
        (tmp_path / "bad.yaml").write_text(text)
        code, _, err = invoke("validate", str(tmp_path / "bad.yaml"))
        assert code == 2, err
        assert path in err
        assert value in err
        assert "Traceback" not in err


def test_the_advice_scales_every_day_in_proportion() -> None:
    # go-live Saturday 7 March: 10 GB must be in by Saturday 00:00, Mon..Fri. At
    # {Mon..Fri: x, Sat, Sun: 5x} those five days move 5x, so x = 2 GB: the largest day, the
    # value the advice states, is 5x = 10 GB (every day in proportion)
    scenario = parse_scenario(_data({KEY: WEEK}, "10 GB", go_live="2026-03-07"))
    fix = fix_for(scenario, "l", "wk.yaml")
    assert fix is not None
    assert fix.key == f"links.l.{KEY}"
    assert fix.current == "5 GB"
    assert fix.needed is not None
    assert fix.needed.endswith(" GB")
    assert 10.0 <= float(fix.needed.split()[0]) <= 10.01


# --- properties -----------------------------------------------------------------------------

SIZES = st.one_of(st.none(), st.integers(1, 40))  # tenths of a GB, or left out


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    days = [draw(SIZES) for _ in range(7)]
    if all(d is None for d in days):
        days[draw(st.integers(0, 6))] = draw(st.integers(1, 40))
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    link: dict[str, Any] = {KEY: {n: f"{d / 10} GB" for n, d in zip(names, days, strict=True)
                                  if d is not None}}  # fmt: skip
    if draw(st.booleans()):
        link["bandwidth"] = f"{draw(st.integers(1, 50))} Mbit/s"
    if draw(st.booleans()):
        link["window"] = draw(st.sampled_from(["22:00-06:00", "09:00-17:00", "19:00-07:00"]))
    return link


def _run(link: dict[str, Any], volume: float, start: str) -> tuple[Any, Any]:
    data = _data(link, f"{volume} GB", start=start)
    model = build_model(parse_scenario(data))
    return model, simulate(model, record=True)


@settings(deadline=None)
@given(profiles(), st.integers(1, 300), st.sampled_from(["2026-03-02", "2026-03-05T13:00"]))
# found by CI: the week cache jumped a week that left 0.001 16 bytes, less than the stepper's
# completion slack (rate x 1 us), so the flow ended a week late in the event stepper; and a
# window whose weekday is left out let a flow move at its opening instant
@example(
    {KEY: {"Sun": "0.1 GB"}, "bandwidth": "42 Mbit/s", "window": "22:00-06:00"}, 6, "2026-03-02"
)
def test_no_window_moves_more_than_its_day(link: dict[str, Any], tenths: int, start: str) -> None:
    volume = tenths / 10
    model, result = _run(link, volume, start)
    note(str(link))
    flow = result.flows[0]
    assert flow.finished_s is not None
    # conserved: everything arrives, nothing more
    assert flow.delivered_bytes == pytest.approx(volume * GB, rel=1e-9, abs=1e-3)
    # the solvers agree
    events = simulate(model, method="events")
    assert events.flows[0].finished_s == pytest.approx(flow.finished_s, abs=1e-3)
    # each window moves at most the size of the weekday it opens on (the compiled link's
    # windows, their weekdays from the clock: not the engine's quota)
    schedule = model.links[0].schedule
    sizes = link[KEY]
    assert result.curves is not None
    times, values = result.curves[0]
    for open_s, close_s in zip(schedule.open_s, schedule.close_s, strict=True):
        if open_s >= flow.finished_s:
            break
        day = model.clock.to_local(open_s).strftime("%a")
        allowed = float(sizes[day].split()[0]) * GB if day in sizes else 0.0
        moved = _value_at(times, values, close_s) - _value_at(times, values, open_s)
        assert moved <= allowed + max(1e-3, 1e-9 * allowed), (day, open_s)


@settings(deadline=None)
@given(profiles(), st.integers(1, 300), st.integers(0, 6), st.integers(1, 30))
def test_raising_a_day_never_finishes_later(
    link: dict[str, Any], tenths: int, day: int, more: int
) -> None:
    name = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[day]
    _, before = _run(link, tenths / 10, "2026-03-04")
    sizes = dict(link[KEY])
    was = float(sizes[name].split()[0]) if name in sizes else 0.0
    sizes[name] = f"{was + more / 10} GB"
    _, after = _run({**link, KEY: sizes}, tenths / 10, "2026-03-04")
    assert before.flows[0].finished_s is not None
    assert after.flows[0].finished_s is not None
    assert after.flows[0].finished_s <= before.flows[0].finished_s + 1e-6


def _value_at(times: tuple[float, ...], values: tuple[float, ...], t: float) -> float:
    import numpy as np

    return float(np.interp(t, times, values, left=0.0, right=values[-1])) if times else 0.0


def test_solve_varies_it_as_the_advice_states_it() -> None:
    # the whole key: its largest day, the others in proportion (the advice's 10 GB above);
    # one day: that day alone (Mon x + Tue..Fri 4 GB = 10 GB by Saturday 00:00: x = 6 GB)
    from migrasim.analysis.solve import solve

    data = _data({KEY: WEEK}, "10 GB", go_live="2026-03-07")
    found = solve(data, None, f"links.l.{KEY}", "5 GB", "50 GB", "P80 < go_live",
                  replications=1, seed=1)  # fmt: skip
    assert found.value is not None
    assert 10.0 <= found.value.value <= 10.01
    found = solve(data, None, f"links.l.{KEY}.Mon", "1 GB", "10 GB", "P80 < go_live",
                  replications=1, seed=1)  # fmt: skip
    assert found.value is not None
    assert 6.0 <= found.value.value <= 6.01


def test_its_words() -> None:
    from migrasim.render.board import link_capacity_words
    from migrasim.render.i18n import translator

    link = parse_scenario(_data({KEY: WEEK})).links["l"]
    words = link_capacity_words(link, translator("en"))
    assert words == "up to 5 GB a day (its largest weekday)"


def test_track_takes_the_working_days_mean_as_a_day() -> None:
    # track's nominal day (the calibration's prior): Mon..Fri 1 GB on a Mon..Fri calendar;
    # on a 7-day calendar the week's 15 GB over 7 days
    from migrasim.analysis.track.evidence import nominal_daily

    flows = [{"name": "F", "volume": "10 GB", "links": ["l"]}]
    weekdays = parse_scenario(scenario_dict({"l": {KEY: WEEK}}, flows))
    assert nominal_daily(weekdays, weekdays.flows[0]) == ("l", pytest.approx(1 * GB))
    every = parse_scenario(_data({KEY: WEEK}))
    assert nominal_daily(every, every.flows[0]) == ("l", pytest.approx(15 / 7 * GB))


def test_the_quota_is_the_least_amount_in_each_window() -> None:
    # another per-day byte rule registered after this one (any order): each window's quota is
    # the least of the two; the per-weekday sizes scale with the rule's value (largest day)
    from types import SimpleNamespace

    from migrasim.errors import N_

    other = kinds.register(
        kinds.CapacityRule("toy_day_cap", "bytes", "day", "daily", N_("daily cap"), "GB", 1e9)
    )
    try:
        link = SimpleNamespace(profiles=((KEY, (1 * GB, 5 * GB, 2 * GB)),),
                               limits=((KEY, 5 * GB), ("toy_day_cap", 3 * GB)))  # fmt: skip
        values = [{KEY: 5 * GB, "toy_day_cap": 3 * GB}.get(r.key, kinds.INF)
                  for r in kinds.CAPACITY_RULES]  # fmt: skip
        assert list(kinds.window_quota(link, values)) == [1 * GB, 3 * GB, 2 * GB]
        values[[r.key for r in kinds.CAPACITY_RULES].index(KEY)] = 10 * GB  # doubled
        assert list(kinds.window_quota(link, values)) == [2 * GB, 3 * GB, 3 * GB]
    finally:
        kinds.unregister(other)
