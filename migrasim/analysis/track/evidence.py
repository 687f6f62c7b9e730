"""What the log says about each flow's throughput: its working days, what crossed on them
and what the plan (its nominal daily capacity, or its own timeline) would have moved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from migrasim.analysis.track import tracked
from migrasim.core import kinds
from migrasim.core.calendar import DAY, WEEKDAYS, WorkingCalendar, build_calendar
from migrasim.core.capacity import INF
from migrasim.scenario.actuals import FlowActuals
from migrasim.scenario.types import FlowSpec, LinkSpec, Scenario, likely_of


@dataclass(frozen=True)
class FlowEvidence:
    """What the log says about one flow's throughput."""

    name: str
    link: str | None  # the link that sets its nominal rate (None: no byte limit known)
    working_days: int  # working days it could have moved data, up to the as-of date
    zero_days: int  # of which nothing crossed (a day without a row counts as nothing)
    moved_bytes: float  # everything that crossed (rejected bytes included)
    nominal_bytes: float  # what the plan's capacity would have moved on those days
    ratios: tuple[float, ...]  # delivered / nominal on each day something crossed
    # Measured against the plan's own timeline (``pooling="partial"``; see plan_evidence):
    up_nominal: float = 0.0  # what the plan would have moved on the days something crossed
    up_moved: float = 0.0  # what crossed on them, plus what crossed on days the plan had none
    day_weight: float = 0.0  # working days weighted by the plan's share of a full day
    zero_weight: float = 0.0  # of which nothing crossed, weighted alike

    @property
    def moved_share(self) -> float | None:
        return None if self.nominal_bytes <= 0 else self.moved_bytes / self.nominal_bytes

    @property
    def efficiency(self) -> float | None:
        """Bytes moved per byte the plan would have moved, on the days something crossed."""
        return None if self.up_nominal <= 0 else self.up_moved / self.up_nominal


def working_calendar(scenario: Scenario, last: date) -> WorkingCalendar:
    spec = scenario.calendar
    first = scenario.start.date() - timedelta(days=1)
    weekdays = (WEEKDAYS.index(d) for d in spec.working_days)
    return build_calendar(
        weekdays, spec.holidays, spec.closures, first, last, spec.weekend_holidays
    )


def _waits(link: LinkSpec) -> bool:
    """The link is not usable from the start: a wait from the start is set (a lead time)."""
    waits = tracked.calibrated("link", "elapsed")
    return any(tracked.value(link, kind) is not None for kind in waits)


def _open_seconds(link: LinkSpec) -> float:
    if link.window is None:
        return float(DAY)
    open_s, close_s = link.window
    return float((close_s - open_s) % DAY or DAY)


def nominal_daily(scenario: Scenario, flow: FlowSpec) -> tuple[str | None, float]:
    """The link that limits ``flow`` most and the bytes it would let the flow move in one
    working day, at the plan's most likely values (a shared link's capacity split evenly
    between the flows that use it)."""
    users: dict[str, int] = {}
    for other in scenario.flows:
        for name in other.links:
            users[name] = users.get(name, 0) + 1
    volume = getattr(flow, tracked.backlog())
    per_record = likely_of(volume) / flow.records if flow.records else None
    best: tuple[str | None, float] = (None, INF)
    for name in flow.links:
        link = scenario.links[name]
        seconds = _open_seconds(link)
        limits = []
        for rule in kinds.CAPACITY_RULES:  # each rule's amount in a working day
            given = link.limit(rule)
            if given is None or (rule.measure == "records" and per_record is None):
                continue
            amount = likely_of(given)
            days = link.profiles.get(rule.key)  # one size per weekday: the working days' mean
            if days:
                worked = [days[WEEKDAYS.index(d)] for d in scenario.calendar.working_days]
                amount *= sum(worked) / len(worked) / max(days)
            if rule.scaled_by_efficiency:  # bandwidth x efficiency
                amount *= likely_of(link.efficiency)
            if rule.per == "second":
                amount *= seconds
            limits.append(amount if per_record is None or rule.measure == "bytes"
                          else amount * per_record)  # fmt: skip
        if not limits:
            continue
        daily = min(limits) / (1 if link.per_flow else users[name])
        if daily < best[1]:
            best = (name, daily)
    return best


