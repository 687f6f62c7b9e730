"""Tabulated inverse CDFs against scipy (the independent reference), and vectorised dates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import betaincinv

from migrasim.core.calendar import NEVER
from migrasim.core.distributions import Estimate, beta_table, normal_cdf_array
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario
from tests.helpers import scenario_dict

SHAPES = [(1.0, 5.0), (5.0, 1.0), (1.5714, 4.4286), (3.0, 3.0), (2.2, 3.8), (1.0, 1.0001)]


@pytest.mark.parametrize(("alpha", "beta"), SHAPES)
def test_beta_table_matches_scipy(alpha: float, beta: float) -> None:
    cdf, x = beta_table(alpha, beta)
    edge = np.geomspace(1e-12, 1e-3, 500)
    u = np.concatenate([np.linspace(1e-12, 1 - 1e-12, 100_001), edge, 1 - edge])
    assert np.abs(np.interp(u, cdf, x) - betaincinv(alpha, beta, u)).max() < 1e-6
    tail = np.geomspace(1e-16, 1e-12, 50)
    assert np.abs(np.interp(tail, cdf, x) - betaincinv(alpha, beta, tail)).max() < 1e-4


def test_pert_ppf_array_is_the_scaled_table() -> None:
    est = Estimate(10.0, 20.0, 60.0)  # alpha = 1 + 4 * 10/50 = 1.8, beta = 1 + 4 * 40/50 = 4.2
    u = np.array([0.05, 0.5, 0.95])
    expected = 10.0 + 50.0 * betaincinv(1.8, 4.2, u)
    assert np.allclose(est.ppf_array(u), expected, atol=50 * 1e-6)


def test_normal_cdf_table_matches_erfc() -> None:
    z = np.linspace(-10, 10, 200_001)
    exact = np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in z.tolist()])
    assert np.abs(normal_cdf_array(z) - exact).max() < 3e-8


def test_local_seconds_and_completion_days_match_the_clock_across_dst() -> None:
    model = build_model(
        parse_scenario(scenario_dict({"L": {"daily_cap": "1 GB"}},
                                     [{"name": "A", "volume": "1 GB", "links": ["L"]}]))
    )  # fmt: skip
    clock = model.clock
    hours = np.arange(0.0, 800 * 86400.0, 3600.0)  # two DST changes each way, on the hour
    t = np.concatenate([hours, hours + 0.5, hours - 0.5, [np.inf]])
    moments = clock.local_moments(t)
    ordinals = clock.completion_days(t)
    for x, moment_, day in zip(t.tolist(), moments.tolist(), ordinals.tolist(), strict=True):
        if math.isinf(x):
            assert day == NEVER
            assert moment_ is None  # NaT
            assert clock.completion_day(x) is None
            continue
        assert moment_ == clock.to_local(x)
        completed_on = clock.completion_day(x)
        assert completed_on is not None
        assert completed_on.toordinal() == day


def test_the_pert_shape_by_hand() -> None:
    """The one PERT parameterisation: mode at likely, weight 4 (alpha = 1 + 4 (m - a) /
    (b - a), beta = 1 + 4 (b - m) / (b - a)); its mean is (a + 4 m + b) / 6."""
    est = Estimate(0.0, 1.0, 4.0)
    assert est.pert_shape == (2.0, 4.0)
    alpha, beta = est.pert_shape
    assert 4.0 * alpha / (alpha + beta) == pytest.approx(est.mean()) == pytest.approx(8 / 6)
