"""The files each command writes, named once: each command's ``--help`` lists them from here
(:func:`files_help`), and the code that makes a file takes its name from here where it can.

Imports nothing (``--help`` must stay quick). A file a command writes that is not here is a
bug that tests/e2e/test_help_files.py finds: it runs each command and compares the folder's
listing with the command's ``--help``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Output:
    """A file a command writes: its name (``NNNN`` for a number) and what it holds, for
    ``--help`` (English: click's help is not translated)."""

    name: str
    what: str


REPORT = Output("report.html", "the report (board pack), in --lang")
WORKBOOK = Output("summary.xlsx", "the report's tables as a workbook, in --lang")
MARKER = Output(".migrasim-results.json", "the list of files written (--force replaces only those)")

SUMMARY = Output("summary.csv", "per flow and overall: P50/P80/P95, chance by go-live, bottleneck")
COMPLETIONS = Output(
    "completions.csv", "with replications: each flow's finish in every replication"
)
BOTTLENECKS = Output(
    "bottlenecks.csv", "with replications: per flow, the share of runs each link bound it"
)

RUN = (
    REPORT,
    WORKBOOK,
    SUMMARY,
    Output("timeline.csv", "most likely run: data delivered per flow per day"),
    COMPLETIONS,
    BOTTLENECKS,
    Output("sensitivity.csv", "with uncertain inputs: the finish with each at its low and high"),
    Output("burnup.png", "chart: data moved over time"),
    Output("gantt.png", "chart: each flow's transfer period"),
    Output("cdf.png", "with replications, chart: chance of finishing by each date"),
    Output("tornado.png", "with uncertain inputs, chart: the inputs that matter most"),
    Output(
        "fix.csv",
        "with go-live and replications: the capacity for a P50 and a P80 chance, as --set takes it",
    ),
    MARKER,
)

COMPARE = (
    REPORT,
    WORKBOOK,
    Output("compare.csv", "the scenarios side by side, with differences and intervals"),
    Output("compare_cdf.png", "chart: each scenario's chance of finishing by each date"),
    Output("compare_burnup.png", "chart: each scenario's data moved over time"),
    MARKER,
)

SWEEP = (
    REPORT,
    WORKBOOK,
    Output("sweep.csv", "P50/P80/P95 and chance by go-live at each point of the grid"),
    Output("sweep.png", "with one or two keys, chart: a line or a heatmap"),
    Output("manifest.json", "the sweep's scenario, grid, seed and replications (for --resume)"),
    Output("points/NNNN.json", "each point's result, saved as soon as it finishes"),
    MARKER,
)

SOLVE = (
    REPORT,
    WORKBOOK,
    Output("solve.json", "the value found, what it achieves and every value tried"),
    MARKER,
)

TRACK = (
    REPORT,
    WORKBOOK,
    Output("summary.csv", "the re-forecast per flow and overall"),
    Output("progress.csv", "delivered, % complete, the plan's P80 beside the new one, slip"),
    COMPLETIONS,
    BOTTLENECKS,
    Output("track_burnup.png", "chart: delivered so far and the re-forecast against the plan"),
    Output(
        "fix.csv",
        "with go-live and replications: the capacity for a P50 and a P80 chance of finishing "
        "the work left from the as-of date, as --set takes it",
    ),
    Output("forecast_trend.png", "chart, with --history: the programme P80 at each as-of date"),
    Output(
        "forecast_waterfall.png",
        "chart, with --history: what moved the P80 since the previous forecast",
    ),
    Output(
        "forecast_waterfall.csv",
        "with --history: the P80 after each part of the waterfall and its change in days",
    ),
    MARKER,
)

PLAN = (
    REPORT,
    WORKBOOK,
    Output("plan.csv", "per organisation: the options chosen, crew slot, cost, P80, chance"),
    Output("frontier.csv", "the cheapest plan for each number in time: cost, chance, P80"),
    Output("frontier.png", "chart: cost against the chance of go-live, the plan marked"),
    Output("plan.yaml", "the scenario with the plan's changes, comments kept: migrasim run it"),
    MARKER,
)

RUN_CHARTS = tuple(o.name for o in RUN if o.name.endswith(".png"))
"""``run``'s charts, in their order."""

BOARD_PACK = (REPORT.name, WORKBOOK.name)
"""The report files of a board pack (the what-if page's button)."""

WRITES: dict[str, tuple[Output, ...]] = {
    "run": RUN,
    "compare": COMPARE,
    "sweep": SWEEP,
    "solve": SOLVE,
    "track": TRACK,
    "plan": PLAN,
}
"""Command -> the files it writes into its results folder."""


def files_help(outputs: tuple[Output, ...], heading: str) -> str:
    """A ``--help`` section (click's ``\\b`` keeps its lines) naming each of ``outputs``."""
    width = max(len(o.name) for o in outputs)
    lines = [f"  {o.name:<{width}}  {o.what}" for o in outputs]
    return f"{heading}\n\n\b\n" + "\n".join(lines)
