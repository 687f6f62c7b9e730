"""Records -> pandas DataFrames and result files. The only module that imports pandas.

Dates are local (the scenario's timezone). A completion's *date* follows the end-of-day rule in
``calendar.completion_date``; ``days_late`` counts from the last day that is still in time (the
day before go-live): negative means early, 0 means on the last possible day, positive late.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from migrasim.calendar import completion_date, in_time
from migrasim.engine import Model, RunResult
from migrasim.errors import ResultsExistError

NEVER = "never"
SUMMARY_COLUMNS = [
    "flow",
    "source",
    "target",
    "volume_bytes",
    "start",
    "baseline_completion",
    "p50",
    "p80",
    "p95",
    "prob_by_go_live",
    "days_late",
    "bottleneck",
]


class _SavableFigure(Protocol):
    def savefig(self, fname: Any, **kwargs: Any) -> None: ...


def _iso(moment: datetime | None) -> str:
    return NEVER if moment is None else moment.isoformat(timespec="seconds")


def flow_dates(model: Model, result: RunResult) -> list[tuple[datetime | None, date | None]]:
    """Each flow's completion moment (local) and the date it counts for; None for never."""
    out: list[tuple[datetime | None, date | None]] = []
    for flow in result.flows:
        if flow.finished_s is None:
            out.append((None, None))
        else:
            moment = model.clock.to_local(flow.finished_s)
            out.append((moment, completion_date(moment)))
    return out


def days_late(completed_on: date | None, go_live: date | None) -> int | None:
    """Days after the last in-time day (go-live minus one); negative = early; None if unknown."""
    if go_live is None or completed_on is None:
        return None
    return (completed_on - (go_live - timedelta(days=1))).days


def summary_frame(model: Model, result: RunResult) -> pd.DataFrame:
    """One row per flow, then ``ALL`` for the whole programme (see SUMMARY_COLUMNS)."""
    go_live = model.scenario.go_live
    rows: list[dict[str, Any]] = []
    dates = flow_dates(model, result)
    for flow, (moment, day) in zip(result.flows, dates, strict=True):
        rows.append(
            _row(
                flow.name,
                flow.source,
                flow.target,
                flow.volume_bytes,
                moment,
                day,
                flow.started_s,
                flow.bottleneck,
                model,
                go_live,
            )
        )
    # The programme completes with its last flow; that flow's bottleneck is the critical one.
    finish_times = [f.finished_s for f in result.flows]
    if all(t is not None for t in finish_times):
        last = max(range(len(dates)), key=lambda i: finish_times[i] or 0.0)
        moment, day = dates[last]
    else:
        last = finish_times.index(None)
        moment, day = None, None
    critical = result.flows[last].bottleneck
    starts = [f.started_s for f in result.flows if f.started_s is not None]
    total = sum(f.volume_bytes for f in result.flows)
    first = min(starts) if starts else None
    rows.append(_row("ALL", "", "", total, moment, day, first, critical, model, go_live))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _row(
    name: str,
    source: str,
    target: str,
    volume: float,
    moment: datetime | None,
    day: date | None,
    started_s: float | None,
    bottleneck: str | None,
    model: Model,
    go_live: date | None,
) -> dict[str, Any]:
    day_text = NEVER if day is None else day.isoformat()
    late = days_late(day, go_live)
    return {
        "flow": name,
        "source": source,
        "target": target,
        "volume_bytes": round(volume),
        "start": "" if started_s is None else _iso(model.clock.to_local(started_s)),
        "baseline_completion": _iso(moment),
        "p50": day_text,
        "p80": day_text,
        "p95": day_text,
        "prob_by_go_live": "" if go_live is None else float(in_time(day, go_live)),
        "days_late": "" if go_live is None else (NEVER if late is None else late),
        "bottleneck": bottleneck or "",
    }


def timeline_frame(model: Model, result: RunResult) -> pd.DataFrame:
    """Bytes delivered per flow per local calendar day, from the scenario start until the flow
    completes (days with nothing moved included); 'never' flows run to the horizon."""
    if result.curves is None:
        raise ValueError("timeline_frame needs a result simulated with record=True")
    clock = model.clock
    first = clock.start.date()
    horizon_day = clock.to_local(model.horizon).date()
    frames = []
    for flow, (moment, day), (times, cums) in zip(
        result.flows, flow_dates(model, result), result.curves, strict=True
    ):
        last = day if day is not None else horizon_day
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        ends = np.array(
            [clock.to_sim(datetime.combine(d + timedelta(days=1), time())) for d in days]
        )
        if times:
            cumulative = np.interp(ends, np.array(times), np.array(cums), left=0.0)
        else:
            cumulative = np.zeros(len(days))
        if moment is not None:
            cumulative[-1] = flow.volume_bytes
        delivered = np.diff(cumulative, prepend=0.0)
        frames.append(
            pd.DataFrame(
                {
                    "date": [d.isoformat() for d in days],
                    "flow": flow.name,
                    "delivered_bytes": np.round(delivered, 3),
                    "cumulative_bytes": np.round(cumulative, 3),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def prepare_out_dir(out: Path, force: bool) -> None:
    """Refuse to overwrite an existing non-empty folder unless ``force``."""
    if out.exists() and not out.is_dir():
        raise ResultsExistError(f"{out} exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ResultsExistError(
            f"{out} already holds results; pass --force to replace them or --out for a new folder"
        )


def write_results(
    out: Path,
    tables: Mapping[str, pd.DataFrame],
    figures: Mapping[str, _SavableFigure],
    force: bool,
) -> None:
    """Write CSV tables and PNG figures into ``out`` atomically: everything is written to a
    temporary sibling folder, which then replaces ``out`` in one rename. A failure leaves any
    previous results untouched and no partial folder behind."""
    prepare_out_dir(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, frame in tables.items():
            frame.to_csv(staging / name, index=False, lineterminator="\n")
        for name, figure in figures.items():
            figure.savefig(staging / name, dpi=110, metadata={"Software": None})
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
        staging.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
