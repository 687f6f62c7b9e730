"""What moved the date: the change in the programme P80 since the previous forecast, in parts.

``track --history`` keeps one record per re-forecast (``scenario/history_file.py``). For a new
forecast it recomputes the previous one and splits the change of the programme's P80 into four
parts by changing one thing at a time, in this fixed order (:data:`PARTS`), each step on
common random numbers (the same seed and replications, the same input streams):

0. the previous forecast, recomputed: ``condition(S_prev, log_prev)``, where ``S_prev`` is the
   scenario stored for it and ``log_prev`` the current log's rows dated before its as-of date;
1. **progress against plan**: the as-of date, what has been delivered (each flow's remaining
   volume shifted by what crossed meanwhile), flows marked complete, flow starts and link lead
   times that have passed, from the current log;
2. **volume re-estimates**: each flow's remaining-volume distribution as the current log
   conditions it (still moving after its likely volume, a correlation group updated by a
   complete flag) and as the current scenario estimates it (a volume estimate edited);
3. **throughput calibration**: each link's (and flow's) calibrated capacities and down days
   from the current log. After this step the scenario *is* ``condition(S_vol, log_now)``,
   ``S_vol`` being the previous scenario with the current one's volume estimates;
4. **scenario edits**: ``condition(S_now, log_now)``, the current forecast itself: every other
   edit (capacities, windows, calendar, dependencies, flows added or removed).

Each part is the change in the P80 *date* from the step before, in calendar days, so the parts
add up exactly to the total change (a telescoping sum) and a part whose inputs did not change is
exactly zero. Steps 1-2 are hybrids of two :class:`~migrasim.analysis.track.Conditioned`
(``condition(S_prev, log_prev)`` and ``condition(S_vol, log_now)``: scenarios that differ at
most in their volume estimates, so the other pieces differ only because of the log), built by
swapping whole fields by name (:func:`hybrid`). Scenario edits come last and are measured
between two conditionings of the same log, so an edit of a link's capacity counts as an edit
(the calibration it implies is recomputed with it), and an unchanged scenario gives exactly
zero.

If the recomputed previous forecast differs from the one recorded (the log's earlier rows were
edited, another seed or number of replications, another migrasim version), the difference is
shown first as ``restated``, so the bars still run from the date the board was given to the new
one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from migrasim.analysis.experiment import Outcome, Progress, run_scenario
from migrasim.analysis.runner import LOCAL, Execution
from migrasim.analysis.summary import summarise
from migrasim.analysis.track import (
    Conditioned,
    GivenEstimate,
    Shifted,
    condition,
    forecast_run,
    rescaled,
    tracked,
    with_completions,
)
from migrasim.core import tracking
from migrasim.scenario.actuals import ActualsLog, FlowActuals
from migrasim.scenario.types import EstimateSpec, OutageSpec, Scenario, likely_of

EDITS = "edits"
"""The last part: every edit of the scenario not counted in a part before it."""
PARTS = (*(part.name for part in tracking.PARTS), EDITS)
"""The waterfall's parts, in the order they are applied: those the kinds are counted in
(``Track.part``: progress, volume, throughput), then the scenario edits."""
RESTATED = "restated"
"""The recomputed previous forecast less the recorded one (zero unless something changed)."""

LINK_AVAILABLE = ("available_from", "fallback")
"""A link's fields on when it can be used, which the as-of date sets."""


def link_progress() -> tuple[str, ...]:
    """A link's fields the as-of date sets (with its planned outages still to come): when it
    can be used, and each link kind counted in progress (a lead time), from the registry."""
    return (*LINK_AVAILABLE, *tracked.fields("link", tracking.PROGRESS))


_EPOCH = datetime(2000, 1, 1)  # noqa: DTZ001 - scenario times are naive local times


# --- the log before an earlier as-of date ------------------------------------------------------


def log_before(log: ActualsLog, as_of: date, flows: Collection[str]) -> ActualsLog:
    """``log`` as it stood on ``as_of``: its rows dated before it, for the flows named (a flow
    the log does not know has no rows); a flow is complete if a kept row says so."""
    kept: dict[str, FlowActuals] = {}
    for name in flows:
        actual = log.flows.get(name)
        days = () if actual is None else tuple(d for d in actual.days if d.day < as_of)
        done = [d.day for d in days if d.complete]
        if actual is None:
            kept[name] = FlowActuals(name, days, max(done) if done else None)
        else:
            kept[name] = replace(actual, days=days, completed_on=max(done) if done else None)
    return replace(log, flows=kept, as_of=as_of, warnings=())


# --- hybrids -----------------------------------------------------------------------------------


def _shifted(volume: Any, shift: float) -> Any:
    """A remaining-volume spec with ``shift`` bytes added (a number, or an estimate)."""
    if shift == 0.0:
        return volume
    if isinstance(volume, EstimateSpec) and volume.high > volume.low:
        return GivenEstimate.wrap(Shifted.of(volume.to_estimate(), shift, floor=1.0))
    return max(float(likely_of(volume)) + shift, 1.0)


