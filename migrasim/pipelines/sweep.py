"""``migrasim sweep``'s pipeline: every point of a grid, each saved as it finishes (so an
interrupted sweep resumes), then sweep.csv, its chart and the report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrasim.analysis.experiment import Outcome, run_scenario
from migrasim.analysis.records import SweepPoint
from migrasim.analysis.runner import Execution, cluster_session
from migrasim.analysis.summary import summarise
from migrasim.analysis.sweep import (
    evaluate_point,
    grid_points,
    parse_grid,
    point_scenario,
    point_target,
    sweep_advice,
    sweep_point,
)
from migrasim.errors import N_, ResultsExistError
from migrasim.folder import (
    add_files,
    clear_folder,
    folder_lock,
    prepare_out_dir,
    resolve_out,
    start_folder,
    written_files,
)
from migrasim.pipelines.common import (
    DEFAULTS,
    Options,
    SweepEvents,
    default_out,
    default_seed,
    report_files_for,
    reproduce_command,
)
from migrasim.render.board import swept_axis, what_if_text
from migrasim.render.headlines import advice_text
from migrasim.render.i18n import fill, translator
from migrasim.render.inputs import sweep_table
from migrasim.render.messages import CHARTS
from migrasim.scenario.loader import read_scenario_data, read_yaml, what_changed
from migrasim.scenario.types import Scenario, parse_scenario

if TYPE_CHECKING:
    from migrasim.analysis.solve import Target
    from migrasim.analysis.sweep import SweepAdvice
    from migrasim.render.i18n import Translator
    from migrasim.scenario.overrides import Change


@dataclass(frozen=True)
class SweepOutput:
    """What ``sweep`` found and where it wrote it."""

    records: list[dict[str, Any]]  # sweep.csv's rows, in grid order
    keys: list[str]
    out: Path
    charted: bool  # False for more than two keys (no chart)
    advice: SweepAdvice | None = None  # the headline's answer (None: no point has a go-live)


def sweep(
    path: Path,
    grids: Sequence[str],
    overrides: Sequence[str] = (),
    out: Path | None = None,
    force: bool = False,
    resume: bool = False,
    options: Options = DEFAULTS,
    events: SweepEvents | None = None,
    target: str | None = None,
) -> SweepOutput:
    """Run every combination of a grid. Each point is saved (atomically) as soon as it
    finishes, so an interrupted sweep carries on with ``resume`` and gives the same sweep.csv;
    then sweep.csv, a chart, and a report of the unchanged scenario with the sweep's answer.
    Each point is judged by ``target`` (default: its P80 before go-live), ``go_live`` in it
    standing for the point's own go-live."""
    lang, execution = options.lang, options.execution
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
    seed = default_seed(spec, options.seed)
    out = out if out is not None else default_out("sweep", [path])
    manifest = {
        "scenario": str(path),
        "overrides": list(overrides),
        "grid": [[key, values] for key, values in grid],
        "replications": options.replications,
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
            base, replications = _sweep_count(spec, options, seed)
            run = _SweepRun(data, path, replications, seed, execution, out)
            records, typed = _sweep_points(run, points, go_lives, targets, events)
        charted, advice = _write_sweep(run, overrides, grids, target, spec, base, lang, t,
                                       records, typed, keys)  # fmt: skip
        return SweepOutput(records, keys, out, charted, advice)


def _sweep_count(spec: Scenario, options: Options, seed: int) -> tuple[Outcome | None, int | None]:
    """The replications every point runs: ``options.replications``, else the file's, except
    when there is no count or ``options.precision`` beats the file's: then as many as the
    unchanged scenario needs to meet the precision (a function of the scenario and seed, so a
    resumed sweep agrees), with that run of the unchanged scenario (else None)."""
    replications, precision = options.replications, options.precision
    if replications is None and (spec.replications is None or precision is not None):
        base = run_scenario(spec, None, seed, options.execution, precision=precision,
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
    # pandas: loaded by a sweep only, not by every command that imports the pipelines (api.py)
    from migrasim.render.tables import figure_png, frame_csv, sweep_frame

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
    files |= report_files_for(path, overrides, base, report, pngs, command, lang,
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
    # matplotlib: loaded by a sweep only, as ``render.tables`` in ``_write_sweep``
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
