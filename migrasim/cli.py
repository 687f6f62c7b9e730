"""The ``migrasim`` command line. The only module that echoes or exits.

Exit codes: 0 success; 2 bad input (an invalid scenario, an existing results folder, bad usage);
1 a failure while running.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from migrasim import __version__
from migrasim.errors import MigrasimError, ResultsExistError, ScenarioError

if TYPE_CHECKING:
    from migrasim.analysis.runner import Execution


def _fail(message: str, code: int) -> None:
    for line in message.splitlines():
        click.echo(f"Error: {line}", err=True)
    sys.exit(code)


def _guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Map migrasim errors to exit codes with clear messages, never a traceback."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (ScenarioError, ResultsExistError) as exc:
            _fail(str(exc), 2)
        except MigrasimError as exc:
            _fail(str(exc), 1)
        except KeyboardInterrupt:
            _fail("interrupted; no results were written", 1)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # usage errors: click prints them and exits 2
        except Exception as exc:
            if os.environ.get("MIGRASIM_DEBUG"):
                raise
            _fail(
                f"internal error ({type(exc).__name__}: {exc}); no results were written. "
                "Please report it; set MIGRASIM_DEBUG=1 to see the traceback.",
                1,
            )
        return None

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migrasim")
def cli() -> None:
    """migrasim: when will a bulk data migration finish, and will it make go-live?

    Simulates every flow of a migration programme under its capacity rules (daily caps,
    bandwidth, transfer windows, working calendars, shared links) and reports completion
    dates, the chance of making go-live and the bottleneck.
    """


SCENARIO = click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
SET = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Change the scenario before it is checked, e.g. --set links.capped.daily_cap='5 GB' "
    "or --set flows[Cardiff].volume='400 GB'. Repeatable.",
)


def _check_scheduler(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    if value is not None:
        from migrasim.analysis.runner import ClusterError, check_address

        try:
            check_address(value)
        except ClusterError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


SCHEDULER = click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    callback=_check_scheduler,
    help="Run replications on this existing Dask cluster instead of local processes. "
    "Results do not depend on it.",
)


SEED = click.option(
    "--seed", type=click.IntRange(min=0), help="Random seed (default: the file's, else 0)."
)
WORKERS = click.option(
    "--workers",
    "-j",
    type=click.IntRange(min=1),
    help="Processes for the replications (default: all cores). Results do not depend on it.",
)
LANG = click.option(
    "--lang",
    type=click.Choice(["en", "cy"]),
    default="en",
    show_default=True,
    help="Language of report.html: English (en) or Welsh (cy).",
)


def _execution(workers: int | None, scheduler: str | None) -> Execution:
    """Where the replications run (a ``runner.Execution``)."""
    from migrasim.analysis.runner import Execution

    if workers is not None and scheduler is not None:
        raise click.UsageError(
            "--workers sets local processes; with --scheduler the cluster's workers run the "
            "replications (size the cluster with dask worker --nworkers instead)"
        )

    return Execution(workers, scheduler)


@cli.command()
@SCENARIO
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Results folder (default: results/<scenario file stem>/).",
)
@click.option("--force", is_flag=True, help="Replace an existing non-empty results folder.")
@SET
@click.option(
    "--replications",
    "-n",
    type=click.IntRange(min=1),
    help="Monte Carlo replications (default: the file's 'replications', else 1000 when any "
    "input is uncertain, else none).",
)
@SEED
@WORKERS
@SCHEDULER
@LANG
@_guarded
def run(
    scenario: Path,
    out: Path | None,
    force: bool,
    overrides: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    lang: str,
) -> None:
    """Simulate SCENARIO: completion dates, the chance of making go-live, the bottleneck.

    Writes summary.csv, timeline.csv, charts and (with replications) completions.csv,
    bottlenecks.csv and a completion CDF into the results folder.

    \b
    Example:
      migrasim run scenarios/health_boards.yaml
      migrasim run scenarios/health_boards.yaml --replications 4000 --seed 7
    """
    from migrasim.analysis.runner import run_monte_carlo
    from migrasim.analysis.sampling import has_uncertainty
    from migrasim.core.engine import simulate
    from migrasim.render.tables import (
        band_frame,
        bottlenecks_frame,
        completions_frame,
        figure_png,
        prepare_out_dir,
        summary_frame,
        timeline_frame,
        wide_intervals,
        write_results,
    )
    from migrasim.scenario.compile import build_model
    from migrasim.scenario.loader import load_scenario

    spec = load_scenario(scenario, overrides)
    _execution(workers, scheduler)  # refuse --workers with --scheduler before any work
    out = out if out is not None else Path("results") / scenario.stem
    prepare_out_dir(out, force)  # fail fast, before any simulation
    model = build_model(spec)
    baseline = simulate(model, record=True)
    uncertain = has_uncertainty(spec)
    n = replications or spec.replications or (1000 if uncertain else None)
    seed = seed if seed is not None else (spec.seed if spec.seed is not None else 0)
    mc = None
    if n is not None:
        with _ProgressBar(n) as progress:
            mc = run_monte_carlo(spec, n, seed, workers, progress, model, scheduler)
    summary = summary_frame(model, baseline, mc)
    timeline = timeline_frame(model, baseline)
    tables = {"summary.csv": summary, "timeline.csv": timeline}
    band = None
    if mc is not None:
        tables["completions.csv"] = completions_frame(model, mc)
        tables["bottlenecks.csv"] = bottlenecks_frame(mc)
        band = band_frame(mc)
    figures = _figures(model, summary, timeline, band, mc)
    if uncertain:
        from migrasim.analysis.sensitivity import swings
        from migrasim.render.plots import tornado_figure
        from migrasim.render.tables import sensitivity_frame

        baseline_s, swung = swings(model)
        tables["sensitivity.csv"] = sensitivity_frame(model, baseline_s, swung)
        figures["tornado.png"] = tornado_figure(
            tables["sensitivity.csv"], f"{spec.name}: what moves the completion date most"
        )
    pngs = {name: figure_png(figure) for name, figure in figures.items()}
    command = _command("run", [scenario], overrides, n, seed)
    headline = _run_headline(spec, scenario, overrides, summary, model)
    files = _report_files(
        spec, scenario, overrides, summary, pngs, command, seed, n, lang,
        {k.removesuffix(".csv"): v for k, v in tables.items() if k in _REPORT_TABLES}, headline,
    )  # fmt: skip
    write_results(out, tables, pngs, force=force, files=files)
    _print_table(spec.name, spec.go_live, summary, n, seed, uncertain)
    if headline.fix and headline.will_make_go_live is False:
        click.echo(f"What would fix it: {headline.fix}")
    wide = wide_intervals(summary)
    if wide:
        more = 4 * (n or 1)
        click.echo(
            f"Note: the P80 is uncertain to more than a week for {len(wide)} row(s), e.g. "
            f"{wide[0]}; run more replications (e.g. --replications {more})."
        )
    click.echo(f"Results written to {out}/")


_REPORT_TABLES = ("bottlenecks.csv", "sensitivity.csv")
"""Tables shown in the report (and workbook) besides the summary; the long ones stay in CSV."""


def _command(
    name: str,
    scenarios: Sequence[Path],
    overrides: tuple[str, ...],
    n: int | None,
    seed: int,
    extra: Sequence[str] = (),
) -> str:
    """The command that reproduces these results."""
    import shlex

    parts = ["migrasim", name, *(str(p) for p in scenarios), *extra]
    parts += [f"--set={o}" for o in overrides]
    if n is not None:
        parts += ["--replications", str(n)]
    parts += ["--seed", str(seed)]
    return shlex.join(parts)


def _run_headline(
    spec: Any, scenario: Path, overrides: tuple[str, ...], summary: Any, model: Any
) -> Any:
    """The report's headline for a run, with the capacity the bottleneck needs."""
    from migrasim.analysis.advice import fix_for
    from migrasim.render.report import headline_from

    row = summary[summary["flow"] == "ALL"].iloc[0]
    fix = fix_for(spec, str(row["bottleneck"] or ""), str(scenario), overrides, model)
    return headline_from(
        summary,
        spec.go_live,
        None if fix is None else fix.sentence(),
        None if fix is None else fix.sentence_cy(),
    )


