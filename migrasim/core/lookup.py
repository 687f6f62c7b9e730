"""Searches and linear interpolation in a fixed sorted table, for many queries at once. Pure.

``np.searchsorted`` and ``np.interp`` bisect the table for every query (a dozen dependent,
cache-missing steps on a table of thousands). A table that is searched again and again (a link's
capacity curve, a distribution's inverse CDF) is cut here once into equal cells over its range,
each remembering the first entry at or after its lower edge; a query then starts from its cell
and steps over the few entries inside it. The answers are exactly those of ``np.searchsorted``
and ``np.interp`` (the same index, and the same arithmetic on it), several times faster.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import ClassVar

import numpy as np

CELLS_PER_ENTRY = 4
"""Cells the range is cut into, per table entry, by default (a clustered table, such as a
distribution's inverse CDF, takes more)."""

_KEPT = 32
"""Tables :meth:`SortedTable.of` keeps (a decision loop builds curves with the same times over
and over: only their capacities differ)."""

MAX_STEPS = 3
"""Entries one cell may hold before queries in it are bisected (a clustered stretch, such as a
distribution's tail)."""


class SortedTable:
    """``np.searchsorted(values, x, side)`` for a fixed, sorted ``values``."""

    _made: ClassVar[OrderedDict[tuple[bytes, int], SortedTable]] = OrderedDict()

    @classmethod
    def of(cls, values: np.ndarray, cells_per_entry: int = CELLS_PER_ENTRY) -> SortedTable:
        """The table for ``values``, cut once per distinct content (the last few are kept)."""
        values = np.ascontiguousarray(values, dtype=float)
        key = (values.tobytes(), cells_per_entry)
        table = cls._made.get(key)
        if table is None:
            table = cls._made[key] = cls(values, cells_per_entry)
            while len(cls._made) > _KEPT:
                cls._made.popitem(last=False)
        else:
            cls._made.move_to_end(key)
        return table

    def __init__(self, values: np.ndarray, cells_per_entry: int = CELLS_PER_ENTRY) -> None:
        self.values = np.ascontiguousarray(values, dtype=float)
        n = self.values.size
        self.bisect = True
        if n < 16 or not np.all(np.isfinite(self.values)):
            return
        lo, hi = float(self.values[0]), float(self.values[-1])
        cells = cells_per_entry * n
        if not hi > lo or not np.isfinite(cells / (hi - lo)):
            return
        self.lo, self.cells, self.scale = lo, cells, cells / (hi - lo)
        self.edges = lo + np.arange(cells + 1) / self.scale
        self.edges[-1] = np.inf  # the last cell holds the rest
        # A query's cell, computed in floating point, may be one off at an edge: each cell
        # starts at the first entry at or after its lower edge less a margin far wider than
        # that rounding, and counts the entries up to its upper edge plus the margin.
        margin = 1e-9 * (hi - lo) / cells + 4 * np.spacing(max(abs(lo), abs(hi)))
        starts = np.searchsorted(self.values, self.edges - margin, side="left")
        ends = np.searchsorted(self.values, self.edges[1:] + margin, side="right")
        held = ends - starts[:-1]
        self.first = starts[:-1]
        self.dense = held > MAX_STEPS
        self.any_dense = bool(self.dense.any())
        self.steps = int(held[~self.dense].max(initial=0)) + 1
        self.bisect = False
        # past the last entry a NaN, which no comparison passes: a step never leaves the table
        self.padded = np.append(self.values, np.nan)

    def _cell_start(self, x: np.ndarray, side: str) -> np.ndarray:
        """Per x, the first entry of its cell (with the margin): at or below the answer, at
        most ``steps`` entries short of it; in a dense cell, the answer itself (bisected)."""
        t = x - self.lo
        t *= self.scale
        np.fmax(t, 0.0, out=t)
        np.fmin(t, self.cells - 1, out=t)
        j: np.ndarray = self.first[t.astype(np.intp)]  # a copy (fancy indexing)
        if self.any_dense:
            dense = self.dense[t.astype(np.intp)]
            if dense.any():
                j[dense] = np.searchsorted(self.values, x[dense], side=side)  # type: ignore[call-overload]
        return j

    def left(self, x: np.ndarray) -> np.ndarray:
        """The first index with ``values[i] >= x`` (``np.searchsorted(..., side="left")``)."""
        x = np.asarray(x, dtype=float)
        if self.bisect or np.isnan(x).any():
            return np.searchsorted(self.values, x, side="left")
        j = self._cell_start(x, "left")
        for _ in range(self.steps):
            j += self.padded[j] < x
        return j

    def right(self, x: np.ndarray) -> np.ndarray:
        """The first index with ``values[i] > x`` (``np.searchsorted(..., side="right")``)."""
        x = np.asarray(x, dtype=float)
        if self.bisect or np.isnan(x).any():
            return np.searchsorted(self.values, x, side="right")
        j = self._cell_start(x, "right")
        for _ in range(self.steps):
            j += self.padded[j] <= x
        return j


class Interpolator:
    """``np.interp(x, xp, fp, left, right)`` for a fixed, sorted ``xp`` (duplicates allowed)."""

    def __init__(
        self,
        xp: np.ndarray,
        fp: np.ndarray,
        left: float | None = None,
        right: float | None = None,
        cells_per_entry: int = CELLS_PER_ENTRY,
    ) -> None:
        self.xp = np.ascontiguousarray(xp, dtype=float)
        self.fp = np.ascontiguousarray(fp, dtype=float)
        self.left_value = float(self.fp[0]) if left is None else left
        self.right_value = float(self.fp[-1]) if right is None else right
        self.table = SortedTable.of(self.xp, cells_per_entry)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # equal knots
            self.slopes = np.diff(self.fp) / np.diff(self.xp)
        rising = np.diff(self.xp) > 0
        # where a value or a slope in use is not finite, numpy's own special cases decide
        self.fast = (
            not self.table.bisect
            and self.xp.size >= 2
            and bool(np.all(np.isfinite(self.fp)))
            and bool(np.all(np.isfinite(self.slopes[rising])))
        )

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        n = self.xp.size
        if not self.fast or np.isnan(x).any():
            return np.asarray(np.interp(x, self.xp, self.fp, self.left_value, self.right_value))
        # numpy's rule: j, the last knot at or before x; below the first knot the left value,
        # from the last knot on its value, past it the right value; else
        # slope_j (x - xp_j) + fp_j (on a knot that is fp_j: the slope is finite)
        j = self.table.right(x)
        j -= 1
        jj = np.minimum(np.maximum(j, 0), n - 2)
        with np.errstate(invalid="ignore", over="ignore"):
            out: np.ndarray = self.slopes[jj]  # a copy (fancy indexing)
            out *= x - self.xp[jj]
            out += self.fp[jj]
        low = j < 0
        if low.any():
            out[low] = self.left_value
        high = j >= n - 1
        if high.any():
            out[high] = np.where(x[high] > self.xp[n - 1], self.right_value, self.fp[n - 1])
        return out
