"""One run's outcome -> its :class:`~migrasim.analysis.records.RunReport`, built here only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import numpy as np

from migrasim.analysis.advice import Fix
from migrasim.analysis.experiment import Outcome
from migrasim.analysis.records import (
    PROGRAMME,
    BandDay,
    BottleneckCount,
    FlowSummary,
    RunReport,
    StatusCounts,
    SwingSummary,
)
from migrasim.analysis.runner import BAND_BINS, MonteCarloResult
from migrasim.analysis.sensitivity import Swing
from migrasim.analysis.stats import DateStats, date_stats
from migrasim.core.calendar import NEVER, Clock, SimTime
from migrasim.core.engine import Model
from migrasim.core.model import FlowResult, NotFinished
from migrasim.core.rules import (
    Status,
    days_late,
    go_live_of,
    in_time,
    quantile_rank,
    status,
)


def summarise(
    outcome: Outcome,
    fix: Fix | None = None,
    sensitivity: tuple[SimTime, Sequence[Swing]] | None = None,
) -> RunReport:
    """The run's records: one summary per flow and the programme's, the status counts, the
    progress band, every replication's completions and the bottleneck counts.

    ``fix`` (from ``advice.fix_for``) and ``sensitivity`` (``sensitivity.swings(model)``: the
    baseline completion and each input's swing) are carried when the caller assessed them.
    Without Monte Carlo every replication would equal the baseline, so the P-dates are the
    baseline's and the intervals have zero width."""
    model, baseline, mc = outcome.model, outcome.baseline, outcome.mc
    go_live = model.go_live
    own = _go_lives(outcome)  # each flow's own go-live, else the programme's
    flows = baseline.flows
    seen = _replications(outcome)
    per_flow, programme_days = seen.per_flow, seen.programme
    common, shares = seen.common, seen.shares
    exact = mc is None
    clock = model.clock
    moments = [_local(clock, f.finished_s) for f in flows]
    organisation_of = _organisation_of(outcome)
    finish_days = [clock.completion_day(f.finished_s) for f in flows]  # the exact instant's day
    summaries = [
        _summary(
            flow.name, flow.source, flow.target, flow.volume_bytes,
            flow.delivered_bytes + flow.remaining_bytes, _local(clock, flow.started_s),
            moments[i], finish_days[i], date_stats(per_flow[i], own[i], exact), common[i],
            shares[i], flow.reason, own[i], exact, organisation_of[i],
        )
        for i, flow in enumerate(flows)
    ]  # fmt: skip
    organisations = organisation_summaries(summaries, per_flow, go_live, exact, own)
    programme = _programme_summary(
        flows, clock, moments, finish_days, date_stats(programme_days, go_live, exact), common,
        shares, go_live, exact,
    )  # fmt: skip
    return RunReport(
        scenario_name=model.name,
        seed=outcome.seed,
        replications=None if mc is None else mc.replications,
        go_live=go_live,
        flows=tuple(summaries),
        programme=programme,
        counts=_counts(organisations, len(summaries)),
        band=None if mc is None else progress_band(mc),
        flow_names=tuple(f.name for f in model.flows),
        completions=None if mc is None else _completions(clock, mc),
        completion_days=seen.ordinals,
        programme_days=tuple(programme_days),
        bottlenecks=None if mc is None else _bottlenecks(mc),
        swings=None if sensitivity is None else _swings(model, *sensitivity),
        fix=fix,
        organisations=organisations,
        **_precision(mc),
    )


@dataclass(frozen=True)
class _Replications:
    """Every replication's completion days and each flow's most common bottleneck (the
    baseline's alone without Monte Carlo)."""

    per_flow: list[list[date | None]]  # per flow, per replication
    programme: list[date | None]  # per replication
    common: list[str]  # per flow, its most common bottleneck ("" for none)
    shares: list[float]  # per flow, the share of replications it limits
    ordinals: np.ndarray | None  # the completion days as ordinals (Monte Carlo only)


def _replications(outcome: Outcome) -> _Replications:
    baseline, mc = outcome.baseline, outcome.mc
    flows = baseline.flows
    clock = outcome.model.clock
    if mc is None:
        per_flow = [[clock.completion_day(f.finished_s)] for f in flows]
        programme_days = [clock.completion_day(baseline.finished_s)]
        shares = [1.0 if f.bottleneck else 0.0 for f in flows]
        common = [f.bottleneck or "" for f in flows]
        return _Replications(per_flow, programme_days, common, shares, None)
    # Dates by array operations (one zone lookup per distinct offset, one date object per
    # distinct day), not one conversion per replication and flow.
    ordinals = clock.completion_days(mc.finished)
    ends = clock.completion_days(mc.programme_finished)
    days = {o: date.fromordinal(int(o)) for o in np.unique(ordinals).tolist() if o < NEVER}
    days.update({o: date.fromordinal(int(o)) for o in np.unique(ends).tolist() if o < NEVER})
    per_flow = [[days.get(o) for o in ordinals[:, i].tolist()] for i in range(len(flows))]
    programme_days = [days.get(o) for o in ends.tolist()]
    common, shares = [], []
    for counter in mc.bottlenecks:
        name, count = counter.most_common(1)[0] if counter else ("", 0)
        common.append(name)
        shares.append(count / mc.replications)
    return _Replications(per_flow, programme_days, common, shares, ordinals)


def _programme_summary(
    flows: Sequence[FlowResult],
    clock: Clock,
    moments: Sequence[datetime | None],
    finish_days: Sequence[date | None],
    stats: DateStats,
    common: Sequence[str],
    shares: Sequence[float],
    go_live: date | None,
    exact: bool,
) -> FlowSummary:
    """The programme's summary: it completes with its last flow, and that flow's bottleneck is
    the critical one."""
    finish_times = [f.finished_s for f in flows]
    if NEVER not in finish_times:
        last = max(range(len(flows)), key=lambda i: finish_times[i])
        moment, day = moments[last], finish_days[last]
    else:
        last = finish_times.index(NEVER)
        moment, day = None, None
    start = min((f.started_s for f in flows), default=NEVER)
    critical = Counter(c for c in common if c)
    return _summary(
        PROGRAMME, "", "", sum(f.volume_bytes for f in flows),
        sum(f.delivered_bytes + f.remaining_bytes for f in flows),
        _local(clock, start), moment, day,
        stats, common[last],
        shares[last] if critical else 0.0, flows[last].reason, go_live, exact,
    )  # fmt: skip


def _go_lives(outcome: Outcome) -> list[date | None]:
    """Each flow's go-live (its own ``go_live``, else the programme's), in the model's flow
    order."""
    own = {flow.label: flow.go_live for flow in outcome.scenario.flows}
    return [go_live_of([own.get(f.name)], outcome.model.go_live) for f in outcome.model.flows]


def _organisation_of(outcome: Outcome) -> list[str]:
    """Each flow's organisation (the scenario's ``organisation:``, by default the flow's
    name), in the model's flow order."""
    named = {flow.label: flow.organisation_name for flow in outcome.scenario.flows}
    return [named.get(flow.name, flow.name) for flow in outcome.model.flows]


def organisation_days(days: Sequence[Sequence[date | None]]) -> list[date | None]:
    """The organisation rule, per replication: an organisation completes on its last flow's
    day, and never if any of its flows never completes. ``days``: each flow's completion
    date per replication (None: never). So an organisation is in time exactly when all its
    flows are, and its chance is the share of replications in which they all are."""
    return [None if None in column else max(column) for column in zip(*days, strict=True)]


def organisation_summaries(
    flows: Sequence[FlowSummary],
    per_flow: Sequence[Sequence[date | None]],
    go_live: date | None,
    exact: bool,
    own: Sequence[date | None] | None = None,
) -> tuple[FlowSummary, ...]:
    """One record per organisation, in the order of its first flow (``flows[i].organisation``
    names it; ``per_flow[i]`` is flow i's completion date per replication). An organisation
    of one flow has that flow's figures; one of several completes with its last flow in each
    replication (:func:`organisation_days`), its baseline with the baseline's last flow, and
    names that flow's bottleneck, as the programme names its last flow's."""
    members: dict[str, list[int]] = {}
    for i, flow in enumerate(flows):
        members.setdefault(flow.organisation, []).append(i)
    out = []
    for name, indices in members.items():
        rows = [flows[i] for i in indices]
        if len(rows) == 1:
            out.append(replace(rows[0], name=name))
            continue
        ends = [r.baseline_completion for r in rows]
        done = [end for end in ends if end is not None]
        end = max(done) if len(done) == len(ends) else None
        last = rows[ends.index(end)]  # the last to finish, or the first that never does
        starts = [r.start for r in rows if r.start is not None]
        days = organisation_days([per_flow[i] for i in indices])
        judged = go_live if own is None else go_live_of([own[i] for i in indices], None)
        out.append(
            _summary(
                name, _common(r.source for r in rows), _common(r.target for r in rows),
                sum(r.volume_bytes for r in rows), sum(r.total_bytes for r in rows),
                min(starts) if starts else None, end,
                None if end is None else last.baseline_completed_on,
                date_stats(days, judged, exact), last.bottleneck, last.bottleneck_share,
                last.never_reason, judged, exact, name,
            )
        )  # fmt: skip
    return tuple(out)


def _common(values: Iterable[str]) -> str:
    """The flows' shared source (or target), or each distinct one, joined by '; '."""
    return "; ".join(dict.fromkeys(values))


def _precision(mc: MonteCarloResult | None) -> dict[str, Any]:
    """RunReport's precision fields for a run whose count was chosen by precision."""
    if mc is None or mc.precision is None or mc.half_width_days is None:
        return {}
    programme = mc.programme_finished
    p80 = float(np.sort(programme)[quantile_rank(programme.size, 0.8)])
    goal = mc.precision.goal_days(p80 if np.isfinite(p80) else 0.0)
    return {
        "precision_goal_days": goal,
        "precision_half_width_days": mc.half_width_days,
        "precision_capped": mc.half_width_days > goal,
    }


def _local(clock: Clock, t: SimTime) -> datetime | None:
    """A record's local moment: ``None`` for a time that never comes."""
    return None if t == NEVER else clock.to_local(t)


def _summary(
    name: str,
    source: str,
    target: str,
    volume: float,
    total: float,
    start: datetime | None,
    moment: datetime | None,
    day: date | None,
    stats: DateStats,
    bottleneck: str,
    share: float,
    reason: NotFinished | None,
    go_live: date | None,
    exact: bool,
    organisation: str = "",
) -> FlowSummary:
    late = None if go_live is None else not in_time(day, go_live)
    # A deterministic run has no chance to speak of: its status is the baseline's.
    return FlowSummary(
        name=name,
        source=source,
        target=target,
        volume_bytes=volume,
        total_bytes=total,
        start=start,
        baseline_completion=moment,
        baseline_completed_on=day,
        p50=stats.p50,
        p80=stats.p80,
        p95=stats.p95,
        p80_ci=stats.p80_ci,
        p80_halfwidth_days=stats.p80_halfwidth_days,
        chance=stats.prob,
        chance_ci=stats.prob_ci,
        days_late=days_late(day, go_live),
        late_in_baseline=late,
        status=None if go_live is None else status(None if exact else stats.prob, late),
        bottleneck=bottleneck,
        bottleneck_share=share,
        never_reason=reason,
        organisation=organisation,
    )


def _counts(organisations: Sequence[FlowSummary], flows: int) -> StatusCounts:
    by_status = Counter(f.status for f in organisations)
    return StatusCounts(
        flows=flows,
        organisations=len(organisations),
        on_track=by_status[Status.ON_TRACK],
        at_risk=by_status[Status.AT_RISK],
        late=by_status[Status.LATE],
        late_in_baseline=sum(1 for f in organisations if f.late_in_baseline),
    )


def progress_band(mc: MonteCarloResult) -> tuple[BandDay, ...]:
    """P10, P50 and P90 of overall progress at the end of each day."""
    cumulative = np.cumsum(mc.band_counts, axis=1)
    levels = np.arange(mc.band_counts.shape[1]) / BAND_BINS
    n = mc.band_replications
    columns = []
    for p in (0.1, 0.5, 0.9):
        rank = quantile_rank(n, p) + 1
        columns.append(levels[np.argmax(cumulative >= rank, axis=1)].tolist())
    return tuple(
        BandDay(day, p10, p50, p90)
        for day, p10, p50, p90 in zip(mc.band_days, *columns, strict=True)
    )


def _completions(clock: Clock, mc: MonteCarloResult) -> np.ndarray:
    moments = clock.local_moments(mc.finished)
    moments.flags.writeable = False
    return moments


def _bottlenecks(mc: MonteCarloResult) -> tuple[BottleneckCount, ...]:
    return tuple(
        BottleneckCount(flow.name, link, count, count / mc.replications)
        for flow, counter in zip(mc.model.flows, mc.bottlenecks, strict=True)
        for link, count in counter.most_common()
    )


def _swings(model: Model, baseline_s: SimTime, swings: Sequence[Swing]) -> tuple[SwingSummary, ...]:
    day = model.clock.completion_day
    out = []
    for swing in swings:
        low, high = swing.days(baseline_s, model.horizon)
        out.append(
            SwingSummary(
                swing.key, swing.low, swing.high, day(swing.finish_low_s),
                day(swing.finish_high_s), low, high,
            )
        )  # fmt: skip
    return tuple(out)
