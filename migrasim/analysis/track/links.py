"""The remaining scenario's links: capacities scaled by the calibrated efficiency, unplanned
outages replaced by calibrated down days, and what is simulated when flows on a
``per_flow`` link have their own throughput (rescaled flows, copies of the link)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import numpy as np

from migrasim.analysis.track import tracked
from migrasim.analysis.track.calibration import Hierarchy, LinkPosterior
from migrasim.analysis.track.estimates import (
    EFFICIENCY_BOUNDS,
    DownDayMtbf,
    GivenEstimate,
    ScaledCapacity,
    rescaled,
)
from migrasim.analysis.track.evidence import FlowEvidence
from migrasim.core import kinds
from migrasim.core.calendar import DAY
from migrasim.scenario.types import FlowSpec, LinkSpec, OutageSpec, Scenario, likely_of

SPREAD_RATIO = 1.5
"""Flows on a per_flow link whose relative efficiency sd (sd / mu) are within this ratio of
the least in their class share one spread (the class's median) in what is simulated: their
link, or one copy of it per further class (one more solve of the link per class)."""


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
    waits = False  # a wait from the start still to run
    for kind in tracked.calibrated("link", "elapsed"):  # a lead time
        wait = tracked.value(link, kind)
        if wait is not None:
            left = likely_of(wait) - elapsed_s
            update.update(tracked.with_value(link, kind, left if left > 0 else None, update))
            waits = waits or left > 0
    if link.fallback is not None and not waits and "available_from" in update:
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
            if rule.track is None or rule.track.calibration != "efficiency":
                continue  # not calibrated: as the scenario gives it
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


def _copy_name(link: str, flow: str, taken: Mapping[str, Any]) -> str:
    name = f"{link} [{flow}]"
    while name in taken:
        name += "'"
    return name


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
        classes = _spread_classes(name, remaining, flow_posteriors, evidence)
        spread_link.update(_spread_links(
            name, h, original, classes, flow_posteriors, links, names, start, elapsed_s
        ))  # fmt: skip
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
            factor = _rate_factor(post, hierarchies[e.link].link)
            factors[flow.label] = factor
            flows.append(_at_rate(flow, factor, spread_link.get(flow.label, e.link)))
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


def _spread_classes(
    name: str,
    remaining: Scenario,
    flow_posteriors: Mapping[str, LinkPosterior],
    evidence: Mapping[str, FlowEvidence],
) -> dict[int, list[str]]:
    """The flows alone on the per_flow link ``name``, in classes of their relative efficiency
    sd (each within SPREAD_RATIO of its class's least), least first."""
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
    return classes


def _spread_links(
    name: str,
    h: Hierarchy,
    original: Scenario,
    classes: Mapping[int, list[str]],
    flow_posteriors: Mapping[str, LinkPosterior],
    links: dict[str, LinkSpec],
    names: dict[str, str],
    start: datetime,
    elapsed_s: float,
) -> dict[str, str]:
    """The per_flow link ``name`` at the link's down days and a relative efficiency ``1 +- s``
    for its largest class of flows, and one copy of it per further class (added to ``links``
    and ``names``); flow -> the link (or copy) carrying its spread."""
    spread_link: dict[str, str] = {}
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
    return spread_link


def _rate_factor(post: LinkPosterior, link: LinkPosterior) -> float:
    """A flow's rate against its link's: its efficiency and up-time against the link's,
    within EFFICIENCY_BOUNDS."""
    factor = post.mu * (1.0 - post.down_share) / (1.0 - link.down_share)
    return min(max(factor, EFFICIENCY_BOUNDS[0]), EFFICIENCY_BOUNDS[1])


def _at_rate(flow: FlowSpec, factor: float, link: str) -> FlowSpec:
    """``flow`` alone on ``link`` at ``factor`` times its rate: its volume, growth and records
    divided by ``factor``."""
    records = None if flow.records is None else flow.records / factor
    rescale: dict[str, Any] = {}
    for kind in tracked.per_rate():
        rescale.update(tracked.with_value(flow, kind, rescaled(tracked.value(flow, kind), factor),
                                          rescale))  # fmt: skip
    return flow.model_copy(update={**rescale, "records": records, "links": (link,)})
