"""Throughput calibrated from the evidence: per link (``pooling="pooled"``, conjugate
updates) or per flow shrunk towards its link's (``pooling="partial"``, an empirical
Bayes hierarchy); efficiency and the share of down days."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from migrasim.analysis.track.evidence import FlowEvidence
from migrasim.scenario.types import EstimateSpec, LinkSpec, Scenario, likely_of

PRIOR_EFFICIENCY_SD = 0.15
"""Prior sd of a link's efficiency around 1.0 (the plan): about +-30 % at 95 %."""


RATIO_SD_FLOOR = 0.2
"""Least sd assumed for one day's delivered/nominal ratio: consecutive days are correlated, so
each day counts for less than an independent observation."""


PRIOR_DOWN_DAYS = 20.0
"""Weight of the prior on the share of down days, in working days."""


PRIOR_DOWN_FLOOR = 0.01
"""Prior share of down days for a link without unplanned outages in the scenario."""


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
    tau2 = _between_variance(obs)
    prior = 1.0 / PRIOR_EFFICIENCY_SD**2
    precision = prior + sum(1.0 / (v + tau2) for _, v in obs.values())
    m = (prior * 1.0 + sum(y / (v + tau2) for y, v in obs.values())) / precision

    n = {name: sum(e.day_weight for e in ev) for name, ev in found.items()}
    z = {name: sum(e.zero_weight for e in ev) for name, ev in found.items()}
    p0 = _prior_down_share(link, mean=True)
    alpha = PRIOR_DOWN_DAYS * p0 + sum(z.values())
    beta = PRIOR_DOWN_DAYS * (1.0 - p0) + sum(n.values()) - sum(z.values())
    share = alpha / (alpha + beta)
    concentration = _down_concentration([name for name in found if n[name] >= 1.0], n, z)
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


def _between_variance(obs: Mapping[str, tuple[float, float]]) -> float:
    """The DerSimonian-Laird moment estimate of the between-unit variance ``tau^2`` of the
    efficiency from each unit's ``(y_u, v_u)`` (0 with fewer than two units)."""
    tau2 = 0.0
    if len(obs) > 1:
        ys = np.array([o[0] for o in obs.values()])
        ws = 1.0 / np.array([o[1] for o in obs.values()])
        mean = float((ws * ys).sum() / ws.sum())
        q = float((ws * (ys - mean) ** 2).sum())
        denominator = float(ws.sum() - (ws**2).sum() / ws.sum())
        tau2 = max((q - (len(obs) - 1)) / denominator, 0.0) if denominator > 0 else 0.0
    return tau2


def _down_concentration(judged: list[str], n: Mapping[str, float], z: Mapping[str, float]) -> float:
    """The between-unit concentration ``M`` of the down-day share, by moments from the spread
    of the ``judged`` units' shares ``z / n`` beyond the binomial, within DOWN_CONCENTRATION
    (its upper bound when they do not spread)."""
    lo_m, hi_m = DOWN_CONCENTRATION
    concentration = hi_m
    if len(judged) > 1:
        rates = np.array([z[k] / n[k] for k in judged])
        pooled = sum(z[k] for k in judged) / sum(n[k] for k in judged)
        binomial = pooled * (1.0 - pooled) * float(np.mean([1.0 / n[k] for k in judged]))
        between = float(rates.var(ddof=1)) - binomial
        if between > 0 and 0 < pooled < 1:
            concentration = min(max(pooled * (1.0 - pooled) / between - 1.0, lo_m), hi_m)
    return concentration


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
