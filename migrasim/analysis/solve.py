"""Find the smallest capacity (or latest start) that meets a target, by bisection.

Every point is the same scenario with one key changed, run with the same seed: common random
numbers, so the target's answer moves only because of the change. Before trusting bisection the
target is checked at a few points across the range; if it is not monotone there, the answer says
so.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from migrasim.analysis import uncertain
from migrasim.analysis.experiment import Outcome, run_scenario, with_overrides
from migrasim.analysis.runner import LOCAL, Execution, Precision, cluster_session
from migrasim.analysis.sampling import has_uncertainty
from migrasim.analysis.stats import DateStats, date_stats
from migrasim.core import kinds, units
from migrasim.core.calendar import WEEKDAYS
from migrasim.errors import N_, Problem, ScenarioError
from migrasim.scenario.types import Scenario

_TARGET = re.compile(
    r"^\s*(?P<metric>P50|P80|P95|prob_by_go_live)\s*(?P<op><=|>=|<|>)\s*(?P<value>\S+)\s*$",
    re.IGNORECASE,
)
_QUANTITY = re.compile(r"^\s*(?P<num>[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*(?P<unit>.*?)\s*$")


@dataclass(frozen=True)
class Target:
    """``P80 < go_live``, ``P95 <= 2026-01-05`` or ``prob_by_go_live >= 0.9``."""

    text: str
    metric: str  # p50, p80, p95 or prob_by_go_live
    op: str
    threshold: date | float

    def met(self, stats: DateStats) -> bool:
        if self.metric == "prob_by_go_live":
            value: Any = stats.prob if stats.prob is not None else 0.0
        else:
            day = getattr(stats, self.metric)
            if day is None:
                return self.op in (">", ">=")
            value = day
        threshold = self.threshold
        return bool(
            {
                "<": value < threshold,
                "<=": value <= threshold,
                ">": value > threshold,
                ">=": value >= threshold,
            }[self.op]
        )


def parse_target(text: str, go_live: date | None) -> Target:
    """Read a target; ``go_live`` stands for the scenario's go-live date."""
    match = _TARGET.match(text)
    fix = N_("write e.g. 'P80 < go_live', 'P95 <= 2026-01-05' or 'prob_by_go_live >= 0.9'")
    if not match:
        raise ScenarioError([Problem("--target", N_("cannot read %(text)s", text=repr(text)), fix)])
    metric = match["metric"].lower()
    raw = match["value"]
    threshold: date | float
    if metric == "prob_by_go_live":
        if go_live is None:
            raise ScenarioError(
                [Problem("go_live", N_("the target needs a go-live date"), N_("add go_live"))]
            )
        try:
            threshold = float(raw)
        except ValueError:
            raise ScenarioError(
                [Problem("--target", N_("%(raw)s is not a probability", raw=repr(raw)), fix)]
            ) from None
    elif raw.lower() == "go_live":
        if go_live is None:
            raise ScenarioError(
                [
                    Problem(
                        "go_live",
                        N_("the target names go_live but the scenario has none"),
                        N_("add go_live or give a date"),
                    )
                ]
            )
        threshold = go_live
    else:
        try:
            threshold = date.fromisoformat(raw)
        except ValueError:
            raise ScenarioError(
                [Problem("--target", N_("%(raw)s is not a date or go_live", raw=repr(raw)), fix)]
            ) from None
    return Target(text.strip(), metric, match["op"], threshold)


def _check_flow(scenario: Scenario, flow: str, source: str | None) -> None:
    """``--flow`` names a flow of the scenario (or ALL, the programme), before anything runs."""
    names = [f.name for f in scenario.flows]
    if flow == "ALL" or flow in names:
        return
    close = difflib.get_close_matches(flow, names, n=1)
    fix = (
        N_("did you mean %(name)s? name a flow, or ALL for the programme", name=repr(close[0]))
        if close
        else N_("name a flow, or ALL for the programme")
    )
    raise ScenarioError([Problem("--flow", N_("no flow named %(flow)s", flow=repr(flow)), fix)],
                        source)  # fmt: skip


