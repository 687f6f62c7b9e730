"""Compile a validated scenario into the core's plain records: ``build_model(scenario)``.

This is the one place that reads the pydantic :class:`~migrasim.scenario.types.Scenario` on
behalf of the engine: it builds the working calendar and each link's transfer windows, turns
names into indices and most likely values into floats, and keeps each input as given (a value
or an :class:`~migrasim.core.distributions.Estimate`) for sampling and sensitivity. The core
(:mod:`migrasim.core.model`) never imports the scenario package; this step sits above it.
"""

from __future__ import annotations

from datetime import date, timedelta

from migrasim.core import kinds
from migrasim.core.calendar import (
    WEEKDAYS,
    Clock,
    WindowSchedule,
    WorkingCalendar,
    build_calendar,
    window_schedule,
)
from migrasim.core.capacity import INF
from migrasim.core.model import (
    NO_REJECTION,
    FlowEstimates,
    FlowModel,
    LinkEstimates,
    LinkModel,
    Model,
    Rejection,
    ShipmentModel,
    Value,
    find_components,
)
from migrasim.core.solvers.weeks import week_patterns
from migrasim.scenario.types import FlowSpec, LinkSpec, Scenario, Uncertain, as_value, likely_of


def _optional(value: Uncertain | None) -> float:
    return INF if value is None else likely_of(value)


def _given(value: Uncertain | None) -> Value | None:
    return None if value is None else as_value(value)


def _inputs(given: dict[str, Uncertain]) -> tuple[tuple[str, Value | None], ...]:
    """The registered uncertain inputs a flow or link sets, by key, each as given (a value or
    an estimate): ``analysis.uncertain`` reads them by key (``given_input``)."""
    return tuple((key, as_value(value)) for key, value in given.items())


def _link_estimates(spec: LinkSpec) -> LinkEstimates:
    outages = spec.outages
    return LinkEstimates(
        **kinds.as_estimate_fields({r.key: _given(spec.limit(r)) for r in kinds.CAPACITY_RULES}),
        efficiency=as_value(spec.efficiency),
        lead_time=_given(spec.lead_time),
        mtbf=None if outages is None else _given(outages.mtbf),
        mttr=None if outages is None else _given(outages.mttr),
        turnaround=None if spec.shipment is None else as_value(spec.shipment.turnaround),
        inputs=_inputs(spec.inputs),
    )


def _shipment(spec: LinkSpec) -> ShipmentModel | None:
    shipment = spec.shipment
    if shipment is None:
        return None
    return ShipmentModel(
        capacity_bytes=shipment.capacity,
        turnaround_s=likely_of(shipment.turnaround),
        in_flight=shipment.in_flight,
    )


def _flow_estimates(flow: FlowSpec) -> FlowEstimates:
    rejection = flow.rejection
    return FlowEstimates(
        volume=as_value(flow.volume),
        growth=_given(flow.growth),
        rejection_fraction=None if rejection is None else as_value(rejection.fraction),
        rejection_delay=None if rejection is None else _given(rejection.delay),
        inputs=_inputs(flow.inputs),
    )


def build_model(scenario: Scenario) -> Model:
    """Compile ``scenario``: calendar, link windows, components and week patterns."""
    clock = Clock(scenario.start, scenario.tz)
    horizon = float(scenario.horizon)
    first = scenario.start.date() - timedelta(days=1)
    last = (clock.to_local(horizon) + timedelta(days=2)).date()
    spec = scenario.calendar
    calendar = build_calendar(
        (WEEKDAYS.index(d) for d in spec.working_days), spec.holidays, spec.closures, first, last,
        spec.weekend_holidays,
    )  # fmt: skip
    names = list(scenario.links)
    links = [
        _link_model(i, name, scenario.links[name], names, calendar, clock, (first, last))
        for i, name in enumerate(names)
    ]
    labels = scenario.flow_names()
    flows = [_flow_model(flow, names, labels, clock) for flow in scenario.flows]
    components, component_of = find_components(flows, links)
    weeks, week_sig, run_end = week_patterns(clock, last, links)
    return Model(
        name=scenario.name,
        go_live=scenario.go_live,
        correlation=dict(scenario.correlation),
        clock=clock,
        horizon=horizon,
        links=tuple(links),
        flows=tuple(flows),
        components=components,
        component_of=component_of,
        weeks=weeks,
        week_sig=week_sig,
        run_end=run_end,
    )


