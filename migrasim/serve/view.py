"""A run's records as the JSON the page and ``POST /api/evaluate`` answer with.

The figures are summary.csv's text (``render.tables.summary_frame``, the frame that file is
written from): the same ``p50``, ``p80``, ``p95``, ``prob_by_go_live`` and
``baseline_completion`` for the same seed and changes. ``display`` adds the same figures in
the page's language (dates, percentages, the verdict) so the page's script only places text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from migrasim.analysis.records import FlowSummary, RunReport
from migrasim.core.rules import Status
from migrasim.render.board import change_words
from migrasim.render.headlines import headline_from, verdict, verdict_text
from migrasim.render.i18n import N_, Translator, fill
from migrasim.render.tables import summary_frame

STATUS_LABELS = {
    Status.ON_TRACK: N_("On track"),
    Status.AT_RISK: N_("At risk"),
    Status.LATE: N_("Late"),
}

TOP_ORGANISATIONS = 5
"""How many organisations the page lists as mattering most (the latest P80s)."""


def _native(value: Any) -> Any:
    """A frame cell as JSON: numpy scalars to Python, NaN (an empty cell) to ""."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return ""
    return value


def summary_rows(report: RunReport) -> list[dict[str, Any]]:
    """summary.csv's rows (flows, then ``ALL``) as JSON objects, with each row's status."""
    frame = summary_frame(report)
    rows = [{str(k): _native(v) for k, v in r.items()} for r in frame.to_dict("records")]
    for row, record in zip(rows, report.rows, strict=True):
        row["status"] = None if record.status is None else record.status.value
    return rows


def _day(t: Translator, day: date | None) -> str:
    return t.gettext("never") if day is None else t.date(day, "d MMM yyyy")


def _chance(t: Translator, chance: float | None) -> str:
    return "" if chance is None else t.percent(chance)


def _verdict(t: Translator, row: FlowSummary) -> str:
    if row.status is None:
        return t.gettext("No go-live date")
    return t.gettext(STATUS_LABELS[row.status])


def _display_row(t: Translator, row: FlowSummary, answer: str | None = None) -> dict[str, Any]:
    """One row's text; ``answer`` (the programme's) replaces the status label as its verdict."""
    low, high = row.p80_ci
    return {
        "name": row.name,
        "status": None if row.status is None else row.status.value,
        "verdict": _verdict(t, row) if answer is None else answer,
        "p50": _day(t, row.p50),
        "p80": _day(t, row.p80),
        "p95": _day(t, row.p95),
        "p80_interval": fill(t, "%(low)s to %(high)s", low=_day(t, low), high=_day(t, high)),
        "chance": _chance(t, row.chance),
        "bottleneck": row.bottleneck,
    }


def _answer(report: RunReport, t: Translator) -> str:
    """The board's answer for the programme, in the report's words: the same classification
    (``render.headlines.verdict``) gives the same word on the page and in report.html."""
    return verdict_text(verdict(headline_from(report.programme, report.go_live)), t)


def _latest_first(row: FlowSummary) -> tuple[int, int]:
    return (1, 0) if row.p80 is None else (0, row.p80.toordinal())


def counts_text(report: RunReport, t: Translator) -> str:
    """The report's status counts sentence (``RunReport.counts``: organisations), or "" without
    go-live."""
    counts = report.counts
    if report.go_live is None:
        return ""
    if report.deterministic:
        return fill(t, "%(late)s of %(n)s organisations finish after go-live.", late=counts.late,
                    n=counts.organisations)  # fmt: skip
    return fill(
        t,
        "%(late)s of %(n)s organisations are likely to be late, %(risk)s are at risk and %(ok)s "
        "are on track.",
        late=counts.late, n=counts.organisations, risk=counts.at_risk, ok=counts.on_track,
    )  # fmt: skip


def display(report: RunReport, t: Translator) -> dict[str, Any]:
    """The page's text for one run in ``t``'s language: the programme, the organisations that
    matter most and the "By organisation" table (``flows``: one row per organisation,
    ``RunReport.organisations``; summary.csv's per-flow rows are in the answer's ``flows``)."""
    orgs = report.organisations
    latest = sorted(orgs, key=_latest_first, reverse=True)[:TOP_ORGANISATIONS]
    return {
        "programme": _display_row(t, report.programme, _answer(report, t)),
        "top": [_display_row(t, r) for r in latest],
        "counts": counts_text(report, t),
        "flows": [_display_row(t, r) for r in orgs],
        "go_live": None if report.go_live is None else t.date(report.go_live, "d MMM yyyy"),
        # each change in words with the file's value (the report's what-if label)
        "changes": "; ".join(change_words(c, t) for c in report.changes),
    }


def band_json(report: RunReport) -> dict[str, list[Any]] | None:
    """The burn-up band (P10, P50, P90 of the share moved at each day's end), or None."""
    if report.band is None:
        return None
    return {
        "days": [b.day.isoformat() for b in report.band],
        "p10": [b.p10 for b in report.band],
        "p50": [b.p50 for b in report.band],
        "p90": [b.p90 for b in report.band],
    }


def answer(
    report: RunReport, changes: Mapping[str, str], seed: int, t: Translator | None = None
) -> dict[str, Any]:
    """``POST /api/evaluate``'s answer: the programme's row, each flow's row, the band and
    (given a translator) the page's text."""
    rows = summary_rows(report)
    out: dict[str, Any] = {
        "set": dict(changes),
        "replications": report.replications,
        "seed": seed,
        "go_live": None if report.go_live is None else report.go_live.isoformat(),
        "programme": rows[-1],
        "flows": rows[:-1],
        "band": band_json(report),
    }
    if t is not None:
        out["display"] = display(report, t)
    return out
