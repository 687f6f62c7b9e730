"""Typed result records: what a run found, as values (dates, floats, None for never).

Built once by :func:`migrasim.analysis.summary.summarise`; the CSV, workbook, HTML, charts and
the terminal all read these and never parse text back. Dates are local to the scenario's time
zone; a ``*_on`` date follows the end-of-day rule on the exact instant
(``core.calendar.Clock.completion_day``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from migrasim.analysis.advice import Fix
from migrasim.core.model import NotFinished
from migrasim.core.rules import Status
from migrasim.scenario.types import PROGRAMME_ROW

if TYPE_CHECKING:
    import numpy as np

    from migrasim.scenario.overrides import Change

PROGRAMME = PROGRAMME_ROW  # no flow may be called this (scenario validation)
"""The name of the programme's row (the whole migration)."""


@dataclass(frozen=True)
class FlowSummary:
    """One flow's results, or the programme's (``name == "ALL"``)."""

    name: str
    source: str  # "" for the programme
    target: str
    volume_bytes: float  # the backlog at the start
    total_bytes: float  # everything to move (growth and re-sent rejections included)
    start: datetime | None  # local; None: never starts
    baseline_completion: datetime | None  # local moment, None: never (within the horizon)
    baseline_completed_on: date | None  # the date that moment counts for
    p50: date | None  # completion-date quantiles over the replications; None = never
    p80: date | None
    p95: date | None
    p80_ci: tuple[date | None, date | None]  # ~95 % interval of the P80
    p80_halfwidth_days: float | None  # None when an end of the interval is never
    chance: float | None  # of finishing before go-live (0-1); None without go-live
    chance_ci: tuple[float, float] | None  # its 95 % interval
    days_late: int | None  # of the baseline (core.rules.days_late); None: no go-live or never
    late_in_baseline: bool | None  # the baseline misses go-live; None without go-live
    status: Status | None  # core.rules.status; None without go-live
    bottleneck: str  # most frequent bottleneck link ("" for none)
    bottleneck_share: float  # share of replications it was the bottleneck (0-1)
    never_reason: NotFinished | None  # why the flow never finishes (None: it does)
    # The organisation the flow belongs to (its own name for an organisation's record, "" for
    # the programme's).
    organisation: str = ""

    @property
    def is_programme(self) -> bool:
        return self.name == PROGRAMME


@dataclass(frozen=True)
class StatusCounts:
    """How many organisations (the programme not counted) have each status, and how many miss
    go-live in the baseline run (``RunReport.organisations``: an organisation is in time when
    all its flows are). Counted once, shown everywhere."""

    flows: int  # how many flows the organisations have
    organisations: int  # how many organisations the statuses count
    on_track: int
    at_risk: int
    late: int  # likely late (late, in a deterministic run)
    late_in_baseline: int


@dataclass(frozen=True)
class BandDay:
    """Overall progress (fraction 0-1) at the end of one day: P10, P50 and P90 over the
    replications."""

    day: date
    p10: float
    p50: float
    p90: float


@dataclass(frozen=True)
class BottleneckCount:
    """How often a link was a flow's bottleneck."""

    flow: str
    link: str
    replications: int
    share: float  # of all replications


@dataclass(frozen=True)
class SwingSummary:
    """One uncertain input's effect on the programme's completion (one-at-a-time)."""

    input: str
    low: float
    high: float
    completed_on_at_low: date | None  # None: never
    completed_on_at_high: date | None
    change_low_days: float  # against the baseline; never counts as the horizon
    change_high_days: float

    @property
    def swing_days(self) -> float:
        return abs(self.change_high_days - self.change_low_days)


@dataclass(frozen=True)
class CapacityTarget:
    """The capacity at which a share ``chance`` of the replications makes go-live, with a
    ~95 % distribution-free interval (order statistics of the per-replication needs).
    Values are in the need's ``unit``; None: beyond the searched range (``high`` also None
    when the interval's upper end is)."""

    chance: float  # 0.5, 0.8
    needed: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class CapacityNeed:
    """What would fix it, with its uncertainty: the bottleneck's capacity each replication
    needs to make go-live (on the run's own draws), summarised for P50 and P80 targets."""

    key: str  # e.g. links.capped.daily_cap
    noun: str  # "daily cap", "bandwidth", ...
    link: str
    unit: str  # "GB" (per day), "Mbit/s", "records/day", "records/s"
    current: float  # today's most likely value in ``unit``
    replications: int  # draws used
    searched_up_to: float  # in ``unit``: needs beyond this count as not reachable
    targets: tuple[CapacityTarget, ...]


@dataclass(frozen=True)
class Relief:
    """How many days earlier the programme finishes at the most likely inputs with one kind of
    uncertain input relieved everywhere: ``relief`` is the kind's
    (:attr:`~migrasim.analysis.uncertain.UncertainInput.relief`, e.g. "lead_time": no install
    lead time; "remediation": no remediation delay for rejected records)."""

    relief: str
    days: float


