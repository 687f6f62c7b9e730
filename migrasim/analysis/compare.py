"""Compare scenarios on common random numbers.

Every scenario is run with the same seed, so the same uncertain input gets the same draw in each
(inputs are matched by key path, see ``sampling.py``). Differences are therefore paired,
replication by replication, and their intervals reflect the change, not sampling noise: much
narrower than comparing independent runs.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from migrasim.analysis.experiment import Outcome, ordinal_days
from migrasim.analysis.stats import Z95, DateStats, date_stats
from migrasim.core.rules import go_live_of, in_time_ordinals, quantile_rank

BOOTSTRAP = 400


@dataclass(frozen=True)
class Interval:
    estimate: float | None
    low: float | None
    high: float | None


def _quantile(sorted_rows: np.ndarray, p: float) -> np.ndarray:
    return np.asarray(sorted_rows[..., quantile_rank(sorted_rows.shape[-1], p)])


def quantile_differences(
    a: np.ndarray, b: np.ndarray, ps: Sequence[float], seed: int
) -> list[Interval]:
    """Per p, the p-quantile of b minus that of a (days), with a paired bootstrap 95 %
    interval. The resamples are drawn once per ``seed`` and size and serve every p and every
    flow; each resample's order statistics are counted (:func:`_order_statistics`)."""
    points = [float(_quantile(np.sort(b), p) - _quantile(np.sort(a), p)) for p in ps]
    if not any(math.isfinite(point) for point in points):
        return [Interval(None, None, None) for _ in ps]
    idx = _resamples(len(a), seed)
    ranks = sorted({quantile_rank(len(a), p) for p in ps})
    picked_b = dict(zip(ranks, _order_statistics(b, idx, ranks), strict=True))
    picked_a = dict(zip(ranks, _order_statistics(a, idx, ranks), strict=True))
    out = []
    for p, point in zip(ps, points, strict=True):
        if not math.isfinite(point):
            out.append(Interval(None, None, None))
            continue
        rank = quantile_rank(len(a), p)
        diffs = picked_b[rank] - picked_a[rank]
        finite = diffs[np.isfinite(diffs)]
        if len(finite) < 0.975 * BOOTSTRAP:
            out.append(Interval(point, None, None))
            continue
        low, high = np.percentile(finite, [2.5, 97.5])
        out.append(Interval(point, float(low), float(high)))
    return out


@functools.lru_cache(maxsize=4)
def _resamples(n: int, seed: int) -> np.ndarray:
    """The bootstrap's resamples of ``n`` paired replications: (BOOTSTRAP, n) indices."""
    idx = np.random.default_rng(seed).integers(0, n, size=(BOOTSTRAP, n))
    idx.flags.writeable = False  # shared by every flow's comparison
    return idx


def _order_statistics(
    values: np.ndarray, idx: np.ndarray, ranks: Sequence[int]
) -> list[np.ndarray]:
    """Per rank, each resample's order statistic of that rank (0-based; the value a sort of
    ``values[idx[i]]`` puts there), by counting: each resample's count of every distinct
    value (completion days are few), cumulated, first passes the rank there."""
    distinct, codes = np.unique(values, return_inverse=True)  # inf sorts last
    rows, m = idx.shape[0], distinct.size
    cells = codes.reshape(-1)[idx] + m * np.arange(rows)[:, None]
    counts = np.bincount(cells.ravel(), minlength=rows * m).reshape(rows, m)
    cumulative = np.cumsum(counts, axis=1)
    return [distinct[(cumulative > rank).argmax(axis=1)] for rank in ranks]


def mean_difference(values: np.ndarray) -> Interval:
    """Mean of paired differences with a normal 95 % interval (None if any is infinite)."""
    if len(values) == 0 or not np.all(np.isfinite(values)):
        return Interval(None, None, None)
    mean = float(values.mean())
    if len(values) < 2:
        return Interval(mean, mean, mean)
    half = Z95 * float(values.std(ddof=1)) / math.sqrt(len(values))
    return Interval(mean, mean - half, mean + half)


