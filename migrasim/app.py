"""The pipelines each command runs: load -> analyse -> render -> write (atomically).

Library functions: each takes a scenario file (with ``--set`` overrides) and options, and
returns typed results; the CLI only parses options, calls one of these and prints. Results
reach the disk only through :mod:`migrasim.folder`.
"""

from __future__ import annotations

import functools
import json
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from migrasim import __version__
from migrasim.analysis.experiment import Outcome, Progress, run_scenario
from migrasim.analysis.parallel import Warm, forked, scoped
from migrasim.analysis.records import PROGRAMME, RunReport, SweepPoint
from migrasim.analysis.runner import LOCAL, Execution, Precision, cluster_session
from migrasim.analysis.solve import Point, Solution, solution_json
from migrasim.analysis.summary import progress_band, summarise
from migrasim.core.rules import in_time
from migrasim.errors import N_, MigrasimError, ResultsExistError
from migrasim.folder import (
    add_files,
    compare_folder_name,
    folder_lock,
    prepare_out_dir,
    write_files,
)
from migrasim.scenario.types import Scenario

if TYPE_CHECKING:
    from migrasim.analysis.compare import CompareRow
    from migrasim.analysis.solve import Target
    from migrasim.analysis.sweep import SweepAdvice
    from migrasim.analysis.track import Conditioned, FlowProgress, TrackOutcome
    from migrasim.render.headlines import Advice
    from migrasim.render.i18n import Translator
    from migrasim.render.inputs import ExtraTable
    from migrasim.render.report import ReportInputs
    from migrasim.scenario.actuals import ActualsLog
    from migrasim.scenario.overrides import Change

INHERIT_FLOWS = 300
"""Above this many flows a run's tables are large: its charts are drawn in processes forked
when they are ready (nothing to pickle), not sent to the helper that imported matplotlib."""

ProgressFactory = Callable[[], Progress | None]
"""Called once per Monte Carlo run for a progress callback (or None for no progress)."""


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


def board_findings(outcome: Outcome, report: RunReport, fix: Any) -> dict[str, Any]:
    """The board's extra findings for a run's report: the binding constraint, what moves the
    baseline and the capacity needed for P50 / P80 with intervals (``analysis.board``)."""
    from migrasim.analysis.board import baseline_movers, binding_constraint, capacity_need

    model, programme = outcome.model, report.programme
    return {
        "binding": binding_constraint(
            model,
            programme.bottleneck,
            _description(outcome, programme.bottleneck),
            outcome.scenario,
            outcome.seed,
            report.replications or 0,
            programme.p80,
            p80_known=True,
        ),
        "movers": baseline_movers(
            outcome.scenario, model, programme.volume_bytes, programme.total_bytes
        ),
        "capacity": capacity_need(
            outcome.scenario, model, fix, outcome.seed, report.replications or 0
        ),
    }


def _description(outcome: Outcome, link: str) -> str | None:
    spec = outcome.scenario.links.get(link)
    return None if spec is None or not spec.description else str(spec.description)


def _scenario_text(path: Path, overrides: Sequence[str]) -> str:
    from migrasim.scenario.loader import effective_scenario_text

    return effective_scenario_text(path, overrides)


