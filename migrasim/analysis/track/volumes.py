"""Volumes conditioned on what has crossed: each flow's remaining backlog (its correlation
group's shared factor updated by the other flows' logs, with bounded weight), why it
changed, and the rework still owed on what crossed."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from migrasim.analysis.track import tracked
from migrasim.analysis.track.estimates import (
    GivenEstimate,
    PendingRework,
    RemainingVolume,
    _raised,
    estimate_cdf,
)
from migrasim.core import units
from migrasim.core.distributions import Estimate
from migrasim.errors import N_
from migrasim.scenario.actuals import ActualsLog
from migrasim.scenario.types import EstimateSpec, FlowSpec, Scenario, likely_of

_WHY_TOLERANCE = 1e-3
"""A flow's most likely total counts as grown when it exceeds the plan's by more than this."""


EVIDENCE_SHARES = (0.05, 0.95)
"""A flow's evidence about its correlation group is clipped to its own 5th-95th percentile."""


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
    return tracked.grown(flow, elapsed_s)


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
        update: dict[str, Any] = {}
        if done > 0 and log.flows[flow.label].rejected_bytes <= 0:
            for kind in tracked.calibrated("flow", "rework"):  # the share rejected
                fraction = tracked.value(flow, kind)
                if fraction is None:
                    continue
                k = 1.0 + done / max(float(likely_of(flow.volume)), 1.0)
                if isinstance(fraction, EstimateSpec):
                    raised: Any = GivenEstimate.wrap(PendingRework.of(fraction.to_estimate(), k))
                else:
                    raised = float(_raised(float(fraction), k))
                update.update(tracked.with_value(flow, kind, raised, update))
        flows.append(flow.model_copy(update=update) if update else flow)
        changed = changed or bool(update)
    return remaining.model_copy(update={"flows": tuple(flows)}) if changed else remaining
