"""Records -> pandas DataFrames and CSV text. The only module that builds DataFrames.

Every frame is built from the typed records of :mod:`migrasim.analysis.records` (dates as
dates, None for never); this module is where they become text: ISO dates, ``never``, ``""`` for
no value. Nothing here computes a rule (in time, days late): those come in the records.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

import numpy as np
import pandas as pd

from migrasim.analysis.records import (
    BandDay,
    BottleneckCount,
    FlowSummary,
    RunReport,
    SweepPoint,
    SwingSummary,
)
from migrasim.core.engine import Model, RunResult
from migrasim.render.reasons import never_reason_text

NEVER = "never"
SUMMARY_COLUMNS = [
    "flow",
    "source",
    "target",
    "volume_bytes",
    "total_bytes",
    "start",
    "baseline_completion",
    "baseline_finish_date",
    "p50",
    "p80",
    "p95",
    "prob_by_go_live",
    "prob_ci_low",
    "prob_ci_high",
    "p80_ci_low",
    "p80_ci_high",
    "p80_halfwidth_days",
    "days_late",
    "bottleneck",
    "bottleneck_share",
    "never_reason",
    "organisation",  # last: added after the others, so a reader by position still works
]


class _SavableFigure(Protocol):
    def savefig(self, fname: Any, **kwargs: Any) -> None: ...


def _iso(moment: datetime | None) -> str:
    return NEVER if moment is None else moment.isoformat(timespec="seconds")


def _day_text(day: date | None) -> str:
    return NEVER if day is None else day.isoformat()


def _chance(value: float | None) -> float | str:
    return "" if value is None else round(value, 6)


def summary_frame(report: RunReport) -> pd.DataFrame:
    """One row per flow, then ``ALL`` for the whole programme (see SUMMARY_COLUMNS)."""
    with_go_live = report.go_live is not None
    rows = [_row(row, with_go_live) for row in report.rows]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _row(row: FlowSummary, with_go_live: bool) -> dict[str, Any]:
    """summary.csv's text for one record."""
    late: int | str = ""
    if with_go_live:
        late = NEVER if row.days_late is None else row.days_late
    return {
        "flow": row.name,
        "source": row.source,
        "target": row.target,
        "volume_bytes": round(row.volume_bytes),
        "total_bytes": round(row.total_bytes),
        "start": "" if row.start is None else _iso(row.start),
        "baseline_completion": _iso(row.baseline_completion),
        # the day the report names (exactly 00:00 is the day that ended)
        "baseline_finish_date": _day_text(row.baseline_completed_on),
        "p50": _day_text(row.p50),
        "p80": _day_text(row.p80),
        "p95": _day_text(row.p95),
        "prob_by_go_live": _chance(row.chance),
        "prob_ci_low": _chance(None if row.chance_ci is None else row.chance_ci[0]),
        "prob_ci_high": _chance(None if row.chance_ci is None else row.chance_ci[1]),
        "p80_ci_low": _day_text(row.p80_ci[0]),
        "p80_ci_high": _day_text(row.p80_ci[1]),
        "p80_halfwidth_days": NEVER if row.p80_halfwidth_days is None else row.p80_halfwidth_days,
        "days_late": late,
        "bottleneck": row.bottleneck,
        "bottleneck_share": round(row.bottleneck_share, 6),
        "never_reason": never_reason_text(row.never_reason),
        "organisation": row.organisation,
    }