def flow_evidence(
    scenario: Scenario, flow: FlowSpec, actuals: FlowActuals, as_of: date, cal: WorkingCalendar
) -> FlowEvidence:
    """The flow's working days from when it could start (its ``start``, or its first logged
    transfer if it waits for other flows or a link) to the day before ``as_of`` (or the day it
    was marked complete), and what crossed on them."""
    link, nominal = nominal_daily(scenario, flow)
    first, last = _window(scenario, flow, actuals, as_of)
    moved = actuals.by_day()
    days = zero = 0
    total = 0.0
    ratios: list[float] = []
    day = first
    while day <= last:
        if cal.is_working(day) or moved.get(day, 0.0) > 0:
            got = moved.get(day, 0.0)
            days += 1
            total += got
            if got <= 0:
                zero += 1
            elif nominal < INF and day != actuals.completed_on:
                ratios.append(got / nominal)  # the completion day moves only what was left
        day += timedelta(days=1)
    nominal_total = nominal * days if nominal < INF else 0.0
    return FlowEvidence(flow.label, link, days, zero, total, nominal_total, tuple(ratios))


def _window(
    scenario: Scenario, flow: FlowSpec, actuals: FlowActuals, as_of: date
) -> tuple[date, date]:
    """The first and last day the log can judge a flow on: from when it could start (its
    ``start``, or its first logged transfer if it waits for other flows or a link) to the day
    before ``as_of`` (or the day it was marked complete)."""
    first = scenario.start.date()
    if flow.start is not None:
        first = max(first, flow.start.date())
    waits = bool(flow.after) or any(
        _waits(scenario.links[n]) or scenario.links[n].available_from is not None
        for n in flow.links
    )
    if waits:
        first_moved = actuals.first_day
        first = as_of if first_moved is None else max(first, first_moved)
    last = as_of - timedelta(days=1)
    if actuals.completed_on is not None:
        last = min(last, actuals.completed_on)
    return first, last


def plan_evidence(
    scenario: Scenario,
    flow: FlowSpec,
    actuals: FlowActuals,
    as_of: date,
    plan: Mapping[date, float],
) -> FlowEvidence:
    """What the log says about a flow, measured against what the plan itself would have
    delivered on each day (:func:`plan_days`).

    A *working day* is a day the plan moves something for the flow; a day with no row (or 0
    bytes) among them counts as a day with nothing delivered, weighted by the plan's share of a
    full day (a window's first two hours before midnight count for a quarter of an 8-hour
    night). Bytes logged on a day the plan moves nothing (a Saturday on a Mon-Fri link) count
    as moved, but add no working day. A flow with no rows at all is no evidence."""
    link, _ = nominal_daily(scenario, flow)
    if not actuals.days:
        return FlowEvidence(flow.label, link, 0, 0, 0.0, 0.0, ())
    first, last = _window(scenario, flow, actuals, as_of)
    moved = actuals.by_day()
    planned = sorted(v for d, v in plan.items() if first <= d <= last and v > 0)
    full = planned[len(planned) // 2] if planned else 0.0
    days = zero = 0
    total = nominal = up_nominal = up_moved = weight = zero_weight = 0.0
    ratios: list[float] = []
    day = first
    while day <= last:
        got = moved.get(day, 0.0)
        want = plan.get(day, 0.0)
        total += got
        if want > 0:
            w = min(want / full, 1.0)
            days += 1
            nominal += want
            weight += w
            if got <= 0:
                zero += 1
                zero_weight += w
            elif day != actuals.completed_on:  # the completion day moves only what was left
                up_nominal += want
                up_moved += got
                ratios.append(got / want)
        elif got > 0 and day != actuals.completed_on:
            up_moved += got
        day += timedelta(days=1)
    return FlowEvidence(
        flow.label, link, days, zero, total, nominal, tuple(ratios), up_nominal, up_moved,
        weight, zero_weight,
    )  # fmt: skip
