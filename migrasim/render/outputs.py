"""The files each command writes, named once: each command's ``--help`` lists them from here
(:func:`files_help`), and the code that makes a file takes its name from here where it can.

Imports only the catalogue marker (``--help`` must stay quick). A file a command writes that
is not here is a bug that tests/e2e/test_help_files.py finds: it runs each command and
compares the folder's listing with the command's ``--help``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from migrasim.errors import N_, translated


@dataclass(frozen=True)
class Output:
    """A file a command writes: its name (``NNNN`` for a number) and what it holds, for
    ``--help`` (a catalogue message: the help page shows it in its language)."""

    name: str
    what: str


REPORT = Output("report.html", N_("the report (board pack), in --lang"))
WORKBOOK = Output("summary.xlsx", N_("the report's tables as a workbook, in --lang"))
MARKER = Output(
    ".migrasim-results.json", N_("the list of files written (--force replaces only those)")
)

SUMMARY = Output(
    "summary.csv", N_("per flow and overall: P50/P80/P95, chance by go-live, bottleneck")
)
COMPLETIONS = Output(
    "completions.csv", N_("with replications: each flow's finish in every replication")
)
BOTTLENECKS = Output(
    "bottlenecks.csv", N_("with replications: per flow, the share of runs each link bound it")
)

RUN = (
    REPORT,
    WORKBOOK,
    SUMMARY,
    Output("timeline.csv", N_("most likely run: data delivered per flow per day")),
    COMPLETIONS,
    BOTTLENECKS,
    Output(
        "sensitivity.csv", N_("with uncertain inputs: the finish with each at its low and high")
    ),
    Output("burnup.png", N_("chart: data moved over time")),
    Output("gantt.png", N_("chart: each flow's transfer period")),
    Output("cdf.png", N_("with replications, chart: chance of finishing by each date")),
    Output("tornado.png", N_("with uncertain inputs, chart: the inputs that matter most")),
    Output(
        "fix.csv",
        N_(
            "with go-live and replications: the capacity for a P50 and a P80 chance, "
            "as --set takes it"
        ),
    ),
    MARKER,
)

COMPARE = (
    REPORT,
    WORKBOOK,
    Output("compare.csv", N_("the scenarios side by side, with differences and intervals")),
    Output("compare_cdf.png", N_("chart: each scenario's chance of finishing by each date")),
    Output("compare_burnup.png", N_("chart: each scenario's data moved over time")),
    MARKER,
)

SWEEP = (
    REPORT,
    WORKBOOK,
    Output("sweep.csv", N_("P50/P80/P95 and chance by go-live at each point of the grid")),
    Output("sweep.png", N_("with one or two keys, chart: a line or a heatmap")),
    Output("manifest.json", N_("the sweep's scenario, grid, seed and replications (for --resume)")),
    Output("points/NNNN.json", N_("each point's result, saved as soon as it finishes")),
    MARKER,
)

SOLVE = (
    REPORT,
    WORKBOOK,
    Output("solve.json", N_("the value found, what it achieves and every value tried")),
    MARKER,
)

TRACK = (
    REPORT,
    WORKBOOK,
    Output("summary.csv", N_("the re-forecast per flow and overall")),
    Output("progress.csv", N_("delivered, %% complete, the plan's P80 beside the new one, slip")),
    COMPLETIONS,
    BOTTLENECKS,
    Output("track_burnup.png", N_("chart: delivered so far and the re-forecast against the plan")),
    Output(
        "fix.csv",
        N_(
            "with go-live and replications: the capacity for a P50 and a P80 chance of finishing "
            "the work left from the as-of date, as --set takes it"
        ),
    ),
    Output("forecast_trend.png", N_("chart, with --history: the programme P80 at each as-of date")),
    Output(
        "forecast_waterfall.png",
        N_("chart, with --history: what moved the P80 since the previous forecast"),
    ),
    Output(
        "forecast_waterfall.csv",
        N_("with --history: the P80 after each part of the waterfall and its change in days"),
    ),
    MARKER,
)

PLAN = (
    REPORT,
    WORKBOOK,
    Output("plan.csv", N_("per organisation: the options chosen, crew slot, cost, P80, chance")),
    Output("frontier.csv", N_("the cheapest plan for each number in time: cost, chance, P80")),
    Output("frontier.png", N_("chart: cost against the chance of go-live, the plan marked")),
    Output("plan.yaml", N_("the scenario with the plan's changes, comments kept: migrasim run it")),
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


def files_help(
    outputs: tuple[Output, ...], heading: str, gettext: Callable[[str], str] = str
) -> str:
    """A ``--help`` section (click's ``\\b`` keeps its lines) naming each of ``outputs``, its
    words (``heading``, each file's ``what``: catalogue messages) in ``gettext``'s language."""
    width = max(len(o.name) for o in outputs)
    lines = [f"  {o.name:<{width}}  {translated(o.what, gettext)}" for o in outputs]
    return f"{translated(heading, gettext)}\n\n\b\n" + "\n".join(lines)
