"""The report page's view model, built from the run's records: :func:`page_view` turns a
:class:`~migrasim.render.inputs.ReportInputs` into a :class:`~migrasim.render.html.PageView`
(dates, percentages and sizes formatted in the page's language); the template
(``templates/report.html.j2``) lays it out. Nothing here parses text or writes HTML.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import cast

from migrasim.analysis.compare import CompareRow, Interval
from migrasim.core.rules import in_time
from migrasim.render.board import (
    assumption_notes,
    binding_words,
    capacity_lines,
    drivers,
    movers_notes,
    top_organisations,
    what_if_text,
)
from migrasim.render.headlines import Headline, advice_text, row_name, verdict
from migrasim.render.html import (
    Cell,
    ComparisonRow,
    DriverRow,
    FigureView,
    HeadlineView,
    OrganisationRow,
    PageView,
    PrecisionView,
    TableView,
    TopRow,
    TrackView,
    Verdict,
    column_label,
    data_uri,
    extra_title,
    lateness,
)
from migrasim.render.i18n import Translator, fill
from migrasim.render.inputs import NEVER, PERCENT_COLUMNS, ExtraTable, ReportInputs, Value
from migrasim.render.messages import ABOUT_ITEMS
from migrasim.render.reasons import never_reason_text

__all__ = ["FIGURE_ORDER", "comparison_rows", "figure_key", "number_text", "page_view"]

FIGURE_ORDER = ("cdf", "gantt", "burnup", "tornado", "compare_cdf", "compare_burnup", "sweep")
"""The order of the charts on the page; other figures follow, by name."""


def number_text(value: float) -> str:
    """A number in a table: whole numbers grouped, large ones rounded, others to 3 figures."""
    if value.is_integer():
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def figure_key(name: str) -> str:
    """The figure's key from its file name: ``cdf.png`` -> ``cdf``."""
    stem = name.rsplit("/", 1)[-1]
    return stem[:-4] if stem.lower().endswith(".png") else stem


def _date(day: datetime.date | None, t: Translator) -> str | None:
    """A date in words; None (never) stays None for the template's "never"."""
    return None if day is None else t.date(day, "long")


def _link_description(name: str, assumptions: Iterable[tuple[str, str]]) -> str | None:
    for where, text in assumptions:
        if where in (f"links.{name}", name, f"links[{name}]"):
            return text
    return None


def _headline(inputs: ReportInputs, t: Translator) -> HeadlineView:
    h = inputs.headline
    ci = h.prob_ci
    report = inputs.results
    description = _link_description(h.bottleneck, inputs.assumptions)
    binding, gain = binding_words(report.binding, description, t, report.changes)
    if report.binding is None and not description:
        binding = h.bottleneck
    capacity = capacity_lines(
        report.capacity, t, None if inputs.slip is None else inputs.slip.as_of
    )
    p80_low, p80_high = report.programme.p80_ci
    top = [
        TopRow(
            name=row.name,
            status=None if row.status is None else row.status.value,
            p80=_date(row.p80, t),
            chance=None if row.chance is None else t.percent(row.chance),
        )
        for row in top_organisations(report)
    ]
    return HeadlineView(
        verdict=verdict(h),
        go_live=_date(h.go_live, t) if h.go_live is not None else None,
        chance=None if h.prob_by_go_live is None else t.percent(h.prob_by_go_live),
        chance_low=None if ci is None else t.percent(ci[0]),
        chance_high=None if ci is None else t.percent(ci[1]),
        p50=_date(h.p50, t),
        p80=_date(h.p80, t),
        p95=_date(h.p95, t),
        p80_lateness=(None if h.go_live is None or h.p80 is None else lateness(h.p80, h.go_live)),
        bottleneck=h.bottleneck,
        bottleneck_description=description,
        fix=None if h.advice is None else advice_text(h.advice, t),
        p80_low=None if report.deterministic else _date(p80_low, t),
        p80_high=None if report.deterministic else _date(p80_high, t),
        binding=binding,
        binding_gain=gain,
        capacity_head=None if capacity is None else capacity[0],
        capacity_lines=[] if capacity is None else capacity[1],
        capacity_note=None if capacity is None else capacity[2],
        top=top,
    )


