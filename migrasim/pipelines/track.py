"""``migrasim track``'s pipeline: the re-forecast from a transfer log against the plan,
the fix for the work left, progress.csv, the burn-up chart and the report (with
``--history``, :mod:`~migrasim.pipelines.track_history`)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrasim.analysis.advice import fix_for
from migrasim.analysis.board import capacity_need
from migrasim.analysis.experiment import Outcome, Progress, run_scenario
from migrasim.analysis.parallel import forked, scoped
from migrasim.analysis.records import RunReport
from migrasim.analysis.reforecast import programme_slip, restated_fix, restated_need
from migrasim.analysis.runner import Execution
from migrasim.analysis.summary import summarise
from migrasim.analysis.track import (
    TrackOutcome,
    baseline_bottleneck,
    condition,
    forecast_run,
    progress_rows,
)
from migrasim.folder import prepare_out_dir, write_files
from migrasim.pipelines.common import (
    DEFAULTS,
    Options,
    ProgressFactory,
    default_out,
    default_seed,
    report_inputs,
    reproduce_command,
)
from migrasim.pipelines.track_history import history_before, record_forecast, track_history
from migrasim.render.bundle import csv_files, fix_files, report_files, report_tables
from migrasim.render.i18n import fill, translator
from migrasim.render.messages import CHARTS
from migrasim.scenario.actuals import read_actuals
from migrasim.scenario.compile import build_model
from migrasim.scenario.loader import load_scenario
from migrasim.scenario.types import Scenario

if TYPE_CHECKING:
    from migrasim.analysis.track import Conditioned, FlowProgress, TrackOutcome
    from migrasim.scenario.actuals import ActualsLog


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
    options: Options = DEFAULTS,
    month_first: bool = False,
    history: Path | None = None,
) -> TrackOutput:
    """Re-forecast SCENARIO from the transfer log ``actuals`` as of ``as_of`` (default: the day
    after its last date): the plan and the re-forecast on the same seed; the programme's slip
    against the plan (paired), and what would fix the work left from the as-of date (``run``'s
    advice on the remaining scenario); writes summary.csv (the re-forecast), progress.csv,
    fix.csv, track_burnup.png, report.html and summary.xlsx. With ``history`` (a CSV file),
    appends the forecast to it and adds the P80 trend and what moved the date since the
    previous forecast to the report (:func:`track_history`)."""
    # here and below: pandas, matplotlib and the history file's module load for ``track`` only,
    # not for every command that imports the pipelines (api.py)
    from migrasim.render.track_tables import progress_table
    from migrasim.scenario.history_file import store_folder

    spec = load_scenario(path, overrides)
    log = read_actuals(actuals, str(actuals), spec, as_of, month_first=month_first)
    out = out if out is not None else default_out("track", [path])
    kept = [path, actuals] + ([] if history is None else [history, store_folder(history)])
    prepare_out_dir(out, force, kept)  # fail fast, before any simulation
    past = None if history is None else history_before(history, path, overrides, spec, log)
    seed, lang, execution = default_seed(spec, options.seed), options.lang, options.execution
    # The re-forecast first (with the capacity search for the work left forked meanwhile),
    # then the plan (``track_scenario``'s two runs, the same seed).
    conditioned = condition(spec, log)
    remaining = conditioned.to_simulate
    ahead = _reforecast(conditioned, path, overrides, seed,
                        options.replications or spec.replications, execution,
                        options.progress)  # fmt: skip
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
        kept_history = track_history(history, past, spec, log, result, forecast, seed,
                                     execution, lang)  # fmt: skip
        extra_tables += kept_history.tables
        pngs |= kept_history.pngs
    files = {**csv_files(tables), **pngs, **fix_files(forecast)}
    if kept_history is not None:
        files |= kept_history.csvs
    inputs = report_inputs(path, overrides, result.forecast, forecast, command, extra_tables,
                           advice)  # fmt: skip
    inputs = replace(inputs, slip=slip, unreported=tuple(r.name for r in rows if not r.reported))
    files |= report_files(inputs, lang, lambda: pngs)
    write_files(out, files, force=force, protect=kept)
    if history is not None and past is not None and kept_history is not None:
        kept_history = record_forecast(history, past, kept_history)
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