def _report_files(
    spec: Any,
    scenario: Path,
    overrides: tuple[str, ...],
    summary: Any,
    pngs: dict[str, bytes],
    command: str,
    seed: int,
    replications: int | None,
    lang: str,
    extra_tables: dict[str, Any],
    headline: Any = None,
) -> dict[str, bytes]:
    """report.html and summary.xlsx for a run (or the base of a compare/sweep)."""
    from migrasim.render.report import ReportInputs, assumptions_of, render_html, xlsx_bytes

    if headline is None:
        headline = _run_headline(spec, scenario, overrides, summary, None)
    text = scenario.read_text(encoding="utf-8")
    if overrides:
        text += "\n# changed on the command line:\n" + "".join(
            f"#   --set {o}\n" for o in overrides
        )
    inputs = ReportInputs(
        title=spec.name,
        command=command,
        headline=headline,
        summary=summary,
        figures={name.removesuffix(".png"): data for name, data in pngs.items()},
        assumptions=assumptions_of(spec),
        scenario_text=text,
        seed=seed,
        replications=replications,
        version=__version__,
        extra_tables=extra_tables,
    )
    return {
        "report.html": render_html(inputs, lang).encode("utf-8"),
        "summary.xlsx": xlsx_bytes(inputs),
    }


class _ProgressBar:
    """A rich progress bar on a terminal; nothing when output is piped."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: Any = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not sys.stderr.isatty():
            return None
        from rich.progress import Progress

        self.bar = Progress(transient=True)
        self.bar.start()
        task = self.bar.add_task("replications", total=self.total)

        def update(done: int, total: int) -> None:
            self.bar.update(task, completed=done)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _figures(model: Any, summary: Any, timeline: Any, band: Any, mc: Any) -> dict[str, Any]:
    import pandas as pd

    from migrasim.render.plots import burnup_figure, cdf_figure, gantt_figure
    from migrasim.render.tables import DateConverter, date_stats

    go_live = model.go_live
    flows = summary[summary["flow"] != "ALL"]
    volumes = dict(zip(flows["flow"], flows["total_bytes"].astype(float), strict=True))
    bars = pd.DataFrame(
        {
            "flow": flows["flow"],
            "start": pd.to_datetime(flows["start"].replace("", None)),
            "end": pd.to_datetime(flows["baseline_completion"].replace("never", None)),
            "late": [
                go_live is not None and (d == "never" or int(d) > 0) for d in flows["days_late"]
            ],
        }
    )
    name = model.name
    figures = {
        "burnup.png": burnup_figure(timeline, volumes, go_live, f"{name}: data migrated", band),
        "gantt.png": gantt_figure(bars, go_live, f"{name}: baseline schedule"),
    }
    if mc is not None:
        convert = DateConverter(model)
        days = [convert(float(t)) for t in mc.programme_finished]
        stats = date_stats(days, go_live)
        figures["cdf.png"] = cdf_figure(
            days,
            go_live,
            {"P50": stats.p50, "P80": stats.p80, "P95": stats.p95},
            f"{name}: when will everything be across?",
        )
    return figures


def _describe_lateness(days_late: Any) -> str:
    if days_late in ("", None):
        return ""
    if days_late == "never":
        return "never completes"
    days = int(days_late)
    if days > 0:
        return f"{days} day{'s' if days != 1 else ''} late"
    if days == 0:
        return "on time, no days to spare"
    return f"{-days} day{'s' if days != -1 else ''} early"


def _print_table(
    name: str, go_live: Any, summary: Any, replications: int | None, seed: int, uncertain: bool
) -> None:
    if replications:
        click.echo(f"{name}: {replications} replications, seed {seed}")
    else:
        click.echo(f"{name}: deterministic (no uncertain inputs)")
    if go_live is not None:
        click.echo(f"go-live {go_live}: a flow is in time if it completes by the day before")
    width = max(len("flow"), *(len(str(f)) for f in summary["flow"]))
    risk = replications is not None
    head = f"{'flow':<{width}}  {'baseline':<10}  "
    head += f"{'P50':<10}  {'P80':<10}  {'P95':<10}  " if risk else f"{'vs go-live':<24}  "
    if go_live is not None and risk:
        head += f"{'P(by go-live) [95% CI]':<24}  "
    click.echo(head + "bottleneck")
    late = 0
    for row in summary.itertuples(index=False):
        base = _baseline_day(row)
        line = f"{row.flow:<{width}}  {base:<10}  "
        if risk:
            line += f"{row.p50:<10}  {row.p80:<10}  {row.p95:<10}  "
            if go_live is not None:
                prob = f"{float(row.prob_by_go_live):.2f} [{float(row.prob_ci_low):.2f}-"
                prob += f"{float(row.prob_ci_high):.2f}]"
                line += f"{prob:<24}  "
        else:
            line += f"{_describe_lateness(row.days_late):<24}  "
        bottleneck = str(row.bottleneck)
        if risk and bottleneck:
            bottleneck += f" ({float(row.bottleneck_share):.0%})"
        if row.flow == "ALL":
            click.echo("-" * len(line.rstrip()))
        elif (
            go_live is not None
            and row.days_late != ""
            and (row.days_late == "never" or int(row.days_late) > 0)
        ):
            late += 1
        click.echo(line + bottleneck)
    n = len(summary) - 1
    if go_live is not None:
        click.echo(f"Baseline: {late} of {n} flows miss go-live.")


def _baseline_day(row: Any) -> str:
    """The date the baseline completion counts for (00:00 belongs to the day before)."""
    from datetime import datetime

    from migrasim.core.calendar import completion_date

    moment = str(row.baseline_completion)
    if moment == "never":
        return moment
    return completion_date(datetime.fromisoformat(moment)).isoformat()


@cli.command()
@click.argument(
    "scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@SET
@click.option(
    "--variant",
    "variants",
    multiple=True,
    metavar="KEY=VALUE[;KEY=VALUE]",
    help="A variant of the first scenario with these changes (repeatable); compared with it.",
)
@click.option("--replications", "-n", type=click.IntRange(min=1), help="Replications each.")
@click.option("--seed", type=click.IntRange(min=0), help="Random seed (default: the first file's).")
@WORKERS
@SCHEDULER
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Results folder (default: results/compare-<first>-vs-<second>/).",
)
@click.option("--force", is_flag=True, help="Replace an existing non-empty results folder.")
@LANG
@_guarded
def compare(
    scenarios: tuple[Path, ...],
    overrides: tuple[str, ...],
    variants: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    out: Path | None,
    force: bool,
    lang: str,
) -> None:
    """Compare scenarios (or variants of one) on common random numbers.

    Every scenario runs with the same seed, so each uncertain input gets the same draws in each;
    differences from the first scenario come with paired 95% intervals. Writes compare.csv,
    overlaid CDF and burn-up charts, report.html and summary.xlsx.

    \b
    Examples:
      migrasim compare scenarios/health_boards.yaml scenarios/hardwired.yaml
      migrasim compare scenarios/health_boards.yaml --variant "links.capped.daily_cap=5 GB"
    """
    from migrasim.analysis.compare import compare_rows
    from migrasim.analysis.experiment import run_scenario
    from migrasim.analysis.runner import cluster_session
    from migrasim.render.plots import overlay_burnup_figure, overlay_cdf_figure
    from migrasim.render.tables import (
        band_frame,
        figure_png,
        overall_fraction,
        prepare_out_dir,
        rows_frame,
        write_results,
    )
    from migrasim.scenario.loader import load_scenario

    specs = [(path.stem, load_scenario(path, overrides)) for path in scenarios]
    sources = [(path, overrides) for path in scenarios]  # the file and --set of each
    for variant in variants:
        changes = (*overrides, *(part.strip() for part in variant.split(";") if part.strip()))
        specs.append((variant, load_scenario(scenarios[0], changes)))
        sources.append((scenarios[0], changes))
    if len(specs) < 2:
        raise click.UsageError("give two or more scenarios, or one with --variant")
    first = specs[0][1]
    seed = seed if seed is not None else (first.seed if first.seed is not None else 0)
    n = replications or max((s.replications or 0) for _, s in specs) or None
    labels = [label for label, _ in specs]
    if len(set(labels)) != len(labels):
        labels = [f"{i + 1}:{label}" for i, label in enumerate(labels)]
    second = scenarios[1].stem if len(scenarios) > 1 else "variants"
    out = out if out is not None else Path("results") / f"compare-{specs[0][0]}-vs-{second}"
    prepare_out_dir(out, force)
    outcomes = []
    execution = _execution(workers, scheduler)
    with cluster_session(execution):
        for label, (_, spec) in zip(labels, specs, strict=True):
            with _ProgressBar(n or 1000) as progress:
                outcomes.append((label, run_scenario(spec, n, seed, execution, progress)))
    table = rows_frame(compare_rows(outcomes, seed))
    go_live = first.go_live
    cdf = overlay_cdf_figure(
        {label: o.days("ALL") for label, o in outcomes}, go_live, "When will everything be across?"
    )
    lines = {label: overall_fraction(o.model, o.baseline) for label, o in outcomes}
    bands = {label: band_frame(o.mc) for label, o in outcomes if o.mc is not None}
    burnup = overlay_burnup_figure(lines, bands, go_live, "Data migrated, by scenario")
    pngs = {name: figure_png(f) for name, f in
            {"compare_cdf.png": cdf, "compare_burnup.png": burnup}.items()}  # fmt: skip
    command = _command("compare", scenarios, overrides, n, seed,
                       [f"--variant={v}" for v in variants])  # fmt: skip
    files = _compare_report(sources, outcomes, table, pngs, command, n, seed, lang)
    write_results(out, {"compare.csv": table}, pngs, force=force, files=files)
    reps = outcomes[0][1].replications
    click.echo(
        f"Comparing {len(outcomes)} scenarios: {reps} replications each, seed {seed}, "
        "common random numbers; changes are versus the first"
    )
    _print_comparison(table, labels, go_live is not None)
    click.echo(f"Results written to {out}/")


def _compare_report(
    sources: list[tuple[Path, tuple[str, ...]]],
    outcomes: list[Any],
    table: Any,
    pngs: dict[str, bytes],
    command: str,
    n: int | None,
    seed: int,
    lang: str,
) -> dict[str, bytes]:
    """The comparison's report: the headline and organisation table are those of the scenario
    most likely to make go-live (else the earliest P80); the headline's advice states what
    moving to it from the first scenario changes, with the paired intervals."""
    from migrasim.render.report import headline_from
    from migrasim.render.tables import summary_frame

    programme = table[table["flow"] == "ALL"].reset_index(drop=True)

    def rank(i: int) -> tuple[float, float]:
        row = programme.iloc[i]
        prob = float(row["prob_by_go_live"]) if row["prob_by_go_live"] != "" else 0.0
        p80 = row["p80"]
        return (-prob, float("inf") if p80 == "never" else _day_ordinal(p80))

    best = min(range(len(outcomes)), key=rank)
    label, outcome = outcomes[best]
    summary = summary_frame(outcome.model, outcome.baseline, outcome.mc)
    first = programme.iloc[0]
    row = programme.iloc[best]
    if best == 0:
        fix = (f"None of the alternatives does better than {first['scenario']} (P80 "
               f"{first['p80']}); see the comparison table.")  # fmt: skip
        fix_cy = (f"Nid oes yr un o'r dewisiadau eraill yn well na {first['scenario']} (P80 "
                  f"{first['p80']}); gweler y tabl cymharu.")  # fmt: skip
    else:
        days = float(row["p80_diff_days"])
        interval = _interval(row["p80_diff_ci_low"], row["p80_diff_ci_high"])
        fix = (f"Move from {first['scenario']} to {label}: the P80 date moves {abs(days):.0f} "
               f"days {'earlier' if days < 0 else 'later'}{interval}")  # fmt: skip
        fix_cy = (f"Symud o {first['scenario']} i {label}: mae'r dyddiad P80 yn symud "
                  f"{abs(days):.0f} diwrnod {'yn gynharach' if days < 0 else 'yn hwyrach'}"
                  f"{interval.replace('interval', 'cyfwng').replace(' to ', ' i ')}")  # fmt: skip
        if row["prob_diff"] != "":
            points = f"{100 * float(row['prob_diff']):+.0f}"
            within = _interval(row["prob_diff_ci_low"], row["prob_diff_ci_high"], 100.0)
            within = within.strip(" ()")
            before, after = float(first["prob_by_go_live"]), float(row["prob_by_go_live"])
            fix += (f" and the chance of making go-live goes from {before:.0%} to {after:.0%} "
                    f"({points} points" + (f"; {within})" if within else ")"))  # fmt: skip
            within_cy = within.replace("interval", "cyfwng").replace(" to ", " i ")
            fix_cy += (f" ac mae'r siawns o gyrraedd y dyddiad mynd yn fyw yn mynd o "
                       f"{before:.0%} i {after:.0%} ({points} pwynt"
                       + (f"; {within_cy})" if within_cy else ")"))  # fmt: skip
        fix, fix_cy = fix + ".", fix_cy + "."
    headline = headline_from(summary, outcome.scenario.go_live, fix, fix_cy)
    path, changed = sources[best]  # a --variant is echoed as its file with its changes
    return _report_files(
        outcome.scenario, path, changed, summary, pngs, command, seed,
        n if outcome.mc is not None else None, lang, {"compare": table}, headline,
    )  # fmt: skip


def _sweep_advice(
    records: list[dict[str, Any]], keys: list[str], go_live: Any
) -> tuple[str | None, str | None]:
    """The sweep's answer: the first point (in grid order) whose P80 is before go-live."""
    if go_live is None or not records:
        return None, None
    deadline = go_live.isoformat()

    def where(record: dict[str, Any]) -> str:
        return ", ".join(f"{k}={record[k]}" for k in keys)

    meets = [r for r in records if r["p80"] != "never" and str(r["p80"]) < deadline]
    if not meets:
        best = max(records, key=lambda r: float(r["prob_by_go_live"] or 0))
        chance = float(best["prob_by_go_live"] or 0)
        return (
            f"None of the {len(records)} settings swept brings the P80 before go-live; the best "
            f"is {where(best)} (P80 {best['p80']}, chance of making go-live {chance:.0%}).",
            f"Nid oes yr un o'r {len(records)} gosodiad a amrywiwyd yn dod â'r P80 cyn y dyddiad "
            f"mynd yn fyw; y gorau yw {where(best)} (P80 {best['p80']}, siawns {chance:.0%}).",
        )
    first = meets[0]
    chance = float(first["prob_by_go_live"] or 0)
    return (
        f"{len(meets)} of the {len(records)} settings swept bring the P80 before go-live; the "
        f"first is {where(first)} (P80 {first['p80']}, chance of making go-live {chance:.0%}).",
        f"Mae {len(meets)} o'r {len(records)} gosodiad a amrywiwyd yn dod â'r P80 cyn y dyddiad "
        f"mynd yn fyw; y cyntaf yw {where(first)} (P80 {first['p80']}, siawns {chance:.0%}).",
    )


