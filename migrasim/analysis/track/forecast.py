"""The re-forecast: the remaining scenario simulated and told back in the scenario's own link
names and bytes, complete flows finished on their last logged day; and the plan beside it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from migrasim.analysis import uncertain
from migrasim.analysis.experiment import Outcome, Progress, run_scenario
from migrasim.analysis.runner import LOCAL, Execution
from migrasim.analysis.track import tracked
from migrasim.analysis.track.conditioning import Conditioned, condition
from migrasim.core.calendar import NEVER
from migrasim.core.engine import simulate
from migrasim.core.model import Model
from migrasim.scenario.actuals import ActualsLog
from migrasim.scenario.types import Scenario


def _told(outcome: Outcome, conditioned: Conditioned) -> Outcome:
    """``outcome`` of the simulated scenario told as the remaining scenario: in the scenario's
    own link names (each per-flow copy by its link's name) and each rescaled flow's bytes
    back in bytes: what summary.csv, bottlenecks.csv and the report show."""
    names = conditioned.link_names
    factors = [conditioned.rate_factors.get(f.label, 1.0) for f in conditioned.scenario.flows]
    scenario = conditioned.scenario
    if not names and all(f == 1.0 for f in factors):
        return replace(outcome, scenario=scenario)

    def named(link: str | None) -> str | None:
        return None if link is None else names.get(link, link)

    model = outcome.model
    model = replace(
        model,
        links=tuple(replace(k, name=names.get(k.name, k.name)) for k in model.links),
        flows=tuple(
            replace(f, volume_bytes=f.volume_bytes * x, growth_bytes_per_s=f.growth_bytes_per_s * x)
            for f, x in zip(model.flows, factors, strict=True)
        ),
    )  # fmt: skip
    flows = []
    for f, x in zip(outcome.baseline.flows, factors, strict=True):
        limiting: dict[str, float] = {}
        for link, seconds in f.limiting_seconds:
            key = names.get(link, link)
            limiting[key] = limiting.get(key, 0.0) + seconds
        reason = f.reason
        if reason is not None:
            reason = replace(reason, link=named(reason.link),
                             growth_bytes_per_s=reason.growth_bytes_per_s * x,
                             moved_bytes_per_s=reason.moved_bytes_per_s * x)  # fmt: skip
        flows.append(replace(
            f, bottleneck=named(f.bottleneck), limiting_seconds=tuple(limiting.items()),
            reason=reason, volume_bytes=f.volume_bytes * x,
            delivered_bytes=f.delivered_bytes * x, remaining_bytes=f.remaining_bytes * x,
        ))  # fmt: skip
    curves = outcome.baseline.curves
    if curves is not None:
        curves = tuple(
            (times, tuple(c * x for c in cums))
            for (times, cums), x in zip(curves, factors, strict=True)
        )
    baseline = replace(outcome.baseline, flows=tuple(flows), curves=curves)
    mc = outcome.mc
    if mc is not None:
        counters = []
        for counter in mc.bottlenecks:
            merged: Counter[str] = Counter()
            for link, count in counter.items():
                merged[names.get(link, link)] += count
            counters.append(merged)
        seen = [_in_bytes(i, factors) for i in mc.inputs_seen]
        mc = replace(mc, model=model, bottlenecks=counters, inputs_seen=seen)
    return replace(outcome, scenario=scenario, model=model, baseline=baseline, mc=mc)


def _in_bytes(inputs: Any, factors: Sequence[float]) -> Any:
    """A replication's inputs told in the flows' bytes: each flow's quantities in its bytes
    (its volume, its growth) multiplied back by its rate factor."""
    told: dict[str, Any] = {}
    for kind in tracked.per_rate():
        assert kind.field is not None
        values = getattr(inputs, kind.field)
        told[kind.field] = tuple(v * x for v, x in zip(values, factors, strict=True))
    return replace(inputs, **told)


def forecast_run(
    conditioned: Conditioned,
    replications: int | None,
    seed: int,
    execution: Execution = LOCAL,
    progress: Progress | None = None,
) -> Outcome:
    """The re-forecast: the remaining scenario simulated (each flow on its calibrated copy of a
    per_flow link), told in the scenario's own link names, complete flows finished on their
    last logged day."""
    forecast = run_scenario(conditioned.to_simulate, replications, seed, execution, progress)
    forecast = _told(forecast, conditioned)
    return with_completions(forecast, conditioned.completed_on)


def baseline_bottleneck(model: Model, link_names: Mapping[str, str]) -> str | None:
    """The link that limits the flow finishing last at the most likely inputs (a flow that
    never finishes counts as last), in the scenario's own link names: a cheap guess of the
    re-forecast's programme bottleneck, to start the capacity search before the Monte Carlo
    (the run's baseline: every registered kind that combines onto a field in)."""
    flows = simulate(model, uncertain.baseline(model)).flows
    if not flows:
        return None
    last = max(flows, key=lambda f: f.finished_s)
    return None if last.bottleneck is None else link_names.get(last.bottleneck, last.bottleneck)


def with_completions(outcome: Outcome, completed_on: Mapping[str, date]) -> Outcome:
    """``outcome`` with each complete flow finishing at the end of its last logged day
    (00:00 the day after, which counts for that day) in every replication."""
    if not completed_on:
        return outcome
    clock = outcome.model.clock
    names = outcome.flow_names()
    times = {
        names.index(name): clock.to_sim(datetime.combine(day + timedelta(days=1), time()))
        for name, day in completed_on.items()
    }
    # Nothing is left to move from the as-of date: no data to move, none moved, none remaining
    # (the remaining scenario's 1-byte placeholder is not shown as "1 B"); a logged flow the
    # remaining plan never starts began by the as-of date (0) at the latest.
    flows = tuple(
        replace(f, finished_s=times[i],
                started_s=min(0.0 if f.started_s == NEVER else f.started_s, times[i]),
                volume_bytes=0.0, delivered_bytes=0.0, remaining_bytes=0.0, reason=None)
        if i in times
        else f
        for i, f in enumerate(outcome.baseline.flows)
    )  # fmt: skip
    baseline = replace(outcome.baseline, flows=flows)
    mc = outcome.mc
    if mc is not None:
        finished = mc.finished.copy()
        for i, t in times.items():
            finished[:, i] = t
        mc = replace(mc, finished=finished)
    return replace(outcome, baseline=baseline, mc=mc)


@dataclass(frozen=True)
class TrackOutcome:
    """The plan (the scenario alone) and the re-forecast (the remaining scenario), same seed."""

    plan: Outcome
    forecast: Outcome
    conditioned: Conditioned


def track_scenario(
    scenario: Scenario,
    log: ActualsLog,
    replications: int | None,
    seed: int,
    execution: Execution = LOCAL,
    progress: Progress | None = None,
    plan: Outcome | None = None,
    pooling: str = "partial",
) -> TrackOutcome:
    """Run the plan (unless given) and the re-forecast with the same replications and seed."""
    conditioned = condition(scenario, log, pooling)
    n = replications or scenario.replications
    if plan is None:
        plan = run_scenario(scenario, n, seed, execution, progress)
    forecast = forecast_run(conditioned, n, seed, execution, progress)
    return TrackOutcome(plan, forecast, conditioned)
