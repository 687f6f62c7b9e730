"""Sweep charts: one swept key as a line (P80 and chance of go-live), two as a heatmap."""

from __future__ import annotations

import datetime
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from migrasim.analysis.records import SweepPoint
from migrasim.render.charts.style import (
    GO_LIVE,
    GO_LIVE_GID,
    GRID,
    LATE,
    NEVER,
    OVERALL,
    _day,
    _lang,
    _msg,
    _new_figure,
    _num,
    _titles,
    text_colour,
)
from migrasim.render.i18n import Translator

if TYPE_CHECKING:
    from migrasim.render.board import SweptAxis

MEETS_MARK = "\u2713"  # a tick: the sweep point meets its target


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
