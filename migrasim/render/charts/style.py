"""The charts' shared look: the colour-blind-safe palette, the ``gid`` names callers and tests
find elements by, and the helpers every chart uses (a figure on its own Agg canvas, dates,
titles, the go-live line, the flows named on a crowded chart, text contrast).

Okabe & Ito's colours: blue finishes in time for go-live (on track), orange is at risk,
vermilion finishes late (likely late), with a second cue that does not rely on colour (white
hatching on a Gantt bar, a dashed line on the burn-up), and purple, cross-hatched, never
finishes within the simulated horizon.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from migrasim.render.i18n import Translator, fill, nfill, translator
from migrasim.render.messages import CHART_COUNTS, CHARTS

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


def _named(latest: np.ndarray, largest: np.ndarray) -> np.ndarray:
    """Indices (ascending) of the flows drawn by name above :data:`MAX_NAMED_FLOWS`: the
    :data:`NAMED_LATEST` with the largest ``latest`` key (inf for never), then the
    :data:`NAMED_LARGEST` largest by ``largest`` among the rest; ties go to the earlier flow."""
    n = latest.size
    by_end = np.lexsort((np.arange(n), -latest))[:NAMED_LATEST]
    rest = np.setdiff1d(np.arange(n), by_end)
    by_size = rest[np.lexsort((rest, -largest[rest]))[:NAMED_LARGEST]]
    return np.sort(np.concatenate([by_end, by_size]))


# --- text on a colour ---------------------------------------------------------------------------


BLACK = "#000000"
WHITE = "#FFFFFF"


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
