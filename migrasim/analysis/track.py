"""Re-forecast from the transfer log: condition the scenario on what actually happened.

Up to the as-of date the log is fact. From then on the remaining work is simulated by the same
machinery as ``run`` (``run_scenario``: baseline, Monte Carlo, seeds, blocks), on a *remaining
scenario* built here:

- it starts at 00:00 on the as-of date;
- each flow's volume is what is left: the backlog estimate conditioned on ``volume >= what has
  crossed`` (inverse CDF on the truncated range), minus what has crossed, its correlation
  group's shared factor updated by the other flows' logs with bounded weight (each flow's
  evidence clipped to its own 5th-95th percentile and tempered to ``1 / n`` of the prior's
  weight); a flow marked complete has nothing left, and finishes at the end of its last logged
  day;
- a flow with no row in the log is "no report": no evidence for the calibration, forecast from
  the plan from the as-of date (``Conditioned.unreported``, and a warning);
- throughput is calibrated against what the plan itself would have delivered on each day
  (:func:`plan_timeline`), per flow on ``per_flow`` links and per link on shared ones, each
  flow's efficiency and down-day share shrunk towards its link's and the link's towards the plan
  (:func:`partial_posteriors`, ``pooling="partial"``); or, ``pooling="pooled"``, one estimate
  per link against its nominal daily capacity (the first model); capacities are scaled by the
  calibrated efficiency and unplanned outages replaced by calibrated down days, drawn per
  replication from their posteriors (see ``docs/track.md`` for the method and why);
- shipped media: a device in transit on the as-of date arrives as planned, one that has
  arrived leaves only the rework, and turnaround is calibrated from logged arrivals.

What is simulated (:attr:`Conditioned.to_simulate`, run by :func:`forecast_run`) may differ
from the remaining scenario in how it says the same thing (a flow's own rate as a rescaled
volume, copies of a link for a flow); :func:`forecast_run` tells the result back in the
scenario's link names and bytes.

The draws are ordinary inputs of the remaining scenario (``Estimate`` subclasses behind
``EstimateSpec`` wrappers), so the engine, the batch solver and the runner are reused unchanged
and the results do not depend on the number of workers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from scipy.special import betainc, betaincinv, ndtr, ndtri

from migrasim.analysis.experiment import Outcome, Progress, run_scenario
from migrasim.analysis.runner import LOCAL, Execution
from migrasim.core import kinds, units
from migrasim.core.calendar import DAY, WEEKDAYS, WorkingCalendar, build_calendar
from migrasim.core.capacity import INF
from migrasim.core.distributions import Estimate
from migrasim.core.engine import simulate
from migrasim.core.model import Model
from migrasim.errors import N_
from migrasim.scenario.actuals import ActualsLog, FlowActuals
from migrasim.scenario.types import (
    EstimateSpec,
    FlowSpec,
    LinkSpec,
    OutageSpec,
    Scenario,
    likely_of,
)

PRIOR_EFFICIENCY_SD = 0.15
"""Prior sd of a link's efficiency around 1.0 (the plan): about +-30 % at 95 %."""
RATIO_SD_FLOOR = 0.2
"""Least sd assumed for one day's delivered/nominal ratio: consecutive days are correlated, so
each day counts for less than an independent observation."""
PRIOR_DOWN_DAYS = 20.0
"""Weight of the prior on the share of down days, in working days."""
PRIOR_DOWN_FLOOR = 0.01
"""Prior share of down days for a link without unplanned outages in the scenario."""
EFFICIENCY_BOUNDS = (0.05, 1.25)
EFFICIENCY_LEVELS = 10
"""The efficiency posterior is drawn at this many equally likely levels (the midpoints of its
deciles): replications that share a level share their rates, so the batch solver solves each
flow once per level instead of once per replication (10 x faster on the Wales scenario than
continuous draws; the deciles keep the posterior's mean and spread to within a few %)."""
DOWN_BOUNDS = (1e-4, 0.95)
_WHY_TOLERANCE = 1e-3
"""A flow's most likely total counts as grown when it exceeds the plan's by more than this."""
EVIDENCE_SHARES = (0.05, 0.95)
"""A flow's evidence about its correlation group is clipped to its own 5th-95th percentile."""


# --- conditioned distributions -----------------------------------------------------------------


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
class GroupFactor:
    """A correlation group's shared normal factor ``Z`` after the log: approximately
    N(mean, sd^2); each flow's ``x = sqrt(rho) Z + sqrt(1 - rho) e`` is then
    N(sqrt(rho) mean, rho sd^2 + 1 - rho) with correlation ``rho_after`` between flows."""

    rho: float
    mean: float
    sd: float

    @property
    def mu_x(self) -> float:
        return math.sqrt(self.rho) * self.mean

    @property
    def sd_x(self) -> float:
        return math.sqrt(self.rho * self.sd**2 + 1.0 - self.rho)

    @property
    def rho_after(self) -> float:
        return self.rho * self.sd**2 / (self.rho * self.sd**2 + 1.0 - self.rho)


def group_factor(
    rho: float, floors: list[float], exact: list[float], weight: float = 1.0
) -> GroupFactor:
    """The posterior of a group's shared factor ``Z ~ N(0, 1)`` (on a grid) given, for each
    flow still moving, ``x_i >= floors[i]`` and, for each complete flow, ``x_i = exact[i]``
    (both in the copula's normal scale, ``x = Phi^-1(F(volume))``), each flow's likelihood
    raised to the power ``weight`` (a tempered, or power, likelihood: with ``weight = 1 / n``
    the group's ``n`` flows together weigh what one flow's full evidence would)."""
    rho = min(max(rho, 1e-6), 0.999)
    grid = np.linspace(-6.0, 6.0, 2401)
    a, b = math.sqrt(rho), math.sqrt(1.0 - rho)
    log_p = -0.5 * grid**2
    for x in floors:
        if np.isfinite(x):
            log_p += weight * np.log(np.maximum(ndtr(-(x - a * grid) / b), 1e-300))
    for x in exact:
        log_p += weight * -0.5 * ((x - a * grid) / b) ** 2
    weight_z = np.exp(log_p - log_p.max())
    weight_z /= weight_z.sum()
    mean = float((weight_z * grid).sum())
    sd = float(np.sqrt(max((weight_z * (grid - mean) ** 2).sum(), 1e-12)))
    return GroupFactor(rho, mean, sd)


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


# --- calibration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowEvidence:
    """What the log says about one flow's throughput."""

    name: str
    link: str | None  # the link that sets its nominal rate (None: no byte limit known)
    working_days: int  # working days it could have moved data, up to the as-of date
    zero_days: int  # of which nothing crossed (a day without a row counts as nothing)
    moved_bytes: float  # everything that crossed (rejected bytes included)
    nominal_bytes: float  # what the plan's capacity would have moved on those days
    ratios: tuple[float, ...]  # delivered / nominal on each day something crossed
    # Measured against the plan's own timeline (``pooling="partial"``; see plan_evidence):
    up_nominal: float = 0.0  # what the plan would have moved on the days something crossed
    up_moved: float = 0.0  # what crossed on them, plus what crossed on days the plan had none
    day_weight: float = 0.0  # working days weighted by the plan's share of a full day
    zero_weight: float = 0.0  # of which nothing crossed, weighted alike

    @property
    def moved_share(self) -> float | None:
        return None if self.nominal_bytes <= 0 else self.moved_bytes / self.nominal_bytes

    @property
    def efficiency(self) -> float | None:
        """Bytes moved per byte the plan would have moved, on the days something crossed."""
        return None if self.up_nominal <= 0 else self.up_moved / self.up_nominal


@dataclass(frozen=True)
class LinkPosterior:
    """A link's calibrated throughput: efficiency ~ Normal(mu, sd) on the days it delivers,
    share of down days ~ Beta(alpha, beta)."""

    link: str
    days: int
    zero_days: int
    mu: float
    sd: float
    alpha: float
    beta: float

    @property
    def down_share(self) -> float:
        return self.alpha / (self.alpha + self.beta)


def working_calendar(scenario: Scenario, last: date) -> WorkingCalendar:
    spec = scenario.calendar
    first = scenario.start.date() - timedelta(days=1)
    weekdays = (WEEKDAYS.index(d) for d in spec.working_days)
    return build_calendar(
        weekdays, spec.holidays, spec.closures, first, last, spec.weekend_holidays
    )


def _open_seconds(link: LinkSpec) -> float:
    if link.window is None:
        return float(DAY)
    open_s, close_s = link.window
    return float((close_s - open_s) % DAY or DAY)