def _crossed(cond: Conditioned, flow: Any) -> float:
    """What of the flow's backlog has crossed by ``cond``'s as-of date: accepted bytes less
    the growth since the start at its most likely rate (both shift the remaining volume)."""
    since = (cond.scenario.start - _EPOCH).total_seconds()  # only differences matter
    return cond.delivered.get(flow.label, 0.0) - tracked.grown(flow, since)


def _volume_groups(flows: Collection[Any]) -> set[str]:
    """The correlation groups of the flows' re-estimated kinds (their volumes)."""
    groups = set()
    for flow in flows:
        for kind in tracked.kinds("flow", tracking.REESTIMATES):
            estimate = tracked.value(flow, kind)
            if isinstance(estimate, EstimateSpec):
                group = estimate.to_estimate().group
                if group is not None:
                    groups.add(group)
    return groups


def _link_with_progress(link: Any, timed: Any) -> Any:
    """``link`` (calibrated) with the fields the as-of date sets taken from ``timed``."""
    update = {name: getattr(timed, name) for name in link_progress()}
    planned = () if timed.outages is None else timed.outages.planned
    outages = link.outages
    mtbf = None if outages is None else outages.mtbf
    mttr = None if outages is None else outages.mttr
    if mtbf is None and not planned:
        update["outages"] = None
    else:
        update["outages"] = OutageSpec.model_construct(mtbf=mtbf, mttr=mttr, planned=planned)
    return link.model_copy(update=update)


def _moving(now: Any, estimate: Any, shift: float, factor: float) -> dict[str, Any]:
    """A moving flow's tracked fields in a hybrid: those counted in progress from ``now``, the
    re-estimated ones from ``estimate`` (its backlog shifted by ``shift``, what crossed
    between the two), each in the flow's bytes divided by its rate ``factor``; those counted
    in the calibration come with the simulated flow."""
    update: dict[str, Any] = {}
    for kind in tracked.kinds("flow"):
        track = kind.track
        assert track is not None
        if track.part not in (tracking.PROGRESS, tracking.REESTIMATES):
            continue
        source = now if track.part == tracking.PROGRESS else estimate
        # a built-in kind's whole spec field, a registered kind's value by key (in ``inputs``)
        key = None if kind.scenario_key is not None else tracked.spec_field(kind)
        new = tracked.value(source, kind) if key is None else getattr(source, key)
        if track.part == tracking.REESTIMATES and track.calibration == "backlog":
            new = _shifted(new, shift)
        new = rescaled(new, factor) if track.per_rate else new
        if key is None:
            update.update(tracked.with_value(now, kind, new, update))
        else:
            update[key] = new
    return update


def hybrid(
    base: Conditioned, other: Conditioned, parts: Collection[str]
) -> tuple[Scenario, dict[str, date]]:
    """The remaining scenario of ``base`` with the pieces of ``parts`` (names from
    :data:`PARTS`, ``edits`` excepted) taken from ``other``, and the flows complete in it
    (flow -> last logged day). Both must be conditioned from the same scenario, but for the
    flows' volume estimates (and growth): those are the ``volume`` piece.

    - ``progress``: the start (the as-of date) and horizon; each flow's ``start``, complete
      flag (with the fields it sets) and what has crossed (the remaining volume shifted by the
      difference); each link's as-of fields (:func:`link_progress`, planned outages); and each
      kind whose ``Track.part`` is progress (a flow's growth and rejection, a link's lead time);
    - ``volume``: each moving flow's remaining-volume distribution (with its correlation
      group): the kinds whose part is the volume re-estimates;
    - ``throughput``: the links (calibrated capacities, down days and trips, any copies: the
      kinds whose part is the throughput calibration) and every other field of the flows (their
      paths), with the rest of the correlation table.

    Fields are swapped whole, by name, so whatever ``condition`` puts in them is carried. The
    scenario returned is what is simulated: ``paced``'s (:attr:`Conditioned.to_simulate`, each
    flow on a per_flow link at its own calibrated rate, its volume and growth divided by it),
    so the volumes taken from ``sized`` and ``timed`` are divided by ``paced``'s rate factors."""
    unknown = set(parts) - set(PARTS[:3])
    if unknown:
        raise ValueError(f"unknown parts: {sorted(unknown)}")
    timed = other if tracking.PROGRESS.name in parts else base
    sized = other if tracking.REESTIMATES.name in parts else base
    paced = other if tracking.CALIBRATION.name in parts else base
    timed_flows = {f.label: f for f in timed.scenario.flows}
    sized_flows = {f.label: f for f in sized.scenario.flows}
    simulated = paced.to_simulate
    links = {
        name: link if timed.scenario.links.get(name) in (None, link)
        else _link_with_progress(link, timed.scenario.links[name])
        for name, link in simulated.links.items()
    }  # fmt: skip
    flows = []
    completed: dict[str, date] = {}
    for flow in simulated.flows:
        name = flow.label
        now = timed_flows[name]
        factor = paced.rate_factors.get(name, 1.0)
        update: dict[str, Any] = {"start": now.start}
        if name in timed.completed_on:
            completed[name] = timed.completed_on[name]
            update.update(tracked.copied(flow, now, tracked.kinds("flow")))
        else:
            estimate = sized_flows[name] if name not in sized.completed_on else now
            source = sized if name not in sized.completed_on else timed
            shift = _crossed(source, estimate) - _crossed(timed, estimate)
            update.update(_moving(now, estimate, shift, factor))
        flows.append(flow.model_copy(update=update))
    correlation = {**timed.scenario.correlation, **simulated.correlation}
    for group in _volume_groups(flows):
        if group in sized.scenario.correlation:
            correlation[group] = sized.scenario.correlation[group]
    scenario = simulated.model_copy(
        update={
            "start": timed.scenario.start,
            "horizon": timed.scenario.horizon,
            "links": links,
            "flows": tuple(flows),
            "correlation": correlation,
        }
    )
    return scenario, completed


