"""The Gantt chart: one bar per flow from its start to its end, against go-live."""

from __future__ import annotations

import datetime
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from migrasim.core.calendar import Clock
from migrasim.core.rules import days_late
from migrasim.render.charts.style import (
    AT_RISK,
    GRID,
    LATE,
    LATE_HATCH,
    LATE_HATCH_COLOUR,
    MAX_NAMED_FLOWS,
    MUTED_TEXT,
    NEVER,
    NEVER_FILL,
    NEVER_HATCH,
    ON_TIME,
    OTHERS,
    OTHERS_GID,
    _date_axis,
    _day,
    _fmt_day,
    _fmt_late,
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

_STATUS_COLOURS = {"ok": ON_TIME, "risk": AT_RISK, "late": LATE}


def _bar_style(colour: str, late: bool) -> dict[str, Any]:
    """A Gantt bar's look: its colour, and white hatching when it is late (the cue that does
    not rely on colour)."""
    if late:
        return {"facecolor": colour, "hatch": LATE_HATCH, "edgecolor": LATE_HATCH_COLOUR,
                "linewidth": 0.0}  # fmt: skip
    return {"facecolor": colour, "edgecolor": "none"}


def gantt_figure(
    bars: pd.DataFrame, go_live: datetime.date | None, title: str, t: Translator | None = None
) -> Figure:
    """Gantt chart: one horizontal bar per flow, from its start to its end, against go-live.

    Args:
        bars: One row per flow, drawn top to bottom in the order given. Columns: ``flow``
            (name, the row label), ``start`` (datetime the flow starts; ``None``/``NaT`` if
            it never starts), ``end`` (datetime it completes; ``None``/``NaT`` if it never
            completes within the simulation) and ``late`` (bool: True if it misses go-live;
            used as given to colour the bar). An optional ``status`` column (``ok``, ``risk``,
            ``late``: ``core.rules.Status`` values) colours the bars by status instead, and
            the legend counts the statuses. An optional ``bytes`` column (total to move)
            picks the largest flows to name above :data:`MAX_NAMED_FLOWS`.
        go_live: Go-live date, drawn as a dashed vertical line; ``None`` for none.
        title: Figure title, e.g. the scenario name.

    Returns:
        The figure (one axes, one bar patch per flow that starts); the caller saves or
        shows it. Its height grows with the number of flows (0.3 inch each, at least 3 in).

    Bars are blue (on time) or vermilion with white hatching (late), each labelled with its
    end date (and how late, if it is); with ``status``, blue on track, orange at risk and
    vermilion hatched likely late. A flow that never completes is a purple cross-hatched bar
    running to the right edge, labelled "never". A flow that never starts has no bar, only a
    "never starts" label. The legend counts each kind. Above :data:`MAX_NAMED_FLOWS` flows
    only the latest and the largest have a row; the last row is one grey band (``gid``
    :data:`OTHERS_GID`) for every other flow, from their first start to their last end, the
    middle 80 % of their ends darker, and the subtitle says so.
    """
    t = _lang(t)
    n = len(bars)
    rows = _gantt_rows(bars)
    fig, ax = _new_figure(11.0, max(3.0, 0.3 * rows.n_rows + 1.4))
    if n == 0:
        _no_data(ax, title, _msg(t, "no_flows"))
        return fig

    names = [str(bars["flow"].iloc[i]) for i in rows.drawn]
    gl = _day(go_live) if go_live is not None else None
    layout = _gantt_layout(rows, gl)
    if layout is None:
        _no_data(ax, title, _msg(t, "none_start", n=n))
        return fig

    for y, i in enumerate(rows.drawn.tolist()):
        _flow_bar(ax, y, i, rows, layout, go_live, t)
    if rows.others.size:
        names.append(_nmsg(t, "other_flows", int(rows.others.size)))
        _others_bar(ax, rows, layout, go_live, t)

    n_rows = rows.n_rows
    ax.set_yticks(np.arange(n_rows), labels=names)
    ax.tick_params(axis="y", length=0, labelsize=9)
    ax.set_ylim(n_rows - 0.5, -0.5)  # first flow at the top
    ax.set_xlim(layout.left, layout.right)
    _date_axis(ax, t)
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines["left"].set_visible(False)
    if gl is not None:
        _go_live_line(ax, gl, t)
    _gantt_legend(fig, ax, rows, gl, title, t)
    return fig


@dataclass(frozen=True)
class _GanttRows:
    """The bars' data: each flow's start and end (NaT: never), lateness and status, and the
    flows drawn by name (the others, above :data:`MAX_NAMED_FLOWS`, as one band)."""

    starts: pd.Series
    ends: pd.Series
    day_of: list[Any]  # the day each completion counts for (the record's), else None
    late: np.ndarray
    statuses: list[str] | None  # core.rules.Status values, when the bars carry them
    no_start: np.ndarray
    no_end: np.ndarray
    drawn: np.ndarray
    others: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.drawn) + (1 if self.others.size else 0)