def _day_ordinal(text: str) -> float:
    from datetime import date

    return float(date.fromisoformat(text).toordinal())


def _interval(low: Any, high: Any, scale: float = 1.0) -> str:
    """' (95% interval -130 to -110)', or '' when there is none."""
    if low == "" or high == "":
        return ""
    return f" (95% interval {float(low) * scale:+.0f} to {float(high) * scale:+.0f})"


def _print_comparison(table: Any, labels: list[str], with_go_live: bool) -> None:
    width = max(len("flow"), *(len(str(f)) for f in table["flow"]))
    label_width = max(len("scenario"), *(len(label) for label in labels))
    head = f"{'flow':<{width}}  {'scenario':<{label_width}}  {'P50':<10}  {'P80':<10}  "
    head += f"{'P80 change, days [95% CI]':<26}"
    if with_go_live:
        head += "  P(by go-live)  change [95% CI]"
    click.echo(head)
    for row in table.itertuples(index=False):
        line = f"{row.flow:<{width}}  {row.scenario:<{label_width}}  {row.p50:<10}  {row.p80:<10}  "
        change = ""
        if row.p80_diff_days != "":
            change = f"{float(row.p80_diff_days):+.0f}"
            if row.p80_diff_ci_low != "":
                change += (
                    f" [{float(row.p80_diff_ci_low):+.0f}, {float(row.p80_diff_ci_high):+.0f}]"
                )
        line += f"{change:<26}"
        if with_go_live:
            line += f"  {float(row.prob_by_go_live):<13.2f}"
            if row.prob_diff != "":
                line += (
                    f"  {float(row.prob_diff):+.2f} [{float(row.prob_diff_ci_low):+.2f}, "
                    f"{float(row.prob_diff_ci_high):+.2f}]"
                )
        click.echo(line.rstrip())


