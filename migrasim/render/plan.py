"""``migrasim plan``'s files and lines: plan.csv, frontier.csv, frontier.png, the report's "What
it would take" tables and the terminal's lines, from :class:`analysis.plan.PlanOutcome`.

The CSV files keep English code names (a data interface); every word shown to a person comes
from the catalogue (``messages.PLAN``)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from migrasim.analysis.plan import EXACT, PlanOutcome, PlanRow
from migrasim.render.i18n import Translator, fill
from migrasim.render.inputs import NEVER, ExtraTable, Value
from migrasim.render.messages import PLAN

PLAN_COLUMNS = ("organisation", "option", "slot", "cost", "p80", "prob_by_go_live")
"""plan.csv's columns: per organisation (then ALL: the programme-wide options, the programme's
P80 and the chance that every organisation is in time)."""

FRONTIER_COLUMNS = ("budget", "cost", "organisations_in_time", "organisations",
                    "prob_by_go_live", "p80", "recommended", "options")  # fmt: skip
"""frontier.csv's columns: per budget, the best plan's cost, organisations in time at the
confidence, the chance that every organisation is in time, the programme's P80, whether it is
the recommended plan, the options it takes."""


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def _day(day: date | None) -> str:
    return "never" if day is None else day.isoformat()


def _slots(row: PlanRow) -> str:
    if len(row.slots) == 1:
        return str(row.slots[0][1])
    return "; ".join(f"{option} {slot}" for option, slot in row.slots)


def _csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV text as every results file is written: a name a spreadsheet would run as a formula
    is made inert (``render.tables.inert_cell``)."""
    from migrasim.render.tables import inert_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[inert_cell(cell) for cell in row] for row in rows])
    return buffer.getvalue()


def plan_csv(outcome: PlanOutcome) -> str:
    """plan.csv (:data:`PLAN_COLUMNS`); options joined by ``" + "``, none blank."""
    return _csv(PLAN_COLUMNS, [
        (r.organisation, " + ".join(r.options), _slots(r), _number(r.cost), _day(r.p80),
         round(r.prob, 4))
        for r in outcome.rows
    ])  # fmt: skip


def frontier_csv(outcome: PlanOutcome) -> str:
    """frontier.csv (:data:`FRONTIER_COLUMNS`)."""
    return _csv(FRONTIER_COLUMNS, [
        (_number(p.budget), _number(p.cost), p.in_time, p.organisations, round(p.chance, 4),
         _day(p.p80), str(p.recommended).lower(), " + ".join(p.options))
        for p in outcome.frontier
    ])  # fmt: skip


def money(value: float, t: Translator) -> str:
    """A cost as the language writes numbers (no currency: the scenario's own unit)."""
    return t.decimal(value, "#,##0" if float(value).is_integer() else "#,##0.00")


def _options_text(row: PlanRow, t: Translator) -> str:
    if not row.options:
        return fill(t, PLAN["nothing"])
    slots = dict(row.slots)
    parts = [
        name if name not in slots else f"{name} ({fill(t, PLAN['slot'], slot=slots[name])})"
        for name in row.options
    ]
    return " + ".join(parts)


def plan_tables(outcome: PlanOutcome) -> list[ExtraTable]:
    """The report's and workbook's "What it would take" table (per organisation, then ALL),
    how the plan was found and its chance on the draws and on fresh ones, and what each
    budget buys."""
    from migrasim import errors

    message = errors.N_

    def options(row: PlanRow) -> Value:
        return " + ".join(row.options) if row.options else message(PLAN["nothing"])

    def day(value: date | None) -> Value:
        return NEVER if value is None else value

    plan = ExtraTable("plan", ("organisation", "option", "slot", "cost", "p80",
                               "prob_by_go_live"), tuple(
        (r.organisation, options(r), _slots(r), float(r.cost), day(r.p80), r.prob)
        for r in outcome.rows
    ))  # fmt: skip
    n = f"{outcome.replications:,}"
    method = PLAN["method_exact" if outcome.method == EXACT else "method_heuristic"]
    check = ExtraTable("plan_check", ("item", "organisations_in_time", "prob_by_go_live"), (
        (message(method), None, None),
        (message(PLAN["check_inside"], n=n, seed=outcome.seed), outcome.in_time, outcome.chance),
        (message(PLAN["check_fresh"], n=n, seed=outcome.fresh_seed), outcome.fresh_in_time,
         outcome.fresh_chance),
    ))  # fmt: skip
    frontier = ExtraTable("frontier", ("budget", "cost", "organisations_in_time",
                                       "prob_by_go_live", "p80", "recommended"), tuple(
        (float(p.budget), float(p.cost), p.in_time, p.chance, day(p.p80), p.recommended)
        for p in outcome.frontier
    ))  # fmt: skip
    return [plan, check, frontier]


