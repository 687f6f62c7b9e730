"""The re-forecast's board figures (analysis/reforecast.py) and how track's rows read: the slip
of the P80 against the plan with its paired interval, the fix restated in the scenario file's
terms, "no report" rows and why a volume changed. Every expected figure is worked by hand."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from migrasim.analysis.advice import Fix
from migrasim.analysis.records import CapacityNeed, CapacityTarget
from migrasim.analysis.reforecast import programme_slip, restated_fix, restated_need
from migrasim.analysis.track import FlowEvidence, FlowProgress
from migrasim.errors import N_
from migrasim.render.headlines import advice_text
from migrasim.render.i18n import translator
from migrasim.render.terminal import track_lines
from migrasim.render.track_tables import progress_frame, progress_table, what_changed
from migrasim.render.view import table_view
from migrasim.scenario.types import parse_scenario
from tests.helpers import scenario_dict

BASE = date(2026, 1, 1).toordinal()


@dataclass
class _Outcome:
    """What programme_slip reads of an Outcome: the programme's completion days (ordinals)."""

    days: np.ndarray
    scenario: Any
    mc: Any = True

    def ordinals(self, flow: str = "ALL") -> np.ndarray:
        assert flow == "ALL"
        return self.days


@dataclass
class _Spec:
    go_live: date | None


def test_the_slip_is_paired_replication_by_replication() -> None:
    # Ten replications finishing 0..9 days after 1 Jan 2026 in the plan; the re-forecast moves
    # each one 5 days later. P80 (rank ceil(0.8 x 10) - 1 = 7): plan day 7, new day 12, slip 5.
    # Paired, every bootstrap resample's P80 moves by exactly 5: the interval is [5, 5] (an
    # unpaired bootstrap would give it a width of several days).
    a = BASE + np.arange(10.0)
    rng = np.random.default_rng(0)
    b = a + 5
    go_live = date.fromordinal(BASE + 8)  # in time: finishing before day 8
    plan, forecast = _Outcome(a, _Spec(go_live)), _Outcome(b, _Spec(go_live))
    slip = programme_slip(plan, forecast, date(2025, 12, 1), seed=7)  # type: ignore[arg-type]
    assert slip.plan.p80 == date.fromordinal(BASE + 7)
    assert slip.forecast.p80 == date.fromordinal(BASE + 12)
    assert (slip.days.estimate, slip.days.low, slip.days.high) == (5.0, 5.0, 5.0)
    # Chance: plan 8 of 10 in time (days 0-7), re-forecast 3 (days 0-2 move to 5-7). Paired
    # differences: -1 for the five replications 3-7, else 0: mean -0.5, sd (n-1) =
    # sqrt(10 x 0.25 / 9) = 0.52705, half-width 1.95996 x 0.52705 / sqrt(10) = 0.32666.
    assert slip.plan.prob == pytest.approx(0.8)
    assert slip.forecast.prob == pytest.approx(0.3)
    assert slip.chance_change.estimate == pytest.approx(-0.5)
    assert slip.chance_change.low == pytest.approx(-0.82666, abs=1e-4)
    assert slip.chance_change.high == pytest.approx(-0.17334, abs=1e-4)
    # The same shift on shuffled pairs is no longer a shift replication by replication: the
    # bootstrap interval then has a width.
    shuffled = _Outcome(rng.permutation(a) + 5, _Spec(go_live))
    loose = programme_slip(plan, shuffled, date(2025, 12, 1), seed=7)  # type: ignore[arg-type]
    assert loose.days.estimate == 5.0
    assert loose.days.low is not None
    assert loose.days.high is not None
    assert loose.days.high - loose.days.low >= 2


def test_a_slip_to_never_has_no_number() -> None:
    a = BASE + np.arange(10.0)
    b = np.full(10, math.inf)
    slip = programme_slip(_Outcome(a, _Spec(None)), _Outcome(b, _Spec(None)), date(2025, 12, 1),
                          seed=1)  # type: ignore[arg-type]  # fmt: skip
    assert slip.forecast.p80 is None
    assert slip.days.estimate is None
    assert slip.chance_change.estimate is None  # no go-live, no chance


def _specs() -> tuple[Any, Any]:
    """The scenario file (1 GB a day) and a remaining scenario whose cap the log calibrated to
    0.5 GB a day (the plan's value times the efficiency it shows)."""
    flows = [{"name": "A", "volume": "40 GB", "links": ["capped"]}]
    stated = parse_scenario(scenario_dict({"capped": {"daily_cap": "1 GB"}}, flows))
    found = parse_scenario(scenario_dict({"capped": {"daily_cap": "0.5 GB"}}, flows))
    return stated, found


