"""A run's records -> its result files as ``{file name: bytes}``: the CSV tables, the charts,
report.html and summary.xlsx. Nothing here writes to disk (``migrasim.folder`` does).

The tables and charts need pandas (and matplotlib), which load when first asked for, not with
this module: ``run`` has them made in a helper process (:func:`run_outputs`), so its own
process, which makes report.html and summary.xlsx, never loads pandas."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from migrasim.analysis.experiment import Outcome
from migrasim.analysis.records import RunReport
from migrasim.render import outputs
from migrasim.render.board import driver_label, what_if_text
from migrasim.render.i18n import fill, translator
from migrasim.render.inputs import (
    ExtraTable,
    bottlenecks_table,
    fix_table,
    sensitivity_table,
)
from migrasim.render.messages import CHARTS
from migrasim.render.report import ReportInputs, render_html, xlsx_bytes

if TYPE_CHECKING:
    import pandas as pd


def run_tables(
    outcome: Outcome, report: RunReport, only: Collection[str] | None = None
) -> dict[str, pd.DataFrame]:
    """summary.csv, timeline.csv and, with replications, completions.csv and bottlenecks.csv;
    sensitivity.csv when the inputs were swung. ``only`` those named, if given."""
    from migrasim.render.tables import (
        bottlenecks_frame,
        completions_frame,
        sensitivity_frame,
        summary_frame,
        timeline_frame,
    )

    def wanted(file: str) -> bool:
        return only is None or file in only

    tables = {}
    if wanted("summary.csv"):
        tables["summary.csv"] = summary_frame(report)
    if wanted("timeline.csv"):
        tables["timeline.csv"] = timeline_frame(outcome.model, outcome.baseline)
    if report.completions is not None and wanted("completions.csv"):
        tables["completions.csv"] = completions_frame(report)
    if report.bottlenecks is not None and wanted("bottlenecks.csv"):
        tables["bottlenecks.csv"] = bottlenecks_frame(report.bottlenecks)
    if report.swings is not None and wanted("sensitivity.csv"):
        tables["sensitivity.csv"] = sensitivity_frame(report.swings)
    return tables


def run_figures(
    report: RunReport,
    tables: Mapping[str, pd.DataFrame],
    lang: str = "en",
    only: Collection[str] | None = None,
) -> dict[str, bytes]:
    """burnup.png, gantt.png, cdf.png (with replications) and tornado.png (with swings), with
    titles, labels and dates in ``lang``; ``only`` those named, if given."""
    # matplotlib loads here, not with the module: ``run`` renders its charts in a second
    # process (``analysis.parallel.Warm``), which imports it while the simulation runs.
    import pandas as pd

    from migrasim.render.plots import burnup_figure, cdf_figure, gantt_figure, tornado_figure
    from migrasim.render.tables import band_frame, figure_png

    t = translator(lang)
    go_live = report.go_live
    name = report.scenario_name
    what_if = what_if_text(report.changes or report.overrides, t)
    if what_if:  # every chart of a what-if says so, on the title's second line
        name = f"{name}\n{what_if}"
    volumes = {row.name: float(round(row.total_bytes)) for row in report.flows}
    # The Gantt has one bar per organisation, from its first flow's start to its last flow's
    # end (records.RunReport.organisations), as the counts and the table count them.
    orgs = report.organisations
    bars = pd.DataFrame(
        {
            "flow": [row.name for row in orgs],
            "start": pd.to_datetime(pd.Series([row.start for row in orgs], dtype=object)),
            "end": pd.to_datetime(
                pd.Series([row.baseline_completion for row in orgs], dtype=object)
            ),
            "day": [row.baseline_completed_on for row in orgs],  # the day it counts for
            "late": [bool(row.late_in_baseline) for row in orgs],
            "bytes": [row.total_bytes for row in orgs],  # the largest are named
        }
    )
    if not report.deterministic and report.go_live is not None:
        # the same classification as the table, the text and the terminal (report.counts)
        bars["status"] = [row.status.value if row.status else "" for row in orgs]
    band = None if report.band is None else band_frame(report.band)

    def wanted(file: str) -> bool:
        return only is None or file in only

    figures = {}
    if wanted("burnup.png"):
        figures["burnup.png"] = burnup_figure(
            tables["timeline.csv"],
            volumes,
            go_live,
            fill(t, CHARTS["burnup_title"], name=name),
            band,
            t,
            completed_on={row.name: row.baseline_completed_on for row in report.flows},
            late={row.name: row.late_in_baseline for row in report.flows},
        )
    if wanted("gantt.png"):
        title = fill(t, CHARTS["gantt_title"], name=name)
        figures["gantt.png"] = gantt_figure(bars, go_live, title, t)
    if not report.deterministic and wanted("cdf.png"):
        total = report.programme
        figures["cdf.png"] = cdf_figure(
            list(report.programme_days),
            go_live,
            {"P50": total.p50, "P80": total.p80, "P95": total.p95},
            fill(t, CHARTS["cdf_title"], name=name),
            t,
        )
    if "sensitivity.csv" in tables and wanted("tornado.png"):
        labels = {s.input: driver_label(s.input, s.low, s.high, t) for s in report.swings or ()}
        figures["tornado.png"] = tornado_figure(
            tables["sensitivity.csv"], fill(t, CHARTS["tornado_title"], name=name), t=t,
            labels=labels,
        )  # fmt: skip
    return {file: figure_png(figure) for file, figure in figures.items()}


RUN_CHARTS = outputs.RUN_CHARTS
"""``run``'s charts in their order (``outputs.RUN``); :func:`run_figures` draws those that
apply."""

_DRAWN_FROM = {"burnup.png": "timeline.csv", "tornado.png": "sensitivity.csv"}
"""The charts drawn from a table, and the table."""


def run_outputs(
    outcome: Outcome, report: RunReport, lang: str, charts: Collection[str], csv: bool
) -> dict[str, bytes]:
    """A piece of a run's files: the ``charts`` named (those that apply, in ``lang``) and, with
    ``csv``, every CSV table. ``run`` has its pieces made in helper processes."""
    needed = None if csv else {_DRAWN_FROM[c] for c in charts if c in _DRAWN_FROM}
    tables = run_tables(outcome, report, needed)
    files = csv_files(tables) if csv else {}
    return files | run_figures(report, tables, lang, charts)


def report_tables(report: RunReport) -> list[ExtraTable]:
    """The tables shown in the report (and workbook) besides the summary: bottlenecks.csv's
    and sensitivity.csv's rows; the long ones (timeline, completions) stay in CSV."""
    tables = []
    if report.capacity is not None:
        tables.append(fix_table(report.capacity))
    if report.bottlenecks is not None:
        tables.append(bottlenecks_table(report.bottlenecks))
    if report.swings is not None:
        tables.append(sensitivity_table(report.swings))
    return tables


