"""The burn-up chart: cumulative % migrated per flow (thin lines) and overall (thick line)."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from migrasim.render.charts.style import (
    BAND_GID,
    FLOW_PALETTE,
    GRID,
    LATE,
    LATE_LINESTYLE,
    MAX_LEGEND_FLOWS,
    MAX_NAMED_FLOWS,
    NEVER,
    ON_TIME,
    OTHERS,
    OTHERS_GID,
    OVERALL,
    OVERALL_GID,
    _date_axis,
    _day,
    _day_ends,
    _fmt_day,
    _fmt_pct,
    _go_live_handle,
    _go_live_line,
    _lang,
    _msg,
    _named,
    _new_figure,
    _nmsg,
    _no_data,
    _num,
    _titles,
)
from migrasim.render.i18n import Translator

_MAX_NAMED_UNFINISHED = 5  # label at most this many unfinished flows on the burn-up


def _cumulative_wide(
    timeline: pd.DataFrame, flows: Sequence[str]
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Cumulative bytes, one column per flow, one row per calendar day, forward-filled: the
    days and the (days x flows) matrix.

    Before a flow's first row it has delivered nothing (0); after its last row (it completed,
    or the horizon cut it off) its cumulative stays where it was. Rows for the same flow and
    day keep the largest cumulative. Array operations: one date parse per distinct date.
    """
    codes, uniques = pd.factorize(timeline["date"])
    parsed = pd.to_datetime(pd.Series(list(uniques), dtype=object)).dt.normalize()
    day_of = parsed.to_numpy().astype("datetime64[D]").astype(np.int64)[codes]
    flow_codes, flow_names = pd.factorize(timeline["flow"].astype(str))
    column = {name: i for i, name in enumerate(flows)}
    flow_of = np.array([column[str(name)] for name in flow_names], dtype=np.int64)[flow_codes]
    cumulative = timeline["cumulative_bytes"].astype(float).to_numpy()
    first = int(day_of.min())
    wide = np.full((int(day_of.max()) - first + 1, len(flows)), np.nan)
    order = np.argsort(cumulative, kind="stable")  # the largest of a day's rows is set last
    wide[day_of[order] - first, flow_of[order]] = cumulative[order]
    # forward fill down each column, then 0 before a flow's first row
    seen = np.where(np.isnan(wide), 0, np.arange(wide.shape[0])[:, None])
    np.maximum.accumulate(seen, axis=0, out=seen)
    wide = np.nan_to_num(np.take_along_axis(wide, seen, axis=0), nan=0.0)
    days = pd.date_range(pd.Timestamp(np.datetime64(first, "D")), periods=wide.shape[0], freq="D")
    return days, wide