@dataclass(frozen=True)
class Scale:
    """How values of the varied key are written and interpolated."""

    key: str
    unit: str  # '' for plain numbers, 'date' for dates

    def parse(self, text: str) -> float:
        if self.unit == "date":
            return float(date.fromisoformat(text.strip()[:10]).toordinal())
        match = _QUANTITY.match(text)
        if not match or match["unit"] != self.unit:
            raise ScenarioError(
                [Problem("--between",
                         N_("%(text)s is not in %(unit)s", text=repr(text), unit=self.unit)
                         if self.unit
                         else N_("%(text)s is not in plain numbers", text=repr(text)),
                         N_("give LOW and HIGH in the same unit, e.g. '1 GB' '20 GB'"))]
            )  # fmt: skip
        return float(match["num"])

    def text(self, x: float) -> str:
        if self.unit == "date":
            return date.fromordinal(round(x)).isoformat()
        number = f"{x:.4g}" if abs(x) >= 1e-3 else f"{x:.3e}"
        return f"{number} {self.unit}".strip()

    def si(self, x: float) -> float | str:
        """The value in SI units (bytes, bytes/s, seconds...), or an ISO date."""
        text = self.text(x)
        if self.unit == "date":
            return text
        leaf = self.key.rsplit(".", 1)[-1]
        rule = kinds.rule_of(leaf) if self.key.startswith("links") else None
        if rule is not None:  # a capacity rule parses its own unit (core.kinds)
            return rule.parse(text)
        kind = uncertain.input_of(leaf)  # an uncertain input parses its own unit
        if kind is not None and kind.parse is not None:
            return kind.parse(text)
        return float(text.split()[0]) if not self.unit else units.parse_size(text)


def scale_for(key: str, low: str, high: str) -> Scale:
    if key.rsplit(".", 1)[-1] == "start":
        return Scale(key, "date")
    match_low, match_high = _QUANTITY.match(low), _QUANTITY.match(high)
    if not match_low or not match_high:
        raise ScenarioError(
            [Problem("--between",
                     N_("cannot read %(low)s and %(high)s as values", low=repr(low),
                        high=repr(high)),
                     N_("give two values in the same unit, e.g. '1 GB' '20 GB'"))]
        )  # fmt: skip
    if match_low["unit"] != match_high["unit"]:
        raise ScenarioError(
            [Problem("--between",
                     N_("%(low)s and %(high)s use different units", low=repr(low),
                        high=repr(high)),
                     N_("give LOW and HIGH in the same unit"))]
        )  # fmt: skip
    return Scale(key, match_low["unit"])


@dataclass
class Point:
    value: float
    text: str
    met: bool
    stats: DateStats


@dataclass
class Solution:
    key: str
    target: Target
    value: Point | None  # None: not achievable in the range
    direction: str  # 'smallest' or 'largest'
    monotone: bool
    note: str
    replications: int
    seed: int
    points: list[Point] = field(default_factory=list)
    scale: Scale | None = None


@dataclass(frozen=True)
class SolveAdvice:
    """``solve``'s answer as a report's headline advice: the solution and the range searched
    (as the user wrote it)."""

    solution: Solution
    low: str
    high: str


def _stats(outcome: Outcome, flow: str) -> DateStats:
    return date_stats(outcome.days(flow), outcome.scenario.go_live, exact=outcome.mc is None)


def solve(
    data: Any,
    source: str | None,
    key: str,
    low: str,
    high: str,
    target_text: str,
    replications: int | None,
    seed: int,
    execution: Execution = LOCAL,
    flow: str = "ALL",
    read_value: Callable[[str], Any] = str,
    grid_points: int = 5,
    on_point: Callable[[Point], None] | None = None,
    precision: Precision | None = None,
) -> Solution:
    """Bisection on ``key`` between ``low`` and ``high`` for ``target_text``, every point's
    replications run where ``execution`` says (one cluster connection for them all). Without
    a count (argument or scenario file), every point runs as many replications as the
    unchanged scenario needs to meet ``precision``."""
    with cluster_session(execution):
        return _solve(data, source, key, low, high, target_text, replications, seed, execution,
                      flow, read_value, grid_points, on_point, precision)  # fmt: skip


