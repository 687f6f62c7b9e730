"""Calibration backtest of ``migrasim track`` (issue 10), seeded so every run is the same.

Hidden truths differ from the plan in known ways (link efficiency U(0.6, 1.0), down days
U(0, 15 %), volumes from the plan's own estimates; ``benchmarks/track_backtest.py``). Their
completion is later than the plan expects, so the plan's P80 covers them well under 80 % of the
time; the re-forecast, fed the first k weeks of each truth's log, should cover them about 80 %
of the time and its P50 should err less, and less with more weeks.

Bounds: with n truths, a coverage of 0.8 has a standard error sqrt(0.8 x 0.2 / n): 0.10 for
n = 16 and 0.065 for n = 40, so the bounds below are about two standard errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from migrasim.analysis.runner import Execution

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from track_backtest import backtest


def _check(result: dict[str, Any], early: int, late: int, band: tuple[float, float]) -> None:
    rows = result["rows"]
    for k in (early, late):
        row = rows[k]
        # the plan is biased (the truth is slower): its P80 covers well under 80 %
        assert row["plan_p80_coverage"] < 0.65, row
        assert band[0] <= row["track_p80_coverage"] <= band[1], row
        assert row["track_p50_mae_days"] < row["plan_p50_mae_days"], row
    # more weeks of log, a better P50
    assert rows[late]["track_p50_mae_days"] < rows[early]["track_p50_mae_days"], rows


def test_track_calibration_fast() -> None:
    # 16 truths, k = 2 and 8 weeks, 100 replications: about 15 s on the shared machine.
    result = backtest(range(16), (2, 8), 100, Execution(1, None))
    _check(result, 2, 8, (0.6, 1.0))


@pytest.mark.slow
def test_track_calibration() -> None:
    # 40 truths, k = 2, 4, 8 and 16 weeks, 200 replications: about 2 minutes.
    result = backtest(range(40), (2, 4, 8, 16), 200, Execution(1, None))
    _check(result, 2, 16, (0.67, 0.93))
    assert 0.67 <= result["rows"][8]["track_p80_coverage"] <= 0.93
