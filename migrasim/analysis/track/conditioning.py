"""The remaining scenario from the as-of date: the scenario conditioned on the log
(:func:`condition`; see the package docstring)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from migrasim.analysis.track import tracked
from migrasim.analysis.track.calibration import (
    POOLING,
    Hierarchy,
    LinkPosterior,
    _hierarchies,
    link_posterior,
)
from migrasim.analysis.track.evidence import (
    FlowEvidence,
    flow_evidence,
    nominal_daily,
    plan_evidence,
    working_calendar,
)
from migrasim.analysis.track.links import _remaining_link, _simulated
from migrasim.analysis.track.shipments import _in_transit, _shipped_passes, turnaround_shifts
from migrasim.analysis.track.timeline import PlanTimeline, plan_timeline
from migrasim.analysis.track.volumes import (
    GroupFactor,
    _complete_outside_range,
    _pending_rework,
    _remaining_volume,
    _why_more,
    group_factors,
)
from migrasim.core.calendar import DAY
from migrasim.errors import N_
from migrasim.scenario.actuals import ActualsLog
from migrasim.scenario.types import FlowSpec, Scenario


@dataclass(frozen=True)
class Conditioned:
    """The remaining scenario and what conditioning found."""

    scenario: Scenario  # starts at the as-of date; simulate this for the re-forecast
    as_of: date
    evidence: dict[str, FlowEvidence]
    posteriors: dict[str, LinkPosterior]
    completed_on: dict[str, date]  # flows marked complete -> their last logged day
    delivered: dict[str, float]  # accepted bytes so far, per flow
    unreported: tuple[str, ...] = ()  # flows with no row in the log ("no report")
    warnings: tuple[str, ...] = ()  # errors.N_ messages for the user (translated at the edge)
    why: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per flow: why its
    # remaining volume changed (errors.N_ messages), e.g. still moving after its likely volume
    flow_posteriors: dict[str, LinkPosterior] = field(default_factory=dict)  # partial pooling:
    # each flow's own throughput on a per_flow link (the link's on a shared one)
    simulated: Scenario | None = None  # what is simulated, if not ``scenario``: each flow on a
    # per_flow link its own calibrated copy of the link (see :func:`forecast_run`)
    link_names: dict[str, str] = field(default_factory=dict)  # copy -> the scenario's link
    rate_factors: dict[str, float] = field(default_factory=dict)  # flow -> its rate against
    # its link's in ``simulated`` (volume, growth and records divided by it there)

    @property
    def to_simulate(self) -> Scenario:
        return self.scenario if self.simulated is None else self.simulated


@dataclass(frozen=True)
class _Calibration:
    """What the log says about throughput, and what it is calibrated to."""

    evidence: dict[str, FlowEvidence]
    posteriors: dict[str, LinkPosterior]  # per link
    flow_posteriors: dict[str, LinkPosterior] = field(default_factory=dict)  # partial pooling
    hierarchies: dict[str, Hierarchy] = field(default_factory=dict)  # partial pooling
    timeline: PlanTimeline | None = None  # partial pooling: the plan's own timeline


def _pooled(scenario: Scenario, log: ActualsLog, as_of: date, reported: set[str]) -> _Calibration:
    """The first model: one estimate per link against its nominal daily capacity."""
    cal = working_calendar(scenario, as_of)
    evidence = {
        f.label: flow_evidence(scenario, f, log.flows[f.label], as_of, cal)
        if f.label in reported
        else FlowEvidence(f.label, nominal_daily(scenario, f)[0], 0, 0, 0.0, 0.0, ())
        for f in scenario.flows
    }
    by_link: dict[str, list[FlowEvidence]] = {}
    for e in evidence.values():
        if e.link is not None and e.working_days > 0:
            by_link.setdefault(e.link, []).append(e)
    posteriors = {
        name: link_posterior(name, scenario.links[name], found) for name, found in by_link.items()
    }
    return _Calibration(evidence, posteriors)


def _partial(scenario: Scenario, log: ActualsLog, as_of: date, reported: set[str]) -> _Calibration:
    """Each flow measured against the plan's own timeline and partially pooled."""
    flow_posteriors: dict[str, LinkPosterior] = {}
    timeline = plan_timeline(scenario, as_of)
    evidence = {
        f.label: plan_evidence(scenario, f, log.flows[f.label], as_of, timeline.days[f.label])
        for f in scenario.flows
    }
    hierarchies = _hierarchies(scenario, evidence, reported)
    posteriors = {name: h.link for name, h in hierarchies.items()}
    for name, e in evidence.items():
        if e.link in hierarchies:
            units = hierarchies[e.link].units
            unit = name if scenario.links[e.link].per_flow else ""
            if unit in units:
                flow_posteriors[name] = units[unit]
    for name, h in hierarchies.items():
        if not scenario.links[name].per_flow and "" in h.units:
            posteriors[name] = h.units[""]
    return _Calibration(evidence, posteriors, flow_posteriors, hierarchies, timeline)