def _report_files(
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
    from migrasim.render.bundle import report_files

    inputs = _report_inputs(path, overrides, outcome, report, command, extra_tables, advice)
    if title is not None or comparison:
        inputs = replace(inputs, title=title or inputs.title, comparison=tuple(comparison),
                         detail=detail)  # fmt: skip
    return report_files(inputs, lang, pngs if callable(pngs) else lambda: pngs)


def _report_inputs(
    path: Path,
    overrides: Sequence[str],
    outcome: Outcome,
    report: RunReport,
    command: str,
    extra_tables: Sequence[ExtraTable],
    advice: Advice | None,
) -> ReportInputs:
    """What report.html and summary.xlsx show (the charts are added when drawn)."""
    from migrasim.render.report import ReportInputs, assumptions_of, headline_from

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


# --- run ---------------------------------------------------------------------------------------


class Piece(NamedTuple):
    """A piece of ``run``'s files made in a helper process: its charts, and whether the CSV
    files come with it."""

    charts: tuple[str, ...]
    csv: bool


def run_pieces(flows: int) -> tuple[Piece, ...]:
    """How ``run`` shares out its charts and CSV files among helper processes, in pieces of
    about equal cost. Up to :data:`INHERIT_FLOWS` flows, two: the Gantt (the costliest chart)
    with the CDF, and the burn-up and tornado with the tables they are drawn from and the CSV
    files. Above, the CSV files (hundreds of MB) are a third piece, so the charts, and the
    report that shows them, need not wait for them."""
    small = flows <= INHERIT_FLOWS
    charts = (Piece(("gantt.png", "cdf.png"), False), Piece(("burnup.png", "tornado.png"), small))
    return charts if small else (*charts, Piece((), True))


@dataclass(frozen=True)
class RunOutput:
    """What ``run`` found and where it wrote it."""

    report: RunReport
    out: Path
    wide_intervals: list[str]  # rows whose P80 is uncertain to more than a week
    # components of flows sharing a link: (the links they share, flows, solved for every
    # replication at once (True) or on the event engine one replication at a time)
    shared: tuple[tuple[tuple[str, ...], int, bool], ...] = ()

    @property
    def headline_late(self) -> bool:
        """The headline's answer is "no": the programme's P80 is not before go-live."""
        go_live = self.report.go_live
        return go_live is not None and not in_time(self.report.programme.p80, go_live)


@scoped
def run(
    path: Path,
    overrides: Sequence[str] = (),
    out: Path | None = None,
    force: bool = False,
    replications: int | None = None,
    seed: int | None = None,
    execution: Execution = LOCAL,
    lang: str = "en",
    progress: ProgressFactory | None = None,
    precision: Precision | None = None,
    loaded: Scenario | None = None,
) -> RunOutput:
    """Simulate one scenario: baseline, Monte Carlo (``replications``, else the file's, else
    as many as ``precision`` needs when any input is uncertain), sensitivity and the fix;
    write every result file. ``loaded``: the scenario ``load_scenario(path, overrides)``
    gave, if the caller has it (the library API checks it first), so it is not read twice."""
    from migrasim.analysis.advice import fix_for
    from migrasim.analysis.sampling import has_uncertainty
    from migrasim.analysis.sensitivity import swings
    from migrasim.render.bundle import (
        RUN_CHARTS,
        fix_files,
        report_files,
        report_tables,
        run_outputs,
    )
    from migrasim.render.headlines import wide_intervals
    from migrasim.render.report import xlsx_bytes
    from migrasim.scenario.loader import load_scenario, what_changed

    spec = loaded if loaded is not None else load_scenario(path, overrides)
    out = out if out is not None else default_out("run", [path])
    prepare_out_dir(out, force, [path])  # fail fast, before any simulation
    # a helper loads the chart library (and pandas) while this process simulates; it and a
    # fork of it each make a piece of the charts and CSV files (``run_pieces``) once the
    # results exist, while this one answers the board's questions and writes the report
    helper = Warm(["migrasim.render.plots"], slots=2)
    seed = default_seed(spec, seed)
    outcome = run_scenario(
        spec, replications, seed, execution, progress and progress(), precision=precision
    )
    sensitivity = swings(outcome.model) if has_uncertainty(spec) else None
    report = summarise(outcome, sensitivity=sensitivity)
    fix = fix_for(spec, report.programme.bottleneck, str(path), overrides, outcome.model)
    changes = what_changed(path, overrides, spec)
    report = replace(report, fix=fix, overrides=tuple(overrides), changes=changes)
    # The charts and tables show nothing the board's findings add, so they are made meanwhile
    # (``run_pieces``); large runs' pieces are forked from here, with nothing to pickle.
    large = len(report.flows) > INHERIT_FLOWS
    plan = run_pieces(len(report.flows))
    sent = helper.submit(
        [functools.partial(run_outputs, outcome, report, lang, p.charts, p.csv) for p in plan],
        inherit=large,
    )
    pieces = [functools.cache(piece) for piece in sent]
    report = replace(report, **board_findings(outcome, report, fix))

    def pngs() -> dict[str, bytes]:  # waits for the pieces with charts only
        drawn = {file: data for piece, p in zip(pieces, plan, strict=True) if p.charts
                 for file, data in piece().items() if file.endswith(".png")}  # fmt: skip
        return {file: drawn[file] for file in RUN_CHARTS if file in drawn}

    command = reproduce_command("run", [path], overrides, report.replications, seed)
    inputs = _report_inputs(path, overrides, outcome, report, command, report_tables(report),
                            fix)  # fmt: skip
    workbook = None
    if large:  # the workbook is made in a fork meanwhile
        workbook = forked(functools.partial(xlsx_bytes, inputs, lang))
    reports = report_files(inputs, lang, pngs, workbook)
    files = {file: data for piece in pieces for file, data in piece().items()
             if file.endswith(".csv")}  # fmt: skip
    files |= fix_files(report) | reports | pngs()
    write_files(out, files, force=force, protect=[path])
    return RunOutput(report, out, wide_intervals(report), shared_solvers(outcome))


def shared_solvers(outcome: Outcome) -> tuple[tuple[tuple[str, ...], int, bool], ...]:
    """Each component of flows sharing a link in ``outcome``'s Monte Carlo run, and the flows
    alone on their links that the engine took (those on the same links counted together): the
    links they share (a lone flow: its links), how many flows, and whether the batch solver
    took them (else the event engine, one replication at a time)."""
    from migrasim.core.model import flow_path_links
    from migrasim.core.shared_batch import ENGINE

    if outcome.mc is None:
        return ()
    model = outcome.model
    out = []
    alone: dict[tuple[str, ...], int] = {}
    for part in outcome.mc.solvers:
        used = [model.links[i] for f in part.flows
                for i in flow_path_links(model.flows[f], model.links)]  # fmt: skip
        if len(part.flows) < 2:
            if part.path == ENGINE:
                key = tuple(sorted({link.name for link in used}))
                alone[key] = alone.get(key, 0) + 1
            continue
        links = sorted({link.name for link in used if not link.per_flow})
        out.append((tuple(links), len(part.flows), part.path != ENGINE))
    out += [(links, n, False) for links, n in alone.items()]
    return tuple(out)


# --- compare -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompareOutput:
    """What ``compare`` found and where it wrote it."""

    labels: list[str]
    rows: list[CompareRow]  # compare.csv's rows (``compare.compare_rows``)
    reports: list[RunReport]
    seed: int
    replications: int  # each scenario's (1 for deterministic ones)
    go_live: date | None
    out: Path

    @property
    def side_by_side(self) -> list[CompareRow]:
        """Every scenario's programme row, the first scenario first: the compare's first
        table (its verdict, P80, chance, organisations late and change against the first)."""
        return [row for row in self.rows if row.flow == PROGRAMME]


@scoped
def compare(
    paths: Sequence[Path],
    overrides: Sequence[str] = (),
    variants: Sequence[str] = (),
    out: Path | None = None,
    force: bool = False,
    replications: int | None = None,
    seed: int | None = None,
    execution: Execution = LOCAL,
    lang: str = "en",
    progress: ProgressFactory | None = None,
    precision: Precision | None = None,
    loaded: Sequence[Scenario] | None = None,
) -> CompareOutput:
    """Run each scenario (and each variant of the first) on common random numbers and write
    compare.csv, overlaid charts and a report titled with every scenario's name that opens with
    the scenarios side by side, then describes the one most likely to make go-live.
    ``loaded``: the files' scenarios with ``overrides``, if the caller has them (as ``run``)."""
    from migrasim.analysis.compare import compare_advice, compare_rows
    from migrasim.render.i18n import fill, translator
    from migrasim.render.inputs import compare_table
    from migrasim.render.messages import COMPARE

    t = translator(lang)  # an unknown language fails here, before any simulation
    specs, sources = _compared_scenarios(paths, overrides, variants, loaded)
    first = specs[0][1]
    seed = default_seed(first, seed)
    n = replications or max((s.replications or 0) for _, s in specs) or None
    if replications is None and precision is not None:
        n = None  # --precision beats the files' counts, as --replications does
    labels = [label for label, _ in specs]
    if len(set(labels)) != len(labels):
        labels = [f"{i + 1}:{label}" for i, label in enumerate(labels)]
    if out is None:
        out = default_out("compare", paths, len(variants))
    prepare_out_dir(out, force, paths)
    # a helper loads the chart library (and pandas) while this process simulates
    helper = Warm(["migrasim.render.plots"], slots=2)
    outcomes, n = _compare_runs(labels, specs, n, seed, execution, progress, precision)
    reports = [summarise(o) for _, o in outcomes]
    go_live = first.go_live
    titles = _compare_titles(overrides, t)
    rows = _with_scenario_figures(compare_rows(outcomes, seed), labels, reports)
    # The two charts (one with compare.csv) are made in the helper and a fork of it while this
    # process writes the report.
    pieces = helper.submit(
        [functools.partial(_compare_cdf, labels, reports, go_live, titles[0], lang, rows),
         functools.partial(_compare_burnup, labels, outcomes, go_live, titles[1], lang)]
    )  # fmt: skip

    @functools.cache
    def made() -> dict[str, bytes]:
        return {file: data for piece in pieces for file, data in piece().items()}

    def pngs() -> dict[str, bytes]:
        return {file: data for file, data in made().items() if file.endswith(".png")}

    command = reproduce_command(
        "compare", paths, overrides, n, seed, [f"--variant={v}" for v in variants]
    )
    # After the side-by-side, the report describes the scenario most likely to make go-live
    # (else the one with the earliest P80).
    best = _most_likely(reports)
    programme = [r for r in rows if r.flow == PROGRAMME]
    fix = compare_advice(programme[0], programme[best], labels[best], best == 0)
    path, changed = sources[best]  # a --variant is echoed as its file with its changes
    label, outcome = outcomes[best]
    led = replace(reports[best], overrides=tuple(changed))  # the report says which ran
    # The title names every scenario; the side-by-side (every scenario's programme row)
    # comes first, then the best scenario in detail.
    title = fill(t, COMPARE["title"], first=labels[0], others=_listed(labels[1:], t))
    result = CompareOutput(labels, rows, reports, seed, outcomes[0][1].replications, go_live, out)
    report = _report_files(path, changed, outcome, led, pngs, command, lang,
                           [compare_table(rows)], fix, title, result.side_by_side,
                           label)  # fmt: skip
    files = {"compare.csv": made()["compare.csv"], **pngs(), **report}
    write_files(out, files, force=force, protect=paths)
    return result


def _compared_scenarios(
    paths: Sequence[Path],
    overrides: Sequence[str],
    variants: Sequence[str],
    loaded: Sequence[Scenario] | None,
) -> tuple[list[tuple[str, Scenario]], list[tuple[Path, tuple[str, ...]]]]:
    """The scenarios a compare runs, each with its label, and the file and changes each was
    read from: the files (with ``overrides``), then each variant of the first file. Each
    scenario is labelled by its name (its ``name:``); a variant by the first's name and its
    changes. Fewer than two is an error."""
    from migrasim.scenario.loader import load_scenario

    if loaded is None:
        loaded = [load_scenario(p, overrides) for p in paths]
    specs = [(spec.name, spec) for spec in loaded]
    sources: list[tuple[Path, tuple[str, ...]]] = [(p, tuple(overrides)) for p in paths]
    for variant in variants:
        changes = (*overrides, *(part.strip() for part in variant.split(";") if part.strip()))
        spec = load_scenario(paths[0], changes)
        specs.append((f"{spec.name} [{variant}]", spec))
        sources.append((paths[0], changes))
    if len(specs) < 2:
        raise MigrasimError(N_("give two or more scenarios, or one with --variant"))
    return specs, sources


def _compare_runs(
    labels: list[str],
    specs: list[tuple[str, Scenario]],
    n: int | None,
    seed: int,
    execution: Execution,
    progress: ProgressFactory | None,
    precision: Precision | None,
) -> tuple[list[tuple[str, Outcome]], int | None]:
    """Each scenario's Monte Carlo run, labelled (one cluster connection for them all), and
    the replications each ran. Without a count (``n`` None), the first scenario runs to
    ``precision`` and the others run as many (common random numbers need the same
    replications); every scenario reuses the draws of inputs it shares with the ones before
    (``draws._memo``)."""
    outcomes: list[tuple[str, Outcome]] = []
    with cluster_session(execution):
        for label, (_, spec) in zip(labels, specs, strict=True):
            outcome = run_scenario(spec, n, seed, execution, progress and progress(),
                                   precision=precision)  # fmt: skip
            if n is None and outcome.mc is not None:
                n = outcome.replications
            outcomes.append((label, outcome))
    return outcomes, n


def _compare_titles(overrides: Sequence[str], t: Translator) -> tuple[str, str]:
    """The CDF's and the burn-up's titles, each with the ``--set`` overrides (for every
    scenario) said under it."""
    from migrasim.render.board import what_if_text
    from migrasim.render.i18n import fill
    from migrasim.render.messages import CHARTS

    what_if = what_if_text(overrides, t)
    suffix = "" if what_if is None else f"\n{what_if}"
    return (fill(t, CHARTS["compare_cdf_title"]) + suffix,
            fill(t, CHARTS["compare_burnup_title"]) + suffix)  # fmt: skip


def _most_likely(reports: Sequence[RunReport]) -> int:
    """The index of the scenario most likely to make go-live (else the one with the earliest
    P80; the first of a tie)."""
    return min(
        range(len(reports)),
        key=lambda i: (
            -(reports[i].programme.chance or 0.0),
            _ordinal(reports[i].programme.p80),
        ),
    )


def _with_scenario_figures(
    rows: list[CompareRow], labels: list[str], reports: list[RunReport]
) -> list[CompareRow]:
    """The rows, each programme row with its scenario's verdict (classified as ``run``'s) and
    organisation counts (from the summary ``run`` counts them in: ``RunReport.counts``)."""
    from migrasim.render.headlines import headline_from, verdict

    by_label = dict(zip(labels, reports, strict=True))
    out = []
    for row in rows:
        if row.flow == PROGRAMME:
            report = by_label[row.scenario]
            counts = report.counts
            row = replace(
                row,
                verdict=verdict(headline_from(report.programme, report.go_live)),
                organisations=counts.organisations,
                organisations_late=None if report.go_live is None else counts.late,
                organisations_at_risk=(
                    None if report.go_live is None or report.deterministic else counts.at_risk
                ),
            )
        out.append(row)
    return out


def _listed(names: Sequence[str], t: Any) -> str:
    """Names as a list in words: ``a``, ``a and b``, ``a, b and c``."""
    from migrasim.render.i18n import fill
    from migrasim.render.messages import BOARD

    if len(names) == 1:
        return names[0]
    return fill(t, BOARD["and"], first=", ".join(names[:-1]), last=names[-1])


def _compare_cdf(
    labels: list[str],
    reports: list[RunReport],
    go_live: date | None,
    title: str,
    lang: str,
    rows: list[CompareRow],
) -> dict[str, bytes]:
    """compare.csv, and compare_cdf.png: every scenario's programme completion CDF."""
    from migrasim.render.i18n import translator
    from migrasim.render.plots import overlay_cdf_figure
    from migrasim.render.tables import figure_png, frame_csv, rows_frame

    cdf = overlay_cdf_figure(
        {label: list(r.programme_days) for label, r in zip(labels, reports, strict=True)},
        go_live,
        title,
        translator(lang),
    )
    table = frame_csv(rows_frame([row.fields() for row in rows])).encode("utf-8")
    return {"compare.csv": table, "compare_cdf.png": figure_png(cdf)}


def _compare_burnup(
    labels: list[str],
    outcomes: list[tuple[str, Outcome]],
    go_live: date | None,
    title: str,
    lang: str,
) -> dict[str, bytes]:
    """compare_burnup.png: every scenario's burn-up, with its band."""
    from migrasim.render.i18n import translator
    from migrasim.render.plots import overlay_burnup_figure
    from migrasim.render.tables import band_frame, figure_png, overall_fraction

    lines = {label: overall_fraction(o.model, o.baseline) for label, o in outcomes}
    bands = {label: band_frame(progress_band(o.mc)) for label, o in outcomes if o.mc is not None}
    burnup = overlay_burnup_figure(lines, bands, go_live, title, translator(lang))
    return {"compare_burnup.png": figure_png(burnup)}


def _ordinal(day: date | None) -> float:
    return float("inf") if day is None else float(day.toordinal())


# --- sweep -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepOutput:
    """What ``sweep`` found and where it wrote it."""

    records: list[dict[str, Any]]  # sweep.csv's rows, in grid order
    keys: list[str]
    out: Path
    charted: bool  # False for more than two keys (no chart)
    advice: SweepAdvice | None = None  # the headline's answer (None: no point has a go-live)


@dataclass
class SweepEvents:
    """Callbacks while a sweep runs (all optional)."""

    started: Callable[[int, int, list[str]], None] | None = None  # points, seed, keys
    point: Callable[[int, int, dict[str, str], dict[str, Any], bool], None] | None = None
    # ^ (index, total, point, record, saved_earlier)


def sweep(
    path: Path,
    grids: Sequence[str],
    overrides: Sequence[str] = (),
    out: Path | None = None,
    force: bool = False,
    resume: bool = False,
    replications: int | None = None,
    seed: int | None = None,
    execution: Execution = LOCAL,
    lang: str = "en",
    events: SweepEvents | None = None,
    precision: Precision | None = None,
    target: str | None = None,
) -> SweepOutput:
    """Run every combination of a grid. Each point is saved (atomically) as soon as it
    finishes, so an interrupted sweep carries on with ``resume`` and gives the same sweep.csv;
    then sweep.csv, a chart, and a report of the unchanged scenario with the sweep's answer.
    Each point is judged by ``target`` (default: its P80 before go-live), ``go_live`` in it
    standing for the point's own go-live."""
    from migrasim.analysis.sweep import grid_points, parse_grid, point_scenario, point_target
    from migrasim.render.i18n import translator
    from migrasim.scenario.loader import read_scenario_data, read_yaml
    from migrasim.scenario.types import parse_scenario

    t = translator(lang)
    events = events or SweepEvents()
    data = read_scenario_data(path, overrides)
    spec = parse_scenario(data, str(path))
    grid = parse_grid(grids)
    points = grid_points(grid)
    # Check every point's scenario (and target) before running any; each point is judged by
    # its own go-live.
    go_lives = [
        point_scenario(data, str(path), point, lambda text: read_yaml(text, "--grid")).go_live
        for point in points
    ]
    targets = [point_target(target, go_live) for go_live in go_lives]
    seed = default_seed(spec, seed)
    out = out if out is not None else default_out("sweep", [path])
    manifest = {
        "scenario": str(path),
        "overrides": list(overrides),
        "grid": [[key, values] for key, values in grid],
        "replications": replications,
        "seed": seed,
        **({} if target is None else {"target": target}),
    }
    # One writer at a time, for the whole sweep: a concurrent run or sweep on this folder
    # exits 2 instead of mixing its files with ours.
    with folder_lock(out):
        out = _start_sweep_folder(out, manifest, resume, force, path)
        keys = [key for key, _ in grid]
        if events.started:
            events.started(len(points), seed, keys)
        with cluster_session(execution):
            base, replications = _sweep_count(spec, replications, seed, execution, precision)
            run = _SweepRun(data, path, replications, seed, execution, out)
            records, typed = _sweep_points(run, points, go_lives, targets, events)
        charted, advice = _write_sweep(run, overrides, grids, target, spec, base, lang, t,
                                       records, typed, keys)  # fmt: skip
        return SweepOutput(records, keys, out, charted, advice)


def _sweep_count(
    spec: Scenario,
    replications: int | None,
    seed: int,
    execution: Execution,
    precision: Precision | None,
) -> tuple[Outcome | None, int | None]:
    """The replications every point runs: ``replications``, else the file's, except when
    there is no count or ``precision`` beats the file's: then as many as the unchanged
    scenario needs to meet ``precision`` (a function of the scenario and seed, so a resumed
    sweep agrees), with that run of the unchanged scenario (else None)."""
    if replications is None and (spec.replications is None or precision is not None):
        base = run_scenario(spec, None, seed, execution, precision=precision,
                            reuse_draws=True)  # fmt: skip
        return base, base.replications if base.mc is not None else None
    return None, replications


@dataclass(frozen=True)
class _SweepRun:
    """What every point of a sweep is run with: the scenario's data (and file), the
    replications and seed, where the replications run, and the sweep's folder."""

    data: Any
    path: Path
    replications: int | None
    seed: int
    execution: Execution
    out: Path


def _sweep_points(
    run: _SweepRun,
    points: list[dict[str, str]],
    go_lives: list[date | None],
    targets: list[Target | None],
    events: SweepEvents,
) -> tuple[list[dict[str, Any]], list[SweepPoint]]:
    """Every point's record (saved as soon as it finishes; a point saved earlier is read
    back, not run again) and the point judged by its go-live and target, in grid order."""
    from migrasim.analysis.sweep import evaluate_point, sweep_point
    from migrasim.scenario.loader import read_yaml

    records: list[dict[str, Any]] = []
    typed: list[SweepPoint] = []
    for index, point in enumerate(points):
        saved = run.out / "points" / f"{index:04d}.json"
        earlier = saved.exists()
        if earlier:
            record = _saved_point(saved, run.out, index)
        else:
            record = evaluate_point(
                run.data, str(run.path), point, run.replications, run.seed, run.execution,
                lambda text: read_yaml(text, "--grid"),
            )  # fmt: skip
            text = json.dumps(record, indent=2) + "\n"
            add_files(run.out, {f"points/{index:04d}.json": text})
        records.append(record)
        typed.append(sweep_point(point, record, go_lives[index], targets[index]))
        if events.point:
            events.point(index, len(points), point, record, earlier)
    return records, typed


def _write_sweep(
    run: _SweepRun,
    overrides: Sequence[str],
    grids: Sequence[str],
    target: str | None,
    spec: Scenario,
    base: Outcome | None,
    lang: str,
    t: Translator,
    records: list[dict[str, Any]],
    typed: list[SweepPoint],
    keys: list[str],
) -> tuple[bool, SweepAdvice | None]:
    """Write sweep.csv, the chart and the report: the unchanged scenario's results (``base``,
    else run now on the same seed, so on the sweep's draws), with the sweep's answer as the
    headline's advice. Returns whether there is a chart, and that answer."""
    from migrasim.analysis.sweep import sweep_advice
    from migrasim.render.inputs import sweep_table
    from migrasim.render.tables import figure_png, frame_csv, sweep_frame
    from migrasim.scenario.loader import what_changed

    path, replications, seed, execution = run.path, run.replications, run.seed, run.execution
    table = sweep_frame(records, typed)
    advice = sweep_advice(typed, target)
    changes = what_changed(path, overrides, spec)  # in words, with the file's values
    figure = sweep_figure(typed, keys, spec.name, changes, t, advice)
    pngs = {} if figure is None else {"sweep.png": figure_png(figure)}
    if base is None:
        with cluster_session(execution):
            base = run_scenario(spec, replications, seed, execution, reuse_draws=True)
    report = replace(summarise(base), overrides=tuple(overrides), changes=changes)
    extra = [f"--grid={g}" for g in grids] + ([] if target is None else [f"--target={target}"])
    command = reproduce_command("sweep", [path], overrides, replications, seed, extra)
    files: dict[str, str | bytes] = {"sweep.csv": frame_csv(table), **pngs}
    files |= _report_files(path, overrides, base, report, pngs, command, lang,
                           [sweep_table(typed, keys)], advice)  # fmt: skip
    add_files(run.out, files)
    return figure is not None, advice


def sweep_figure(
    points: Sequence[SweepPoint],
    keys: Sequence[str],
    name: str,
    overrides: Sequence[str | Change],
    t: Translator,
    advice: SweepAdvice | None = None,
) -> Any:
    """The sweep's chart: a line for one key, a heatmap for two (None for more), its axes in
    words and units, its title carrying the sweep's ``--set`` overrides (as a what-if's) and
    the sweep's answer (``advice``, the headline's words) under it."""
    from migrasim.render.board import swept_axis, what_if_text
    from migrasim.render.headlines import advice_text
    from migrasim.render.i18n import fill
    from migrasim.render.messages import CHARTS
    from migrasim.render.plots import sweep_heatmap_figure, sweep_line_figure

    if not 1 <= len(keys) <= 2:
        return None
    axes = {k: swept_axis(k, [str(p.values[k]) for p in points], t) for k in keys}
    what_if = what_if_text(overrides, t)
    suffix = "" if what_if is None else f"\n{what_if}"
    note = None if advice is None else advice_text(advice, t)
    if len(keys) == 1:
        title = fill(t, CHARTS["sweep_title"], name=name, key=axes[keys[0]].words)
        return sweep_line_figure(points, keys[0], title + suffix, t, axes, note)
    title = fill(t, CHARTS["heatmap_title"], name=name)
    return sweep_heatmap_figure(points, keys[0], keys[1], title + suffix, t, axes, note)


def _start_sweep_folder(
    out: Path, manifest: dict[str, Any], resume: bool, force: bool, scenario: Path
) -> Path:
    """Check (or start) the sweep's folder: resume only the same sweep; ``force`` starts again
    (deleting only what migrasim wrote); otherwise a folder with results is refused. Returns
    the folder to write (a symbolic link's target)."""
    from migrasim.folder import clear_folder, resolve_out, start_folder, written_files

    real = resolve_out(out)
    if real.is_dir() and any(real.iterdir()) and resume:
        try:
            previous = json.loads((real / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise ResultsExistError(
                N_("%(out)s holds no sweep to resume (no readable manifest.json)", out=out)
            ) from None
        if previous != manifest:
            raise ResultsExistError(
                N_("%(out)s holds a different sweep (other scenario, grid, seed or "
                   "replications); use another --out, or --force to start again", out=out)
            )  # fmt: skip
        return real
    if real.is_dir() and any(real.iterdir()) and not force:
        if written_files(real) is None:
            prepare_out_dir(out, False, [scenario])  # says what is in the way
        raise ResultsExistError(
            N_("%(out)s already holds results; pass --resume to carry on, --force to start "
               "again or --out for a new folder", out=out)
        )  # fmt: skip
    real = prepare_out_dir(out, force, [scenario])
    if real.is_dir():
        clear_folder(real)
    return start_folder(real, {"manifest.json": json.dumps(manifest, indent=2) + "\n"}, [scenario])


POINT_FIELDS = ("p50", "p80", "p95", "prob_by_go_live")


def _saved_point(saved: Path, out: Path, index: int) -> dict[str, Any]:
    """A point saved by an earlier run of the sweep; a damaged one (truncated, empty, not the
    shape a point has) is an error naming the file and how to recompute it."""
    from migrasim.analysis.sweep import sweep_point

    try:
        record = json.loads(saved.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        problem = f"cannot be read ({type(exc).__name__}: {str(exc)[:80]})"
    else:
        problem = "does not hold a sweep point"
        if isinstance(record, dict) and all(k in record for k in POINT_FIELDS):
            try:
                sweep_point({}, record)  # every value readable as the point's type
            except (KeyError, ValueError, TypeError):
                problem = "holds a value that is not a sweep point's"
            else:
                return record
    raise ResultsExistError(
        f"{saved} {problem}; delete it and run again with --resume to recompute point {index} "
        f"(rm {saved})"
    )


# --- solve -------------------------------------------------------------------------------------


def solve(
    path: Path,
    key: str,
    between: tuple[str, str],
    target: str = "P80 < go_live",
    flow: str = PROGRAMME,
    overrides: Sequence[str] = (),
    out: Path | None = None,
    force: bool = False,
    replications: int | None = None,
    seed: int | None = None,
    execution: Execution = LOCAL,
    on_point: Callable[[Point], None] | None = None,
    precision: Precision | None = None,
    lang: str = "en",
) -> tuple[Solution, Path]:
    """The smallest value of ``key`` (or the latest start) in ``between`` that meets
    ``target``; writes solve.json, and report.html and summary.xlsx (in ``lang``): the
    unchanged scenario's results on the same seed, with the answer as the headline's advice
    and every value tried. Returns the solution and the folder."""
    from migrasim.analysis.sampling import has_uncertainty
    from migrasim.analysis.solve import SolveAdvice
    from migrasim.analysis.solve import solve as run_solve
    from migrasim.render.i18n import translator
    from migrasim.render.inputs import solve_table
    from migrasim.scenario.loader import read_scenario_data, read_yaml, what_changed
    from migrasim.scenario.types import parse_scenario

    translator(lang)  # an unknown language fails here, before any simulation

    data = read_scenario_data(path, overrides)
    spec = parse_scenario(data, str(path))
    out = out if out is not None else default_out("solve", [path])
    prepare_out_dir(out, force, [path])
    seed = default_seed(spec, seed)
    solution = run_solve(
        data, str(path), key, between[0], between[1], target, replications, seed, execution,
        flow, lambda text: read_yaml(text, "--between"), on_point=on_point,
        precision=precision,
    )  # fmt: skip
    text = json.dumps(solution_json(solution), indent=2, default=str) + "\n"
    # the report: the unchanged scenario as the points ran (same seed and replications)
    own_count = spec.replications is not None and precision is None  # as the points counted
    n = replications
    if n is None and not own_count and has_uncertainty(spec):
        n = solution.replications
    with cluster_session(execution):
        base = run_scenario(spec, n, seed, execution, reuse_draws=True)
    changes = what_changed(path, overrides, spec)
    report = replace(summarise(base), overrides=tuple(overrides), changes=changes)
    command = reproduce_command(
        "solve", [path], overrides, replications, seed,
        ["--vary", key, "--between", *between, "--target", target, "--flow", flow],
    )  # fmt: skip
    files: dict[str, str | bytes] = {"solve.json": text}
    files |= _report_files(path, overrides, base, report, {}, command, lang,
                           [solve_table(solution.points)],
                           SolveAdvice(solution, *between))  # fmt: skip
    write_files(out, files, force=force, protect=[path])
    return solution, out


# --- track -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackOutput:
    """What ``track`` found and where it wrote it."""

    plan: RunReport
    forecast: RunReport
    progress: list[Any]  # analysis.track.FlowProgress rows, the programme's last
    as_of: date
    warnings: tuple[str, ...]
    out: Path
    slip: Any = None  # analysis.reforecast.Slip: the programme P80 and chance against the plan
    advice: Any = None  # analysis.reforecast.TrackFix: the fix for the work left, or None
    history: Any = None  # TrackHistory with --history, else None


@scoped
def track(
    path: Path,
    actuals: Path,
    as_of: date | None = None,
    overrides: Sequence[str] = (),
    out: Path | None = None,
    force: bool = False,
    replications: int | None = None,
    seed: int | None = None,
    execution: Execution = LOCAL,
    lang: str = "en",
    progress: ProgressFactory | None = None,
    month_first: bool = False,
    history: Path | None = None,
) -> TrackOutput:
    """Re-forecast SCENARIO from the transfer log ``actuals`` as of ``as_of`` (default: the day
    after its last date): the plan and the re-forecast on the same seed; the programme's slip
    against the plan (paired), and what would fix the work left from the as-of date (``run``'s
    advice on the remaining scenario); writes summary.csv (the re-forecast), progress.csv,
    fix.csv, track_burnup.png, report.html and summary.xlsx. With ``history`` (a CSV file),
    appends the forecast to it and adds the P80 trend and what moved the date since the
    previous forecast to the report (:func:`_track_history`)."""
    from migrasim.analysis.reforecast import programme_slip, restated_fix
    from migrasim.analysis.track import condition
    from migrasim.render.bundle import csv_files, fix_files, report_files, report_tables
    from migrasim.render.track_tables import progress_table
    from migrasim.scenario.actuals import read_actuals
    from migrasim.scenario.history_file import store_folder
    from migrasim.scenario.loader import load_scenario

    spec = load_scenario(path, overrides)
    log = read_actuals(actuals, str(actuals), spec, as_of, month_first=month_first)
    out = out if out is not None else default_out("track", [path])
    kept = [path, actuals] + ([] if history is None else [history, store_folder(history)])
    prepare_out_dir(out, force, kept)  # fail fast, before any simulation
    past = None if history is None else _history_before(history, path, overrides, spec, log)
    seed = default_seed(spec, seed)
    # The re-forecast first (with the capacity search for the work left forked meanwhile),
    # then the plan (``track_scenario``'s two runs, the same seed).
    conditioned = condition(spec, log)
    remaining = conditioned.to_simulate
    ahead = _reforecast(conditioned, path, overrides, seed, replications or spec.replications,
                        execution, progress)  # fmt: skip
    forecast, found = ahead.report, ahead.found
    advice = None if found is None else restated_fix(found, spec, remaining, log.as_of)
    result, plan, rows = _plan_and_progress(spec, conditioned, ahead, seed, execution)
    slip = programme_slip(result.plan, result.forecast, log.as_of, seed)
    tables = _track_tables(forecast, rows)
    # The report's charts and extra tables, in order: more sections (a forecast history's
    # trend, what moved the date) are added to these two.
    pngs = {"track_burnup.png": _track_chart(log, rows, plan, forecast, spec, lang)}
    need = _stated_need(ahead, spec, remaining)
    forecast = replace(forecast, capacity=need, overrides=tuple(overrides))
    extra_tables = [progress_table(rows), *report_tables(forecast)]
    command = reproduce_command(
        "track", [path], overrides, forecast.replications, seed,
        ["--actuals", str(actuals), "--as-of", log.as_of.isoformat()],
    )  # fmt: skip
    kept_history = None
    if history is not None and past is not None:
        kept_history = _track_history(history, past, spec, log, result, forecast, seed,
                                      execution, lang)  # fmt: skip
        extra_tables += kept_history.tables
        pngs |= kept_history.pngs
    files = {**csv_files(tables), **pngs, **fix_files(forecast)}
    if kept_history is not None:
        files |= kept_history.csvs
    inputs = _report_inputs(path, overrides, result.forecast, forecast, command, extra_tables,
                            advice)  # fmt: skip
    inputs = replace(inputs, slip=slip, unreported=tuple(r.name for r in rows if not r.reported))
    files |= report_files(inputs, lang, lambda: pngs)
    write_files(out, files, force=force, protect=kept)
    if history is not None and past is not None and kept_history is not None:
        kept_history = _record_forecast(history, past, kept_history)
    warnings = (*log.warnings, *result.conditioned.warnings,
                *(() if past is None else past.warnings))  # fmt: skip
    return TrackOutput(plan, forecast, rows, log.as_of, warnings, out, slip, advice, kept_history)


@dataclass(frozen=True)
class _Reforecast:
    """``track``'s re-forecast, and the fix for the work left with its capacity search (see
    :func:`_reforecast`)."""

    outcome: Outcome  # the re-forecast's Monte Carlo run
    report: RunReport  # its summary
    replications: int | None  # the plan runs as many (the same seed: paired)
    found: Any  # analysis.advice.Fix for the re-forecast's bottleneck, or None
    need_of: Callable[[], Any]  # waits for the capacity search (a CapacityNeed, or None)
    ticks: Progress | None  # the progress callback, for the plan's run too


def _reforecast(
    conditioned: Conditioned,
    path: Path,
    overrides: Sequence[str],
    seed: int,
    n: int | None,
    execution: Execution,
    progress: ProgressFactory | None,
) -> _Reforecast:
    """The re-forecast (``n`` replications, else as many as it needs), and what would fix it:
    ``run``'s advice on the work left from the as-of date (the remaining scenario, its
    throughput calibrated), stated in the scenario file's terms, with the capacity it needs.
    What is simulated (each flow at its own calibrated rate: ``to_simulate``) is what is
    searched. The search (the costliest part) starts first, in a process of its own, for the
    bottleneck the baseline of the work left shows; it runs while this process runs the
    re-forecast and the plan and makes the tables and the chart. If the re-forecast's
    bottleneck is another link (or its count another), it is started again for that one."""
    from migrasim.analysis.advice import fix_for
    from migrasim.analysis.board import capacity_need
    from migrasim.analysis.track import baseline_bottleneck, forecast_run
    from migrasim.scenario.compile import build_model

    remaining = conditioned.to_simulate
    simulated = build_model(remaining)

    def fix_search(bottleneck: str | None) -> tuple[Any, Any]:
        found = None if bottleneck is None else fix_for(
            remaining, bottleneck, str(path), overrides, simulated)  # fmt: skip
        search = functools.partial(capacity_need, remaining, simulated, found, seed, n or 0,
                                   keep_spread=True)  # fmt: skip
        return found, forked(search)

    guess = baseline_bottleneck(simulated, conditioned.link_names) if n else None
    found, need_of = fix_search(guess) if guess is not None else (None, None)
    ticks = progress and progress()
    re_forecast = forecast_run(conditioned, n, seed, execution, ticks)
    forecast = summarise(re_forecast)
    if need_of is None or forecast.programme.bottleneck != guess or (
        forecast.replications or 0) != n:  # fmt: skip
        if need_of is not None:
            need_of.cancel()
        n = forecast.replications or 0
        found, need_of = fix_search(forecast.programme.bottleneck)
    return _Reforecast(re_forecast, forecast, n, found, need_of, ticks)


def _plan_and_progress(
    spec: Scenario, conditioned: Conditioned, ahead: _Reforecast, seed: int, execution: Execution
) -> tuple[TrackOutcome, RunReport, list[FlowProgress]]:
    """The plan's run (as many replications as the re-forecast, the same seed: paired) with
    the re-forecast (an ``analysis.track.TrackOutcome``), the plan's summary, and each flow's
    progress against both (the programme's row last)."""
    from migrasim.analysis.experiment import run_scenario
    from migrasim.analysis.track import TrackOutcome, progress_rows

    result = TrackOutcome(run_scenario(spec, ahead.replications, seed, execution, ahead.ticks),
                          ahead.outcome, conditioned)  # fmt: skip
    plan = summarise(result.plan)
    rows = progress_rows(
        result,
        {r.name: r.p80 for r in plan.rows},
        {r.name: r.p80 for r in ahead.report.rows},
    )
    return result, plan, rows


def _stated_need(ahead: _Reforecast, spec: Scenario, remaining: Scenario) -> Any:
    """The capacity the work left needs (waited for), stated in the scenario file's terms
    (an ``analysis.records.CapacityNeed``), or None."""
    from migrasim.analysis.reforecast import restated_need

    need = ahead.need_of()
    if need is not None:
        need = restated_need(need, spec, remaining)
    return need


def _track_tables(forecast: RunReport, rows: list[FlowProgress]) -> dict[str, Any]:
    """``track``'s CSV tables: the re-forecast's summary (and completions and bottlenecks,
    when it has them) and the progress. No timeline.csv: the re-forecast's baseline starts at
    the as-of date, and a flow marked complete finished before it (its curve is in the log,
    not in the simulation)."""
    from migrasim.render.tables import bottlenecks_frame, completions_frame, summary_frame
    from migrasim.render.track_tables import progress_frame

    table = progress_frame(rows)
    tables = {"summary.csv": summary_frame(forecast), "progress.csv": table}
    if forecast.completions is not None:
        tables["completions.csv"] = completions_frame(forecast)
    if forecast.bottlenecks is not None:
        tables["bottlenecks.csv"] = bottlenecks_frame(forecast.bottlenecks)
    return tables


def _delivered(log: ActualsLog) -> list[tuple[date, float]]:
    """The bytes the transfer log shows accepted, cumulative, on each day it has."""
    daily: dict[date, float] = {}
    for flow in log.flows.values():
        for entry in flow.days:
            daily[entry.day] = daily.get(entry.day, 0.0) + entry.accepted_bytes
    cumulative: list[tuple[date, float]] = []
    running = 0.0
    for day in sorted(daily):
        running += daily[day]
        cumulative.append((day, running))
    return cumulative


def _track_chart(
    log: ActualsLog,
    rows: list[FlowProgress],
    plan: RunReport,
    forecast: RunReport,
    spec: Scenario,
    lang: str,
) -> bytes:
    """track_burnup.png: the bytes delivered so far, the plan's and the re-forecast's
    burn-up bands, and go-live."""
    from migrasim.render.i18n import fill, translator
    from migrasim.render.messages import CHARTS
    from migrasim.render.tables import figure_png
    from migrasim.render.track_plots import track_burnup_figure

    cumulative = _delivered(log)
    delivered = rows[-1].delivered_bytes
    t = translator(lang)
    figure = track_burnup_figure(
        cumulative, plan.band, plan.programme.total_bytes, forecast.band, delivered,
        forecast.programme.total_bytes, spec.go_live,
        fill(t, CHARTS["track_title"], name=spec.name, date=t.date(log.as_of, "long")), t,
    )  # fmt: skip
    return figure_png(figure)


@dataclass(frozen=True)
class HistoryBefore:
    """What ``track --history`` read before simulating: the history, the forecast the new one
    is compared with (and the scenario it was made with), the effective scenario now."""

    content: bytes
    forecasts: tuple[Any, ...]  # scenario.history_file.Forecast, in file order
    previous: Any  # the Forecast compared with, or None (the first)
    previous_scenario: Scenario | None
    text: str  # the effective scenario, self-contained (stored once per digest)
    digest: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class TrackHistory:
    """What ``track --history`` added: the new forecast, the waterfall (None: the first
    forecast), the report's tables and charts, and the row it was written to."""

    forecast: Any  # scenario.history_file.Forecast
    waterfall: Any  # analysis.history.Waterfall or None
    forecasts: tuple[Any, ...]  # every forecast, the new one last
    tables: tuple[Any, ...]
    pngs: dict[str, bytes]
    csvs: dict[str, bytes]  # forecast_waterfall.csv, with a waterfall
    file: Path
    row: int = 0  # the file's row the forecast went to (the header is row 1)


def _history_before(
    history: Path, path: Path, overrides: Sequence[str], spec: Scenario, log: Any
) -> HistoryBefore:
    """Read and check the history and, for the forecast to compare with, the scenario it was
    made with (stored beside the history by its digest): every problem is an error (exit 2)
    before anything is simulated or written."""
    from migrasim.errors import Problem, ScenarioError
    from migrasim.render.tables import inert_cell
    from migrasim.scenario.history_file import (
        digest,
        log_digest,
        previous_forecast,
        read_history,
        stored_scenario,
    )
    from migrasim.scenario.loader import load_scenario, self_contained_text

    content, forecasts = read_history(history, str(history))
    text = self_contained_text(path, overrides)
    now = digest(text)
    mine = stored_scenario(history, now)
    if mine.is_file() and mine.read_bytes() != text.encode("utf-8"):
        raise ScenarioError([Problem(str(mine), N_(
            "holds another scenario than its name (digest) says"),
            N_("move it away; migrasim writes it again"))])  # fmt: skip
    previous = previous_forecast(forecasts, log.as_of)
    previous_scenario = None
    warnings: list[str] = []
    if previous is not None:
        if previous.scenario_digest == now:
            previous_scenario = spec
        else:
            stored = stored_scenario(history, previous.scenario_digest)
            where = N_("%(file)s row %(row)s, column %(column)s", file=str(history),
                       row=previous.row, column="scenario_digest")  # fmt: skip
            try:
                kept = stored.read_bytes()
            except OSError:
                raise ScenarioError([Problem(where, N_(
                    "the scenario of the forecast as of %(date)s is missing: %(stored)s",
                    date=previous.as_of, stored=str(stored)),
                    N_("restore that file (migrasim stored it), or give a new --history file"))
                ]) from None  # fmt: skip
            if digest(kept) != previous.scenario_digest:
                raise ScenarioError([Problem(where, N_(
                    "%(stored)s was changed after migrasim stored it (its digest differs)",
                    stored=str(stored)),
                    N_("restore that file as migrasim stored it, or give a new --history file"))
                ])  # fmt: skip
            previous_scenario = load_scenario(stored)
        if previous.scenario_name != inert_cell(spec.name):
            warnings.append(
                N_("%(file)s: the forecast as of %(date)s was of %(before)s, this one is of "
                   "%(now)s; check that it is the same programme's history", file=str(history),
                   date=previous.as_of, before=repr(previous.scenario_name),
                   now=repr(spec.name))
            )  # fmt: skip
        if log_digest(log, previous.as_of) != previous.log_digest:
            warnings.append(
                N_("%(file)s: the log's rows before %(date)s differ from those the forecast as "
                   "of %(date)s used; it is recomputed from the log as it is now and the "
                   "difference is shown as a restatement", file=log.file, date=previous.as_of)
            )  # fmt: skip
    return HistoryBefore(content, tuple(forecasts), previous, previous_scenario, text, now,
                         tuple(warnings))  # fmt: skip


def _track_history(
    history: Path,
    past: HistoryBefore,
    spec: Scenario,
    log: Any,
    result: Any,
    forecast: RunReport,
    seed: int,
    execution: Execution,
    lang: str,
) -> TrackHistory:
    """The new forecast's record, the waterfall since the previous one (recomputed on the
    same seed and replications), and the report's trend and waterfall tables and charts."""
    from datetime import UTC, datetime

    from migrasim.analysis.history import explain
    from migrasim.render.bundle import csv_files
    from migrasim.render.history_report import (
        trend_figure,
        trend_table,
        waterfall_figure,
        waterfall_frame,
        waterfall_table,
    )
    from migrasim.render.i18n import fill, translator
    from migrasim.render.messages import CHARTS
    from migrasim.render.tables import figure_png, inert_cell
    from migrasim.scenario.history_file import Forecast, log_digest

    programme = forecast.programme
    new = Forecast(
        log.as_of, datetime.now(UTC).replace(microsecond=0), str(inert_cell(spec.name)),
        programme.p50,
        programme.p80, programme.p95, programme.chance, spec.go_live,
        tuple((f.name, f.p80) for f in forecast.flows), seed, forecast.replications, past.digest,
        log_digest(log, log.as_of), __version__,
    )  # fmt: skip
    waterfall = None
    csvs: dict[str, bytes] = {}
    previous = past.previous
    if previous is not None and past.previous_scenario is not None:
        waterfall = explain(
            past.previous_scenario, spec, log, previous.as_of, previous.p80,
            result.conditioned, programme.p80, forecast.replications, seed, execution,
        )  # fmt: skip
    forecasts = (*past.forecasts, new)
    t = translator(lang)
    pngs = {
        "forecast_trend.png": figure_png(trend_figure(
            forecasts, spec.go_live, fill(t, CHARTS["history_trend_title"], name=spec.name), t))
    }  # fmt: skip
    if waterfall is not None:
        title = fill(t, CHARTS["history_waterfall_title"], name=spec.name,
                     date=waterfall.previous_as_of.isoformat())  # fmt: skip
        pngs["forecast_waterfall.png"] = figure_png(waterfall_figure(waterfall, title, t))
        csvs = csv_files({"forecast_waterfall.csv": waterfall_frame(waterfall)})
    tables = (
        trend_table(forecasts),
        waterfall_table(waterfall, str(history), not past.forecasts, log.as_of),
    )
    return TrackHistory(new, waterfall, forecasts, tables, pngs, csvs, history)


def _record_forecast(history: Path, past: HistoryBefore, kept: TrackHistory) -> TrackHistory:
    """Store the effective scenario (once per digest) and append the forecast to the history,
    atomically; the history is read again under its lock and must still be valid and hold at
    least what was read before (a file cut short or rewritten meanwhile is refused)."""
    from migrasim.errors import Problem, ScenarioError
    from migrasim.folder import rewrite_file
    from migrasim.scenario.history_file import appended, parse_history, stored_scenario

    stored = stored_scenario(history, past.digest)

    def store(old: bytes) -> bytes:
        if old and old != past.text.encode("utf-8"):
            raise ScenarioError([Problem(str(stored), N_(
                "holds another scenario than its name (digest) says"),
                N_("move it away; migrasim writes it again"))])  # fmt: skip
        return past.text.encode("utf-8")

    if not stored.exists() or stored.read_bytes() != past.text.encode("utf-8"):
        rewrite_file(stored, store)
    row = 0

    def append(old: bytes) -> bytes:
        nonlocal row
        if not old.startswith(past.content):
            raise ScenarioError([Problem(str(history), N_(
                "changed while this forecast ran"),
                N_("run the forecast again"))])  # fmt: skip
        parse_history(old, str(history))  # still valid
        new = appended(old, kept.forecast)
        row = parse_history(new, str(history))[-1].row
        return new

    rewrite_file(history, append)
    return replace(kept, row=row)


# --- plan --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanOutput:
    """What ``plan`` found and where it wrote it."""

    outcome: Any  # analysis.plan.PlanOutcome
    name: str
    out: Path


def plan(
    path: Path,
    overrides: Sequence[str] = (),
    out: Path | None = None,
    force: bool = False,
    replications: int | None = None,
    seed: int | None = None,
    execution: Execution = LOCAL,
    lang: str = "en",
    chance: float | None = None,
    target: str | None = None,
    budget: float | None = None,
    joint: bool = False,
) -> PlanOutput:
    """The cheapest set of the scenario's ``options`` with which every organisation makes its
    go-live at the confidence asked (or, within ``budget``, the most organisations in time),
    on the same draws for every candidate; writes plan.csv, frontier.csv, frontier.png,
    plan.yaml (the scenario with the plan applied) and a report of the plan's scenario with a
    "What it would take" section."""
    from migrasim.analysis.plan import make_plan, parse_plan_target
    from migrasim.render.i18n import fill, translator
    from migrasim.render.messages import PLAN
    from migrasim.render.plan import (
        frontier_csv,
        frontier_figure,
        plan_csv,
        plan_tables,
        plan_yaml_header,
    )
    from migrasim.render.tables import figure_png
    from migrasim.scenario.loader import load_scenario, read_scenario_data, what_changed
    from migrasim.scenario.types import parse_scenario
    from migrasim.scenario.writer import variant_yaml

    t = translator(lang)  # an unknown language fails here, before any simulation
    alpha = parse_plan_target(chance, target)
    data = read_scenario_data(path, overrides)
    spec = parse_scenario(data, str(path))
    out = out if out is not None else default_out("plan", [path])
    prepare_out_dir(out, force, [path])  # fail fast, before any simulation
    seed = default_seed(spec, seed)
    with cluster_session(execution):
        outcome = make_plan(data, str(path), spec, alpha, budget, joint, replications, seed,
                            execution, words=t.message)  # fmt: skip
        changes = (*overrides, *outcome.assignments)
        extra = [f"--chance={alpha:g}"] + (["--joint"] if joint else [])
        extra += [] if budget is None else [f"--budget={budget:g}"]
        command = reproduce_command("plan", [path], overrides, outcome.replications, seed, extra)
        plan_yaml = variant_yaml(path, changes, plan_yaml_header(outcome, command, t))
        planned = load_scenario(path, changes)
        base = run_scenario(planned, outcome.replications, seed, execution, reuse_draws=True)
    report = replace(summarise(base), overrides=tuple(changes),
                     changes=what_changed(path, changes, planned))  # fmt: skip
    chart = figure_png(frontier_figure(outcome, spec.name, t))
    files: dict[str, str | bytes] = {
        "plan.csv": plan_csv(outcome),
        "frontier.csv": frontier_csv(outcome),
        "frontier.png": chart,
        "plan.yaml": plan_yaml,
    }
    title = fill(t, PLAN["chart_title"], name=spec.name)
    files |= _report_files(path, changes, base, report, {"frontier.png": chart},
                           command, lang, plan_tables(outcome), None, title=title)  # fmt: skip
    write_files(out, files, force=force, protect=[path])
    return PlanOutput(outcome, spec.name, out)