# --- the waterfall -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One bar of the waterfall: the programme P80 after ``part`` changed, and the change."""

    part: str  # RESTATED or one of PARTS
    p80: date | None  # None: never
    days: int | None  # calendar days from the step before (None: either end is never)


@dataclass(frozen=True)
class Waterfall:
    """The change in the programme P80 since the previous forecast, in parts that add up."""

    previous_as_of: date
    as_of: date
    recorded_p80: date | None  # the previous forecast as recorded in the history
    steps: tuple[Step, ...]  # RESTATED, then PARTS in order; the last ``p80`` is the new one

    @property
    def p80(self) -> date | None:
        return self.steps[-1].p80

    @property
    def total_days(self) -> int | None:
        return _days(self.recorded_p80, self.p80)


def _days(before: date | None, after: date | None) -> int | None:
    return None if before is None or after is None else (after - before).days


def programme_p80(outcome: Outcome, completed_on: Mapping[str, date]) -> date | None:
    """The programme P80 as the report gives it (complete flows at their last logged day)."""
    return summarise(with_completions(outcome, completed_on)).programme.p80


def with_volumes_of(scenario: Scenario, other: Scenario) -> Scenario:
    """``scenario`` with each flow's volume estimate (and growth) as ``other`` gives it, for
    the flows both have: the volume re-estimates of a scenario edit."""
    sized = {f.label: f for f in other.flows}
    edited = tracked.kinds("flow", test=lambda t: t.edited_as == tracking.REESTIMATES)
    flows = tuple(
        f.model_copy(update=tracked.copied(f, sized[f.label], edited)) if f.label in sized else f
        for f in scenario.flows
    )
    return scenario.model_copy(update={"flows": flows})


def explain(
    previous_scenario: Scenario,
    scenario: Scenario,
    log: ActualsLog,
    previous_as_of: date,
    recorded_p80: date | None,
    current: Conditioned,
    current_p80: date | None,
    replications: int | None,
    seed: int,
    execution: Execution = LOCAL,
    progress: Progress | None = None,
    pooling: str = "partial",
) -> Waterfall:
    """The waterfall from the previous forecast (as of ``previous_as_of``, made with
    ``previous_scenario``, its P80 ``recorded_p80``) to the current one (``current``, the
    conditioning of ``scenario`` on ``log``, its P80 ``current_p80``), every step with
    ``replications`` and ``seed`` (the current forecast's).

    The hybrids are taken between ``condition(S_prev, log_prev)`` and ``condition(S_vol,
    log_now)``, where ``S_vol`` is the previous scenario with the volume estimates of the
    current one (:func:`with_volumes_of`): so a volume estimate edited in the scenario counts
    as a volume re-estimate, and every other edit as a scenario edit. A step whose inputs are
    the same as the step before's is not run (its P80 is the same)."""
    names = previous_scenario.flow_names()
    sized = with_volumes_of(previous_scenario, scenario)
    earlier = condition(previous_scenario, log_before(log, previous_as_of, names), pooling)
    later = condition(sized, log_before(log, log.as_of, names), pooling)

    def p80_of(remaining: Scenario, completed: Mapping[str, date]) -> date | None:
        outcome = run_scenario(remaining, replications, seed, execution, progress)
        return programme_p80(outcome, completed)

    def forecast_p80(cond: Conditioned) -> date | None:  # as ``track`` forecasts it
        outcome = forecast_run(cond, replications, seed, execution, progress)
        return summarise(outcome).programme.p80

    same_log = previous_as_of == log.as_of
    same_volumes = sized == previous_scenario
    p0 = forecast_p80(earlier)
    p1 = p0 if same_log else p80_of(*hybrid(earlier, later, PARTS[:1]))
    p2 = p1 if same_log and same_volumes else p80_of(*hybrid(earlier, later, PARTS[:2]))
    if same_log and same_volumes:
        p3 = p0
    elif sized == scenario:
        p3 = current_p80  # the same scenario on the same log: the current forecast
    else:
        p3 = forecast_p80(later)
    values = [p0, p1, p2, p3, current_p80]
    steps = [Step(RESTATED, p0, _days(recorded_p80, p0))]
    steps += [Step(part, values[i + 1], _days(values[i], values[i + 1]))
              for i, part in enumerate(PARTS)]  # fmt: skip
    return Waterfall(previous_as_of, log.as_of, recorded_p80, tuple(steps))
