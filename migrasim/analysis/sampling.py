"""Draw one replication's concrete inputs from a scenario's uncertain ones. Pure.

Each replication ``r`` has its own random stream (``SeedSequence(seed).spawn()[r]``); every
uncertain input draws from its own sub-stream of it, named by the input's key path
(``flows[Cardiff].volume``, ``links[hardwired].lead_time``), so the same input gets the same
draw in every scenario run with the same seed: the common random numbers that make two
scenarios' difference due to the change, not to noise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from pydantic import BaseModel

from migrasim.core import kinds
from migrasim.core.capacity import INF
from migrasim.core.distributions import (
    Estimate,
    correlated_uniform,
    key_hash,
    uniform_for,
)
from migrasim.core.model import (
    NO_REJECTION,
    Inputs,
    Model,
    Outages,
    Rejection,
    Value,
    baseline_inputs,
    flow_path_links,
    merge_intervals,
)
from migrasim.scenario.types import EstimateSpec, Scenario


@dataclass(frozen=True)
class Sampler:
    """Draws :class:`~migrasim.core.model.Inputs` for a model; ``seed`` fixes every draw."""

    model: Model
    seed: int

    def _draw(self, value: Value | None, key: str, replication: int) -> float:
        if value is None:
            return INF
        parsed = value
        if not isinstance(parsed, Estimate) or parsed.high <= parsed.low:
            return parsed.likely if isinstance(parsed, Estimate) else parsed
        u = uniform_for(self.seed, replication, key)
        if parsed.group is not None:
            rho = self.model.correlation[parsed.group]
            u_group = uniform_for(self.seed, replication, f"group:{parsed.group}")
            u = correlated_uniform(u, u_group, rho)
        return parsed.ppf(u)

    def inputs(self, replication: int, outages_until: float | None = None) -> Inputs:
        """The concrete inputs of ``replication`` (0-based).

        Random outages are drawn up to ``outages_until`` (default: the horizon). The draws are a
        prefix of the same sequence however far they go, so a run whose flows all finish before
        ``outages_until`` is exactly the run with every outage drawn.
        """
        until = self.model.horizon if outages_until is None else outages_until
        base = baseline_inputs(self.model)
        volume, growth = [], []
        rejection: list[Rejection] = []
        for flow_model in self.model.flows:
            flow = flow_model.estimates
            key = f"flows[{flow_model.name}]"
            volume.append(self._draw(flow.volume, f"{key}.volume", replication))
            g = self._draw(flow.growth, f"{key}.growth", replication)
            growth.append(0.0 if g == INF else g)
            if flow.rejection_fraction is None:
                rejection.append(NO_REJECTION)
            else:
                fraction = self._draw(
                    flow.rejection_fraction, f"{key}.rejection.fraction", replication
                )
                delay = self._draw(flow.rejection_delay, f"{key}.rejection.delay", replication)
                rejection.append(Rejection(fraction, 0.0 if delay == INF else delay))
        available: list[float] = []
        turnaround = []
        limits: dict[str, list[float]] = {r.key: [] for r in kinds.CAPACITY_RULES}
        for link_model in self.model.links:
            link = link_model.estimates
            key = f"links[{link_model.stream}]"
            eff = self._draw(link.efficiency, f"{key}.efficiency", replication)
            for rule in kinds.CAPACITY_RULES:
                value = self._draw(rule.given(link), f"{key}.{rule.key}", replication)
                if rule.scaled_by_efficiency:  # bandwidth x efficiency
                    value = value * eff if value < INF else INF
                limits[rule.key].append(value)
            if link.lead_time is not None:
                lead = self._draw(link.lead_time, f"{key}.lead_time", replication)
                available.append(max(lead, link_model.not_before))  # a crew's slot: the later
            else:
                available.append(self.model.links[len(available)].available)
            turnaround.append(self._draw(link.turnaround, f"{key}.turnaround", replication))
        return replace(
            base,
            volume=tuple(volume),
            growth=tuple(growth),
            rejection=tuple(rejection),
            **kinds.as_fields({k: tuple(v) for k, v in limits.items()}),
            available=tuple(available),
            turnaround=tuple(turnaround),
            down=self._outages(base.down, replication, until),
            outages_until=until,
        )

    def _outages(
        self,
        planned: dict[tuple[int, int], Outages],
        replication: int,
        until: float,
    ) -> dict[tuple[int, int], Outages]:
        """Planned outages plus an alternating up/down renewal process per link instance."""
        model = self.model
        down = dict(planned)
        for f, flow in enumerate(model.flows):
            for link in flow_path_links(flow, model.links):
                spec = model.links[link].estimates
                if spec.mtbf is None or spec.mttr is None:
                    continue
                owner = f if model.links[link].per_flow else -1
                if (link, owner) in down and (link, owner) not in planned:
                    continue  # a shared link already drawn
                where = flow.name if owner >= 0 else "shared"
                key = f"links[{model.links[link].stream}].outages@{where}"
                mtbf = self._draw(spec.mtbf, f"{key}.mtbf", replication)
                mttr = spec.mttr
                spans = _renewal(self.seed, replication, key, mtbf, mttr, until)
                extra = planned.get((link, owner))
                if extra:
                    pairs = [*zip(*extra, strict=True), *zip(*spans, strict=True)]
                    spans = merge_intervals(pairs)
                down[(link, owner)] = spans
        return down


def _renewal(
    seed: int,
    replication: int,
    key: str,
    mtbf: float,
    mttr: float | Estimate,
    horizon: float,
) -> Outages:
    """Outages of an up/down process until ``horizon``: exponential up times (mean mtbf),
    repairs ~ mttr."""
    stream = np.random.SeedSequence(seed, spawn_key=(replication, key_hash(key)))
    rng = np.random.Generator(np.random.PCG64(stream))
    block = 32  # fixed, so the draws up to any time are a prefix of one sequence
    t = 0.0
    starts: list[float] = []
    ends: list[float] = []
    while t < horizon:
        ups = rng.exponential(mtbf, block)
        repairs = mttr.sample(rng, block) if isinstance(mttr, Estimate) else np.full(block, mttr)
        cycle_ends = t + np.cumsum(ups + repairs)
        cycle_starts = cycle_ends - repairs
        keep = cycle_starts < horizon
        starts.extend(cycle_starts[keep].tolist())
        ends.extend(cycle_ends[keep].tolist())
        t = float(cycle_ends[-1]) if keep.all() else horizon
    return tuple(starts), tuple(ends)  # disjoint: each outage ends before the next begins


def has_uncertainty(scenario: Scenario) -> bool:
    """Whether any input is a range or any link can fail at random."""

    def uncertain(value: object) -> bool:
        if isinstance(value, EstimateSpec):
            return bool(value.high > value.low)
        if isinstance(value, BaseModel):
            return any(uncertain(getattr(value, name)) for name in type(value).model_fields)
        if isinstance(value, dict):
            return any(uncertain(v) for v in value.values())
        if isinstance(value, (list, tuple)):
            return any(uncertain(v) for v in value)
        return False

    unplanned = any(
        link.outages is not None and link.outages.mtbf is not None
        for link in scenario.links.values()
    )
    return unplanned or uncertain(scenario.flows) or uncertain(scenario.links)
