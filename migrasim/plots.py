"""Figures for a programme manager: a burn-up of % migrated and a Gantt of flows vs go-live.

The only module that imports matplotlib. Every function takes pandas DataFrames and returns a
:class:`matplotlib.figure.Figure` drawn on an Agg canvas, built without pyplot so no global
state is touched; the caller saves it (``fig.savefig(path, dpi=150)``). No file I/O here.

Colours are shared by both figures so they read the same way side by side: blue finishes by
go-live, orange finishes after go-live, red (hatched on the Gantt) never finishes within the
simulated horizon.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MultipleLocator, PercentFormatter
from matplotlib.transforms import blended_transform_factory

__all__ = ["GO_LIVE_GID", "burnup_figure", "gantt_figure"]

GO_LIVE_GID = "go-live"
"""``gid`` of the go-live line in both figures (lets callers and tests find it)."""

OVERALL_GID = "overall"
"""``gid`` of the thick overall-programme line in the burn-up."""

MAX_LEGEND_FLOWS = 12
"""Above this many flows the burn-up has no per-flow legend; lines are coloured by status."""

ON_TIME = "#4C78A8"  # calm blue
LATE = "#E8743B"  # orange
NEVER = "#C0392B"  # red
OVERALL = "#1B2A41"  # near-black navy
GO_LIVE = "#222222"
MUTED_TEXT = "#555555"
FLOW_PALETTE = (  # Tableau 10 plus two, for per-flow lines when there are few flows
    "#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#76B7B2", "#EDC948",
    "#B07AA1", "#FF9DA7", "#9C755F", "#7F7F7F", "#17BECF", "#BCBD22",
)  # fmt: skip

_COMPLETE_RTOL = 1e-9  # cumulative within this fraction of the volume counts as complete


def _new_figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure on its own Agg canvas (no pyplot), with one axes and constrained layout."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _day(value: datetime.date) -> pd.Timestamp:
    """Midnight of a date (or datetime) as a naive Timestamp."""
    return pd.Timestamp(value).normalize()


def _fmt_day(value: pd.Timestamp | datetime.date) -> str:
    """``5 Jan 2026``: unambiguous for a UK reader, no leading zero."""
    return f"{value.day} {value:%b %Y}"


def _no_data(fig: Figure, ax: Axes, title: str, message: str) -> Figure:
    ax.set_title(title, loc="left", fontweight="bold")
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color=MUTED_TEXT)
    return fig


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _go_live_line(ax: Axes, go_live: pd.Timestamp, *, label_y: float, va: str) -> None:
    """Dashed vertical go-live line plus a rotated label beside it at ``label_y`` (axes units)."""
    x = float(mdates.date2num(go_live))
    ax.axvline(x, color=GO_LIVE, linestyle=(0, (6, 3)), linewidth=1.6, zorder=4, gid=GO_LIVE_GID)
    ax.text(
        x,
        label_y,
        f" Go-live {_fmt_day(go_live)} ",
        transform=blended_transform_factory(ax.transData, ax.transAxes),
        rotation=90,
        ha="right",
        va=va,
        fontsize=9,
        fontweight="bold",
        color=GO_LIVE,
        zorder=5,
    )


# --------------------------------------------------------------------------------------------
# Burn-up
# --------------------------------------------------------------------------------------------


def _cumulative_wide(timeline: pd.DataFrame, flows: Sequence[str]) -> pd.DataFrame:
    """Cumulative bytes, one column per flow, one row per calendar day, forward-filled.

    Before a flow's first row it has delivered nothing (0); after its last row (it completed,
    or the horizon cut it off) its cumulative stays where it was.
    """
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(timeline["date"]).dt.normalize(),
            "flow": timeline["flow"].astype(str),
            "cumulative": timeline["cumulative_bytes"].astype(float),
        }
    )
    wide = frame.pivot_table(index="date", columns="flow", values="cumulative", aggfunc="max")
    days = pd.date_range(wide.index.min(), wide.index.max(), freq="D")
    wide = wide.reindex(index=days, columns=list(flows)).ffill().fillna(0.0)
    return wide


def _percent(cumulative: pd.Series, volume: float) -> pd.Series:
    if volume <= 0:
        return pd.Series(100.0, index=cumulative.index)
    return (cumulative / volume * 100.0).clip(0.0, 100.0)


def _completion_day(cumulative: pd.Series, volume: float) -> pd.Timestamp | None:
    """First day the flow's cumulative reaches its volume, or None if it never does."""
    done = cumulative >= volume * (1.0 - _COMPLETE_RTOL)
    if not bool(done.any()):
        return None
    return pd.Timestamp(done.idxmax())


