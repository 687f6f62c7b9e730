"""The compiled model and the engine's plain records: what goes into a run and what comes out.

A scenario is validated (``migrasim.scenario``) and then compiled once into a :class:`Model`
(``migrasim.scenario.compile.build_model``): links with their transfer windows as SimTime
intervals, flows with link indices, the components of flows that share links and the week
patterns. The solvers and the SimPy driver read only these records, never the pydantic scenario,
so the core can be used and tested without the scenario package.

One run's concrete values are an :class:`Inputs` (the baseline: every most likely value); a run
returns a :class:`RunResult` of :class:`FlowResult` records. A flow that never completes carries
a :class:`NotFinished` record saying why, as data; ``migrasim.render.reasons`` words it. A time
that never comes (a flow that never starts or never completes, a programme that never completes)
is :data:`~migrasim.core.calendar.NEVER` (inf), as in every array of completions, never ``None``.

Pure: no I/O, no randomness.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import NamedTuple

from migrasim.core import kinds
from migrasim.core.calendar import Clock, SimTime, WindowSchedule
from migrasim.core.capacity import INF
from migrasim.core.curve import CurveArrays
from migrasim.core.distributions import Estimate

Value = float | Estimate
"""An input as the scenario gives it: a plain SI value or a three-point estimate."""


class Rejection(NamedTuple):
    """Data the target rejects: the ``fraction`` rejected and the ``delay_s`` to fix it."""

    fraction: float
    delay_s: float


NO_REJECTION = Rejection(0.0, 0.0)


@dataclass(frozen=True)
class FlowEstimates:
    """A flow's inputs as given (values or estimates), for sampling and sensitivity."""

    volume: Value  # bytes
    growth: Value | None  # bytes/s; None: no growth
    rejection_fraction: Value | None  # None: nothing is rejected
    rejection_delay: Value | None  # seconds; None: re-sent at once
    inputs: tuple[tuple[str, Value | None], ...] = ()  # registered uncertain inputs by key
    # (analysis.uncertain; the built-in ones are the fields above)


@dataclass(frozen=True)
class LinkEstimates:
    """A link's inputs as given (values or estimates), for sampling and sensitivity."""

    bandwidth: Value | None  # bytes/s before efficiency; None: no bandwidth limit
    efficiency: Value
    daily_cap: Value | None  # bytes per working day
    records_rate: Value | None  # records/s
    daily_records: Value | None  # records per working day
    lead_time: Value | None  # seconds from the start until the link can be used
    mtbf: Value | None  # mean time between unplanned failures, seconds
    mttr: Value | None  # time to repair each failure, seconds
    turnaround: Value | None = None  # shipment links: seconds from departure to delivery
    limits: tuple[tuple[str, Value | None], ...] = ()  # registered capacity rules (core.kinds)
    inputs: tuple[tuple[str, Value | None], ...] = ()  # registered uncertain inputs by key
    # (analysis.uncertain; the built-in ones are the fields above)


@dataclass(frozen=True)
class ShipmentModel:
    """Shipped media: devices of ``capacity_bytes`` each, at most ``in_flight`` out at once,
    each delivering its load ``turnaround_s`` (most likely) after it leaves."""

    capacity_bytes: float
    turnaround_s: float  # most likely
    in_flight: int


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

    @cached_property
    def limits_records(self) -> bool:
        return kinds.limits_records(kinds.likely_values(self))

    planned: tuple[tuple[SimTime, SimTime], ...]  # planned outages
    available: SimTime  # most likely time from which the link can be used (-inf: always)
    fallback: int  # link used until available, -1 if none
    estimates: LinkEstimates
    shipment: ShipmentModel | None = None  # shipped media instead of a network (None: network)
    draws_as: str | None = None  # the link whose random streams it draws on (None: its own)
    not_before: SimTime = -math.inf  # not usable before this (a crew's slot), whatever the lead
    limits: tuple[tuple[str, float], ...] = ()  # registered capacity rules' likely values
    # a rule with one size per weekday: its size in each window (the weekday the window opens
    # on) at the rule's likely value, by key (core.kinds.day_amounts)
    profiles: tuple[tuple[str, tuple[float, ...]], ...] = ()

    @property
    def stream(self) -> str:
        """The name its random inputs are keyed by: ``links[NAME].lead_time`` (a copy of a
        link, ``draws_as``, draws on the original's streams)."""
        return self.draws_as or self.name