def _gantt_rows(bars: pd.DataFrame) -> _GanttRows:
    """The bars as arrays, and which flows have a row of their own."""
    n = len(bars)
    starts = pd.to_datetime(pd.Series(list(bars["start"]), dtype=object))
    ends = pd.to_datetime(pd.Series(list(bars["end"]), dtype=object))
    day_of = list(bars["day"]) if "day" in bars else [None] * len(bars)
    late = bars["late"].to_numpy(dtype=bool) if n else np.zeros(0, dtype=bool)
    # With a status per flow (Monte Carlo runs: core.rules.status), bars are coloured by it,
    # so the chart counts the same on track / at risk / likely late as the table and text.
    statuses = [str(v) for v in bars["status"]] if "status" in bars else None
    no_start, no_end = starts.isna().to_numpy(), ends.isna().to_numpy()
    drawn = np.arange(n)
    others = np.zeros(0, dtype=np.int64)
    if n > MAX_NAMED_FLOWS:
        # The latest and the largest by name, every other flow as one band: the chart's size
        # and cost do not grow with the flows.
        end_key = np.where(no_end, np.inf, ends.to_numpy(dtype="datetime64[ns]").astype(float))
        size = bars["bytes"].to_numpy(dtype=float) if "bytes" in bars else np.zeros(n)
        drawn = _named(end_key, size)
        others = np.setdiff1d(np.arange(n), drawn)
    return _GanttRows(starts, ends, day_of, late, statuses, no_start, no_end, drawn, others)


@dataclass(frozen=True)
class _GanttLayout:
    """The x axis: its limits, where 'never' bars stop, and whether dates need their year."""

    left: float
    right: float
    edge_x: float
    multi_year: bool


def _gantt_layout(rows: _GanttRows, gl: pd.Timestamp | None) -> _GanttLayout | None:
    """The x axis from the first start to the last end (and go-live); None without a date."""
    starts, ends = rows.starts, rows.ends
    known = [pd.Timestamp(v) for v in (starts.min(), ends.min(), starts.max(), ends.max())]
    known = [v for v in known if not pd.isna(v)]
    if gl is not None:
        known.append(gl)
    if not known:
        return None
    lo, hi = min(known), max(known)
    span = max(hi - lo, pd.Timedelta(days=1))
    edge = hi + span * 0.06  # where 'never' bars stop
    left, right = _num(lo - span * 0.01), _num(edge + span * 0.16)
    return _GanttLayout(left, right, _num(edge), lo.year != hi.year)


def _text_kw() -> dict[str, Any]:
    """The look of a bar's label."""
    return {"va": "center", "fontsize": 8, "clip_on": False, "zorder": 5}


def _label_box() -> dict[str, Any]:
    """The box under an end label, over the go-live line."""
    return {"fc": "white", "ec": "none", "alpha": 0.8, "pad": 0.4}


def _flow_bar(
    ax: Axes,
    y: int,
    i: int,
    rows: _GanttRows,
    layout: _GanttLayout,
    go_live: datetime.date | None,
    t: Translator,
) -> None:
    """Flow ``i``'s bar on row ``y``: its start to its end, or to the edge when it never ends,
    or only a label when it never starts."""
    text_kw, edge_x = _text_kw(), layout.edge_x
    start, end, is_late = rows.starts.iloc[i], rows.ends.iloc[i], bool(rows.late[i])
    if pd.isna(start):
        ax.text(
            layout.left,
            y,
            " " + _msg(t, "never_starts"),
            color=NEVER,
            fontweight="bold",
            ha="left",
            **text_kw,
        )
        return
    start_ts = pd.Timestamp(start)
    sx = _num(start_ts)
    if pd.isna(end):
        ax.barh(
            y, edge_x - sx, left=sx, height=0.62, color=NEVER_FILL, edgecolor=NEVER,
            hatch=NEVER_HATCH, linewidth=0.9, zorder=3,
        )  # fmt: skip
        ax.text(
            edge_x,
            y,
            " " + _msg(t, "never_arrow"),
            color=NEVER,
            fontweight="bold",
            ha="left",
            **text_kw,
        )
        return
    end_ts = pd.Timestamp(end)
    ex = _num(end_ts)
    colour = LATE if is_late else ON_TIME
    marked_late = is_late
    statuses = rows.statuses
    if statuses is not None and statuses[i] in _STATUS_COLOURS:
        colour = _STATUS_COLOURS[statuses[i]]
        marked_late = statuses[i] == "late"
    ax.barh(
        y, max(ex - sx, 0.0), left=sx, height=0.62, zorder=3, **_bar_style(colour, marked_late)
    )  # fmt: skip
    end_label = _end_label(end_ts, is_late, go_live, layout.multi_year, t, rows.day_of[i])
    ax.text(ex, y, f" {end_label}",
            color=MUTED_TEXT, ha="left", bbox=_label_box(), **text_kw)  # fmt: skip