def _correlation(
    scenario: Scenario, factors: Mapping[str, GroupFactor], posteriors: Mapping[str, Any]
) -> dict[str, float]:
    """The scenario's correlation groups with the log's: each updated volume group, and each
    calibrated link's efficiency and down days (one draw per link)."""
    correlation = dict(scenario.correlation)
    for group, factor in factors.items():
        correlation[f"track:{group}"] = factor.rho_after
    for name in posteriors:
        correlation[f"track:{name}"] = 1.0
        correlation[f"track:{name}:down"] = 1.0
    return correlation


@dataclass(frozen=True)
class _Flows:
    """The remaining scenario's flows and what conditioning them found."""

    flows: tuple[FlowSpec, ...]
    completed: dict[str, date]
    warnings: list[str]
    why: dict[str, tuple[str, ...]]


def _remaining_flows(
    scenario: Scenario,
    log: ActualsLog,
    start: datetime,
    elapsed_s: float,
    factors: Mapping[str, GroupFactor],
    delivered: Mapping[str, float],
) -> _Flows:
    """Each flow from the as-of date: what is left of its volume, or nothing once complete."""
    flows = []
    completed: dict[str, date] = {}
    warnings: list[str] = []
    why: dict[str, tuple[str, ...]] = {}
    for flow in scenario.flows:
        actual = log.flows[flow.label]
        update: dict[str, Any] = {}
        # Starts in the past are dropped: every flow (one without a report too) starts no
        # earlier than the as-of date.
        if flow.start is not None and flow.start <= start:
            update["start"] = None
        if actual.completed_on is not None:
            completed[flow.label] = actual.completed_on
            update.update(tracked.done_fields(flow))  # nothing left
            warnings += _complete_outside_range(flow, delivered[flow.label], elapsed_s)
        else:
            left = _remaining_volume(flow, delivered[flow.label], elapsed_s, factors)
            update[tracked.backlog()] = left
            reasons = _why_more(flow, delivered[flow.label], elapsed_s, left)
            if reasons:
                why[flow.label] = reasons
        flows.append(flow.model_copy(update=update))
    return _Flows(tuple(flows), completed, warnings, why)


def _unreported_warning(scenario: Scenario, unreported: tuple[str, ...], as_of: date) -> str:
    return N_("%(count)s of %(total)s flows have no row in the log (%(flows)s): each is "
              "forecast from the plan from %(as_of)s, as if it starts then; add their rows "
              "(0 bytes for a day with nothing moved) to use their progress",
              count=len(unreported), total=len(scenario.flows),
              flows=", ".join(unreported), as_of=as_of.isoformat())  # fmt: skip