def _link_model(
    index: int,
    name: str,
    link: LinkSpec,
    names: list[str],
    calendar: WorkingCalendar,
    clock: Clock,
    days: tuple[date, date],
) -> LinkModel:
    """Link ``name`` (the ``index``-th of ``names``): its windows over ``days`` (first, last),
    its likely capacity and when it is available."""
    first, last = days
    schedule = window_schedule(link.window, calendar, clock, first, last)
    spans = tuple(c - o for o, c in zip(schedule.open_s, schedule.close_s, strict=True))
    likely = {r.key: _optional(link.limit(r)) for r in kinds.CAPACITY_RULES}
    for r in kinds.CAPACITY_RULES:
        if r.scaled_by_efficiency and likely[r.key] < INF:  # bandwidth x efficiency
            likely[r.key] *= likely_of(link.efficiency)
    values = [likely[r.key] for r in kinds.CAPACITY_RULES]
    available = -INF
    if link.available_from is not None:
        available = clock.to_sim(link.available_from)
    elif link.lead_time is not None:
        available = likely_of(link.lead_time)
    if link.not_before is not None:
        available = max(available, float(link.not_before))
    planned: tuple[tuple[float, float], ...] = ()
    if link.outages is not None:
        planned = tuple((clock.to_sim(a), clock.to_sim(b)) for a, b in link.outages.planned)
    return LinkModel(
        profiles=_profiles(link, likely, schedule, clock),
        name=name,
        index=index,
        per_flow=link.per_flow,
        schedule=schedule,
        spans=spans,
        **kinds.as_model_fields(likely),
        quota_limited=kinds.quota_limited(values),
        planned=planned,
        available=available,
        fallback=names.index(link.fallback) if link.fallback else -1,
        estimates=_link_estimates(link),
        shipment=_shipment(link),
        draws_as=link.draws_as,
        not_before=-INF if link.not_before is None else float(link.not_before),
    )


def _profiles(
    link: LinkSpec, likely: dict[str, float], schedule: WindowSchedule, clock: Clock
) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """Each rule given one size per weekday: its size in each window, that of the weekday the
    window opens on (a window belongs to the day it opens), at the rule's likely value (the
    largest day's, unless it was scaled: then every day in proportion)."""
    out = []
    for key, days in link.profiles.items():
        if likely[key] < INF:
            ratio = likely[key] / max(days)  # 1 as written
            weekdays = [clock.to_local(t).weekday() for t in schedule.open_s]
            out.append((key, tuple(days[d] * ratio for d in weekdays)))
    return tuple(out)


def _flow_model(flow: FlowSpec, names: list[str], labels: list[str], clock: Clock) -> FlowModel:
    """A flow: its likely volume, growth and rejection, its links (by index into ``names``)
    and the flows it waits for (by index into ``labels``)."""
    earliest = 0.0 if flow.start is None else max(0.0, clock.to_sim(flow.start))
    rejection = NO_REJECTION
    if flow.rejection is not None:
        delay = 0.0 if flow.rejection.delay is None else likely_of(flow.rejection.delay)
        rejection = Rejection(likely_of(flow.rejection.fraction), delay)
    return FlowModel(
        name=flow.label,
        source=flow.source,
        target=flow.target,
        volume_bytes=likely_of(flow.volume),
        links=tuple(names.index(n) for n in flow.links),
        after=tuple(labels.index(n) for n in flow.after),
        earliest=earliest,
        growth_bytes_per_s=0.0 if flow.growth is None else likely_of(flow.growth),
        records=flow.records,
        rejection=rejection,
        estimates=_flow_estimates(flow),
    )
