"""The bootstrap's counted order statistics (``compare._order_statistics``) are exactly the
ones a sort (``np.partition``) of each resample gives: ties, never-completes (inf) and any
rank."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from migrasim.analysis.compare import _order_statistics, quantile_differences


@st.composite
def samples(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[int]]:
    n = draw(st.integers(1, 60))
    days = st.one_of(st.integers(739_000, 739_040).map(float), st.just(np.inf))
    values = np.array(draw(st.lists(days, min_size=n, max_size=n)))
    rows = draw(st.integers(1, 30))
    seed = draw(st.integers(0, 2**32 - 1))
    idx = np.random.default_rng(seed).integers(0, n, size=(rows, n))
    ranks = sorted(draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=3)))
    return values, idx, ranks


@settings(max_examples=300, deadline=None)
@given(samples())
def test_counted_order_statistics_are_the_sorted_ones(
    case: tuple[np.ndarray, np.ndarray, list[int]],
) -> None:
    values, idx, ranks = case
    sorted_rows = np.sort(values[idx], axis=1)
    for rank, counted in zip(ranks, _order_statistics(values, idx, ranks), strict=True):
        assert np.array_equal(counted, sorted_rows[:, rank])


def test_quantile_differences_by_hand() -> None:
    # b is a shifted by 3 days in every replication: every resample's difference is 3.
    a = np.arange(739_000.0, 739_100.0)
    (p50, p80) = quantile_differences(a, a + 3, (0.5, 0.8), seed=5)
    assert (p50.estimate, p50.low, p50.high) == (3.0, 3.0, 3.0)
    assert (p80.estimate, p80.low, p80.high) == (3.0, 3.0, 3.0)