def nominal_daily(scenario: Scenario, flow: FlowSpec) -> tuple[str | None, float]:
    """The link that limits ``flow`` most and the bytes it would let the flow move in one
    working day, at the plan's most likely values (a shared link's capacity split evenly
    between the flows that use it)."""
    users: dict[str, int] = {}
    for other in scenario.flows:
        for name in other.links:
            users[name] = users.get(name, 0) + 1
    per_record = likely_of(flow.volume) / flow.records if flow.records else None
    best: tuple[str | None, float] = (None, INF)
    for name in flow.links:
        link = scenario.links[name]
        seconds = _open_seconds(link)
        limits = []
        for rule in kinds.CAPACITY_RULES:  # each rule's amount in a working day
            given = link.limit(rule)
            if given is None or (rule.measure == "records" and per_record is None):
                continue
            amount = likely_of(given)
            if rule.scaled_by_efficiency:  # bandwidth x efficiency
                amount *= likely_of(link.efficiency)
            if rule.per == "second":
                amount *= seconds
            limits.append(amount if per_record is None or rule.measure == "bytes"
                          else amount * per_record)  # fmt: skip
        if not limits:
            continue
        daily = min(limits) / (1 if link.per_flow else users[name])
        if daily < best[1]:
            best = (name, daily)
    return best


def flow_evidence(
    scenario: Scenario, flow: FlowSpec, actuals: FlowActuals, as_of: date, cal: WorkingCalendar
) -> FlowEvidence:
    """The flow's working days from when it could start (its ``start``, or its first logged
    transfer if it waits for other flows or a link) to the day before ``as_of`` (or the day it
    was marked complete), and what crossed on them."""
    link, nominal = nominal_daily(scenario, flow)
    first, last = _window(scenario, flow, actuals, as_of)
    moved = actuals.by_day()
    days = zero = 0
    total = 0.0
    ratios: list[float] = []
    day = first
    while day <= last:
        if cal.is_working(day) or moved.get(day, 0.0) > 0:
            got = moved.get(day, 0.0)
            days += 1
            total += got
            if got <= 0:
                zero += 1
            elif nominal < INF and day != actuals.completed_on:
                ratios.append(got / nominal)  # the completion day moves only what was left
        day += timedelta(days=1)
    nominal_total = nominal * days if nominal < INF else 0.0
    return FlowEvidence(flow.label, link, days, zero, total, nominal_total, tuple(ratios))


# --- the plan's own timeline (pooling="partial") ------------------------------------------------

PROBE_VOLUME = 1e21
"""Bytes given to every network flow when asking what the plan's links would let it move on a
day it had data to move (more than any link moves before an as-of date)."""


def _shipped(scenario: Scenario, flow: FlowSpec) -> bool:
    return any(scenario.links[name].shipment is not None for name in flow.links)


def _daily_bytes(curve: Any, bounds: np.ndarray) -> np.ndarray:
    """Bytes a cumulative curve (breakpoints, linear in between, steps as repeated times)
    delivers between consecutive ``bounds``; a delivery at 00:00 counts for the day before
    (the end-of-day rule)."""
    ts = np.asarray(curve[0], dtype=float)
    cs = np.asarray(curve[1], dtype=float)
    if ts.size == 0:
        return np.zeros(bounds.size - 1)
    right = np.searchsorted(ts, bounds, side="right")
    at = np.empty(bounds.size)
    for k, (t, i) in enumerate(zip(bounds.tolist(), right.tolist(), strict=True)):
        if i == 0:
            at[k] = 0.0
        elif i >= ts.size:
            at[k] = cs[-1]
        else:
            t0, t1, c0, c1 = ts[i - 1], ts[i], cs[i - 1], cs[i]
            at[k] = c0 + (c1 - c0) * (t - t0) / (t1 - t0)
    return np.maximum(np.diff(at), 0.0)


@dataclass(frozen=True)
class PlanTimeline:
    """What the plan itself would have done up to an as-of date (:func:`plan_timeline`)."""

    days: dict[str, dict[date, float]]  # flow -> local day -> bytes the plan delivers
    in_transit: dict[str, float]  # shipped flow -> when the plan's device in transit on the
    # as-of date delivers, in seconds after 00:00 on the as-of date


def plan_days(scenario: Scenario, as_of: date) -> dict[str, dict[date, float]]:
    """Per flow, the bytes the plan itself would have delivered on each day before ``as_of``
    (:func:`plan_timeline`)."""
    return plan_timeline(scenario, as_of).days


def plan_timeline(scenario: Scenario, as_of: date) -> PlanTimeline:
    """Per flow, the bytes the plan itself would have delivered on each local day before
    ``as_of``: the baseline engine run at the most likely inputs (windows across midnight,
    non-working days, planned outages, shipments, quotas and shared links included).

    A network flow on a day the plan had it waiting (for a flow ``after``) or already finished
    is given what its links would have let it move that day had it data to move: the same
    baseline with every network flow's volume unbounded and no dependencies."""
    from migrasim.core.engine import simulate
    from migrasim.scenario.compile import build_model

    labels = [f.label for f in scenario.flows]
    start = datetime.combine(as_of, time())
    elapsed = (start - scenario.start).total_seconds()
    first = scenario.start.date()
    days = [first + timedelta(days=k) for k in range((as_of - first).days)]
    if elapsed <= 0 or not days:
        return PlanTimeline({label: {} for label in labels}, {})
    trips = [
        float(spec.shipment.turnaround if not isinstance(spec.shipment.turnaround, EstimateSpec)
              else spec.shipment.turnaround.high)
        for spec in scenario.links.values() if spec.shipment is not None
    ]  # fmt: skip
    horizon = min(scenario.horizon, elapsed + DAY + max(trips, default=0.0))
    plan = scenario.model_copy(update={"horizon": horizon})
    model = build_model(plan)
    bounds = np.array([model.clock.to_sim(datetime.combine(d, time())) for d in [*days, as_of]])
    result = simulate(model, record=True)
    assert result.curves is not None
    probe_flows = []
    for flow in scenario.flows:
        if _shipped(scenario, flow):
            continue
        scale = PROBE_VOLUME / max(likely_of(flow.volume), 1.0)
        records = None if flow.records is None else flow.records * scale
        probe_flows.append(flow.model_copy(update={
            "volume": PROBE_VOLUME, "after": (), "rejection": None, "growth": None,
            "records": records,
        }))  # fmt: skip
    probe: dict[str, np.ndarray] = {}
    if probe_flows:
        probe_model = build_model(plan.model_copy(update={"flows": tuple(probe_flows)}))
        probed = simulate(probe_model, record=True)
        assert probed.curves is not None
        for flow, curve in zip(probe_flows, probed.curves, strict=True):
            probe[flow.label] = _daily_bytes(curve, bounds)
    out: dict[str, dict[date, float]] = {}
    transit: dict[str, float] = {}
    for f, (flow, res, curve) in enumerate(
        zip(scenario.flows, result.flows, result.curves, strict=True)
    ):
        daily = _daily_bytes(curve, bounds)
        if _shipped(scenario, flow):
            link = model.links[model.flows[f].links[0]]
            assert link.shipment is not None
            turnaround = link.shipment.turnaround_s
            ts, cs = np.asarray(curve[0]), np.asarray(curve[1])
            steps = ts[1:][np.diff(cs) > 0]
            # a delivery at 00:00 on the as-of date counts for the day before (logged)
            due = [t for t in steps.tolist() if t > elapsed + 1.0 and t - turnaround < elapsed]
            if due:
                transit[flow.label] = min(due) - elapsed
        capacity = probe.get(flow.label)
        if capacity is not None:
            begun = -INF if res.started_s is None else res.started_s
            done = INF if res.finished_s is None else res.finished_s
            # the plan's own bytes on the days it had the flow moving all day
            active = (bounds[:-1] >= begun if res.started_s is not None else
                      np.zeros(len(days), dtype=bool)) & (bounds[1:] <= done)  # fmt: skip
            daily = np.where(active, daily, capacity)
        out[flow.label] = {d: float(v) for d, v in zip(days, daily.tolist(), strict=True) if v > 0}
    return PlanTimeline(out, transit)


def _window(
    scenario: Scenario, flow: FlowSpec, actuals: FlowActuals, as_of: date
) -> tuple[date, date]:
    """The first and last day the log can judge a flow on: from when it could start (its
    ``start``, or its first logged transfer if it waits for other flows or a link) to the day
    before ``as_of`` (or the day it was marked complete)."""
    first = scenario.start.date()
    if flow.start is not None:
        first = max(first, flow.start.date())
    waits = bool(flow.after) or any(
        scenario.links[n].lead_time is not None or scenario.links[n].available_from is not None
        for n in flow.links
    )
    if waits:
        first_moved = actuals.first_day
        first = as_of if first_moved is None else max(first, first_moved)
    last = as_of - timedelta(days=1)
    if actuals.completed_on is not None:
        last = min(last, actuals.completed_on)
    return first, last


