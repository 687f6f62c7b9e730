"""Figures for a programme manager: a burn-up of % migrated and a Gantt of flows vs go-live.

The only module that imports matplotlib. Every function takes pandas DataFrames and returns a
:class:`matplotlib.figure.Figure` on its own Agg canvas, built without pyplot, so no global
state is touched; the caller saves it (``fig.savefig(path, dpi=150)``). No file I/O here.

Both figures use the same colour-blind-safe colours (Okabe-Ito): blue finishes in time for
go-live (on track), orange is at risk, vermilion finishes late (likely late), with a second cue
that does not rely on colour (white hatching on a Gantt bar, a dashed line on the burn-up), and
purple, cross-hatched, never finishes within the simulated horizon. As in
:func:`migrasim.core.rules.in_time`, a flow is in time if it completes by the day before go-live.
"""

from __future__ import annotations

import datetime
import math
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from migrasim.analysis.records import SweepPoint
from migrasim.core.calendar import completion_date
from migrasim.core.rules import days_late, in_time, quantile_rank
from migrasim.render.i18n import Translator, fill, nfill, translator
from migrasim.render.messages import CHART_COUNTS, CHARTS

if TYPE_CHECKING:
    from migrasim.render.board import SweptAxis

__all__ = [
    "BAND_GID",
    "GO_LIVE_GID",
    "MAX_LEGEND_FLOWS",
    "MAX_NAMED_FLOWS",
    "OTHERS_GID",
    "OVERALL_GID",
    "burnup_figure",
    "cdf_figure",
    "contrast_ratio",
    "gantt_figure",
    "overlay_burnup_figure",
    "overlay_cdf_figure",
    "sweep_heatmap_figure",
    "sweep_line_figure",
    "text_colour",
    "tornado_figure",
]

GO_LIVE_GID = "go-live"
"""``gid`` of the go-live line in both figures (lets callers and tests find it)."""

BAND_GID = "band"
"""``gid`` of the shaded P10-P90 band of overall progress in the burn-up."""

OVERALL_GID = "overall"
"""``gid`` of the thick overall-programme line in the burn-up."""

MAX_LEGEND_FLOWS = 12
"""Above this many flows the burn-up has no per-flow legend; lines are coloured by status."""

MAX_NAMED_FLOWS = 60
"""Above this many flows the Gantt and the burn-up draw only the latest and the largest flows
by name (:data:`NAMED_LATEST` and :data:`NAMED_LARGEST`) and every other flow as one band, so
the charts cost the same for 100 flows as for 10,000 (and stay readable)."""

NAMED_LATEST = 30
"""Flows named above :data:`MAX_NAMED_FLOWS`: this many that finish last (never first)..."""

NAMED_LARGEST = 10
"""...and this many of the largest among the rest."""

OTHERS_GID = "others"
"""``gid`` of the band that stands for the flows not named (above :data:`MAX_NAMED_FLOWS`)."""

# Okabe & Ito's colour-blind-safe palette for status; late and never also carry a pattern.
ON_TIME = "#0072B2"  # Okabe-Ito blue: in time, on track
AT_RISK = "#E69F00"  # Okabe-Ito orange: at risk
LATE = "#D55E00"  # Okabe-Ito vermilion: late, likely late (with LATE_HATCH on a bar)
LATE_HATCH = "//"  # the second cue for late: white diagonal hatching on a late bar
LATE_HATCH_COLOUR = "white"
LATE_LINESTYLE = "--"  # the burn-up's second cue for a late flow's line
NEVER = "#9E3D76"  # Okabe-Ito reddish purple, darkened to 5.9:1 on white for its labels
NEVER_FILL = "#F2DDEA"  # pale reddish purple under the cross-hatching of a 'never' bar
NEVER_HATCH = "xx"
INPUT_LOW = "#0072B2"  # tornado: an input at its low value (Okabe-Ito blue)
INPUT_HIGH = "#E69F00"  # ... at its high value (Okabe-Ito orange)
OVERALL = "#1B2A41"  # near-black navy
OTHERS = "#8C96A3"  # grey-blue: the band of the flows not named
GO_LIVE = "#222222"
MUTED_TEXT = "#555555"
GRID = "#E3E3E3"
FLOW_PALETTE = (  # Tableau 10 plus two: per-flow colours when there are few flows
    "#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#76B7B2", "#EDC948",
    "#B07AA1", "#FF9DA7", "#9C755F", "#7F7F7F", "#17BECF", "#BCBD22",
)  # fmt: skip

# matplotlib.dates has no type annotations: typed aliases keep mypy --strict checking calls.
_date2num: Callable[[datetime.datetime], float] = mdates.date2num
_dates2num: Callable[[np.ndarray], np.ndarray] = mdates.date2num
_auto_locator: Callable[..., mdates.AutoDateLocator] = mdates.AutoDateLocator
_concise_formatter: Callable[..., mdates.ConciseDateFormatter] = mdates.ConciseDateFormatter

_DASHES = (0, (6, 3))
_MAX_NAMED_UNFINISHED = 5  # label at most this many unfinished flows on the burn-up


# --- shared helpers ---------------------------------------------------------------------------


