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
- each link that carries logged flows gets its capacity scaled by a calibrated efficiency and
  its unplanned outages replaced by calibrated down-days, both drawn per replication from their
  posteriors (see ``docs/track.md`` for the method and why).

The draws are ordinary inputs of the remaining scenario (``Estimate`` subclasses behind
``EstimateSpec`` wrappers), so the engine, the batch solver and the runner are reused unchanged
and the results do not depend on the number of workers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from scipy.special import betainc, betaincinv, ndtr, ndtri

from migrasim.analysis.experiment import Outcome, Progress, run_scenario
from migrasim.analysis.runner import LOCAL, Execution
from migrasim.core import units
from migrasim.core.calendar import DAY, WEEKDAYS, WorkingCalendar, build_calendar
from migrasim.core.capacity import INF
from migrasim.core.distributions import Estimate
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
    alpha = 1 + 4 * (m - a) / (b - a)
    beta = 1 + 4 * (b - m) / (b - a)
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

    @property
    def moved_share(self) -> float | None:
        return None if self.nominal_bytes <= 0 else self.moved_bytes / self.nominal_bytes


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
        if link.daily_cap is not None:
            limits.append(likely_of(link.daily_cap))
        if link.rate_bytes_per_s is not None:
            limits.append(link.rate_bytes_per_s * seconds)
        if per_record is not None and link.daily_records is not None:
            limits.append(likely_of(link.daily_records) * per_record)
        if per_record is not None and link.records_rate is not None:
            limits.append(likely_of(link.records_rate) * seconds * per_record)
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


def _prior_down_share(link: LinkSpec) -> float:
    outages = link.outages
    if outages is None or outages.mtbf is None or outages.mttr is None:
        return PRIOR_DOWN_FLOOR
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
        update["daily_cap"] = _scaled(link.daily_cap, posterior, group)
        update["daily_records"] = _scaled(link.daily_records, posterior, group)
        update["records_rate"] = _scaled(link.records_rate, posterior, group)
        if link.bandwidth is not None:
            update["efficiency"] = _scaled(link.efficiency, posterior, group)
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


def condition(scenario: Scenario, log: ActualsLog, pooling: str = "partial") -> Conditioned:
    """The remaining scenario from ``log.as_of`` (see the module docstring)."""
    as_of = log.as_of
    start = datetime.combine(as_of, time())
    elapsed_s = max((start - scenario.start).total_seconds(), 0.0)
    cal = working_calendar(scenario, as_of)
    evidence = {
        f.label: flow_evidence(scenario, f, log.flows[f.label], as_of, cal) for f in scenario.flows
    }
    # A flow with no row in the log is "no report", not "nothing moved": no evidence.
    unreported = tuple(f.label for f in scenario.flows if not log.flows[f.label].days)
    by_link: dict[str, list[FlowEvidence]] = {}
    for e in evidence.values():
        if e.link is not None and e.working_days > 0 and e.name not in unreported:
            by_link.setdefault(e.link, []).append(e)
    posteriors = {
        name: link_posterior(name, scenario.links[name], found) for name, found in by_link.items()
    }
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
    return Conditioned(
        remaining, as_of, evidence, posteriors, completed, delivered, unreported,
        tuple(warnings), why,
    )  # fmt: skip


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
    forecast = run_scenario(conditioned.scenario, n, seed, execution, progress)
    forecast = with_completions(forecast, conditioned.completed_on)
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