def test_the_fix_is_stated_in_the_files_terms() -> None:
    stated, found = _specs()
    # Found on the remaining scenario: 0.5 GB -> 1.9 GB (3.8x). In the file's terms: the same
    # factor times its 1 GB, 3.8 GB.
    fix = Fix("links.capped.daily_cap", "daily cap", "capped", "0.5 GB", "1.9 GB", 3.8, "cmd")
    advice = restated_fix(fix, stated, found, date(2025, 7, 14))
    assert (advice.fix.current, advice.fix.needed) == ("1 GB", "3.8 GB")
    assert advice.fix.factor == pytest.approx(3.8)
    assert advice.as_of == date(2025, 7, 14)
    text = advice_text(advice, translator("en"))
    assert text.startswith("From 14 July 2025, at the most likely inputs")
    assert "would need 3.8 GB (the scenario's 1 GB, 3.8×)" in text
    welsh = advice_text(advice, translator("cy"))
    assert welsh.startswith("O 14 Gorffennaf 2025")
    # Not reachable within 100x: no value, the words say so.
    none = restated_fix(Fix("links.capped.daily_cap", "daily cap", "capped", "0.5 GB", None,
                            None, "cmd"), stated, found, date(2025, 7, 14))  # fmt: skip
    assert none.fix.needed is None
    assert "does not finish the work left" in advice_text(none, translator("en"))


def test_the_capacity_needed_is_stated_in_the_files_terms() -> None:
    stated, found = _specs()
    need = CapacityNeed("links.capped.daily_cap", "daily cap", "capped", "GB", 0.5, 400, 50.0,
                        (CapacityTarget(0.5, 2.0, 1.9, 2.1),
                         CapacityTarget(0.8, 2.5, 2.4, None)))  # fmt: skip
    out = restated_need(need, stated, found)
    # every value x 1 GB / 0.5 GB = 2
    assert out.current == 1.0
    assert out.searched_up_to == 100.0
    assert out.targets == (CapacityTarget(0.5, 4.0, 3.8, 4.2), CapacityTarget(0.8, 5.0, 4.8, None))


def _rows() -> list[FlowProgress]:
    evidence = FlowEvidence("A", "capped", 5, 1, 20e9, 50e9, (0.5,) * 4)
    moved = FlowProgress("A", 20e9, 40e9, date(2025, 7, 18), date(2025, 7, 25), False, evidence,
                         True, (N_("still moving after its likely volume"),))  # fmt: skip
    silent = FlowProgress("B", 0.0, 30e9, date(2025, 7, 11), date(2025, 7, 18), False,
                          FlowEvidence("B", "capped", 5, 5, 0.0, 50e9, ()), False)  # fmt: skip
    total = FlowProgress("ALL", 20e9, 70e9, date(2025, 7, 18), date(2025, 7, 25), False,
                         FlowEvidence("ALL", None, 10, 6, 20e9, 100e9, ()))  # fmt: skip
    return [moved, silent, total]


def test_no_report_and_why_in_every_table() -> None:
    rows = _rows()
    # A: moved 20 of 50 GB planned (40 %), 1 of 5 days with nothing; then why it changed.
    assert what_changed(rows[0]) == (
        "moved 40 % of planned: 1 of 5 working days with nothing delivered; still moving after "
        "its likely volume"
    )
    assert what_changed(rows[1]) == "no report: no row in the transfer log, forecast from the plan"
    frame = progress_frame(rows)
    assert list(frame["reported"]) == ["yes", "no", "yes"]
    assert list(frame["what_changed"])[1].startswith("no report")
    # The report's and the workbook's table, in Welsh.
    cells = table_view(progress_table(rows), translator("cy")).rows
    assert cells[1][-1].text == "dim adroddiad: dim rhes yn y log trosglwyddo, rhagolwg o'r cynllun"


def test_the_terminal_says_no_report_in_its_language() -> None:
    rows = _rows()
    # what track_lines reads of the re-forecast's RunReport (no go-live: no verdict line)
    programme = SimpleNamespace(p50=None, p80=None, p95=None, chance=None, chance_ci=None,
                                bottleneck="")  # fmt: skip
    report: Any = SimpleNamespace(go_live=None, programme=programme, binding=None,
                                  capacity=None)  # fmt: skip
    english = track_lines(rows, None, report, None, translator("en"))
    assert "no report: no row in the transfer log" in english[2]
    assert english[-1] == "Flows with no report (no row in the transfer log): 1 of 2."
    # the slip column: signed whole days, no unit letter
    assert english[1].split()[6] == "+7"  # A, 20.0, GB, 50.0%, plan, new, slip
    welsh = track_lines(rows, None, report, None, translator("cy"))
    assert "dim adroddiad" in welsh[2]
    assert welsh[-1] == "Llifoedd heb adroddiad (dim rhes yn y log trosglwyddo): 1 o 2."
    assert "no report" not in "\n".join(welsh)


def test_a_plan_without_uncertainty_still_gives_the_slip() -> None:
    # The plan is one run (no uncertain input) finishing on day 3; the re-forecast's ten runs
    # (the calibration makes the throughput uncertain) have their P80 on day 7 + 4 = 11. No
    # pairs, so no interval; the chance's change needs pairs too.
    plan = _Outcome(np.array([BASE + 3.0]), _Spec(date.fromordinal(BASE + 8)), mc=None)
    forecast = _Outcome(BASE + 4 + np.arange(10.0), _Spec(date.fromordinal(BASE + 8)))
    slip = programme_slip(plan, forecast, date(2025, 12, 1), seed=1)  # type: ignore[arg-type]
    assert (slip.days.estimate, slip.days.low, slip.days.high) == (8.0, None, None)
    assert slip.chance_change.estimate is None
