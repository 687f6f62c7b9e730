"""Three-point estimates and how they are sampled. Pure: randomness comes in as uniforms.

An uncertain input is written ``{low: 150 GB, likely: 180 GB, high: 260 GB, dist: pert}``.
``dist`` is ``pert`` (default; a Beta distribution with the mode at ``likely`` and the usual
weight 4), ``triangular`` or ``uniform``. The baseline run uses ``likely``.

Correlated errors use a Gaussian copula: inputs naming the same ``group`` share a common normal
factor with correlation ``rho`` (``scenario.correlation``), so that, say, every council's volume
estimate can be too low together; ``rho = 1`` moves them in lock-step, ``0`` independently.
"""

from __future__ import annotations

import functools
import math
import zlib
from dataclasses import dataclass
from typing import Literal

import numpy as np

from migrasim.core.lookup import Interpolator

Dist = Literal["pert", "triangular", "uniform"]


@dataclass(frozen=True)
class Estimate:
    """A three-point estimate in SI units."""

    low: float
    likely: float
    high: float
    dist: Dist = "pert"
    group: str | None = None

    @property
    def pert_shape(self) -> tuple[float, float]:
        """``(alpha, beta)`` of the PERT: a Beta on [low, high] with its mode at ``likely`` and
        the usual weight 4 (the one parameterisation every PERT use calls; low < high)."""
        a, m, b = self.low, self.likely, self.high
        return 1 + 4 * (m - a) / (b - a), 1 + 4 * (b - m) / (b - a)

    def ppf(self, u: float) -> float:
        """The value at cumulative probability ``u`` (0 < u < 1)."""
        a, m, b = self.low, self.likely, self.high
        if b <= a:
            return m
        if self.dist == "uniform":
            return a + u * (b - a)
        if self.dist == "triangular":
            c = (m - a) / (b - a)
            if u < c:
                return a + math.sqrt(u * (b - a) * (m - a))
            return b - math.sqrt((1 - u) * (b - a) * (b - m))
        from scipy.special import betaincinv  # only scenarios with PERT inputs pay the import

        alpha, beta = self.pert_shape
        return a + (b - a) * float(betaincinv(alpha, beta, u))

    def ppf_array(self, u: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`ppf`."""
        a, m, b = self.low, self.likely, self.high
        if b <= a:
            return np.full(u.shape, m)
        if self.dist == "uniform":
            return a + u * (b - a)
        if self.dist == "triangular":
            c = (m - a) / (b - a)
            lower = a + np.sqrt(u * (b - a) * (m - a))
            upper = b - np.sqrt((1 - u) * (b - a) * (b - m))
            return np.where(u < c, lower, upper)
        alpha, beta = self.pert_shape
        if u.size < CUT_TABLE_FROM:  # a few draws: bisecting beats cutting the table
            cdf, x = beta_table(alpha, beta)
            return np.asarray(a + (b - a) * np.interp(u, cdf, x))
        return np.asarray(a + (b - a) * beta_inverse(alpha, beta)(u))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` independent draws (used where no common-random-number mapping is needed)."""
        a, m, b = self.low, self.likely, self.high
        if b <= a:
            return np.full(size, m)
        if self.dist == "uniform":
            return rng.uniform(a, b, size)
        if self.dist == "triangular":
            return rng.triangular(a, m, b, size)
        alpha, beta = self.pert_shape
        return a + (b - a) * rng.beta(alpha, beta, size)

    def mean(self) -> float:
        a, m, b = self.low, self.likely, self.high
        if self.dist == "uniform":
            return (a + b) / 2
        if self.dist == "triangular":
            return (a + m + b) / 3
        return (a + 4 * m + b) / 6


Value = float | Estimate

BETA_TABLE_POINTS = 8193
"""Knots of the tabulated Beta inverse CDF (a part of the method: it fixes the draws)."""


@functools.lru_cache(maxsize=256)
def beta_table(alpha: float, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """``(cdf, x)`` knots of the Beta(alpha, beta) distribution (alpha, beta >= 1, as every
    PERT's are), so that ``np.interp(u, cdf, x)`` is its inverse CDF at ``u``.

    Pure numpy, no scipy: the density is integrated by the trapezoid rule on a grid that is
    dense towards both ends (``x = (1 - cos(pi k / n)) / 2``), where the inverse CDF is
    steepest, and normalised, each tail summed from its own end. Against
    ``scipy.special.betaincinv`` the inverse is within 1e-6 of the range for every u in
    [1e-12, 1 - 1e-12] (within 1e-4 beyond; ``tests/unit/test_distributions.py``), far inside
    any three-point estimate's own uncertainty, and it costs one binary search per draw
    instead of an iterative root-finding.
    """
    k = np.arange(BETA_TABLE_POINTS, dtype=float)
    x = 0.5 * (1.0 - np.cos(np.pi * k / (BETA_TABLE_POINTS - 1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_pdf = (alpha - 1.0) * np.log(x) + (beta - 1.0) * np.log1p(-x)
    pdf = np.exp(np.where(np.isnan(log_pdf), -np.inf, log_pdf))
    if alpha == 1.0:
        pdf[0] = 1.0
    if beta == 1.0:
        pdf[-1] = 1.0
    cells = 0.5 * (pdf[1:] + pdf[:-1]) * np.diff(x)
    total = cells.sum()
    below = np.concatenate([[0.0], np.cumsum(cells)]) / total
    above = np.concatenate([np.cumsum(cells[::-1])[::-1], [0.0]]) / total
    # Each tail summed from its own end, so 1 - cdf keeps its precision near 1.
    cdf = np.where(x < 0.5, below, 1.0 - above)
    return cdf, x


CUT_TABLE_FROM = 20_000
"""Draws from one Beta table at once from which :func:`beta_inverse` (exactly ``np.interp``,
faster per draw, dearer to build) is used."""


@functools.lru_cache(maxsize=256)
def beta_inverse(alpha: float, beta: float) -> Interpolator:
    """The Beta(alpha, beta) inverse CDF, ``np.interp(u, *beta_table(alpha, beta))`` exactly,
    as a table cut once for fast lookups (``core.lookup``)."""
    cdf, x = beta_table(alpha, beta)
    return Interpolator(cdf, x, cells_per_entry=16)  # the tails are dense: more cells


def likely(value: Value) -> float:
    """The most likely value (what the baseline run uses)."""
    return value.likely if isinstance(value, Estimate) else float(value)


def is_uncertain(value: Value) -> bool:
    return isinstance(value, Estimate) and value.high > value.low


def key_hash(key: str) -> int:
    """A stable 32-bit hash of an input's key path, for its own random sub-stream."""
    return zlib.crc32(key.encode("utf-8"))


NORMAL_TABLE_LIMIT = 8.5
"""The tabulated normal CDF covers [-8.5, 8.5]; beyond, it is clipped to its end values."""


@functools.lru_cache(maxsize=1)
def _normal_table() -> tuple[np.ndarray, np.ndarray]:
    z = np.linspace(-NORMAL_TABLE_LIMIT, NORMAL_TABLE_LIMIT, 34001)
    u = np.array([normal_cdf(v) for v in z.tolist()])
    return z, u


def normal_cdf_array(z: np.ndarray) -> np.ndarray:
    """Vectorised standard normal CDF, pure numpy: linear interpolation in a table of
    ``math.erfc`` values every 0.0005, within 3e-8 of the exact value everywhere (the
    correlated inputs' copula needs no scipy; ``tests/unit/test_distributions.py``)."""
    return np.asarray(_normal_interpolator()(z))


@functools.lru_cache(maxsize=1)
def _normal_interpolator() -> Interpolator:
    return Interpolator(*_normal_table())


def normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))
