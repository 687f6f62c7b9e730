"""Shipped media: bytes move in discrete deliveries, not at a rate.

A shipment link has ``in_flight`` devices of ``capacity_bytes`` each (per flow with
``per_flow: true``, else one pool shared by the flows on the link). The rules
(docs/scenario-format.md, "Shipped media"):

- A device can leave at any moment the link's window is open (on a working day, within its
  ``window``; 00:00-24:00 without one) once the link is available (its ``lead_time``). A device
  that is back while the window is closed leaves when it next opens.
- A device leaving takes what is waiting at the source and not yet shipped, up to its capacity.
  On a shared link each device is filled max-min fairly across the flows waiting on it (equal
  shares; a flow needing less than its share takes what it needs and the rest is split among
  the others); several idle devices leave one after another at the same moment.
- A shipment delivers its load ``turnaround`` (calendar time: copy, transit, ingest) after it
  leaves, and its device is back, free to leave again, at that same moment.
- Growth: the source keeps growing until the device that takes its last waiting bytes leaves;
  that departure is the flow's cutover. The flow completes when that shipment is delivered.
  Data written after the cutover belongs to a delta flow (``after:``) on a network link.

Pure: no SimPy, no I/O.
"""

from __future__ import annotations

from migrasim.core.calendar import SimTime
from migrasim.core.capacity import INF
from migrasim.core.curve import Trace
from migrasim.core.model import LinkModel
from migrasim.core.solvers.component import TIME_TOL, Advance, Component, State
from migrasim.core.solvers.ledger import Ledger, Owner, Shipment


def fill_device(capacity: float, waiting: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """One device's load: ``capacity`` bytes split max-min fairly over ``waiting`` (flow, bytes).

    Flows needing less than an equal share take all they need; the rest is shared equally."""
    load = []
    left = capacity
    ordered = sorted(waiting, key=lambda fw: (fw[1], fw[0]))
    for pos, (f, need) in enumerate(ordered):
        take = min(need, left / (len(ordered) - pos))
        if take > 0:
            load.append((f, take))
        left -= take
    return sorted(load)


class ShipmentSolver:
    """Advances a component whose flows travel on one shipment link each (see module doc)."""

    def __init__(self, component: Component) -> None:
        self.component = component
        self.model = component.model
        self.inputs = component.inputs
        self.record = component.record
        self.tol = component.tol
        self.owner: dict[int, Owner] = {}
        for f in component.flows:
            link = self.model.links[self.model.flows[f].links[0]]
            self.owner[f] = (link.index, f if link.per_flow else -1)

    def _link(self, owner: Owner) -> LinkModel:
        return self.model.links[owner[0]]

    def _new_ledger(self) -> Ledger:
        devices: dict[Owner, list[float]] = {}
        for owner in self.owner.values():
            shipment = self._link(owner).shipment
            assert shipment is not None  # the engine picks this solver for shipment links only
            devices[owner] = [-INF] * shipment.in_flight
        return Ledger({}, set(), devices, [])

    def _next_departure(self, owner: Owner, t: SimTime) -> SimTime:
        """The first moment from ``t`` on that a device of ``owner`` may leave."""
        link = self._link(owner)
        t1 = max(t, self.inputs.available[link.index])
        w = link.schedule.at(t1)
        if w >= 0:
            return t1
        nxt = -1 - w
        return link.schedule.open_s[nxt] if nxt < len(link.schedule.open_s) else INF

    def _waiting(self, state: State, ledger: Ledger, owner: Owner) -> list[tuple[int, float]]:
        return [
            (f, ledger.unshipped[f])
            for f in state.remaining
            if self.owner[f] == owner and f not in ledger.cut and ledger.unshipped[f] > 0
        ]

    def _dispatch(self, state: State, ledger: Ledger) -> None:
        """Send every idle device that may leave now with what is waiting."""
        t = state.t
        for owner, devices in ledger.devices.items():
            if self._next_departure(owner, t) > t + TIME_TOL:
                continue
            link = self._link(owner)
            shipment = link.shipment
            assert shipment is not None
            for d, back in enumerate(devices):
                waiting = self._waiting(state, ledger, owner)
                if not waiting:
                    break
                if back > t + TIME_TOL:
                    continue
                load = fill_device(shipment.capacity_bytes, waiting)
                for f, moved in load:
                    left = ledger.unshipped[f] - moved
                    if left <= self.tol[f]:
                        left = 0.0
                        ledger.cut.add(f)
                    ledger.unshipped[f] = left
                arrives = t + self.inputs.turnaround_of(link)
                devices[d] = arrives
                ledger.out.append(Shipment(arrives, owner, tuple(load)))
        ledger.out.sort(key=lambda s: s.arrives)

    def _next_event(self, state: State, ledger: Ledger) -> SimTime:
        """The next delivery, or the next moment an idle device may leave with waiting bytes."""
        t_next = ledger.out[0].arrives if ledger.out else INF
        for owner, devices in ledger.devices.items():
            idle = any(back <= state.t + TIME_TOL for back in devices)
            if idle and self._waiting(state, ledger, owner):
                t_next = min(t_next, self._next_departure(owner, state.t))
        return t_next

    def _elapse(self, state: State, ledger: Ledger, t_next: SimTime) -> None:
        """Move time to ``t_next``: sources grow until their cutover; account link time."""
        dt = t_next - state.t
        for f in state.remaining:
            if f not in ledger.cut:
                grown = self.inputs.growth[f] * dt
                ledger.unshipped[f] += grown
                state.remaining[f] += grown
            link = self.owner[f][0]
            ready = state.t >= self.inputs.available[link] - TIME_TOL
            acc = (state.moving if ready else state.blocked).setdefault(f, {})
            acc[link] = acc.get(link, 0.0) + dt
        state.t = t_next

    def _arrive(self, state: State, ledger: Ledger, adv: Advance) -> None:
        """Deliver the shipments due by now; complete flows whose last shipment arrived."""
        t = state.t
        while ledger.out and ledger.out[0].arrives <= t + TIME_TOL:
            shipment = ledger.out.pop(0)
            for f, moved in shipment.load:
                before = state.delivered[f]
                state.delivered[f] = before + moved
                state.remaining[f] -= moved
                if self.record:
                    trace = adv.points.setdefault(f, Trace())
                    trace.add(t, before)  # deliveries are steps: flat, then a jump
                    trace.add(t, before + moved)
        carrying = {f for s in ledger.out for f, _ in s.load}
        for f in list(state.remaining):
            if f in ledger.cut and f not in carrying:
                adv.completed.append(f)
                state.remaining.pop(f)
                ledger.unshipped.pop(f)
                ledger.cut.discard(f)

    def advance(self, state: State, until: SimTime) -> Advance:
        """Run ``state`` forward to ``until`` or the first completion, whichever is first."""
        adv = Advance(state, [])
        if state.ledger is None:
            state.ledger = self._new_ledger()
        ledger = state.ledger
        for f, backlog in state.remaining.items():
            if f not in ledger.unshipped:  # a flow (or its re-send phase) joins
                ledger.unshipped[f] = backlog
        while True:
            self._dispatch(state, ledger)
            t_next = min(until, self._next_event(state, ledger))
            if t_next > state.t:
                self._elapse(state, ledger, t_next)
            self._arrive(state, ledger, adv)
            if adv.completed or state.t >= until or not (state.remaining or ledger.out):
                return adv
