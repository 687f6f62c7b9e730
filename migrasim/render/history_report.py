"""The forecast history in the track report: the P80 trend over as-of dates (a table and a
chart) and what moved the date since the previous forecast (a table and a waterfall chart).

Records in (``scenario.history_file.Forecast``, ``analysis.history.Waterfall``), typed tables
and matplotlib figures out; the words are catalogue messages."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from migrasim.analysis.history import EDITS, RESTATED, Waterfall
from migrasim.core import tracking
from migrasim.errors import N_
from migrasim.render.charts.style import (
    GO_LIVE,
    GRID,
    LATE,
    MUTED_TEXT,
    ON_TIME,
    OVERALL,
    _date_axis,
    _fmt_day,
    _new_figure,
    _num,
    _titles,
)
from migrasim.render.i18n import Translator, fill, nfill, translator
from migrasim.render.inputs import NEVER, ExtraTable, Value
from migrasim.render.messages import CHART_COUNTS, CHARTS
from migrasim.scenario.history_file import Forecast

EARLIER = "#009E73"  # Okabe-Ito bluish green: a part that brought the date earlier
BAND = "#9ECAE9"  # a pale Okabe-Ito blue: the P50-P95 band

PART_LABELS = {
    RESTATED: N_("previous forecast restated (log rows edited, another seed or replications)"),
    **{part.name: part.label for part in tracking.PARTS},  # the parts the kinds are counted in
    EDITS: N_("scenario edits"),
}  # fmt: skip
"""The waterfall's parts in words."""


def _day(value: date | None) -> Value:
    return NEVER if value is None else value


def trend(forecasts: Sequence[Forecast]) -> list[Forecast]:
    """The forecasts by as-of date (file order within a date): the trend's rows."""
    return sorted(forecasts, key=lambda f: (f.as_of, f.row == 0, f.row))


def trend_table(forecasts: Sequence[Forecast]) -> ExtraTable:
    """Every forecast in the history (the new one last of its date): as-of date, P50, P80,
    P95, chance by go-live and the P80's move from the forecast before."""
    rows = []
    before: date | None = None
    first = True
    for f in trend(forecasts):
        move = None if first or before is None or f.p80 is None else (f.p80 - before).days
        rows.append((f.as_of, _day(f.p50), _day(f.p80), _day(f.p95), f.chance, move))
        before, first = f.p80, False
    columns = ("as_of", "p50", "p80", "p95", "prob_by_go_live", "p80_move_days")
    return ExtraTable("forecast_history", columns, tuple(rows))


def waterfall_table(
    waterfall: Waterfall | None, history: str, first: bool = True, as_of: date | None = None
) -> ExtraTable:
    """The change in the programme P80 since the previous forecast, part by part (a part
    whose change is zero is listed too: it is a finding), or why there is none (``first``:
    the history held no forecast; else none as of ``as_of`` or earlier)."""
    columns = ("part", "p80", "days")
    if waterfall is None:
        note = N_("no earlier forecast in %(file)s to compare with: this is its first, so "
                  "there is no waterfall yet", file=history)  # fmt: skip
        if not first:
            note = N_("no forecast in %(file)s is as of %(date)s or earlier, so there is no "
                      "waterfall", file=history, date=str(as_of))  # fmt: skip
        return ExtraTable("what_moved", columns, ((note, None, None),))
    rows: list[tuple[Value, ...]] = [
        (N_("forecast of %(date)s, as recorded", date=waterfall.previous_as_of.isoformat()),
         _day(waterfall.recorded_p80), None)
    ]  # fmt: skip
    for step in waterfall.steps:
        if step.part == RESTATED and step.days == 0:
            continue
        rows.append((PART_LABELS[step.part], _day(step.p80), step.days))
    rows.append(
        (N_("this forecast (as of %(date)s): total change", date=waterfall.as_of.isoformat()),
         _day(waterfall.p80), waterfall.total_days)
    )  # fmt: skip
    return ExtraTable("what_moved", columns, tuple(rows))


