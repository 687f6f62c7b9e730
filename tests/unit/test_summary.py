"""analysis/summary.py: the run's records on a hand-worked case; run_scenario's replications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.summary import summarise
from migrasim.core.rules import Status
from migrasim.render.tables import summary_frame
from migrasim.scenario.types import parse_scenario


def hand(volume: str = "100 GB", **extra: Any) -> dict[str, Any]:
    # Mon 7 Jul 2025, Mon-Fri, no holidays; go-live Mon 4 Aug.
    return {
        "name": "hand",
        "start": "2025-07-07",
        "go_live": "2025-08-04",
        "calendar": {"holidays": "none"},
        "links": {"capped": {"daily_cap": "1 GB", "per_flow": True}},
        "flows": [{"name": "A", "source": "s", "target": "t", "volume": volume,
                   "links": ["capped"]}],
        **extra,
    }  # fmt: skip


def test_deterministic_records_by_hand() -> None:
    # 100 GB at 1 GB a working day: 100 working days from Mon 7 Jul; the last byte arrives at
    # 00:00 on Sat 22 Nov 2025, which counts for Fri 21 Nov. The last in-time day is Sun 3 Aug,
    # so it is 28 (Aug) + 30 + 31 + 21 = 110 days late.
    report = summarise(run_scenario(parse_scenario(hand()), None, 5))
    assert report.deterministic
    assert report.seed == 5
    row = report.flows[0]
    assert row.baseline_completion == datetime(2025, 11, 22, 0, 0)
    assert row.baseline_completed_on == date(2025, 11, 21)
    assert row.p50 == row.p80 == row.p95 == date(2025, 11, 21)
    assert row.days_late == 110
    assert row.late_in_baseline is True
    assert row.status is Status.LATE
    assert row.chance == 0.0
    assert row.bottleneck == "capped"
    assert report.programme.days_late == 110
    assert report.programme.volume_bytes == 100e9
    assert (report.counts.late, report.counts.on_track, report.counts.flows) == (1, 0, 1)
    assert report.completions is None
    assert report.band is None
    # summary.csv writes the same record as text.
    frame = summary_frame(report)
    assert list(frame["days_late"]) == [110, 110]
    assert list(frame["baseline_completion"]) == ["2025-11-22T00:00:00"] * 2


def test_on_time_by_hand() -> None:
    # 10 GB: 10 working days, done Sat 19 Jul 00:00, which counts for Fri 18 Jul: 16 days early.
    row = summarise(run_scenario(parse_scenario(hand("10 GB")), None, 0)).flows[0]
    assert row.baseline_completed_on == date(2025, 7, 18)
    assert row.days_late == -16
    assert row.status is Status.ON_TRACK


def test_replications_in_the_file_run_monte_carlo_without_uncertainty() -> None:
    # As `migrasim run` does: the file's replications are honoured even when nothing is
    # uncertain (compare, sweep and solve used to skip them).
    outcome = run_scenario(parse_scenario(hand("10 GB", replications=7)), None, 0)
    assert outcome.mc is not None
    assert outcome.replications == 7
    report = summarise(outcome)
    assert report.replications == 7
    assert report.completions is not None
    assert len(report.completions) == 7
    assert report.flows[0].p80 == date(2025, 7, 18)  # every replication is the baseline