def _in_proportion(
    base: Scenario, key: str, read_value: Callable[[str], Any]
) -> Callable[[str], Any]:
    """``read_value``, except for a capacity rule the link gives one size per weekday
    (``links.NAME.<key>``): a value is then its largest day's, every other day in proportion,
    as the advice and the board state it (``core.kinds.day_amounts``)."""
    parts = key.split(".")
    link = base.links.get(parts[1]) if len(parts) == 3 and parts[0] == "links" else None
    rule = kinds.rule_of(parts[-1])
    days = None if link is None or rule is None else link.profiles.get(rule.key)
    if rule is None or not days:
        return read_value
    parse = rule.parse

    def read(text: str) -> dict[str, str]:
        ratio = parse(text) / max(days)
        return {day: f"{size * ratio!r} B" for day, size in zip(WEEKDAYS, days, strict=True)
                if size > 0}  # fmt: skip

    return read


@dataclass
class _Points:
    """The values a solve tries, each run once (keyed by its text, as the scale writes it):
    the scenario with ``key`` at that value, on the same seed and replications."""

    data: Any
    source: str | None
    key: str
    scale: Scale
    target: Target
    replications: int | None
    seed: int
    execution: Execution
    flow: str
    read_value: Callable[[str], Any]
    on_point: Callable[[Point], None] | None
    cache: dict[str, Point] = field(default_factory=dict)
    replications_run: int = 1  # the last point run's replications

    def __call__(self, x: float) -> Point:
        text = self.scale.text(x)
        if text not in self.cache:
            scenario = with_overrides(self.data, [(self.key, self.read_value(text))], self.source)
            # Every point on the same draws: inputs the change does not touch come back from
            # the draws memo (``draws._memo``), so only the changed parameter is new work.
            outcome = run_scenario(scenario, self.replications, self.seed, self.execution,
                                   band=False, reuse_draws=True)  # fmt: skip
            stats = _stats(outcome, self.flow)
            point = Point(self.scale.parse(text), text, self.target.met(stats), stats)
            self.cache[text] = point
            self.replications_run = outcome.replications
            if self.on_point is not None:
                self.on_point(point)
        return self.cache[text]

    def solution(self, answer: Point | None, direction: str, monotone: bool, note: str) -> Solution:
        """The solution with ``answer`` and every value tried, in order."""
        return Solution(self.key, self.target, answer, direction, monotone, note,
                        self.replications_run, self.seed,
                        sorted(self.cache.values(), key=lambda p: p.value),
                        self.scale)  # fmt: skip


def _common_count(
    base: Scenario,
    replications: int | None,
    seed: int,
    execution: Execution,
    precision: Precision | None,
) -> int | None:
    """The replications every point runs: ``replications``, else (when the scenario file
    gives no count, or ``precision`` beats it, and an input is uncertain) as many as the
    unchanged scenario needs for its P80 to meet ``precision`` (common random numbers need the
    same count for every point), else None (the file's count)."""
    own_count = base.replications is not None and precision is None
    if replications is None and not own_count and has_uncertainty(base):
        first = run_scenario(base, None, seed, execution, band=False, precision=precision,
                             reuse_draws=True)  # fmt: skip
        return first.replications
    return replications


def _monotone_note(tried: Sequence[Point]) -> tuple[bool, str]:
    """Whether the target changes at most once across ``tried`` (the ends and the grid, in
    order), and the note saying so when it does not."""
    pattern = [p.met for p in tried]
    changes = sum(1 for a, b in itertools.pairwise(pattern) if a != b)
    if changes <= 1:
        return True, ""
    return False, N_(
        "the target is not monotone over the range (met at %(values)s); the answer is the "
        "first crossing found by bisection",
        values=", ".join(p.text for p in tried if p.met),
    )


