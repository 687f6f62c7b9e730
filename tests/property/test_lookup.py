"""``core.lookup``: the cell-indexed searches give exactly ``np.searchsorted`` and ``np.interp``
(the same indices, the same floating-point results), on any sorted table and any queries."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from migrasim.core.lookup import CELLS_PER_ENTRY, Interpolator, SortedTable

finite = st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False)


@st.composite
def tables(draw: st.DrawFn) -> np.ndarray:
    """Sorted tables: random, with runs of equal entries (a window that closes as the next
    opens), clustered (many entries in one cell: bisection takes over) or regular."""
    kind = draw(st.sampled_from(["random", "repeats", "clustered", "regular"]))
    n = draw(st.integers(1, 400))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if kind == "random":
        values = rng.uniform(-1e9, 1e9, n)
    elif kind == "repeats":
        values = np.repeat(rng.uniform(0, 1e6, n), rng.integers(1, 4, n))
    elif kind == "clustered":
        values = np.concatenate([rng.uniform(0, 1, n), rng.uniform(1e8, 1e8 + 1, n)])
    else:
        values = np.arange(n) * 86400.0 + draw(st.sampled_from([0.0, 3600.0]))
    return np.sort(values)


def queries(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Every entry, its neighbours one ulp away, cell edges' neighbourhood, beyond both ends,
    infinities and random points."""
    span = float(values[-1] - values[0]) or 1.0
    return np.concatenate([
        values, np.nextafter(values, np.inf), np.nextafter(values, -np.inf),
        values[0] + span * rng.uniform(-0.2, 1.2, 500),
        [values[0] - 1.0, values[-1] + 1.0, np.inf, -np.inf],
    ])  # fmt: skip


@given(tables(), st.integers(0, 2**32 - 1))
def test_searches_are_numpys(values: np.ndarray, seed: int) -> None:
    table = SortedTable(values)
    x = queries(values, np.random.default_rng(seed))
    if not table.bisect:  # the cells' own edges and their neighbours: where rounding bites
        edges = table.edges[:-1]
        x = np.concatenate([x, edges, np.nextafter(edges, np.inf), np.nextafter(edges, -np.inf)])
    assert np.array_equal(table.left(x), np.searchsorted(values, x, side="left"))
    assert np.array_equal(table.right(x), np.searchsorted(values, x, side="right"))


@given(tables(), st.integers(0, 2**32 - 1), finite, finite)
def test_interpolation_is_numpys(values: np.ndarray, seed: int, left: float, right: float) -> None:
    rng = np.random.default_rng(seed)
    fp = np.cumsum(rng.uniform(0, 1e9, values.size))  # a cumulative curve, as the solver's
    x = queries(values, rng)
    got = Interpolator(values, fp, left, right)(x)
    want = np.interp(x, values, fp, left, right)
    assert np.array_equal(got, want, equal_nan=True)


def test_a_regular_table_is_cut_into_cells() -> None:
    # The fast path is taken for a calendar's knots (else the tests above only test numpy).
    table = SortedTable(np.arange(1000) * 86400.0)
    assert not table.bisect
    assert table.steps <= 3


def test_entries_one_ulp_below_the_cell_edges() -> None:
    # A query one ulp below a cell's edge can compute as that cell: the cells' margins keep
    # an entry sitting there in reach.
    n = 50
    cells = CELLS_PER_ENTRY * n  # the table's own cells over [0, 1]
    edges = np.arange(cells + 1) / cells
    inner = np.nextafter(edges[1 : n - 1], -np.inf)
    values = np.sort(np.concatenate([[0.0, 1.0], inner]))
    table = SortedTable(values)
    assert not table.bisect
    x = np.concatenate([values, edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf)])
    assert np.array_equal(table.left(x), np.searchsorted(values, x, side="left"))
    assert np.array_equal(table.right(x), np.searchsorted(values, x, side="right"))


def test_a_clustered_table_bisects_only_its_dense_cells() -> None:
    values = np.sort(np.concatenate([np.linspace(0, 1, 500), np.linspace(1e6, 2e6, 500)]))
    table = SortedTable(values)
    assert table.dense.any()
    assert not table.dense.all()
    x = np.random.default_rng(0).uniform(-1, 2.1e6, 5000)
    assert np.array_equal(table.right(x), np.searchsorted(values, x, side="right"))
