"""The flow-level SimPy engine: ``build_model(scenario)`` once, then ``simulate(model)``.

Flows are SimPy processes that wait for their start time and dependencies, then join the
*component* they belong to: the set of flows tied together by shared links (flows on per-flow
links only are each a component of their own). Each component is one SimPy process running
SimGrid's flow-level loop: rates stay constant between events, are recomputed (max-min fair)
only when a window opens or closes, a daily cap is used up, or a flow starts or completes, and
the component jumps straight to the earliest such moment with exact arithmetic.

Long stretches of identical weeks are not stepped through: a week is simulated once, cached by
(active flows, carried-over state, the week's window pattern), and a run of identical weeks is
then applied in one jump (``k`` weeks x the week's delivery), stopping just before the week in
which a flow completes. Holidays, closures and clock changes make a week's pattern differ, so
they are simulated, never skipped over.

Pure: no I/O, no printing, no randomness. Returns plain frozen records.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import simpy

from migrasim.core.calendar import (
    Clock,
    SimTime,
    WindowSchedule,
    build_calendar,
    week_starts,
    window_schedule,
)
from migrasim.core.capacity import INF, max_min_rates, window_rate
from migrasim.core.curve import CurveArrays, LinkCurve, Trace, Walk
from migrasim.scenario.types import Scenario, likely_of

TIME_TOL = 1e-6
"""Seconds: events closer than this are simultaneous (floating-point dust, not physics)."""


def _bytes_tol(volume: float) -> float:
    # Well under one byte for any real volume; covers the rounding of rate x duration sums.
    return max(1e-3, volume * 1e-13)


@dataclass(frozen=True)
class LinkModel:
    """A link compiled against the calendar: its windows and its limits while each is open."""

    name: str
    index: int
    per_flow: bool
    schedule: WindowSchedule
    spans: tuple[float, ...]  # length of window k in seconds
    bandwidth: float  # most likely bandwidth x efficiency, bytes/s (inf: none)
    cap_bytes: float  # most likely bytes per window (working day); inf without a daily cap
    quota_limited: bool  # both cap and bandwidth: the cap can run out inside a window
    records_rate: float  # most likely records/s while open (inf: none)
    daily_records: float  # most likely records per working day (inf: none)

    @property
    def limits_records(self) -> bool:
        return self.records_rate < INF or self.daily_records < INF

    planned: tuple[tuple[SimTime, SimTime], ...]  # planned outages
    available: SimTime  # most likely time from which the link can be used (-inf: always)
    fallback: int  # link used until available, -1 if none


@dataclass(frozen=True)
class FlowModel:
    name: str
    source: str
    target: str
    volume_bytes: float  # most likely
    links: tuple[int, ...]
    after: tuple[int, ...]
    earliest: SimTime
    growth_bytes_per_s: float  # most likely
    records: float | None
    rejection: tuple[float, float]  # most likely (fraction, remediation delay in seconds)


@dataclass(frozen=True)
class Model:
    """A scenario compiled for simulation; build once, simulate many times."""

    scenario: Scenario
    clock: Clock
    horizon: SimTime
    links: tuple[LinkModel, ...]
    flows: tuple[FlowModel, ...]
    components: tuple[tuple[int, ...], ...]
    component_of: tuple[int, ...]
    weeks: tuple[SimTime, ...]
    week_sig: tuple[int, ...]
    run_end: tuple[int, ...]
    # Memo of per-link capacity curves keyed by the values they depend on (pure caching).
    curve_cache: dict[tuple[float, ...], CurveArrays] = field(
        default_factory=dict, compare=False, repr=False
    )


Outages = tuple[tuple[SimTime, ...], tuple[SimTime, ...]]
"""Sorted, disjoint down intervals as (starts, ends)."""


def merge_intervals(spans: list[tuple[float, float]]) -> Outages:
    """Sorted, disjoint union of [start, end) intervals, as (starts, ends)."""
    starts: list[float] = []
    ends: list[float] = []
    for a, b in sorted(spans):
        if starts and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        elif b > a:
            starts.append(a)
            ends.append(b)
    return tuple(starts), tuple(ends)


@dataclass(frozen=True)
class Inputs:
    """One replication's concrete inputs (the baseline uses every most likely value)."""

    volume: tuple[float, ...]  # per flow, bytes
    growth: tuple[float, ...]  # per flow, bytes/s
    rejection: tuple[tuple[float, float], ...]  # per flow, (fraction, delay s)
    bandwidth: tuple[float, ...]  # per link, bandwidth x efficiency in bytes/s (inf: none)
    cap: tuple[float, ...]  # per link, bytes per working day (inf: none)
    records_rate: tuple[float, ...]  # per link, records/s while open (inf: none)
    daily_records: tuple[float, ...]  # per link, records per working day (inf: none)
    available: tuple[SimTime, ...]  # per link
    down: dict[tuple[int, int], Outages]  # (link, flow or -1) -> sorted, disjoint outages
    outages_until: SimTime = INF  # random outages after this were not drawn


def _optional(value: Any) -> float:
    return INF if value is None else likely_of(value)