def _others_bar(
    ax: Axes, rows: _GanttRows, layout: _GanttLayout, go_live: datetime.date | None, t: Translator
) -> None:
    """One band for the flows not named, on the last row: from their first start to their
    last end (the edge if one never ends), the middle 80 % of their ends darker, labelled as
    a bar would be."""
    text_kw, label_box, edge_x = _text_kw(), _label_box(), layout.edge_x
    others, starts, ends = rows.others, rows.starts, rows.ends
    y = len(rows.drawn)
    begun = others[~rows.no_start[others]]
    ended = others[~rows.no_end[others]]
    end_ns = ends.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    if begun.size:
        sx = _num(pd.Timestamp(starts.iloc[begun].min()))
        last = int(ended[np.argmax(end_ns[ended])]) if ended.size else -1
        ex = edge_x if ended.size < begun.size or last < 0 else _num(ends.iloc[last])
        ax.barh(y, max(ex - sx, 0.0), left=sx, height=0.62, zorder=3, color=OTHERS,
                alpha=0.35, edgecolor="none", gid=OTHERS_GID)  # fmt: skip
        if ended.size:
            p10, p90 = (_num(pd.Timestamp(int(v)))
                        for v in np.percentile(end_ns[ended], [10.0, 90.0]))  # fmt: skip
            ax.barh(y, max(p90 - p10, 0.0), left=p10, height=0.62, zorder=3, color=OTHERS,
                    alpha=0.8, edgecolor="none")  # fmt: skip
        if ex == edge_x:
            ax.text(edge_x, y, " " + _msg(t, "never_arrow"), color=NEVER,
                    fontweight="bold", ha="left", **text_kw)  # fmt: skip
        else:
            label = _end_label(
                ends.iloc[last],
                bool(rows.late[last]),
                go_live,
                layout.multi_year,
                t,
                rows.day_of[last],
            )
            ax.text(ex, y, f" {label}", color=MUTED_TEXT, ha="left", bbox=label_box,
                    **text_kw)  # fmt: skip


def _gantt_legend(
    fig: Figure, ax: Axes, rows: _GanttRows, gl: pd.Timestamp | None, title: str, t: Translator
) -> None:
    """The title with its subtitle, and the legend counting each kind of bar."""
    n, statuses, late = len(rows.starts), rows.statuses, rows.late
    never = rows.no_start | rows.no_end
    counts = {
        "on_time": int((~never & ~late).sum()),
        "late": int((~never & late).sum()),
        "never": int(never.sum()),
    }
    handles: list[Line2D | Patch] = []
    if statuses is not None and gl is not None:
        note = _msg(t, "gantt_status_note", late=counts["late"], n=n)
        _titles(ax, title, [*textwrap.wrap(note, 100), *_named_note(t, n, rows.others.size)])
        for status in ("ok", "risk", "late"):
            k = statuses.count(status)
            handles.append(Patch(**_bar_style(_STATUS_COLOURS[status], status == "late"),
                                 label=_msg(t, f"legend_status_{status}", n=k)))  # fmt: skip
    else:
        _titles(ax, title, _named_note(t, n, rows.others.size))
        on_time = "legend_on_time" if gl is not None else "legend_complete"
        handles.append(Patch(facecolor=ON_TIME, label=_msg(t, on_time, n=counts["on_time"])))
        if counts["late"] or gl is not None:
            label = _msg(t, "legend_late", n=counts["late"])
            handles.append(Patch(**_bar_style(LATE, True), label=label))
    handles.append(
        Patch(
            facecolor=NEVER_FILL,
            edgecolor=NEVER,
            hatch=NEVER_HATCH,
            label=_msg(t, "legend_never", n=counts["never"]),
        )
    )
    if gl is not None:
        handles.append(_go_live_handle(gl, t))
    fig.legend(
        handles=handles, loc="outside upper right", ncols=len(handles), frameon=False, fontsize=9
    )


def _end_label(
    end: pd.Timestamp,
    is_late: bool,
    go_live: datetime.date | None,
    year: bool,
    t: Translator,
    day: datetime.date | None = None,
) -> str:
    """A Gantt bar's end label: the date the completion counts for (``day``, the record's,
    from the exact instant; else from ``end``: 00:00 belongs to the day that ended), and how
    late when it is late."""
    on = pd.Timestamp(day if day is not None else Clock.local_completion_day(end.to_pydatetime()))
    label = _fmt_day(on, t, year=year)
    late_by = days_late(on.date(), go_live)
    if is_late and late_by is not None and late_by > 0:
        label += f"  {_fmt_late(late_by, t)}"
    return label


def _named_note(t: Translator, n: int, others: int) -> list[str]:
    """The subtitle line of a chart that names only some flows (none when it names all)."""
    return [_msg(t, "named_flows", k=n - others, n=n)] if others else []
