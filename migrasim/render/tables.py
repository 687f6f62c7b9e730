"""Records -> pandas DataFrames and result files. The only module that imports pandas.

Dates are local (the scenario's timezone). A completion's *date* follows the end-of-day rule in
``calendar.completion_date``; ``days_late`` counts from the last day that is still in time (the
day before go-live): negative means early, 0 means on the last possible day, positive late.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from migrasim.analysis.runner import BAND_BINS, MonteCarloResult
from migrasim.analysis.sensitivity import Swing
from migrasim.core.calendar import completion_date
from migrasim.core.engine import Model, RunResult
from migrasim.errors import ResultsExistError
from migrasim.render.reasons import never_reason_text

NEVER = "never"
Z95 = 1.959963984540054
SUMMARY_COLUMNS = [
    "flow",
    "source",
    "target",
    "volume_bytes",
    "total_bytes",
    "start",
    "baseline_completion",
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
]


class _SavableFigure(Protocol):
    def savefig(self, fname: Any, **kwargs: Any) -> None: ...


def _iso(moment: datetime | None) -> str:
    return NEVER if moment is None else moment.isoformat(timespec="seconds")


def _day_text(day: date | None) -> str:
    return NEVER if day is None else day.isoformat()


class DateConverter:
    """SimTime -> completion date (end-of-day rule), memoised: replications repeat values."""

    def __init__(self, model: Model) -> None:
        self.clock = model.clock
        self.memo: dict[float, date] = {}

    def __call__(self, t: float | None) -> date | None:
        if t is None or not math.isfinite(t):
            return None
        day = self.memo.get(t)
        if day is None:
            day = self.memo[t] = completion_date(self.clock.to_local(t))
        return day


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


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (95 % by default)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def quantile_rank(n: int, p: float) -> int:
    """0-based index of the p-quantile of n sorted values (inverted CDF: an observed value)."""
    return min(n - 1, max(0, math.ceil(n * p - 1e-9) - 1))


def quantile_interval_ranks(n: int, p: float, z: float = Z95) -> tuple[int, int]:
    """0-based ranks bounding a ~95 % distribution-free interval for the p-quantile
    (normal approximation to the binomial order statistics)."""
    half = z * math.sqrt(n * p * (1 - p))
    lo = math.floor(n * p - half)
    hi = math.ceil(n * p + half)
    return max(0, lo - 1), min(n - 1, hi - 1)


@dataclass(frozen=True)
class DateStats:
    """Completion-date statistics of one flow (or the programme) over replications."""

    p50: date | None
    p80: date | None
    p95: date | None
    prob: float | None
    prob_ci: tuple[float, float] | None
    p80_ci: tuple[date | None, date | None]
    p80_halfwidth_days: float | None  # None when an end of the interval is 'never'

    def fields(self) -> dict[str, Any]:
        """The P-dates and the chance with its interval, as every results table writes them."""
        return {
            "p50": _day_text(self.p50),
            "p80": _day_text(self.p80),
            "p95": _day_text(self.p95),
            "prob_by_go_live": "" if self.prob is None else round(self.prob, 6),
            "prob_ci_low": "" if self.prob_ci is None else round(self.prob_ci[0], 6),
            "prob_ci_high": "" if self.prob_ci is None else round(self.prob_ci[1], 6),
        }


def date_stats(days: list[date | None], go_live: date | None, exact: bool = False) -> DateStats:
    """P-dates, chance of finishing before go-live and their intervals; None = never.

    ``exact``: the days are not a sample (a scenario without uncertainty), so the intervals
    have zero width."""
    n = len(days)
    ordinal = sorted(math.inf if d is None else d.toordinal() for d in days)

    def at(rank: int) -> date | None:
        value = ordinal[rank]
        return None if math.isinf(value) else date.fromordinal(int(value))

    prob = prob_ci = None
    if go_live is not None:
        hits = sum(1 for d in days if d is not None and d < go_live)
        prob = hits / n
        prob_ci = (prob, prob) if exact else wilson_interval(hits, n)
    lo, hi = quantile_interval_ranks(n, 0.8)
    p80_lo, p80_hi = at(lo), at(hi)
    half = None
    if p80_lo is not None and p80_hi is not None:
        half = (p80_hi - p80_lo).days / 2
    return DateStats(
        at(quantile_rank(n, 0.5)),
        at(quantile_rank(n, 0.8)),
        at(quantile_rank(n, 0.95)),
        prob,
        prob_ci,
        (p80_lo, p80_hi),
        half,
    )


def summary_frame(
    model: Model, baseline: RunResult, mc: MonteCarloResult | None = None
) -> pd.DataFrame:
    """One row per flow, then ``ALL`` for the whole programme (see SUMMARY_COLUMNS).

    Without ``mc`` (a scenario with no uncertainty) every replication would equal the baseline,
    so the P-dates are the baseline date and the intervals have zero width.
    """
    go_live = model.go_live
    convert = DateConverter(model)
    flows = baseline.flows
    if mc is None:
        per_flow = [[convert(f.finished_s)] for f in flows]
        programme = [convert(baseline.finished_s)]
        shares = [1.0 if f.bottleneck else 0.0 for f in flows]
        common = [f.bottleneck or "" for f in flows]
    else:
        per_flow = [[convert(float(t)) for t in mc.finished[:, i]] for i in range(len(flows))]
        programme = [convert(float(t)) for t in mc.programme_finished]
        common, shares = [], []
        for counter in mc.bottlenecks:
            name, count = counter.most_common(1)[0] if counter else ("", 0)
            common.append(name)
            shares.append(count / mc.replications)
    rows: list[dict[str, Any]] = []
    dates = flow_dates(model, baseline)
    exact = mc is None
    for i, (flow, (moment, day)) in enumerate(zip(flows, dates, strict=True)):
        stats = date_stats(per_flow[i], go_live, exact)
        rows.append(
            _row(flow.name, flow.source, flow.target, flow.volume_bytes,
                 flow.delivered_bytes + flow.remaining_bytes, flow.started_s, moment, day,
                 stats, common[i], shares[i], never_reason_text(flow.reason), model, go_live)
        )  # fmt: skip
    # The programme completes with its last flow; that flow's bottleneck is the critical one.
    finish_times = [f.finished_s for f in flows]
    if all(t is not None for t in finish_times):
        last = max(range(len(flows)), key=lambda i: finish_times[i] or 0.0)
        moment, day = dates[last]
    else:
        last = finish_times.index(None)
        moment, day = None, None
    starts = [f.started_s for f in flows if f.started_s is not None]
    stats = date_stats(programme, go_live, exact)
    critical = Counter(c for c in common if c)
    rows.append(
        _row("ALL", "", "", sum(f.volume_bytes for f in flows),
             sum(f.delivered_bytes + f.remaining_bytes for f in flows),
             min(starts) if starts else None, moment, day, stats,
             common[last], shares[last] if critical else 0.0,
             never_reason_text(flows[last].reason), model, go_live)
    )  # fmt: skip
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _row(
    name: str,
    source: str,
    target: str,
    volume: float,
    total: float,
    started_s: float | None,
    moment: datetime | None,
    day: date | None,
    stats: DateStats,
    bottleneck: str,
    share: float,
    reason: str,
    model: Model,
    go_live: date | None,
) -> dict[str, Any]:
    late = days_late(day, go_live)
    return {
        "flow": name,
        "source": source,
        "target": target,
        "volume_bytes": round(volume),
        "total_bytes": round(total),
        "start": "" if started_s is None else _iso(model.clock.to_local(started_s)),
        "baseline_completion": _iso(moment),
        **stats.fields(),
        "p80_ci_low": _day_text(stats.p80_ci[0]),
        "p80_ci_high": _day_text(stats.p80_ci[1]),
        "p80_halfwidth_days": NEVER
        if stats.p80_halfwidth_days is None
        else stats.p80_halfwidth_days,
        "days_late": "" if go_live is None else (NEVER if late is None else late),
        "bottleneck": bottleneck,
        "bottleneck_share": round(share, 6),
        "never_reason": reason,
    }


def wide_intervals(summary: pd.DataFrame, max_days: float = 3.5) -> list[str]:
    """Flows whose P80 interval is wider than a week (half-width over ``max_days``)."""
    wide = []
    for flow, half in zip(summary["flow"], summary["p80_halfwidth_days"], strict=True):
        if half != NEVER and float(str(half)) > max_days:
            wide.append(f"{flow} (P80 +/- {float(str(half)):g} days)")
    return wide


def completions_frame(model: Model, mc: MonteCarloResult) -> pd.DataFrame:
    """One row per replication per flow: ``replication, flow, completion`` (ISO or never)."""
    clock = model.clock
    names = [f.name for f in model.flows]
    memo: dict[float, str] = {}

    def text(t: float) -> str:
        if not math.isfinite(t):
            return NEVER
        if t not in memo:
            memo[t] = _iso(clock.to_local(t))
        return memo[t]

    reps, flows = mc.finished.shape
    return pd.DataFrame(
        {
            "replication": np.repeat(np.arange(reps), flows),
            "flow": names * reps,
            "completion": [text(float(t)) for t in mc.finished.reshape(-1)],
        }
    )


def bottlenecks_frame(mc: MonteCarloResult) -> pd.DataFrame:
    """How often each link was each flow's bottleneck."""
    rows = []
    for flow, counter in zip(mc.model.flows, mc.bottlenecks, strict=True):
        for link, count in counter.most_common():
            rows.append(
                {"flow": flow.name, "link": link, "replications": count,
                 "share": round(count / mc.replications, 6)}
            )  # fmt: skip
    return pd.DataFrame(rows, columns=["flow", "link", "replications", "share"])