@dataclass(frozen=True)
class Binding:
    """What holds the programme back, in plain terms, from the baseline (most likely inputs):
    how many days earlier the programme finishes with the bottleneck link's capacity doubled,
    and with each kind of uncertain input that has a relief relieved (no install lead time, no
    remediation delay for rejected records: ``reliefs``, one per relief the registry weighs).
    The largest gain names the constraint (``kind``); a tie goes to the link, then to the
    relief of least rank."""

    kind: str  # "link", or the relief of the largest gain (a Relief.relief)
    link: str  # the programme's bottleneck link ("" for none)
    description: str | None  # the link's description in the scenario, if any
    link_days: float
    reliefs: tuple[Relief, ...] = ()  # in the registry's order of relief rank
    # On the run's draws: how many days earlier the programme's P80 comes with the bottleneck
    # link's capacity doubled (None: not measured, or the P80 never comes), and on how many.
    link_p80_days: float | None = None
    p80_draws: int = 0

    def relief_days(self, relief: str) -> float:
        """The days relieving ``relief`` brings the finish earlier (0: not weighed)."""
        return next((r.days for r in self.reliefs if r.relief == relief), 0.0)


@dataclass(frozen=True)
class BaselineMovers:
    """What moves the baseline beyond volume / capacity: totals over every flow."""

    volume_bytes: float  # the file's volumes (most likely)
    total_bytes: float  # moved in the baseline: growth and re-sent rejections included
    closures: bool  # the calendar has closures (change freezes)
    # the uncertain input kinds (keys, registry order: ``UncertainInput.moves``) whose most
    # likely value moves the baseline somewhere: "growth" (some flow grows while it waits or
    # moves), "rejection.fraction" (some flow re-sends rejected records), "lead_time" (some
    # link has an install lead time)
    inputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunReport:
    """Everything one run of one scenario found."""

    scenario_name: str
    seed: int
    replications: int | None  # None: a deterministic run (no Monte Carlo)
    go_live: date | None
    flows: tuple[FlowSummary, ...]
    programme: FlowSummary
    counts: StatusCounts
    band: tuple[BandDay, ...] | None  # with replications only
    flow_names: tuple[str, ...]
    # [replication, flow]: local completion moments, datetime64[s] (NaT: never); an array, as
    # a run of 10,000 flows has a million of them
    completions: np.ndarray | None
    programme_days: tuple[date | None, ...]  # the programme's completion date per replication
    bottlenecks: tuple[BottleneckCount, ...] | None  # with replications only
    swings: tuple[SwingSummary, ...] | None  # when any input is uncertain
    fix: Fix | None  # what would make go-live (the bottleneck's capacity), if assessed
    # When the count was chosen by precision (no --replications, no 'replications:'): the
    # programme P80's half-width asked for and reached, in days, and whether the cap stopped it.
    precision_goal_days: float | None = None
    precision_half_width_days: float | None = None
    precision_capped: bool = False
    capacity: CapacityNeed | None = None  # the fix with its uncertainty (P50 / P80 targets)
    binding: Binding | None = None  # the binding constraint in plain terms
    movers: BaselineMovers | None = None
    overrides: tuple[str, ...] = ()  # the what-if: --set and --variant changes, as given
    # One record per organisation (``analysis.summary.organisation_summaries``), in the order
    # of their first flow: what the counts, the organisations that matter most and the Gantt
    # count. An organisation completes with its last flow, in each replication.
    organisations: tuple[FlowSummary, ...] = ()
    # [replication, flow]: the date ordinal each completion counts for (``calendar.NEVER``,
    # inf: never), from the exact instant (``core.calendar.Clock.completion_days``); beside
    # ``completions``
    completion_days: np.ndarray | None = None
    changes: tuple[Change, ...] = ()  # the same, as read: the file's value and the value run

    @property
    def binding_description(self) -> str | None:
        return None if self.binding is None else self.binding.description

    @property
    def rows(self) -> tuple[FlowSummary, ...]:
        """The flows, then the programme: summary.csv's rows."""
        return (*self.flows, self.programme)

    @property
    def deterministic(self) -> bool:
        return self.replications is None

    def by_organisation(self) -> tuple[tuple[FlowSummary, tuple[FlowSummary, ...]], ...]:
        """Each organisation's record with the records of its flows, in order; no flows when
        the organisation is one flow of its own name (the default), so that a table lists
        every flow once, under its organisation."""
        flows: dict[str, list[FlowSummary]] = {}
        for flow in self.flows:
            flows.setdefault(flow.organisation, []).append(flow)
        out = []
        for org in self.organisations:
            members = flows.get(org.name, [])
            alone = len(members) == 1 and members[0].name == org.name
            out.append((org, () if alone else tuple(members)))
        return tuple(out)

    @property
    def grouped(self) -> bool:
        """Some organisation is not simply one flow of its own name."""
        return any(members for _, members in self.by_organisation())


@dataclass(frozen=True)
class SweepPoint:
    """One point of a sweep: the values set, the programme's P-dates and chance by its own
    go-live (the point's scenario's, so a swept go-live or start is judged as it ran)."""

    values: Mapping[str, str]  # key -> value as written
    p80: date | None  # None: never
    chance: float | None  # None without go-live
    p50: date | None = None
    p95: date | None = None
    chance_ci: tuple[float, float] | None = None
    replications: int | None = None  # as run (1 for a deterministic scenario)
    go_live: date | None = None  # the point's own go-live (a swept or --set one), None: none
    target: str | None = None  # what it is judged by, its go-live as a date: "P80 < 2026-01-05"
    meets: bool | None = None  # whether it meets that target; None: not judged (no go-live)
