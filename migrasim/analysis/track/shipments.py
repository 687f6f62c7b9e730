"""Shipped media in the remaining scenario: devices in transit on the as-of date, flows past
their first pass (only the rework left), and turnaround calibrated from logged arrivals."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np

from migrasim.analysis.track import tracked
from migrasim.analysis.track.estimates import GivenEstimate, Rework, _owed, _shifted
from migrasim.analysis.track.evidence import working_calendar
from migrasim.analysis.track.links import _copy_name
from migrasim.core.calendar import DAY
from migrasim.scenario.actuals import ActualsLog, FlowActuals
from migrasim.scenario.types import EstimateSpec, LinkSpec, RejectionSpec, Scenario, likely_of


def _next_departure(scenario: Scenario, link: LinkSpec, moment: datetime) -> datetime:
    """The first moment from ``moment`` on that a device may leave: within a working day's
    window (00:00-24:00 without one)."""
    cal = working_calendar(scenario, moment.date() + timedelta(days=400))
    day = moment.date()
    for _ in range(400):
        if cal.is_working(day):
            if link.window is None:
                return max(moment, datetime.combine(day, time()))
            opens, closes = link.window
            begin = datetime.combine(day, time()) + timedelta(seconds=opens)
            end = begin + timedelta(seconds=(closes - opens) % DAY or DAY)
            if moment < end:
                return max(moment, begin)
        day += timedelta(days=1)
    return moment


def _first_departure(scenario: Scenario, link: LinkSpec, as_of: date) -> float:
    """Seconds from 00:00 on ``as_of`` to the first moment a device may leave."""
    start = datetime.combine(as_of, time())
    return (_next_departure(scenario, link, start) - start).total_seconds()


TURNAROUND_LOG_SD = float(DAY)
"""Sd of one logged arrival's delay against the plan: the log has days, not hours."""


def turnaround_shifts(
    scenario: Scenario, log: ActualsLog, plan: Mapping[str, Mapping[date, float]]
) -> dict[str, float]:
    """Per shipment link, how much later than the plan its devices arrive, in seconds, from
    the logged first arrivals (assuming each device left when the plan has it leave): each
    flow's delay is the day its first arrival is logged less the day the plan has it; their
    mean is shrunk towards 0 (the plan) with a normal prior of the turnaround's sd ((high -
    low) / 6) and TURNAROUND_LOG_SD per arrival (conjugate normal). 0 where none is logged."""
    delays: dict[str, list[float]] = {}
    for flow in scenario.flows:
        name = flow.links[0]
        if len(flow.links) != 1 or scenario.links[name].shipment is None:
            continue
        arrived = [d.day for d in log.flows[flow.label].days if d.bytes_moved > 0]
        planned = [d for d, v in plan.get(flow.label, {}).items() if v > 0]
        if arrived and planned:
            delays.setdefault(name, []).append((min(arrived) - min(planned)).days * float(DAY))
    shifts = {}
    for name, found in delays.items():
        shipment = scenario.links[name].shipment
        assert shipment is not None
        spread = shipment.turnaround
        sd0 = (spread.high - spread.low) / 6 if isinstance(spread, EstimateSpec) else 0.0
        sd0 = max(sd0, 0.5 * float(DAY))
        weight = len(found) * sd0**2 / (len(found) * sd0**2 + TURNAROUND_LOG_SD**2)
        shifts[name] = weight * float(np.mean(found))
    return shifts


def _shipped_passes(
    remaining: Scenario,
    original: Scenario,
    log: ActualsLog,
    transit: Mapping[str, float],
    completed: dict[str, date],
    as_of: date,
    shifts: Mapping[str, float],
) -> tuple[Scenario, dict[str, str]]:
    """``remaining`` with each shipped flow whose device has delivered it all (one device
    holds its high volume, an arrival is logged and none is in transit) past its first pass:
    what is left is the rework the plan re-sends, the rejected bytes the log records or else
    the rejection fraction's share of what arrived, on a copy of its link that the device may
    leave once the rejection delay has run from the end of the day of the last arrival (as the
    plan re-sends it); a flow without rejections is complete on that day."""
    links = dict(remaining.links)
    names: dict[str, str] = {}
    flows = []
    start = datetime.combine(as_of, time())
    for flow in remaining.flows:
        actual = log.flows[flow.label]
        name = flow.links[0] if len(flow.links) == 1 else None
        link = None if name is None else original.links.get(name)
        source = next(f for f in original.flows if f.label == flow.label)
        volume = source.volume
        high = volume.high if isinstance(volume, EstimateSpec) else float(volume)
        arrived = [d.day for d in actual.days if d.bytes_moved > 0]
        if name is None or link is None or link.shipment is None or not link.per_flow:
            flows.append(flow)
            continue
        rejection = source.rejection
        if flow.label not in completed and arrived and link.shipment.capacity >= high and (
            rejection is None or len(arrived) > 1  # its only pass, or the re-send, arrived
        ):  # fmt: skip
            completed[flow.label] = max(arrived)
        if flow.label in completed:  # done: no device to send (it finishes at once)
            copy = _copy_name(name, flow.label, links)
            shipment = link.shipment.model_copy(update={"turnaround": 0.0})
            links[copy] = remaining.links[name].model_copy(update={
                "shipment": shipment, "lead_time": None, "available_from": None,
            })  # fmt: skip
            names[copy] = name
            flows.append(flow.model_copy(update={"links": (copy,), **tracked.done_fields(flow)}))
            continue
        if not arrived or link.shipment.capacity < high:
            flows.append(flow)
            continue
        last = max(arrived)
        assert rejection is not None
        owed = _rework_owed(rejection, actual)
        ends = datetime.combine(last + timedelta(days=1), time())
        delay = 0.0 if rejection.delay is None else rejection.delay
        copy = _copy_name(name, flow.label, links)
        if flow.label in transit:  # the re-sent device is on its way: it arrives as planned
            update = _arriving(original, link, transit[flow.label], as_of)
        else:
            shipment = link.shipment.model_copy(update={"turnaround": _shifted(
                link.shipment.turnaround, shifts.get(name, 0.0))})  # fmt: skip
            update = {
                "shipment": shipment,
                "lead_time": _shifted(delay, (ends - start).total_seconds()),
            }
        links[copy] = remaining.links[name].model_copy(update={**update, "available_from": None})
        names[copy] = name
        flows.append(flow.model_copy(
            update={"links": (copy,), **tracked.done_fields(flow), tracked.backlog(): owed}
        ))  # fmt: skip
    if not names:
        return remaining, {}
    return remaining.model_copy(update={"links": links, "flows": tuple(flows)}), names