def completions_frame(report: RunReport) -> pd.DataFrame:
    """One row per replication per flow: ``replication, flow, completion`` (ISO local moment
    or never) and ``finish_date``, the day it counts for (exactly 00:00 is the day that
    ended; never)."""
    flows = len(report.flow_names)
    completions = report.completions
    if completions is None:
        completions = np.zeros((0, flows), dtype="datetime64[s]")
    # ISO text by array operations: each distinct moment converted once.
    moments, where = np.unique(completions.reshape(-1), return_inverse=True)
    text = np.datetime_as_string(moments, unit="s").astype(object)
    text[np.isnat(moments)] = NEVER
    ordinals = report.completion_days
    if ordinals is None:
        ordinals = np.zeros(completions.shape, dtype=np.int64)
    days, day_at = np.unique(ordinals.reshape(-1), return_inverse=True)
    day_text = np.array(
        [NEVER if math.isinf(o) else date.fromordinal(int(o)).isoformat() for o in days.tolist()],
        dtype=object,
    )
    return pd.DataFrame(
        {
            "replication": np.repeat(np.arange(completions.shape[0]), flows),
            "flow": np.tile(np.array(report.flow_names, dtype=object), completions.shape[0]),
            "completion": text[where.reshape(-1)],
            "finish_date": day_text[day_at.reshape(-1)],
        }
    )


def bottlenecks_frame(counts: Iterable[BottleneckCount]) -> pd.DataFrame:
    """How often each link was each flow's bottleneck."""
    rows = [
        {"flow": c.flow, "link": c.link, "replications": c.replications, "share": round(c.share, 6)}
        for c in counts
    ]
    return pd.DataFrame(rows, columns=["flow", "link", "replications", "share"])


def band_frame(band: Sequence[BandDay], until: date | None = None) -> pd.DataFrame:
    """P10, P50 and P90 of overall progress (fraction 0-1) at the end of each day."""
    days = [b for b in band if until is None or b.day <= until]
    return pd.DataFrame(
        {
            "date": [b.day.isoformat() for b in days],
            "p10": np.array([b.p10 for b in days], dtype=float),
            "p50": np.array([b.p50 for b in days], dtype=float),
            "p90": np.array([b.p90 for b in days], dtype=float),
        }
    )


def timeline_frame(model: Model, result: RunResult) -> pd.DataFrame:
    """Bytes delivered per flow per local calendar day, from the scenario start until the flow
    completes (days with nothing moved included); 'never' flows run to the horizon."""
    if result.curves is None:
        raise ValueError("timeline_frame needs a result simulated with record=True")
    clock = model.clock
    first = clock.start.date()
    horizon_day = clock.to_local(model.horizon).date()
    finished = [clock.completion_day(flow.finished_s) for flow in result.flows]
    last_day = max([horizon_day, *(d for d in finished if d is not None)])
    # Every day's end and ISO text once, shared by all flows (array operations, not one
    # conversion per flow and day).
    all_days = [first + timedelta(days=i) for i in range((last_day - first).days + 1)]
    all_ends = np.array(
        [clock.to_sim(datetime.combine(d + timedelta(days=1), time())) for d in all_days]
    )
    all_iso = np.array([d.isoformat() for d in all_days], dtype=object)
    counts, delivered_parts, cumulative_parts = [], [], []
    for flow, (times, cums), day in zip(result.flows, result.curves, finished, strict=True):
        # a flow done at the very start (00:00 of the first day counts for the day before)
        # still has its first day's row
        last = max(day if day is not None else horizon_day, first)
        n = (last - first).days + 1
        ends = all_ends[:n]
        if times:
            cumulative = np.interp(ends, np.array(times), np.array(cums), left=0.0)
        else:
            cumulative = np.zeros(n)
        if day is not None:
            cumulative[-1] = flow.delivered_bytes  # exact total, not interpolation dust
        counts.append(n)
        delivered_parts.append(np.diff(cumulative, prepend=0.0))
        cumulative_parts.append(cumulative)
    if not counts:
        return pd.DataFrame(columns=["date", "flow", "delivered_bytes", "cumulative_bytes"])
    index = np.concatenate([np.arange(n) for n in counts])
    names = np.array([flow.name for flow in result.flows], dtype=object)
    return pd.DataFrame(
        {
            "date": all_iso[index],
            "flow": np.repeat(names, counts),
            "delivered_bytes": np.round(np.concatenate(delivered_parts), 3),
            "cumulative_bytes": np.round(np.concatenate(cumulative_parts), 3),
        }
    )


