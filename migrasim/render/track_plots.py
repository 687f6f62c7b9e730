"""The track burn-up: actuals as a solid line, the plan's band, and the re-forecast band from
the as-of date. Reuses the chart helpers of :mod:`migrasim.render.charts.style` (read-only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
from matplotlib.figure import Figure

from migrasim.analysis.records import BandDay
from migrasim.render.charts.style import _date_axis, _go_live_line, _msg, _new_figure, _titles
from migrasim.render.i18n import Translator, translator


def track_burnup_figure(
    actual: Sequence[tuple[date, float]],
    plan_band: Sequence[BandDay] | None,
    plan_total: float,
    forecast_band: Sequence[BandDay] | None,
    delivered: float,
    remaining: float,
    go_live: date | None,
    title: str,
    t: Translator | None = None,
) -> Figure:
    """Terabytes across over time. ``actual``: (day, cumulative bytes) from the log; the plan's
    band is its progress fraction x ``plan_total``; the re-forecast's is ``delivered`` plus its
    progress fraction x ``remaining`` (most likely totals, so the bands are approximate)."""
    t = t if t is not None else translator("en")
    fig, ax = _new_figure(10, 5.5)
    tb = 1e12
    plan_band = _until_done(plan_band)
    forecast_band = _until_done(forecast_band)
    if plan_band:
        days = pd.to_datetime([b.day for b in plan_band])
        ax.fill_between(days, [b.p10 * plan_total / tb for b in plan_band],
                        [b.p90 * plan_total / tb for b in plan_band], color="#9bb7d4",
                        alpha=0.45, label=_msg(t, "track_plan_band"))  # fmt: skip
        ax.plot(days, [b.p50 * plan_total / tb for b in plan_band], color="#4a78a8",
                linestyle="--", linewidth=1.2, label=_msg(t, "track_plan_p50"))  # fmt: skip
    if forecast_band:
        days = pd.to_datetime([b.day for b in forecast_band])
        low = [(delivered + b.p10 * remaining) / tb for b in forecast_band]
        high = [(delivered + b.p90 * remaining) / tb for b in forecast_band]
        mid = [(delivered + b.p50 * remaining) / tb for b in forecast_band]
        ax.fill_between(
            days, low, high, color="#f2b27a", alpha=0.5, label=_msg(t, "track_forecast_band")
        )
        ax.plot(days, mid, color="#c8671b", linestyle="--", linewidth=1.2,
                label=_msg(t, "track_forecast_p50"))  # fmt: skip
    if actual:
        ax.plot(pd.to_datetime([d for d, _ in actual]), [v / tb for _, v in actual],
                color="black", linewidth=2.2, label=_msg(t, "track_actual"))  # fmt: skip
    if go_live is not None:
        _go_live_line(ax, pd.Timestamp(go_live), t)
    ax.set_ylabel(_msg(t, "track_ylabel"))
    ax.set_ylim(bottom=0)
    _date_axis(ax, t)
    ax.legend(loc="upper left", fontsize=8)
    _titles(ax, title, [_msg(t, "track_note")])
    return fig


def _until_done(band: Sequence[BandDay] | None) -> Sequence[BandDay] | None:
    """The band up to a month after its P10 reaches 100 % (the rest is a flat line)."""
    if not band:
        return band
    done = next((i for i, b in enumerate(band) if b.p10 >= 1.0), len(band) - 1)
    return band[: done + 31]
