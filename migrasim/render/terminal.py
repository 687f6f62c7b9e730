"""The terminal's results tables and notes, as lines of text in a language (the CLI echoes
them): headers, lateness, notes and advice come from the catalogue
(:data:`migrasim.render.messages.TERMINAL`); dates stay ISO and chances decimals, as a
console table reads best."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import cast

from migrasim.analysis.compare import CompareRow
from migrasim.analysis.records import RunReport
from migrasim.analysis.reforecast import Slip
from migrasim.analysis.track import FlowProgress
from migrasim.core.rules import in_time
from migrasim.render.board import binding_words, capacity_lines, what_if_title
from migrasim.render.headlines import (
    Advice,
    Headline,
    Verdict,
    advice_text,
    headline_from,
    row_name,
    verdict,
    verdict_text,
)
from migrasim.render.i18n import Translator, fill, nfill
from migrasim.render.messages import TERMINAL, TERMINAL_COUNTS

__all__ = [
    "board_lines",
    "comparison_lines",
    "lateness_text",
    "run_lines",
    "side_by_side_lines",
    "term",
    "track_lines",
]


def term(t: Translator, key: str, **values: object) -> str:
    """A terminal message (``TERMINAL[key]``) in ``t``'s language."""
    return fill(t, TERMINAL[key], **values)


def lateness_text(days_late: int | None, t: Translator) -> str:
    """'3 days late', 'on time, no days to spare', '2 days early' or 'never completes'."""
    if days_late is None:
        return term(t, "never")
    if days_late > 0:
        return nfill(t, TERMINAL_COUNTS["late"], days_late)
    if days_late == 0:
        return term(t, "no_spare")
    return nfill(t, TERMINAL_COUNTS["early"], -days_late)


def _day(day: date | None, t: Translator) -> str:
    return term(t, "never_short") if day is None else day.isoformat()


def run_lines(report: RunReport, t: Translator) -> list[str]:
    """The run's records as a table, then the status counts."""
    lines = []
    go_live = report.go_live
    # the title: the name, and for a what-if what changed beside the file's values
    name = what_if_title(report.scenario_name, report.changes or report.overrides, t)
    if report.replications:
        lines.append(term(t, "header_mc", name=name, n=report.replications, seed=report.seed))
    else:
        lines.append(term(t, "header_deterministic", name=name))
    if go_live is not None:
        lines.append(term(t, "go_live_rule", date=go_live))
    counts = report.counts
    # One row per organisation (records.RunReport.organisations), each followed by its flows'
    # rows, indented, when it is not simply one flow of its name; then the programme's.
    grouped = report.grouped
    rows = [
        (row, "  " if member else "")
        for org, members in report.by_organisation()
        for row, member in [(org, False), *((f, True) for f in members)]
    ]
    rows.append((report.programme, ""))
    flow, baseline = term(t, "organisation" if grouped else "flow"), term(t, "baseline")
    width = max(len(flow), *(len(indent + row_name(row.name, t)) for row, indent in rows))
    risk = not report.deterministic
    # Columns are as wide as their values or their header in this language, if wider.
    vs, chance = term(t, "vs_go_live"), term(t, "chance_ci")
    w_base, w_vs, w_chance = max(10, len(baseline)), max(24, len(vs)), max(24, len(chance))
    head = f"{flow:<{width}}  {baseline:<{w_base}}  "
    head += f"{'P50':<10}  {'P80':<10}  {'P95':<10}  " if risk else f"{vs:<{w_vs}}  "
    if go_live is not None and risk:
        head += f"{chance:<{w_chance}}  "
    lines.append(head + term(t, "bottleneck"))
    for row, indent in rows:
        name = indent + row_name(row.name, t)
        line = f"{name:<{width}}  {_day(row.baseline_completed_on, t):<{w_base}}  "
        if risk:
            line += f"{_day(row.p50, t):<10}  {_day(row.p80, t):<10}  {_day(row.p95, t):<10}  "
            if go_live is not None and row.chance is not None and row.chance_ci is not None:
                low, high = row.chance_ci
                prob = f"{t.percent(row.chance)} [{t.percent(low)}, {t.percent(high)}]"
                line += f"{prob:<{w_chance}}  "
        else:
            lateness = "" if go_live is None else lateness_text(row.days_late, t)
            line += f"{lateness:<{w_vs}}  "
        bottleneck = row.bottleneck
        if risk and bottleneck:
            bottleneck += f" ({t.percent(row.bottleneck_share)})"
        if row.is_programme:
            lines.append("-" * len(line.rstrip()))
        lines.append(line + bottleneck)
    if grouped:
        lines.append(term(t, "organisation_rows", n=counts.organisations, flows=counts.flows))
    if go_live is not None:
        lines.append(term(t, "baseline_late", late=counts.late_in_baseline, n=counts.organisations))
        if risk:
            lines.append(term(t, "status", late=counts.late, n=counts.organisations,
                              risk=counts.at_risk, ok=counts.on_track))  # fmt: skip
    return lines + board_lines(report, t)


