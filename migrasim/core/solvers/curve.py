"""The curve solver: a flow alone on one link, solved on the link's cumulative capacity curve.

When a component is a single flow using one link instance at a time, nothing is shared, so its
progress is the link's cumulative capacity (windows, caps, record limits, outages) minus its
growth: the completion is found by walking that curve (:mod:`migrasim.core.curve`) instead of
stepping event by event. The event stepper must agree with it; the tests check that it does.
Pure: no SimPy, no I/O.
"""

from __future__ import annotations

from migrasim.core import kinds
from migrasim.core.calendar import SimTime
from migrasim.core.capacity import INF
from migrasim.core.curve import LinkCurve, Trace, Walk
from migrasim.core.solvers.component import Advance, Component, State


class CurveSolver:
    """Advances a component that is one flow on one link instance at a time."""

    def __init__(self, component: Component, flow: int) -> None:
        self.component = component
        self.flow = flow
        self.curve_of: dict[int, LinkCurve] = {}

    def _curve(self, inst: int) -> LinkCurve:
        """Link instance ``inst``'s capacity curve for this run's inputs (memoised)."""
        if inst not in self.curve_of:
            comp = self.component
            model, inputs = comp.model, comp.inputs
            link_id = comp.instances[inst][0]
            link = model.links[link_id]
            per_record = comp.bytes_per_record.get(self.flow, 0.0) if link.limits_records else 0.0
            values = kinds.link_values(inputs, link_id)
            key = (float(link_id), *values, per_record)  # the quota follows from the values
            arrays = model.curve_cache.get(key)
            if arrays is None:
                if len(model.curve_cache) > 4096:  # bound the memo in long runs
                    model.curve_cache.clear()
                arrays = model.curve_cache[key] = kinds.curve_arrays(link, values, per_record)
            self.curve_of[inst] = LinkCurve(arrays, comp.down[inst])
        return self.curve_of[inst]

    def advance(self, state: State, until: SimTime) -> Advance:
        """Run ``state`` forward to ``until`` or the flow's completion, whichever is first."""
        adv = Advance(state, [])
        if not state.remaining:
            return adv
        versions = self.component.paths[self.flow]
        for k, (_, (inst,)) in enumerate(versions):
            next_since = versions[k + 1][0] if k + 1 < len(versions) else INF
            if next_since <= state.t:
                continue  # this path was replaced before now
            stop = min(until, next_since)
            done = self._walk(state, inst, stop, adv)
            if done or stop >= until:
                break
        return adv

    def _walk(self, state: State, inst: int, stop: float, adv: Advance) -> bool:
        """Walk the flow along instance ``inst``'s curve to ``stop``; True if it completes."""
        comp = self.component
        f = self.flow
        curve = self._curve(inst)
        link_id = comp.instances[inst][0]
        window, used = state.used.get(inst, (-1, 0.0))
        start = state.t
        walk = Walk(start, state.remaining[f], window, used, state.delivered[f])
        curve.advance(walk, comp.inputs.growth[f], stop, comp.tol[f], comp.record)
        state.t = walk.t
        state.delivered[f] = walk.moved
        if comp.model.links[link_id].quota_limited:
            state.used[inst] = (walk.window, walk.used)
        # the flow's only link: all its time here binds it (docs/semantics.md, "Bottleneck")
        acc = state.moving.setdefault(f, {})
        acc[link_id] = acc.get(link_id, 0.0) + (walk.t - start)
        if comp.record:
            adv.points.setdefault(f, Trace()).extend(walk.points)
        if walk.done:
            state.remaining.pop(f)
            adv.completed.append(f)
            return True
        state.remaining[f] = walk.remaining
        return False