def track_view(inputs: ReportInputs, t: Translator) -> TrackView | None:
    """A re-forecast's first screen: the as-of date, the slip of the programme's P80 against
    the plan's with its paired interval, the chance now and in the plan."""
    slip = inputs.slip
    if slip is None:
        return None
    plan = slip.plan
    go_live = slip.go_live
    plan_headline = Headline(None if go_live is None else in_time(plan.p80, go_live), go_live,
                             plan.p50, plan.p80, plan.p95, plan.prob, plan.prob_ci, "")  # fmt: skip
    days, change = slip.days, slip.chance_change
    return TrackView(
        as_of=t.date(slip.as_of, "long"),
        plan_p80=_date(plan.p80, t),
        slip=None if days.estimate is None else _signed(days.estimate),
        slip_low=None if days.low is None or days.low == days.high else _signed(days.low),
        slip_high=None if days.high is None or days.low == days.high else _signed(days.high),
        slip_count=0 if days.estimate is None else abs(round(days.estimate)),
        later=days.estimate is not None and days.estimate > 0,
        plan_verdict=verdict(plan_headline),
        plan_chance=None if plan.prob is None else t.percent(plan.prob),
        chance_change=None if change.estimate is None else t.points(change.estimate),
        chance_change_low=None if change.low is None else t.points(change.low),
        chance_change_high=None if change.high is None else t.points(change.high),
        unreported=len(inputs.unreported),
        flows=inputs.results.counts.flows,
    )


def _signed(days: float) -> str:
    value = round(days)
    return "0" if value == 0 else f"{value:+,d}".replace("-", "\u2212")


def _rows(inputs: ReportInputs, t: Translator) -> list[OrganisationRow]:
    """One row per organisation, each followed by its flows' rows (when it is not simply one
    flow of its name), then the programme's."""
    report = inputs.results
    go_live = report.go_live
    ordered = [
        (row, member)
        for org, members in report.by_organisation()
        for row, member in [(org, False), *((f, True) for f in members)]
    ]
    rows = []
    for row, member in [*ordered, (report.programme, False)]:
        baseline = row.baseline_completed_on
        reason = never_reason_text(row.never_reason, t).strip()
        shown_reason = reason if (baseline is None or row.p50 is None) and reason else None
        ci = row.chance_ci
        rows.append(
            OrganisationRow(
                name=row.name,
                is_total=row.is_programme,
                status=None if row.status is None else row.status.value,
                size=t.size(round(row.volume_bytes)),
                baseline=_date(baseline, t),
                lateness=(
                    lateness(baseline, go_live)
                    if report.deterministic
                    and go_live is not None
                    and baseline is not None
                    and row.days_late is not None
                    else None
                ),
                p50=_date(row.p50, t),
                p80=_date(row.p80, t),
                p95=_date(row.p95, t),
                chance=None if row.chance is None else t.percent(row.chance),
                chance_low=None if ci is None else t.percent(ci[0]),
                chance_high=None if ci is None else t.percent(ci[1]),
                bottleneck=row.bottleneck,
                bottleneck_share=t.percent(row.bottleneck_share),
                never_reason=shown_reason,
                member=member,
            )
        )
    return rows


def _figures(inputs: ReportInputs, t: Translator) -> list[FigureView]:
    h = inputs.headline
    counts = inputs.results.counts

    def order(name: str) -> tuple[int, str]:
        key = figure_key(name)
        return (FIGURE_ORDER.index(key) if key in FIGURE_ORDER else 99, name)

    figures = []
    for name in sorted(inputs.figures, key=order):
        uri, width, height = data_uri(inputs.figures[name])
        figures.append(
            FigureView(
                key=figure_key(name),
                uri=uri,
                width=width,
                height=height,
                p80=_date(h.p80, t),
                late=None if h.go_live is None else counts.late_in_baseline,
                flows=counts.organisations,
            )
        )
    return figures


def _precision(inputs: ReportInputs, t: Translator) -> PrecisionView | None:
    if inputs.replications is None:
        return None
    total = inputs.results.programme
    low, high = total.p80_ci
    half = total.p80_halfwidth_days
    return PrecisionView(
        low=_date(low, t),
        high=_date(high, t),
        half_days=None if half is None else number_text(half),
        run_more=half is None or half > 3.5,
    )


NAME_COLUMNS = frozenset({"flow", "organisation"})
"""Columns of an extra table naming a row (a flow, an organisation, or the programme)."""


def cell(column: str, value: Value, t: Translator) -> Cell:
    """One value of an extra table, formatted in ``t``'s language."""
    if value is None:
        return Cell("")
    if value is NEVER:
        return Cell("", never=True)
    if isinstance(value, bool):
        return Cell(fill(t, ABOUT_ITEMS["yes" if value else "no"]))
    if isinstance(value, datetime.date):
        return Cell(t.date(value, "long"))
    if isinstance(value, str):
        if column in NAME_COLUMNS:
            return Cell(row_name(value, t))  # the programme's row in the page's language
        return Cell(t.message(value))  # a catalogue message in the page's language
    number = float(value)  # int or float
    if column in PERCENT_COLUMNS and 0.0 <= number <= 1.0:
        return Cell(t.percent(number), numeric=True)
    return Cell(number_text(number), numeric=True)


def table_view(table: ExtraTable, t: Translator) -> TableView:
    """An extra table, titled and headed in ``t``'s language."""
    return TableView(
        title=extra_title(t, table.key),
        headers=[column_label(t, c) for c in table.columns],
        rows=[
            [cell(c, v, t) for c, v in zip(table.columns, row, strict=True)] for row in table.rows
        ],
    )