def burnup_figure(
    timeline: pd.DataFrame,
    volumes: Mapping[str, float],
    go_live: datetime.date | None,
    title: str,
) -> Figure:
    """Burn-up chart: cumulative % migrated per flow (thin) and for the programme (thick).

    Args:
        timeline: One row per flow per calendar day, from the scenario start until that flow
            completes (or the simulated horizon, for a flow that never completes). Columns:
            ``date`` (``datetime.date`` or ISO ``'YYYY-MM-DD'`` string), ``flow`` (flow
            name), ``delivered_bytes`` (bytes moved that day; not used here) and
            ``cumulative_bytes`` (bytes moved up to and including that day).
        volumes: Total bytes of each flow, keyed by flow name. Defines the flows drawn and
            their order (legend order when there are few flows). A flow with no timeline
            rows is drawn at 0 %.
        go_live: The go-live date, drawn as a dashed vertical line with the programme's %
            migrated by then; ``None`` to draw no go-live.
        title: Figure title, e.g. the scenario name.

    Returns:
        The figure; the caller saves or shows it.

    Raises:
        ValueError: ``timeline`` names a flow that has no entry in ``volumes``.

    The overall line is sum(cumulative) / sum(volumes), with every flow held at its last
    cumulative value after its rows stop. With at most :data:`MAX_LEGEND_FLOWS` flows each
    flow gets its own colour and legend entry; with more, flow lines are coloured by status
    (by go-live / after go-live / never) and the last flow to finish is annotated.
    """
    flows = [str(name) for name in volumes]
    unknown = sorted(set(timeline["flow"].astype(str)) - set(flows))
    if unknown:
        raise ValueError(
            f"timeline has flows with no volume: {', '.join(unknown)}; "
            "pass every flow's total bytes in `volumes`"
        )

    fig, ax = _new_figure(11.0, 6.0)
    if timeline.empty or not flows:
        return _no_data(fig, ax, title, "No migration data to plot")

    wide = _cumulative_wide(timeline, flows)
    days = wide.index
    x = days.to_numpy()
    gl = _day(go_live) if go_live is not None else None
    horizon = pd.Timestamp(days[-1])

    completion = {f: _completion_day(wide[f], float(volumes[f])) for f in flows}
    status: dict[str, str] = {}
    for f in flows:
        done = completion[f]
        if done is None:
            status[f] = "never"
        elif gl is not None and done > gl:
            status[f] = "late"
        else:
            status[f] = "on_time"

    per_flow_legend = len(flows) <= MAX_LEGEND_FLOWS
    status_colour = {"on_time": ON_TIME, "late": LATE, "never": NEVER}
    for i, f in enumerate(flows):
        pct = _percent(wide[f], float(volumes[f]))
        if per_flow_legend:
            colour = FLOW_PALETTE[i % len(FLOW_PALETTE)]
            ax.plot(x, pct.to_numpy(), color=colour, lw=1.4, alpha=0.8, label=f)
        else:
            ax.plot(x, pct.to_numpy(), color=status_colour[status[f]], lw=0.9, alpha=0.55)

    total_volume = float(sum(float(v) for v in volumes.values()))
    overall_cum = wide.sum(axis=1)
    overall = (
        (overall_cum / total_volume * 100.0).clip(0.0, 100.0)
        if total_volume > 0
        else pd.Series(100.0, index=days)
    )
    ax.plot(
        x,
        overall.to_numpy(),
        color=OVERALL,
        lw=3.2,
        zorder=6,
        label="Overall programme",
        gid=OVERALL_GID,
        solid_capstyle="round",
    )

    # Axes: 0-100 %, dates; room on the right for the end-of-line annotations.
    start = pd.Timestamp(days[0])
    right = max(horizon, gl) if gl is not None else horizon
    span = max((right - start).days, 1)
    ax.set_xlim(
        float(mdates.date2num(start - pd.Timedelta(days=span * 0.01))),
        float(mdates.date2num(right + pd.Timedelta(days=span * 0.03))),
    )
    _date_axis(ax)
    ax.set_ylim(0.0, 100.0)
    for line in ax.get_lines():
        line.set_clip_on(False)  # lines at exactly 0 % / 100 % are not cut in half
    ax.yaxis.set_major_locator(MultipleLocator(20.0))
    ax.yaxis.set_major_formatter(PercentFormatter(100.0, decimals=0))
    ax.grid(axis="both", color="#E3E3E3", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_ylabel("Data migrated")
    ax.set_title(title, loc="left", fontweight="bold")

    # Go-live, and how far the programme is by then.
    if gl is not None:
        _go_live_line(ax, gl, label_y=0.02, va="bottom")
        if gl <= horizon or overall.iloc[-1] >= 100.0 - 1e-6:
            at_go_live = float(overall.asof(gl)) if gl >= start else 0.0
            gx = float(mdates.date2num(gl))
            ax.plot([gx], [at_go_live], "o", color=OVERALL, ms=7, zorder=7, clip_on=False)
            ax.annotate(
                f"{at_go_live:.0f}% migrated\nat go-live",
                (gx, at_go_live),
                xytext=(10, -6 if at_go_live > 50 else 6),
                textcoords="offset points",
                va="top" if at_go_live > 50 else "bottom",
                fontsize=10,
                fontweight="bold",
                color=OVERALL,
                bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": OVERALL, "lw": 0.8},
                zorder=8,
            )

    # When does it end? Either everything completes (name the last flow) or the horizon cuts
    # some flows off (say how many).
    unfinished = [f for f in flows if completion[f] is None]
    if unfinished:
        names = ", ".join(unfinished[:3]) + (
            f" +{len(unfinished) - 3} more" if len(unfinished) > 3 else ""
        )
        end_text = (
            f"{overall.iloc[-1]:.0f}% by end of simulation ({_fmt_day(horizon)})\n"
            f"{len(unfinished)} of {len(flows)} flows never finish: {names}"
        )
        end_xy = (float(mdates.date2num(horizon)), float(overall.iloc[-1]))
    else:
        last = max(flows, key=lambda f: completion[f] or start)
        last_day = completion[last] or horizon
        end_text = f"All flows done {_fmt_day(last_day)}\nlast to finish: {last}"
        end_xy = (float(mdates.date2num(last_day)), 100.0)
    ax.annotate(
        end_text,
        end_xy,
        xytext=(-8, -14),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=9,
        color=OVERALL,
        bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#BBBBBB", "lw": 0.6, "alpha": 0.9},
        arrowprops={"arrowstyle": "-", "color": "#999999", "lw": 0.8},
        zorder=8,
    )

    # Legend, outside the plot on the right so it never hides a line.
    handles: list[Line2D | Patch]
    if per_flow_legend:
        handles = [h for h in ax.get_lines() if not str(h.get_label()).startswith("_")]
        handles = [handles[-1], *handles[:-1]]  # overall first
    else:
        counts = {s: sum(1 for f in flows if status[f] == s) for s in status_colour}
        labels = {
            "on_time": "done by go-live" if gl is not None else "done",
            "late": "done after go-live",
            "never": "never finish",
        }
        handles = [Line2D([], [], color=OVERALL, lw=3.2, label="Overall programme")]
        handles += [
            Line2D([], [], color=status_colour[s], lw=1.5, label=f"{counts[s]} flows {labels[s]}")
            for s in ("on_time", "late", "never")
            if counts[s]
        ]
    if gl is not None:
        handles.append(
            Line2D([], [], color=GO_LIVE, ls=(0, (6, 3)), lw=1.6, label=f"Go-live {_fmt_day(gl)}")
        )
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=9,
        title=None if per_flow_legend else f"{len(flows)} flows",
        title_fontsize=9,
    )
    return fig


