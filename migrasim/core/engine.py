"""The SimPy process driver: ``simulate(model)`` runs a compiled model once.

Flows are SimPy processes that wait for their start time and dependencies, then join the
*component* they belong to: the set of flows tied together by shared links (flows on per-flow
links only are each a component of their own). Each component is one SimPy process that asks
its solver (:mod:`migrasim.core.solvers`) when its next flow completes and sleeps until then,
or until a new flow joins it. The solver is the curve solver for a flow alone on one link, else
the week solver (cached identical weeks over the event stepper's max-min fair rates); flows on
shipped media move in discrete deliveries (:mod:`migrasim.core.solvers.shipment`).

The records a run reads and returns are in :mod:`migrasim.core.model`; compiling a scenario
into them is ``migrasim.scenario.compile.build_model``. Pure: no I/O, no printing, no
randomness. Returns plain frozen records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import simpy

from migrasim.core.calendar import NEVER, SimTime
from migrasim.core.capacity import INF
from migrasim.core.curve import Trace
from migrasim.core.model import (
    FlowResult,
    Inputs,
    Model,
    NeverReason,
    NotFinished,
    RunResult,
    baseline_inputs,
)
from migrasim.core.solvers.component import TIME_TOL, Advance, Component, State
from migrasim.core.solvers.curve import CurveSolver
from migrasim.core.solvers.shipment import ShipmentSolver
from migrasim.core.solvers.weeks import WeekSolver

__all__ = [
    "FlowResult",
    "Inputs",
    "Model",
    "RunResult",
    "baseline_inputs",
    "simulate",
]


class Solver(Protocol):
    """Moves one component's state forward (see :mod:`migrasim.core.solvers`)."""

    def advance(self, state: State, until: SimTime) -> Advance:
        """Run ``state`` forward to ``until`` or the first completion, whichever is first."""
        ...


def _solver(
    model: Model, flows: tuple[int, ...], inputs: Inputs, record: bool, use_curves: bool
) -> Solver:
    """The shipment solver for flows on shipped media, the curve solver for a flow alone on
    one link (at a time), else the week solver."""
    component = Component(model, flows, inputs, record)
    if any(model.links[model.flows[f].links[0]].shipment is not None for f in flows):
        return ShipmentSolver(component)  # validation keeps shipment links alone on a path
    lone = component.lone_flow() if use_curves else None
    if lone is not None:
        return CurveSolver(component, lone)
    return WeekSolver(component)