@dataclass(frozen=True)
class FlowModel:
    """A flow compiled: its links and dependencies as indices, its most likely values."""

    name: str
    source: str
    target: str
    volume_bytes: float  # most likely
    links: tuple[int, ...]
    after: tuple[int, ...]
    earliest: SimTime
    growth_bytes_per_s: float  # most likely
    records: float | None
    rejection: Rejection  # most likely
    estimates: FlowEstimates


@dataclass(frozen=True)
class Model:
    """A scenario compiled for simulation; build once, simulate many times."""

    name: str  # the scenario's name
    go_live: date | None  # completions must be before this date (None: no go-live)
    correlation: Mapping[str, float]  # correlation group -> rho
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
    rejection: tuple[Rejection, ...]  # per flow
    bandwidth: tuple[float, ...]  # per link, bandwidth x efficiency in bytes/s (inf: none)
    cap: tuple[float, ...]  # per link, bytes per working day (inf: none)
    records_rate: tuple[float, ...]  # per link, records/s while open (inf: none)
    daily_records: tuple[float, ...]  # per link, records per working day (inf: none)
    available: tuple[SimTime, ...]  # per link
    down: dict[tuple[int, int], Outages]  # (link, flow or -1) -> sorted, disjoint outages
    outages_until: SimTime = INF  # random outages after this were not drawn
    turnaround: tuple[float, ...] = ()  # per link, shipment turnaround in s (inf: not shipped)
    limits: Mapping[str, tuple[float, ...]] = field(default_factory=dict)  # registered rules'
    # values per link by key (core.kinds; the built-in rules are the fields above)

    def turnaround_of(self, link: LinkModel) -> float:
        """Link ``link``'s turnaround in this run (its most likely one if none was drawn)."""
        if link.index < len(self.turnaround):
            return self.turnaround[link.index]
        return INF if link.shipment is None else link.shipment.turnaround_s


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
        **kinds.as_fields(
            {r.key: tuple(r.likely(link) for link in model.links) for r in kinds.CAPACITY_RULES}
        ),
        available=tuple(link.available for link in model.links),
        down=down,
        turnaround=tuple(
            INF if link.shipment is None else link.shipment.turnaround_s for link in model.links
        ),
    )


def find_components(
    flows: list[FlowModel], links: list[LinkModel]
) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]]:
    """Group flows that may share a (non-per-flow) link, fallbacks included: union-find.

    Returns the components (flow indices) and the component of each flow."""
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


# --- results -------------------------------------------------------------------------------


class NeverReason(enum.Enum):
    """Why a flow does not complete within the horizon."""

    DEPENDENCY = "dependency"  # it waits for flows that never complete
    STARTS_AFTER_HORIZON = "starts_after_horizon"  # its start is after the horizon
    GROWTH = "growth"  # its source grows at least as fast as it moves
    NO_CAPACITY = "no_capacity"  # nothing ever moves: its links never have capacity
    HORIZON = "horizon"  # it moves, but not all of it within the horizon


@dataclass(frozen=True)
class NotFinished:
    """A flow's never-reason as data: the code and the figures a sentence about it needs."""

    code: NeverReason
    horizon_s: SimTime  # the scenario's horizon
    waiting_for: tuple[str, ...] = ()  # DEPENDENCY: the flows that never complete
    growth_bytes_per_s: float = 0.0  # GROWTH: how fast the source grows
    moved_bytes_per_s: float = 0.0  # GROWTH: how fast it moves on average since its start
    link: str | None = None  # NO_CAPACITY: the bottleneck link, if one is known


@dataclass(frozen=True)
class FlowResult:
    """One flow's outcome. Times are SimTime (seconds since the scenario start)."""

    name: str
    source: str
    target: str
    volume_bytes: float  # the backlog at the scenario start in this run
    started_s: SimTime  # NEVER: never started (a dependency never completed)
    finished_s: SimTime  # NEVER: not complete within the horizon
    delivered_bytes: float  # everything moved, growth and re-sent rejections included
    remaining_bytes: float  # still to move at the horizon (0 for a finished flow)
    bottleneck: str | None
    limiting_seconds: tuple[tuple[str, float], ...]  # link -> seconds it set the rate
    reason: NotFinished | None = None  # why a flow never completes (None: it does)


@dataclass(frozen=True)
class RunResult:
    """A whole run. ``curves[f]`` are (t, cumulative bytes) breakpoints, linear in between."""

    flows: tuple[FlowResult, ...]
    horizon_s: SimTime
    curves: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...] | None = None

    @property
    def finished_s(self) -> SimTime:
        """When the whole programme completed (NEVER if any flow never did)."""
        return max(f.finished_s for f in self.flows)
