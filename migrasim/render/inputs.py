"""What a report shows, as typed values: the run's records, the headline, the charts and the
extra tables. The HTML page (:mod:`migrasim.render.view`) and the workbook
(:mod:`migrasim.render.xlsx`) both render a :class:`ReportInputs`; neither parses text back.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from migrasim.analysis.advice import setting_text
from migrasim.analysis.compare import CompareRow
from migrasim.analysis.records import (
    BottleneckCount,
    CapacityNeed,
    RunReport,
    SweepPoint,
    SwingSummary,
)
from migrasim.analysis.reforecast import Slip
from migrasim.render.headlines import Headline

__all__ = [
    "NEVER",
    "ExtraTable",
    "Never",
    "ReportInputs",
    "Value",
    "assumptions_of",
    "bottlenecks_table",
    "compare_table",
    "fix_table",
    "sensitivity_table",
    "solve_table",
    "sweep_table",
]


class Never(Enum):
    """A date that never comes (within the horizon): shown as the translated "never"."""

    NEVER = "never"


NEVER = Never.NEVER

Value = datetime.date | float | int | str | bool | Never | None
"""One cell of an extra table; None is no value (a blank cell)."""

PERCENT_COLUMNS = frozenset(
    {"prob_by_go_live", "prob_ci_low", "prob_ci_high", "prob_diff", "prob_diff_ci_low",
     "prob_diff_ci_high", "share", "bottleneck_share", "confidence", "share_complete"}
)  # fmt: skip
"""Columns holding a share (0-1), shown as a percentage."""


@dataclass(frozen=True)
class ExtraTable:
    """A table shown besides the summary (report section "Further results", a workbook sheet):
    ``key`` chooses its title (``messages.EXTRA_TITLES``), ``columns`` are code names
    (``messages.COLUMN_LABELS`` gives the headers) and the cells are typed values."""

    key: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]


@dataclass(frozen=True)
class ReportInputs:
    """Everything the report shows."""

    title: str
    command: str
    headline: Headline
    results: RunReport  # the run's records: the organisation table, counts, seed, replications
    figures: dict[str, bytes]  # PNG bytes by name ("burnup", "gantt", "cdf", any subset)
    assumptions: list[tuple[str, str]]  # (where, text) from the scenario's descriptions
    scenario_text: str
    version: str
    extra_tables: Sequence[ExtraTable] = field(default_factory=tuple)
    # A compare: every scenario's programme row (``CompareRow``, first scenario first), shown
    # side by side before anything else, and the label of the scenario the rest describes.
    comparison: tuple[CompareRow, ...] = ()
    detail: str | None = None
    # A re-forecast (track): the programme against its plan as of the log's date (the date is
    # in the title and the first screen), and the flows with no row in the log.
    slip: Slip | None = None
    unreported: tuple[str, ...] = ()

    @property
    def seed(self) -> int:
        return self.results.seed

    @property
    def replications(self) -> int | None:
        """None for a deterministic run."""
        return self.results.replications


def _day(day: datetime.date | None) -> datetime.date | Never:
    return NEVER if day is None else day


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def bottlenecks_table(counts: Iterable[BottleneckCount]) -> ExtraTable:
    """How often each link was each flow's bottleneck (bottlenecks.csv's rows)."""
    rows = tuple((c.flow, c.link, c.replications, round(c.share, 6)) for c in counts)
    return ExtraTable("bottlenecks", ("flow", "link", "replications", "share"), rows)


def sensitivity_table(swings: Iterable[SwingSummary]) -> ExtraTable:
    """One row per uncertain input (sensitivity.csv's rows), largest swing first."""
    rows = tuple(
        (s.input, s.low, s.high, _day(s.completed_on_at_low), _day(s.completed_on_at_high),
         round(s.change_low_days, 2), round(s.change_high_days, 2), round(s.swing_days, 2))
        for s in swings
    )  # fmt: skip
    columns = ("input", "low", "high", "completion_at_low", "completion_at_high",
               "change_low_days", "change_high_days", "swing_days")  # fmt: skip
    return ExtraTable("sensitivity", columns, rows)


FIX_COLUMNS = ("key", "confidence", "value", "low", "high")
"""fix.csv's columns (and the workbook's "What would fix it" sheet's)."""


def fix_table(need: CapacityNeed) -> ExtraTable:
    """What would fix it (fix.csv's rows): for each chance of making go-live (0.5, 0.8), the
    capacity with its ~95 % interval, each in the key's own terms as ``--set KEY=VALUE`` takes
    it (``4.97 GB``, ``186.3 Mbit/s``); blank where it lies beyond the searched range."""

    def text(value: float | None) -> str | None:
        return None if value is None else setting_text(value, need.unit)

    rows = tuple(
        (need.key, target.chance, text(target.needed), text(target.low), text(target.high))
        for target in need.targets
    )
    return ExtraTable("fix", FIX_COLUMNS, rows)


def compare_table(rows: Iterable[CompareRow]) -> ExtraTable:
    """The comparison (compare.csv's rows)."""
    columns = ("flow", "scenario", "p50", "p80", "p95", "prob_by_go_live", "prob_ci_low",
               "prob_ci_high", "p50_diff_days", "p80_diff_days", "p80_diff_ci_low",
               "p80_diff_ci_high", "mean_diff_days", "mean_diff_ci_low", "mean_diff_ci_high",
               "prob_diff", "prob_diff_ci_low", "prob_diff_ci_high")  # fmt: skip
    cells = []
    for r in rows:
        s = r.stats
        ci = s.prob_ci
        cells.append(
            (r.flow, r.scenario, _day(s.p50), _day(s.p80), _day(s.p95), _share(s.prob),
             _share(None if ci is None else ci[0]), _share(None if ci is None else ci[1]),
             r.p50_diff_days, r.p80_diff.estimate, r.p80_diff.low, r.p80_diff.high,
             r.mean_diff.estimate, r.mean_diff.low, r.mean_diff.high,
             r.prob_diff.estimate, r.prob_diff.low, r.prob_diff.high)
        )  # fmt: skip
    return ExtraTable("compare", columns, tuple(cells))


def sweep_table(points: Sequence[SweepPoint], keys: Sequence[str]) -> ExtraTable:
    """The sweep, point by point in grid order (sweep.csv's rows)."""
    columns = ("point", *keys, "p50", "p80", "p95", "prob_by_go_live", "prob_ci_low",
               "prob_ci_high", "replications", "point_go_live", "point_target",
               "meets_target")  # fmt: skip
    rows = []
    for i, p in enumerate(points):
        ci = p.chance_ci
        rows.append(
            (i, *(p.values[k] for k in keys), _day(p.p50), _day(p.p80), _day(p.p95),
             _share(p.chance), _share(None if ci is None else ci[0]),
             _share(None if ci is None else ci[1]), p.replications, p.go_live, p.target, p.meets)
        )  # fmt: skip
    return ExtraTable("sweep", columns, tuple(rows))


def solve_table(points: Iterable[Any]) -> ExtraTable:
    """Every value ``solve`` tried (``analysis.solve.Point``), in order of value, with what it
    achieved and whether the target was met (solve.json's evaluations)."""
    columns = ("value", "p50", "p80", "p95", "prob_by_go_live", "prob_ci_low", "prob_ci_high",
               "met")  # fmt: skip
    rows = []
    for p in points:
        s = p.stats
        ci = s.prob_ci
        rows.append(
            (p.text, _day(s.p50), _day(s.p80), _day(s.p95), _share(s.prob),
             _share(None if ci is None else ci[0]), _share(None if ci is None else ci[1]),
             bool(p.met))
        )  # fmt: skip
    return ExtraTable("solve", columns, tuple(rows))


def assumptions_of(scenario: Any) -> list[tuple[str, str]]:
    """(where, text) for every description in a scenario: the scenario's, each link's, each
    flow's. ``scenario`` is a :class:`migrasim.scenario.types.Scenario`."""
    found: list[tuple[str, str]] = []
    if scenario.description:
        found.append(("scenario", str(scenario.description)))
    for name, link in scenario.links.items():
        if link.description:
            found.append((f"links.{name}", str(link.description)))
    for flow in scenario.flows:
        if flow.description:
            found.append((f"flows[{flow.label}]", str(flow.description)))
    return found
