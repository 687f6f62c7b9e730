"""The tornado chart: how many days each input moves the programme, low to high."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from migrasim.render.charts.style import (
    GO_LIVE,
    GRID,
    INPUT_HIGH,
    INPUT_LOW,
    _lang,
    _msg,
    _new_figure,
    _no_data,
    _titles,
)
from migrasim.render.i18n import Translator


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