def waterfall_frame(waterfall: Waterfall) -> pd.DataFrame:
    """forecast_waterfall.csv: one row per step, English code names (``previous``, the parts
    in order, ``total``), the P80 after it (``never``) and its change in days."""

    def day(value: date | None) -> str:
        return "never" if value is None else value.isoformat()

    def days(value: int | None) -> str | int:
        return "" if value is None else value

    first = {"part": "previous", "as_of": waterfall.previous_as_of.isoformat(),
             "p80": day(waterfall.recorded_p80), "days": ""}  # fmt: skip
    rows: list[dict[str, str | int]] = [dict(first)]
    rows += [{"part": s.part, "as_of": "", "p80": day(s.p80), "days": days(s.days)}
             for s in waterfall.steps]  # fmt: skip
    rows.append({"part": "total", "as_of": waterfall.as_of.isoformat(),
                 "p80": day(waterfall.p80), "days": days(waterfall.total_days)})  # fmt: skip
    return pd.DataFrame(rows, columns=["part", "as_of", "p80", "days"])


# --- charts ------------------------------------------------------------------------------------


def _msg(t: Translator, key: str, **values: object) -> str:
    return fill(t, CHARTS[key], **values)


def _days_text(t: Translator, days: int) -> str:
    """A change in days in words: "+3 days" (later), "-2 days" (earlier), "no change"."""
    if days == 0:
        return _msg(t, "history_no_change")
    key = "history_days_later" if days > 0 else "history_days_earlier"
    return nfill(t, CHART_COUNTS[key], abs(days))


