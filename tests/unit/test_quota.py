"""A daily cap is a quota per window (issue 12): in series with a link that sets the rate, the
whole quota passes whenever the path is open; alone it spreads evenly. Hand-worked cases, as
in docs/scenario-format.md ("Rates")."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import ALL_WEEK, finish, invoke, run, scenario_dict

CAP_AND_NIGHT_WIRE = {
    "cap": {"daily_cap": "1 GB"},
    "wire": {"bandwidth": "100 Mbit/s", "window": "19:00-07:00"},
}


def _delivered_by_day(model: object, result: object, days: int) -> list[float]:
    times, cumulative = result.curves[0]  # type: ignore[attr-defined]
    clock = model.clock  # type: ignore[attr-defined]
    ends = [clock.to_sim(clock.start + timedelta(days=d + 1)) for d in range(days)]
    return [round(float(np.interp(t, times, cumulative)) / 1e9, 9) for t in ends]


def test_ten_gigabytes_through_a_daily_quota_and_a_night_wire() -> None:
    # 100 Mbit/s = 12.5 MB/s: a gigabyte in 80 s. The scenario starts Monday 7 July 2025 00:00
    # inside Sunday night's wire window (a 7-day calendar: Sunday is a working day and its
    # 19:00-07:00 window runs into Monday), so Monday's gigabyte moves 00:00:00-00:01:20, and
    # every later day's moves from 00:00 while the previous night's window is open. The tenth
    # gigabyte arrives Wed 16 July 00:01:20, the tenth day.
    data = scenario_dict(
        CAP_AND_NIGHT_WIRE,
        [{"name": "F", "volume": "10 GB", "links": ["cap", "wire"]}],
        start="2025-07-07",
        working_days=ALL_WEEK,
    )
    model, result = run(data)
    assert finish(model, result, "F") == datetime(2025, 7, 16, 0, 1, 20)
    assert _delivered_by_day(model, result, 11) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10]
    times, cumulative = result.curves[0]  # type: ignore[index]
    clock = model.clock
    forty_seconds_in = clock.to_sim(datetime(2025, 7, 7, 0, 0, 40))
    assert float(np.interp(forty_seconds_in, times, cumulative)) == 0.5e9  # 40 s at 12.5 MB/s


def test_a_quota_waits_for_the_night_wire_when_the_start_is_in_daytime() -> None:
    # Start Monday 7 July 2025 at 08:00, after Sunday night's window closed (07:00): Monday's
    # gigabyte waits for the wire to open at 19:00 and moves 19:00:00-19:01:20; each later
    # day's moves from 00:00 in the night window. The tenth arrives Wed 16 July 00:01:20.
    data = scenario_dict(
        CAP_AND_NIGHT_WIRE,
        [{"name": "F", "volume": "10 GB", "links": ["cap", "wire"]}],
        start="2025-07-07T08:00",
        working_days=ALL_WEEK,
    )
    model, result = run(data)
    assert finish(model, result, "F") == datetime(2025, 7, 16, 0, 1, 20)
    times, cumulative = result.curves[0]  # type: ignore[index]
    clock = model.clock
    assert float(np.interp(clock.to_sim(datetime(2025, 7, 7, 18, 59)), times, cumulative)) == 0
    at = clock.to_sim(datetime(2025, 7, 7, 19, 1, 20))
    assert float(np.interp(at, times, cumulative)) == 1e9


def test_a_lone_daily_cap_still_moves_evenly() -> None:
    # 3 GB at 1 GB/day alone: 1 GB spread over 24 h, so half of it by Monday noon.
    data = scenario_dict(
        {"cap": {"daily_cap": "1 GB"}},
        [{"name": "F", "volume": "3 GB", "links": ["cap"]}],
        start="2025-07-07",
        working_days=ALL_WEEK,
    )
    model, result = run(data)
    assert finish(model, result, "F") == datetime(2025, 7, 10, 0, 0)
    times, cumulative = result.curves[0]  # type: ignore[index]
    noon = model.clock.to_sim(datetime(2025, 7, 7, 12, 0))
    assert float(np.interp(noon, times, cumulative)) == pytest.approx(0.5e9, abs=1e-3)


def test_a_shared_quota_is_drawn_on_by_every_moving_flow() -> None:
    # Two 1 GB flows share a 1 GB/day quota, each on its own 100 Mbit/s wire (all day): both
    # move at 12.5 MB/s, the quota lasts 1 GB / 25 MB/s = 40 s and each gets 0.5 GB on
    # Monday; the rest moves in the first 40 s of Tuesday: both finish Tue 8 July 00:00:40.
    data = scenario_dict(
        {"cap": {"daily_cap": "1 GB"}, "wire": {"bandwidth": "100 Mbit/s", "per_flow": True}},
        [
            {"name": "A", "volume": "1 GB", "links": ["cap", "wire"]},
            {"name": "B", "volume": "1 GB", "links": ["cap", "wire"]},
        ],
        start="2025-07-07",
        working_days=ALL_WEEK,
    )
    model, result = run(data)
    assert finish(model, result, "A") == datetime(2025, 7, 8, 0, 0, 40)
    assert finish(model, result, "B") == datetime(2025, 7, 8, 0, 0, 40)


def test_a_quota_in_series_is_never_exceeded_in_a_window() -> None:
    # A 1 Gbit/s wire (125 MB/s, all day) behind a 2 GB/day quota: 2 GB a day,
    # never more, moved in the first 16 s of each day (125 MB/s).
    data = scenario_dict(
        {"cap": {"daily_cap": "2 GB"}, "wire": {"bandwidth": "1 Gbit/s"}},
        [{"name": "F", "volume": "7 GB", "links": ["cap", "wire"]}],
        start="2025-07-07",
        working_days=ALL_WEEK,
    )
    model, result = run(data)
    assert _delivered_by_day(model, result, 4) == [2, 4, 6, 7]
    assert finish(model, result, "F") == datetime(2025, 7, 10, 0, 0, 8)


@pytest.mark.parametrize(
    ("start", "cap_seconds"),
    [
        # 08:00: Monday's gigabyte 19:00:00-19:01:20, then the spent quota until Tuesday 00:00
        # (17,920 s); Tuesday 8 to Tuesday 15 each wait 86,320 s: 17,920 + 8 x 86,320
        ("2025-07-07T08:00", 708_480.0),
        # 00:00: Monday 7 to Tuesday 15, nine days of 86,320 s each
        ("2025-07-07", 776_880.0),
    ],
)
def test_a_quota_in_series_is_the_bottleneck_while_the_flow_waits_on_it(
    start: str, cap_seconds: float
) -> None:
    # docs/semantics.md §7: the wire sets the rate for 10 x 80 s; the flow waits on the spent
    # quota the rest of each day (the wire's daytime closure included), so `cap` binds ~99.9 %.
    data = scenario_dict(
        CAP_AND_NIGHT_WIRE,
        [{"name": "F", "volume": "10 GB", "links": ["cap", "wire"]}],
        start=start,
        working_days=ALL_WEEK,
    )
    _, result = run(data)
    flow = result.flows[0]
    assert flow.bottleneck == "cap"
    seconds = dict(flow.limiting_seconds)
    assert seconds["wire"] == pytest.approx(800.0, abs=1e-6)
    assert seconds["cap"] == pytest.approx(cap_seconds, abs=1e-3)
    share = seconds["cap"] / (seconds["cap"] + seconds["wire"])
    assert round(share, 3) == 0.999


def test_a_quota_the_wire_never_uses_up_is_not_the_bottleneck() -> None:
    # The wire moves 12.5 MB/s for 1 h a night (45 GB), under the 50 GB quota: the quota is
    # never spent, so it never binds and the wire is the bottleneck.
    data = scenario_dict(
        {
            "cap": {"daily_cap": "50 GB"},
            "wire": {"bandwidth": "100 Mbit/s", "window": "01:00-02:00"},
        },
        [{"name": "F", "volume": "100 GB", "links": ["cap", "wire"]}],
        working_days=ALL_WEEK,
    )
    _, result = run(data)
    assert result.flows[0].bottleneck == "wire"
    assert dict(result.flows[0].limiting_seconds) == {"wire": pytest.approx(8000.0)}


def test_a_shared_quota_binds_every_flow_waiting_on_it() -> None:
    # Two flows on per-flow 100 Mbit/s wires share a 2 GB/day quota: each moves 1 GB in 80 s
    # at 00:00 (12.5 MB/s each, 25 MB/s through the quota), then both wait on the spent
    # quota: 5 GB each takes five days, and the quota binds both.
    data = scenario_dict(
        {
            "cap": {"daily_cap": "2 GB"},
            "wire": {"bandwidth": "100 Mbit/s", "per_flow": True},
        },
        [
            {"name": "A", "volume": "5 GB", "links": ["cap", "wire"]},
            {"name": "B", "volume": "5 GB", "links": ["cap", "wire"]},
        ],
        working_days=ALL_WEEK,
    )
    model, result = run(data)
    assert finish(model, result, "A") == datetime(2025, 7, 11, 0, 1, 20)
    for flow in result.flows:
        assert flow.bottleneck == "cap"
        assert dict(flow.limiting_seconds)["cap"] == pytest.approx(4 * 86_320.0, abs=1e-3)


def test_run_names_the_quota_as_the_bottleneck_and_the_fix_raises_it(tmp_path: Path) -> None:
    # The semantics example with go-live Sat 12 Jul (in time means by Fri 11 Jul): late at
    # 1 GB a day (Wed 16 Jul), so the advice raises the bottleneck, and the bottleneck is the
    # quota: the fix and the `solve` hint name links.cap.daily_cap, never the wire.
    path = tmp_path / "quota.yaml"
    path.write_text(
        "name: quota\nstart: 2025-07-07\ngo_live: 2025-07-12\n"
        "calendar: {holidays: none, working_days: [Mon, Tue, Wed, Thu, Fri, Sat, Sun]}\n"
        "links:\n  cap: {daily_cap: 1 GB}\n"
        '  wire: {bandwidth: 100 Mbit/s, window: "19:00-07:00"}\n'
        "flows: [{name: F, source: a, target: b, volume: 10 GB, links: [cap, wire]}]\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code, stdout, _ = invoke("run", str(path), "--out", str(out))
    assert code == 0
    rows = list(csv.DictReader((out / "summary.csv").open(encoding="utf-8")))
    assert [(r["flow"], r["bottleneck"]) for r in rows] == [("F", "cap"), ("ALL", "cap")]
    # deterministic: the fix is stated outright (no solve hint needed), naming the quota
    assert "Raise the daily cap of link 'cap' from 1 GB to 2 GB" in stdout
    assert "wire" not in stdout.split("What would fix it", 1)[1]
