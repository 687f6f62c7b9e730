"""The week cache: identical weeks are simulated once and then jumped over.

Long stretches of identical weeks are not stepped through: a week is simulated once by the
event stepper, cached by (active flows, carried-over state, the week's window pattern), and a
run of identical weeks is then applied in one jump (``k`` weeks x the week's delivery), stopping
just before the week in which a flow completes. Holidays, closures and clock changes make a
week's pattern differ, and outages and path switches are irregular, so those weeks are
simulated, never skipped over. :func:`week_patterns` computes the patterns when a model is
compiled. Pure: no SimPy, no I/O.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from migrasim.core.calendar import Clock, SimTime, week_starts
from migrasim.core.capacity import INF
from migrasim.core.curve import Trace
from migrasim.core.model import LinkModel
from migrasim.core.solvers.component import TIME_TOL, Advance, Component, State
from migrasim.core.solvers.events import EventStepper


def week_patterns(
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


@dataclass
class WeekOutcome:
    """What one whole week did to a component, relative to its start."""

    delivered: tuple[float, ...]  # per active flow (in key order)
    dip: tuple[float, ...]  # most the backlog fell below its start value during the week
    # bytes left that the event stepper would count as none (docs: EventStepper.step): the
    # flow's bytes tolerance, or its fastest rate in the week x TIME_TOL if more
    slack: tuple[float, ...]
    moving: tuple[dict[int, float], ...]
    blocked: tuple[dict[int, float], ...]
    end_key: tuple[Any, ...]
    end_used: tuple[tuple[int, float], ...]
    points: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]  # relative to the week


class WeekSolver:
    """Advances a component week by week: cached weeks are jumped, others stepped."""

    def __init__(self, component: Component) -> None:
        self.component = component
        self.model = component.model
        self.inputs = component.inputs
        self.record = component.record
        self.instances = component.instances
        self.tol = component.tol
        self.stepper = EventStepper(component)
        self.cache: dict[tuple[Any, ...], WeekOutcome] = {}

    def state_key(self, state: State) -> tuple[Any, ...]:
        """What decides how a week from ``state`` unfolds, besides the week's window pattern."""
        comp = self.component
        t = state.t
        carried = []
        for inst in sorted(comp.quota_instances):
            link_id = self.instances[inst][0]
            schedule = self.model.links[link_id].schedule
            w = schedule.at(t)
            if w >= 0 and inst in state.used and state.used[inst][0] == w:
                carried.append(
                    (inst, round(schedule.close_s[w] - t, 6), round(state.used[inst][1], 3))
                )
        down = tuple(i for i in range(len(self.instances)) if comp.is_down(i, t))
        paths = tuple(comp.path_version(f, t) for f in state.remaining)
        return (tuple(state.remaining), tuple(carried), down, paths)

    def regular_weeks(self, week: int) -> int:
        """How many weeks from ``week`` on have no outage edge or path switch inside them."""
        weeks = self.model.weeks
        nxt = self.component.next_irregular(weeks[week])
        if nxt == INF:
            return len(weeks) - 1 - week
        return int((nxt - weeks[week]) // (weeks[week + 1] - weeks[week]))

    def jump(self, state: State, week: int, until: SimTime, adv: Advance) -> bool:
        """Apply cached whole weeks from the boundary ``week``; False if none could be."""
        m = self.model
        key = (self.state_key(state), m.week_sig[week])
        outcome = self.cache.get(key)
        if outcome is None:
            return False
        periodic = outcome.end_key == key[0]
        k = (m.run_end[week] - week) if periodic else 1
        k = min(k, self.regular_weeks(week))
        while k > 0 and m.weeks[week + k] > until:
            k -= 1
        length = m.weeks[week + 1] - m.weeks[week]
        for pos, f in enumerate(state.remaining):
            net = outcome.delivered[pos] - self.inputs.growth[f] * length
            # the stepper completes a flow with up to its slack left: no jumped week may end
            # within it, or the completion would be jumped over
            room = state.remaining[f] - outcome.slack[pos] - outcome.dip[pos]
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

    def explicit_week(self, state: State, week: int, until: SimTime, adv: Advance) -> None:
        """Simulate from the boundary ``week`` event by event; cache the week if it is whole."""
        m = self.model
        stop = min(m.weeks[week + 1], until)
        start_key = self.state_key(state)
        before = state.copy()
        flows = list(before.remaining)
        n_points = {f: len(adv.points.get(f, Trace())) for f in flows}
        dip = dict.fromkeys(flows, 0.0)
        slack = {f: self.tol[f] for f in flows}
        step = self.stepper.step
        while state.t < stop and not adv.completed:
            t, delivered = state.t, dict(state.delivered)
            step(state, stop, adv)
            dt = state.t - t
            for f in flows:
                moved = state.delivered[f] - before.delivered[f]
                dip[f] = max(dip[f], moved - self.inputs.growth[f] * (state.t - before.t))
                if dt > 0:
                    rate = (state.delivered[f] - delivered[f]) / dt
                    slack[f] = max(slack[f], rate * TIME_TOL)
        if adv.completed or state.t < m.weeks[week + 1] or self.regular_weeks(week) < 1:
            return
        base = before.t
        self.cache[(start_key, m.week_sig[week])] = WeekOutcome(
            delivered=tuple(state.delivered[f] - before.delivered[f] for f in flows),
            dip=tuple(dip[f] for f in flows),
            slack=tuple(slack[f] for f in flows),
            moving=tuple(_diff(state.moving.get(f, {}), before.moving.get(f, {})) for f in flows),
            blocked=tuple(
                _diff(state.blocked.get(f, {}), before.blocked.get(f, {})) for f in flows
            ),
            end_key=self.state_key(state),
            end_used=tuple(
                (inst, used)
                for inst, (w, used) in state.used.items()
                if m.links[self.instances[inst][0]].schedule.at(state.t) == w
            ),
            points=tuple(_relative_points(adv, f, n_points[f], base, before) for f in flows),
        )

    def advance(self, state: State, until: SimTime) -> Advance:
        """Run ``state`` forward to ``until`` or the first completion, whichever is first."""
        adv = Advance(state, [])
        weeks = self.model.weeks
        step = self.stepper.step
        while state.t < until and state.remaining and not adv.completed:
            w = bisect.bisect_right(weeks, state.t) - 1
            at_boundary = abs(weeks[w] - state.t) <= TIME_TOL and w + 1 < len(weeks)
            if at_boundary:
                state.t = weeks[w]
                if not self.jump(state, w, until, adv):
                    self.explicit_week(state, w, until, adv)
            else:
                stop = min(weeks[w + 1], until) if w + 1 < len(weeks) else until
                while state.t < stop and not adv.completed:
                    step(state, stop, adv)
        return adv


def _relative_points(
    adv: Advance, f: int, first: int, base: float, before: State
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Flow ``f``'s points recorded since index ``first``, relative to the week's start."""
    trace = adv.points.get(f, Trace())
    done = before.delivered[f]
    return (
        tuple(t - base for t in trace.times[first:]),
        tuple(v - done for v in trace.values[first:]),
    )


def _diff(after: dict[int, float], before: dict[int, float]) -> dict[int, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items() if v - before.get(k, 0.0) > 0}
