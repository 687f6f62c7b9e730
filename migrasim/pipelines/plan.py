"""``migrasim plan``'s pipeline: the cheapest set of the scenario's options that makes
every go-live; plan.csv, frontier.csv and .png, plan.yaml and the report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.runner import cluster_session
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
from migrasim.render.i18n import fill, translator
from migrasim.render.messages import PLAN
from migrasim.scenario.loader import load_scenario, read_scenario_data, what_changed
from migrasim.scenario.types import parse_scenario


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
    options: Options = DEFAULTS,
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
    # scipy's solvers, pandas, matplotlib and ruamel.yaml: loaded by ``plan`` only, not by
    # every command that imports the pipelines (api.py)
    from migrasim.analysis.plan import make_plan, parse_plan_target
    from migrasim.render.plan import (
        frontier_csv,
        frontier_figure,
        plan_csv,
        plan_tables,
        plan_yaml_header,
    )
    from migrasim.render.tables import figure_png
    from migrasim.scenario.writer import variant_yaml

    lang, execution = options.lang, options.execution
    t = translator(lang)  # an unknown language fails here, before any simulation
    alpha = parse_plan_target(chance, target)
    data = read_scenario_data(path, overrides)
    spec = parse_scenario(data, str(path))
    out = out if out is not None else default_out("plan", [path])
    prepare_out_dir(out, force, [path])  # fail fast, before any simulation
    seed = default_seed(spec, options.seed)
    with cluster_session(execution):
        outcome = make_plan(data, str(path), spec, alpha, budget, joint, options.replications, seed,
                            execution, words=t.message)  # fmt: skip
        changes = (*overrides, *outcome.assignments)
        extra = [f"--chance={alpha:g}"] + (["--joint"] if joint else [])
        extra += [] if budget is None else [f"--budget={budget:g}"]
        command = reproduce_command("plan", [path], overrides, outcome.replications, seed, extra)
        plan_yaml = variant_yaml(path, changes, plan_yaml_header(outcome, command, t), t.message)
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
    files |= report_files_for(path, changes, base, report, {"frontier.png": chart},
                              command, lang, plan_tables(outcome), None, title=title)  # fmt: skip
    write_files(out, files, force=force, protect=[path])
    return PlanOutput(outcome, spec.name, out)