# --------------------------------------------------------------------------------------------
# Gantt
# --------------------------------------------------------------------------------------------


def gantt_figure(bars: pd.DataFrame, go_live: datetime.date | None, title: str) -> Figure:
    """Gantt chart: one horizontal bar per flow from its start to its end, against go-live.

    Args:
        bars: One row per flow, drawn top to bottom in the order given. Columns: ``flow``
            (name, the row label), ``start`` (datetime the flow starts moving data), ``end``
            (datetime it completes; ``None``/``NaT`` if it never completes within the
            simulated horizon) and ``late`` (bool, True if it misses go-live).
        go_live: The go-live date, drawn as a dashed vertical line; ``None`` for none.
        title: Figure title, e.g. the scenario name.

    Returns:
        The figure; the caller saves or shows it. Its height grows with the number of flows
        (about 0.3 inch each, at least 3 inches).

    Bars are blue (on time), orange (late) or red and hatched running to the right edge with
    a "never" label (no end); each finished bar is labelled with its end date. A flow with no
    start is labelled "not started" and drawn without a bar.
    """
    n = len(bars)
    fig, ax = _new_figure(11.0, max(3.0, 0.3 * n + 1.3))
    if n == 0:
        return _no_data(fig, ax, title, "No flows to plot")

    names = [str(f) for f in bars["flow"]]
    starts = pd.to_datetime(pd.Series(list(bars["start"]), dtype=object))
    ends = pd.to_datetime(pd.Series(list(bars["end"]), dtype=object))
    late = [bool(v) for v in bars["late"]]
    gl = _day(go_live) if go_live is not None else None

    known = [pd.Timestamp(t) for t in (*starts.dropna(), *ends.dropna())]
    if gl is not None:
        known.append(gl)
    if not known:
        return _no_data(fig, ax, title, "No flow has started")
    lo, hi = min(known), max(known)
    span = max(hi - lo, pd.Timedelta(days=1))
    edge = hi + span * 0.05  # where 'never' bars stop
    left = float(mdates.date2num(lo - span * 0.01))
    right = float(mdates.date2num(edge + span * 0.10))
    edge_x = float(mdates.date2num(edge))
    multi_year = lo.year != hi.year
    text_kw: dict[str, object] = {"va": "center", "fontsize": 8, "clip_on": False}

    counts = {"on_time": 0, "late": 0, "never": 0}
    for y, (start, end, is_late) in enumerate(zip(starts, ends, late, strict=True)):
        if pd.isna(start):
            ax.text(left, y, "  not started", color=MUTED_TEXT, ha="left", **text_kw)
            continue
        sx = float(mdates.date2num(pd.Timestamp(start)))
        if pd.isna(end):
            counts["never"] += 1
            ax.barh(
                y, edge_x - sx, left=sx, height=0.62, color="#F6D5D1", edgecolor=NEVER,
                hatch="////", linewidth=0.9, zorder=3,
            )  # fmt: skip
            ax.text(edge_x, y, " never ▶", color=NEVER, fontweight="bold", ha="left", **text_kw)
            continue
        ex = float(mdates.date2num(pd.Timestamp(end)))
        kind = "late" if is_late else "on_time"
        counts[kind] += 1
        ax.barh(
            y, max(ex - sx, 0.0), left=sx, height=0.62, zorder=3,
            color=LATE if is_late else ON_TIME, edgecolor="none",
        )  # fmt: skip
        end_ts = pd.Timestamp(end)
        label = f"{end_ts.day} {end_ts:%b %Y}" if multi_year else f"{end_ts.day} {end_ts:%b}"
        ax.text(ex, y, f" {label}", color=MUTED_TEXT, ha="left", **text_kw)

    ax.set_yticks(np.arange(n), labels=names)
    ax.tick_params(axis="y", length=0, labelsize=9)
    ax.set_ylim(n - 0.5, -0.5)  # first flow at the top
    ax.set_xlim(left, right)
    _date_axis(ax)
    ax.grid(axis="x", color="#E3E3E3", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines["left"].set_visible(False)
    ax.set_title(title, loc="left", fontweight="bold")

    if gl is not None:
        _go_live_line(ax, gl, label_y=1.0, va="top")

    labels = {
        "on_time": "on time" if gl is not None else "finishes",
        "late": "late (after go-live)",
        "never": "never finishes",
    }
    handles: list[Line2D | Patch] = [
        Patch(facecolor=ON_TIME, label=f"{counts['on_time']} {labels['on_time']}"),
        Patch(facecolor=LATE, label=f"{counts['late']} {labels['late']}"),
        Patch(
            facecolor="#F6D5D1",
            edgecolor=NEVER,
            hatch="////",
            label=f"{counts['never']} {labels['never']}",
        ),
    ]
    if gl is not None:
        handles.append(
            Line2D([], [], color=GO_LIVE, ls=(0, (6, 3)), lw=1.6, label=f"Go-live {_fmt_day(gl)}")
        )
    fig.legend(
        handles=handles, loc="outside upper right", ncols=len(handles), frameon=False, fontsize=9
    )
    return fig
