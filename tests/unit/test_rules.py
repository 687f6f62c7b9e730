"""core/rules.py: every rule on hand values."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from migrasim.core.calendar import NEVER
from migrasim.core.rules import (
    Status,
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


def test_in_time_ordinals_is_in_time_on_day_ordinals() -> None:
    days = np.array([date(2026, 1, 4).toordinal(), GO_LIVE.toordinal(), NEVER])
    assert in_time_ordinals(days, GO_LIVE).tolist() == [True, False, False]  # never: late