def burnup_figure(
    timeline: pd.DataFrame,
    volumes: Mapping[str, float],
    go_live: datetime.date | None,
    title: str,
    band: pd.DataFrame | None = None,
    t: Translator | None = None,
    *,
    completed_on: Mapping[str, datetime.date | None],
    late: Mapping[str, bool | None],
) -> Figure:
    """Burn-up chart: cumulative % migrated per flow (thin lines) and overall (thick line).

    Args:
        timeline: One row per flow per calendar day, from the scenario start until that flow
            completes (or the end of the simulation, for a flow that never completes).
            Columns: ``date`` (``datetime.date`` or ISO ``'YYYY-MM-DD'`` string), ``flow``
            (flow name), ``delivered_bytes`` (bytes moved that day; not used here) and
            ``cumulative_bytes`` (bytes moved up to and including that day).
        volumes: Total bytes of each flow, keyed by flow name. Defines the flows drawn and
            their order (legend order when there are few flows). A flow with no timeline
            rows is drawn at 0 %; a flow of 0 bytes counts as done.
        go_live: Go-live date: a dashed vertical line, the programme's % migrated by the day
            before it, and flows coloured by whether they make it. ``None`` for no go-live.
        title: Figure title, e.g. the scenario name.
        band: Optional Monte Carlo band of overall progress: columns ``date`` and ``p10``,
            ``p90`` (fractions 0-1 at the end of that day), drawn as a shaded P10-P90 band.
        completed_on: The day each flow's completion counts for in the run the timeline is of
            (``None``: never), as the records give it (``FlowSummary.baseline_completed_on``).
        late: Whether that run misses each flow's go-live (``FlowSummary.late_in_baseline``:
            its own go-live if it has one; ``None`` without a go-live). A flow's status (in
            time, late, never) and the last finish are read from these two, never worked out
            again from the timeline; a flow missing from ``completed_on`` is never.

    Returns:
        The figure (one axes); the caller saves or shows it.

    Raises:
        ValueError: ``timeline`` names a flow missing from ``volumes``.

    The overall line is sum(cumulative) / sum(volumes), each flow held at its last value
    after its rows stop. With at most :data:`MAX_LEGEND_FLOWS` flows every flow has its own
    colour and legend entry; with more, flow lines are coloured by status (in time / late /
    never) and the legend counts them. Above :data:`MAX_NAMED_FLOWS` flows only the latest and
    the largest have a line; the others are one grey band (``gid`` :data:`OTHERS_GID`), the
    middle 80 % of their % migrated each day, and the subtitle says so. A grey subtitle gives
    the headline numbers: % migrated by go-live, and when the last flow finishes or which
    flows never do. If nothing moves for a long stretch before the end of the simulation, the
    x axis stops soon after the last progress rather than running on to the horizon.
    """
    t = _lang(t)
    flows = _flows_with_volumes(timeline, volumes)
    fig, ax = _new_figure(11.0, 6.2)
    if timeline.empty or not flows:
        _no_data(ax, title, _msg(t, "no_migration_data"))
        return fig

    run = _burnup_run(timeline, flows, volumes, go_live, completed_on, late)
    others, colour_of = _flow_lines(ax, run)
    has_band = band is not None and not band.empty
    overall = _overall_line(ax, run, volumes, band if has_band else None, t)
    right = _burnup_axes(ax, run, band if has_band else None, t)
    # the headline numbers: the subtitle and the in-plot labels
    subtitle = _go_live_mark(ax, run, overall, t)
    if run.unfinished:
        subtitle += _unfinished_labels(ax, run, overall, right, colour_of, t)
    else:
        subtitle += _all_done_label(ax, run, t)
    if others.size:
        subtitle.append(_msg(t, "named_flows", k=len(flows) - others.size, n=len(flows)))
    _titles(ax, title, subtitle)
    _burnup_legend(ax, run, has_band, others, t)
    return fig


def _flows_with_volumes(timeline: pd.DataFrame, volumes: Mapping[str, float]) -> list[str]:
    """The flows, in the order of ``volumes``; ValueError if the timeline names another."""
    flows = [str(name) for name in volumes]
    unknown = sorted({str(f) for f in pd.unique(timeline["flow"])} - set(flows))
    if unknown:
        raise ValueError(
            f"timeline has flows with no volume: {', '.join(unknown)}; "
            "pass every flow's total bytes in `volumes`"
        )
    return flows


_STATUS_COLOUR = {"on_time": ON_TIME, "late": LATE, "never": NEVER}


@dataclass(frozen=True)
class _BurnupRun:
    """What the burn-up draws of one run: the flows' % migrated at the end of each day and
    their status as the records give it."""

    flows: list[str]
    at: pd.DatetimeIndex  # the start, then the end of each day
    cum: np.ndarray  # (len(at) x flows) cumulative bytes, 0 at the start
    pct: np.ndarray  # ... as % of each flow's volume (a flow of 0 bytes is done)
    vols: np.ndarray
    completion: dict[str, pd.Timestamp | None]
    status: dict[str, str]  # on_time, late or never
    start: pd.Timestamp
    horizon: pd.Timestamp  # the last simulated day
    gl: pd.Timestamp | None

    @property
    def x(self) -> np.ndarray:
        return self.at.to_pydatetime()

    @property
    def sim_end(self) -> pd.Timestamp:
        """The end of the last simulated day."""
        return self.horizon + pd.Timedelta(days=1)

    @property
    def per_flow_legend(self) -> bool:
        return len(self.flows) <= MAX_LEGEND_FLOWS

    @property
    def unfinished(self) -> list[str]:
        return [f for f in self.flows if self.completion[f] is None]