@cli.command()
@SCENARIO
@SET
@click.option(
    "--grid",
    "grids",
    multiple=True,
    required=True,
    metavar="KEY=V1,V2,...",
    help="Values to try for a key (repeat for more keys: every combination is run).",
)
@click.option("--replications", "-n", type=click.IntRange(min=1), help="Replications per point.")
@SEED
@WORKERS
@SCHEDULER
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Results folder (default: results/<stem>-sweep/).",
)
@click.option("--resume", is_flag=True, help="Carry on an interrupted sweep in --out.")
@LANG
@click.option("--force", is_flag=True, help="Start again, replacing an existing folder.")
@_guarded
def sweep(
    scenario: Path,
    overrides: tuple[str, ...],
    grids: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    out: Path | None,
    resume: bool,
    lang: str,
    force: bool,
) -> None:
    """Run every combination of a grid: P80 and the chance of go-live at each point.

    Each point is saved as soon as it finishes (points/NNNN.json), so an interrupted sweep
    carries on with --resume and produces the same sweep.csv. Writes sweep.csv and a chart
    (a line for one key, a heatmap for two), and report.html and summary.xlsx with the
    unchanged scenario's results and the sweep's answer.

    \b
    Example:
      migrasim sweep scenarios/health_boards.yaml --grid links.capped.daily_cap="1 GB,2 GB,5 GB"
    """
    import json
    import shutil

    from migrasim.analysis.experiment import run_scenario
    from migrasim.analysis.runner import cluster_session
    from migrasim.analysis.sweep import evaluate_point, grid_points, parse_grid
    from migrasim.render.plots import sweep_heatmap_figure, sweep_line_figure
    from migrasim.render.report import headline_from
    from migrasim.render.tables import (
        figure_png,
        frame_csv,
        rows_frame,
        summary_frame,
        write_bytes_atomic,
        write_text_atomic,
    )
    from migrasim.scenario.loader import read_scenario_data, read_yaml
    from migrasim.scenario.types import parse_scenario

    data = read_scenario_data(scenario, overrides)
    spec = parse_scenario(data, str(scenario))
    grid = parse_grid(grids)
    points = grid_points(grid)
    for point in points:  # check every point's scenario before running any
        from migrasim.analysis.experiment import with_overrides

        with_overrides(data, [(k, read_yaml(v, "--grid")) for k, v in point.items()], str(scenario))
    seed = seed if seed is not None else (spec.seed if spec.seed is not None else 0)
    out = out if out is not None else Path("results") / f"{scenario.stem}-sweep"
    manifest = {
        "scenario": str(scenario),
        "overrides": list(overrides),
        "grid": [[key, values] for key, values in grid],
        "replications": replications,
        "seed": seed,
    }
    manifest_path = out / "manifest.json"
    if out.exists() and any(out.iterdir()):
        if resume:
            try:
                previous = json.loads(manifest_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise ResultsExistError(
                    f"{out} holds no sweep to resume (no readable manifest.json)"
                ) from None
            if previous != manifest:
                raise ResultsExistError(
                    f"{out} holds a different sweep (other scenario, grid, seed or replications);"
                    " use another --out, or --force to start again"
                )
        elif force:
            shutil.rmtree(out)
        else:
            raise ResultsExistError(
                f"{out} already holds results; pass --resume to carry on, --force to start again"
                " or --out for a new folder"
            )
    write_text_atomic(manifest_path, json.dumps(manifest, indent=2) + "\n")
    records = []
    click.echo(f"Sweep of {len(points)} points, seed {seed}: {', '.join(k for k, _ in grid)}")
    execution = _execution(workers, scheduler)
    with cluster_session(execution):
        for index, point in enumerate(points):
            path = out / "points" / f"{index:04d}.json"
            if path.exists():
                record = json.loads(path.read_text(encoding="utf-8"))
                state = "saved earlier"
            else:
                record = evaluate_point(
                    data, str(scenario), point, replications, seed, execution,
                    lambda text: read_yaml(text, "--grid"),
                )  # fmt: skip
                write_text_atomic(path, json.dumps(record, indent=2) + "\n")
                state = "done"
            records.append(record)
            chance = record["prob_by_go_live"]
            chance_text = "" if chance == "" else f", chance {float(chance):.2f}"
            values = ", ".join(f"{k}={v}" for k, v in point.items())
            step = f"[{index + 1}/{len(points)}] {values}"
            click.echo(f"  {step}: P80 {record['p80']}{chance_text} ({state})")
    table = rows_frame([{"point": i, **r} for i, r in enumerate(records)])
    write_text_atomic(out / "sweep.csv", frame_csv(table))
    keys = [key for key, _ in grid]
    figure = None
    if len(keys) == 1:
        figure = sweep_line_figure(table, keys[0], spec.go_live, f"{spec.name}: sweep of {keys[0]}")
    elif len(keys) == 2:
        figure = sweep_heatmap_figure(table, keys[0], keys[1], f"{spec.name}: chance of go-live")
    else:
        click.echo("No chart for more than two swept keys; see sweep.csv.")
    pngs: dict[str, bytes] = {}
    if figure is not None:
        pngs["sweep.png"] = figure_png(figure)
        write_bytes_atomic(out / "sweep.png", pngs["sweep.png"])
    # The report: the unchanged scenario's results (same seed, so on the sweep's draws), with
    # the sweep's answer as the headline's advice.
    with cluster_session(execution):
        base = run_scenario(spec, replications, seed, execution)
    summary = summary_frame(base.model, base.baseline, base.mc)
    fix, fix_cy = _sweep_advice(records, keys, spec.go_live)
    headline = headline_from(summary, spec.go_live, fix, fix_cy)
    command = _command("sweep", [scenario], overrides, replications, seed,
                       [f"--grid={g}" for g in grids])  # fmt: skip
    files = _report_files(
        spec, scenario, overrides, summary, pngs, command, seed,
        base.replications if base.mc is not None else None, lang, {"sweep": table}, headline,
    )  # fmt: skip
    for name, content in files.items():
        write_bytes_atomic(
            out / name, content.encode("utf-8") if isinstance(content, str) else content
        )
    click.echo(f"Results written to {out}/")


@cli.command()
@SCENARIO
@SET
@click.option(
    "--vary", "key", required=True, help="Key to change, e.g. links.capped.daily_cap or start."
)
@click.option(
    "--between",
    nargs=2,
    required=True,
    metavar="LOW HIGH",
    help="Range to search, as you would write the value, e.g. '1 GB' '20 GB' or two dates.",
)
@click.option(
    "--target",
    "target",
    default="P80 < go_live",
    show_default=True,
    help="What must hold: 'P50|P80|P95 <|<= DATE|go_live' or 'prob_by_go_live >= 0.9'.",
)
@click.option("--flow", default="ALL", show_default=True, help="Flow the target applies to.")
@click.option("--replications", "-n", type=click.IntRange(min=1), help="Replications per point.")
@SEED
@WORKERS
@SCHEDULER
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for solve.json (default: results/<stem>-solve/).",
)
@click.option("--force", is_flag=True, help="Replace an existing non-empty results folder.")
@_guarded
def solve(
    scenario: Path,
    overrides: tuple[str, ...],
    key: str,
    between: tuple[str, str],
    target: str,
    flow: str,
    replications: int | None,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    out: Path | None,
    force: bool,
) -> None:
    """Find the smallest value of a key (or latest start) that meets a target.

    Bisection over the range with common random numbers, after checking the target is monotone
    across it. Writes solve.json.

    \b
    Examples:
      migrasim solve scenarios/health_boards.yaml --vary links.capped.daily_cap \\
          --between "1 GB" "20 GB" --target "P80 < go_live"
      migrasim solve scenarios/hardwired.yaml --vary start --between 2025-06-02 2025-12-01
    """
    from migrasim.analysis.solve import solution_json
    from migrasim.analysis.solve import solve as run_solve
    from migrasim.render.tables import prepare_out_dir, write_json
    from migrasim.scenario.loader import read_scenario_data, read_yaml
    from migrasim.scenario.types import parse_scenario

    data = read_scenario_data(scenario, overrides)
    spec = parse_scenario(data, str(scenario))
    out = out if out is not None else Path("results") / f"{scenario.stem}-solve"
    prepare_out_dir(out, force)
    seed = seed if seed is not None else (spec.seed if spec.seed is not None else 0)

    def show(point: Any) -> None:
        p80 = point.stats.p80 or "never"
        prob = "" if point.stats.prob is None else f", chance {point.stats.prob:.2f}"
        click.echo(
            f"  {key} = {point.text}: P80 {p80}{prob} -> {'met' if point.met else 'not met'}"
        )

    click.echo(f"Solving {target!r} for {flow} by varying {key} in [{between[0]}, {between[1]}]")
    solution = run_solve(
        data, str(scenario), key, between[0], between[1], target, replications, seed,
        _execution(workers, scheduler), flow, lambda text: read_yaml(text, "--between"),
        on_point=show,
    )  # fmt: skip
    record = solution_json(solution)
    write_json(out, "solve.json", record, force=force)
    if solution.value is None:
        click.echo(f"Not achievable in the range: {solution.note}.")
    else:
        stats = solution.value.stats
        prob = "" if stats.prob is None else f", chance by go-live {stats.prob:.2f}"
        click.echo(
            f"{solution.direction.capitalize()} {key} meeting {target!r}: {solution.value.text} "
            f"(P80 {stats.p80 or 'never'}{prob}; {solution.replications} replications, seed {seed})"
        )
        if solution.note:
            click.echo(f"Note: {solution.note}.")
    click.echo(f"Results written to {out}/")
    if solution.value is None:
        sys.exit(1)


@cli.command()
@SCENARIO
@SET
@_guarded
def validate(scenario: Path, overrides: tuple[str, ...]) -> None:
    """Check SCENARIO without simulating; print every problem found."""
    from migrasim.scenario.loader import load_scenario

    spec = load_scenario(scenario, overrides)
    flows, links = len(spec.flows), len(spec.links)
    click.echo(
        f"{scenario}: valid ({flows} flow{'s' * (flows != 1)}, {links} link{'s' * (links != 1)})"
    )


@cli.command()
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file, not stdout."
)
def schema(out: Path | None) -> None:
    """Print the JSON Schema of the scenario format (for editor autocompletion)."""
    from migrasim.scenario.types import scenario_json_schema

    text = json.dumps(scenario_json_schema(), indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"Schema written to {out}")


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    cli()
