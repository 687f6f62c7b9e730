"""Statistics over replications: the Wilson interval of a chance, distribution-free intervals
of a quantile, and a flow's (or the programme's) completion-date statistics.

The Wilson interval and ``Z95`` are scipy's figures written out (``scipy.stats.binomtest(...)
.proportion_ci(method="wilson")`` and ``norm.ppf(0.975)``, held to them by
``tests/unit/test_stats_against_scipy.py``): importing ``scipy.stats`` would cost more than
10 % of a ``run``, which needs nothing else from it. The P80 interval's ranks are the normal
approximation, not ``binom.ppf``'s exact ranks (one apart for most ``n``): the same figures as
every earlier summary.csv."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from migrasim.core.rules import in_time, quantile_rank

Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (95 % by default)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def quantile_interval_ranks(n: int, p: float, z: float = Z95) -> tuple[int, int]:
    """0-based ranks bounding a ~95 % distribution-free interval for the p-quantile
    (normal approximation to the binomial order statistics)."""
    half = z * math.sqrt(n * p * (1 - p))
    lo = math.floor(n * p - half)
    hi = math.ceil(n * p + half)
    return max(0, lo - 1), min(n - 1, hi - 1)


@dataclass(frozen=True)
class DateStats:
    """Completion-date statistics of one flow (or the programme) over replications."""

    p50: date | None
    p80: date | None
    p95: date | None
    prob: float | None
    prob_ci: tuple[float, float] | None
    p80_ci: tuple[date | None, date | None]
    p80_halfwidth_days: float | None  # None when an end of the interval is 'never'

    def fields(self) -> dict[str, Any]:
        """The P-dates and the chance with its interval as the compare and sweep tables write
        them (ISO dates, 'never', '' for no chance)."""
        return {
            "p50": _day_text(self.p50),
            "p80": _day_text(self.p80),
            "p95": _day_text(self.p95),
            "prob_by_go_live": "" if self.prob is None else round(self.prob, 6),
            "prob_ci_low": "" if self.prob_ci is None else round(self.prob_ci[0], 6),
            "prob_ci_high": "" if self.prob_ci is None else round(self.prob_ci[1], 6),
        }


def _day_text(day: date | None) -> str:
    return "never" if day is None else day.isoformat()


def date_stats(days: list[date | None], go_live: date | None, exact: bool = False) -> DateStats:
    """P-dates, chance of finishing before go-live and their intervals; None = never.

    ``exact``: the days are not a sample (a scenario without uncertainty), so the intervals
    have zero width."""
    n = len(days)
    ordinal = sorted(math.inf if d is None else d.toordinal() for d in days)

    def at(rank: int) -> date | None:
        value = ordinal[rank]
        return None if math.isinf(value) else date.fromordinal(int(value))

    prob = prob_ci = None
    if go_live is not None:
        hits = sum(1 for d in days if in_time(d, go_live))
        prob = hits / n
        prob_ci = (prob, prob) if exact else wilson_interval(hits, n)
    lo, hi = quantile_interval_ranks(n, 0.8)
    p80_lo, p80_hi = at(lo), at(hi)
    half = None
    if p80_lo is not None and p80_hi is not None:
        half = (p80_hi - p80_lo).days / 2
    return DateStats(
        at(quantile_rank(n, 0.5)),
        at(quantile_rank(n, 0.8)),
        at(quantile_rank(n, 0.95)),
        prob,
        prob_ci,
        (p80_lo, p80_hi),
        half,
    )