def shared_lines(shared: Sequence[tuple[Sequence[str], int, bool]], t: Translator) -> list[str]:
    """Which solver took each component of flows sharing a link, and the flows alone on their
    links the batch cannot phase (``pipelines.run.shared_solvers``): the batch (every replication at
    once) or the event engine (one replication at a time)."""
    lines = []
    for key, batched in (("shared_batch", True), ("shared_engine", False)):
        items = [term(t, "shared_item", links=", ".join(links),
                      flows=nfill(t, TERMINAL_COUNTS["flows"], n))
                 for links, n, ok in shared if ok is batched]  # fmt: skip
        if items:
            lines.append(term(t, key, links="; ".join(items)))
    return lines


def board_lines(report: RunReport, t: Translator, as_of: date | None = None) -> list[str]:
    """The board's answer under the table: the verdict with the P80 and the chance, what holds
    the programme back and the capacity needed with its intervals (``as_of``: a re-forecast's,
    for the work left on that date)."""
    lines = []
    go_live = report.go_live
    programme = report.programme
    answer = verdict(headline_from(programme, go_live))
    if answer != "none":
        chance = "-" if programme.chance is None else t.percent(programme.chance)
        lines.append(term(t, "verdict", answer=verdict_text(answer, t),
                          p80=_day(programme.p80, t), chance=chance))  # fmt: skip
    if report.binding is not None:
        words, gain = binding_words(report.binding, report.binding_description, t, report.changes)
        lines.append(term(t, "holding_back", what=words) + (f" {gain}" if gain else ""))
    capacity = capacity_lines(report.capacity, t, as_of)
    if capacity is not None:
        head, targets, note = capacity
        # "What would fix it" heads these values when the programme is not on track (never
        # the most-likely-inputs value, which ``run`` prints after them, labelled as such)
        lines.append(term(t, "fix", fix=head) if answer in ("no", "risk") else head)
        lines.extend(f"  - {line}" for line in targets)
        lines.append(f"  {note}")
    return lines


def _with_interval(text: str, low: str | None, high: str | None) -> str:
    return text if low is None or high is None else f"{text} [{low}, {high}]"


def side_by_side_lines(rows: Sequence[CompareRow], t: Translator) -> list[str]:
    """The compare's first table, one line per scenario (its programme row, first scenario
    first): the verdict as ``run`` words it, the P80 and the chance with their 95 % intervals,
    the organisations late and the paired change against the first scenario. The name comes
    last, so the columns line up however long the names are."""
    never = term(t, "never_short")

    def day(value: date | None) -> str:
        return never if value is None else value.isoformat()

    def signed(value: float | None) -> str | None:
        return None if value is None else f"{value:+.0f}"

    def points(value: float | None) -> str | None:
        return None if value is None else t.points(value)

    table = []
    for i, row in enumerate(rows):
        s = row.stats
        p80 = day(s.p80) if row.exact else _with_interval(day(s.p80), *map(day, s.p80_ci))
        chance = ""
        if s.prob is not None:
            low = high = None
            if s.prob_ci is not None and not row.exact:
                low, high = (t.percent(e) for e in s.prob_ci)
            chance = _with_interval(t.percent(s.prob), low, high)
        late = ""
        if row.organisations_late is not None:
            late = term(t, "side_of", late=row.organisations_late, n=row.organisations)
        if i == 0:
            p80_change = chance_change = term(t, "side_reference")
        else:
            d, c = row.p80_diff, row.prob_diff
            p80_change = _with_interval(signed(d.estimate) or "", signed(d.low), signed(d.high))
            chance_change = _with_interval(points(c.estimate) or "", points(c.low),
                                           points(c.high))  # fmt: skip
        answer = verdict_text(cast(Verdict, row.verdict or "none"), t)
        table.append((answer, p80, chance, late, p80_change, chance_change, row.scenario))
    keys = ("side_verdict", "side_p80", "side_chance", "side_late", "side_p80_change",
            "side_chance_change", "side_scenario")  # fmt: skip
    head = tuple(term(t, key) for key in keys)
    widths = [max(len(cells[c]) for cells in (head, *table)) for c in range(len(head) - 1)]
    return [
        "  ".join([*(f"{cell:<{w}}" for cell, w in zip(cells, widths, strict=False)), cells[-1]])
        for cells in (head, *table)
    ]


