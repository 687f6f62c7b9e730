"""The event stepper: max-min fair rates held constant from one event to the next.

This is SimGrid's flow-level loop for one component. At each event (a window opens or closes,
a daily cap runs out, an outage starts or ends, a flow completes) every active flow's rate is
recomputed: each flow is bounded by its own per-flow links, and shares each shared link's bytes
and records with the others on it (:func:`migrasim.core.capacity.max_min_rates`). The state then
jumps straight to the earliest next event with exact arithmetic. Pure: no SimPy, no I/O.
"""

from __future__ import annotations

import numpy as np

from migrasim.core import kinds
from migrasim.core.calendar import SimTime
from migrasim.core.capacity import INF, Constraint, max_min_rates
from migrasim.core.curve import Trace
from migrasim.core.model import Inputs, LinkModel
from migrasim.core.solvers.component import TIME_TOL, Advance, Component, State


class WindowRates:
    """A link's rate in window k for this run's inputs, computed when first asked for."""

    def __init__(self, link: LinkModel, inputs: Inputs, records: bool) -> None:
        self.link = link
        self.records = records  # True: records/s; False: bytes/s
        self.cache: dict[int, float] = {}
        self.inputs = inputs
        self.values = kinds.link_values(inputs, link.index)
        amounts = kinds.day_amounts(link, self.values)  # per window where they differ
        self.amounts = amounts if any(isinstance(a, np.ndarray) for a in amounts) else None

    def __getitem__(self, w: int) -> float:
        rate = self.cache.get(w)
        if rate is None:
            rate = self.cache[w] = self._compute(w)
        return rate

    def _compute(self, w: int) -> float:
        amounts = self.amounts
        if amounts is not None:
            amounts = [a[w] if isinstance(a, np.ndarray) else a for a in amounts]
        byte, record = kinds.window_rates(self.values, self.link.spans[w], min, amounts)
        return float(record if self.records else byte)