def trend_figure(
    forecasts: Sequence[Forecast], go_live: date | None, title: str, t: Translator | None = None
) -> Figure:
    """The programme P80 at each as-of date (the last forecast of a date), with the P50-P95
    band and the go-live date as a horizontal line; a forecast that never finishes is a
    marked gap."""
    t = t if t is not None else translator("en")
    fig, ax = _new_figure(10, 4.8)
    last: dict[date, Forecast] = {}
    for f in trend(forecasts):
        last[f.as_of] = f
    points = list(last.values())
    x = [_num(pd.Timestamp(f.as_of)) for f in points]

    def ys(values: Sequence[date | None]) -> list[float]:
        return [math.nan if v is None else _num(pd.Timestamp(v)) for v in values]

    p50, p80, p95 = (ys([getattr(f, q) for f in points]) for q in ("p50", "p80", "p95"))
    ax.fill_between(x, p50, p95, color=BAND, alpha=0.6, label=_msg(t, "history_band"))
    ax.plot(x, p80, color=ON_TIME, marker="o", linewidth=2.0, label=_msg(t, "history_p80"))
    for f, when, y in zip(points, x, p80, strict=True):
        if f.p80 is not None:
            ax.annotate(_fmt_day(pd.Timestamp(f.p80), t), (when, y), xytext=(0, 7),
                        textcoords="offset points", ha="center", fontsize=8,
                        color=OVERALL)  # fmt: skip
        else:
            ax.annotate(_msg(t, "history_never"), (when, 0.02),
                        xycoords=("data", "axes fraction"), ha="center", fontsize=8,
                        color=MUTED_TEXT)  # fmt: skip
    if go_live is not None:
        label = _msg(t, "go_live_label", date=_fmt_day(pd.Timestamp(go_live), t))
        ax.axhline(_num(pd.Timestamp(go_live)), color=GO_LIVE, linestyle=(0, (6, 3)),
                   linewidth=1.4, label=label)  # fmt: skip
    if len(points) == 1:
        ax.set_xlim(x[0] - 7.0, x[0] + 7.0)
    ax.grid(color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_xlabel(_msg(t, "history_xlabel"))
    ax.set_ylabel(_msg(t, "history_ylabel"))
    _date_axis(ax, t)
    ax.yaxis_date()
    ax.legend(loc="upper left", fontsize=8)
    _titles(ax, title, textwrap.wrap(_msg(t, "history_note", n=len(points)), 110))
    return fig


def waterfall_figure(waterfall: Waterfall, title: str, t: Translator | None = None) -> Figure:
    """Horizontal bars from the previous P80 (0) to the new one: each part a floating bar
    from the running total (vermilion: later; green: earlier), labelled in words, then the
    total. Parts that went through "never" are listed without a bar."""
    t = t if t is not None else translator("en")
    steps = [s for s in waterfall.steps if not (s.part == RESTATED and s.days == 0)]
    labels = [fill(t, PART_LABELS[s.part]) for s in steps] + [_msg(t, "history_total")]
    labels = [textwrap.fill(label, 34) for label in labels]
    fig, ax = _new_figure(10, 1.6 + 0.55 * len(labels))
    running = 0
    broken = False
    for i, step in enumerate(steps):
        if step.days is None or broken:
            broken = True
            ax.text(0, i, _msg(t, "history_never"), va="center", ha="left", fontsize=9,
                    color=MUTED_TEXT)  # fmt: skip
            continue
        colour = LATE if step.days > 0 else EARLIER
        ax.barh(i, step.days, left=running, color=colour, height=0.6)
        if step.days == 0:
            ax.plot([running], [i], marker="|", color=MUTED_TEXT, markersize=14)
        end = running + step.days
        ax.annotate(_days_text(t, step.days), (max(running, end), i), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=9, color=OVERALL)  # fmt: skip
        running = end
    total = waterfall.total_days
    i = len(steps)
    if total is not None and not broken:
        ax.barh(i, total, left=0, color=OVERALL, height=0.6)
        ax.annotate(_days_text(t, total), (max(0, total), i), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=9, fontweight="bold",
                    color=OVERALL)  # fmt: skip
    else:
        ax.text(0, i, _msg(t, "history_never"), va="center", ha="left", fontsize=9,
                color=MUTED_TEXT)  # fmt: skip
    ax.axvline(0, color=GO_LIVE, linewidth=1.0)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(_msg(t, "history_days_axis"))
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    lo, hi = ax.get_xlim()
    span = max(hi - lo, 4.0)
    ax.set_xlim(min(lo, -1.0) - 0.05 * span, max(hi, 1.0) + 0.25 * span)
    previous = waterfall.recorded_p80

    def day(value: date | None) -> str:
        return _msg(t, "history_never") if value is None else _fmt_day(pd.Timestamp(value), t)

    note = _msg(t, "history_waterfall_note", before=day(previous), after=day(waterfall.p80))
    _titles(ax, title, textwrap.wrap(note, 110))
    return fig


def history_lines(kept: Any, t: Translator) -> str:
    """The terminal's lines for ``track --history`` (``pipelines.track_history.TrackHistory``):
    the waterfall in one line (or that this is the first forecast) and the row appended."""
    from migrasim.render.terminal import term

    never = term(t, "never_short")

    def signed(days: int | None) -> str:
        return never if days is None else term(t, "days_short", days=f"{days:+d}")

    waterfall = kept.waterfall
    if waterfall is None and len(kept.forecasts) > 1:
        date = kept.forecast.as_of
        lines = [term(t, "history_none_earlier", file=kept.file, date=date)]
    elif waterfall is None:
        lines = [term(t, "history_first", file=kept.file)]
    else:
        parts = [
            term(t, "history_part", part=fill(t, PART_LABELS[s.part]), days=signed(s.days))
            for s in waterfall.steps
            if not (s.part == RESTATED and s.days == 0)
        ]
        lines = [term(t, "history_moved", date=waterfall.previous_as_of,
                      total=signed(waterfall.total_days), parts="; ".join(parts))]  # fmt: skip
    lines.append(term(t, "history_appended", file=kept.file, row=kept.row))
    return "\n".join(lines)