def fix_files(report: RunReport) -> dict[str, bytes]:
    """fix.csv when the run found the capacity that would fix it (``report.capacity``): one row
    per chance (``key, confidence, value, low, high``, values as ``--set`` takes them). Made
    with the csv module, in ``run``'s own process (which never loads pandas), once the board's
    findings exist."""
    import csv
    import io

    if report.capacity is None:
        return {}
    table = fix_table(report.capacity)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows(["" if cell is None else cell for cell in row] for row in table.rows)
    return {"fix.csv": buffer.getvalue().encode("utf-8")}


def csv_files(tables: Mapping[str, pd.DataFrame]) -> dict[str, bytes]:
    """Each table as its CSV file's bytes."""
    from migrasim.render.tables import frame_csv

    return {name: frame_csv(frame).encode("utf-8") for name, frame in tables.items()}


def report_files(
    inputs: ReportInputs,
    lang: str,
    figures: Callable[[], Mapping[str, bytes]] | None = None,
    workbook: Callable[[], bytes] | None = None,
) -> dict[str, bytes]:
    """report.html (in ``lang``) and summary.xlsx. ``figures``: the charts (``name.png``:
    bytes), asked for only once the workbook (which shows none) is made, so charts drawn
    elsewhere meanwhile are waited for as late as can be; ``workbook``: summary.xlsx's
    bytes made elsewhere (asked for last), else it is made here."""
    book = xlsx_bytes(inputs, lang) if workbook is None else None
    if figures is not None:
        drawn = {name.removesuffix(".png"): data for name, data in figures().items()}
        inputs = replace(inputs, figures=drawn)
    html = render_html(inputs, lang).encode("utf-8")
    if book is None:
        assert workbook is not None
        book = workbook()
    return {outputs.REPORT.name: html, outputs.WORKBOOK.name: book}