class _Run:
    """One simulation: a SimPy environment, a process per flow and one per component."""

    def __init__(
        self,
        model: Model,
        inputs: Inputs,
        record: bool,
        use_curves: bool,
        components: tuple[int, ...] | None = None,
        ready: Mapping[int, SimTime] | None = None,
    ) -> None:
        self.model = model
        self.inputs = inputs
        self.env = simpy.Environment()
        self.record = record
        n = len(model.flows)
        # the components run (default: all) and their flows; a flow outside them that one of
        # those waits for completes at its ``ready`` time (inf: never)
        self.runs = tuple(range(len(model.components))) if components is None else components
        if components is None:
            self.run_flows = list(range(n))
            outside: list[int] = []
        else:
            self.run_flows = sorted(f for c in self.runs for f in model.components[c])
            inside = set(self.run_flows)
            outside = sorted({d for f in self.run_flows for d in model.flows[f].after} - inside)
        env = self.env
        self.done = {f: env.event() for f in (*self.run_flows, *outside)}  # final completion
        self.phase_done = {f: env.event() for f in self.run_flows}
        self.phase_end: list[SimTime] = [0.0] * n
        self.started: list[SimTime] = [NEVER] * n
        self.finished: list[SimTime] = [NEVER] * n
        self.delivered = [0.0] * n
        self.remaining_at_horizon: dict[int, float] = {}
        self.points = {f: Trace() for f in self.run_flows}
        self.moving: dict[int, dict[int, float]] = {}
        self.blocked: dict[int, dict[int, float]] = {}
        comps = model.components
        self.solvers = {c: _solver(model, comps[c], inputs, record, use_curves) for c in self.runs}
        self.states = {c: State(0.0, {}, {}, {}, {}, {}) for c in self.runs}
        self.pending: dict[int, list[tuple[int, float]]] = {c: [] for c in self.runs}
        self.wake = {c: env.event() for c in self.runs}
        for c in self.runs:
            env.process(self._component(c))
        for f in self.run_flows:
            env.process(self._flow(f))
        for d in outside:
            t = INF if ready is None else ready.get(d, INF)
            if t <= model.horizon:
                env.process(self._ready(d, t))

    def _ready(self, f: int, t: SimTime) -> Any:
        """Flow ``f``, outside the components run, completes at ``t``."""
        yield self.env.timeout(max(0.0, t - self.env.now))
        self.finished[f] = t
        self.done[f].succeed()

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

    def _commit(self, c: int, adv: Advance) -> None:
        self.states[c] = adv.state
        for f, pts in adv.points.items():
            self.points[f].extend(pts)
        for f in adv.completed:
            self.phase_end[f] = adv.state.t
            self.delivered[f] = adv.state.delivered.pop(f)
            self.phase_done[f].succeed()

    def _component(self, c: int) -> Any:
        solver = self.solvers[c]
        # A completion within TIME_TOL of the horizon completes (floating-point dust must not
        # decide the boundary): look that far past it, and report it at the horizon.
        horizon = self.model.horizon + TIME_TOL
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
                    if self.started[f] == NEVER:
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
        for c, state in self.states.items():
            if state.remaining:  # flows still moving at the horizon: account up to it
                self._commit(c, self.solvers[c].advance(state, m.horizon))
                for f, moved in self.states[c].delivered.items():
                    self.delivered[f] = moved
                self.remaining_at_horizon.update(self.states[c].remaining)
            self.moving.update(self.states[c].moving)
            self.blocked.update(self.states[c].blocked)
        flows = []
        for f in self.run_flows:
            flow = m.flows[f]
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
                    finished_s=_at_most(self.finished[f], m.horizon),
                    delivered_bytes=self.delivered[f],
                    remaining_bytes=self.remaining_at_horizon.get(f, 0.0),
                    bottleneck=bottleneck,
                    limiting_seconds=tuple(sorted(named.items(), key=lambda kv: -kv[1])),
                    reason=self._never_reason(f, bottleneck),
                )
            )
        curves = None
        if self.record:
            curves = tuple(
                (tuple(self.points[f].times), tuple(self.points[f].values)) for f in self.run_flows
            )
        return RunResult(tuple(flows), m.horizon, curves)

    def _never_reason(self, f: int, bottleneck: str | None) -> NotFinished | None:
        """Why flow ``f`` never completes, as data (None when it completes)."""
        if self.finished[f] != NEVER:
            return None
        m = self.model
        flow = m.flows[f]
        started = self.started[f]
        if started == NEVER:
            waiting = tuple(m.flows[d].name for d in flow.after if self.finished[d] == NEVER)
            if waiting:
                return NotFinished(NeverReason.DEPENDENCY, m.horizon, waiting_for=waiting)
            return NotFinished(NeverReason.STARTS_AFTER_HORIZON, m.horizon)
        growth = self.inputs.growth[f]
        moved_per_s = self.delivered[f] / max(m.horizon - started, 1.0)
        if growth > 0 and moved_per_s <= growth * 1.0001:
            return NotFinished(
                NeverReason.GROWTH,
                m.horizon,
                growth_bytes_per_s=growth,
                moved_bytes_per_s=moved_per_s,
            )
        if self.delivered[f] <= 0:
            return NotFinished(NeverReason.NO_CAPACITY, m.horizon, link=bottleneck)
        return NotFinished(NeverReason.HORIZON, m.horizon)


def _at_most(t: SimTime, horizon: SimTime) -> SimTime:
    """A completion in the last TIME_TOL past the horizon is reported at the horizon."""
    return t if t == NEVER or t <= horizon else horizon


def simulate(
    model: Model,
    inputs: Inputs | None = None,
    *,
    record: bool = False,
    method: str = "auto",
    components: tuple[int, ...] | None = None,
    ready: Mapping[int, SimTime] | None = None,
) -> RunResult:
    """Run the scenario once with ``inputs`` (default: every most likely value).

    ``record=True`` also returns each flow's cumulative-bytes curve. ``method="events"``
    solves flows alone on one link event by event too, instead of on the link's cumulative
    capacity curve ("auto"); the two must agree, and the tests check that they do.

    ``components`` (indices into ``model.components``): run only those, as the whole run would
    (the batch solves the others); the result's flows are theirs, in model order. A flow they
    wait for outside them completes at its time in ``ready`` (missing or inf: never).
    """
    if method not in ("auto", "events"):
        raise ValueError(f"method must be 'auto' or 'events', got {method!r}")
    inputs = inputs if inputs is not None else baseline_inputs(model)
    run = _Run(model, inputs, record, method == "auto", components, ready)
    run.env.run(until=model.horizon + TIME_TOL)
    return run.result()
