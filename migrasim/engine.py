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

import simpy

from migrasim.calendar import (
    Clock,
    SimTime,
    WindowSchedule,
    build_calendar,
    week_starts,
    window_schedule,
)
from migrasim.capacity import INF, max_min_rates, window_rate
from migrasim.scenario import Scenario, likely_of

TIME_TOL = 1e-6
"""Seconds: events closer than this are simultaneous (floating-point dust, not physics)."""


def _bytes_tol(volume: float) -> float:
    # Well under one byte for any real volume; covers the rounding of rate x duration sums.
    return max(1e-3, volume * 1e-13)


@dataclass(frozen=True)
class LinkModel:
    """A link compiled against the calendar: its windows and the rate while each is open."""

    name: str
    per_flow: bool
    schedule: WindowSchedule
    rates: tuple[float, ...]
    cap_bytes: float  # per window (working day); inf without a daily cap
    quota_limited: bool  # both cap and bandwidth: the cap can run out inside a window


@dataclass(frozen=True)
class FlowModel:
    name: str
    source: str
    target: str
    volume_bytes: float
    links: tuple[int, ...]
    after: tuple[int, ...]
    earliest: SimTime


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


def build_model(scenario: Scenario) -> Model:
    """Compile ``scenario``: calendar, link windows, components and week patterns."""
    clock = Clock(scenario.start, scenario.tz)
    horizon = float(scenario.horizon)
    first = scenario.start.date() - timedelta(days=1)
    last = (clock.to_local(horizon) + timedelta(days=2)).date()
    calendar = build_calendar(scenario.calendar, first, last)
    names = list(scenario.links)
    links = []
    for name in names:
        spec = scenario.links[name]
        schedule = window_schedule(spec.window, calendar, clock, first, last)
        rates = tuple(
            window_rate(spec.rate_bytes_per_s, spec.cap_bytes, c - o)
            for o, c in zip(schedule.open_s, schedule.close_s, strict=True)
        )
        cap = spec.cap_bytes if spec.cap_bytes is not None else INF
        links.append(
            LinkModel(
                name, spec.per_flow, schedule, rates, cap, spec.bandwidth is not None and cap < INF
            )
        )
    labels = scenario.flow_names()
    flows = []
    for flow in scenario.flows:
        earliest = 0.0 if flow.start is None else max(0.0, clock.to_sim(flow.start))
        flows.append(
            FlowModel(
                flow.label,
                flow.source,
                flow.target,
                likely_of(flow.volume),
                tuple(names.index(n) for n in flow.links),
                tuple(labels.index(n) for n in flow.after),
                earliest,
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


def _components(
    flows: list[FlowModel], links: list[LinkModel]
) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    """Group flows that share a (non-per-flow) link: union-find."""
    parent = list(range(len(flows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_user: dict[int, int] = {}
    for f, flow in enumerate(flows):
        for link in flow.links:
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
            i, j = bisect.bisect_left(s.open_s, lo), bisect.bisect_left(s.open_s, hi)
            pattern.append(
                tuple(
                    (round(s.open_s[k] - lo, 6), round(s.close_s[k] - lo, 6), link.rates[k])
                    for k in range(i, j)
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
    volume_bytes: float
    started_s: SimTime | None  # None: never started (a dependency never completed)
    finished_s: SimTime | None  # None: not complete within the horizon ("never")
    bottleneck: str | None
    limiting_seconds: tuple[tuple[str, float], ...]  # link -> seconds it set the rate


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
    remaining: dict[int, float]  # active flow -> bytes left
    used: dict[int, tuple[int, float]]  # quota instance -> (window index, bytes used in it)
    moving: dict[int, dict[int, float]]  # flow -> link -> seconds that link set a positive rate
    blocked: dict[int, dict[int, float]]  # flow -> link -> seconds that link held it at zero

    def copy(self) -> _State:
        return _State(
            self.t,
            dict(self.remaining),
            dict(self.used),
            {f: dict(v) for f, v in self.moving.items()},
            {f: dict(v) for f, v in self.blocked.items()},
        )


@dataclass
class _WeekOutcome:
    delivered: tuple[float, ...]
    moving: tuple[dict[int, float], ...]
    blocked: tuple[dict[int, float], ...]
    end_key: tuple[Any, ...]
    end_used: tuple[tuple[int, float], ...]
    points: tuple[tuple[tuple[float, float], ...], ...]


@dataclass
class _Advance:
    state: _State
    completed: list[int]
    points: dict[int, list[tuple[float, float]]] = field(default_factory=dict)


class _Component:
    """The flow-level solver for one component (pure arithmetic; the SimPy process drives it)."""

    def __init__(self, model: Model, flows: tuple[int, ...], record: bool) -> None:
        self.model = model
        self.record = record
        self.cache: dict[tuple[Any, ...], _WeekOutcome] = {}
        # Link instances: a per-flow link has a copy per flow, a shared link one instance.
        self.instances: list[tuple[int, int]] = []
        index: dict[tuple[int, int], int] = {}
        self.flow_instances: dict[int, list[int]] = {}
        for f in flows:
            mine = []
            for link in model.flows[f].links:
                key = (link, f) if model.links[link].per_flow else (link, -1)
                if key not in index:
                    index[key] = len(self.instances)
                    self.instances.append(key)
                mine.append(index[key])
            self.flow_instances[f] = mine
        self.quota_instances = [
            i for i, (link, _) in enumerate(self.instances) if model.links[link].quota_limited
        ]
        self.link_ids = sorted({link for link, _ in self.instances})
        self.tol = {f: _bytes_tol(model.flows[f].volume_bytes) for f in flows}

    # -- the explicit, event-by-event part ------------------------------------------------

    def _capacity(self, state: _State, inst: int) -> float:
        link_id = self.instances[inst][0]
        link = self.model.links[link_id]
        w = link.schedule.at(state.t)
        if w < 0:
            return 0.0
        if link.quota_limited:
            used_w, used = state.used.get(inst, (w, 0.0))
            if used_w == w and used >= link.cap_bytes:
                return 0.0
        return link.rates[w]

    def _rates(self, state: _State) -> tuple[list[int], list[float], list[int]]:
        """Active flows, their rates, and the link that limits each."""
        active = list(state.remaining)
        caps = {}
        for f in active:
            for inst in self.flow_instances[f]:
                if inst not in caps:
                    caps[inst] = self._capacity(state, inst)
        bounds = []
        bound_link = []
        shared_members: dict[int, list[int]] = {}
        for pos, f in enumerate(active):
            bound, limiter = INF, -1
            for inst in self.flow_instances[f]:
                link_id, owner = self.instances[inst]
                if owner == -1:
                    shared_members.setdefault(inst, []).append(pos)
                elif caps[inst] < bound:
                    bound, limiter = caps[inst], link_id
            bounds.append(bound)
            bound_link.append(limiter)
        shared_insts = list(shared_members)
        rates, binding = max_min_rates(bounds, [(caps[i], shared_members[i]) for i in shared_insts])
        limiters = [
            bound_link[pos] if b == -1 else self.instances[shared_insts[b]][0]
            for pos, b in enumerate(binding)
        ]
        return active, rates, limiters

    def _step(self, state: _State, stop: SimTime, adv: _Advance) -> None:
        """Advance ``state`` to the next event (or ``stop``), completing flows that finish."""
        t = state.t
        active, rates, limiters = self._rates(state)
        t_next = stop
        for link_id in self.link_ids:
            t_next = min(t_next, self.model.links[link_id].schedule.next_change(t))
        throughput: dict[int, float] = {}
        for pos, f in enumerate(active):
            if rates[pos] > 0:
                t_next = min(t_next, t + state.remaining[f] / rates[pos])
                for inst in self.flow_instances[f]:
                    if inst in self.quota_instances:
                        throughput[inst] = throughput.get(inst, 0.0) + rates[pos]
        for inst, thr in throughput.items():
            link = self.model.links[self.instances[inst][0]]
            w = link.schedule.at(t)
            used_w, used = state.used.get(inst, (w, 0.0))
            used = used if used_w == w else 0.0
            t_next = min(t_next, t + (link.cap_bytes - used) / thr)
        dt = t_next - t
        for inst, thr in throughput.items():
            link = self.model.links[self.instances[inst][0]]
            w = link.schedule.at(t)
            used_w, used = state.used.get(inst, (w, 0.0))
            used = (used if used_w == w else 0.0) + thr * dt
            if link.cap_bytes - used <= max(thr * TIME_TOL, 1e-3):
                used = link.cap_bytes
            state.used[inst] = (w, used)
        for pos, f in enumerate(active):
            rate = rates[pos]
            if rate > 0:
                left = state.remaining[f] - rate * dt
                if left <= self.tol[f] or left <= rate * TIME_TOL:
                    left = 0.0
                state.remaining[f] = left
                lim = state.moving.setdefault(f, {})
                lim[limiters[pos]] = lim.get(limiters[pos], 0.0) + dt
            else:
                blk = state.blocked.setdefault(f, {})
                blk[limiters[pos]] = blk.get(limiters[pos], 0.0) + dt
        state.t = t_next
        for f in active:
            if self.record:
                adv.points.setdefault(f, []).append(
                    (t_next, self.model.flows[f].volume_bytes - state.remaining[f])
                )
            if state.remaining[f] <= self.tol[f]:
                state.remaining[f] = 0.0
                adv.completed.append(f)
        for f in adv.completed:
            state.remaining.pop(f, None)

    # -- whole weeks: cache and jump --------------------------------------------------------

    def _state_key(self, state: _State) -> tuple[Any, ...]:
        carried = []
        for inst in self.quota_instances:
            link = self.model.links[self.instances[inst][0]]
            w = link.schedule.at(state.t)
            if w >= 0 and inst in state.used and state.used[inst][0] == w:
                carried.append(
                    (
                        inst,
                        round(link.schedule.close_s[w] - state.t, 6),
                        round(state.used[inst][1], 3),
                    )
                )
        return (tuple(state.remaining), tuple(carried))

    def _jump(self, state: _State, week: int, until: SimTime, adv: _Advance) -> bool:
        """Apply cached whole weeks from the boundary ``week``; False if none could be."""
        m = self.model
        key = (self._state_key(state), m.week_sig[week])
        outcome = self.cache.get(key)
        if outcome is None:
            return False
        periodic = outcome.end_key == key[0]
        k = (m.run_end[week] - week) if periodic else 1
        while k > 0 and m.weeks[week + k] > until:
            k -= 1
        for pos, f in enumerate(state.remaining):
            d = outcome.delivered[pos]
            if d > 0:
                # the flow must still have bytes left after the last jumped week
                k = min(k, math.ceil((state.remaining[f] - self.tol[f]) / d) - 1)
        if k <= 0:
            return False
        base = state.t
        length = m.weeks[week + 1] - m.weeks[week]
        for pos, f in enumerate(state.remaining):
            if self.record:
                done = m.flows[f].volume_bytes - state.remaining[f]
                pts = adv.points.setdefault(f, [])
                for j in range(k):
                    for rt, rd in outcome.points[pos]:
                        pts.append((base + j * length + rt, done + j * outcome.delivered[pos] + rd))
            state.remaining[f] -= k * outcome.delivered[pos]
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
        n_points = {f: len(adv.points.get(f, [])) for f in state.remaining}
        while state.t < stop and not adv.completed:
            self._step(state, stop, adv)
        if adv.completed or state.t < m.weeks[week + 1]:
            return
        flows = list(before.remaining)
        base = before.t
        outcome = _WeekOutcome(
            delivered=tuple(before.remaining[f] - state.remaining[f] for f in flows),
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
            points=tuple(
                tuple(
                    (t - base, c - (m.flows[f].volume_bytes - before.remaining[f]))
                    for t, c in adv.points.get(f, [])[n_points[f] :]
                )
                for f in flows
            ),
        )
        self.cache[(start_key, m.week_sig[week])] = outcome

    def advance(self, state: _State, until: SimTime) -> _Advance:
        """Run ``state`` forward to ``until`` or the first completion, whichever is first."""
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


def _diff(after: dict[int, float], before: dict[int, float]) -> dict[int, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items() if v - before.get(k, 0.0) > 0}


# --- the SimPy processes -------------------------------------------------------------------


class _Run:
    """One simulation: a SimPy environment, a process per flow and one per component."""

    def __init__(self, model: Model, record: bool) -> None:
        self.model = model
        self.env = simpy.Environment()
        self.record = record
        n = len(model.flows)
        self.done = [self.env.event() for _ in range(n)]
        self.started: list[SimTime | None] = [None] * n
        self.finished: list[SimTime | None] = [None] * n
        self.points: list[list[tuple[float, float]]] = [[] for _ in range(n)]
        self.moving: dict[int, dict[int, float]] = {}
        self.blocked: dict[int, dict[int, float]] = {}
        self.solvers = [_Component(model, members, record) for members in model.components]
        self.states = [_State(0.0, {}, {}, {}, {}) for _ in model.components]
        self.pending: list[list[int]] = [[] for _ in model.components]
        self.wake = [self.env.event() for _ in model.components]
        for c in range(len(model.components)):
            self.env.process(self._component(c))
        for f in range(n):
            self.env.process(self._flow(f))

    def _flow(self, f: int) -> Any:
        flow = self.model.flows[f]
        if flow.after:
            yield simpy.AllOf(self.env, [self.done[d] for d in flow.after])
        if flow.earliest > self.env.now:
            yield self.env.timeout(flow.earliest - self.env.now)
        c = self.model.component_of[f]
        self.pending[c].append(f)
        if not self.wake[c].triggered:
            self.wake[c].succeed()

    def _commit(self, c: int, adv: _Advance) -> None:
        self.states[c] = adv.state
        for f, pts in adv.points.items():
            self.points[f].extend(pts)
        for f in adv.completed:
            self.finished[f] = adv.state.t
            self.done[f].succeed()

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
                for f in self.pending[c]:
                    state.remaining[f] = self.model.flows[f].volume_bytes
                    self.started[f] = now
                    if self.record:
                        self.points[f].append((now, 0.0))
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
                    flow.name,
                    flow.source,
                    flow.target,
                    flow.volume_bytes,
                    self.started[f],
                    self.finished[f],
                    bottleneck,
                    tuple(sorted(named.items(), key=lambda kv: -kv[1])),
                )
            )
        curves = None
        if self.record:
            curves = tuple(
                (tuple(t for t, _ in pts), tuple(c for _, c in pts)) for pts in self.points
            )
        return RunResult(tuple(flows), m.horizon, curves)


def simulate(model: Model, *, record: bool = False) -> RunResult:
    """Run the scenario once. ``record=True`` also returns each flow's cumulative-bytes curve."""
    run = _Run(model, record)
    run.env.run(until=model.horizon)
    return run.result()


def local_time(model: Model, t: SimTime) -> datetime:
    """The naive local date-time of SimTime ``t`` (to the nearest second)."""
    return model.clock.to_local(t)
