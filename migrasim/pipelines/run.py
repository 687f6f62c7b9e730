"""``migrasim run``'s pipeline: simulate one scenario (baseline, Monte Carlo, sensitivity,
the fix, the board's findings) and write its folder, its charts and CSV files made in helper
processes meanwhile (:func:`run_pieces`)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from migrasim.analysis.advice import fix_for
from migrasim.analysis.experiment import Outcome, run_scenario
from migrasim.analysis.parallel import Warm, forked, scoped
from migrasim.analysis.records import RunReport
from migrasim.analysis.sampling import has_uncertainty
from migrasim.analysis.sensitivity import swings
from migrasim.analysis.summary import summarise
from migrasim.core.model import flow_path_links
from migrasim.core.rules import in_time
from migrasim.core.shared_batch import ENGINE
from migrasim.folder import prepare_out_dir, write_files
from migrasim.pipelines.common import (
    DEFAULTS,
    Options,
    default_out,
    default_seed,
    report_inputs,
    reproduce_command,
)
from migrasim.render.bundle import RUN_CHARTS, fix_files, report_files, report_tables, run_outputs
from migrasim.render.headlines import wide_intervals
from migrasim.render.report import xlsx_bytes
from migrasim.scenario.loader import load_scenario, what_changed
from migrasim.scenario.types import Scenario

INHERIT_FLOWS = 300
"""Above this many flows a run's tables are large: its charts are drawn in processes forked
when they are ready (nothing to pickle), not sent to the helper that imported matplotlib."""


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
    options: Options = DEFAULTS,
    loaded: Scenario | None = None,
) -> RunOutput:
    """Simulate one scenario: baseline, Monte Carlo (``options.replications``, else the
    file's, else as many as ``options.precision`` needs when any input is uncertain),
    sensitivity and the fix;
    write every result file. ``loaded``: the scenario ``load_scenario(path, overrides)``
    gave, if the caller has it (the library API checks it first), so it is not read twice."""
    spec = loaded if loaded is not None else load_scenario(path, overrides)
    out = out if out is not None else default_out("run", [path])
    prepare_out_dir(out, force, [path])  # fail fast, before any simulation
    # a helper loads the chart library (and pandas) while this process simulates; it and a
    # fork of it each make a piece of the charts and CSV files (``run_pieces``) once the
    # results exist, while this one answers the board's questions and writes the report
    helper = Warm(["migrasim.render.plots"], slots=2)
    seed, lang, progress = default_seed(spec, options.seed), options.lang, options.progress
    outcome = run_scenario(spec, options.replications, seed, options.execution,
                           progress and progress(), precision=options.precision)  # fmt: skip
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
    inputs = report_inputs(path, overrides, outcome, report, command, report_tables(report),
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


def board_findings(outcome: Outcome, report: RunReport, fix: Any) -> dict[str, Any]:
    """The board's extra findings for a run's report: the binding constraint, what moves the
    baseline and the capacity needed for P50 / P80 with intervals (``analysis.board``)."""
    # imported once the chart helper is forked (it loads scipy): the helper starts sooner
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
