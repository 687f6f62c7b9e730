"""Monte Carlo checked against theory, seeded so every run is the same.

Tolerances are a few standard errors of the estimate, so a wrong sampler, quantile or copula
fails while sampling noise does not.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pytest

from migrasim.analysis.experiment import Outcome
from migrasim.analysis.runner import run_monte_carlo
from migrasim.analysis.stats import date_stats, wilson_interval
from migrasim.analysis.summary import summarise
from migrasim.core.engine import simulate
from migrasim.core.rules import quantile_rank
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario
from tests.helpers import ALL_WEEK, scenario_dict

N = 2000


def continuous(volume: Any, **extra: Any) -> dict[str, Any]:
    """One flow at 1 MB/s, every day, all day: completion time (s) = volume in MB."""
    return scenario_dict(
        {"L": {"bandwidth": "1 MB/s"}},
        [{"name": "A", "volume": volume, "links": ["L"]}],
        working_days=ALL_WEEK,
        **extra,
    )


def finished(data: dict[str, Any], n: int = N, seed: int = 1, workers: int = 1) -> np.ndarray:
    scenario = parse_scenario(data)
    return run_monte_carlo(scenario, n, seed, workers=workers).finished


def triangular_ppf(p: float, a: float, m: float, b: float) -> float:
    c = (m - a) / (b - a)
    if p < c:
        return a + math.sqrt(p * (b - a) * (m - a))
    return b - math.sqrt((1 - p) * (b - a) * (b - m))


def test_triangular_volume_has_known_quantiles() -> None:
    a, m, b = 100e9, 150e9, 300e9  # bytes; at 1 MB/s the completion is V / 1e6 seconds
    times = finished(continuous({"low": "100 GB", "likely": "150 GB", "high": "300 GB",
                                 "dist": "triangular"}))[:, 0]  # fmt: skip
    for p in (0.5, 0.8, 0.95):
        expected = triangular_ppf(p, a, m, b) / 1e6
        # standard error of a sample quantile: sqrt(p(1-p)/n) / density at the quantile
        density = 2 * (b - expected * 1e6) / ((b - a) * (b - m)) * 1e6
        se = math.sqrt(p * (1 - p) / N) / density
        assert np.quantile(times, p) == pytest.approx(expected, abs=4 * se)
    assert times.mean() == pytest.approx((a + m + b) / 3 / 1e6, rel=0.02)


def test_pert_mean_and_uniform_range() -> None:
    pert = finished(continuous({"low": "100 GB", "likely": "150 GB", "high": "300 GB"}))[:, 0]
    assert pert.mean() == pytest.approx((100 + 4 * 150 + 300) / 6 * 1e3, rel=0.01)
    uni = finished(continuous({"low": "100 GB", "likely": "150 GB", "high": "300 GB",
                               "dist": "uniform"}))[:, 0]  # fmt: skip
    assert uni.min() >= 100e3
    assert uni.max() <= 300e3
    assert uni.mean() == pytest.approx(200e3, rel=0.02)
    # a uniform's quartiles are evenly spaced
    q1, q3 = np.quantile(uni, [0.25, 0.75])
    assert q1 == pytest.approx(150e3, rel=0.03)
    assert q3 == pytest.approx(250e3, rel=0.03)


def test_outages_give_the_long_run_availability() -> None:
    # Up ~ exponential(mean 10 days), repairs 1 day: availability 10/11. A flow needing 200
    # days of transfer takes about 200 x 11/10 = 220 days on average.
    data = continuous(
        "17.28 TB",
        horizon="3 years",
    )
    data["links"]["L"]["outages"] = {"mtbf": "10 days", "mttr": "1 day"}
    times = finished(data, n=400)[:, 0] / 86400
    assert times.mean() == pytest.approx(220.0, rel=0.02)
    # each replication's down time is about (number of outages) x 1 day: never below 200 days
    assert times.min() >= 200.0


def test_correlation_groups_move_estimates_together() -> None:
    links = {"L": {"bandwidth": "1 MB/s", "per_flow": True}}
    estimate = {"low": "100 GB", "likely": "150 GB", "high": "300 GB", "group": "councils"}
    flows = [{"name": n, "volume": estimate, "links": ["L"]} for n in ("A", "B")]
    for rho, low, high in ((1.0, 0.999, 1.0), (0.0, -0.1, 0.1), (0.5, 0.35, 0.65)):
        data = scenario_dict(links, flows, working_days=ALL_WEEK, correlation={"councils": rho})
        times = finished(data, n=1000)
        ranks = np.argsort(np.argsort(times, axis=0), axis=0)
        spearman = np.corrcoef(ranks[:, 0], ranks[:, 1])[0, 1]
        assert low <= spearman <= high, (rho, spearman)


def test_same_seed_same_results_whatever_the_workers() -> None:
    data = continuous({"low": "100 GB", "likely": "150 GB", "high": "300 GB"})
    data["links"]["L"]["outages"] = {"mtbf": "2 days", "mttr": {"low": "1 h", "likely": "4 h",
                                                                "high": "1 day"}}  # fmt: skip
    one = finished(data, n=60, workers=1)
    two = finished(data, n=60, workers=2)
    assert np.array_equal(one, two)
    other = finished(data, n=60, seed=2)
    assert not np.array_equal(one, other)


def test_no_uncertainty_gives_the_baseline_at_every_quantile() -> None:
    data = continuous({"low": "150 GB", "likely": "150 GB", "high": "150 GB"})
    scenario = parse_scenario(data)
    model = build_model(scenario)
    baseline = simulate(model, record=True)
    mc = run_monte_carlo(scenario, 50, 3, workers=1, model=model)
    row = summarise(Outcome(scenario, model, baseline, mc, 3)).flows[0]
    assert row.p50 == row.p80 == row.p95 == date(2025, 7, 8)  # 150,000 s = Tue 17:40
    assert row.p80_halfwidth_days == 0.0


def test_more_capacity_never_lowers_the_chance_of_go_live() -> None:
    volume = {"low": "15 GB", "likely": "20 GB", "high": "30 GB"}
    chances = []
    for cap in ("0.8 GB", "1 GB", "1.2 GB", "2 GB"):
        data = scenario_dict(
            {"L": {"daily_cap": cap}},
            [{"name": "A", "volume": volume, "links": ["L"]}],
            go_live="2025-08-04",
        )
        scenario = parse_scenario(data)
        model = build_model(scenario)
        mc = run_monte_carlo(scenario, 300, 11, workers=1, model=model)
        outcome = Outcome(scenario, model, simulate(model, record=True), mc, 11)
        chance = summarise(outcome).flows[0].chance
        assert chance is not None
        chances.append(chance)
    assert chances == sorted(chances)
    assert chances[0] < chances[-1]


def test_quantile_helpers() -> None:
    assert quantile_rank(10, 0.5) == 4  # the 5th of 10 sorted values
    assert quantile_rank(10, 0.8) == 7
    assert quantile_rank(1, 0.95) == 0
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4)
    assert hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 100)[0] == 0.0
    from datetime import date

    days = [date(2025, 7, d) for d in range(1, 11)]
    stats = date_stats(days, date(2025, 7, 6))
    assert stats.p50 == date(2025, 7, 5)
    assert stats.p80 == date(2025, 7, 8)
    assert stats.prob == 0.5  # Jul 1-5 are before go-live
    assert stats.p50 is not None
    assert stats.p80 is not None
    assert stats.p95 is not None
    assert stats.p50 <= stats.p80 <= stats.p95