def _new_figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure on its own Agg canvas (no pyplot), one axes, constrained layout."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _day(value: datetime.date | pd.Timestamp) -> pd.Timestamp:
    """Midnight of a date, datetime or Timestamp, as a naive Timestamp."""
    return pd.Timestamp(value).normalize()


def _num(value: pd.Timestamp) -> float:
    """Matplotlib's date number (days since its epoch) for a Timestamp."""
    return float(_date2num(value.to_pydatetime(warn=False)))  # sub-microsecond: irrelevant


def _day_ends(days: list[Any]) -> list[float]:
    """The date number of the end of each day (``_num(_day(d) + 1 day)``), by one array
    conversion: the same numbers, without a call per day."""
    ends = pd.to_datetime(pd.Series(days)).dt.normalize() + pd.Timedelta(days=1)
    return [float(x) for x in _dates2num(ends.to_numpy(dtype="datetime64[us]"))]


def _lang(t: Translator | None) -> Translator:
    """The charts' language: ``t``, else English (the source language)."""
    return t if t is not None else translator("en")


def _msg(t: Translator, key: str, **values: object) -> str:
    """A chart message (``messages.CHARTS[key]``) in ``t``'s language."""
    return fill(t, CHARTS[key], **values)


def _nmsg(t: Translator, key: str, count: int, **values: object) -> str:
    """A chart message with a count: the form for ``count`` (``%(num)s``)."""
    return nfill(t, CHART_COUNTS[key], count, **values)


def _fmt_day(value: pd.Timestamp, t: Translator, year: bool = True) -> str:
    """``5 Jan 2026`` in ``t``'s language: unambiguous, no leading zero."""
    return t.date(value.date(), "d MMM y" if year else "d MMM")


class _DateFormatter(mdates.ConciseDateFormatter):
    """matplotlib's concise date ticks with the month names in the chart's language."""

    def __init__(self, locator: mdates.AutoDateLocator, t: Translator) -> None:
        super().__init__(locator)  # type: ignore[no-untyped-call]
        english = [datetime.date(2000, m, 1).strftime("%b") for m in range(1, 13)]
        names = [t.date(datetime.date(2000, m, 1), "MMM") for m in range(1, 13)]
        self._months = {e: n for e, n in zip(english, names, strict=True) if e != n}
        self._pattern = (
            re.compile(r"\b(" + "|".join(self._months) + r")\b") if self._months else None
        )

    def _translate(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._months[m.group(1)], text)

    def format_ticks(self, values: Any) -> list[str]:
        return [self._translate(label) for label in super().format_ticks(values)]  # type: ignore[no-untyped-call]

    def get_offset(self) -> str:
        return self._translate(super().get_offset())  # type: ignore[no-untyped-call]


def _fmt_pct(value: float, t: Translator) -> str:
    """A percent (0-100) as the report writes it (``Translator.percent``)."""
    return t.percent(value / 100.0)


def _fmt_late(days: int, t: Translator) -> str:
    return _nmsg(t, "days_late", days) if days < 14 else _nmsg(t, "weeks_late", days // 7)


def _no_data(ax: Axes, title: str, message: str) -> None:
    ax.set_title(title, loc="left", fontweight="bold")
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color=MUTED_TEXT)


def _date_axis(ax: Axes, t: Translator) -> None:
    locator = _auto_locator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(_DateFormatter(locator, t))


