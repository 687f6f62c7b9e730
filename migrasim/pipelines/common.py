"""What every command's pipeline shares: the seed and results folder it defaults to, the
command that reproduces its results, and the inputs of its report (report.html and
summary.xlsx).

The pipelines (one module per command: :mod:`~migrasim.pipelines.run`, ``compare``,
``sweep``, ``solve``, ``track``, ``plan``) each load -> analyse -> render -> write
(atomically); results reach the disk only through :mod:`migrasim.folder`. The library API
(:mod:`migrasim.api`) checks the options and calls them; nothing else does.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrasim import __version__
from migrasim.analysis.experiment import Outcome, Progress
from migrasim.analysis.records import RunReport
from migrasim.analysis.runner import LOCAL, Execution, Precision
from migrasim.folder import compare_folder_name
from migrasim.scenario.loader import effective_scenario_text
from migrasim.scenario.types import Scenario

if TYPE_CHECKING:
    from migrasim.analysis.compare import CompareRow
    from migrasim.render.headlines import Advice
    from migrasim.render.inputs import ExtraTable
    from migrasim.render.report import ReportInputs

ProgressFactory = Callable[[], Progress | None]
"""Called once per Monte Carlo run for a progress callback (or None for no progress): how
``run``, ``compare`` and ``track`` report progress (``sweep`` reports through
:class:`SweepEvents`, ``solve`` through its ``on_point``)."""


@dataclass
class SweepEvents:
    """Callbacks while a sweep runs (all optional)."""

    started: Callable[[int, int, list[str]], None] | None = None  # points, seed, keys
    point: Callable[[int, int, dict[str, str], dict[str, Any], bool], None] | None = None
    # ^ (index, total, point, record, saved_earlier)


@dataclass(frozen=True)
class Options:
    """The options every simulating command takes, as one record: checked once by the library
    API (:mod:`migrasim.api`), passed whole to the command's pipeline, which reads those its
    command has (``sweep`` and ``solve`` report through their own callbacks, not
    ``progress``; ``plan`` takes neither ``progress`` nor ``precision``)."""

    replications: int | None = None  # else the file's, else as many as ``precision`` needs
    seed: int | None = None  # else the file's, else 0 (:func:`default_seed`)
    execution: Execution = LOCAL  # where the replications run: local processes or a cluster
    lang: str = "en"  # the language of the report, the charts and the workbook
    progress: ProgressFactory | None = None
    precision: Precision | None = None  # the P80's half-width to run to, without a count


DEFAULTS = Options()
"""A pipeline's options when none are given: the file's count and seed, local, English."""


def default_seed(scenario: Scenario, seed: int | None) -> int:
    """The seed a run uses: the one given, else the scenario file's, else 0."""
    if seed is not None:
        return seed
    return scenario.seed if scenario.seed is not None else 0


def default_out(command: str, paths: Sequence[Path], variants: int = 0) -> Path:
    """The results folder ``command`` writes when given none: ``results/<stem>`` for run,
    ``results/<stem>-<command>`` for the others, ``results/compare-...`` for a compare
    (:func:`~migrasim.folder.compare_folder_name`)."""
    if command == "compare":
        return Path("results") / compare_folder_name([p.stem for p in paths], variants)
    stem = paths[0].stem
    return Path("results") / (stem if command == "run" else f"{stem}-{command}")


def reproduce_command(
    name: str,
    scenarios: Sequence[Path],
    overrides: Sequence[str],
    replications: int | None,
    seed: int,
    extra: Sequence[str] = (),
) -> str:
    """The command that reproduces these results."""
    parts = ["migrasim", name, *(str(p) for p in scenarios), *extra]
    parts += [f"--set={o}" for o in overrides]
    if replications is not None:
        parts += ["--replications", str(replications)]
    parts += ["--seed", str(seed)]
    return shlex.join(parts)


def _scenario_text(path: Path, overrides: Sequence[str]) -> str:

    return effective_scenario_text(path, overrides)


def report_files_for(
    path: Path,
    overrides: Sequence[str],
    outcome: Outcome,
    report: RunReport,
    pngs: dict[str, bytes] | Callable[[], dict[str, bytes]],
    command: str,
    lang: str,
    extra_tables: Sequence[ExtraTable],
    advice: Advice | None,
    title: str | None = None,
    comparison: Sequence[CompareRow] = (),
    detail: str | None = None,
) -> dict[str, bytes]:
    """report.html and summary.xlsx for a run (or the base of a compare or sweep); ``pngs``:
    the charts, or a call that waits for them (made once the workbook is). A compare gives
    its ``title``, the side-by-side ``comparison`` and the label of the scenario in
    ``detail``."""
    # the report's renderers (Jinja2, the workbook): imported when the report is made, so
    # ``run`` and ``compare`` fork their chart helper before importing them
    from migrasim.render.bundle import report_files

    inputs = report_inputs(path, overrides, outcome, report, command, extra_tables, advice)
    if title is not None or comparison:
        inputs = replace(inputs, title=title or inputs.title, comparison=tuple(comparison),
                         detail=detail)  # fmt: skip
    return report_files(inputs, lang, pngs if callable(pngs) else lambda: pngs)


def report_inputs(
    path: Path,
    overrides: Sequence[str],
    outcome: Outcome,
    report: RunReport,
    command: str,
    extra_tables: Sequence[ExtraTable],
    advice: Advice | None,
) -> ReportInputs:
    """What report.html and summary.xlsx show (the charts are added when drawn)."""
    from migrasim.render.report import ReportInputs, assumptions_of, headline_from  # as above

    return ReportInputs(
        title=outcome.scenario.name,
        command=command,
        headline=headline_from(report.programme, report.go_live, advice),
        results=report,
        figures={},
        assumptions=assumptions_of(outcome.scenario),
        scenario_text=_scenario_text(path, overrides),
        version=__version__,
        extra_tables=extra_tables,
    )
