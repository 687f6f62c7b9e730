"""core/calendar.py ``Clock``: the one date-conversion API, on hand-computed instants.

The end-of-day rule: a completion at exactly local 00:00 counts for the day that ended;
00:00:00.4 is the new day (decided on the exact instant, not the rounded second). Never (inf)
is ``None`` as a date, ``NaT`` as a moment in an array and ``NEVER`` as a day ordinal.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from migrasim.core.calendar import NEVER, Clock
from migrasim.core.rules import in_time, in_time_ordinals

LONDON = ZoneInfo("Europe/London")
HOUR = 3_600.0

# Sun 2025-07-06 08:00 (BST): Mon 00:00 is 16 h later.
_SUNDAY = Clock(datetime(2025, 7, 6, 8), LONDON)
_MONDAY_MIDNIGHT = 16 * HOUR


def test_to_sim_and_to_local_on_a_summer_day() -> None:
    clock = Clock(datetime(2025, 7, 7), LONDON)
    assert clock.to_sim(datetime(2025, 7, 8)) == 86_400.0
    assert clock.to_sim(datetime(2025, 7, 7, 1, 30)) == 5_400.0
    assert clock.to_local(5_400.0) == datetime(2025, 7, 7, 1, 30)
    assert clock.to_local(86_400.4) == datetime(2025, 7, 8)  # to the nearest second
    assert clock.to_local(86_400.6) == datetime(2025, 7, 8, 0, 0, 1)
    with pytest.raises(ValueError, match="never"):
        clock.to_local(NEVER)


@pytest.mark.parametrize(
    ("t", "day"),
    [
        (_MONDAY_MIDNIGHT + 0.4, date(2025, 7, 7)),  # Mon 00:00:00.4 is Monday, not Sunday
        (_MONDAY_MIDNIGHT + 0.6, date(2025, 7, 7)),
        (_MONDAY_MIDNIGHT, date(2025, 7, 6)),  # exactly 00:00 counts for the day that ended
        (_MONDAY_MIDNIGHT + 1e-7, date(2025, 7, 6)),  # floating-point dust is exactly 00:00
        (_MONDAY_MIDNIGHT - 0.4, date(2025, 7, 6)),  # Sun 23:59:59.6
        (HOUR, date(2025, 7, 6)),  # Sun 09:00
    ],
)
def test_completion_day_follows_the_exact_instant_not_the_rounded_second(
    t: float, day: date
) -> None:
    go_live = date(2025, 7, 7)  # in time means dated Sunday or earlier
    assert _SUNDAY.completion_day(t) == day
    assert _SUNDAY.completion_day(t) == day  # the memoised answer is the same
    (ordinal,) = _SUNDAY.completion_days(np.array([t])).tolist()
    assert ordinal == day.toordinal()
    assert in_time(_SUNDAY.completion_day(t), go_live) == (day < go_live)
    assert in_time_ordinals(np.array([ordinal]), go_live).tolist() == [day < go_live]


def test_march_clock_change_has_a_23_hour_sunday() -> None:
    # Sun 30 Mar 2025 the clocks go forward at 01:00 GMT: 23 real hours from Sun 00:00 (GMT)
    # to Mon 00:00 (BST).
    clock = Clock(datetime(2025, 3, 30), LONDON)
    assert clock.to_local(HOUR) == datetime(2025, 3, 30, 2, 0)  # 01:00 GMT is 02:00 BST
    assert clock.to_sim(datetime(2025, 3, 30, 2, 0)) == HOUR
    assert clock.to_sim(datetime(2025, 3, 31)) == 23 * HOUR
    monday = 23 * HOUR
    ts = np.array([monday - 0.4, monday, monday + 0.4, monday + HOUR])
    sunday, mon = date(2025, 3, 30).toordinal(), date(2025, 3, 31).toordinal()
    assert clock.completion_days(ts).tolist() == [sunday, sunday, mon, mon]
    assert [clock.completion_day(t) for t in ts.tolist()] == [
        date(2025, 3, 30), date(2025, 3, 30), date(2025, 3, 31), date(2025, 3, 31),
    ]  # fmt: skip
    assert clock.local_moments(ts).tolist() == [
        datetime(2025, 3, 31), datetime(2025, 3, 31), datetime(2025, 3, 31),
        datetime(2025, 3, 31, 1, 0),
    ]  # fmt: skip


def test_october_clock_change_has_a_25_hour_sunday() -> None:
    # Sun 26 Oct 2025 the clocks go back at 02:00 BST: 25 real hours from Sun 00:00 (BST) to
    # Mon 00:00 (GMT), and 01:00-02:00 comes twice.
    clock = Clock(datetime(2025, 10, 26), LONDON)
    assert clock.to_local(HOUR) == clock.to_local(2 * HOUR) == datetime(2025, 10, 26, 1, 0)
    assert clock.to_sim(datetime(2025, 10, 27)) == 25 * HOUR
    monday = 25 * HOUR
    ts = np.array([monday, monday + 0.4])
    assert clock.completion_days(ts).tolist() == [
        date(2025, 10, 26).toordinal(), date(2025, 10, 27).toordinal(),
    ]  # fmt: skip
    assert clock.completion_day(monday) == date(2025, 10, 26)
    assert clock.completion_day(monday + 0.4) == date(2025, 10, 27)
    assert clock.local_moments(ts).tolist() == [datetime(2025, 10, 27)] * 2


def test_never_is_none_nat_and_never() -> None:
    clock = Clock(datetime(2025, 10, 26), LONDON)
    assert clock.completion_day(NEVER) is None
    assert clock.completion_day(float("nan")) is None
    assert clock.completion_days(np.array([NEVER, np.nan, 0.0])).tolist() == [
        NEVER, NEVER, date(2025, 10, 25).toordinal(),  # the start, 00:00: the day before
    ]  # fmt: skip
    moments = clock.local_moments(np.array([NEVER, 0.0]))
    assert np.isnat(moments[0])
    assert moments[1] == np.datetime64("2025-10-26T00:00:00")


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2025, 7, 8), date(2025, 7, 7)),  # exactly 00:00: the day that ended
        (datetime(2025, 7, 8, 0, 0, 0, 400_000), date(2025, 7, 8)),  # 00:00:00.4: the new day
        (datetime(2025, 7, 8, 0, 0, 1), date(2025, 7, 8)),
        (datetime(2025, 7, 8, 23, 59, 59), date(2025, 7, 8)),
    ],
)
def test_local_completion_day_applies_the_same_rule(moment: datetime, day: date) -> None:
    assert Clock.local_completion_day(moment) == day


def test_the_memo_belongs_to_its_clock() -> None:
    # the same SimTime on two clocks: 16 h after Sun 08:00 is Mon 00:00 (counts for Sunday),
    # 16 h after Mon 00:00 is Mon 16:00
    monday = Clock(datetime(2025, 7, 7), LONDON)
    assert _SUNDAY.completion_day(_MONDAY_MIDNIGHT) == date(2025, 7, 6)
    assert monday.completion_day(_MONDAY_MIDNIGHT) == date(2025, 7, 7)
    assert _SUNDAY.completion_day(_MONDAY_MIDNIGHT) == date(2025, 7, 6)