def _to_simulate(
    remaining: Scenario,
    scenario: Scenario,
    log: ActualsLog,
    calibration: _Calibration,
    completed: dict[str, date],
    start: datetime,
    elapsed_s: float,
) -> tuple[Scenario | None, dict[str, str], dict[str, float]]:
    """What is simulated for ``remaining`` (None: ``remaining`` itself), copy link -> the
    scenario's link, flow -> rate factor: per-flow throughput (partial pooling), shipped flows
    past their first pass and devices in transit on the as-of date."""
    as_of = start.date()
    timeline = calibration.timeline
    transit = {} if timeline is None else timeline.in_transit
    simulated: Scenario | None = None
    names: dict[str, str] = {}
    rates: dict[str, float] = {}
    if timeline is not None:
        simulated, names, rates = _simulated(
            remaining, scenario, calibration.hierarchies, calibration.flow_posteriors,
            calibration.evidence, start, elapsed_s,
        )  # fmt: skip
        shifts = turnaround_shifts(scenario, log, timeline.days)
        passed, more = _shipped_passes(
            simulated or remaining, scenario, log, transit, completed, as_of, shifts
        )
        if more:
            names.update(more)
            simulated = passed
    # a device in transit for a flow already past its first pass is its re-send (done above)
    moved = {f.label for f in (simulated or remaining).flows if f.links[0] in names}
    transit = {k: v for k, v in transit.items() if k not in moved}
    if transit:
        shipped = _in_transit(simulated or remaining, scenario, transit, completed, as_of)
        if shipped is not (simulated or remaining):
            for flow, before in zip(shipped.flows, scenario.flows, strict=True):
                if flow.links != before.links and flow.links[0] not in scenario.links:
                    names[flow.links[0]] = before.links[0]
            simulated = shipped
    return simulated, names, rates


def condition(scenario: Scenario, log: ActualsLog, pooling: str = "partial") -> Conditioned:
    """The remaining scenario from ``log.as_of`` (see the module docstring).

    ``pooling="partial"``: each flow's throughput is measured against the plan's own timeline
    (:func:`plan_evidence`) and partially pooled (:func:`partial_posteriors`); ``"pooled"``: the
    first model, one estimate per link against its nominal daily capacity
    (:func:`flow_evidence`, :func:`link_posterior`). Flows with no row in the log are no
    evidence either way."""
    if pooling not in POOLING:
        raise ValueError(f"pooling must be one of {POOLING}, got {pooling!r}")
    as_of = log.as_of
    start = datetime.combine(as_of, time())
    elapsed_s = max((start - scenario.start).total_seconds(), 0.0)
    reported = {f.label for f in scenario.flows if log.flows[f.label].days}
    # A flow with no row in the log is "no report", not "nothing moved": no evidence.
    unreported = tuple(f.label for f in scenario.flows if f.label not in reported)
    calibrate = _pooled if pooling == "pooled" else _partial
    calibration = calibrate(scenario, log, as_of, reported)
    posteriors = calibration.posteriors
    factors = group_factors(scenario, log, elapsed_s)
    links = {
        name: _remaining_link(name, link, posteriors.get(name), start, elapsed_s)
        for name, link in scenario.links.items()
    }
    delivered = {name: a.delivered_bytes for name, a in log.flows.items()}
    flows = _remaining_flows(scenario, log, start, elapsed_s, factors, delivered)
    warnings = list(flows.warnings)
    if unreported:
        warnings.append(_unreported_warning(scenario, unreported, as_of))
    remaining = scenario.model_copy(
        update={
            "start": start,
            "links": links,
            "flows": flows.flows,
            "correlation": _correlation(scenario, factors, posteriors),
            "horizon": max(scenario.horizon - elapsed_s, DAY),
        }
    )
    if pooling == "partial":
        remaining = _pending_rework(remaining, log, delivered)
    completed = flows.completed
    simulated, names, rates = _to_simulate(
        remaining, scenario, log, calibration, completed, start, elapsed_s
    )
    return Conditioned(
        remaining, as_of, calibration.evidence, posteriors, completed, delivered, unreported,
        tuple(warnings), flows.why, flow_posteriors=calibration.flow_posteriors,
        simulated=simulated, link_names=names, rate_factors=rates,
    )  # fmt: skip
