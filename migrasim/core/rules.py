"""The rules every result obeys, each in one place: in time, days late, status and the quantile
rank (SimTime -> completion date is ``core.calendar.Clock``; a share's text is
``render.i18n.share_percent``).

Pure: no I/O, no randomness. Renderers, the terminal and the analysis all call these, so a
flow reads the same (in time or late, by how many days, on track or at risk) everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from enum import Enum

import numpy as np

ON_TRACK_FROM = 0.8
"""A chance of finishing before go-live of at least this is "on track" (the P80 is in time)."""
LATE_BELOW = 0.5
"""A chance below this is "likely late" (late is more likely than not); in between, "at
risk". The programme's status is the board's answer (``render.headlines.verdict``): on track
is "Yes", at risk "At risk", likely late "No"."""


def in_time(completed_on: date | None, go_live: date) -> bool:
    """Whether a completion date is in time: "by go-live" means a date *before* go-live;
    ``None`` (never completes) is never in time."""
    return completed_on is not None and completed_on < go_live


def go_live_of(own: Sequence[date | None], programme: date | None) -> date | None:
    """The go-live a flow, or an organisation of flows, is judged by: the earliest of its
    flows' go-lives, each the flow's own ``go_live`` (a cohort's date) or else the
    programme's. ``None``: no go-live at all."""
    dates = [programme if d is None else d for d in own]
    known = [d for d in dates if d is not None]
    return min(known) if known else None


def in_time_ordinals(ordinals: np.ndarray, go_live: date) -> np.ndarray:
    """:func:`in_time` for many completions at once, given as day ordinals (inf = never)."""
    return np.asarray(ordinals < go_live.toordinal())


def days_late(completed_on: date | None, go_live: date | None) -> int | None:
    """Days after the last in-time day (the day before go-live): negative = early, 0 = on the
    last possible day, positive = late. ``None`` without a go-live or a completion."""
    if go_live is None or completed_on is None:
        return None
    return (completed_on - (go_live - timedelta(days=1))).days


class Status(Enum):
    """A row's standing against go-live. The values are the report's CSS class suffixes."""

    ON_TRACK = "ok"
    AT_RISK = "risk"
    LATE = "late"


def status(chance: float | None, late_in_baseline: bool | None) -> Status | None:
    """On track / at risk / late from the chance of finishing before go-live (over the
    replications) or, without one (a deterministic run), from the baseline alone.

    ``None`` when there is neither (no go-live)."""
    if chance is not None:
        if chance >= ON_TRACK_FROM:
            return Status.ON_TRACK
        return Status.LATE if chance < LATE_BELOW else Status.AT_RISK
    if late_in_baseline is None:
        return None
    return Status.LATE if late_in_baseline else Status.ON_TRACK


def quantile_rank(n: int, p: float) -> int:
    """0-based index of the p-quantile of n sorted values (inverted CDF: an observed value)."""
    return min(n - 1, max(0, math.ceil(n * p - 1e-9) - 1))
