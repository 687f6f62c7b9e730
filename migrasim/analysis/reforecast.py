"""What a re-forecast tells the board: the slip against the plan and what would fix the rest.

``track`` runs the plan (the scenario alone) and the re-forecast (the remaining scenario from the
as-of date) on the same seed: the same uncertain input gets the same draw in both (inputs are
matched by key path), so each replication of the re-forecast is paired with the plan's. The
slip of the programme's P80 is therefore a paired difference, and its interval is the paired
bootstrap of :func:`migrasim.analysis.compare.quantile_differences` (the one ``compare`` gives
for two scenarios); the change in the chance of making go-live is the mean of the paired
differences with its normal interval (:func:`migrasim.analysis.compare.mean_difference`).

"What would fix it" is ``run``'s advice (:func:`migrasim.analysis.advice.fix_for`, and
:func:`migrasim.analysis.board.capacity_need` for a P50 and a P80 chance) applied to the
remaining scenario, so it is the capacity needed *from the as-of date*, at the throughput the
log shows. The remaining scenario's capacities are calibrated (the plan's value times the
efficiency the log shows), so the answer is stated back in the terms of the scenario file's
key: the same factor times the file's value, which is what ``--set`` on the plan would take.
Pure: no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from migrasim.analysis.advice import Fix, rounded_setting, setting_text
from migrasim.analysis.compare import Interval, mean_difference, quantile_differences
from migrasim.analysis.experiment import Outcome, ordinal_days
from migrasim.analysis.records import CapacityNeed, CapacityTarget
from migrasim.analysis.stats import DateStats, date_stats
from migrasim.core import kinds
from migrasim.core.rules import in_time_ordinals
from migrasim.scenario.types import Scenario, likely_of

__all__ = ["Slip", "TrackFix", "programme_slip", "restated_fix", "restated_need"]


@dataclass(frozen=True)
class Slip:
    """The programme's re-forecast against its plan, as of ``as_of``."""

    as_of: date
    plan: DateStats  # the plan's programme P-dates and chance (the scenario alone)
    forecast: DateStats  # the re-forecast's
    days: Interval  # new P80 minus plan P80 (calendar days), paired bootstrap 95 % interval
    chance_change: Interval  # new chance minus the plan's (0-1), paired 95 % interval
    go_live: date | None


def programme_slip(plan: Outcome, forecast: Outcome, as_of: date, seed: int) -> Slip:
    """The slip of the programme's P80 and the change of its chance of making go-live, paired
    replication by replication (same seed, same number of replications)."""
    a, b = plan.ordinals("ALL"), forecast.ordinals("ALL")
    go_live = plan.scenario.go_live
    exact = plan.mc is None
    before = date_stats(ordinal_days(a), go_live, exact=exact)
    after = date_stats(ordinal_days(b), go_live, exact=forecast.mc is None)
    days = Interval(None, None, None)
    chance = Interval(None, None, None)
    if before.p80 is not None and after.p80 is not None:  # unpaired: no interval
        days = Interval(float((after.p80 - before.p80).days), None, None)
    if len(a) == len(b):
        days = quantile_differences(a, b, (0.8,), seed)[0]
        if exact and days.estimate is not None:  # one outcome each: the difference is exact
            days = Interval(days.estimate, days.estimate, days.estimate)
        if go_live is not None:
            hits = in_time_ordinals(b, go_live).astype(float) - in_time_ordinals(a, go_live)
            chance = mean_difference(hits)
            if chance.low is not None and chance.high is not None:  # in [-1, 1]
                chance = Interval(chance.estimate, max(-1.0, chance.low), min(1.0, chance.high))
    return Slip(as_of, before, after, _whole(days), chance, go_live)


def _whole(interval: Interval) -> Interval:
    """Days to whole days (the dates are whole days)."""

    def day(value: float | None) -> float | None:
        return None if value is None or not math.isfinite(value) else float(round(value))

    return Interval(day(interval.estimate), day(interval.low), day(interval.high))


@dataclass(frozen=True)
class TrackFix:
    """``run``'s fix for the work left on the as-of date, stated in the scenario file's terms
    (rendered by ``render.headlines.advice_text``)."""

    as_of: date
    fix: Fix


def _scale(stated: Scenario, found: Scenario, link: str, attribute: str) -> float | None:
    """The file's value of the key over the remaining scenario's (1 where nothing was
    calibrated); None when either is missing."""
    mine, theirs = stated.links.get(link), found.links.get(link)
    if mine is None or theirs is None:
        return None
    rule = kinds.rule_of(attribute)
    if rule is None:
        return None
    a, b = mine.limit(rule), theirs.limit(rule)
    if a is None or b is None:
        return None
    ratio = float(likely_of(a)) / float(likely_of(b))
    return ratio if math.isfinite(ratio) and ratio > 0 else None


def restated_fix(fix: Fix, stated: Scenario, found: Scenario, as_of: date) -> TrackFix:
    """``fix`` (found on the remaining scenario ``found``) in the terms of the scenario file
    ``stated``: today's value is the file's, the value needed is the same factor times it
    (rounded up to 4 significant figures, so it still makes go-live)."""
    attribute = fix.key.rsplit(".", 1)[-1]
    scale = _scale(stated, found, fix.link, attribute)
    rule = kinds.rule_of(attribute)  # the unit advice.fix_for states the key in
    if scale is None or rule is None:
        return TrackFix(as_of, fix)
    unit, per_unit = rule.advice_unit, rule.per_advice_unit
    current = float(likely_of(stated.links[fix.link].limit(rule))) / per_unit
    needed, factor = fix.needed, fix.factor
    if fix.factor is not None and fix.needed is not None and not fix.already:
        value = rounded_setting(current * fix.factor, up=True)
        needed, factor = setting_text(value, unit), value / current
    elif fix.already:
        needed, factor = setting_text(current, unit), 1.0
    current_text = setting_text(current, unit)
    return TrackFix(as_of, replace(fix, current=current_text, needed=needed, factor=factor))


def restated_need(need: CapacityNeed, stated: Scenario, found: Scenario) -> CapacityNeed:
    """``need`` (found on the remaining scenario) in the terms of the scenario file: every
    value times the file's value over the remaining scenario's."""
    attribute = need.key.rsplit(".", 1)[-1]
    scale = _scale(stated, found, need.link, attribute)
    if scale is None:
        return need

    def times(value: float | None, up: bool = False, down: bool = False) -> float | None:
        if value is None:
            return None
        return rounded_setting(float(np.float64(value) * scale), up=up, down=down)

    targets = tuple(
        CapacityTarget(
            t.chance, times(t.needed, up=True), times(t.low, down=True), times(t.high, up=True)
        )
        for t in need.targets
    )
    return replace(need, current=need.current * scale,
                   searched_up_to=need.searched_up_to * scale, targets=targets)  # fmt: skip
