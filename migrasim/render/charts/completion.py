"""The completion CDF: the share of replications complete by each date."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from migrasim.core.rules import in_time, quantile_rank
from migrasim.render.charts.style import (
    MUTED_TEXT,
    OVERALL,
    _day,
    _day_ends,
    _fmt_day,
    _go_live_line,
    _lang,
    _msg,
    _new_figure,
    _no_data,
    _num,
    _percent_over_time,
    _titles,
)
from migrasim.render.i18n import Translator


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
