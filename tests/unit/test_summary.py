"""analysis/summary.py: the run's records on a hand-worked case; run_scenario's replications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.summary import summarise
from migrasim.core.rules import Status
from migrasim.render.i18n import translator
from migrasim.render.tables import completions_frame, summary_frame
from migrasim.render.xlsx import SUMMARY_SHEET_COLUMNS, _summary_cells
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


@pytest.mark.parametrize(
    ("volume", "moment", "day", "late"),
    [
        # 5 GB: five working days, the last byte at exactly 00:00 on Sat 12 Jul: Fri 11 Jul.
        ("5000000000 B", "2025-07-12T00:00:00", "2025-07-11", False),
        # 4,630 B more at 1 GB per 86,400 s take 0.40003 s of Monday 14 Jul: reported to the
        # second as 00:00:00 but dated Monday (not Sunday), so late for a Monday go-live.
        ("5000004630 B", "2025-07-14T00:00:00", "2025-07-14", True),
    ],
)
def test_finish_dates_follow_the_exact_instant_in_every_table(
    volume: str, moment: str, day: str, late: bool
) -> None:
    spec = parse_scenario(hand(volume, go_live="2025-07-14", replications=3))
    report = summarise(run_scenario(spec, None, 0))
    row = report.flows[0]
    assert row.baseline_completed_on == date.fromisoformat(day)
    assert row.late_in_baseline is late
    assert report.programme.baseline_completed_on == date.fromisoformat(day)
    assert report.flows[0].p80 == date.fromisoformat(day)
    frame = summary_frame(report)
    assert list(frame["baseline_completion"]) == [moment] * 2  # per flow and ALL
    assert list(frame["baseline_finish_date"]) == [day] * 2
    columns = list(frame.columns)
    assert columns.index("baseline_finish_date") == columns.index("baseline_completion") + 1
    completions = completions_frame(report)
    assert list(completions["completion"]) == [moment] * 3
    assert list(completions["finish_date"]) == [day] * 3
    cells = _summary_cells(row, True, "never", translator("en"))
    where = SUMMARY_SHEET_COLUMNS.index("baseline_finish_date")
    assert SUMMARY_SHEET_COLUMNS[where - 1] == "baseline_completion"
    assert cells[where - 1] == datetime.fromisoformat(moment)
    assert cells[where] == date.fromisoformat(day)
