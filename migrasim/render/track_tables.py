"""progress.csv for ``migrasim track``: per flow, what has crossed and how the P80 moved."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from migrasim.analysis.track import FlowProgress
from migrasim.errors import N_
from migrasim.render.i18n import Share
from migrasim.render.inputs import NEVER, ExtraTable


def _day(value: object) -> str:
    return "never" if value is None else str(value)


def what_changed(row: FlowProgress) -> str:
    """The evidence in words, e.g. "moved 62 % of planned: 7 of 30 working days with nothing
    delivered", then why its remaining volume changed (``row.why``), joined by "; ": English
    (progress.csv), a catalogue message the report and terminal show in their language. A flow
    with no row in the log says "no report"."""
    said = _evidence_words(row)
    for why in row.why:
        said = N_("%(before)s; %(then)s", before=said, then=why) if said else why
    return said


def _evidence_words(row: FlowProgress) -> str:
    if row.complete:
        return N_("complete")
    if not row.reported:
        return N_("no report: no row in the transfer log, forecast from the plan")
    evidence = row.evidence
    if evidence is None:
        return ""
    if evidence.working_days == 0:
        return N_("not started yet (no working days to judge)")
    share = evidence.moved_share
    values = {"zero": evidence.zero_days, "days": evidence.working_days}
    if row.name == "ALL":
        if share is None:
            return N_("%(zero)s of %(days)s flow-days with nothing delivered", **values)
        return N_("moved %(share)s of planned: %(zero)s of %(days)s flow-days with nothing "
                  "delivered", share=_moved(share), **values)  # fmt: skip
    if share is None:
        return N_("%(zero)s of %(days)s working days with nothing delivered", **values)
    return N_("moved %(share)s of planned: %(zero)s of %(days)s working days with nothing "
              "delivered", share=_moved(share), **values)  # fmt: skip


def _moved(share: float) -> Share:
    """The share of the plan moved: the report and terminal write it with the one share
    formatter (``Translator.percent``); progress.csv keeps its English as it always was
    (``"84 %"``, whole percents: a data interface)."""
    return Share(share, f"{100 * share:.0f} %")


def progress_frame(rows: Sequence[FlowProgress]) -> pd.DataFrame:
    """One row per flow and the programme's (ALL); ``reported``: ``no`` for a flow with no row
    in the transfer log (the programme's row: ``yes``)."""
    return pd.DataFrame(
        [
            {
                "flow": r.name,
                "delivered_gb": round(r.delivered_bytes / 1e9, 3),
                "percent_complete": round(r.percent_complete, 1),
                "plan_p80": _day(r.plan_p80),
                "new_p80": _day(r.new_p80),
                "slip_days": "" if r.slip_days is None else r.slip_days,
                "what_changed": what_changed(r),
                "reported": "yes" if r.reported else "no",
            }
            for r in rows
        ]
    )


def progress_table(rows: Sequence[FlowProgress]) -> ExtraTable:
    """The progress table of the report and the workbook (progress.csv's rows, typed; the
    share complete as a share, written as every share is, where the CSV keeps its percent)."""
    columns = ("flow", "delivered_gb", "share_complete", "plan_p80", "new_p80", "slip_days",
               "what_changed")  # fmt: skip
    cells = tuple(
        (
            r.name,
            round(r.delivered_bytes / 1e9, 3),
            r.percent_complete / 100,  # unrounded: one short of all never reads 100 %
            NEVER if r.plan_p80 is None else r.plan_p80,
            NEVER if r.new_p80 is None else r.new_p80,
            r.slip_days,
            what_changed(r),
        )
        for r in rows
    )
    return ExtraTable("progress", columns, cells)
