"""Progress records: each flow's (and the programme's) delivered bytes, P80s and evidence
against the plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from migrasim.analysis.track import tracked
from migrasim.analysis.track.evidence import FlowEvidence
from migrasim.analysis.track.forecast import TrackOutcome
from migrasim.scenario.types import likely_of


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
        left = 0.0 if name in cond.completed_on else likely_of(getattr(flow, tracked.backlog()))
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