class EventStepper:
    """Steps one component from event to event."""

    def __init__(self, component: Component) -> None:
        self.component = component
        # Read on every step: held here rather than looked up through the component each time.
        self.model = component.model
        self.inputs = component.inputs
        self.record = component.record
        self.instances = component.instances
        self.quota_instances = component.quota_instances
        self.quota_only = component.quota_only
        self.link_ids = component.link_ids
        self.bytes_per_record = component.bytes_per_record
        self.tol = component.tol
        self.down = component.down
        self.path = component.path
        self.is_down = component.is_down
        self.next_irregular = component.next_irregular
        links, inputs = self.model.links, self.inputs
        # per link: the bytes a window may move (kinds.window_quota; inf: none), one number for
        # every window or one per window
        self.quotas = {i: kinds.window_quota(links[i], kinds.link_values(inputs, i))
                       for i in self.link_ids}  # fmt: skip
        self.byte_rates = {i: WindowRates(links[i], inputs, False) for i in self.link_ids}
        self.record_rates = {i: WindowRates(links[i], inputs, True) for i in self.link_ids}

    def quota(self, link_id: int, w: int) -> float:
        """The bytes window ``w`` of link ``link_id`` may move (inf: no quota)."""
        quota = self.quotas[link_id]
        return float(quota[w]) if isinstance(quota, np.ndarray) else quota

    def capacity(self, state: State, inst: int) -> tuple[float, float]:
        """(bytes/s, records/s) an instance allows now; 0 when closed, down or used up."""
        link_id = self.instances[inst][0]
        link = self.model.links[link_id]
        w = link.schedule.at(state.t)
        if w < 0 or (self.down[inst][0] and self.is_down(inst, state.t)):
            return 0.0, 0.0
        # a window whose quota is spent moves nothing, nor one whose quota is 0 (a weekday left
        # out) from its first instant, before it is drawn on
        if inst in self.quota_instances and state.used_in(inst, w) >= self.quota(link_id, w):
            return 0.0, 0.0
        if inst in self.quota_only:  # a quota, not a rate: the rest of the path sets the rate
            return INF, self.record_rates[link_id][w]
        return self.byte_rates[link_id][w], self.record_rates[link_id][w]

    def holding(self, state: State, f: int) -> int:
        """The link that binds flow ``f`` while it is held at zero, or -1 (docs/semantics.md,
        "Bottleneck"): the first link on its path whose quota is spent now (its window open
        and the window's quota used up), else its path's only link (closed or down)."""
        path = self.path(f, state.t)
        if len(path) == 1:
            return self.instances[path[0]][0]
        for inst in path:
            if inst in self.quota_instances:
                link_id = self.instances[inst][0]
                w = self.model.links[link_id].schedule.at(state.t)
                if w >= 0 and state.used_in(inst, w) >= self.quota(link_id, w):
                    return link_id
        return -1

    def rates(self, state: State) -> tuple[list[int], list[float], list[int]]:
        """Active flows, their rates, and the link that limits each."""
        active = list(state.remaining)
        caps: dict[int, tuple[float, float]] = {}
        bounds = []
        bound_link = []
        # (instance, 0): its byte limit; (instance, 1): its record limit
        shared: dict[tuple[int, int], Constraint] = {}
        for pos, f in enumerate(active):
            bound, limiter = INF, -1
            for inst in self.path(f, state.t):
                if inst not in caps:
                    caps[inst] = self.capacity(state, inst)
                byte_rate, record_rate = caps[inst]
                link_id, owner = self.instances[inst]
                per_record = self.bytes_per_record.get(f, 0.0)
                if owner == -1:
                    if byte_rate < INF:
                        limit = shared.setdefault((inst, 0), Constraint(byte_rate, [], []))
                        limit.flows.append(pos)
                        limit.weights.append(1.0)
                    if self.model.links[link_id].limits_records:
                        limit = shared.setdefault((inst, 1), Constraint(record_rate, [], []))
                        limit.flows.append(pos)
                        limit.weights.append(1.0 / per_record)
                else:
                    limit_rate = min(byte_rate, record_rate * per_record if per_record else INF)
                    if limit_rate < bound or (limiter == -1 and limit_rate <= bound):
                        bound, limiter = limit_rate, link_id
            bounds.append(bound)
            bound_link.append(limiter)
        keys = list(shared)
        rates, binding = max_min_rates(bounds, [shared[k] for k in keys])
        limiters = [
            bound_link[pos] if b == -1 else self.instances[keys[b][0]][0]
            for pos, b in enumerate(binding)
        ]
        return active, rates, limiters

    def step(self, state: State, stop: SimTime, adv: Advance) -> None:
        """Advance ``state`` to the next event (or ``stop``), completing flows that finish."""
        t = state.t
        active, rates, limiters = self.rates(state)
        # held at zero by a spent quota, or by a path's only link: that link binds
        waiting = {
            pos: link
            for pos, f in enumerate(active)
            if rates[pos] <= 0 and (link := self.holding(state, f)) >= 0
        }
        growth = self.inputs.growth
        t_next = min(stop, self.next_irregular(t))
        for link_id in self.link_ids:
            t_next = min(t_next, self.model.links[link_id].schedule.next_change(t))
        throughput: dict[int, float] = {}
        for pos, f in enumerate(active):
            rate = rates[pos]
            if rate > growth[f]:
                t_next = min(t_next, t + state.remaining[f] / (rate - growth[f]))
            if rate > 0:
                for inst in self.path(f, t):
                    if inst in self.quota_instances:
                        throughput[inst] = throughput.get(inst, 0.0) + rate
        for inst, thr in throughput.items():
            link_id = self.instances[inst][0]
            w = self.model.links[link_id].schedule.at(t)
            t_next = min(t_next, t + (self.quota(link_id, w) - state.used_in(inst, w)) / thr)
        dt = t_next - t
        for inst, thr in throughput.items():
            link_id = self.instances[inst][0]
            w = self.model.links[link_id].schedule.at(t)
            cap = self.quota(link_id, w)
            used = state.used_in(inst, w) + thr * dt
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
            binds = rate > 0 or pos in waiting
            binder = waiting.get(pos, limiters[pos])
            acc = (state.moving if binds else state.blocked).setdefault(f, {})
            acc[binder] = acc.get(binder, 0.0) + dt
            if self.record:
                adv.points.setdefault(f, Trace()).add(t_next, state.delivered[f])
            if left == 0.0:
                adv.completed.append(f)
        for f in adv.completed:
            state.remaining.pop(f, None)
