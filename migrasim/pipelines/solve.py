"""``migrasim solve``'s pipeline: the smallest value of a key (or the latest start) that
meets a target; solve.json and the report."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.records import PROGRAMME
from migrasim.analysis.runner import cluster_session
from migrasim.analysis.sampling import has_uncertainty
from migrasim.analysis.solve import Point, Solution, SolveAdvice, solution_json
from migrasim.analysis.solve import solve as run_solve
from migrasim.analysis.summary import summarise
from migrasim.folder import prepare_out_dir, write_files
from migrasim.pipelines.common import (
    DEFAULTS,
    Options,
    default_out,
    default_seed,
    report_files_for,
    reproduce_command,
)
from migrasim.render.i18n import translator
from migrasim.render.inputs import solve_table
from migrasim.scenario.loader import read_scenario_data, read_yaml, what_changed
from migrasim.scenario.types import parse_scenario


def solve(
    path: Path,
    key: str,
    between: tuple[str, str],
    target: str = "P80 < go_live",
    flow: str = PROGRAMME,
    overrides: Sequence[str] = (),
    out: Path | None = None,
    force: bool = False,
    options: Options = DEFAULTS,
    on_point: Callable[[Point], None] | None = None,
) -> tuple[Solution, Path]:
    """The smallest value of ``key`` (or the latest start) in ``between`` that meets
    ``target``; writes solve.json, and report.html and summary.xlsx (in ``options.lang``): the
    unchanged scenario's results on the same seed, with the answer as the headline's advice
    and every value tried. Returns the solution and the folder."""
    replications, execution, precision = options.replications, options.execution, options.precision
    translator(options.lang)  # an unknown language fails here, before any simulation

    data = read_scenario_data(path, overrides)
    spec = parse_scenario(data, str(path))
    out = out if out is not None else default_out("solve", [path])
    prepare_out_dir(out, force, [path])
    seed = default_seed(spec, options.seed)
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
    files |= report_files_for(path, overrides, base, report, {}, command, options.lang,
                              [solve_table(solution.points)],
                              SolveAdvice(solution, *between))  # fmt: skip
    write_files(out, files, force=force, protect=[path])
    return solution, out
