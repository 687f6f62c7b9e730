"""Never-reasons: the engine returns a record, render/reasons.py words it (hand-written text)."""

from __future__ import annotations

import pytest

from migrasim.core.model import NeverReason, NotFinished
from migrasim.render.reasons import never_reason_text
from tests.helpers import run, scenario_dict

YEAR = 365.25 * 86400
DAYS_30 = 30 * 86400  # 30 / 365.25 = 0.0821355... years


def test_a_finished_flow_has_no_reason() -> None:
    assert never_reason_text(None) == ""


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        (
            NotFinished(NeverReason.DEPENDENCY, YEAR, waiting_for=("A", "B")),
            "waits for A, B, which never complete(s)",
        ),
        (
            NotFinished(NeverReason.STARTS_AFTER_HORIZON, 2 * YEAR),
            "would start after the horizon (2 years)",
        ),
        (
            NotFinished(
                NeverReason.GROWTH,
                YEAR,
                growth_bytes_per_s=1.5e9 / 86400,
                moved_bytes_per_s=0.25e9 / 86400,
            ),
            "growth of 1.5 GB/day outpaces the 0.25 GB/day it moves on average",
        ),
        (
            NotFinished(NeverReason.NO_CAPACITY, YEAR, link="hardwired"),
            "nothing can move: hardwired never has capacity",
        ),
        (
            NotFinished(NeverReason.NO_CAPACITY, YEAR),
            "nothing can move: its links never has capacity",
        ),
        (
            NotFinished(NeverReason.HORIZON, DAYS_30),
            "not finished within the horizon (0.0821355 years)",
        ),
    ],
)
def test_each_reason_in_words(reason: NotFinished, text: str) -> None:
    assert never_reason_text(reason) == text


def test_the_engine_reports_reasons_as_records() -> None:
    # Horizon 30 days from Mon 7 Jul (Aug 6). At 1 GB/day A moves 22 GB of 500 GB: HORIZON.
    # B waits for A: DEPENDENCY. C starts Sep 1, after the horizon. D's link is first usable
    # after 60 days, so nothing ever moves: NO_CAPACITY on that link.
    data = scenario_dict(
        {
            "L": {"daily_cap": "1 GB", "per_flow": True},
            "late": {"daily_cap": "1 GB", "lead_time": "60 days"},
        },
        [
            {"name": "A", "volume": "500 GB", "links": ["L"]},
            {"name": "B", "volume": "1 GB", "links": ["L"], "after": ["A"]},
            {"name": "C", "volume": "1 GB", "links": ["L"], "start": "2025-09-01"},
            {"name": "D", "volume": "1 GB", "links": ["late"]},
            {"name": "E", "volume": "1 GB", "links": ["L"]},
        ],
        horizon="30 days",
    )
    _, result = run(data)
    reasons = {f.name: f.reason for f in result.flows}
    assert reasons == {
        "A": NotFinished(NeverReason.HORIZON, DAYS_30),
        "B": NotFinished(NeverReason.DEPENDENCY, DAYS_30, waiting_for=("A",)),
        "C": NotFinished(NeverReason.STARTS_AFTER_HORIZON, DAYS_30),
        "D": NotFinished(NeverReason.NO_CAPACITY, DAYS_30, link="late"),
        "E": None,
    }
    assert never_reason_text(reasons["B"]) == "waits for A, which never complete(s)"