def band_frame(mc: MonteCarloResult, until: date | None = None) -> pd.DataFrame:
    """P10, P50 and P90 of overall progress (fraction 0-1) at the end of each day."""
    counts = mc.band_counts
    cumulative = np.cumsum(counts, axis=1)
    n = mc.band_replications
    levels = np.arange(counts.shape[1]) / BAND_BINS
    out = {"date": [d.isoformat() for d in mc.band_days]}
    for name, p in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
        rank = quantile_rank(n, p) + 1
        idx = np.argmax(cumulative >= rank, axis=1)
        out[name] = levels[idx]
    frame = pd.DataFrame(out)
    if until is not None:
        frame = frame[frame["date"] <= until.isoformat()]
    return frame


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
            cumulative[-1] = flow.delivered_bytes  # exact total, not interpolation dust
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


def figure_png(figure: _SavableFigure) -> bytes:
    """A figure as PNG bytes, exactly as :func:`write_results` saves it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return buffer.getvalue()


def write_results(
    out: Path,
    tables: Mapping[str, pd.DataFrame],
    figures: Mapping[str, _SavableFigure | bytes],
    force: bool,
    files: Mapping[str, str | bytes] | None = None,
) -> None:
    """Write CSV tables, PNG figures (figures or PNG bytes) and other files into ``out``
    atomically, as :func:`write_files` does."""
    contents: dict[str, str | bytes] = {name: frame_csv(frame) for name, frame in tables.items()}
    for name, figure in figures.items():
        contents[name] = figure if isinstance(figure, bytes) else figure_png(figure)
    contents.update(files or {})
    write_files(out, contents, force=force)


def write_json(out: Path, name: str, record: Any, force: bool) -> None:
    """Write one JSON file into ``out`` atomically (the folder is replaced as a whole)."""
    import json

    text = json.dumps(record, indent=2, default=str) + "\n"
    write_files(out, {name: text}, force=force)


def write_files(out: Path, files: Mapping[str, str | bytes], force: bool) -> None:
    """Write text or bytes files into ``out`` atomically: everything is written to a temporary
    sibling folder, which then replaces ``out`` in one rename. A failure leaves any previous
    results untouched and no partial folder behind."""
    prepare_out_dir(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, content in files.items():
            if isinstance(content, bytes):
                (staging / name).write_bytes(content)
            else:
                (staging / name).write_text(content, encoding="utf-8")
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap_in(staging: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    staging.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A table of records (e.g. ``compare.compare_rows``) as a DataFrame."""
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


def write_text_atomic(path: Path, text: str) -> None:
    """Write one file so that it is either absent or complete: temp file, then rename."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write one file so that it is either absent or complete: temp file, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def frame_csv(frame: pd.DataFrame) -> str:
    """A DataFrame as CSV text, as every results file is written."""
    return str(frame.to_csv(index=False, lineterminator="\n"))


def sensitivity_frame(model: Model, baseline_s: float | None, swings: list[Swing]) -> pd.DataFrame:
    """One row per uncertain input, largest swing of the programme's completion first."""
    convert = DateConverter(model)
    rows = []
    for swing in swings:
        low, high = swing.days(baseline_s, model.horizon)
        rows.append(
            {
                "input": swing.key,
                "low": swing.low,
                "high": swing.high,
                "completion_at_low": _day_text(convert(swing.finish_low_s)),
                "completion_at_high": _day_text(convert(swing.finish_high_s)),
                "change_low_days": round(low, 2),
                "change_high_days": round(high, 2),
                "swing_days": round(abs(high - low), 2),
            }
        )
    columns = ["input", "low", "high", "completion_at_low", "completion_at_high",
               "change_low_days", "change_high_days", "swing_days"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