def plan_lines(outcome: PlanOutcome, name: str, t: Translator) -> list[str]:
    """The terminal's account of the plan: what was asked, how it was found, the plan per
    organisation, the total cost, the in-sample and fresh chances and the frontier."""
    chance = t.percent(outcome.alpha)
    values = {"name": name, "chance": chance, "n": f"{outcome.replications:,}",
              "seed": outcome.seed}  # fmt: skip
    if outcome.budget is not None:
        lines = [fill(t, PLAN["header_budget"], budget=money(outcome.budget, t), **values)]
    else:
        lines = [fill(t, PLAN["header_joint" if outcome.joint else "header"], **values)]
    lines.append(fill(t, PLAN["method_exact" if outcome.method == EXACT else "method_heuristic"]))
    if not outcome.met:
        lines.append(fill(t, PLAN["joint_not_met" if outcome.joint else "not_met"]))
    if outcome.note == "runs":
        lines.append(fill(t, PLAN["runs_cap"], n=outcome.runs))
    rows = [r for r in outcome.rows if r.organisation != "ALL"]
    heads = [fill(t, PLAN[k]) for k in ("organisation", "options", "cost", "p80", "chance")]
    cells = [
        [r.organisation, _options_text(r, t), money(r.cost, t),
         fill(t, PLAN["never"]) if r.p80 is None else r.p80.isoformat(), t.percent(r.prob)]
        for r in rows
    ]  # fmt: skip
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    lines.append("  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)).rstrip())
    for c in cells:
        lines.append("  ".join(x.ljust(w) for x, w in zip(c, widths, strict=True)).rstrip())
    if outcome.programme:
        lines.append(fill(t, PLAN["programme_options"], options=" + ".join(outcome.programme)))
    lines.append(fill(t, PLAN["total"], cost=money(outcome.cost, t)))
    lines.append(fill(t, PLAN["in_time"], k=outcome.in_time, n=outcome.organisations))
    lines.append(fill(t, PLAN["check"], inside=t.percent(outcome.chance),
                      fresh=t.percent(outcome.fresh_chance), n=f"{outcome.replications:,}",
                      seed=outcome.fresh_seed))  # fmt: skip
    if outcome.method == EXACT:
        lines.append(fill(t, PLAN["size"], variables=outcome.variables,
                          constraints=outcome.constraints,
                          seconds=t.decimal(outcome.milp_seconds, "#,##0.00"),
                          runs=outcome.runs))  # fmt: skip
    lines.append(fill(t, PLAN["frontier"]))
    for p in outcome.frontier:
        mark = fill(t, PLAN["recommended_mark"]) if p.recommended else ""
        lines.append("  " + fill(t, PLAN["frontier_row"], cost=money(p.cost, t), k=p.in_time,
                                 n=p.organisations, chance=t.percent(p.chance),
                                 p80=fill(t, PLAN["never"]) if p.p80 is None
                                 else p.p80.isoformat(), mark=mark))  # fmt: skip
    return lines


def plan_yaml_header(outcome: PlanOutcome, command: str, t: Translator) -> list[str]:
    """plan.yaml's opening comment: the command that chose the plan, its cost, organisations in
    time, its chance on its own and on fresh draws, the method and its ``--set`` changes."""
    method = PLAN["method_exact" if outcome.method == EXACT else "method_heuristic"]
    check = fill(t, PLAN["check"], inside=t.percent(outcome.chance),
                 fresh=t.percent(outcome.fresh_chance), n=f"{outcome.replications:,}",
                 seed=outcome.fresh_seed)  # fmt: skip
    return [
        fill(t, PLAN["yaml_title"], command=command),
        "  " + fill(t, PLAN["total"], cost=money(outcome.cost, t)),
        "  " + fill(t, PLAN["in_time"], k=outcome.in_time, n=outcome.organisations),
        "  " + check,
        "  " + fill(t, method),
        "  " + fill(t, PLAN["yaml_changes"]),
        *(f"    {a}" for a in outcome.assignments),
        "",
    ]


def frontier_figure(outcome: PlanOutcome, name: str, t: Translator) -> Any:
    """Cost against the chance that every organisation makes its go-live, one point per
    budget's best plan, the recommended plan marked."""
    from migrasim.render.charts.style import GRID, LATE, ON_TIME, OVERALL, _new_figure, _titles

    fig, ax = _new_figure(9.0, 5.0)
    points = sorted(outcome.frontier, key=lambda p: p.cost)
    xs = [p.cost for p in points]
    ys = [100.0 * p.chance for p in points]
    ax.step(xs, ys, where="post", color=ON_TIME, lw=2.0, label=fill(t, PLAN["chart_line"]))
    ax.plot(xs, ys, "o", color=ON_TIME, ms=5)
    for p in points:
        if p.recommended:
            ax.plot([p.cost], [100.0 * p.chance], marker="*", ms=18, color=LATE, ls="none",
                    markeredgecolor=OVERALL,
                    label=fill(t, PLAN["chart_recommended"], cost=money(p.cost, t),
                               chance=t.percent(p.chance)))  # fmt: skip
    ax.set_ylim(0, 105)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0f}%")
    ax.xaxis.set_major_formatter(lambda v, _pos: money(v, t) if math.isfinite(v) else "")
    ax.set_xlabel(fill(t, PLAN["chart_x"]))
    ax.set_ylabel(fill(t, PLAN["chart_y"]))
    ax.grid(color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", frameon=False)
    _titles(ax, fill(t, PLAN["chart_title"], name=name), [fill(t, PLAN["chart_note"])])
    return fig