def figure_png(figure: _SavableFigure) -> bytes:
    """A figure as PNG bytes, as every chart is saved."""
    buffer = io.BytesIO()
    # "tight": the saved image grows to hold every title and label, so none is clipped.
    # zlib level 3: the same pixels, files about as small as level 6's, a third faster.
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None},
                   bbox_inches="tight", pad_inches=0.15,
                   pil_kwargs={"compress_level": 3})  # fmt: skip
    return buffer.getvalue()


def rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A table of records (e.g. ``compare.compare_rows``) as a DataFrame."""
    return pd.DataFrame(rows)


def sweep_frame(records: Sequence[dict[str, Any]], points: Sequence[SweepPoint]) -> pd.DataFrame:
    """sweep.csv: each point's saved record (grid values, P-dates, chance by its own go-live) in
    grid order, then ``point_go_live`` (its own go-live, ISO), ``point_target`` (what it is
    judged by, that go-live as a date: ``P80 < 2026-01-05``) and ``meets_target`` (``yes``/``no``;
    ``""`` when not judged), so the headline's count is a count of this file's ``yes``."""
    rows = []
    for i, (record, point) in enumerate(zip(records, points, strict=True)):
        rows.append(
            {"point": i, **record,
             "point_go_live": "" if point.go_live is None else point.go_live.isoformat(),
             "point_target": point.target or "",
             "meets_target": "" if point.meets is None else ("yes" if point.meets else "no")}
        )  # fmt: skip
    return pd.DataFrame(rows)


def overall_fraction(model: Model, result: RunResult) -> pd.DataFrame:
    """Baseline overall progress (0-1) at the end of each day until the last completion."""
    timeline = timeline_frame(model, result)
    wide = (
        timeline.pivot_table(
            index="date", columns="flow", values="cumulative_bytes", aggfunc="last"
        )
        .ffill()
        .fillna(0.0)
    )
    total = sum(f.delivered_bytes + f.remaining_bytes for f in result.flows)
    fraction = wide.sum(axis=1) / total if total > 0 else wide.sum(axis=1) * 0 + 1.0
    return pd.DataFrame({"date": list(wide.index), "fraction": fraction.to_numpy()})


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is read by a spreadsheet as a formula (OWASP, "CSV
Injection"): names from inputs are made inert by a leading apostrophe, unless the cell is a
plain number such as -3 or +1.5."""


def inert_cell(value: object) -> object:
    """``value`` safe to open in a spreadsheet: text that would start a formula gets a leading
    ``'`` (shown by spreadsheets as text, as OWASP recommends); everything else unchanged."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def frame_csv(frame: pd.DataFrame) -> str:
    """A DataFrame as CSV text, as every results file is written (the csv module: the bytes
    pandas' ``to_csv(index=False)`` writes, with ``\n`` line ends, a quarter faster): missing
    values empty, numbers as Python writes them, text cells that a spreadsheet would run as a
    formula neutralised (:func:`inert_cell`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    columns = [_column_cells(frame.iloc[:, j]) for j in range(frame.shape[1])]
    writer.writerows(zip(*columns, strict=True))
    return buffer.getvalue()


def _column_cells(values: pd.Series) -> list[object]:
    """One column's cells for the csv module: missing values empty, text made inert."""
    cells: list[object] = values.tolist()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        cells = [inert_cell(v) for v in cells]
    missing = values.isna().to_numpy()
    if missing.any():
        for i in np.flatnonzero(missing).tolist():
            cells[i] = ""
    return cells


def sensitivity_frame(swings: Iterable[SwingSummary]) -> pd.DataFrame:
    """One row per uncertain input, largest swing of the programme's completion first."""
    rows = [
        {
            "input": swing.input,
            "low": swing.low,
            "high": swing.high,
            "completion_at_low": _day_text(swing.completed_on_at_low),
            "completion_at_high": _day_text(swing.completed_on_at_high),
            "change_low_days": round(swing.change_low_days, 2),
            "change_high_days": round(swing.change_high_days, 2),
            "swing_days": round(swing.swing_days, 2),
        }
        for swing in swings
    ]
    columns = ["input", "low", "high", "completion_at_low", "completion_at_high",
               "change_low_days", "change_high_days", "swing_days"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