def _percent_over_time(ax: Axes, ylabel: str, t: Translator) -> None:
    """A 0-100 % y axis over a date x axis, gridded."""
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0f}%")
    ax.set_ylabel(ylabel)
    ax.grid(color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    _date_axis(ax, t)


def _go_live_line(ax: Axes, go_live: pd.Timestamp, t: Translator) -> None:
    """Dashed vertical go-live line, labelled just above the plot area."""
    x = _num(go_live)
    ax.axvline(x, color=GO_LIVE, linestyle=_DASHES, linewidth=1.6, zorder=4, gid=GO_LIVE_GID)
    ax.annotate(
        _msg(t, "go_live_label", date=_fmt_day(go_live, t)),
        (x, 1.0),
        xycoords=ax.get_xaxis_transform(),
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=9,
        fontweight="bold",
        color=GO_LIVE,
        annotation_clip=False,
    )


def _go_live_handle(go_live: pd.Timestamp, t: Translator) -> Line2D:
    label = _msg(t, "go_live_label", date=_fmt_day(go_live, t))
    return Line2D([], [], color=GO_LIVE, ls=_DASHES, lw=1.6, label=label)


def _titles(ax: Axes, title: str, subtitle: Sequence[str]) -> None:
    """Bold title, a grey subtitle (the headline numbers) under it, room for the go-live label."""
    line_pts = 12.0
    ax.set_title(
        title, loc="left", fontweight="bold", fontsize=12, pad=18 + line_pts * len(subtitle)
    )
    if subtitle:
        ax.annotate(
            "\n".join(subtitle),
            (0.0, 1.0),
            xycoords="axes fraction",
            xytext=(0, 16),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=9.5,
            color=MUTED_TEXT,
            linespacing=1.3,
        )


# --- burn-up -----------------------------------------------------------------------------------


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


def _named(latest: np.ndarray, largest: np.ndarray) -> np.ndarray:
    """Indices (ascending) of the flows drawn by name above :data:`MAX_NAMED_FLOWS`: the
    :data:`NAMED_LATEST` with the largest ``latest`` key (inf for never), then the
    :data:`NAMED_LARGEST` largest by ``largest`` among the rest; ties go to the earlier flow."""
    n = latest.size
    by_end = np.lexsort((np.arange(n), -latest))[:NAMED_LATEST]
    rest = np.setdiff1d(np.arange(n), by_end)
    by_size = rest[np.lexsort((rest, -largest[rest]))[:NAMED_LARGEST]]
    return np.sort(np.concatenate([by_end, by_size]))


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
    flows = [str(name) for name in volumes]
    unknown = sorted({str(f) for f in pd.unique(timeline["flow"])} - set(flows))
    if unknown:
        raise ValueError(
            f"timeline has flows with no volume: {', '.join(unknown)}; "
            "pass every flow's total bytes in `volumes`"
        )

    fig, ax = _new_figure(11.0, 6.2)
    if timeline.empty or not flows:
        _no_data(ax, title, _msg(t, "no_migration_data"))
        return fig

    days, wide = _cumulative_wide(timeline, flows)
    one_day = pd.Timedelta(days=1)
    start, horizon = pd.Timestamp(days[0]), pd.Timestamp(days[-1])
    sim_end = horizon + one_day  # the end of the last simulated day
    # A row's cumulative holds at the end of its day: plot it there, after 0 at the start.
    at = pd.DatetimeIndex([start, *(days + one_day)])
    cum = np.vstack([np.zeros(len(flows)), wide])
    column = {f: i for i, f in enumerate(flows)}
    x = at.to_pydatetime()
    gl = _day(go_live) if go_live is not None else None

    vols = np.array([float(volumes[f]) for f in flows])
    # the records' completion days and statuses, not a second reading of the timeline
    completion = {
        f: None if (day := completed_on.get(f)) is None else pd.Timestamp(day) for f in flows
    }
    status = {
        f: "never" if completion[f] is None else "late" if late.get(f) else "on_time" for f in flows
    }
    status_colour = {"on_time": ON_TIME, "late": LATE, "never": NEVER}

    per_flow_legend = len(flows) <= MAX_LEGEND_FLOWS
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(vols > 0, np.clip(cum / vols * 100.0, 0.0, 100.0), 100.0)
    drawn = list(range(len(flows)))
    others = np.zeros(0, dtype=np.int64)
    if len(flows) > MAX_NAMED_FLOWS:
        # The latest and the largest by name; every other flow in one band (the middle 80 %
        # of their % migrated each day), so the chart does not grow with the flows.
        latest = np.array(
            [np.inf if (day := completion[f]) is None else float(day.toordinal()) for f in flows]
        )
        named = _named(latest, vols)
        drawn = named.tolist()
        others = np.setdiff1d(np.arange(len(flows)), named)
        low, high = np.percentile(pct[:, others], [10.0, 90.0], axis=1)
        ax.fill_between(x, low, high, color=OTHERS, alpha=0.35, lw=0, zorder=2, gid=OTHERS_GID)
    colour_of: dict[str, str] = {}
    for i in drawn:
        f = flows[i]
        if per_flow_legend:
            colour, lw, alpha = FLOW_PALETTE[i % len(FLOW_PALETTE)], 1.4, 0.85
        elif status[f] == "never":
            colour, lw, alpha = NEVER, 1.3, 0.9
        else:
            colour, lw, alpha = status_colour[status[f]], 0.9, 0.5
        colour_of[f] = colour
        style = LATE_LINESTYLE if not per_flow_legend and status[f] == "late" else "-"
        ax.plot(x, pct[:, i], color=colour, lw=lw, alpha=alpha, ls=style, label=f)

    total_volume = float(sum(float(v) for v in volumes.values()))
    if total_volume > 0:
        overall = pd.Series(np.clip(cum.sum(axis=1) / total_volume * 100.0, 0.0, 100.0), index=at)
    else:
        overall = pd.Series(100.0, index=at)
    has_band = band is not None and not band.empty
    if band is not None and has_band:
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
        x,
        overall.to_numpy(),
        color=OVERALL,
        lw=3.4,
        zorder=6,
        label=_msg(t, "overall"),
        gid=OVERALL_GID,
        solid_capstyle="round",
    )

    # x range: start to the last progress (or go-live, if later), not a long flat tail.
    moving = np.flatnonzero(np.diff(cum, axis=0).sum(axis=1) > 0)
    last_progress = pd.Timestamp(at[moving[-1] + 1]) if moving.size else start
    right = max([last_progress, *(d + one_day for d in completion.values() if d is not None)])
    if gl is not None:
        right = max(right, gl)
    if band is not None and has_band:
        # The P10-P90 band is drawn to its end: the day its low edge reaches 100 % (the
        # programme's P90), when that day comes.
        full = np.flatnonzero(band["p10"].to_numpy() >= 1.0)
        if full.size:
            right = max(right, _day(band["date"].iloc[int(full[0])]) + one_day)
    span = max((right - start).days, 1)
    right += pd.Timedelta(days=math.ceil(span * 0.04))
    unfinished = [f for f in flows if completion[f] is None]
    if unfinished:
        right = min(right, sim_end)  # no data past the end of the simulation
    ax.set_xlim(_num(start - pd.Timedelta(days=span * 0.01)), _num(right))
    _date_axis(ax, t)
    ax.set_ylim(-1.0, 101.5)  # 0-100 %, with room for the line width at 0 % and 100 %
    ax.set_yticks(np.arange(0, 101, 20), labels=[f"{v}%" for v in range(0, 101, 20)])
    ax.grid(axis="both", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_ylabel(_msg(t, "data_migrated_pct"))

    # Headline numbers for the subtitle and the in-plot labels.
    subtitle: list[str] = []
    if gl is not None:
        # In time = complete by the end of the day before go-live, i.e. by go-live's midnight.
        if gl <= sim_end or overall.iloc[-1] >= 100.0:
            i = max(int(at.searchsorted(gl, side="right")) - 1, 0)
            at_go_live: float | None = float(overall.iloc[i]) if gl >= start else 0.0
        else:
            at_go_live = None  # go-live is after the end of the simulation
        n_in_time = sum(1 for f in flows if status[f] == "on_time")
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

    if unfinished:
        names = ", ".join(unfinished[:3])
        if len(unfinished) > 3:
            names = _msg(t, "and_more", names=names, n=len(unfinished) - 3)
        overall_share = _fmt_pct(float(overall.iloc[-1]), t)
        subtitle.append(
            _nmsg(
                t,
                "unfinished",
                len(unfinished),
                n=len(flows),
                date=_fmt_day(horizon, t),
                names=names,
                share=overall_share,
            )
        )
        if len(unfinished) <= _MAX_NAMED_UNFINISHED:
            x_end = _num(min(right, sim_end))
            label_y = 101.5
            for f in sorted(unfinished, key=lambda g: -float(pct[-1, column[g]])):
                reached = float(pct[-1, column[f]])
                label_y = min(reached, label_y - 5.0)  # stack labels that would overlap
                moved = np.flatnonzero(np.diff(cum[:, column[f]]) > 0)
                stalled = moved.size == 0 or pd.Timestamp(at[moved[-1] + 1]) < right
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
                    color=NEVER if not per_flow_legend else colour_of[f],
                    zorder=8,
                )
    else:
        last = max(flows, key=lambda f: completion[f] or start)
        last_day = completion[last] or horizon
        subtitle.append(_msg(t, "all_complete", date=_fmt_day(last_day, t), flow=last))
        ax.annotate(
            _msg(t, "all_done", date=_fmt_day(last_day, t), flow=last),
            (_num(last_day + one_day), 100.0),
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
    if others.size:
        subtitle.append(_msg(t, "named_flows", k=len(flows) - others.size, n=len(flows)))
    _titles(ax, title, subtitle)

    # Legend outside the plot on the right, so it never hides a line.
    handles: list[Line2D | Patch] = [
        Line2D([], [], color=OVERALL, lw=3.4, label=_msg(t, "overall"))
    ]
    if has_band:
        handles.append(Patch(facecolor=OVERALL, alpha=0.15, label=_msg(t, "overall_band")))
    if per_flow_legend:
        handles += [line for line in ax.get_lines() if str(line.get_label()) in set(flows)]
    else:
        labels = {
            "on_time": "complete_in_time" if gl is not None else "complete",
            "late": "complete_after",
            "never": "never_complete",
        }
        for s in ("on_time", "late", "never"):
            n = sum(1 for f in flows if status[f] == s)
            if n:
                lw = 1.5 if s == "never" else 1.2
                label = _nmsg(t, labels[s], n)
                style = LATE_LINESTYLE if s == "late" else "-"
                handles.append(Line2D([], [], color=status_colour[s], lw=lw, ls=style,
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
    return fig


# --- Gantt -------------------------------------------------------------------------------------


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
    rows = len(drawn) + (1 if others.size else 0)
    fig, ax = _new_figure(11.0, max(3.0, 0.3 * rows + 1.4))
    if n == 0:
        _no_data(ax, title, _msg(t, "no_flows"))
        return fig

    names = [str(bars["flow"].iloc[i]) for i in drawn]
    gl = _day(go_live) if go_live is not None else None

    known = [pd.Timestamp(v) for v in (starts.min(), ends.min(), starts.max(), ends.max())]
    known = [v for v in known if not pd.isna(v)]
    if gl is not None:
        known.append(gl)
    if not known:
        _no_data(ax, title, _msg(t, "none_start", n=n))
        return fig
    lo, hi = min(known), max(known)
    span = max(hi - lo, pd.Timedelta(days=1))
    edge = hi + span * 0.06  # where 'never' bars stop
    left, right = _num(lo - span * 0.01), _num(edge + span * 0.16)
    edge_x = _num(edge)
    multi_year = lo.year != hi.year
    text_kw: dict[str, Any] = {"va": "center", "fontsize": 8, "clip_on": False, "zorder": 5}
    label_box = {"fc": "white", "ec": "none", "alpha": 0.8, "pad": 0.4}  # over the go-live line

    never = no_start | no_end
    counts = {
        "on_time": int((~never & ~late).sum()),
        "late": int((~never & late).sum()),
        "never": int(never.sum()),
    }
    for y, i in enumerate(drawn.tolist()):
        start, end, is_late = starts.iloc[i], ends.iloc[i], bool(late[i])
        if pd.isna(start):
            ax.text(
                left,
                y,
                " " + _msg(t, "never_starts"),
                color=NEVER,
                fontweight="bold",
                ha="left",
                **text_kw,
            )
            continue
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
            continue
        end_ts = pd.Timestamp(end)
        ex = _num(end_ts)
        colour = LATE if is_late else ON_TIME
        marked_late = is_late
        if statuses is not None and statuses[i] in _STATUS_COLOURS:
            colour = _STATUS_COLOURS[statuses[i]]
            marked_late = statuses[i] == "late"
        ax.barh(
            y, max(ex - sx, 0.0), left=sx, height=0.62, zorder=3, **_bar_style(colour, marked_late)
        )  # fmt: skip
        end_label = _end_label(end_ts, is_late, go_live, multi_year, t, day_of[i])
        ax.text(ex, y, f" {end_label}",
                color=MUTED_TEXT, ha="left", bbox=label_box, **text_kw)  # fmt: skip
    if others.size:
        # One band for the rest: from their first start to their last end (the edge if one
        # never ends), the middle 80 % of their ends darker, labelled as a bar would be.
        y = len(drawn)
        names.append(_nmsg(t, "other_flows", int(others.size)))
        begun = others[~no_start[others]]
        ended = others[~no_end[others]]
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
                    ends.iloc[last], bool(late[last]), go_live, multi_year, t, day_of[last]
                )
                ax.text(ex, y, f" {label}", color=MUTED_TEXT, ha="left", bbox=label_box,
                        **text_kw)  # fmt: skip

    n_rows = rows
    ax.set_yticks(np.arange(n_rows), labels=names)
    ax.tick_params(axis="y", length=0, labelsize=9)
    ax.set_ylim(n_rows - 0.5, -0.5)  # first flow at the top
    ax.set_xlim(left, right)
    _date_axis(ax, t)
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines["left"].set_visible(False)
    if gl is not None:
        _go_live_line(ax, gl, t)
    handles: list[Line2D | Patch] = []
    if statuses is not None and gl is not None:
        note = _msg(t, "gantt_status_note", late=counts["late"], n=n)
        _titles(ax, title, [*textwrap.wrap(note, 100), *_named_note(t, n, others.size)])
        for status in ("ok", "risk", "late"):
            k = statuses.count(status)
            handles.append(Patch(**_bar_style(_STATUS_COLOURS[status], status == "late"),
                                 label=_msg(t, f"legend_status_{status}", n=k)))  # fmt: skip
    else:
        _titles(ax, title, _named_note(t, n, others.size))
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
    return fig


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
    on = pd.Timestamp(day if day is not None else completion_date(end.to_pydatetime()))
    label = _fmt_day(on, t, year=year)
    late_by = days_late(on.date(), go_live)
    if is_late and late_by is not None and late_by > 0:
        label += f"  {_fmt_late(late_by, t)}"
    return label


def _named_note(t: Translator, n: int, others: int) -> list[str]:
    """The subtitle line of a chart that names only some flows (none when it names all)."""
    return [_msg(t, "named_flows", k=n - others, n=n)] if others else []


# --- completion CDF ----------------------------------------------------------------------------


def cdf_figure(
    completions: Sequence[datetime.date | None],
    go_live: datetime.date | None,
    p_dates: Mapping[str, datetime.date | None],
    title: str,
    t: Translator | None = None,
) -> Figure:
    """Cumulative distribution of the programme's completion date over replications.

    Args:
        completions: One completion date per replication (``None`` for never).
        go_live: Go-live date, a dashed vertical line; ``None`` for none.
        p_dates: Dates to mark, e.g. ``{"P50": ..., "P80": ..., "P95": ...}`` (None: never).
        title: Figure title.

    Returns:
        The figure: a step line of the share of replications complete by each date.
    """
    t = _lang(t)
    fig, ax = _new_figure(10.0, 5.2)
    done = sorted(d for d in completions if d is not None)
    n = len(completions)
    if n == 0:
        _no_data(ax, title, _msg(t, "no_replications"))
        return fig
    if done:
        # a completion date is complete at the end of that day
        xs = _day_ends(done)
        ys = np.arange(1, len(done) + 1) / n * 100.0
        ax.step([xs[0], *xs], [0.0, *ys], where="post", color=OVERALL, lw=2.2)
    never = n - len(done)
    subtitle = [_msg(t, "replications", n=n)]
    if never:
        subtitle.append(_msg(t, "never_within", n=never, share=t.percent(never / n)))
    colours = {"P50": "#59A14F", "P80": "#E8743B", "P95": "#C0392B"}
    for label, day in p_dates.items():
        if day is None:
            continue
        x = _day(day) + pd.Timedelta(days=1)
        ax.axvline(_num(x), color=colours.get(label, MUTED_TEXT), lw=1.2, ls=":", zorder=4)
        ax.annotate(
            f"{label} {_fmt_day(_day(day), t)}",
            (_num(x), 2.0),
            xytext=(4, 0),
            textcoords="offset points",
            rotation=90,
            va="bottom",
            fontsize=8.5,
            color=colours.get(label, MUTED_TEXT),
        )
    if go_live is not None:
        gl = _day(go_live)
        _go_live_line(ax, gl, t)
        share = sum(1 for d in done if in_time(d, go_live)) / n
        subtitle.append(_msg(t, "before_go_live", share=t.percent(share)))
    _percent_over_time(ax, _msg(t, "chance_finished_pct"), t)
    _titles(ax, title, ["; ".join(subtitle)])
    if done:
        p95 = _p95_day(list(completions))
        ends = [d for d in (p95 if p95 is not None else done[-1], go_live) if d is not None]
        first = min(d for d in (done[0], go_live) if d is not None)  # go-live stays in view
        _end_axis(ax, _day(first), _day(max(ends)) + pd.Timedelta(days=1))
    return fig


def _p95_day(days: Sequence[datetime.date | None]) -> datetime.date | None:
    """The P95 of completion dates (None: never or no dates): where a completion axis ends."""
    n = len(days)
    if n == 0:
        return None
    ordered = sorted(days, key=lambda d: (d is None, d or datetime.date.min))
    return ordered[quantile_rank(n, 0.95)]


def _end_axis(ax: Axes, first: pd.Timestamp | None, last: pd.Timestamp | None) -> None:
    """The x axis from ``first`` to shortly (4 % of the span) after ``last``."""
    if first is None or last is None or last <= first:
        return
    span = max((last - first).days, 1)
    ax.set_xlim(
        _num(first - pd.Timedelta(days=math.ceil(span * 0.01))),
        _num(last + pd.Timedelta(days=math.ceil(span * 0.04))),
    )


def _end_of_progress(dates: pd.Series, values: np.ndarray) -> pd.Timestamp | None:
    """The end of the day a progress series first reaches 100 % (else its last change)."""
    if not len(values):
        return None
    full = np.flatnonzero(values >= 1.0 - 1e-9)
    if full.size:
        index = int(full[0])
    else:
        changed = np.flatnonzero(np.diff(values) != 0)
        index = int(changed[-1]) + 1 if changed.size else len(values) - 1
    return _day(dates.iloc[index]) + pd.Timedelta(days=1)


# --- comparisons -------------------------------------------------------------------------------

SCENARIO_COLOURS = ("#1B2A41", "#E8743B", "#4C78A8", "#59A14F", "#B07AA1", "#9C755F")


def overlay_cdf_figure(
    series: Mapping[str, Sequence[datetime.date | None]],
    go_live: datetime.date | None,
    title: str,
    t: Translator | None = None,
) -> Figure:
    """Programme completion CDFs of several scenarios on one axes.

    Args:
        series: Scenario label -> one completion date per replication (None for never).
        go_live: Go-live date, a dashed vertical line; None for none.
        title: Figure title.
    """
    t = _lang(t)
    fig, ax = _new_figure(10.0, 5.2)
    subtitle = []
    for i, (label, days) in enumerate(series.items()):
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        done = sorted(d for d in days if d is not None)
        n = len(days)
        if not n:
            continue
        if done:
            xs = _day_ends(done)
            ys = np.arange(1, len(done) + 1) / n * 100.0
            ax.step([xs[0], *xs], [0.0, *ys], where="post", color=colour, lw=2.2, label=label)
        if go_live is not None:
            share = sum(1 for d in done if in_time(d, go_live)) / n
            subtitle.append(_msg(t, "scenario_before_go_live", label=label, share=t.percent(share)))
    if go_live is not None:
        _go_live_line(ax, _day(go_live), t)
    _percent_over_time(ax, _msg(t, "chance_finished_pct"), t)
    ax.legend(loc="lower right", frameon=False, fontsize=9)
    _titles(ax, title, ["; ".join(subtitle)] if subtitle else [])
    finished = [d for days in series.values() for d in days if d is not None]
    if finished:
        p95s = [_p95_day(list(days)) for days in series.values()]
        ends = [d if d is not None else max(finished) for d in p95s]
        if go_live is not None:
            ends.append(go_live)
        first = min([*finished, *([go_live] if go_live is not None else [])])
        _end_axis(ax, _day(first), _day(max(ends)) + pd.Timedelta(days=1))
    return fig


def overlay_burnup_figure(
    lines: Mapping[str, pd.DataFrame],
    bands: Mapping[str, pd.DataFrame],
    go_live: datetime.date | None,
    title: str,
    t: Translator | None = None,
) -> Figure:
    """Overall % migrated of several scenarios on one axes.

    Args:
        lines: Scenario label -> columns ``date`` and ``fraction`` (0-1, baseline run, at the
            end of each day).
        bands: Scenario label -> columns ``date``, ``p10``, ``p90`` (optional per scenario).
        go_live: Go-live date, a dashed vertical line; None for none.
        title: Figure title.
    """
    t = _lang(t)
    fig, ax = _new_figure(10.0, 5.6)
    one_day = pd.Timedelta(days=1)
    for i, (label, frame) in enumerate(lines.items()):
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        xs = [_num(_day(d) + one_day) for d in frame["date"]]
        ax.plot(xs, frame["fraction"].to_numpy() * 100.0, color=colour, lw=2.4, label=label)
        band = bands.get(label)
        if band is not None and not band.empty:
            bx = [_num(_day(d) + one_day) for d in band["date"]]
            ax.fill_between(
                bx, band["p10"].to_numpy() * 100.0, band["p90"].to_numpy() * 100.0,
                color=colour, alpha=0.12, lw=0,
            )  # fmt: skip
    if go_live is not None:
        _go_live_line(ax, _day(go_live), t)
    _percent_over_time(ax, _msg(t, "data_migrated_pct"), t)
    ax.legend(loc="lower right", frameon=False, fontsize=9)
    _titles(ax, title, [_msg(t, "lines_band")])
    # The axis ends shortly after the last scenario's line or band reaches 100 % (band: its
    # P90), not at the horizon the frames run to.
    ends, starts = [], []
    for label, frame in lines.items():
        if frame.empty:
            continue
        starts.append(_day(frame["date"].iloc[0]))
        ends.append(_end_of_progress(frame["date"], frame["fraction"].to_numpy()))
        band = bands.get(label)
        if band is not None and not band.empty:
            ends.append(_end_of_progress(band["date"], band["p10"].to_numpy()))
    known = [e for e in ends if e is not None]
    if go_live is not None:
        known.append(_day(go_live))
    if starts and known:
        _end_axis(ax, min(starts), max(known))
    return fig


# --- sweeps ------------------------------------------------------------------------------------


def sweep_line_figure(
    points: Sequence[SweepPoint],
    key: str,
    title: str,
    t: Translator | None = None,
    axes: Mapping[str, SweptAxis] | None = None,
    note: str | None = None,
) -> Figure:
    """One swept key: programme P80 (left axis) and chance of go-live (right) per value, and
    each point's own go-live (a dashed line; a dash across each point's slot when the points'
    go-lives differ, e.g. a swept go-live).

    Args:
        points: The sweep's points in grid order (``analysis.records.SweepPoint``).
        key: The swept key.
        title: Figure title.
        axes: The key's axis in words and units (``render.board.swept_axis``); else the key.
        note: The sweep's answer, under the title (a P80 meeting its target is ticked).
    """
    t = _lang(t)
    fig, ax = _new_figure(10.0, 5.0)
    axis = (axes or {}).get(key)
    labels = [str(p.values[key]) for p in points]
    xs = np.arange(len(labels))
    p80 = [None if p.p80 is None else _day(p.p80) for p in points]
    finite = [(x, d) for x, d in zip(xs, p80, strict=True) if d is not None]
    if finite:
        ax.plot([x for x, _ in finite], [_num(d) for _, d in finite], "o-", color=OVERALL,
                lw=2.2, label=_msg(t, "p80_completion"))  # fmt: skip
    for x, d, point in zip(xs, p80, points, strict=True):
        if d is None:
            never = _msg(t, "never")
            ax.annotate(never, (x, 0.02), xycoords=("data", "axes fraction"), ha="center",
                        color=NEVER, fontsize=9, fontweight="bold")  # fmt: skip
        elif point.meets:
            ax.annotate(MEETS_MARK, (x, _num(d)), xytext=(0, -9), textcoords="offset points",
                        ha="center", va="top", fontsize=12, fontweight="bold",
                        color=OVERALL)  # fmt: skip
    ax.yaxis_date()
    ax.set_xticks(xs, labels=[axis.ticks.get(v, v) for v in labels] if axis else labels)
    ax.set_xlabel(axis.label if axis else key)
    ax.set_ylabel(_msg(t, "programme_p80"))
    _sweep_go_lives(ax, [p.go_live for p in points], _msg(t, "go_live"))
    probs = [np.nan if p.chance is None else p.chance for p in points]
    if not all(np.isnan(probs)):
        twin = ax.twinx()
        twin.plot(xs, np.array(probs) * 100.0, "s--", color=LATE, lw=1.6,
                  label=_msg(t, "chance_of_go_live"))  # fmt: skip
        twin.set_ylim(0, 100)
        twin.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0f}%")
        twin.set_ylabel(_msg(t, "chance_of_making_go_live"), color=LATE)
    ax.grid(color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    _titles(ax, title, textwrap.wrap(_ticked(note, points), 110) if note else [])
    return fig


def _ticked(note: str, points: Sequence[SweepPoint]) -> str:
    """The sweep's answer led by the tick its points carry when any meets its target."""
    return f"{MEETS_MARK} {note}" if any(p.meets for p in points) else note


def _sweep_go_lives(ax: Axes, go_lives: Sequence[datetime.date | None], label: str) -> None:
    """Each point's own go-live on the P80 axis (points at x = 0, 1, ...): one dashed line when
    they share it, else a dash at each point's go-live across its slot (none where a point has
    no go-live)."""
    known = [g for g in go_lives if g is not None]
    if not known:
        return
    style: dict[str, Any] = {"color": GO_LIVE, "ls": (0, (6, 3)), "lw": 1.4, "gid": GO_LIVE_GID}
    if len(set(go_lives)) == 1:
        level = _num(_day(known[0]))
        ax.axhline(level, **style)
    else:  # one dash across each point's slot (x - 0.4 to x + 0.4), gaps between
        ys = [np.nan if g is None else _num(_day(g)) for g in go_lives]
        dash_x = [v for x in range(len(ys)) for v in (x - 0.4, x + 0.4, np.nan)]
        dash_y = [v for y in ys for v in (y, y, np.nan)]
        ax.plot(dash_x, dash_y, **style)
        level = next(y for y in ys if not np.isnan(y))
    ax.annotate(label, (0.0, level), xycoords=("axes fraction", "data"), xytext=(4, 4),
                textcoords="offset points", fontsize=9, color=GO_LIVE)  # fmt: skip


BLACK = "#000000"
WHITE = "#FFFFFF"
MEETS_MARK = "\u2713"  # a tick: the sweep point meets its target


def relative_luminance(colour: Any) -> float:
    """WCAG 2 relative luminance (0 black to 1 white) of a matplotlib colour."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: Any, second: Any) -> float:
    """WCAG 2 contrast ratio of two colours, 1 (none) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour(background: Any) -> str:
    """Black or white, whichever contrasts more with ``background``: at least 4.58:1 on any
    colour (WCAG AA asks 4.5:1 for text)."""
    on_black, on_white = contrast_ratio(background, BLACK), contrast_ratio(background, WHITE)
    return BLACK if on_black >= on_white else WHITE


def sweep_heatmap_figure(
    points: Sequence[SweepPoint],
    key_x: str,
    key_y: str,
    title: str,
    t: Translator | None = None,
    axes: Mapping[str, SweptAxis] | None = None,
    note: str | None = None,
) -> Figure:
    """Two swept keys: the chance of making go-live (each point's own) as a heatmap, each cell
    labelled in black or white, whichever reads on its colour (:func:`text_colour`), and
    ticked when the point meets its target (its P80 before its own go-live by default).

    Args:
        points: The sweep's points (``analysis.records.SweepPoint``), one per combination.
        key_x, key_y: The swept keys (x and y axes).
        title: Figure title.
        axes: Each key's axis in words and units (``render.board.swept_axis``); else the key.
        note: The sweep's answer, under the title (it counts the ticked cells).
    """
    t = _lang(t)
    xs = list(dict.fromkeys(str(p.values[key_x]) for p in points))
    ys = list(dict.fromkeys(str(p.values[key_y]) for p in points))
    width = max(6.0, 1.2 * len(xs) + 3)
    fig, ax = _new_figure(width, max(4.0, 0.7 * len(ys) + 2))
    grid = np.full((len(ys), len(xs)), np.nan)
    labels = {}
    for point in points:
        i, j = ys.index(str(point.values[key_y])), xs.index(str(point.values[key_x]))
        grid[i, j] = np.nan if point.chance is None else point.chance
        chance = "" if point.chance is None else t.percent(point.chance)
        p80 = _msg(t, "never") if point.p80 is None else point.p80.isoformat()
        mark = f"{MEETS_MARK} " if point.meets else ""
        labels[(i, j)] = f"{mark}{chance}\nP80 {p80}"
    image = ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto", origin="lower")
    for (i, j), text in labels.items():
        value = grid[i, j]
        cell = ax.get_facecolor() if np.isnan(value) else image.cmap(image.norm(value))
        ax.text(j, i, text, ha="center", va="center", fontsize=8, color=text_colour(cell))
    x_axis, y_axis = (axes or {}).get(key_x), (axes or {}).get(key_y)
    ax.set_xticks(range(len(xs)), labels=[x_axis.ticks.get(v, v) for v in xs] if x_axis else xs)
    ax.set_yticks(range(len(ys)), labels=[y_axis.ticks.get(v, v) for v in ys] if y_axis else ys)
    ax.set_xlabel(x_axis.label if x_axis else key_x)
    ax.set_ylabel(y_axis.label if y_axis else key_y)
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(_msg(t, "chance_of_making_go_live"))
    fits = max(40, int((width - 2.5) / 0.08))  # characters of the note that fit over the cells
    _titles(ax, title, textwrap.wrap(_ticked(note, points), fits) if note else [])
    return fig


# --- sensitivity -------------------------------------------------------------------------------


def tornado_figure(
    table: pd.DataFrame,
    title: str,
    top: int = 10,
    t: Translator | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Tornado chart: how many days each input moves the programme, low to high.

    Args:
        table: One row per input, largest swing first: ``input``, ``change_low_days`` and
            ``change_high_days`` (days against the baseline; positive = later).
        title: Figure title.
        top: How many inputs to show.
        labels: Each input's label in words (``render.board.driver_label``); else its key.
    """
    t = _lang(t)
    rows = table.head(top)
    n = len(rows)
    fig, ax = _new_figure(10.0, max(3.0, 0.38 * n + 1.6))
    if n == 0:
        _no_data(ax, title, _msg(t, "no_inputs"))
        return fig
    ys = np.arange(n)
    low = rows["change_low_days"].to_numpy(dtype=float)
    high = rows["change_high_days"].to_numpy(dtype=float)
    ax.barh(ys, low, color=INPUT_LOW, height=0.6, label=_msg(t, "input_low"))
    ax.barh(ys, high, color=INPUT_HIGH, height=0.6, label=_msg(t, "input_high"))
    ax.axvline(0, color=GO_LIVE, lw=1.0)
    names = [str(v) for v in rows["input"]]
    shown = [textwrap.fill((labels or {}).get(v, v), 48) for v in names]
    ax.set_yticks(ys, labels=shown)
    title = "\n".join(textwrap.fill(line, 70) for line in title.splitlines())
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlabel(_msg(t, "change_days"))
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.legend(loc="lower right", frameon=False, fontsize=9)
    _titles(ax, title, [_msg(t, "swung")])
    return fig
