"""The plan's own timeline (``pooling="partial"``): what the baseline would have delivered
on each day before the as-of date, and which shipped devices it has in transit then."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np

from migrasim.analysis import uncertain
from migrasim.analysis.track import tracked
from migrasim.core.calendar import DAY
from migrasim.core.engine import simulate
from migrasim.scenario.types import EstimateSpec, FlowSpec, Scenario, likely_of

PROBE_VOLUME = 1e21
"""Bytes given to every network flow when asking what the plan's links would let it move on a
day it had data to move (more than any link moves before an as-of date)."""


def _shipped(scenario: Scenario, flow: FlowSpec) -> bool:
    return any(scenario.links[name].shipment is not None for name in flow.links)


def _daily_bytes(curve: Any, bounds: np.ndarray) -> np.ndarray:
    """Bytes a cumulative curve (breakpoints, linear in between, steps as repeated times)
    delivers between consecutive ``bounds``; a delivery at 00:00 counts for the day before
    (the end-of-day rule)."""
    ts = np.asarray(curve[0], dtype=float)
    cs = np.asarray(curve[1], dtype=float)
    if ts.size == 0:
        return np.zeros(bounds.size - 1)
    right = np.searchsorted(ts, bounds, side="right")
    at = np.empty(bounds.size)
    for k, (t, i) in enumerate(zip(bounds.tolist(), right.tolist(), strict=True)):
        if i == 0:
            at[k] = 0.0
        elif i >= ts.size:
            at[k] = cs[-1]
        else:
            t0, t1, c0, c1 = ts[i - 1], ts[i], cs[i - 1], cs[i]
            at[k] = c0 + (c1 - c0) * (t - t0) / (t1 - t0)
    return np.maximum(np.diff(at), 0.0)


@dataclass(frozen=True)
class PlanTimeline:
    """What the plan itself would have done up to an as-of date (:func:`plan_timeline`)."""

    days: dict[str, dict[date, float]]  # flow -> local day -> bytes the plan delivers
    in_transit: dict[str, float]  # shipped flow -> when the plan's device in transit on the


def plan_days(scenario: Scenario, as_of: date) -> dict[str, dict[date, float]]:
    """Per flow, the bytes the plan itself would have delivered on each day before ``as_of``
    (:func:`plan_timeline`)."""
    return plan_timeline(scenario, as_of).days


def plan_timeline(scenario: Scenario, as_of: date) -> PlanTimeline:
    """Per flow, the bytes the plan itself would have delivered on each local day before
    ``as_of``: the baseline engine run at the most likely inputs (windows across midnight,
    non-working days, planned outages, shipments, quotas and shared links included; each
    registered kind that combines onto a field combined in, ``uncertain.baseline``, as the
    run's baseline has it).

    A network flow on a day the plan had it waiting (for a flow ``after``) or already finished
    is given what its links would have let it move that day had it data to move: the same
    baseline with every network flow's volume unbounded and no dependencies."""
    from migrasim.scenario.compile import build_model

    labels = [f.label for f in scenario.flows]
    start = datetime.combine(as_of, time())
    elapsed = (start - scenario.start).total_seconds()
    first = scenario.start.date()
    days = [first + timedelta(days=k) for k in range((as_of - first).days)]
    if elapsed <= 0 or not days:
        return PlanTimeline({label: {} for label in labels}, {})
    trips = [
        float(spec.shipment.turnaround if not isinstance(spec.shipment.turnaround, EstimateSpec)
              else spec.shipment.turnaround.high)
        for spec in scenario.links.values() if spec.shipment is not None
    ]  # fmt: skip
    horizon = min(scenario.horizon, elapsed + DAY + max(trips, default=0.0))
    plan = scenario.model_copy(update={"horizon": horizon})
    model = build_model(plan)
    bounds = np.array([model.clock.to_sim(datetime.combine(d, time())) for d in [*days, as_of]])
    result = simulate(model, uncertain.baseline(model), record=True)
    assert result.curves is not None
    probe_flows = []
    for flow in scenario.flows:
        if _shipped(scenario, flow):
            continue
        backlog = tracked.backlog()
        scale = PROBE_VOLUME / max(likely_of(getattr(flow, backlog)), 1.0)
        records = None if flow.records is None else flow.records * scale
        probe_flows.append(flow.model_copy(update={
            **tracked.done_fields(flow), backlog: PROBE_VOLUME, "after": (), "records": records,
        }))  # fmt: skip
    probe: dict[str, np.ndarray] = {}
    if probe_flows:
        probe_model = build_model(plan.model_copy(update={"flows": tuple(probe_flows)}))
        probed = simulate(probe_model, uncertain.baseline(probe_model), record=True)
        assert probed.curves is not None
        for flow, curve in zip(probe_flows, probed.curves, strict=True):
            probe[flow.label] = _daily_bytes(curve, bounds)
    out: dict[str, dict[date, float]] = {}
    transit: dict[str, float] = {}
    for f, (flow, res, curve) in enumerate(
        zip(scenario.flows, result.flows, result.curves, strict=True)
    ):
        daily = _daily_bytes(curve, bounds)
        if _shipped(scenario, flow):
            link = model.links[model.flows[f].links[0]]
            assert link.shipment is not None
            turnaround = link.shipment.turnaround_s
            ts, cs = np.asarray(curve[0]), np.asarray(curve[1])
            steps = ts[1:][np.diff(cs) > 0]
            # a delivery at 00:00 on the as-of date counts for the day before (logged)
            due = [t for t in steps.tolist() if t > elapsed + 1.0 and t - turnaround < elapsed]
            if due:
                transit[flow.label] = min(due) - elapsed
        capacity = probe.get(flow.label)
        if capacity is not None:
            # the plan's own bytes on the days it had the flow moving all day (none when it
            # never starts: started_s is NEVER)
            active = (bounds[:-1] >= res.started_s) & (bounds[1:] <= res.finished_s)
            daily = np.where(active, daily, capacity)
        out[flow.label] = {d: float(v) for d, v in zip(days, daily.tolist(), strict=True) if v > 0}
    return PlanTimeline(out, transit)
