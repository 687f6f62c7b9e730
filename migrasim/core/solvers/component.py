"""One component's layout for one run, and the state the solvers advance.

A *component* is a set of flows tied together by shared links. For one run's inputs its layout
is fixed: which link *instances* exist (a per-flow link has a copy per flow, a shared link one),
each flow's path of instances over time (a fallback stands in until a link is available), and
each instance's down time. Every solver reads this layout; it lives here so that none of them
owns it. Pure: no SimPy, no I/O.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from migrasim.core import kinds
from migrasim.core.calendar import SimTime
from migrasim.core.capacity import INF
from migrasim.core.curve import Trace
from migrasim.core.model import Inputs, LinkModel, Model, Outages, merge_intervals
from migrasim.core.solvers.ledger import Ledger

TIME_TOL = 1e-6
"""Seconds: events closer than this are simultaneous (floating-point dust, not physics)."""


def bytes_tol(volume: float) -> float:
    """Bytes left that count as none for a flow of ``volume`` bytes."""
    # Well under one byte for any real volume; covers the rounding of rate x duration sums.
    return max(1e-3, volume * 1e-13)


@dataclass
class State:
    """A component's flow-level state at time ``t``."""

    t: SimTime
    remaining: dict[int, float]  # active flow -> bytes left to move in this phase
    delivered: dict[int, float]  # active flow -> bytes moved so far (all phases)
    used: dict[int, tuple[int, float]]  # quota instance -> (window index, bytes used in it)
    # flow -> link -> binding seconds: that link set a positive rate, or held the flow at zero
    # with a spent quota (docs/semantics.md, "Bottleneck")
    moving: dict[int, dict[int, float]]
    blocked: dict[int, dict[int, float]]  # flow -> link -> other seconds it held it at zero
    ledger: Ledger | None = None  # shipment links only: devices and shipments in flight

    def used_in(self, inst: int, window: int) -> float:
        """Bytes quota instance ``inst`` has moved in ``window`` (0 in a window not drawn on)."""
        used_window, used = self.used.get(inst, (window, 0.0))
        return used if used_window == window else 0.0

    def copy(self) -> State:
        return State(
            self.t,
            dict(self.remaining),
            dict(self.delivered),
            dict(self.used),
            {f: dict(v) for f, v in self.moving.items()},
            {f: dict(v) for f, v in self.blocked.items()},
            None if self.ledger is None else self.ledger.copy(),
        )


@dataclass
class Advance:
    """What one call to a solver's ``advance`` did: the new state, completions and points."""

    state: State
    completed: list[int]
    points: dict[int, Trace] = field(default_factory=dict)


PathVersions = list[tuple[SimTime, list[int]]]
"""A flow's paths over time: (in use from, link instances), earliest first."""


class Component:
    """The link instances, paths and down time of one component's flows for one run."""

    def __init__(self, model: Model, flows: tuple[int, ...], inputs: Inputs, record: bool) -> None:
        self.model = model
        self.flows = flows
        self.inputs = inputs
        self.record = record
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
        self.paths: dict[int, PathVersions] = {}
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
        self.down: list[Outages] = []
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
        self.quota_only = self._quota_only(links, inputs)
        self.quota_instances |= self.quota_only
        self.link_ids = sorted({link for link, _ in self.instances})
        self.bytes_per_record: dict[int, float] = {}
        for f in flows:
            records = model.flows[f].records
            if records:
                self.bytes_per_record[f] = inputs.volume[f] / records
        self.tol = {f: bytes_tol(inputs.volume[f]) for f in flows}

    def _quota_only(self, links: tuple[LinkModel, ...], inputs: Inputs) -> set[int]:
        """Cap-only link instances that act as a quota per window: every path through them has
        another link that limits the rate (a bandwidth or a record rate), so whatever the rest
        of the path allows passes until the window's quota is used, then nothing until the next
        window. A cap-only link that is the only limit on a path spreads its quota evenly over
        its window instead (docs/scenario-format.md, "Daily caps")."""

        def limits_rate(inst: int) -> bool:
            return kinds.sets_rate(kinds.link_values(inputs, self.instances[inst][0]))

        paths_through: dict[int, list[list[int]]] = {}
        for f in self.flows:
            for _, insts in self.paths[f]:
                for inst in insts:
                    paths_through.setdefault(inst, []).append(insts)
        out = set()
        for inst, paths in paths_through.items():
            link = links[self.instances[inst][0]].index
            values = kinds.link_values(inputs, link)
            cap_only = kinds.day_bytes_set(values) and not kinds.byte_rate_set(values)
            if cap_only and all(any(o != inst and limits_rate(o) for o in p) for p in paths):
                out.add(inst)
        return out

    def lone_flow(self) -> int | None:
        """The flow, if the component is one flow on one link instance at a time; else None."""
        only = self.flows[0]
        # (also when a fallback stands in for the link until it is available)
        one_link = all(len(insts) == 1 for _, insts in self.paths[only])
        return only if len(self.flows) == 1 and one_link else None

    def path(self, f: int, t: SimTime) -> list[int]:
        """The link instances flow ``f`` uses at ``t``."""
        versions = self.paths[f]
        if len(versions) == 1:
            return versions[0][1]
        current = versions[0][1]
        for since, insts in versions:
            if since <= t:
                current = insts
        return current

    def path_version(self, f: int, t: SimTime) -> int:
        """How many of flow ``f``'s path versions have begun by ``t``."""
        return sum(1 for since, _ in self.paths[f] if since <= t)

    def is_down(self, inst: int, t: SimTime) -> bool:
        """Whether link instance ``inst`` is in an outage (or not yet available) at ``t``."""
        starts, ends = self.down[inst]
        i = bisect.bisect_right(starts, t) - 1
        return i >= 0 and t < ends[i]

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

    def next_irregular(self, t: SimTime) -> float:
        """The first outage edge or path switch strictly after ``t`` (inf if none)."""
        irregular = self.irregular
        i = bisect.bisect_right(irregular, t)
        return irregular[i] if i < len(irregular) else INF