def plan_evidence(
    scenario: Scenario,
    flow: FlowSpec,
    actuals: FlowActuals,
    as_of: date,
    plan: Mapping[date, float],
) -> FlowEvidence:
    """What the log says about a flow, measured against what the plan itself would have
    delivered on each day (:func:`plan_days`).

    A *working day* is a day the plan moves something for the flow; a day with no row (or 0
    bytes) among them counts as a day with nothing delivered, weighted by the plan's share of a
    full day (a window's first two hours before midnight count for a quarter of an 8-hour
    night). Bytes logged on a day the plan moves nothing (a Saturday on a Mon-Fri link) count
    as moved, but add no working day. A flow with no rows at all is no evidence."""
    link, _ = nominal_daily(scenario, flow)
    if not actuals.days:
        return FlowEvidence(flow.label, link, 0, 0, 0.0, 0.0, ())
    first, last = _window(scenario, flow, actuals, as_of)
    moved = actuals.by_day()
    planned = sorted(v for d, v in plan.items() if first <= d <= last and v > 0)
    full = planned[len(planned) // 2] if planned else 0.0
    days = zero = 0
    total = nominal = up_nominal = up_moved = weight = zero_weight = 0.0
    ratios: list[float] = []
    day = first
    while day <= last:
        got = moved.get(day, 0.0)
        want = plan.get(day, 0.0)
        total += got
        if want > 0:
            w = min(want / full, 1.0)
            days += 1
            nominal += want
            weight += w
            if got <= 0:
                zero += 1
                zero_weight += w
            elif day != actuals.completed_on:  # the completion day moves only what was left
                up_nominal += want
                up_moved += got
                ratios.append(got / want)
        elif got > 0 and day != actuals.completed_on:
            up_moved += got
        day += timedelta(days=1)
    return FlowEvidence(
        flow.label, link, days, zero, total, nominal, tuple(ratios), up_nominal, up_moved,
        weight, zero_weight,
    )  # fmt: skip


def _prior_down_share(link: LinkSpec, mean: bool = False) -> float:
    """The scenario's share of time a link is down (at least PRIOR_DOWN_FLOOR): ``mttr / (mtbf
    + mttr)`` at the most likely values, or (``mean``) at the estimates' means, the long-run
    share of the plan's own outage process."""
    outages = link.outages
    if outages is None or outages.mtbf is None or outages.mttr is None:
        return PRIOR_DOWN_FLOOR
    if mean:
        mtbf, mttr = (v.to_estimate().mean() if isinstance(v, EstimateSpec) else float(v)
                      for v in (outages.mtbf, outages.mttr))  # fmt: skip
    else:
        mtbf, mttr = likely_of(outages.mtbf), likely_of(outages.mttr)
    return max(mttr / (mtbf + mttr), PRIOR_DOWN_FLOOR)


def link_posterior(link_name: str, link: LinkSpec, evidence: list[FlowEvidence]) -> LinkPosterior:
    """Conjugate updates, pooled over the flows the link limits.

    Efficiency: prior Normal(1, PRIOR_EFFICIENCY_SD^2); each day's ratio an observation with sd
    max(sample sd, RATIO_SD_FLOOR). Down days: prior Beta with mean the scenario's outage share
    (or PRIOR_DOWN_FLOOR) and weight PRIOR_DOWN_DAYS; each working day a Bernoulli trial."""
    ratios = np.array([r for e in evidence for r in e.ratios], dtype=float)
    days = sum(e.working_days for e in evidence)
    zero = sum(e.zero_days for e in evidence)
    prior_precision = 1.0 / PRIOR_EFFICIENCY_SD**2
    if ratios.size:
        sd = max(float(ratios.std(ddof=1)) if ratios.size > 1 else 0.0, RATIO_SD_FLOOR)
        data_precision = ratios.size / sd**2
        precision = prior_precision + data_precision
        mu = (prior_precision * 1.0 + data_precision * float(ratios.mean())) / precision
    else:
        precision, mu = prior_precision, 1.0
    p0 = _prior_down_share(link)
    alpha = PRIOR_DOWN_DAYS * p0 + zero
    beta = PRIOR_DOWN_DAYS * (1.0 - p0) + (days - zero)
    return LinkPosterior(link_name, days, zero, mu, math.sqrt(1.0 / precision), alpha, beta)


SPREAD_RATIO = 1.5
"""Flows on a per_flow link whose relative efficiency sd (sd / mu) are within this ratio of
the least in their class share one spread (the class's median) in what is simulated: their
link, or one copy of it per further class (one more solve of the link per class)."""

DOWN_CONCENTRATION = (10.0, 400.0)
"""Bounds of the between-flow concentration of the down-day share, in working days: a flow's
own record counts as much as this many days of its link's (at least 10: after a month a flow's
own share of down days carries two thirds of the weight)."""


@dataclass(frozen=True)
class Hierarchy:
    """A link's partially pooled throughput (:func:`partial_posteriors`)."""

    link: LinkPosterior  # the link's mean efficiency and down-day share
    units: dict[str, LinkPosterior]  # each flow's (per_flow link) or the link's (shared)
    tau: float  # between-flow sd of the efficiency (empirical Bayes)
    concentration: float  # between-flow weight of the down-day share, in working days


def _within_sd(evidence: list[FlowEvidence]) -> float:
    """Day-to-day sd of delivered/planned within a flow, pooled over the link's flows, at
    least RATIO_SD_FLOOR (consecutive days are correlated: a day counts for less than an
    independent observation)."""
    squares = 0.0
    dof = 0
    for e in evidence:
        if len(e.ratios) > 1:
            r = np.asarray(e.ratios, dtype=float)
            squares += float(((r - r.mean()) ** 2).sum())
            dof += r.size - 1
    sd = math.sqrt(squares / dof) if dof else 0.0
    return max(sd, RATIO_SD_FLOOR)


def partial_posteriors(
    link_name: str, link: LinkSpec, units: Mapping[str, list[FlowEvidence]]
) -> Hierarchy:
    """Each unit's throughput (a flow on a ``per_flow`` link; the link itself on a shared one),
    shrunk towards its link's, the link's towards the plan: an empirical Bayes normal-normal
    hierarchy for the efficiency and a beta-binomial one for the share of down days
    (Gelman et al., *Bayesian Data Analysis*, 3rd ed., ch. 5; DerSimonian and Laird 1986 for
    the between-flow variance; docs/track.md works an example).

    Efficiency: unit ``u`` moved ``y_u`` = bytes moved / bytes the plan would have moved on
    the days something crossed, observed with variance ``v_u = s^2 / n_u`` (``s`` the pooled
    day-to-day sd, at least RATIO_SD_FLOOR; ``n_u`` such days). ``y_u ~ N(theta_u, v_u)``,
    ``theta_u ~ N(mu, tau^2)``, ``mu ~ N(1, PRIOR_EFFICIENCY_SD^2)`` (the plan). ``tau^2`` is
    the DerSimonian-Laird moment estimate (0 with one unit: the unit is the link). Then
    ``mu | y ~ N(m, 1/P)``, ``P = 1/sd0^2 + sum 1/(v_u + tau^2)``, and each ``theta_u`` has mean
    ``(1 - B_u) y_u + B_u m`` with ``B_u = v_u / (v_u + tau^2)`` and variance
    ``(1 - B_u) v_u + B_u^2 / P``.

    Down days: the link's share ``p ~ Beta`` with the scenario's outage share as mean and
    PRIOR_DOWN_DAYS weight, updated by every unit's (weighted) working and zero days; each unit's
    ``p_u ~ Beta(M p_hat + z_u, M (1 - p_hat) + n_u - z_u)`` around the link's mean ``p_hat``
    with concentration ``M`` (working days) estimated by moments from the spread of the units'
    shares beyond the binomial, within DOWN_CONCENTRATION."""
    found = {name: ev for name, ev in units.items() if sum(e.working_days for e in ev) > 0}
    sd_day = _within_sd([e for ev in found.values() for e in ev])
    obs: dict[str, tuple[float, float]] = {}
    for name, ev in found.items():
        up = sum(e.up_nominal for e in ev)
        n_up = sum(len(e.ratios) for e in ev)
        if up > 0 and n_up > 0:
            obs[name] = (sum(e.up_moved for e in ev) / up, sd_day**2 / n_up)
    tau2 = 0.0
    if len(obs) > 1:
        ys = np.array([o[0] for o in obs.values()])
        ws = 1.0 / np.array([o[1] for o in obs.values()])
        mean = float((ws * ys).sum() / ws.sum())
        q = float((ws * (ys - mean) ** 2).sum())
        denominator = float(ws.sum() - (ws**2).sum() / ws.sum())
        tau2 = max((q - (len(obs) - 1)) / denominator, 0.0) if denominator > 0 else 0.0
    prior = 1.0 / PRIOR_EFFICIENCY_SD**2
    precision = prior + sum(1.0 / (v + tau2) for _, v in obs.values())
    m = (prior * 1.0 + sum(y / (v + tau2) for y, v in obs.values())) / precision

    n = {name: sum(e.day_weight for e in ev) for name, ev in found.items()}
    z = {name: sum(e.zero_weight for e in ev) for name, ev in found.items()}
    p0 = _prior_down_share(link, mean=True)
    alpha = PRIOR_DOWN_DAYS * p0 + sum(z.values())
    beta = PRIOR_DOWN_DAYS * (1.0 - p0) + sum(n.values()) - sum(z.values())
    share = alpha / (alpha + beta)
    lo_m, hi_m = DOWN_CONCENTRATION
    concentration = hi_m
    judged = [name for name in found if n[name] >= 1.0]
    if len(judged) > 1:
        rates = np.array([z[k] / n[k] for k in judged])
        pooled = sum(z[k] for k in judged) / sum(n[k] for k in judged)
        binomial = pooled * (1.0 - pooled) * float(np.mean([1.0 / n[k] for k in judged]))
        between = float(rates.var(ddof=1)) - binomial
        if between > 0 and 0 < pooled < 1:
            concentration = min(max(pooled * (1.0 - pooled) / between - 1.0, lo_m), hi_m)
    days = sum(e.working_days for ev in found.values() for e in ev)
    zero = sum(e.zero_days for ev in found.values() for e in ev)
    level = LinkPosterior(link_name, days, zero, m, math.sqrt(1.0 / precision), alpha, beta)
    posteriors: dict[str, LinkPosterior] = {}
    for name, ev in units.items():
        u_days = sum(e.working_days for e in ev)
        u_zero = sum(e.zero_days for e in ev)
        if name in obs and tau2 > 0:
            y, v = obs[name]
            shrink = v / (v + tau2)
            mu = (1.0 - shrink) * y + shrink * m
            sd = math.sqrt((1.0 - shrink) * v + shrink**2 / precision)
        elif len(units) == 1 or name in obs:  # one unit, or no spread between units
            mu, sd = m, math.sqrt(1.0 / precision)
        else:  # no day with data: the link's predictive
            mu, sd = m, math.sqrt(1.0 / precision + tau2)
        if len(units) == 1:
            a, b = alpha, beta
        else:
            a = concentration * share + z.get(name, 0.0)
            b = concentration * (1.0 - share) + n.get(name, 0.0) - z.get(name, 0.0)
        posteriors[name] = LinkPosterior(link_name, u_days, u_zero, mu, sd, a, b)
    return Hierarchy(level, posteriors, math.sqrt(tau2), concentration)


# --- the remaining scenario --------------------------------------------------------------------


@dataclass(frozen=True)
class Conditioned:
    """The remaining scenario and what conditioning found."""

    scenario: Scenario  # starts at the as-of date; simulate this for the re-forecast
    as_of: date
    evidence: dict[str, FlowEvidence]
    posteriors: dict[str, LinkPosterior]
    completed_on: dict[str, date]  # flows marked complete -> their last logged day
    delivered: dict[str, float]  # accepted bytes so far, per flow
    unreported: tuple[str, ...] = ()  # flows with no row in the log ("no report")
    warnings: tuple[str, ...] = ()  # errors.N_ messages for the user (translated at the edge)
    why: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per flow: why its
    # remaining volume changed (errors.N_ messages), e.g. still moving after its likely volume
    flow_posteriors: dict[str, LinkPosterior] = field(default_factory=dict)  # partial pooling:
    # each flow's own throughput on a per_flow link (the link's on a shared one)
    simulated: Scenario | None = None  # what is simulated, if not ``scenario``: each flow on a
    # per_flow link its own calibrated copy of the link (see :func:`forecast_run`)
    link_names: dict[str, str] = field(default_factory=dict)  # copy -> the scenario's link
    rate_factors: dict[str, float] = field(default_factory=dict)  # flow -> its rate against
    # its link's in ``simulated`` (volume, growth and records divided by it there)

    @property
    def to_simulate(self) -> Scenario:
        return self.scenario if self.simulated is None else self.simulated


def _floor_of(flow: FlowSpec, delivered: float, elapsed_s: float) -> float:
    """Backlog that has crossed: what crossed less the growth so far (at its most likely
    rate), which the log also carried."""
    return delivered - _grown(flow, elapsed_s)


def _normal_score(est: Estimate, volume: float) -> float:
    """``Phi^-1(F(volume))`` with the share clipped to :data:`EVIDENCE_SHARES`: a flow's
    evidence about its group says at most that it is at its own 5th or 95th percentile (a
    total outside ``[low, high]`` is clipped to the range first, which lands on a clip)."""
    share = min(max(estimate_cdf(est, volume), EVIDENCE_SHARES[0]), EVIDENCE_SHARES[1])
    return float(ndtri(share))


def _grown(flow: FlowSpec, elapsed_s: float) -> float:
    """Growth since the start at its most likely rate (what the log has carried on top of the
    backlog, or still waits to be moved)."""
    return 0.0 if flow.growth is None else likely_of(flow.growth) * elapsed_s


def _ranged(flow: FlowSpec) -> Estimate | None:
    """The flow's volume estimate if it has a range (``high > low``), else None."""
    volume = flow.volume
    if isinstance(volume, EstimateSpec) and volume.high > volume.low:
        return volume.to_estimate()
    return None


def evidence_weight(rho: float, members: int) -> float:
    """The power of each flow's likelihood in its group's update: ``min(1, (1 - rho) / (rho
    n))``. A flow's exact score at full weight adds ``rho / (1 - rho)`` to the shared factor's
    precision (4 at rho = 0.8: four times the prior's 1); tempered, it adds ``1 / n``, so the
    ``n`` flows of a group together weigh at most what the prior does."""
    rho = min(max(rho, 1e-6), 0.999)
    return min(1.0, (1.0 - rho) / (rho * max(members, 1)))


def group_factors(scenario: Scenario, log: ActualsLog, elapsed_s: float) -> dict[str, GroupFactor]:
    """Each correlation group's shared factor after the log: flows still moving say their
    volume is at least what crossed; complete flows say what it was. The evidence is bounded:
    each flow's score is clipped to its own 5th-95th percentile (:func:`_normal_score`) and
    its likelihood tempered (:func:`evidence_weight`) so that it carries at most ``1 / n`` of
    the prior's weight on the shared factor, ``n`` the flows in the group with a range: one
    flow moves the others a little, and only many flows that agree move them far."""
    floors: dict[str, list[float]] = {}
    exact: dict[str, list[float]] = {}
    members: dict[str, int] = {}
    for flow in scenario.flows:
        est = _ranged(flow)
        if est is None or est.group is None:
            continue
        members[est.group] = members.get(est.group, 0) + 1
        actual = log.flows[flow.label]
        floor = _floor_of(flow, actual.delivered_bytes, elapsed_s)
        if actual.completed_on is not None:
            exact.setdefault(est.group, []).append(_normal_score(est, floor))
        elif floor > est.low:
            floors.setdefault(est.group, []).append(_normal_score(est, floor))
    return {
        group: group_factor(
            scenario.correlation[group], floors.get(group, []), exact.get(group, []),
            evidence_weight(scenario.correlation[group], members[group]),
        )
        for group in set(floors) | set(exact)
    }  # fmt: skip


def _remaining_volume(
    flow: FlowSpec, delivered: float, elapsed_s: float, factors: Mapping[str, GroupFactor]
) -> float | EstimateSpec:
    """What is left: the backlog conditioned on being at least what crossed (its group's
    shared factor updated by every flow's log), minus what crossed."""
    floor = _floor_of(flow, delivered, elapsed_s)
    est = _ranged(flow)
    if est is not None:
        factor = None if est.group is None else factors.get(est.group)
        if factor is None:
            return GivenEstimate.wrap(RemainingVolume.of(est, floor))
        group = f"track:{est.group}"
        return GivenEstimate.wrap(RemainingVolume.of(est, floor, factor.mu_x, factor.sd_x, group))
    return max(float(likely_of(flow.volume)) - floor, 1.0)


def _complete_outside_range(flow: FlowSpec, delivered: float, elapsed_s: float) -> list[str]:
    """A warning for a flow marked complete whose total backlog (what it delivered less the
    growth so far) is outside its volume estimate's ``[low, high]``."""
    est = _ranged(flow)
    if est is None:
        return []
    total = _floor_of(flow, delivered, elapsed_s)
    if est.low <= total <= est.high:
        return []
    return [
        N_("flow %(flow)s was marked complete at %(total)s, outside its volume estimate "
           "%(low)s to %(high)s: its own forecast uses the logged total, and its evidence "
           "about the other flows is clipped to the estimate's range; correct its volume "
           "estimate (or the complete flag)",
           flow=repr(flow.label), total=units.format_size(total),
           low=units.format_size(est.low), high=units.format_size(est.high))
    ]  # fmt: skip


def _why_more(
    flow: FlowSpec, delivered: float, elapsed_s: float, remaining: float | EstimateSpec
) -> tuple[str, ...]:
    """Why the flow's most likely total (delivered + most likely remaining) exceeds its plan's
    most likely volume, one message per cause: growth since the start (carried by the log or
    still to move), its own log (still moving after its likely volume), its group's log."""
    planned = float(likely_of(flow.volume))
    left = float(likely_of(remaining))
    if delivered + left <= planned * (1 + _WHY_TOLERANCE):
        return ()
    reasons: list[str] = []
    grown = _grown(flow, elapsed_s)
    if grown > 0:
        reasons.append(N_("growth since start: %(grown)s", grown=units.format_size(grown)))
    floor = _floor_of(flow, delivered, elapsed_s)
    if floor > planned:
        reasons.append(
            N_("still moving after its likely volume %(likely)s: the estimate is conditioned "
               "on at least %(floor)s", likely=units.format_size(planned),
               floor=units.format_size(floor))
        )  # fmt: skip
    est = _ranged(flow)
    if est is not None and est.group is not None:
        alone = max(planned, floor)  # the plain truncation's most likely total
        with_group = left + floor
        if with_group > alone * (1 + _WHY_TOLERANCE):
            reasons.append(
                N_("flows estimated the same way (group %(group)s) are running above their "
                   "estimates: %(more)s more", group=repr(est.group),
                   more=units.format_size(with_group - alone))
            )  # fmt: skip
    return tuple(reasons)


def _scaled(value: Any, posterior: LinkPosterior, group: str) -> Any:
    if value is None:
        return None
    est = ScaledCapacity.of(likely_of(value), posterior.mu, posterior.sd, group)
    return GivenEstimate.wrap(est)


def _remaining_link(
    name: str, link: LinkSpec, posterior: LinkPosterior | None, start: datetime, elapsed_s: float
) -> LinkSpec:
    update: dict[str, Any] = {}
    if link.available_from is not None and link.available_from <= start:
        update["available_from"] = None
    if link.lead_time is not None:
        left = likely_of(link.lead_time) - elapsed_s
        update["lead_time"] = left if left > 0 else None
    if link.fallback is not None and not update.get("lead_time") and "available_from" in update:
        update["fallback"] = None
    outages = link.outages
    planned = () if outages is None else tuple(p for p in outages.planned if p[1] > start)
    mtbf: Any = None if outages is None else outages.mtbf
    mttr: Any = None if outages is None else outages.mttr
    if posterior is not None:
        group = f"track:{name}"
        # every capacity rule scaled by the calibrated efficiency (a bandwidth through its
        # efficiency: the log measures bandwidth x efficiency)
        limits = dict(link.limits)
        for rule in kinds.CAPACITY_RULES:
            given = link.limit(rule)
            if rule.scaled_by_efficiency:
                if given is not None:
                    update["efficiency"] = _scaled(link.efficiency, posterior, group)
            elif rule.field is not None:
                update[rule.key] = _scaled(given, posterior, group)
            elif given is not None:
                limits[rule.key] = _scaled(given, posterior, group)
        update["limits"] = limits
        mtbf = GivenEstimate.wrap(DownDayMtbf.of(posterior.alpha, posterior.beta, f"{group}:down"))
        mttr = float(DAY)
    if mtbf is None and not planned:
        update["outages"] = None
    else:
        update["outages"] = OutageSpec.model_construct(mtbf=mtbf, mttr=mttr, planned=planned)
    return link.model_copy(update=update)


POOLING = ("partial", "pooled")
"""How throughput is calibrated: ``partial`` (each flow its own, shrunk towards its link's
pooled estimate) or ``pooled`` (one estimate per link, the first model; kept for the backtest)."""


def _hierarchies(
    scenario: Scenario, evidence: Mapping[str, FlowEvidence], reported: set[str]
) -> dict[str, Hierarchy]:
    """Per link that limits reported flows: its flows' throughput, partially pooled (a shared
    link is one unit, named "")."""
    units: dict[str, dict[str, list[FlowEvidence]]] = {}
    for name, e in evidence.items():
        if e.link is None or name not in reported:
            continue
        unit = name if scenario.links[e.link].per_flow else ""
        units.setdefault(e.link, {}).setdefault(unit, []).append(e)
    return {
        link: partial_posteriors(link, scenario.links[link], found) for link, found in units.items()
    }


def _copy_name(link: str, flow: str, taken: Mapping[str, Any]) -> str:
    name = f"{link} [{flow}]"
    while name in taken:
        name += "'"
    return name


def rescaled(value: Any, factor: float) -> Any:
    """A volume, growth or records spec divided by ``factor`` (a flow's rate against its
    link's: the flow moves ``value`` at that rate as it moves ``value / factor`` at the link's)."""
    if value is None or factor == 1.0:
        return value
    if isinstance(value, EstimateSpec):
        return GivenEstimate.wrap(Rescaled.of(value.to_estimate(), factor))
    return float(value) / factor


def _simulated(
    remaining: Scenario,
    original: Scenario,
    hierarchies: Mapping[str, Hierarchy],
    flow_posteriors: Mapping[str, LinkPosterior],
    evidence: Mapping[str, FlowEvidence],
    start: datetime,
    elapsed_s: float,
) -> tuple[Scenario | None, dict[str, str], dict[str, float]]:
    """What is simulated for ``remaining`` when flows on a per_flow link have their own
    throughput: the scenario, copy link -> the scenario's link, flow -> rate factor.

    A flow alone on a per_flow link ``L`` (its only link) keeps ``L`` and moves at ``factor``
    times ``L``'s rate: its volume, growth and records are divided by ``factor`` (exact: on a
    link of its own, moving ``V`` at ``factor x c(t)`` takes as long as ``V / factor`` at
    ``c(t)``, windows, caps, quotas, outages and growth alike), so every flow stays on one link
    and the batch solver solves them together. ``L`` then carries the link's down days and a
    relative efficiency ``1 +- s`` (``s`` the median of the flows' relative posterior sd), and
    ``factor = mu_f (1 - p_f) / (1 - p_L)`` (the flow's efficiency and up-time against the
    link's). A flow on ``L`` beside other links gets its own copy of ``L`` instead."""
    links = dict(remaining.links)
    names: dict[str, str] = {}
    factors: dict[str, float] = {}
    flows = []
    spread_link: dict[str, str] = {}  # flow -> the link (or copy) carrying its spread
    for name, h in hierarchies.items():
        if not original.links[name].per_flow:
            continue
        spreads: list[tuple[float, str]] = []
        for flow in remaining.flows:
            post = flow_posteriors.get(flow.label)
            e = evidence.get(flow.label)
            if post is None or e is None or e.link != name or tuple(flow.links) != (name,):
                continue
            spreads.append((post.sd / max(post.mu, 1e-9), flow.label))
        classes: dict[int, list[str]] = {}
        lowest = 0.0
        for rel, label in sorted(spreads):
            if not classes or rel > lowest * SPREAD_RATIO:
                classes[len(classes)] = []
                lowest = rel
            classes[len(classes) - 1].append(label)
        main = max(classes, key=lambda k: (len(classes[k]), -k), default=None)
        for k, members in sorted(classes.items()):
            rels = [flow_posteriors[f].sd / max(flow_posteriors[f].mu, 1e-9) for f in members]
            level = replace(h.link, mu=1.0, sd=float(np.median(rels)))
            target = name if k == main else _copy_name(name, f"track {k}", links)
            links[target] = _remaining_link(name, original.links[name], level, start, elapsed_s)
            if target != name:
                names[target] = name
            spread_link.update(dict.fromkeys(members, target))
        if main is None:
            rel = h.link.sd / max(h.link.mu, 1e-9)
            level = replace(h.link, mu=1.0, sd=rel)
            links[name] = _remaining_link(name, original.links[name], level, start, elapsed_s)
    plan_copies: dict[str, str] = {}  # per_flow link -> its copy at the plan's throughput
    for flow in remaining.flows:
        e = evidence.get(flow.label)
        post = flow_posteriors.get(flow.label)
        if (
            post is None and e is not None and e.link is not None and e.link in hierarchies
            and original.links[e.link].per_flow and e.link in flow.links
        ):  # fmt: skip
            # No report (no evidence of its own): the plan's throughput, not the link's
            # calibrated down days, on a copy of the link as the plan has it.
            if e.link not in plan_copies:
                copy = _copy_name(e.link, "plan", links)
                links[copy] = _remaining_link(e.link, original.links[e.link], None, start,
                                              elapsed_s)  # fmt: skip
                names[copy] = e.link
                plan_copies[e.link] = copy
            path = tuple(plan_copies[e.link] if n == e.link else n for n in flow.links)
            flows.append(flow.model_copy(update={"links": path}))
            continue
        if e is None or e.link is None or post is None or not original.links[e.link].per_flow:
            flows.append(flow)
            continue
        if tuple(flow.links) == (e.link,):
            link = hierarchies[e.link].link
            factor = post.mu * (1.0 - post.down_share) / (1.0 - link.down_share)
            factor = min(max(factor, EFFICIENCY_BOUNDS[0]), EFFICIENCY_BOUNDS[1])
            factors[flow.label] = factor
            records = None if flow.records is None else flow.records / factor
            flows.append(flow.model_copy(update={
                "volume": rescaled(flow.volume, factor),
                "growth": rescaled(flow.growth, factor),
                "records": records,
                "links": (spread_link.get(flow.label, e.link),),
            }))  # fmt: skip
            continue
        copy = _copy_name(e.link, flow.label, links)
        links[copy] = _remaining_link(e.link, original.links[e.link], post, start, elapsed_s)
        names[copy] = e.link
        path = tuple(copy if n == e.link else n for n in flow.links)
        flows.append(flow.model_copy(update={"links": path}))
    if not factors and not names and not any(
        original.links[n].per_flow for n in hierarchies
    ):  # fmt: skip
        return None, {}, {}
    simulated = remaining.model_copy(update={"links": links, "flows": tuple(flows)})
    return simulated, names, factors


def _pending_rework(
    remaining: Scenario, log: ActualsLog, delivered: Mapping[str, float]
) -> Scenario:
    """``remaining`` with the rework still owed on what crossed before the as-of date: the plan
    re-sends its rejected share of a flow's whole first pass once the pass is done, so when the
    log has rejected nothing of a flow yet, its rejection fraction is raised so that the rework
    after the remaining pass is the plan's share of both (exact at the most likely remaining
    volume: ``k = 1 + delivered / remaining``). A flow whose log already records rejections has
    been validated as it went: those bytes are in what is left, and nothing more is owed."""
    flows = []
    changed = False
    for flow in remaining.flows:
        done = delivered.get(flow.label, 0.0)
        rejection = flow.rejection
        if rejection is None or done <= 0 or log.flows[flow.label].rejected_bytes > 0:
            flows.append(flow)
            continue
        k = 1.0 + done / max(float(likely_of(flow.volume)), 1.0)
        fraction = rejection.fraction
        if isinstance(fraction, EstimateSpec):
            raised: Any = GivenEstimate.wrap(PendingRework.of(fraction.to_estimate(), k))
        else:
            raised = float(_raised(float(fraction), k))
        flows.append(flow.model_copy(
            update={"rejection": rejection.model_copy(update={"fraction": raised})}
        ))  # fmt: skip
        changed = True
    return remaining.model_copy(update={"flows": tuple(flows)}) if changed else remaining


def _next_departure(scenario: Scenario, link: LinkSpec, moment: datetime) -> datetime:
    """The first moment from ``moment`` on that a device may leave: within a working day's
    window (00:00-24:00 without one)."""
    cal = working_calendar(scenario, moment.date() + timedelta(days=400))
    day = moment.date()
    for _ in range(400):
        if cal.is_working(day):
            if link.window is None:
                return max(moment, datetime.combine(day, time()))
            opens, closes = link.window
            begin = datetime.combine(day, time()) + timedelta(seconds=opens)
            end = begin + timedelta(seconds=(closes - opens) % DAY or DAY)
            if moment < end:
                return max(moment, begin)
        day += timedelta(days=1)
    return moment


def _first_departure(scenario: Scenario, link: LinkSpec, as_of: date) -> float:
    """Seconds from 00:00 on ``as_of`` to the first moment a device may leave."""
    start = datetime.combine(as_of, time())
    return (_next_departure(scenario, link, start) - start).total_seconds()


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


TURNAROUND_LOG_SD = float(DAY)
"""Sd of one logged arrival's delay against the plan: the log has days, not hours."""


def turnaround_shifts(
    scenario: Scenario, log: ActualsLog, plan: Mapping[str, Mapping[date, float]]
) -> dict[str, float]:
    """Per shipment link, how much later than the plan its devices arrive, in seconds, from
    the logged first arrivals (assuming each device left when the plan has it leave): each
    flow's delay is the day its first arrival is logged less the day the plan has it; their
    mean is shrunk towards 0 (the plan) with a normal prior of the turnaround's sd ((high -
    low) / 6) and TURNAROUND_LOG_SD per arrival (conjugate normal). 0 where none is logged."""
    delays: dict[str, list[float]] = {}
    for flow in scenario.flows:
        name = flow.links[0]
        if len(flow.links) != 1 or scenario.links[name].shipment is None:
            continue
        arrived = [d.day for d in log.flows[flow.label].days if d.bytes_moved > 0]
        planned = [d for d, v in plan.get(flow.label, {}).items() if v > 0]
        if arrived and planned:
            delays.setdefault(name, []).append((min(arrived) - min(planned)).days * float(DAY))
    shifts = {}
    for name, found in delays.items():
        shipment = scenario.links[name].shipment
        assert shipment is not None
        spread = shipment.turnaround
        sd0 = (spread.high - spread.low) / 6 if isinstance(spread, EstimateSpec) else 0.0
        sd0 = max(sd0, 0.5 * float(DAY))
        weight = len(found) * sd0**2 / (len(found) * sd0**2 + TURNAROUND_LOG_SD**2)
        shifts[name] = weight * float(np.mean(found))
    return shifts


def _shipped_passes(
    remaining: Scenario,
    original: Scenario,
    log: ActualsLog,
    transit: Mapping[str, float],
    completed: dict[str, date],
    as_of: date,
    shifts: Mapping[str, float],
) -> tuple[Scenario, dict[str, str]]:
    """``remaining`` with each shipped flow whose device has delivered it all (one device
    holds its high volume, an arrival is logged and none is in transit) past its first pass:
    what is left is the rework the plan re-sends, the rejected bytes the log records or else
    the rejection fraction's share of what arrived, on a copy of its link that the device may
    leave once the rejection delay has run from the end of the day of the last arrival (as the
    plan re-sends it); a flow without rejections is complete on that day."""
    links = dict(remaining.links)
    names: dict[str, str] = {}
    flows = []
    start = datetime.combine(as_of, time())
    for flow in remaining.flows:
        actual = log.flows[flow.label]
        name = flow.links[0] if len(flow.links) == 1 else None
        link = None if name is None else original.links.get(name)
        source = next(f for f in original.flows if f.label == flow.label)
        volume = source.volume
        high = volume.high if isinstance(volume, EstimateSpec) else float(volume)
        arrived = [d.day for d in actual.days if d.bytes_moved > 0]
        if name is None or link is None or link.shipment is None or not link.per_flow:
            flows.append(flow)
            continue
        rejection = source.rejection
        if flow.label not in completed and arrived and link.shipment.capacity >= high and (
            rejection is None or len(arrived) > 1  # its only pass, or the re-send, arrived
        ):  # fmt: skip
            completed[flow.label] = max(arrived)
        if flow.label in completed:  # done: no device to send (it finishes at once)
            copy = _copy_name(name, flow.label, links)
            shipment = link.shipment.model_copy(update={"turnaround": 0.0})
            links[copy] = remaining.links[name].model_copy(update={
                "shipment": shipment, "lead_time": None, "available_from": None,
            })  # fmt: skip
            names[copy] = name
            flows.append(flow.model_copy(update={
                "links": (copy,), "volume": 1.0, "growth": None, "rejection": None,
            }))  # fmt: skip
            continue
        if not arrived or link.shipment.capacity < high:
            flows.append(flow)
            continue
        last = max(arrived)
        assert rejection is not None
        if actual.rejected_bytes > 0:
            owed: Any = actual.rejected_bytes
        elif isinstance(rejection.fraction, EstimateSpec):
            owed = GivenEstimate.wrap(Rework.of(rejection.fraction.to_estimate(),
                                                actual.delivered_bytes))  # fmt: skip
        else:
            owed = float(_owed(float(rejection.fraction), actual.delivered_bytes))
        ends = datetime.combine(last + timedelta(days=1), time())
        delay = 0.0 if rejection.delay is None else rejection.delay
        copy = _copy_name(name, flow.label, links)
        if flow.label in transit:  # the re-sent device is on its way: it arrives as planned
            left = transit[flow.label]
            done = likely_of(link.shipment.turnaround) - (
                left - _first_departure(original, link, as_of)
            )
            shipment = link.shipment.model_copy(
                update={"turnaround": _shifted(link.shipment.turnaround, -done)}
            )
            update: dict[str, Any] = {"shipment": shipment, "lead_time": None}
        else:
            shipment = link.shipment.model_copy(update={"turnaround": _shifted(
                link.shipment.turnaround, shifts.get(name, 0.0))})  # fmt: skip
            update = {
                "shipment": shipment,
                "lead_time": _shifted(delay, (ends - start).total_seconds()),
            }
        links[copy] = remaining.links[name].model_copy(update={**update, "available_from": None})
        names[copy] = name
        flows.append(flow.model_copy(update={
            "links": (copy,), "volume": owed, "growth": None, "rejection": None,
        }))  # fmt: skip
    if not names:
        return remaining, {}
    return remaining.model_copy(update={"links": links, "flows": tuple(flows)}), names


def _in_transit(
    remaining: Scenario,
    original: Scenario,
    transit: Mapping[str, float],
    completed: Mapping[str, date],
    as_of: date,
) -> Scenario:
    """``remaining`` with each device the plan had in transit on the as-of date delivering
    when the plan delivers it: the flow's shipment link (per_flow) is copied for it, its
    turnaround shortened by what the trip had done by the as-of date (the device leaves at the
    first moment it may, and arrives at the plan's time plus the turnaround's own spread), and
    its rejection delay lengthened by the same amount, so a re-sent device still arrives one
    whole turnaround after it leaves."""
    links = dict(remaining.links)
    flows = []
    changed = False
    for flow in remaining.flows:
        left = transit.get(flow.label)
        name = flow.links[0] if len(flow.links) == 1 else None
        link = None if name is None else original.links.get(name)
        if (
            left is None or name is None or link is None or flow.label in completed
            or link.shipment is None or not link.per_flow
        ):  # fmt: skip
            flows.append(flow)
            continue
        turnaround = likely_of(link.shipment.turnaround)
        done = turnaround - (left - _first_departure(original, link, as_of))
        copy = _copy_name(name, flow.label, links)
        shipment = link.shipment.model_copy(
            update={"turnaround": _shifted(link.shipment.turnaround, -done)}
        )
        links[copy] = remaining.links[name].model_copy(
            update={"shipment": shipment, "lead_time": None, "available_from": None}
        )
        update: dict[str, Any] = {"links": (copy,)}
        if flow.rejection is not None:
            # The plan re-sends the rejected part when the device is next free to leave after
            # the delay; the copy's shorter trip is made up by leaving that much later.
            delay = 0.0 if flow.rejection.delay is None else flow.rejection.delay
            arrives = datetime.combine(as_of, time()) + timedelta(seconds=left)
            ready = arrives + timedelta(seconds=float(likely_of(delay)))
            waits = (_next_departure(original, link, ready) - ready).total_seconds()
            update["rejection"] = flow.rejection.model_copy(
                update={"delay": _shifted(delay, waits + done)}
            )
        flows.append(flow.model_copy(update=update))
        changed = True
    if not changed:
        return remaining
    return remaining.model_copy(update={"links": links, "flows": tuple(flows)})


def condition(scenario: Scenario, log: ActualsLog, pooling: str = "partial") -> Conditioned:
    """The remaining scenario from ``log.as_of`` (see the module docstring).

    ``pooling="partial"``: each flow's throughput is measured against the plan's own timeline
    (:func:`plan_evidence`) and partially pooled (:func:`partial_posteriors`); ``"pooled"``: the
    first model, one estimate per link against its nominal daily capacity
    (:func:`flow_evidence`, :func:`link_posterior`). Flows with no row in the log are no
    evidence either way."""
    if pooling not in POOLING:
        raise ValueError(f"pooling must be one of {POOLING}, got {pooling!r}")
    as_of = log.as_of
    start = datetime.combine(as_of, time())
    elapsed_s = max((start - scenario.start).total_seconds(), 0.0)
    reported = {f.label for f in scenario.flows if log.flows[f.label].days}
    # A flow with no row in the log is "no report", not "nothing moved": no evidence.
    unreported = tuple(f.label for f in scenario.flows if f.label not in reported)
    flow_posteriors: dict[str, LinkPosterior] = {}
    hierarchies: dict[str, Hierarchy] = {}
    transit: dict[str, float] = {}
    if pooling == "pooled":
        cal = working_calendar(scenario, as_of)
        evidence = {
            f.label: flow_evidence(scenario, f, log.flows[f.label], as_of, cal)
            if f.label in reported
            else FlowEvidence(f.label, nominal_daily(scenario, f)[0], 0, 0, 0.0, 0.0, ())
            for f in scenario.flows
        }
        by_link: dict[str, list[FlowEvidence]] = {}
        for e in evidence.values():
            if e.link is not None and e.working_days > 0:
                by_link.setdefault(e.link, []).append(e)
        posteriors = {
            name: link_posterior(name, scenario.links[name], found)
            for name, found in by_link.items()
        }
    else:
        timeline = plan_timeline(scenario, as_of)
        transit = timeline.in_transit
        evidence = {
            f.label: plan_evidence(scenario, f, log.flows[f.label], as_of, timeline.days[f.label])
            for f in scenario.flows
        }
        hierarchies = _hierarchies(scenario, evidence, reported)
        posteriors = {name: h.link for name, h in hierarchies.items()}
        for name, e in evidence.items():
            if e.link in hierarchies:
                units = hierarchies[e.link].units
                unit = name if scenario.links[e.link].per_flow else ""
                if unit in units:
                    flow_posteriors[name] = units[unit]
        for name, h in hierarchies.items():
            if not scenario.links[name].per_flow and "" in h.units:
                posteriors[name] = h.units[""]
    correlation = dict(scenario.correlation)
    factors = group_factors(scenario, log, elapsed_s)
    for group, factor in factors.items():
        correlation[f"track:{group}"] = factor.rho_after
    for name in posteriors:
        correlation[f"track:{name}"] = 1.0
        correlation[f"track:{name}:down"] = 1.0
    links = {
        name: _remaining_link(name, link, posteriors.get(name), start, elapsed_s)
        for name, link in scenario.links.items()
    }
    flows = []
    completed: dict[str, date] = {}
    delivered = {name: a.delivered_bytes for name, a in log.flows.items()}
    warnings: list[str] = []
    why: dict[str, tuple[str, ...]] = {}
    for flow in scenario.flows:
        actual = log.flows[flow.label]
        update: dict[str, Any] = {}
        # Starts in the past are dropped: every flow (one without a report too) starts no
        # earlier than the as-of date.
        if flow.start is not None and flow.start <= start:
            update["start"] = None
        if actual.completed_on is not None:
            completed[flow.label] = actual.completed_on
            update.update(volume=1.0, growth=None, rejection=None)  # nothing left
            warnings += _complete_outside_range(flow, delivered[flow.label], elapsed_s)
        else:
            update["volume"] = _remaining_volume(flow, delivered[flow.label], elapsed_s, factors)
            reasons = _why_more(flow, delivered[flow.label], elapsed_s, update["volume"])
            if reasons:
                why[flow.label] = reasons
        flows.append(flow.model_copy(update=update))
    if unreported:
        warnings.append(
            N_("%(count)s of %(total)s flows have no row in the log (%(flows)s): each is "
               "forecast from the plan from %(as_of)s, as if it starts then; add their rows "
               "(0 bytes for a day with nothing moved) to use their progress",
               count=len(unreported), total=len(scenario.flows),
               flows=", ".join(unreported), as_of=as_of.isoformat())
        )  # fmt: skip
    remaining = scenario.model_copy(
        update={
            "start": start,
            "links": links,
            "flows": tuple(flows),
            "correlation": correlation,
            "horizon": max(scenario.horizon - elapsed_s, DAY),
        }
    )
    if pooling == "partial":
        remaining = _pending_rework(remaining, log, delivered)
    simulated: Scenario | None = None
    names: dict[str, str] = {}
    rates: dict[str, float] = {}
    if pooling == "partial":
        simulated, names, rates = _simulated(
            remaining, scenario, hierarchies, flow_posteriors, evidence, start, elapsed_s
        )
    if pooling == "partial":
        shifts = turnaround_shifts(scenario, log, timeline.days)
        passed, more = _shipped_passes(
            simulated or remaining, scenario, log, transit, completed, as_of, shifts
        )
        if more:
            names.update(more)
            simulated = passed
    # a device in transit for a flow already past its first pass is its re-send (done above)
    moved = {f.label for f in (simulated or remaining).flows if f.links[0] in names}
    transit = {k: v for k, v in transit.items() if k not in moved}
    if transit:
        shipped = _in_transit(simulated or remaining, scenario, transit, completed, as_of)
        if shipped is not (simulated or remaining):
            for flow, before in zip(shipped.flows, scenario.flows, strict=True):
                if flow.links != before.links and flow.links[0] not in scenario.links:
                    names[flow.links[0]] = before.links[0]
            simulated = shipped
    return Conditioned(
        remaining, as_of, evidence, posteriors, completed, delivered, unreported,
        tuple(warnings), why, flow_posteriors=flow_posteriors, simulated=simulated,
        link_names=names, rate_factors=rates,
    )  # fmt: skip


def _told(outcome: Outcome, conditioned: Conditioned) -> Outcome:
    """``outcome`` of the simulated scenario told as the remaining scenario: in the scenario's
    own link names (each per-flow copy by its link's name) and each rescaled flow's bytes
    back in bytes: what summary.csv, bottlenecks.csv and the report show."""
    names = conditioned.link_names
    factors = [conditioned.rate_factors.get(f.label, 1.0) for f in conditioned.scenario.flows]
    scenario = conditioned.scenario
    if not names and all(f == 1.0 for f in factors):
        return replace(outcome, scenario=scenario)

    def named(link: str | None) -> str | None:
        return None if link is None else names.get(link, link)

    model = outcome.model
    model = replace(
        model,
        links=tuple(replace(k, name=names.get(k.name, k.name)) for k in model.links),
        flows=tuple(
            replace(f, volume_bytes=f.volume_bytes * x, growth_bytes_per_s=f.growth_bytes_per_s * x)
            for f, x in zip(model.flows, factors, strict=True)
        ),
    )  # fmt: skip
    flows = []
    for f, x in zip(outcome.baseline.flows, factors, strict=True):
        limiting: dict[str, float] = {}
        for link, seconds in f.limiting_seconds:
            key = names.get(link, link)
            limiting[key] = limiting.get(key, 0.0) + seconds
        reason = f.reason
        if reason is not None:
            reason = replace(reason, link=named(reason.link),
                             growth_bytes_per_s=reason.growth_bytes_per_s * x,
                             moved_bytes_per_s=reason.moved_bytes_per_s * x)  # fmt: skip
        flows.append(replace(
            f, bottleneck=named(f.bottleneck), limiting_seconds=tuple(limiting.items()),
            reason=reason, volume_bytes=f.volume_bytes * x,
            delivered_bytes=f.delivered_bytes * x, remaining_bytes=f.remaining_bytes * x,
        ))  # fmt: skip
    curves = outcome.baseline.curves
    if curves is not None:
        curves = tuple(
            (times, tuple(c * x for c in cums))
            for (times, cums), x in zip(curves, factors, strict=True)
        )
    baseline = replace(outcome.baseline, flows=tuple(flows), curves=curves)
    mc = outcome.mc
    if mc is not None:
        counters = []
        for counter in mc.bottlenecks:
            merged: Counter[str] = Counter()
            for link, count in counter.items():
                merged[names.get(link, link)] += count
            counters.append(merged)
        seen = [
            replace(i, volume=tuple(v * x for v, x in zip(i.volume, factors, strict=True)),
                    growth=tuple(g * x for g, x in zip(i.growth, factors, strict=True)))
            for i in mc.inputs_seen
        ]  # fmt: skip
        mc = replace(mc, model=model, bottlenecks=counters, inputs_seen=seen)
    return replace(outcome, scenario=scenario, model=model, baseline=baseline, mc=mc)


def forecast_run(
    conditioned: Conditioned,
    replications: int | None,
    seed: int,
    execution: Execution = LOCAL,
    progress: Progress | None = None,
) -> Outcome:
    """The re-forecast: the remaining scenario simulated (each flow on its calibrated copy of a
    per_flow link), told in the scenario's own link names, complete flows finished on their
    last logged day."""
    forecast = run_scenario(conditioned.to_simulate, replications, seed, execution, progress)
    forecast = _told(forecast, conditioned)
    return with_completions(forecast, conditioned.completed_on)


def baseline_bottleneck(model: Model, link_names: Mapping[str, str]) -> str | None:
    """The link that limits the flow finishing last at the most likely inputs (a flow that
    never finishes counts as last), in the scenario's own link names: a cheap guess of the
    re-forecast's programme bottleneck, to start the capacity search before the Monte Carlo."""
    flows = simulate(model).flows
    if not flows:
        return None
    last = max(flows, key=lambda f: INF if f.finished_s is None else f.finished_s)
    return None if last.bottleneck is None else link_names.get(last.bottleneck, last.bottleneck)


def with_completions(outcome: Outcome, completed_on: Mapping[str, date]) -> Outcome:
    """``outcome`` with each complete flow finishing at the end of its last logged day
    (00:00 the day after, which counts for that day) in every replication."""
    if not completed_on:
        return outcome
    clock = outcome.model.clock
    names = outcome.flow_names()
    times = {
        names.index(name): clock.to_sim(datetime.combine(day + timedelta(days=1), time()))
        for name, day in completed_on.items()
    }
    # Nothing is left to move from the as-of date: no data to move, none moved, none remaining
    # (the remaining scenario's 1-byte placeholder is not shown as "1 B").
    flows = tuple(
        replace(f, finished_s=times[i], started_s=min(f.started_s or 0.0, times[i]),
                volume_bytes=0.0, delivered_bytes=0.0, remaining_bytes=0.0, reason=None)
        if i in times
        else f
        for i, f in enumerate(outcome.baseline.flows)
    )  # fmt: skip
    baseline = replace(outcome.baseline, flows=flows)
    mc = outcome.mc
    if mc is not None:
        finished = mc.finished.copy()
        for i, t in times.items():
            finished[:, i] = t
        mc = replace(mc, finished=finished)
    return replace(outcome, baseline=baseline, mc=mc)


@dataclass(frozen=True)
class TrackOutcome:
    """The plan (the scenario alone) and the re-forecast (the remaining scenario), same seed."""

    plan: Outcome
    forecast: Outcome
    conditioned: Conditioned


def track_scenario(
    scenario: Scenario,
    log: ActualsLog,
    replications: int | None,
    seed: int,
    execution: Execution = LOCAL,
    progress: Progress | None = None,
    plan: Outcome | None = None,
    pooling: str = "partial",
) -> TrackOutcome:
    """Run the plan (unless given) and the re-forecast with the same replications and seed."""
    conditioned = condition(scenario, log, pooling)
    n = replications or scenario.replications
    if plan is None:
        plan = run_scenario(scenario, n, seed, execution, progress)
    forecast = forecast_run(conditioned, n, seed, execution, progress)
    return TrackOutcome(plan, forecast, conditioned)


# --- progress records --------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowProgress:
    """One flow's (or the programme's) progress against the plan."""

    name: str
    delivered_bytes: float  # accepted so far
    likely_total_bytes: float  # delivered + the most likely remaining volume
    plan_p80: date | None  # the scenario alone (same seed); None = never
    new_p80: date | None  # the re-forecast
    complete: bool
    evidence: FlowEvidence | None  # the programme's: every flow's days pooled (flow-days)
    reported: bool = True  # False: no row in the log ("no report"), forecast from the plan
    why: tuple[str, ...] = ()  # errors.N_ messages: why the remaining volume changed

    @property
    def percent_complete(self) -> float:
        total = self.likely_total_bytes
        return 100.0 if self.complete else (100.0 * self.delivered_bytes / total if total else 0.0)

    @property
    def slip_days(self) -> int | None:
        """Calendar days the P80 moved (positive: later); None when either is never."""
        if self.plan_p80 is None or self.new_p80 is None:
            return None
        return (self.new_p80 - self.plan_p80).days


def progress_rows(
    result: TrackOutcome, plan_p80: Mapping[str, date | None], new_p80: Mapping[str, date | None]
) -> list[FlowProgress]:
    """Per flow, then the programme (``ALL``): delivered, totals, P80s, slip and evidence."""
    cond = result.conditioned
    rows = []
    for flow in cond.scenario.flows:
        name = flow.label
        left = 0.0 if name in cond.completed_on else likely_of(flow.volume)
        delivered = cond.delivered[name]
        rows.append(
            FlowProgress(
                name, delivered, delivered + left, plan_p80.get(name), new_p80.get(name),
                name in cond.completed_on, cond.evidence[name],
                name not in cond.unreported, cond.why.get(name, ()),
            )
        )  # fmt: skip
    delivered = sum(r.delivered_bytes for r in rows)
    total = sum(r.likely_total_bytes for r in rows)
    everything_done = all(r.complete for r in rows)
    # the programme's evidence: the flows that reported (no report is no evidence)
    found = [r.evidence for r in rows if r.evidence is not None and r.reported]
    pooled = FlowEvidence(
        "ALL", None, sum(e.working_days for e in found), sum(e.zero_days for e in found),
        sum(e.moved_bytes for e in found), sum(e.nominal_bytes for e in found), (),
    )  # fmt: skip
    programme = FlowProgress(
        "ALL", delivered, total, plan_p80.get("ALL"), new_p80.get("ALL"), everything_done, pooled
    )
    rows.append(programme)
    return rows
