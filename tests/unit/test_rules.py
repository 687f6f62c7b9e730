"""core/rules.py: every rule on hand values."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from migrasim.core.calendar import NEVER, Clock, completion_ordinals
from migrasim.core.rules import (
    DateConverter,
    Status,
    completion_days,
    days_late,
    in_time,
    in_time_ordinals,
    quantile_rank,
    status,
)

GO_LIVE = date(2026, 1, 5)


def test_in_time_means_before_go_live() -> None:
    assert in_time(date(2026, 1, 4), GO_LIVE)
    assert not in_time(date(2026, 1, 5), GO_LIVE)  # on go-live day is late
    assert not in_time(date(2026, 1, 6), GO_LIVE)
    assert not in_time(None, GO_LIVE)  # never is never in time


def test_days_late_counts_from_the_day_before_go_live() -> None:
    assert days_late(date(2026, 1, 4), GO_LIVE) == 0  # the last in-time day
    assert days_late(date(2026, 1, 5), GO_LIVE) == 1
    assert days_late(date(2026, 1, 12), GO_LIVE) == 8
    assert days_late(date(2025, 12, 25), GO_LIVE) == -10  # Dec 25 -> Jan 4 is 10 days
    assert days_late(None, GO_LIVE) is None
    assert days_late(date(2026, 1, 4), None) is None


def test_days_late_and_in_time_agree() -> None:
    for day in range(1, 31):
        completed = date(2026, 1, day)
        late = days_late(completed, GO_LIVE)
        assert late is not None
        assert in_time(completed, GO_LIVE) is (late <= 0)


@pytest.mark.parametrize(
    ("chance", "late", "expected"),
    [
        (0.8, None, Status.ON_TRACK),  # 80 % is on track
        (0.7999, None, Status.AT_RISK),
        (0.5, None, Status.AT_RISK),  # an even chance is at risk
        (0.4999, None, Status.LATE),  # late more likely than not: likely late
        (0.3, None, Status.LATE),
        (0.0, False, Status.LATE),  # the chance decides when there is one
        (1.0, True, Status.ON_TRACK),
        (None, True, Status.LATE),  # a deterministic run: the baseline decides
        (None, False, Status.ON_TRACK),
        (None, None, None),  # no go-live
    ],
)
def test_status_thresholds(chance: float | None, late: bool | None, expected: Status) -> None:
    assert status(chance, late) is expected


def test_quantile_rank_is_an_observed_value() -> None:
    assert quantile_rank(10, 0.5) == 4  # the 5th of 10 sorted values
    assert quantile_rank(10, 0.8) == 7  # the 8th
    assert quantile_rank(1000, 0.8) == 799
    assert quantile_rank(3, 0.95) == 2
    assert quantile_rank(1, 0.5) == 0


def test_date_converter_applies_the_end_of_day_rule() -> None:
    clock = Clock(datetime(2025, 7, 7), ZoneInfo("Europe/London"))
    convert = DateConverter(clock)
    assert convert(3_600.0) == date(2025, 7, 7)  # 01:00 on Jul 7
    assert convert(86_400.0) == date(2025, 7, 7)  # 00:00 on Jul 8 counts for Jul 7
    assert convert(86_401.0) == date(2025, 7, 8)
    assert convert(None) is None
    assert convert(float("inf")) is None
    assert convert(86_400.0) == date(2025, 7, 7)  # memoised answer is the same


# Sun 2025-07-06 08:00 (BST): Mon 00:00 is 16 h later. One rule, on the exact instant.
_SUNDAY = Clock(datetime(2025, 7, 6, 8), ZoneInfo("Europe/London"))
_MONDAY_MIDNIGHT = 16 * 3_600.0


@pytest.mark.parametrize(
    ("t", "day"),
    [
        (_MONDAY_MIDNIGHT + 0.4, date(2025, 7, 7)),  # Mon 00:00:00.4 is Monday, not Sunday
        (_MONDAY_MIDNIGHT + 0.6, date(2025, 7, 7)),
        (_MONDAY_MIDNIGHT, date(2025, 7, 6)),  # exactly 00:00 counts for the day that ended
        (_MONDAY_MIDNIGHT + 1e-7, date(2025, 7, 6)),  # floating-point dust is exactly 00:00
        (_MONDAY_MIDNIGHT - 0.4, date(2025, 7, 6)),  # Sun 23:59:59.6
    ],
)
def test_dates_follow_the_exact_instant_not_the_rounded_second(t: float, day: date) -> None:
    go_live = date(2025, 7, 7)  # in time means dated Sunday or earlier
    assert DateConverter(_SUNDAY)(t) == day
    (ordinal,) = completion_ordinals(_SUNDAY, np.array([t])).tolist()
    assert ordinal == day.toordinal()
    (days,) = completion_days(_SUNDAY, np.array([t])).tolist()
    assert days == day.toordinal()
    assert in_time(DateConverter(_SUNDAY)(t), go_live) == (day < go_live)
    assert in_time_ordinals(np.array([days]), go_live).tolist() == [day < go_live]


def test_exact_midnight_across_the_clock_change() -> None:
    # Sun 26 Oct 2025 the clocks go back: 25 real hours from Sun 00:00 to Mon 00:00 (GMT).
    clock = Clock(datetime(2025, 10, 26), ZoneInfo("Europe/London"))
    monday = 25 * 3_600.0
    for t, day in ((monday, date(2025, 10, 26)), (monday + 0.4, date(2025, 10, 27))):
        assert DateConverter(clock)(t) == day
        assert completion_ordinals(clock, np.array([t])).tolist() == [day.toordinal()]
    # never is the records' one NEVER (inf), as in every other array of SimTimes or days
    assert completion_ordinals(clock, np.array([np.inf, np.nan])).tolist() == [NEVER, NEVER]
