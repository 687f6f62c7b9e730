"""Compare scenarios on common random numbers.

Every scenario is run with the same seed, so the same uncertain input gets the same draw in each
(inputs are matched by key path, see ``sampling.py``). Differences are therefore paired,
replication by replication, and their intervals reflect the change, not sampling noise: much
narrower than comparing independent runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from migrasim.analysis.experiment import Outcome, ordinal
from migrasim.analysis.stats import Z95, date_stats
from migrasim.core.rules import in_time

BOOTSTRAP = 400


@dataclass(frozen=True)
class Interval:
    estimate: float | None
    low: float | None
    high: float | None


def _quantile(sorted_rows: np.ndarray, p: float) -> np.ndarray:
    n = sorted_rows.shape[-1]
    rank = min(n - 1, max(0, math.ceil(n * p - 1e-9) - 1))
    return np.asarray(sorted_rows[..., rank])


def quantile_difference(a: np.ndarray, b: np.ndarray, p: float, seed: int) -> Interval:
    """P-quantile of b minus that of a (days), with a paired bootstrap 95 % interval."""
    point = float(_quantile(np.sort(b), p) - _quantile(np.sort(a), p))
    if not math.isfinite(point):
        return Interval(None, None, None)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(a), size=(BOOTSTRAP, len(a)))
    diffs = _quantile(np.sort(b[idx], axis=1), p) - _quantile(np.sort(a[idx], axis=1), p)
    finite = diffs[np.isfinite(diffs)]
    if len(finite) < 0.975 * BOOTSTRAP:
        return Interval(point, None, None)
    low, high = np.percentile(finite, [2.5, 97.5])
    return Interval(point, float(low), float(high))


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
]  # fmt: skip


def _fmt(value: float | None, digits: int = 1) -> Any:
    return "" if value is None else round(value, digits)


def compare_rows(outcomes: list[tuple[str, Outcome]], seed: int) -> list[dict[str, Any]]:
    """Per flow (present in every scenario) and ``ALL``: each scenario's P-dates and chance,
    and its difference from the first scenario with 95 % intervals (paired)."""
    first_label, first = outcomes[0]
    shared = [n for n in first.flow_names() if all(n in o.flow_names() for _, o in outcomes)]
    rows: list[dict[str, Any]] = []
    for flow in ["ALL", *shared]:
        base_days = first.days(flow)
        base = np.array([ordinal(d) for d in base_days])
        go_live = first.scenario.go_live
        for label, outcome in outcomes:
            days = outcome.days(flow)
            values = np.array([ordinal(d) for d in days])
            stats = date_stats(days, outcome.scenario.go_live, exact=outcome.mc is None)
            row: dict[str, Any] = {"flow": flow, "scenario": label, **stats.fields()}
            if label != first_label and len(values) == len(base):
                p50 = quantile_difference(base, values, 0.5, seed)
                p80 = quantile_difference(base, values, 0.8, seed)
                mean = mean_difference(values - base)
                row.update(
                    p50_diff_days=_fmt(p50.estimate, 0),
                    p80_diff_days=_fmt(p80.estimate, 0),
                    p80_diff_ci_low=_fmt(p80.low, 0),
                    p80_diff_ci_high=_fmt(p80.high, 0),
                    mean_diff_days=_fmt(mean.estimate),
                    mean_diff_ci_low=_fmt(mean.low),
                    mean_diff_ci_high=_fmt(mean.high),
                )
                if go_live is not None:
                    hit_a = np.array([in_time(d, go_live) for d in base_days], float)
                    hit_b = np.array([in_time(d, go_live) for d in days], float)
                    prob = mean_difference(hit_b - hit_a)
                    if prob.low is not None and prob.high is not None:
                        # a difference of two chances lies in [-1, 1]
                        prob = Interval(prob.estimate, max(-1.0, prob.low), min(1.0, prob.high))
                    row.update(
                        prob_diff=_fmt(prob.estimate, 4),
                        prob_diff_ci_low=_fmt(prob.low, 4),
                        prob_diff_ci_high=_fmt(prob.high, 4),
                    )
            rows.append(row)
    return [{column: row.get(column, "") for column in COLUMNS} for row in rows]