def _bisect(evaluate: _Points, tried: Sequence[Point], resolution: float) -> Point:
    """The first bracket [a, b] of ``tried`` with met(a) != met(b), shrunk to ``resolution``
    (or until the scale cannot write a value between): its met end."""
    points = sorted(tried, key=lambda p: p.value)
    for a, b in itertools.pairwise(points):
        if a.met != b.met:
            break
    while b.value - a.value > resolution:
        mid = evaluate((a.value + b.value) / 2)
        if mid.text in (a.text, b.text):
            break
        if mid.met == a.met:
            a = mid
        else:
            b = mid
    return b if b.met else a


def _solve(
    data: Any,
    source: str | None,
    key: str,
    low: str,
    high: str,
    target_text: str,
    replications: int | None,
    seed: int,
    execution: Execution,
    flow: str,
    read_value: Callable[[str], Any],
    grid_points: int,
    on_point: Callable[[Point], None] | None,
    precision: Precision | None = None,
) -> Solution:
    base = with_overrides(data, [], source)
    _check_flow(base, flow, source)
    target = parse_target(target_text, base.go_live)
    scale = scale_for(key, low, high)
    lo_x, hi_x = scale.parse(low), scale.parse(high)
    if lo_x > hi_x:
        lo_x, hi_x = hi_x, lo_x
    replications = _common_count(base, replications, seed, execution, precision)
    read_value = _in_proportion(base, key, read_value)
    evaluate = _Points(data, source, key, scale, target, replications, seed, execution, flow,
                       read_value, on_point)  # fmt: skip
    ends = evaluate(lo_x), evaluate(hi_x)
    grid = [
        evaluate(lo_x + (hi_x - lo_x) * i / (grid_points + 1)) for i in range(1, grid_points + 1)
    ]
    tried = (ends[0], *grid, ends[1])
    monotone, note = _monotone_note(tried)
    direction = "smallest" if ends[1].met and not ends[0].met else "largest"
    if ends[0].met and ends[1].met:
        answer = ends[0] if scale.unit != "date" else ends[1]
        direction = "smallest" if scale.unit != "date" else "largest"
        note = note or N_("the target is already met at both ends of the range")
    elif not ends[0].met and not ends[1].met:
        note = note or N_("the target is not met anywhere in the range")
        return evaluate.solution(None, direction, monotone, note)
    else:
        resolution = 1.0 if scale.unit == "date" else (hi_x - lo_x) * 1e-4
        answer = _bisect(evaluate, tried, resolution)
    return evaluate.solution(answer, direction, monotone, note)


def solution_json(solution: Solution) -> dict[str, Any]:
    """The ``solve.json`` record."""
    point = solution.value
    scale = solution.scale
    assert scale is not None

    def day(d: date | None) -> str:
        return "never" if d is None else d.isoformat()

    return {
        "key": solution.key,
        "value": None if point is None else point.text,
        "value_si": None if point is None else scale.si(point.value),
        "target": solution.target.text,
        "direction": solution.direction,
        "achieved": None
        if point is None
        else {
            "p50": day(point.stats.p50),
            "p80": day(point.stats.p80),
            "p95": day(point.stats.p95),
            "prob_by_go_live": point.stats.prob,
            "prob_ci": point.stats.prob_ci,
        },
        "monotone": solution.monotone,
        "note": solution.note,
        "replications": solution.replications,
        "seed": solution.seed,
        "evaluations": [
            {
                "value": p.text,
                "met": p.met,
                "p80": day(p.stats.p80),
                "prob_by_go_live": p.stats.prob,
            }
            for p in solution.points
        ],
    }


__all__ = ["Solution", "Target", "parse_target", "solution_json", "solve"]