def comparison_lines(
    rows: Sequence[CompareRow], labels: Sequence[str], with_go_live: bool, t: Translator
) -> list[str]:
    """The comparison as a table: P-dates, the paired P80 change and the chance change."""
    flow, scenario = term(t, "flow"), term(t, "scenario")
    width = max(len(flow), *(len(row_name(r.flow, t)) for r in rows))
    label_width = max(len(scenario), *(len(label) for label in labels))
    head = f"{flow:<{width}}  {scenario:<{label_width}}  {'P50':<10}  {'P80':<10}  "
    p80_change, chance = term(t, "p80_change_ci"), term(t, "chance")
    w_change, w_chance = max(26, len(p80_change) + 1), max(13, len(chance))
    head += f"{p80_change:<{w_change}}"
    if with_go_live:
        head += f"  {chance}  {term(t, 'change_ci')}"
    lines = [head]
    for row in rows:
        stats = row.stats
        line = f"{row_name(row.flow, t):<{width}}  {row.scenario:<{label_width}}  "
        line += f"{_day(stats.p50, t):<10}  {_day(stats.p80, t):<10}  "
        change = ""
        p80 = row.p80_diff
        if p80.estimate is not None:
            change = f"{p80.estimate:+.0f}"
            if p80.low is not None and p80.high is not None:
                change += f" [{p80.low:+.0f}, {p80.high:+.0f}]"
        line += f"{change:<{w_change}}"
        if with_go_live and stats.prob is not None:
            line += f"  {t.percent(stats.prob):<{w_chance}}"
            prob = row.prob_diff
            if prob.estimate is not None and prob.low is not None and prob.high is not None:
                line += f"  {t.points(prob.estimate)} [{t.points(prob.low)}, {t.points(prob.high)}]"
        lines.append(line.rstrip())
    return lines


def _signed(days: float | None) -> str:
    return "" if days is None else f"{round(days):+d}"


def track_lines(
    rows: Sequence[FlowProgress],
    slip: Slip | None,
    forecast: RunReport,
    advice: Advice | None,
    t: Translator,
) -> list[str]:
    """``track``'s table (per flow and the programme: across, done, plan and new P80, slip,
    what changed), then the programme against its plan (the slip of the P80 with its paired
    interval, the chance now and in the plan), the board's answer and what would fix the work
    left from the as-of date."""
    from migrasim.render.track_tables import what_changed

    head = {k: term(t, k) for k in ("flow", "across", "done_share", "plan_p80", "new_p80",
                                     "slip_days", "what_changed")}  # fmt: skip
    width = max(len(head["flow"]), *(len(row_name(r.name, t)) for r in rows))
    # each column as wide as its header in this language, at least as its values need
    w = {k: max(len(head[k]), n) for k, n in (("across", 9), ("done_share", 6),
                                               ("plan_p80", 10), ("new_p80", 10),
                                               ("slip_days", 5))}  # fmt: skip
    lines = [
        f"{head['flow']:<{width}}  {head['across']:>{w['across']}}  "
        f"{head['done_share']:>{w['done_share']}}  {head['plan_p80']:<{w['plan_p80']}}  "
        f"{head['new_p80']:<{w['new_p80']}}  {head['slip_days']:>{w['slip_days']}}  "
        f"{head['what_changed']}"
    ]
    for row in rows:
        name = row_name(row.name, t)
        lines.append(
            f"{name:<{width}}  {row.delivered_bytes / 1e9:>{w['across'] - 3}.1f} GB  "
            f"{t.percent(row.percent_complete / 100):>{w['done_share']}}  "
            f"{_day(row.plan_p80, t):<{w['plan_p80']}}  "
            f"{_day(row.new_p80, t):<{w['new_p80']}}  "
            f"{_signed(row.slip_days):>{w['slip_days']}}  "
            f"{t.message(what_changed(row))}"
        )
    missing = sum(1 for r in rows if not r.reported)
    if missing:
        lines.append(term(t, "no_report", n=missing, total=len(rows) - 1))
    if slip is not None:
        plan, new, days = slip.plan.p80, slip.forecast.p80, slip.days
        if plan is None or new is None or days.estimate is None:
            lines.append(term(t, "track_p80_never", p80=_day(new, t), plan=_day(plan, t)))
        elif days.low is None or days.high is None or days.low == days.high:
            lines.append(term(t, "track_p80_no_interval", p80=_day(new, t),
                              slip=_signed(days.estimate), plan=_day(plan, t)))  # fmt: skip
        else:
            lines.append(term(t, "track_p80", p80=_day(new, t), slip=_signed(days.estimate),
                              plan=_day(plan, t), low=_signed(days.low),
                              high=_signed(days.high)))  # fmt: skip
        change = slip.chance_change
        if (slip.plan.prob is not None and slip.forecast.prob is not None
                and change.estimate is not None and change.low is not None
                and change.high is not None):  # fmt: skip
            go_live = slip.go_live
            assert go_live is not None
            plan_answer = verdict(Headline(in_time(plan, go_live), go_live, slip.plan.p50,
                                           plan, slip.plan.p95, slip.plan.prob,
                                           slip.plan.prob_ci, ""))  # fmt: skip
            lines.append(term(t, "track_chance", chance=t.percent(slip.forecast.prob),
                              plan=t.percent(slip.plan.prob),
                              points=t.points(change.estimate), low=t.points(change.low),
                              high=t.points(change.high),
                              answer=verdict_text(plan_answer, t)))  # fmt: skip
    lines += board_lines(forecast, t, None if slip is None else slip.as_of)
    if advice is not None:
        # as run words it: "What would fix it" heads the capacity for each chance when there
        # is one, and the most-likely-inputs value follows it, labelled as such
        text = advice_text(advice, t)
        lines.append(text if forecast.capacity is not None else term(t, "fix", fix=text))
    return lines