def build_model(scenario: Scenario) -> Model:
    """Compile ``scenario``: calendar, link windows, components and week patterns."""
    clock = Clock(scenario.start, scenario.tz)
    horizon = float(scenario.horizon)
    first = scenario.start.date() - timedelta(days=1)
    last = (clock.to_local(horizon) + timedelta(days=2)).date()
    calendar = build_calendar(scenario.calendar, first, last)
    names = list(scenario.links)
    links: list[LinkModel] = []
    for name in names:
        spec = scenario.links[name]
        schedule = window_schedule(spec.window, calendar, clock, first, last)
        spans = tuple(c - o for o, c in zip(schedule.open_s, schedule.close_s, strict=True))
        bandwidth = INF if spec.rate_bytes_per_s is None else spec.rate_bytes_per_s
        cap = _optional(spec.daily_cap)
        available = -INF
        if spec.available_from is not None:
            available = clock.to_sim(spec.available_from)
        elif spec.lead_time is not None:
            available = likely_of(spec.lead_time)
        planned: tuple[tuple[SimTime, SimTime], ...] = ()
        if spec.outages is not None:
            planned = tuple((clock.to_sim(a), clock.to_sim(b)) for a, b in spec.outages.planned)
        links.append(
            LinkModel(
                name=name,
                index=len(links),
                per_flow=spec.per_flow,
                schedule=schedule,
                spans=spans,
                bandwidth=bandwidth,
                cap_bytes=cap,
                quota_limited=bandwidth < INF and cap < INF,
                records_rate=_optional(spec.records_rate),
                daily_records=_optional(spec.daily_records),
                planned=planned,
                available=available,
                fallback=names.index(spec.fallback) if spec.fallback else -1,
            )
        )
    labels = scenario.flow_names()
    flows = []
    for flow in scenario.flows:
        earliest = 0.0 if flow.start is None else max(0.0, clock.to_sim(flow.start))
        rejection = (0.0, 0.0)
        if flow.rejection is not None:
            delay = 0.0 if flow.rejection.delay is None else likely_of(flow.rejection.delay)
            rejection = (likely_of(flow.rejection.fraction), delay)
        flows.append(
            FlowModel(
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
            )
        )
    components, component_of = _components(flows, links)
    weeks, week_sig, run_end = _week_patterns(clock, last, links)
    return Model(
        scenario,
        clock,
        horizon,
        tuple(links),
        tuple(flows),
        components,
        component_of,
        weeks,
        week_sig,
        run_end,
    )


def flow_path_links(flow: FlowModel, links: tuple[LinkModel, ...] | list[LinkModel]) -> list[int]:
    """Every link a flow may use: its path and the fallbacks of links on it."""
    used = list(flow.links)
    for link in flow.links:
        if links[link].fallback >= 0 and links[link].fallback not in used:
            used.append(links[link].fallback)
    return used


def baseline_inputs(model: Model) -> Inputs:
    """Every input at its most likely value; planned outages only."""
    down: dict[tuple[int, int], Outages] = {}
    for f, flow in enumerate(model.flows):
        for link in flow_path_links(flow, model.links):
            planned = model.links[link].planned
            if planned:
                down[(link, f if model.links[link].per_flow else -1)] = merge_intervals(
                    list(planned)
                )
    return Inputs(
        volume=tuple(f.volume_bytes for f in model.flows),
        growth=tuple(f.growth_bytes_per_s for f in model.flows),
        rejection=tuple(f.rejection for f in model.flows),
        bandwidth=tuple(link.bandwidth for link in model.links),
        cap=tuple(link.cap_bytes for link in model.links),
        records_rate=tuple(link.records_rate for link in model.links),
        daily_records=tuple(link.daily_records for link in model.links),
        available=tuple(link.available for link in model.links),
        down=down,
    )


