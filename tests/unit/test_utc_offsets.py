"""``core.calendar._utc_offsets`` (behind ``Clock.local_moments`` and ``Clock.completion_days``) is
zoneinfo's UTC offset, second by second, across clock changes (issue 21, item 2)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from migrasim.core.calendar import DAY, Clock, _utc_offsets


def _zoneinfo(tz: ZoneInfo, second: int) -> int:
    delta = datetime.fromtimestamp(second, tz=tz).utcoffset()
    assert delta is not None
    return int(delta.total_seconds())


@pytest.mark.parametrize(
    ("zone", "change_utc"),
    [
        ("Europe/London", datetime(2025, 3, 30, 1, 0)),  # 01:00 GMT -> 02:00 BST
        ("Europe/London", datetime(2025, 10, 26, 1, 0)),  # 02:00 BST -> 01:00 GMT
        ("Australia/Lord_Howe", datetime(2025, 4, 5, 15, 0)),  # half an hour back
        ("America/St_Johns", datetime(2025, 3, 9, 5, 30)),  # a -03:30 zone
    ],
)
def test_offsets_are_zoneinfos_every_second_around_a_change(
    zone: str, change_utc: datetime
) -> None:
    tz = ZoneInfo(zone)
    clock = Clock(datetime(2025, 1, 1), tz)
    moment = int(change_utc.replace(tzinfo=ZoneInfo("UTC")).timestamp())
    # every second of the two hours around the change, and a second of each of 400 days
    around = np.arange(moment - 3600, moment + 3600, dtype=np.int64)
    daily = moment - 200 * DAY + 4321 + DAY * np.arange(400, dtype=np.int64)
    utc = np.concatenate([daily, around, around[::-1]])
    got = _utc_offsets(clock, utc)
    assert got.tolist() == [_zoneinfo(tz, int(s)) for s in utc]
    assert _zoneinfo(tz, moment - 1) != _zoneinfo(tz, moment)  # a change really is there


def test_london_by_hand() -> None:
    # Sun 30 March 2025: 00:59:59 GMT is +0, 01:00:00 UTC is 02:00 BST, +3600
    clock = Clock(datetime(2025, 3, 1), ZoneInfo("Europe/London"))
    change = int(datetime(2025, 3, 30, 1, 0, tzinfo=ZoneInfo("UTC")).timestamp())
    assert _utc_offsets(clock, np.array([change - 1, change], dtype=np.int64)).tolist() == [
        0,
        3600,
    ]