def _burnup_run(
    timeline: pd.DataFrame,
    flows: list[str],
    volumes: Mapping[str, float],
    go_live: datetime.date | None,
    completed_on: Mapping[str, datetime.date | None],
    late: Mapping[str, bool | None],
) -> _BurnupRun:
    """The timeline as % migrated per flow at the end of each day, and each flow's status."""
    days, wide = _cumulative_wide(timeline, flows)
    one_day = pd.Timedelta(days=1)
    start, horizon = pd.Timestamp(days[0]), pd.Timestamp(days[-1])
    # A row's cumulative holds at the end of its day: plot it there, after 0 at the start.
    at = pd.DatetimeIndex([start, *(days + one_day)])
    cum = np.vstack([np.zeros(len(flows)), wide])
    gl = _day(go_live) if go_live is not None else None

    vols = np.array([float(volumes[f]) for f in flows])
    # the records' completion days and statuses, not a second reading of the timeline
    completion = {
        f: None if (day := completed_on.get(f)) is None else pd.Timestamp(day) for f in flows
    }
    status = {
        f: "never" if completion[f] is None else "late" if late.get(f) else "on_time" for f in flows
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(vols > 0, np.clip(cum / vols * 100.0, 0.0, 100.0), 100.0)
    return _BurnupRun(flows, at, cum, pct, vols, completion, status, start, horizon, gl)


def _flow_lines(ax: Axes, run: _BurnupRun) -> tuple[np.ndarray, dict[str, str]]:
    """A line per flow drawn by name (above :data:`MAX_NAMED_FLOWS`, the others as one band):
    the flows in the band, and the colour of each line."""
    flows, pct, x = run.flows, run.pct, run.x
    drawn = list(range(len(flows)))
    others = np.zeros(0, dtype=np.int64)
    if len(flows) > MAX_NAMED_FLOWS:
        # The latest and the largest by name; every other flow in one band (the middle 80 %
        # of their % migrated each day), so the chart does not grow with the flows.
        latest = np.array(
            [
                np.inf if (day := run.completion[f]) is None else float(day.toordinal())
                for f in flows
            ]
        )
        named = _named(latest, run.vols)
        drawn = named.tolist()
        others = np.setdiff1d(np.arange(len(flows)), named)
        low, high = np.percentile(pct[:, others], [10.0, 90.0], axis=1)
        ax.fill_between(x, low, high, color=OTHERS, alpha=0.35, lw=0, zorder=2, gid=OTHERS_GID)
    colour_of: dict[str, str] = {}
    for i in drawn:
        f = flows[i]
        status = run.status[f]
        if run.per_flow_legend:
            colour, lw, alpha = FLOW_PALETTE[i % len(FLOW_PALETTE)], 1.4, 0.85
        elif status == "never":
            colour, lw, alpha = NEVER, 1.3, 0.9
        else:
            colour, lw, alpha = _STATUS_COLOUR[status], 0.9, 0.5
        colour_of[f] = colour
        style = LATE_LINESTYLE if not run.per_flow_legend and status == "late" else "-"
        ax.plot(x, pct[:, i], color=colour, lw=lw, alpha=alpha, ls=style, label=f)
    return others, colour_of


def _overall_line(
    ax: Axes,
    run: _BurnupRun,
    volumes: Mapping[str, float],
    band: pd.DataFrame | None,
    t: Translator,
) -> pd.Series:
    """The thick overall line (and the P10-P90 band under it): the overall % at each point."""
    at = run.at
    total_volume = float(sum(float(v) for v in volumes.values()))
    if total_volume > 0:
        overall = pd.Series(
            np.clip(run.cum.sum(axis=1) / total_volume * 100.0, 0.0, 100.0), index=at
        )
    else:
        overall = pd.Series(100.0, index=at)
    if band is not None:
        band_x = _day_ends(list(band["date"]))
        ax.fill_between(
            band_x,
            band["p10"].to_numpy() * 100.0,
            band["p90"].to_numpy() * 100.0,
            color=OVERALL,
            alpha=0.15,
            lw=0,
            zorder=5,
            gid=BAND_GID,
        )
    ax.plot(
        run.x,
        overall.to_numpy(),
        color=OVERALL,
        lw=3.4,
        zorder=6,
        label=_msg(t, "overall"),
        gid=OVERALL_GID,
        solid_capstyle="round",
    )
    return overall


def _burnup_axes(
    ax: Axes, run: _BurnupRun, band: pd.DataFrame | None, t: Translator
) -> pd.Timestamp:
    """The axes: x from the start to shortly after the last progress, y 0-100 %. Returns the
    right edge."""
    one_day = pd.Timedelta(days=1)
    start, at, gl = run.start, run.at, run.gl
    # x range: start to the last progress (or go-live, if later), not a long flat tail.
    moving = np.flatnonzero(np.diff(run.cum, axis=0).sum(axis=1) > 0)
    last_progress = pd.Timestamp(at[moving[-1] + 1]) if moving.size else start
    right = max([last_progress, *(d + one_day for d in run.completion.values() if d is not None)])
    if gl is not None:
        right = max(right, gl)
    if band is not None:
        # The P10-P90 band is drawn to its end: the day its low edge reaches 100 % (the
        # programme's P90), when that day comes.
        full = np.flatnonzero(band["p10"].to_numpy() >= 1.0)
        if full.size:
            right = max(right, _day(band["date"].iloc[int(full[0])]) + one_day)
    span = max((right - start).days, 1)
    right += pd.Timedelta(days=math.ceil(span * 0.04))
    if run.unfinished:
        right = min(right, run.sim_end)  # no data past the end of the simulation
    ax.set_xlim(_num(start - pd.Timedelta(days=span * 0.01)), _num(right))
    _date_axis(ax, t)
    ax.set_ylim(-1.0, 101.5)  # 0-100 %, with room for the line width at 0 % and 100 %
    ax.set_yticks(np.arange(0, 101, 20), labels=[f"{v}%" for v in range(0, 101, 20)])
    ax.grid(axis="both", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_ylabel(_msg(t, "data_migrated_pct"))
    return right


def _go_live_mark(ax: Axes, run: _BurnupRun, overall: pd.Series, t: Translator) -> list[str]:
    """The go-live line and the overall % by go-live marked on it: the subtitle's line."""
    gl, at, flows = run.gl, run.at, run.flows
    subtitle: list[str] = []
    if gl is None:
        return subtitle
    # In time = complete by the end of the day before go-live, i.e. by go-live's midnight.
    if gl <= run.sim_end or overall.iloc[-1] >= 100.0:
        i = max(int(at.searchsorted(gl, side="right")) - 1, 0)
        at_go_live: float | None = float(overall.iloc[i]) if gl >= run.start else 0.0
    else:
        at_go_live = None  # go-live is after the end of the simulation
    n_in_time = sum(1 for f in flows if run.status[f] == "on_time")
    if at_go_live is not None:
        subtitle.append(
            _msg(
                t,
                "migrated_by_go_live",
                share=_fmt_pct(at_go_live, t),
                date=_fmt_day(gl, t),
                k=n_in_time,
                n=len(flows),
            )
        )
        gx = _num(gl)
        ax.plot([gx], [at_go_live], "o", color=OVERALL, ms=7, zorder=7, clip_on=False)
        high = at_go_live > 50
        ax.annotate(
            _msg(t, "share_by_go_live", share=_fmt_pct(at_go_live, t)),
            (gx, at_go_live),
            xytext=(9, -8 if high else 8),
            textcoords="offset points",
            va="top" if high else "bottom",
            fontsize=10,
            fontweight="bold",
            color=OVERALL,
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": OVERALL, "lw": 0.8},
            zorder=8,
        )
    _go_live_line(ax, gl, t)
    return subtitle


def _unfinished_labels(
    ax: Axes,
    run: _BurnupRun,
    overall: pd.Series,
    right: pd.Timestamp,
    colour_of: Mapping[str, str],
    t: Translator,
) -> list[str]:
    """The flows that never finish: the subtitle's line, and a label at the end of each line
    (when there are only a few)."""
    unfinished, flows, pct = run.unfinished, run.flows, run.pct
    column = {f: i for i, f in enumerate(flows)}
    names = ", ".join(unfinished[:3])
    if len(unfinished) > 3:
        names = _msg(t, "and_more", names=names, n=len(unfinished) - 3)
    overall_share = _fmt_pct(float(overall.iloc[-1]), t)
    subtitle = [
        _nmsg(
            t,
            "unfinished",
            len(unfinished),
            n=len(flows),
            date=_fmt_day(run.horizon, t),
            names=names,
            share=overall_share,
        )
    ]
    if len(unfinished) <= _MAX_NAMED_UNFINISHED:
        x_end = _num(min(right, run.sim_end))
        label_y = 101.5
        for f in sorted(unfinished, key=lambda g: -float(pct[-1, column[g]])):
            reached = float(pct[-1, column[f]])
            label_y = min(reached, label_y - 5.0)  # stack labels that would overlap
            moved = np.flatnonzero(np.diff(run.cum[:, column[f]]) > 0)
            stalled = moved.size == 0 or pd.Timestamp(run.at[moved[-1] + 1]) < right
            state = "stalled_at" if stalled else "reached"
            ax.annotate(
                _msg(t, state, flow=f, share=_fmt_pct(reached, t)),
                (x_end, label_y),
                xytext=(-4, -5),
                textcoords="offset points",
                ha="right",
                va="top",
                fontsize=8.5,
                fontweight="bold",
                color=NEVER if not run.per_flow_legend else colour_of[f],
                zorder=8,
            )
    return subtitle


def _all_done_label(ax: Axes, run: _BurnupRun, t: Translator) -> list[str]:
    """Every flow finishes: the subtitle's line, and a label where the last one does."""
    completion = run.completion
    last = max(run.flows, key=lambda f: completion[f] or run.start)
    last_day = completion[last] or run.horizon
    ax.annotate(
        _msg(t, "all_done", date=_fmt_day(last_day, t), flow=last),
        (_num(last_day + pd.Timedelta(days=1)), 100.0),
        xytext=(-10, -12),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=9,
        color=OVERALL,
        bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#BBBBBB", "lw": 0.6},
        arrowprops={"arrowstyle": "-", "color": "#888888", "lw": 0.8},
        zorder=8,
    )
    return [_msg(t, "all_complete", date=_fmt_day(last_day, t), flow=last)]


def _burnup_legend(
    ax: Axes, run: _BurnupRun, has_band: bool, others: np.ndarray, t: Translator
) -> None:
    """The legend, outside the plot on the right, so it never hides a line."""
    flows, gl = run.flows, run.gl
    handles: list[Line2D | Patch] = [
        Line2D([], [], color=OVERALL, lw=3.4, label=_msg(t, "overall"))
    ]
    if has_band:
        handles.append(Patch(facecolor=OVERALL, alpha=0.15, label=_msg(t, "overall_band")))
    if run.per_flow_legend:
        handles += [line for line in ax.get_lines() if str(line.get_label()) in set(flows)]
    else:
        labels = {
            "on_time": "complete_in_time" if gl is not None else "complete",
            "late": "complete_after",
            "never": "never_complete",
        }
        for s in ("on_time", "late", "never"):
            n = sum(1 for f in flows if run.status[f] == s)
            if n:
                lw = 1.5 if s == "never" else 1.2
                label = _nmsg(t, labels[s], n)
                style = LATE_LINESTYLE if s == "late" else "-"
                handles.append(Line2D([], [], color=_STATUS_COLOUR[s], lw=lw, ls=style,
                                      label=label))  # fmt: skip
    if others.size:
        label = _nmsg(t, "other_flows_band", int(others.size))
        handles.append(Patch(facecolor=OTHERS, alpha=0.35, label=label))
    if gl is not None:
        handles.append(_go_live_handle(gl, t))
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=9,
    )