def _components(
    flows: list[FlowModel], links: list[LinkModel]
) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    """Group flows that may share a (non-per-flow) link, fallbacks included: union-find."""
    parent = list(range(len(flows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_user: dict[int, int] = {}
    for f, flow in enumerate(flows):
        for link in flow_path_links(flow, links):
            if not links[link].per_flow:
                if link in first_user:
                    parent[find(f)] = find(first_user[link])
                else:
                    first_user[link] = f
    groups: dict[int, list[int]] = {}
    for f in range(len(flows)):
        groups.setdefault(find(f), []).append(f)
    components = tuple(tuple(g) for g in groups.values())
    component_of = [0] * len(flows)
    for c, members in enumerate(components):
        for f in members:
            component_of[f] = c
    return components, tuple(component_of)


def _week_patterns(
    clock: Clock, last: date, links: list[LinkModel]
) -> tuple[tuple[float, ...], tuple[int, ...], tuple[int, ...]]:
    """Week boundaries, an id per distinct window pattern, and where each run of equal ids ends."""
    weeks = week_starts(clock, last)
    interned: dict[Any, int] = {}
    sig: list[int] = []
    for w in range(len(weeks) - 1):
        lo, hi = weeks[w], weeks[w + 1]
        pattern: list[Any] = [round(hi - lo, 6)]
        for link in links:
            s = link.schedule
            # every window overlapping the week, including one carried over from Sunday night
            i, j = bisect.bisect_right(s.close_s, lo), bisect.bisect_left(s.open_s, hi)
            pattern.append(
                tuple(
                    (round(s.open_s[k] - lo, 6), round(s.close_s[k] - lo, 6)) for k in range(i, j)
                )
            )
        sig.append(interned.setdefault(tuple(pattern), len(interned)))
    run_end = [0] * len(sig)
    for w in range(len(sig) - 1, -1, -1):
        run_end[w] = run_end[w + 1] if w + 1 < len(sig) and sig[w + 1] == sig[w] else w + 1
    return tuple(weeks), tuple(sig), tuple(run_end)


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowResult:
    """One flow's outcome. Times are SimTime (seconds since the scenario start)."""

    name: str
    source: str
    target: str
    volume_bytes: float  # the backlog at the scenario start in this run
    started_s: SimTime | None  # None: never started (a dependency never completed)
    finished_s: SimTime | None  # None: not complete within the horizon ("never")
    delivered_bytes: float  # everything moved, growth and re-sent rejections included
    remaining_bytes: float  # still to move at the horizon (0 for a finished flow)
    bottleneck: str | None
    limiting_seconds: tuple[tuple[str, float], ...]  # link -> seconds it set the rate
    reason: str = ""  # why a flow never completes


@dataclass(frozen=True)
class RunResult:
    """A whole run. ``curves[f]`` are (t, cumulative bytes) breakpoints, linear in between."""

    flows: tuple[FlowResult, ...]
    horizon_s: SimTime
    curves: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...] | None = None

    @property
    def finished_s(self) -> SimTime | None:
        """When the whole programme completed (None if any flow never did)."""
        times = [f.finished_s for f in self.flows]
        if any(t is None for t in times):
            return None
        return max(t for t in times if t is not None)


# --- one component's flow-level state --------------------------------------------------------


@dataclass
class _State:
    t: SimTime
    remaining: dict[int, float]  # active flow -> bytes left to move in this phase
    delivered: dict[int, float]  # active flow -> bytes moved so far (all phases)
    used: dict[int, tuple[int, float]]  # quota instance -> (window index, bytes used in it)
    moving: dict[int, dict[int, float]]  # flow -> link -> seconds that link set a positive rate
    blocked: dict[int, dict[int, float]]  # flow -> link -> seconds that link held it at zero

    def copy(self) -> _State:
        return _State(
            self.t,
            dict(self.remaining),
            dict(self.delivered),
            dict(self.used),
            {f: dict(v) for f, v in self.moving.items()},
            {f: dict(v) for f, v in self.blocked.items()},
        )


@dataclass
class _WeekOutcome:
    delivered: tuple[float, ...]  # per active flow (in key order)
    dip: tuple[float, ...]  # most the backlog fell below its start value during the week
    moving: tuple[dict[int, float], ...]
    blocked: tuple[dict[int, float], ...]
    end_key: tuple[Any, ...]
    end_used: tuple[tuple[int, float], ...]
    points: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]  # relative to the week


@dataclass
class _Advance:
    state: _State
    completed: list[int]
    points: dict[int, Trace] = field(default_factory=dict)


class _Component:
    """The flow-level solver for one component (pure arithmetic; the SimPy process drives it)."""

    def __init__(
        self,
        model: Model,
        flows: tuple[int, ...],
        inputs: Inputs,
        record: bool,
        use_curves: bool = True,
    ) -> None:
        self.model = model
        self.inputs = inputs
        self.record = record
        self.cache: dict[tuple[Any, ...], _WeekOutcome] = {}
        links = model.links
        # Link instances: a per-flow link has a copy per flow, a shared link one instance.
        self.instances: list[tuple[int, int]] = []
        index: dict[tuple[int, int], int] = {}

        def instance(link: int, f: int) -> int:
            key = (link, f) if links[link].per_flow else (link, -1)
            if key not in index:
                index[key] = len(self.instances)
                self.instances.append(key)
            return index[key]

        # Each flow's path over time: before a link is available its fallback stands in.
        self.paths: dict[int, list[tuple[SimTime, list[int]]]] = {}
        switch_times: set[float] = set()
        for f in flows:
            path = model.flows[f].links
            switches = sorted(
                {
                    inputs.available[link]
                    for link in path
                    if links[link].fallback >= 0 and inputs.available[link] > 0
                }
            )
            versions = []
            for since in [-INF, *switches]:
                current = []
                for link in path:
                    use = link
                    if links[link].fallback >= 0 and since < inputs.available[link]:
                        use = links[link].fallback
                    inst = instance(use, f)
                    if inst not in current:
                        current.append(inst)
                versions.append((since, current))
            self.paths[f] = versions
            switch_times.update(switches)
        # Outages, and links without a fallback that are not yet available, are down time.
        self.down: list[tuple[tuple[float, ...], tuple[float, ...]]] = []
        for link, owner in self.instances:
            outages = inputs.down.get((link, owner), ((), ()))
            if links[link].fallback < 0 and inputs.available[link] > 0:
                spans = list(zip(*outages, strict=True))
                outages = merge_intervals([*spans, (-INF, inputs.available[link])])
            self.down.append(outages)
        self.switch_times = switch_times
        self._irregular: list[float] | None = None
        self.quota_instances = {
            i for i, (link, _) in enumerate(self.instances) if links[link].quota_limited
        }
        self.link_ids = sorted({link for link, _ in self.instances})
        self.bytes_per_record: dict[int, float] = {}
        for f in flows:
            records = model.flows[f].records
            if records:
                self.bytes_per_record[f] = inputs.volume[f] / records
        self.tol = {f: _bytes_tol(inputs.volume[f]) for f in flows}
        self._rates_by_link: tuple[dict[int, _WindowRates], dict[int, _WindowRates]] | None = None
        # A flow alone on a single link is solved on the link's cumulative capacity curve.
        only = flows[0]
        self.single: int | None = None
        # (also when a fallback stands in for it until the link is available)
        one_link = all(len(insts) == 1 for _, insts in self.paths[only])
        if use_curves and len(flows) == 1 and one_link:
            self.single = only
        self.curve_of: dict[int, LinkCurve] = {}

    def _single_curve(self, inst: int) -> LinkCurve:
        if inst not in self.curve_of:
            f = self.single
            assert f is not None
            link_id = self.instances[inst][0]
            link = self.model.links[link_id]
            inputs = self.inputs
            per_record = self.bytes_per_record.get(f, 0.0) if link.limits_records else 0.0
            quota = inputs.cap[link_id] if link.quota_limited else INF
            key = (
                float(link_id),
                inputs.bandwidth[link_id],
                inputs.cap[link_id],
                inputs.records_rate[link_id],
                inputs.daily_records[link_id],
                per_record,
                quota,
            )
            arrays = self.model.curve_cache.get(key)
            if arrays is None:
                opens = np.asarray(link.schedule.open_s)
                closes = np.asarray(link.schedule.close_s)
                spans = closes - opens
                if inputs.bandwidth[link_id] < INF:
                    rates = np.full(len(spans), inputs.bandwidth[link_id])
                elif inputs.cap[link_id] < INF:
                    rates = inputs.cap[link_id] / spans
                else:
                    rates = np.full(len(spans), INF)
                if link.limits_records:
                    records = np.minimum(
                        inputs.records_rate[link_id], inputs.daily_records[link_id] / spans
                    )
                    rates = np.minimum(rates, records * per_record)
                if len(self.model.curve_cache) > 4096:  # bound the memo in long runs
                    self.model.curve_cache.clear()
                arrays = self.model.curve_cache[key] = CurveArrays.build(
                    opens, closes, rates, quota
                )
            self.curve_of[inst] = LinkCurve(arrays, self.down[inst])
        return self.curve_of[inst]

    def _advance_single(self, state: _State, until: SimTime) -> _Advance:
        """The cumulative-capacity solution for a flow alone on one link (at a time)."""
        f = self.single
        assert f is not None
        adv = _Advance(state, [])
        versions = self.paths[f]
        for k, (_, (inst,)) in enumerate(versions):
            next_since = versions[k + 1][0] if k + 1 < len(versions) else INF
            if next_since <= state.t:
                continue  # this path was replaced before now
            stop = min(until, next_since)
            done = self._walk_single(state, f, inst, stop, adv)
            if done or stop >= until:
                break
        return adv

    def _walk_single(self, state: _State, f: int, inst: int, stop: float, adv: _Advance) -> bool:
        curve = self._single_curve(inst)
        link_id = self.instances[inst][0]
        window, used = state.used.get(inst, (-1, 0.0))
        start = state.t
        walk = Walk(start, state.remaining[f], window, used, state.delivered[f])
        curve.advance(walk, self.inputs.growth[f], stop, self.tol[f], self.record)
        state.t = walk.t
        state.delivered[f] = walk.moved
        if self.model.links[link_id].quota_limited:
            state.used[inst] = (walk.window, walk.used)
        acc = (state.moving if walk.moved > 0 else state.blocked).setdefault(f, {})
        acc[link_id] = acc.get(link_id, 0.0) + (walk.t - start)
        if self.record:
            adv.points.setdefault(f, Trace()).extend(walk.points)
        if walk.done:
            state.remaining.pop(f)
            adv.completed.append(f)
            return True
        state.remaining[f] = walk.remaining
        return False

    # -- the explicit, event-by-event part ------------------------------------------------

    def _path(self, f: int, t: SimTime) -> list[int]:
        versions = self.paths[f]
        if len(versions) == 1:
            return versions[0][1]
        current = versions[0][1]
        for since, insts in versions:
            if since <= t:
                current = insts
        return current

    def _path_version(self, f: int, t: SimTime) -> int:
        return sum(1 for since, _ in self.paths[f] if since <= t)

    def _is_down(self, inst: int, t: SimTime) -> bool:
        starts, ends = self.down[inst]
        i = bisect.bisect_right(starts, t) - 1
        return i >= 0 and t < ends[i]

    def _capacity(self, state: _State, inst: int) -> tuple[float, float]:
        """(bytes/s, records/s) an instance allows now; 0 when closed, down or used up."""
        link_id = self.instances[inst][0]
        link = self.model.links[link_id]
        w = link.schedule.at(state.t)
        if w < 0 or (self.down[inst][0] and self._is_down(inst, state.t)):
            return 0.0, 0.0
        if link.quota_limited:
            used_w, used = state.used.get(inst, (w, 0.0))
            if used_w == w and used >= self.inputs.cap[link_id]:
                return 0.0, 0.0
        if self._rates_by_link is None:  # built on first use: the curve solver never needs them
            links, inputs = self.model.links, self.inputs
            self._rates_by_link = (
                {i: _WindowRates(links[i], inputs, False) for i in self.link_ids},
                {i: _WindowRates(links[i], inputs, True) for i in self.link_ids},
            )
        byte_rates, record_rates = self._rates_by_link
        return byte_rates[link_id][w], record_rates[link_id][w]

    def _rates(self, state: _State) -> tuple[list[int], list[float], list[int]]:
        """Active flows, their rates, and the link that limits each."""
        active = list(state.remaining)
        caps: dict[int, tuple[float, float]] = {}
        bounds = []
        bound_link = []
        shared: dict[tuple[int, int], tuple[float, list[int], list[float]]] = {}
        for pos, f in enumerate(active):
            bound, limiter = INF, -1
            for inst in self._path(f, state.t):
                if inst not in caps:
                    caps[inst] = self._capacity(state, inst)
                byte_rate, record_rate = caps[inst]
                link_id, owner = self.instances[inst]
                per_record = self.bytes_per_record.get(f, 0.0)
                if owner == -1:
                    if byte_rate < INF:
                        shared.setdefault((inst, 0), (byte_rate, [], []))
                        shared[(inst, 0)][1].append(pos)
                        shared[(inst, 0)][2].append(1.0)
                    if self.model.links[link_id].limits_records:
                        shared.setdefault((inst, 1), (record_rate, [], []))
                        shared[(inst, 1)][1].append(pos)
                        shared[(inst, 1)][2].append(1.0 / per_record)
                else:
                    limit = min(byte_rate, record_rate * per_record if per_record else INF)
                    if limit < bound or (limiter == -1 and limit <= bound):
                        bound, limiter = limit, link_id
            bounds.append(bound)
            bound_link.append(limiter)
        keys = list(shared)
        rates, binding = max_min_rates(bounds, [shared[k] for k in keys])
        limiters = [
            bound_link[pos] if b == -1 else self.instances[keys[b][0]][0]
            for pos, b in enumerate(binding)
        ]
        return active, rates, limiters

    @property
    def irregular(self) -> list[float]:
        """Outage edges and path switches: times the week pattern cannot predict."""
        if self._irregular is None:
            edges = set(self.switch_times)
            for starts, ends in self.down:
                edges.update(starts)
                edges.update(ends)
            self._irregular = sorted(x for x in edges if math.isfinite(x))
        return self._irregular

    def _next_irregular(self, t: SimTime) -> float:
        i = bisect.bisect_right(self.irregular, t)
        return self.irregular[i] if i < len(self.irregular) else INF

    def _step(self, state: _State, stop: SimTime, adv: _Advance) -> None:
        """Advance ``state`` to the next event (or ``stop``), completing flows that finish."""
        t = state.t
        active, rates, limiters = self._rates(state)
        growth = self.inputs.growth
        t_next = min(stop, self._next_irregular(t))
        for link_id in self.link_ids:
            t_next = min(t_next, self.model.links[link_id].schedule.next_change(t))
        throughput: dict[int, float] = {}
        for pos, f in enumerate(active):
            rate = rates[pos]
            if rate > growth[f]:
                t_next = min(t_next, t + state.remaining[f] / (rate - growth[f]))
            if rate > 0:
                for inst in self._path(f, t):
                    if inst in self.quota_instances:
                        throughput[inst] = throughput.get(inst, 0.0) + rate
        for inst, thr in throughput.items():
            link_id = self.instances[inst][0]
            w = self.model.links[link_id].schedule.at(t)
            used_w, used = state.used.get(inst, (w, 0.0))
            used = used if used_w == w else 0.0
            t_next = min(t_next, t + (self.inputs.cap[link_id] - used) / thr)
        dt = t_next - t
        for inst, thr in throughput.items():
            link_id = self.instances[inst][0]
            cap = self.inputs.cap[link_id]
            w = self.model.links[link_id].schedule.at(t)
            used_w, used = state.used.get(inst, (w, 0.0))
            used = (used if used_w == w else 0.0) + thr * dt
            if cap - used <= max(thr * TIME_TOL, 1e-3):
                used = cap
            state.used[inst] = (w, used)
        state.t = t_next
        for pos, f in enumerate(active):
            rate = rates[pos]
            net = rate - growth[f]
            left = state.remaining[f] - net * dt
            if left <= self.tol[f] or (net > 0 and left <= net * TIME_TOL):
                left = 0.0
            state.remaining[f] = left
            state.delivered[f] += rate * dt
            acc = (state.moving if rate > 0 else state.blocked).setdefault(f, {})
            acc[limiters[pos]] = acc.get(limiters[pos], 0.0) + dt
            if self.record:
                adv.points.setdefault(f, Trace()).add(t_next, state.delivered[f])
            if left == 0.0:
                adv.completed.append(f)
        for f in adv.completed:
            state.remaining.pop(f, None)

    # -- whole weeks: cache and jump --------------------------------------------------------

    def _state_key(self, state: _State) -> tuple[Any, ...]:
        t = state.t
        carried = []
        for inst in sorted(self.quota_instances):
            link_id = self.instances[inst][0]
            schedule = self.model.links[link_id].schedule
            w = schedule.at(t)
            if w >= 0 and inst in state.used and state.used[inst][0] == w:
                carried.append(
                    (inst, round(schedule.close_s[w] - t, 6), round(state.used[inst][1], 3))
                )
        down = tuple(i for i in range(len(self.instances)) if self._is_down(i, t))
        paths = tuple(self._path_version(f, t) for f in state.remaining)
        return (tuple(state.remaining), tuple(carried), down, paths)

    def _regular_weeks(self, week: int) -> int:
        """How many weeks from ``week`` on have no outage edge or path switch inside them."""
        weeks = self.model.weeks
        nxt = self._next_irregular(weeks[week])
        if nxt == INF:
            return len(weeks) - 1 - week
        return int((nxt - weeks[week]) // (weeks[week + 1] - weeks[week]))

    def _jump(self, state: _State, week: int, until: SimTime, adv: _Advance) -> bool:
        """Apply cached whole weeks from the boundary ``week``; False if none could be."""
        m = self.model
        key = (self._state_key(state), m.week_sig[week])
        outcome = self.cache.get(key)
        if outcome is None:
            return False
        periodic = outcome.end_key == key[0]
        k = (m.run_end[week] - week) if periodic else 1
        k = min(k, self._regular_weeks(week))
        while k > 0 and m.weeks[week + k] > until:
            k -= 1
        length = m.weeks[week + 1] - m.weeks[week]
        for pos, f in enumerate(state.remaining):
            net = outcome.delivered[pos] - self.inputs.growth[f] * length
            room = state.remaining[f] - self.tol[f] - outcome.dip[pos]
            if room <= 0:
                k = 0  # completes within this very week
            elif net > 0:
                # every jumped week must start with more than its dip left to move
                k = min(k, math.ceil(room / net))
        if k <= 0:
            return False
        base = state.t
        for pos, f in enumerate(state.remaining):
            delivered = outcome.delivered[pos]
            if self.record:
                done = state.delivered[f]
                pts = adv.points.setdefault(f, Trace())
                rel_t, rel_v = outcome.points[pos]
                for j in range(k):
                    offset_t, offset_v = base + j * length, done + j * delivered
                    pts.times.extend(offset_t + rt for rt in rel_t)
                    pts.values.extend(offset_v + rv for rv in rel_v)
            state.remaining[f] -= k * (delivered - self.inputs.growth[f] * length)
            state.delivered[f] += k * delivered
            for target, source in (
                (state.moving, outcome.moving),
                (state.blocked, outcome.blocked),
            ):
                acc = target.setdefault(f, {})
                for link_id, secs in source[pos].items():
                    acc[link_id] = acc.get(link_id, 0.0) + k * secs
        state.t = m.weeks[week + k]
        for inst, used in outcome.end_used:
            link = m.links[self.instances[inst][0]]
            state.used[inst] = (link.schedule.at(state.t), used)
        return True

    def _explicit_week(self, state: _State, week: int, until: SimTime, adv: _Advance) -> None:
        """Simulate from the boundary ``week`` event by event; cache the week if it is whole."""
        m = self.model
        stop = min(m.weeks[week + 1], until)
        start_key = self._state_key(state)
        before = state.copy()
        flows = list(before.remaining)
        n_points = {f: len(adv.points.get(f, Trace())) for f in flows}
        dip = dict.fromkeys(flows, 0.0)
        while state.t < stop and not adv.completed:
            self._step(state, stop, adv)
            for f in flows:
                moved = state.delivered[f] - before.delivered[f]
                dip[f] = max(dip[f], moved - self.inputs.growth[f] * (state.t - before.t))
        if adv.completed or state.t < m.weeks[week + 1] or self._regular_weeks(week) < 1:
            return
        base = before.t
        self.cache[(start_key, m.week_sig[week])] = _WeekOutcome(
            delivered=tuple(state.delivered[f] - before.delivered[f] for f in flows),
            dip=tuple(dip[f] for f in flows),
            moving=tuple(_diff(state.moving.get(f, {}), before.moving.get(f, {})) for f in flows),
            blocked=tuple(
                _diff(state.blocked.get(f, {}), before.blocked.get(f, {})) for f in flows
            ),
            end_key=self._state_key(state),
            end_used=tuple(
                (inst, used)
                for inst, (w, used) in state.used.items()
                if m.links[self.instances[inst][0]].schedule.at(state.t) == w
            ),
            points=tuple(self._relative_points(adv, f, n_points[f], base, before) for f in flows),
        )

    @staticmethod
    def _relative_points(
        adv: _Advance, f: int, first: int, base: float, before: _State
    ) -> tuple[tuple[float, ...], tuple[float, ...]]:
        trace = adv.points.get(f, Trace())
        done = before.delivered[f]
        return (
            tuple(t - base for t in trace.times[first:]),
            tuple(v - done for v in trace.values[first:]),
        )

    def advance(self, state: _State, until: SimTime) -> _Advance:
        """Run ``state`` forward to ``until`` or the first completion, whichever is first."""
        if self.single is not None and state.remaining:
            return self._advance_single(state, until)
        adv = _Advance(state, [])
        weeks = self.model.weeks
        while state.t < until and state.remaining and not adv.completed:
            w = bisect.bisect_right(weeks, state.t) - 1
            at_boundary = abs(weeks[w] - state.t) <= TIME_TOL and w + 1 < len(weeks)
            if at_boundary:
                state.t = weeks[w]
                if not self._jump(state, w, until, adv):
                    self._explicit_week(state, w, until, adv)
            else:
                stop = min(weeks[w + 1], until) if w + 1 < len(weeks) else until
                while state.t < stop and not adv.completed:
                    self._step(state, stop, adv)
        return adv


class _WindowRates:
    """A link's rate in window k for this run's inputs, computed when first asked for."""

    def __init__(self, link: LinkModel, inputs: Inputs, records: bool) -> None:
        self.link = link
        self.records = records
        self.cache: dict[int, float] = {}
        self.inputs = inputs

    def __getitem__(self, w: int) -> float:
        rate = self.cache.get(w)
        if rate is None:
            rate = self.cache[w] = self._compute(w)
        return rate

    def _compute(self, w: int) -> float:
        i = self.link.index
        span = self.link.spans[w]
        if self.records:
            return min(self.inputs.records_rate[i], self.inputs.daily_records[i] / span)
        return window_rate(self.inputs.bandwidth[i], self.inputs.cap[i], span)


def _diff(after: dict[int, float], before: dict[int, float]) -> dict[int, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items() if v - before.get(k, 0.0) > 0}


# --- the SimPy processes -------------------------------------------------------------------


class _Run:
    """One simulation: a SimPy environment, a process per flow and one per component."""

    def __init__(self, model: Model, inputs: Inputs, record: bool, use_curves: bool) -> None:
        self.model = model
        self.inputs = inputs
        self.env = simpy.Environment()
        self.record = record
        n = len(model.flows)
        self.done = [self.env.event() for _ in range(n)]  # the flow's final completion
        self.phase_done = [self.env.event() for _ in range(n)]
        self.phase_end: list[SimTime] = [0.0] * n
        self.started: list[SimTime | None] = [None] * n
        self.finished: list[SimTime | None] = [None] * n
        self.delivered = [0.0] * n
        self.remaining_at_horizon: dict[int, float] = {}
        self.points = [Trace() for _ in range(n)]
        self.moving: dict[int, dict[int, float]] = {}
        self.blocked: dict[int, dict[int, float]] = {}
        self.solvers = [
            _Component(model, members, inputs, record, use_curves) for members in model.components
        ]
        self.states = [_State(0.0, {}, {}, {}, {}, {}) for _ in model.components]
        self.pending: list[list[tuple[int, float]]] = [[] for _ in model.components]
        self.wake = [self.env.event() for _ in model.components]
        for c in range(len(model.components)):
            self.env.process(self._component(c))
        for f in range(n):
            self.env.process(self._flow(f))

    def _phase(self, f: int, volume: float) -> Any:
        """Hand ``volume`` bytes of flow ``f`` to its component and wait until they are moved."""
        c = self.model.component_of[f]
        self.phase_done[f] = self.env.event()
        self.pending[c].append((f, volume))
        if not self.wake[c].triggered:
            self.wake[c].succeed()
        yield self.phase_done[f]

    def _flow(self, f: int) -> Any:
        flow = self.model.flows[f]
        growth = self.inputs.growth[f]
        if flow.after:
            yield simpy.AllOf(self.env, [self.done[d] for d in flow.after])
        if flow.earliest > self.env.now:
            yield self.env.timeout(flow.earliest - self.env.now)
        # The backlog includes what the source created since the scenario start.
        yield from self._phase(f, self.inputs.volume[f] + growth * self.env.now)
        fraction, delay = self.inputs.rejection[f]
        if fraction > 0:
            first_pass_end = self.phase_end[f]
            # Rejected data is fixed, then re-sent; re-sent data can be rejected again, so the
            # rework is fraction / (1 - fraction) of the first pass (a geometric series).
            rework = self.delivered[f] * fraction / (1.0 - fraction)
            if delay > 0:
                yield self.env.timeout(delay)
            yield from self._phase(f, rework + growth * (self.env.now - first_pass_end))
        self.finished[f] = self.phase_end[f]
        self.done[f].succeed()

    def _commit(self, c: int, adv: _Advance) -> None:
        self.states[c] = adv.state
        for f, pts in adv.points.items():
            self.points[f].extend(pts)
        for f in adv.completed:
            self.phase_end[f] = adv.state.t
            self.delivered[f] = adv.state.delivered.pop(f)
            self.phase_done[f].succeed()

    def _component(self, c: int) -> Any:
        solver = self.solvers[c]
        horizon = self.model.horizon
        while True:
            state = self.states[c]
            if self.pending[c]:
                # Catch up to now (completing anything due first), then let the new flows in.
                now = max(self.env.now, state.t)
                while state.t < now - TIME_TOL and state.remaining:
                    adv = solver.advance(state, now)
                    self._commit(c, adv)
                    state = adv.state
                state.t = now
                for f, volume in self.pending[c]:
                    state.remaining[f] = volume
                    state.delivered[f] = self.delivered[f]
                    if self.started[f] is None:
                        self.started[f] = now
                    if self.record:
                        self.points[f].add(now, self.delivered[f])
                self.pending[c] = []
                self.wake[c] = self.env.event()
            if not state.remaining:
                yield self.wake[c]
                continue
            prediction = solver.advance(state.copy(), horizon)
            if not prediction.completed:
                # Nothing completes before the horizon unless new flows change the sharing.
                yield self.wake[c]
                continue
            delay = max(0.0, prediction.state.t - self.env.now)
            yield self.env.timeout(delay) | self.wake[c]
            if self.env.now >= prediction.state.t - TIME_TOL or not self.pending[c]:
                self._commit(c, prediction)

    def result(self) -> RunResult:
        m = self.model
        for c, state in enumerate(self.states):
            if state.remaining:  # flows still moving at the horizon: account up to it
                self._commit(c, self.solvers[c].advance(state, m.horizon))
                for f, moved in self.states[c].delivered.items():
                    self.delivered[f] = moved
                self.remaining_at_horizon.update(self.states[c].remaining)
            self.moving.update(self.states[c].moving)
            self.blocked.update(self.states[c].blocked)
        flows = []
        for f, flow in enumerate(m.flows):
            moving = self.moving.get(f, {})
            blocked = self.blocked.get(f, {})
            seconds = moving if any(v > 0 for v in moving.values()) else blocked
            named = {m.links[k].name: v for k, v in seconds.items() if k >= 0}
            bottleneck = max(named, key=lambda k: named[k]) if named else None
            flows.append(
                FlowResult(
                    name=flow.name,
                    source=flow.source,
                    target=flow.target,
                    volume_bytes=self.inputs.volume[f],
                    started_s=self.started[f],
                    finished_s=self.finished[f],
                    delivered_bytes=self.delivered[f],
                    remaining_bytes=self.remaining_at_horizon.get(f, 0.0),
                    bottleneck=bottleneck,
                    limiting_seconds=tuple(sorted(named.items(), key=lambda kv: -kv[1])),
                    reason=self._never_reason(f, bottleneck),
                )
            )
        curves = None
        if self.record:
            curves = tuple((tuple(trace.times), tuple(trace.values)) for trace in self.points)
        return RunResult(tuple(flows), m.horizon, curves)

    def _never_reason(self, f: int, bottleneck: str | None) -> str:
        if self.finished[f] is not None:
            return ""
        m = self.model
        flow = m.flows[f]
        years = m.horizon / (365.25 * 86400)
        started = self.started[f]
        if started is None:
            waiting = [m.flows[d].name for d in flow.after if self.finished[d] is None]
            if waiting:
                return f"waits for {', '.join(waiting)}, which never complete(s)"
            return f"would start after the horizon ({years:g} years)"
        growth = self.inputs.growth[f]
        moved_per_s = self.delivered[f] / max(m.horizon - started, 1.0)
        if growth > 0 and moved_per_s <= growth * 1.0001:
            return (
                f"growth of {growth * 86400 / 1e9:.3g} GB/day outpaces the "
                f"{moved_per_s * 86400 / 1e9:.3g} GB/day it moves on average"
            )
        if self.delivered[f] <= 0:
            return f"nothing can move: {bottleneck or 'its links'} never has capacity"
        return f"not finished within the horizon ({years:g} years)"


def simulate(
    model: Model,
    inputs: Inputs | None = None,
    *,
    record: bool = False,
    method: str = "auto",
) -> RunResult:
    """Run the scenario once with ``inputs`` (default: every most likely value).

    ``record=True`` also returns each flow's cumulative-bytes curve. ``method="events"``
    solves flows alone on one link event by event too, instead of on the link's cumulative
    capacity curve ("auto"); the two must agree, and the tests check that they do.
    """
    if method not in ("auto", "events"):
        raise ValueError(f"method must be 'auto' or 'events', got {method!r}")
    inputs = inputs if inputs is not None else baseline_inputs(model)
    run = _Run(model, inputs, record, use_curves=method == "auto")
    run.env.run(until=model.horizon)
    return run.result()


def local_time(model: Model, t: SimTime) -> datetime:
    """The naive local date-time of SimTime ``t`` (to the nearest second)."""
    return model.clock.to_local(t)
