"""A bank holiday on a weekend, on calendars that work weekends (issue 18, item 7): the
substitute weekday is the holiday unless ``calendar.weekend_holidays`` says otherwise
(docs/semantics.md, "Working days"; docs/scenario-format.md, ``weekend_holidays``)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import holidays
import pytest

from migrasim.core.calendar import WorkingCalendar, bank_holidays, build_calendar
from tests.helpers import ALL_WEEK, finish, invoke, run, scenario_dict

SAT_BOXING_DAY = date(2026, 12, 26)
MON_SUBSTITUTE = date(2026, 12, 28)
FRI_CHRISTMAS = date(2026, 12, 25)


def test_2026_wales_has_a_saturday_boxing_day_and_a_monday_substitute() -> None:
    # the premise, from the holidays library itself
    table = holidays.country_holidays("GB", subdiv="WLS", years=2026)
    assert SAT_BOXING_DAY.weekday() == 5
    assert table.get(SAT_BOXING_DAY) == "Boxing Day"
    assert MON_SUBSTITUTE.weekday() == 0
    assert table.get(MON_SUBSTITUTE) == "Boxing Day (observed)"


def _calendar(weekdays: range, rule: str | None = None) -> WorkingCalendar:
    extra = () if rule is None else (rule,)
    return build_calendar(weekdays, "wales", (), date(2026, 12, 1), date(2027, 1, 31), *extra)


def test_a_seven_day_calendar_works_the_saturday_and_keeps_the_substitute_monday() -> None:
    seven = _calendar(range(7))
    assert seven.is_working(SAT_BOXING_DAY)
    assert not seven.is_working(MON_SUBSTITUTE)
    assert not seven.is_working(FRI_CHRISTMAS)
    assert seven.is_working(date(2026, 12, 27))  # Sunday: no holiday


def test_the_five_day_calendar_is_unchanged() -> None:
    five = _calendar(range(5))
    assert not five.is_working(SAT_BOXING_DAY)  # a Saturday
    assert not five.is_working(MON_SUBSTITUTE)
    assert not five.is_working(FRI_CHRISTMAS)
    assert five.is_working(date(2026, 12, 29))
    for rule in ("substitute", "both"):
        assert _calendar(range(5), rule).non_working_dates >= {FRI_CHRISTMAS, MON_SUBSTITUTE}


@pytest.mark.parametrize(
    ("rule", "saturday", "monday"),
    [("substitute", True, False), ("both", False, False), ("actual", False, True)],
)
def test_the_scenario_can_say_otherwise(rule: str, saturday: bool, monday: bool) -> None:
    seven = _calendar(range(7), rule)
    assert seven.is_working(SAT_BOXING_DAY) is saturday
    assert seven.is_working(MON_SUBSTITUTE) is monday
    assert not seven.is_working(FRI_CHRISTMAS)


def test_a_christmas_and_boxing_day_weekend_each_have_their_substitute() -> None:
    # 2027: Christmas Sat 25, Boxing Day Sun 26; substitutes Mon 27 and Tue 28 December
    days = bank_holidays("wales", [2027])
    december = sorted(d for d in days if d.month == 12)
    assert december == [date(2027, 12, 27), date(2027, 12, 28)]


def test_a_flow_moves_on_the_saturday_boxing_day_of_a_seven_day_calendar() -> None:
    # 1 GB a working day from Thu 24 Dec 2026: Thu 24, (Fri 25 closed), Sat 26, Sun 27,
    # (Mon 28 closed), Tue 29: four working days for 4 GB, done Wed 30 Dec 00:00.
    # Closing both Saturday and Monday (the old behaviour) would finish on Thu 31 Dec.
    links = {"l": {"daily_cap": "1 GB"}}
    flows = [{"name": "F", "volume": "4 GB", "links": ["l"]}]
    data = scenario_dict(links, flows, start="2026-12-24", holidays="wales",
                         working_days=ALL_WEEK)  # fmt: skip
    model, result = run(data)
    assert finish(model, result, "F") == datetime(2026, 12, 30)
    both = scenario_dict(links, flows, start="2026-12-24", holidays="wales",
                         working_days=ALL_WEEK, calendar={"weekend_holidays": "both"})  # fmt: skip
    model, result = run(both)
    assert finish(model, result, "F") == datetime(2026, 12, 31)
    # actual: Saturday closed, Monday worked (Dec 24, 27, 28, 29): Wed 30 Dec 00:00 again
    actual = scenario_dict(
        links, flows, start="2026-12-24", holidays="wales", working_days=ALL_WEEK,
        calendar={"weekend_holidays": "actual"},
    )  # fmt: skip
    model, result = run(actual)
    assert finish(model, result, "F") == datetime(2026, 12, 30)


def test_a_bad_weekend_holidays_value_is_exit_2_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nstart: 2026-12-01\n"
        "calendar: {holidays: wales, weekend_holidays: observed}\n"
        "links: {l: {daily_cap: 1 GB}}\n"
        "flows: [{name: F, source: a, target: b, volume: 1 GB, links: [l]}]\n",
        encoding="utf-8",
    )
    code, _, err = invoke("validate", str(path))
    assert code == 2
    assert "calendar.weekend_holidays" in err
    assert "'observed'" in err
    assert "'substitute', 'both' or 'actual'" in err
