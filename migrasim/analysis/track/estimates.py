"""The draws of the remaining scenario: ``Estimate`` subclasses for what is left of a
volume, calibrated capacities and down days, shifted durations and owed rework (each
drawn from the same uniforms as its base, so common random numbers hold), and
:class:`GivenEstimate`, which carries one into a scenario."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import betainc, betaincinv, ndtr, ndtri

from migrasim.core.calendar import DAY
from migrasim.core.distributions import Estimate
from migrasim.scenario.types import EstimateSpec

EFFICIENCY_BOUNDS = (0.05, 1.25)


EFFICIENCY_LEVELS = 10
"""The efficiency posterior is drawn at this many equally likely levels (the midpoints of its
deciles): replications that share a level share their rates, so the batch solver solves each
flow once per level instead of once per replication (10 x faster on the Wales scenario than
continuous draws; the deciles keep the posterior's mean and spread to within a few %)."""


DOWN_BOUNDS = (1e-4, 0.95)


def estimate_cdf(est: Estimate, x: float) -> float:
    """P(value <= x) for a three-point estimate."""
    return float(estimate_cdf_array(est, np.array([x], dtype=float))[0])


def estimate_cdf_array(est: Estimate, x: np.ndarray) -> np.ndarray:
    """P(value <= x) for a three-point estimate, at each of ``x``."""
    a, m, b = est.low, est.likely, est.high
    x = np.asarray(x, dtype=float)
    if b <= a:
        return np.where(x >= m, 1.0, 0.0)
    y = np.clip(x, a, b)
    if est.dist == "uniform":
        return np.asarray((y - a) / (b - a), dtype=float)
    if est.dist == "triangular":
        with np.errstate(divide="ignore", invalid="ignore"):
            left = (y - a) ** 2 / ((b - a) * (m - a)) if m > a else np.zeros_like(y)
            right = 1.0 - (b - y) ** 2 / ((b - a) * (b - m)) if b > m else np.ones_like(y)
        return np.asarray(np.where(y <= m, left, right), dtype=float)
    alpha, beta = est.pert_shape
    return np.asarray(betainc(alpha, beta, (y - a) / (b - a)), dtype=float)


@dataclass(frozen=True)
class RemainingVolume(Estimate):
    """What is left of a flow: ``V - floor`` where ``V ~ base`` conditioned on ``V >= floor``,
    at least 1 byte.

    ``V = F^-1(Phi(x))`` with ``x`` normal: N(0, 1) for an estimate in no correlation group
    (then this is the inverse CDF of ``base`` on the truncated range ``[F(floor), 1)``), or
    N(``mu_x``, ``sd_x``) when the group's shared factor has been updated by the log (see
    :func:`group_factor`); ``x`` is truncated at ``Phi^-1(F(floor))`` by inverse CDF, so a
    uniform ``u`` maps monotonically and the group's copula still ties the flows together."""

    base: Estimate = field(default_factory=lambda: Estimate(1.0, 1.0, 1.0))
    floor: float = 0.0
    mu_x: float = 0.0
    sd_x: float = 1.0

    @classmethod
    def of(
        cls, base: Estimate, floor: float, mu_x: float = 0.0, sd_x: float = 1.0,
        group: str | None = None,
    ) -> RemainingVolume:  # fmt: skip
        probe = cls(1.0, 1.0, 1.0, base.dist, group, base, floor, mu_x, sd_x)
        lo, hi = (float(v) for v in probe.ppf_array(np.array([1e-9, 1 - 1e-9])))
        if mu_x == 0.0 and sd_x == 1.0:  # the plain truncation: its range and mode exactly
            lo = max(max(base.low, floor) - floor, 1.0)
            hi = max(base.high - floor, 1.0)
            mode = min(max(max(base.likely, floor) - floor, lo), hi)
        else:
            mode = min(max(probe.likely_total() - floor, lo), hi)
        return cls(lo, mode, hi, base.dist, group if group else base.group, base, floor,
                   mu_x, sd_x)  # fmt: skip

    def likely_total(self) -> float:
        """The most likely total ``V`` (what the baseline uses, as the plan uses its estimate's
        mode): the estimate's ``likely`` carried through the group's update to the same rank,
        ``F^-1(Phi(mu_x + sd_x Phi^-1(F(likely))))``, and at least the floor (so exactly the
        plain truncation's ``max(likely, floor)`` when the group says nothing: ``mu_x = 0``,
        ``sd_x = 1``). Not the conditioned density's peak: a PERT is flat near its mode, so
        the peak moves by several % for a small change of the factor's spread alone."""
        base = self.base
        x = float(ndtri(min(max(estimate_cdf(base, base.likely), 1e-12), 1 - 1e-12)))
        share = float(ndtr(self.mu_x + self.sd_x * x))
        moved = float(base.ppf_array(np.array([share]))[0])
        return max(moved, self.floor)

    def ppf(self, u: float) -> float:
        return float(self.ppf_array(np.array([u]))[0])

    def ppf_array(self, u: np.ndarray) -> np.ndarray:
        cut = min(estimate_cdf(self.base, self.floor), 1.0)
        if cut >= 1.0:
            return np.full(np.shape(u), 1.0)
        if self.mu_x == 0.0 and self.sd_x == 1.0:
            share = cut + np.asarray(u) * (1.0 - cut)
        else:
            x_floor = float(ndtri(max(cut, 1e-300)))
            low = float(ndtr((x_floor - self.mu_x) / self.sd_x))
            z = ndtri(np.clip(low + np.asarray(u) * (1.0 - low), 1e-16, 1 - 1e-16))
            share = np.clip(ndtr(self.mu_x + self.sd_x * z), cut, 1 - 1e-16)
        total = self.base.ppf_array(np.asarray(share, dtype=float))
        left: np.ndarray = np.maximum(total - self.floor, 1.0)
        return left

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.ppf_array(rng.random(size))

    def mean(self) -> float:
        grid = (np.arange(400) + 0.5) / 400
        return float(self.ppf_array(grid).mean())


@dataclass(frozen=True)
class ScaledCapacity(Estimate):
    """``nominal x efficiency``, efficiency ~ Normal(mu, sd) clipped to EFFICIENCY_BOUNDS."""

    nominal: float = 1.0
    mu: float = 1.0
    sd: float = 0.0

    @classmethod
    def of(cls, nominal: float, mu: float, sd: float, group: str) -> ScaledCapacity:
        lo_e, hi_e = EFFICIENCY_BOUNDS
        low = nominal * min(max(mu - 4 * sd, lo_e), hi_e)
        high = nominal * min(max(mu + 4 * sd, lo_e), hi_e)
        likely = nominal * min(max(mu, lo_e), hi_e)
        return cls(low, likely, high, "pert", group, nominal, mu, sd)

    def ppf(self, u: float) -> float:
        return float(self.ppf_array(np.array([u]))[0])

    def ppf_array(self, u: np.ndarray) -> np.ndarray:
        levels = (np.floor(np.asarray(u) * EFFICIENCY_LEVELS) + 0.5) / EFFICIENCY_LEVELS
        eff = self.mu + self.sd * np.asarray(ndtri(np.clip(levels, 0.0, 1.0)), dtype=float)
        return self.nominal * np.clip(eff, *EFFICIENCY_BOUNDS)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.ppf_array(rng.random(size))

    def mean(self) -> float:
        return self.likely


@dataclass(frozen=True)
class DownDayMtbf(Estimate):
    """Mean time between day-long outages so that a share ``p`` of the time is down:
    ``mtbf = DAY x (1 - p) / p``, ``p ~ Beta(alpha, beta)`` (clipped to DOWN_BOUNDS)."""

    alpha: float = 1.0
    beta: float = 1.0

    @classmethod
    def of(cls, alpha: float, beta: float, group: str) -> DownDayMtbf:
        mean = alpha / (alpha + beta)
        probe = cls(1.0, 1.0, 1.0, "pert", group, alpha, beta)
        high = float(probe.ppf_array(np.array([1e-6]))[0])
        low = float(probe.ppf_array(np.array([1 - 1e-6]))[0])
        likely = min(max(_mtbf(mean), low), high)
        return cls(low, likely, high, "pert", group, alpha, beta)

    def ppf(self, u: float) -> float:
        return float(self.ppf_array(np.array([u]))[0])

    def ppf_array(self, u: np.ndarray) -> np.ndarray:
        p = np.asarray(betaincinv(self.alpha, self.beta, u), dtype=float)
        clipped = np.clip(p, *DOWN_BOUNDS)
        mtbf: np.ndarray = DAY * (1.0 - clipped) / clipped
        return mtbf

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.ppf_array(rng.random(size))

    def mean(self) -> float:
        return self.likely


def _mtbf(p: Any) -> Any:
    return DAY * (1.0 - p) / p


@dataclass(frozen=True)
class Rescaled(Estimate):
    """``base / factor``: a flow's volume (or growth) counted in the units of a link whose
    capacity is ``factor`` times what the flow gets (see :func:`_rate_factors`); same draws,
    same correlation group."""

    base: Estimate = field(default_factory=lambda: Estimate(1.0, 1.0, 1.0))
    factor: float = 1.0

    @classmethod
    def of(cls, base: Estimate, factor: float) -> Rescaled:
        return cls(base.low / factor, base.likely / factor, base.high / factor, base.dist,
                   base.group, base, factor)  # fmt: skip

    def ppf(self, u: float) -> float:
        return self.base.ppf(u) / self.factor

    def ppf_array(self, u: np.ndarray) -> np.ndarray:
        scaled: np.ndarray = self.base.ppf_array(u) / self.factor
        return scaled

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.ppf_array(rng.random(size))

    def mean(self) -> float:
        return self.base.mean() / self.factor


@dataclass(frozen=True)
class Shifted(Estimate):
    """``base + shift``, at least ``floor`` (a duration moved by a known amount; a remaining
    volume after more bytes crossed, at least 1 byte); the same draws as ``base``, so common
    random numbers hold."""

    base: Estimate = field(default_factory=lambda: Estimate(1.0, 1.0, 1.0))
    shift: float = 0.0
    floor: float = 0.0

    @classmethod
    def of(cls, base: Estimate, shift: float, floor: float = 0.0) -> Shifted:
        low, likely, high = (max(v + shift, floor) for v in (base.low, base.likely, base.high))
        return cls(low, likely, high, base.dist, base.group, base, shift, floor)

    def ppf(self, u: float) -> float:
        return max(self.base.ppf(u) + self.shift, self.floor)

    def ppf_array(self, u: np.ndarray) -> np.ndarray:
        shifted: np.ndarray = np.maximum(self.base.ppf_array(np.asarray(u)) + self.shift,
                                         self.floor)  # fmt: skip
        return shifted

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.ppf_array(rng.random(size))

    def mean(self) -> float:
        return float(self.ppf_array((np.arange(400) + 0.5) / 400).mean())


def _shifted(value: Any, shift: float) -> Any:
    if isinstance(value, EstimateSpec):
        return GivenEstimate.wrap(Shifted.of(value.to_estimate(), shift))
    return max(float(value) + shift, 0.0)


@dataclass(frozen=True)
class PendingRework(Estimate):
    """A rejection fraction ``f`` raised so that the rework of what is left, ``f' / (1 - f')``
    of it, is the plan's ``f / (1 - f)`` of what is left *and* of what crossed before the as-of
    date: ``f' / (1 - f') = k f / (1 - f)``; same draws."""

    base: Estimate = field(default_factory=lambda: Estimate(0.0, 0.0, 0.0))
    k: float = 1.0

    @classmethod
    def of(cls, base: Estimate, k: float) -> PendingRework:
        low, likely, high = (_raised(v, k) for v in (base.low, base.likely, base.high))
        return cls(low, likely, high, base.dist, base.group, base, k)

    def ppf(self, u: float) -> float:
        return float(_raised(self.base.ppf(u), self.k))

    def ppf_array(self, u: np.ndarray) -> np.ndarray:
        raised: np.ndarray = _raised(self.base.ppf_array(u), self.k)
        return raised

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.ppf_array(rng.random(size))

    def mean(self) -> float:
        return float(self.ppf_array((np.arange(400) + 0.5) / 400).mean())


def _raised(fraction: Any, k: float) -> Any:
    odds = k * np.asarray(fraction) / np.maximum(1.0 - np.asarray(fraction), 1e-12)
    return odds / (1.0 + odds)


class GivenEstimate(EstimateSpec):
    """An estimate spec that compiles to a given :class:`Estimate` (built with
    :meth:`wrap`, never validated from a file)."""

    given: Any = None

    @classmethod
    def wrap(cls, est: Estimate) -> GivenEstimate:
        return cls.model_construct(
            low=est.low, likely=est.likely, high=est.high, dist=est.dist, group=est.group,
            given=est,
        )  # fmt: skip

    def to_estimate(self) -> Estimate:
        return self.given  # type: ignore[no-any-return]


def rescaled(value: Any, factor: float) -> Any:
    """A volume, growth or records spec divided by ``factor`` (a flow's rate against its
    link's: the flow moves ``value`` at that rate as it moves ``value / factor`` at the link's)."""
    if value is None or factor == 1.0:
        return value
    if isinstance(value, EstimateSpec):
        return GivenEstimate.wrap(Rescaled.of(value.to_estimate(), factor))
    return float(value) / factor


@dataclass(frozen=True)
class Rework(Estimate):
    """The rework a pass of ``moved`` bytes owes: ``moved x f / (1 - f)``, ``f`` drawn from
    the rejection fraction's estimate ``base`` (at least 1 byte); same draws."""

    base: Estimate = field(default_factory=lambda: Estimate(0.0, 0.0, 0.0))
    moved: float = 0.0

    @classmethod
    def of(cls, base: Estimate, moved: float) -> Rework:
        low, likely, high = (_owed(v, moved) for v in (base.low, base.likely, base.high))
        return cls(low, likely, high, base.dist, base.group, base, moved)

    def ppf(self, u: float) -> float:
        return float(_owed(self.base.ppf(u), self.moved))

    def ppf_array(self, u: np.ndarray) -> np.ndarray:
        owed: np.ndarray = _owed(self.base.ppf_array(u), self.moved)
        return owed

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.ppf_array(rng.random(size))

    def mean(self) -> float:
        return float(self.ppf_array((np.arange(400) + 0.5) / 400).mean())


def _owed(fraction: Any, moved: float) -> Any:
    f = np.asarray(fraction, dtype=float)
    return np.maximum(moved * f / np.maximum(1.0 - f, 1e-12), 1.0)