def _compare_view(table: ExtraTable, t: Translator) -> TableView:
    """The comparison condensed to fit a page: each estimate with its interval in one cell
    (the workbook and compare.csv keep every column)."""
    at = {c: i for i, c in enumerate(table.columns)}

    def text(row: tuple[Value, ...], column: str) -> Cell:
        return cell(column, row[at[column]], t)

    def with_interval(row: tuple[Value, ...], column: str, low: str, high: str) -> Cell:
        main = text(row, column)
        lo, hi = text(row, low), text(row, high)
        if main.never or not lo.text or not hi.text:
            return main
        return Cell(f"{main.text} ({lo.text} – {hi.text})", numeric=True)

    columns = ("flow", "scenario", "p50", "p80", "p95", "prob_by_go_live", "p80_diff_days",
               "prob_diff")  # fmt: skip
    rows = [
        [text(r, "flow"), text(r, "scenario"), text(r, "p50"), text(r, "p80"), text(r, "p95"),
         with_interval(r, "prob_by_go_live", "prob_ci_low", "prob_ci_high"),
         with_interval(r, "p80_diff_days", "p80_diff_ci_low", "p80_diff_ci_high"),
         with_interval(r, "prob_diff", "prob_diff_ci_low", "prob_diff_ci_high")]
        for r in table.rows
    ]  # fmt: skip
    return TableView(
        title=extra_title(t, table.key),
        headers=[column_label(t, c) for c in columns],
        rows=rows,
    )


def _change(interval: Interval, text: Callable[[float], str]) -> tuple[str | None, ...]:
    """An estimate and its interval's ends as text (None where there is none)."""
    return tuple(None if v is None else text(v) for v in (interval.estimate, interval.low,
                                                          interval.high))  # fmt: skip


def comparison_rows(rows: Iterable[CompareRow], t: Translator) -> list[ComparisonRow]:
    """The side-by-side table of a compare: each scenario's programme row (the verdict, the
    P80 and the chance with their intervals, the organisations late, the paired change
    against the first scenario) in ``t``'s language."""
    out = []
    for i, row in enumerate(rows):
        s = row.stats
        low, high = s.p80_ci
        ci = s.prob_ci
        p80_change = _change(row.p80_diff, _signed)
        chance_change = _change(row.prob_diff, t.points)
        out.append(
            ComparisonRow(
                scenario=row.scenario,
                verdict=cast(Verdict, row.verdict or "none"),
                p80=_date(s.p80, t),
                p80_low=_date(low, t),
                p80_high=_date(high, t),
                has_p80_interval=not row.exact,
                chance=None if s.prob is None else t.percent(s.prob),
                chance_low=None if ci is None or row.exact else t.percent(ci[0]),
                chance_high=None if ci is None or row.exact else t.percent(ci[1]),
                late=row.organisations_late,
                at_risk=row.organisations_at_risk,
                organisations=row.organisations,
                reference=i == 0,
                p80_change=p80_change[0],
                p80_change_low=p80_change[1],
                p80_change_high=p80_change[2],
                chance_change=chance_change[0],
                chance_change_low=chance_change[1],
                chance_change_high=chance_change[2],
            )
        )
    return out


def page_view(inputs: ReportInputs, t: Translator) -> PageView:
    """The report page's view of ``inputs`` in ``t``'s language."""
    report = inputs.results
    counts = report.counts
    board_drivers = [
        DriverRow(
            d.label, _signed(d.change_low_days), _signed(d.change_high_days), f"{d.swing_days:,.0f}"
        )
        for d in drivers(report.swings, t)
    ]
    # The full sensitivity table stays in the workbook; the page shows the top drivers.
    shown = [x for x in inputs.extra_tables if not (board_drivers and x.key == "sensitivity")]
    return PageView(
        title=inputs.title,
        version=inputs.version,
        command=inputs.command,
        seed=str(inputs.seed),
        replications=None if inputs.replications is None else f"{inputs.replications:,}",
        headline=_headline(inputs, t),
        rows=_rows(inputs, t),
        late=counts.late,
        at_risk=counts.at_risk,
        on_track=counts.on_track,
        flows=counts.organisations,
        baseline_late=counts.late_in_baseline,
        figures=_figures(inputs, t),
        assumptions=assumption_notes(inputs.assumptions, report.changes, t),
        scenario_text=inputs.scenario_text,
        precision=_precision(inputs, t),
        tables=[
            _compare_view(table, t) if table.key == "compare" else table_view(table, t)
            for table in shown
        ],
        what_if=what_if_text(report.changes or report.overrides, t),
        notes=movers_notes(report.movers, t),
        drivers=board_drivers,
        comparison=comparison_rows(inputs.comparison, t),
        detail=inputs.detail,
        track=track_view(inputs, t),
    )
