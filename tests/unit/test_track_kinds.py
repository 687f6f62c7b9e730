"""``track`` and the history waterfall act on the uncertain input kinds by what each declares
(its ``track``, :mod:`migrasim.core.tracking`), read from the registry: the waterfall's parts,
a link's fields the as-of date sets, a complete flow's fields, a lead time shortened by the time
elapsed. A kind's declaration changed in the registry changes what ``track`` does with it.

(The toy capacity rule's calibration and waterfall are in tests/unit/test_toy_rule.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta

import pytest

from migrasim.analysis import uncertain
from migrasim.analysis.history import PARTS, hybrid, link_progress, with_volumes_of
from migrasim.analysis.track import condition, tracked
from migrasim.analysis.uncertain import UncertainInput
from migrasim.core import tracking
from migrasim.render.history_report import PART_LABELS
from migrasim.scenario.actuals import ActualsLog, FlowActuals, LogDay
from migrasim.scenario.types import Scenario, likely_of, parse_scenario
from tests.helpers import scenario_dict

GB = 1e9
DAY = 86400.0


@contextmanager
def _untracked(kind: UncertainInput) -> Iterator[UncertainInput]:
    """``kind`` declaring no track, in its place in the registry (put back after)."""
    index = uncertain.UNCERTAIN_INPUTS.index(kind)
    plain = replace(kind, track=None)
    uncertain.UNCERTAIN_INPUTS[index] = plain
    try:
        yield plain
    finally:
        uncertain.UNCERTAIN_INPUTS[index] = kind


@pytest.fixture
def lead_time_untracked() -> Iterator[UncertainInput]:
    with _untracked(uncertain.LEAD_TIME) as kind:
        yield kind


@pytest.fixture
def growth_untracked() -> Iterator[UncertainInput]:
    with _untracked(uncertain.GROWTH) as kind:
        yield kind


def _scenario() -> Scenario:
    # Mon 7 July 2025, Mon-Fri, no holidays: a 10 GB/day link usable three weeks after the
    # start (28 July); one flow of 100 GB growing 0.1 GB a day, 5 % of it rejected.
    return parse_scenario(scenario_dict(
        {"pipe": {"daily_cap": "10 GB", "lead_time": "3 weeks"}},
        [{"name": "F", "volume": "100 GB", "growth": "0.1 GB/day",
          "rejection": {"fraction": 0.05, "delay": "1 week"}, "links": ["pipe"]}],
    ))  # fmt: skip


def _log(as_of: date, complete: bool = False) -> ActualsLog:
    """No row before the link could be used; 10 GB on each weekday from 28 July, the last one
    marked complete if ``complete``."""
    rows: list[LogDay] = []
    day = date(2025, 7, 28)
    while day < as_of:
        if day.weekday() < 5:
            rows.append(LogDay(day, "F", 10 * GB, 0.0, None, False, len(rows) + 2))
        day += timedelta(days=1)
    if complete:
        rows[-1] = replace(rows[-1], complete=True)
    done = rows[-1].day if complete else None
    return ActualsLog("log.csv", {"F": FlowActuals("F", tuple(rows), done)}, as_of, ())


def test_the_waterfall_parts_are_the_kinds_parts() -> None:
    assert PARTS == ("progress", "volume", "throughput", "edits")
    assert PARTS[:3] == tuple(part.name for part in tracking.PARTS)
    assert PART_LABELS["volume"] == tracking.REESTIMATES.label == "volume re-estimates"
    # what the built-in kinds declare, read back from the registry
    assert link_progress() == ("available_from", "fallback", "lead_time")
    assert tracked.done_fields() == {"volume": 1.0, "growth": None, "rejection": None}
    assert tracked.backlog() == "volume"
    assert [k.key for k in tracked.per_rate()] == ["volume", "growth"]
    assert tracked.fields("link", tracking.CALIBRATION) == ("shipment", "outages")


def test_a_lead_time_elapses() -> None:
    # As of Mon 21 July two of its three weeks have passed: one week (604,800 s) is left.
    cond = condition(_scenario(), _log(date(2025, 7, 21)))
    assert likely_of(cond.scenario.links["pipe"].lead_time) == 7 * DAY
    # ... and it is the progress part of the waterfall: taken with the as-of date
    earlier = condition(_scenario(), _log(date(2025, 7, 14)))
    assert likely_of(earlier.scenario.links["pipe"].lead_time) == 14 * DAY
    progressed, _ = hybrid(earlier, cond, PARTS[:1])
    assert likely_of(progressed.links["pipe"].lead_time) == 7 * DAY


def test_a_lead_time_declaring_no_track_is_kept(lead_time_untracked: UncertainInput) -> None:
    cond = condition(_scenario(), _log(date(2025, 7, 21)))
    assert likely_of(cond.scenario.links["pipe"].lead_time) == 21 * DAY  # as given
    assert link_progress() == ("available_from", "fallback")


def test_a_complete_flow_takes_each_kinds_done_value() -> None:
    # 10 GB on each weekday from Mon 28 July to Fri 8 August, complete then: nothing left.
    cond = condition(_scenario(), _log(date(2025, 8, 11), complete=True))
    (flow,) = cond.scenario.flows
    assert cond.completed_on == {"F": date(2025, 8, 8)}
    assert (flow.volume, flow.growth, flow.rejection) == (1.0, None, None)


def test_a_kind_declaring_no_track_is_not_cleared(growth_untracked: UncertainInput) -> None:
    cond = condition(_scenario(), _log(date(2025, 8, 11), complete=True))
    (flow,) = cond.scenario.flows
    assert (flow.volume, flow.rejection) == (1.0, None)
    assert flow.growth == pytest.approx(0.1 * GB / DAY)  # as the scenario gives it
    assert tracked.done_fields() == {"volume": 1.0, "rejection": None}


def _edited() -> Scenario:
    # the scenario with its volume, growth and rejection delay edited
    flow = _scenario().flows[0]
    rejection = flow.rejection.model_copy(update={"delay": 14 * DAY})  # type: ignore[union-attr]
    edited = flow.model_copy(update={"volume": 150 * GB, "growth": 0.2 * GB / DAY,
                                     "rejection": rejection})  # fmt: skip
    return _scenario().model_copy(update={"flows": (edited,)})


def test_edits_of_the_kinds_edited_as_volume_are_volume_re_estimates() -> None:
    # The volume and growth declare edits of them volume re-estimates: the waterfall's previous
    # scenario takes them from the current one; the rejection delay's edit stays an edit.
    (flow,) = with_volumes_of(_scenario(), _edited()).flows
    assert (flow.volume, flow.growth) == (150 * GB, pytest.approx(0.2 * GB / DAY))
    assert flow.rejection is not None
    assert flow.rejection.delay == 7 * DAY


def test_a_growth_declaring_no_track_is_edited_as_the_scenario(
    growth_untracked: UncertainInput,
) -> None:
    (flow,) = with_volumes_of(_scenario(), _edited()).flows
    assert (flow.volume, flow.growth) == (150 * GB, pytest.approx(0.1 * GB / DAY))
