"""Figures for a programme manager: burn-up, Gantt, completion CDF, comparisons, sweeps and
the tornado.

The charts live one per module in :mod:`migrasim.render.charts` (``burnup``, ``gantt``,
``completion``, ``compare``, ``sweep``, ``tornado``; the shared look in ``style``); this
module gathers their public names, so callers import them from one place. Every function
returns a :class:`matplotlib.figure.Figure` on its own Agg canvas, built without pyplot; the
caller saves it. As in :func:`migrasim.core.rules.in_time`, a flow is in time if it completes
by the day before go-live.
"""

from __future__ import annotations

from migrasim.render.charts.burnup import (
    burnup_figure,
)
from migrasim.render.charts.compare import (
    SCENARIO_COLOURS,
    overlay_burnup_figure,
    overlay_cdf_figure,
)
from migrasim.render.charts.completion import (
    cdf_figure,
)
from migrasim.render.charts.gantt import (
    gantt_figure,
)
from migrasim.render.charts.style import (
    AT_RISK,
    BAND_GID,
    BLACK,
    FLOW_PALETTE,
    GO_LIVE,
    GO_LIVE_GID,
    GRID,
    INPUT_HIGH,
    INPUT_LOW,
    LATE,
    LATE_HATCH,
    LATE_HATCH_COLOUR,
    LATE_LINESTYLE,
    MAX_LEGEND_FLOWS,
    MAX_NAMED_FLOWS,
    MUTED_TEXT,
    NAMED_LARGEST,
    NAMED_LATEST,
    NEVER,
    NEVER_FILL,
    NEVER_HATCH,
    ON_TIME,
    OTHERS,
    OTHERS_GID,
    OVERALL,
    OVERALL_GID,
    WHITE,
    contrast_ratio,
    relative_luminance,
    text_colour,
)
from migrasim.render.charts.sweep import (
    MEETS_MARK,
    sweep_heatmap_figure,
    sweep_line_figure,
)
from migrasim.render.charts.tornado import (
    tornado_figure,
)

__all__ = [
    "AT_RISK",
    "BAND_GID",
    "BLACK",
    "FLOW_PALETTE",
    "GO_LIVE",
    "GO_LIVE_GID",
    "GRID",
    "INPUT_HIGH",
    "INPUT_LOW",
    "LATE",
    "LATE_HATCH",
    "LATE_HATCH_COLOUR",
    "LATE_LINESTYLE",
    "MAX_LEGEND_FLOWS",
    "MAX_NAMED_FLOWS",
    "MEETS_MARK",
    "MUTED_TEXT",
    "NAMED_LARGEST",
    "NAMED_LATEST",
    "NEVER",
    "NEVER_FILL",
    "NEVER_HATCH",
    "ON_TIME",
    "OTHERS",
    "OTHERS_GID",
    "OVERALL",
    "OVERALL_GID",
    "SCENARIO_COLOURS",
    "WHITE",
    "burnup_figure",
    "cdf_figure",
    "contrast_ratio",
    "gantt_figure",
    "overlay_burnup_figure",
    "overlay_cdf_figure",
    "relative_luminance",
    "sweep_heatmap_figure",
    "sweep_line_figure",
    "text_colour",
    "tornado_figure",
]
