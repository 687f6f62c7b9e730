"""The terminal's results tables and notes, as lines of text in a language (the CLI echoes
them): headers, lateness, notes and advice come from the catalogue
(:data:`migrasim.render.messages.TERMINAL`); dates stay ISO and chances decimals, as a
console table reads best."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from migrasim.analysis.compare import CompareRow
from migrasim.analysis.records import RunReport
from migrasim.core.rules import percent_text
from migrasim.render.board import binding_words, capacity_lines, what_if_title
from migrasim.render.headlines import headline_from, verdict
from migrasim.render.i18n import N_, Translator, fill, nfill
from migrasim.render.messages import TERMINAL, TERMINAL_COUNTS

__all__ = ["board_lines", "comparison_lines", "lateness_text", "run_lines", "term"]


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
    flow, baseline = term(t, "flow"), term(t, "baseline")
    width = max(len(flow), *(len(row.name) for row in report.rows))
    risk = not report.deterministic
    # Columns are as wide as their values or their header in this language, if wider.
    vs, chance = term(t, "vs_go_live"), term(t, "chance_ci")
    w_base, w_vs, w_chance = max(10, len(baseline)), max(24, len(vs)), max(24, len(chance))
    head = f"{flow:<{width}}  {baseline:<{w_base}}  "
    head += f"{'P50':<10}  {'P80':<10}  {'P95':<10}  " if risk else f"{vs:<{w_vs}}  "
    if go_live is not None and risk:
        head += f"{chance:<{w_chance}}  "
    lines.append(head + term(t, "bottleneck"))
    for row in report.rows:
        line = f"{row.name:<{width}}  {_day(row.baseline_completed_on, t):<{w_base}}  "
        if risk:
            line += f"{_day(row.p50, t):<10}  {_day(row.p80, t):<10}  {_day(row.p95, t):<10}  "
            if go_live is not None and row.chance is not None and row.chance_ci is not None:
                low, high = row.chance_ci
                prob = f"{row.chance:.2f} [{low:.2f}-{high:.2f}]"
                line += f"{prob:<{w_chance}}  "
        else:
            lateness = "" if go_live is None else lateness_text(row.days_late, t)
            line += f"{lateness:<{w_vs}}  "
        bottleneck = row.bottleneck
        if risk and bottleneck:
            bottleneck += f" ({percent_text(row.bottleneck_share)})"
        if row.is_programme:
            lines.append("-" * len(line.rstrip()))
        lines.append(line + bottleneck)
    counts = report.counts
    if go_live is not None:
        lines.append(term(t, "baseline_late", late=counts.late_in_baseline, n=counts.flows))
        if risk:
            lines.append(term(t, "status", late=counts.late, n=counts.flows,
                              risk=counts.at_risk, ok=counts.on_track))  # fmt: skip
    return lines + board_lines(report, t)


_ANSWERS = {"yes": N_("Yes"), "no": N_("No"), "risk": N_("At risk")}


def board_lines(report: RunReport, t: Translator) -> list[str]:
    """The board's answer under the table: the verdict with the P80 and the chance, what holds
    the programme back and the capacity needed with its intervals."""
    lines = []
    go_live = report.go_live
    programme = report.programme
    answer = verdict(headline_from(programme, go_live))
    if answer in _ANSWERS:
        chance = "-" if programme.chance is None else t.percent(programme.chance)
        lines.append(term(t, "verdict", answer=fill(t, _ANSWERS[answer]),
                          p80=_day(programme.p80, t), chance=chance))  # fmt: skip
    if report.binding is not None:
        words, gain = binding_words(report.binding, report.binding_description, t, report.changes)
        lines.append(term(t, "holding_back", what=words) + (f" {gain}" if gain else ""))
    capacity = capacity_lines(report.capacity, t)
    if capacity is not None:
        head, targets, note = capacity
        lines.append(head)
        lines.extend(f"  - {line}" for line in targets)
        lines.append(f"  {note}")
    return lines


def comparison_lines(
    rows: Sequence[CompareRow], labels: Sequence[str], with_go_live: bool, t: Translator
) -> list[str]:
    """The comparison as a table: P-dates, the paired P80 change and the chance change."""
    flow, scenario = term(t, "flow"), term(t, "scenario")
    width = max(len(flow), *(len(r.flow) for r in rows))
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
        line = f"{row.flow:<{width}}  {row.scenario:<{label_width}}  "
        line += f"{_day(stats.p50, t):<10}  {_day(stats.p80, t):<10}  "
        change = ""
        p80 = row.p80_diff
        if p80.estimate is not None:
            change = f"{p80.estimate:+.0f}"
            if p80.low is not None and p80.high is not None:
                change += f" [{p80.low:+.0f}, {p80.high:+.0f}]"
        line += f"{change:<{w_change}}"
        if with_go_live and stats.prob is not None:
            line += f"  {round(stats.prob, 6):<{w_chance}.2f}"
            prob = row.prob_diff
            if prob.estimate is not None and prob.low is not None and prob.high is not None:
                line += f"  {prob.estimate:+.2f} [{prob.low:+.2f}, {prob.high:+.2f}]"
        lines.append(line.rstrip())
    return lines
