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

from migrasim.analysis.track.calibration import (
    DOWN_CONCENTRATION,
    POOLING,
    PRIOR_DOWN_DAYS,
    PRIOR_DOWN_FLOOR,
    PRIOR_EFFICIENCY_SD,
    RATIO_SD_FLOOR,
    Hierarchy,
    LinkPosterior,
    link_posterior,
    partial_posteriors,
)
from migrasim.analysis.track.conditioning import Conditioned, condition
from migrasim.analysis.track.estimates import (
    DOWN_BOUNDS,
    EFFICIENCY_BOUNDS,
    EFFICIENCY_LEVELS,
    DownDayMtbf,
    GivenEstimate,
    PendingRework,
    RemainingVolume,
    Rescaled,
    Rework,
    ScaledCapacity,
    Shifted,
    estimate_cdf,
    estimate_cdf_array,
    rescaled,
)
from migrasim.analysis.track.evidence import (
    FlowEvidence,
    flow_evidence,
    nominal_daily,
    plan_evidence,
    working_calendar,
)
from migrasim.analysis.track.forecast import (
    TrackOutcome,
    baseline_bottleneck,
    forecast_run,
    track_scenario,
    with_completions,
)
from migrasim.analysis.track.links import SPREAD_RATIO
from migrasim.analysis.track.progress import FlowProgress, progress_rows
from migrasim.analysis.track.shipments import TURNAROUND_LOG_SD, turnaround_shifts
from migrasim.analysis.track.timeline import PROBE_VOLUME, PlanTimeline, plan_days, plan_timeline
from migrasim.analysis.track.volumes import (
    EVIDENCE_SHARES,
    GroupFactor,
    evidence_weight,
    group_factor,
    group_factors,
)

__all__ = [
    "DOWN_BOUNDS",
    "DOWN_CONCENTRATION",
    "EFFICIENCY_BOUNDS",
    "EFFICIENCY_LEVELS",
    "EVIDENCE_SHARES",
    "POOLING",
    "PRIOR_DOWN_DAYS",
    "PRIOR_DOWN_FLOOR",
    "PRIOR_EFFICIENCY_SD",
    "PROBE_VOLUME",
    "RATIO_SD_FLOOR",
    "SPREAD_RATIO",
    "TURNAROUND_LOG_SD",
    "Conditioned",
    "DownDayMtbf",
    "FlowEvidence",
    "FlowProgress",
    "GivenEstimate",
    "GroupFactor",
    "Hierarchy",
    "LinkPosterior",
    "PendingRework",
    "PlanTimeline",
    "RemainingVolume",
    "Rescaled",
    "Rework",
    "ScaledCapacity",
    "Shifted",
    "TrackOutcome",
    "baseline_bottleneck",
    "condition",
    "estimate_cdf",
    "estimate_cdf_array",
    "evidence_weight",
    "flow_evidence",
    "forecast_run",
    "group_factor",
    "group_factors",
    "link_posterior",
    "nominal_daily",
    "partial_posteriors",
    "plan_days",
    "plan_evidence",
    "plan_timeline",
    "progress_rows",
    "rescaled",
    "track_scenario",
    "turnaround_shifts",
    "with_completions",
    "working_calendar",
]
