"""Comparisons: several scenarios' completion CDFs, or overall % migrated, on one axes."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from migrasim.core.rules import in_time
from migrasim.render.charts.completion import (
    _end_axis,
    _end_of_progress,
    _p95_day,
)
from migrasim.render.charts.style import (
    _day,
    _day_ends,
    _go_live_line,
    _lang,
    _msg,
    _new_figure,
    _num,
    _percent_over_time,
    _titles,
)
from migrasim.render.i18n import Translator

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