COLUMNS = [
    "flow", "scenario", "p50", "p80", "p95", "prob_by_go_live", "prob_ci_low", "prob_ci_high",
    "p50_diff_days", "p80_diff_days", "p80_diff_ci_low", "p80_diff_ci_high",
    "mean_diff_days", "mean_diff_ci_low", "mean_diff_ci_high",
    "prob_diff", "prob_diff_ci_low", "prob_diff_ci_high",
    "p80_ci_low", "p80_ci_high", "verdict", "organisations", "organisations_late",
    "organisations_at_risk",
]  # fmt: skip
"""compare.csv's columns, in order: :meth:`CompareRow.fields`' keys. The last four are the
scenario's (its programme row's; blank on an organisation's row): the verdict's code (yes,
risk, no, none) and the organisations' status counts, as ``run`` reports them."""


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class CompareRow:
    """One flow (or the programme, ``ALL``) in one scenario: its P-dates and chance, and its
    paired difference from the first scenario (None for the first scenario, or where there is
    none). Differences are rounded as compare.csv gives them: days to whole days (means to
    0.1 day), chances to 4 decimals."""

    flow: str
    scenario: str
    stats: DateStats
    p50_diff_days: float | None = None
    p80_diff: Interval = Interval(None, None, None)
    mean_diff: Interval = Interval(None, None, None)
    prob_diff: Interval = Interval(None, None, None)
    exact: bool = False  # the scenario has no uncertainty: its intervals have zero width
    # The programme row's scenario figures, as ``run`` gives them (set by the compare
    # pipeline): the verdict's code and the organisations' counts (``RunReport.counts``).
    verdict: str | None = None
    organisations: int | None = None
    organisations_late: int | None = None
    organisations_at_risk: int | None = None

    def fields(self) -> dict[str, Any]:
        """compare.csv's row: ISO dates, 'never', '' where there is no value."""

        def blank(value: float | str | None) -> Any:
            return "" if value is None else value

        return {
            "flow": self.flow,
            "scenario": self.scenario,
            **self.stats.fields(),
            "p50_diff_days": blank(self.p50_diff_days),
            "p80_diff_days": blank(self.p80_diff.estimate),
            "p80_diff_ci_low": blank(self.p80_diff.low),
            "p80_diff_ci_high": blank(self.p80_diff.high),
            "mean_diff_days": blank(self.mean_diff.estimate),
            "mean_diff_ci_low": blank(self.mean_diff.low),
            "mean_diff_ci_high": blank(self.mean_diff.high),
            "prob_diff": blank(self.prob_diff.estimate),
            "prob_diff_ci_low": blank(self.prob_diff.low),
            "prob_diff_ci_high": blank(self.prob_diff.high),
            "p80_ci_low": _iso(self.stats.p80_ci[0]),
            "p80_ci_high": _iso(self.stats.p80_ci[1]),
            "verdict": blank(self.verdict),
            "organisations": blank(self.organisations),
            "organisations_late": blank(self.organisations_late),
            "organisations_at_risk": blank(self.organisations_at_risk),
        }


def _iso(day: date | None) -> str:
    return "never" if day is None else day.isoformat()


def _round_interval(interval: Interval, digits: int) -> Interval:
    return Interval(
        *(_rounded(v, digits) for v in (interval.estimate, interval.low, interval.high))
    )


def _go_live(outcome: Outcome, flow: str) -> date | None:
    """The go-live a flow is judged by in a scenario (its own, else the programme's); the
    programme's for ``ALL``."""
    own = [f.go_live for f in outcome.scenario.flows if f.label == flow]
    return go_live_of(own[:1], outcome.scenario.go_live) if own else outcome.scenario.go_live


def compare_rows(outcomes: list[tuple[str, Outcome]], seed: int) -> list[CompareRow]:
    """Per flow (present in every scenario) and ``ALL``: each scenario's P-dates and chance,
    and its difference from the first scenario with 95 % intervals (paired)."""
    first_label, first = outcomes[0]
    shared = [n for n in first.flow_names() if all(n in o.flow_names() for _, o in outcomes)]
    rows: list[CompareRow] = []
    for flow in ["ALL", *shared]:
        base = first.ordinals(flow)
        go_live = _go_live(first, flow)
        for label, outcome in outcomes:
            values = base if outcome is first else outcome.ordinals(flow)
            days = ordinal_days(values)
            stats = date_stats(days, _go_live(outcome, flow), exact=outcome.mc is None)
            exact = outcome.mc is None
            row = CompareRow(flow, label, stats, exact=exact)
            if label != first_label and len(values) == len(base):
                p50, p80 = quantile_differences(base, values, (0.5, 0.8), seed)
                mean = mean_difference(values - base)
                prob = Interval(None, None, None)
                if go_live is not None:
                    hit_a = in_time_ordinals(base, go_live).astype(float)
                    hit_b = in_time_ordinals(values, go_live).astype(float)
                    prob = mean_difference(hit_b - hit_a)
                    if prob.low is not None and prob.high is not None:
                        # a difference of two chances lies in [-1, 1]
                        prob = Interval(prob.estimate, max(-1.0, prob.low), min(1.0, prob.high))
                row = CompareRow(
                    flow,
                    label,
                    stats,
                    _rounded(p50.estimate, 0),
                    _round_interval(p80, 0),
                    _round_interval(mean, 1),
                    _round_interval(prob, 4),
                    exact,
                )
            rows.append(row)
    return rows


@dataclass(frozen=True)
class CompareAdvice:
    """The comparison's answer for the headline: moving from the first scenario to the best
    (the one most likely to make go-live). Rendered in words by ``render.headlines``."""

    first: str  # the first scenario's label
    best: str  # the best scenario's label
    same: bool  # the first scenario is the best: no alternative does better
    first_p80: date | None  # the first scenario's programme P80 (None = never)
    p80_change: Interval  # days, best minus first, with its paired 95 % interval
    chance_before: float | None  # programme chance of making go-live, first and best
    chance_after: float | None
    chance_change: Interval  # best minus first (0-1), with its 95 % interval


def compare_advice(
    first: CompareRow, best: CompareRow, best_label: str, same: bool
) -> CompareAdvice:
    """The advice from the programme's rows of the first and the best scenario."""
    return CompareAdvice(
        first.scenario,
        best_label,
        same,
        first.stats.p80,
        best.p80_diff,
        first.stats.prob,
        best.stats.prob,
        best.prob_diff,
    )