def _rework_owed(rejection: RejectionSpec, actual: FlowActuals) -> Any:
    """The rework a shipped flow's pass owes: the rejected bytes the log records, or else the
    rejection fraction's share of what arrived."""
    if actual.rejected_bytes > 0:
        owed: Any = actual.rejected_bytes
    elif isinstance(rejection.fraction, EstimateSpec):
        owed = GivenEstimate.wrap(Rework.of(rejection.fraction.to_estimate(),
                                            actual.delivered_bytes))  # fmt: skip
    else:
        owed = float(_owed(float(rejection.fraction), actual.delivered_bytes))
    return owed


def _arriving(original: Scenario, link: LinkSpec, left: float, as_of: date) -> dict[str, Any]:
    """The update of a shipment link's copy whose device is on its way on the as-of date and
    delivers ``left`` seconds after 00:00 then: its turnaround shortened by what the trip had
    done."""
    assert link.shipment is not None
    done = likely_of(link.shipment.turnaround) - (left - _first_departure(original, link, as_of))
    shipment = link.shipment.model_copy(
        update={"turnaround": _shifted(link.shipment.turnaround, -done)}
    )
    return {"shipment": shipment, "lead_time": None}


def _in_transit(
    remaining: Scenario,
    original: Scenario,
    transit: Mapping[str, float],
    completed: Mapping[str, date],
    as_of: date,
) -> Scenario:
    """``remaining`` with each device the plan had in transit on the as-of date delivering
    when the plan delivers it: the flow's shipment link (per_flow) is copied for it, its
    turnaround shortened by what the trip had done by the as-of date (the device leaves at the
    first moment it may, and arrives at the plan's time plus the turnaround's own spread), and
    its rejection delay lengthened by the same amount, so a re-sent device still arrives one
    whole turnaround after it leaves."""
    links = dict(remaining.links)
    flows = []
    changed = False
    for flow in remaining.flows:
        left = transit.get(flow.label)
        name = flow.links[0] if len(flow.links) == 1 else None
        link = None if name is None else original.links.get(name)
        if (
            left is None or name is None or link is None or flow.label in completed
            or link.shipment is None or not link.per_flow
        ):  # fmt: skip
            flows.append(flow)
            continue
        turnaround = likely_of(link.shipment.turnaround)
        done = turnaround - (left - _first_departure(original, link, as_of))
        copy = _copy_name(name, flow.label, links)
        shipment = link.shipment.model_copy(
            update={"turnaround": _shifted(link.shipment.turnaround, -done)}
        )
        links[copy] = remaining.links[name].model_copy(
            update={"shipment": shipment, "lead_time": None, "available_from": None}
        )
        update: dict[str, Any] = {"links": (copy,)}
        if flow.rejection is not None:
            # The plan re-sends the rejected part when the device is next free to leave after
            # the delay; the copy's shorter trip is made up by leaving that much later.
            delay = 0.0 if flow.rejection.delay is None else flow.rejection.delay
            arrives = datetime.combine(as_of, time()) + timedelta(seconds=left)
            ready = arrives + timedelta(seconds=float(likely_of(delay)))
            waits = (_next_departure(original, link, ready) - ready).total_seconds()
            update["rejection"] = flow.rejection.model_copy(
                update={"delay": _shifted(delay, waits + done)}
            )
        flows.append(flow.model_copy(update=update))
        changed = True
    if not changed:
        return remaining
    return remaining.model_copy(update={"links": links, "flows": tuple(flows)})
