"""The ``migrasim`` command line. The only module that echoes or exits.

Exit codes: 0 success; 2 bad input (an invalid scenario, an existing results folder, bad usage);
1 a failure while running.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from migrasim import __version__
from migrasim.errors import MigrasimError, OutputError, ScenarioError

if TYPE_CHECKING:
    from migrasim.analysis.records import RunReport
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
        except (ScenarioError, OutputError) as exc:
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


PRECISION = click.option(
    "--precision",
    metavar="DAYS",
    type=click.FloatRange(min=0, min_open=True),
    help="With no replication count (option or file): run blocks of 1,000 until the "
    "programme's P80 is known within this many days either way (default: the larger of 1 day "
    "and 1 % of the time from the start to the P80), up to 100,000 replications.",
)


def _precision(days: float | None) -> Any:
    """The stopping rule for ``--precision`` (None: the default one)."""
    from migrasim.analysis.runner import Precision

    return None if days is None else Precision(days=days)


def _execution(workers: int | None, scheduler: str | None) -> Execution:
    """Where the replications run (a ``runner.Execution``)."""
    from migrasim.analysis.runner import Execution

    if workers is not None and scheduler is not None:
        raise click.UsageError(
            "--workers sets local processes; with --scheduler the cluster's workers run the "
            "replications (size the cluster with dask worker --nworkers instead)"
        )

    return Execution(workers, scheduler)


class _Progress:
    """Rich progress bars on a terminal, one per Monte Carlo run; nothing when piped.

    Use as a context manager; the object it gives is an ``app.ProgressFactory``."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __enter__(self) -> Callable[[], Callable[[int, int], None] | None]:
        return self.callback

    def callback(self) -> Callable[[int, int], None] | None:
        if not sys.stderr.isatty():
            return None
        from rich.progress import Progress

        if self.bar is None:
            self.bar = Progress(transient=True)
            self.bar.start()
        task = self.bar.add_task("replications", total=None)

        def update(done: int, total: int) -> None:
            self.bar.update(task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


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
    help="Monte Carlo replications (default: the file's 'replications', else as many as "
    "--precision needs when any input is uncertain, else none).",
)
@SEED
@WORKERS
@SCHEDULER
@PRECISION
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
    precision: float | None,
) -> None:
    """Simulate SCENARIO: completion dates, the chance of making go-live, the bottleneck.

    Writes summary.csv, timeline.csv, charts and (with replications) completions.csv,
    bottlenecks.csv and a completion CDF into the results folder.

    \b
    Example:
      migrasim run scenarios/health_boards.yaml
      migrasim run scenarios/health_boards.yaml --replications 4000 --seed 7
    """
    from migrasim import app

    execution = _execution(workers, scheduler)  # refuse --workers with --scheduler first
    with _Progress() as progress:
        result = app.run(
            scenario, overrides, out, force, replications, seed, execution, lang, progress,
            _precision(precision),
        )  # fmt: skip
    report = result.report
    _print_table(report)
    if report.fix is not None and result.headline_late:
        click.echo(f"What would fix it: {report.fix.sentence()}")
    if report.precision_half_width_days is not None:
        reached = report.precision_half_width_days
        goal = report.precision_goal_days
        state = "capped before reaching" if report.precision_capped else "reaching"
        click.echo(
            f"Replications: {report.replications:,}, {state} a programme P80 known within "
            f"+/- {reached:.1f} days (asked +/- {goal:.1f}; --precision to change it)."
        )
    if result.wide_intervals:
        more = 4 * (report.replications or 1)
        click.echo(
            f"Note: the P80 is uncertain to more than a week for {len(result.wide_intervals)} "
            f"row(s), e.g. {result.wide_intervals[0]}; run more replications (e.g. "
            f"--replications {more})."
        )
    click.echo(f"Results written to {result.out}/")


def _describe_lateness(days_late: int | None) -> str:
    if days_late is None:
        return "never completes"
    if days_late > 0:
        return f"{days_late} day{'s' if days_late != 1 else ''} late"
    if days_late == 0:
        return "on time, no days to spare"
    return f"{-days_late} day{'s' if days_late != -1 else ''} early"


def _day(day: Any) -> str:
    return "never" if day is None else str(day.isoformat())


def _print_table(report: RunReport) -> None:
    """The run's records as a terminal table, then the status counts."""
    from migrasim.core.rules import percent_text

    go_live = report.go_live
    if report.replications:
        click.echo(f"{report.scenario_name}: {report.replications} replications, "
                   f"seed {report.seed}")  # fmt: skip
    else:
        click.echo(f"{report.scenario_name}: deterministic (no uncertain inputs)")
    if go_live is not None:
        click.echo(f"go-live {go_live}: a flow is in time if it completes by the day before")
    width = max(len("flow"), *(len(row.name) for row in report.rows))
    risk = not report.deterministic
    head = f"{'flow':<{width}}  {'baseline':<10}  "
    head += f"{'P50':<10}  {'P80':<10}  {'P95':<10}  " if risk else f"{'vs go-live':<24}  "
    if go_live is not None and risk:
        head += f"{'P(by go-live) [95% CI]':<24}  "
    click.echo(head + "bottleneck")
    for row in report.rows:
        line = f"{row.name:<{width}}  {_day(row.baseline_completed_on):<10}  "
        if risk:
            line += f"{_day(row.p50):<10}  {_day(row.p80):<10}  {_day(row.p95):<10}  "
            if go_live is not None and row.chance is not None and row.chance_ci is not None:
                low, high = row.chance_ci
                prob = f"{row.chance:.2f} [{low:.2f}-{high:.2f}]"
                line += f"{prob:<24}  "
        else:
            lateness = "" if go_live is None else _describe_lateness(row.days_late)
            line += f"{lateness:<24}  "
        bottleneck = row.bottleneck
        if risk and bottleneck:
            bottleneck += f" ({percent_text(row.bottleneck_share)})"
        if row.is_programme:
            click.echo("-" * len(line.rstrip()))
        click.echo(line + bottleneck)
    counts = report.counts
    if go_live is not None:
        click.echo(f"Baseline: {counts.late_in_baseline} of {counts.flows} flows miss go-live.")
        if risk:
            click.echo(
                f"Status: {counts.late} of {counts.flows} likely late, {counts.at_risk} at risk, "
                f"{counts.on_track} on track."
            )


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
@PRECISION
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
    precision: float | None,
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
    from migrasim import app

    if len(scenarios) + len(variants) < 2:
        raise click.UsageError("give two or more scenarios, or one with --variant")
    execution = _execution(workers, scheduler)
    with _Progress() as progress:
        result = app.compare(
            scenarios, overrides, variants, out, force, replications, seed, execution, lang,
            progress, _precision(precision),
        )  # fmt: skip
    click.echo(
        f"Comparing {len(result.labels)} scenarios: {result.replications} replications each, "
        f"seed {result.seed}, common random numbers; changes are versus the first"
    )
    _print_comparison(result.rows, result.labels, result.go_live is not None)
    click.echo(f"Results written to {result.out}/")


def _print_comparison(rows: list[dict[str, Any]], labels: list[str], with_go_live: bool) -> None:
    width = max(len("flow"), *(len(str(r["flow"])) for r in rows))
    label_width = max(len("scenario"), *(len(label) for label in labels))
    head = f"{'flow':<{width}}  {'scenario':<{label_width}}  {'P50':<10}  {'P80':<10}  "
    head += f"{'P80 change, days [95% CI]':<26}"
    if with_go_live:
        head += "  P(by go-live)  change [95% CI]"
    click.echo(head)
    for row in rows:
        line = f"{row['flow']:<{width}}  {row['scenario']:<{label_width}}  {row['p50']:<10}  "
        line += f"{row['p80']:<10}  "
        change = ""
        if row.get("p80_diff_days", "") != "":
            change = f"{float(row['p80_diff_days']):+.0f}"
            if row["p80_diff_ci_low"] != "":
                change += (
                    f" [{float(row['p80_diff_ci_low']):+.0f}, "
                    f"{float(row['p80_diff_ci_high']):+.0f}]"
                )
        line += f"{change:<26}"
        if with_go_live:
            line += f"  {float(row['prob_by_go_live']):<13.2f}"
            if row.get("prob_diff", "") != "":
                line += (
                    f"  {float(row['prob_diff']):+.2f} [{float(row['prob_diff_ci_low']):+.2f}, "
                    f"{float(row['prob_diff_ci_high']):+.2f}]"
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
@PRECISION
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
    precision: float | None,
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
    from migrasim import app

    def started(points: int, seed: int, keys: list[str]) -> None:
        click.echo(f"Sweep of {points} points, seed {seed}: {', '.join(keys)}")

    def point(
        index: int, total: int, values: dict[str, str], record: dict[str, Any], earlier: bool
    ) -> None:
        chance = record["prob_by_go_live"]
        chance_text = "" if chance == "" else f", chance {float(chance):.2f}"
        where = ", ".join(f"{k}={v}" for k, v in values.items())
        state = "saved earlier" if earlier else "done"
        click.echo(f"  [{index + 1}/{total}] {where}: P80 {record['p80']}{chance_text} ({state})")

    execution = _execution(workers, scheduler)
    result = app.sweep(
        scenario, grids, overrides, out, force, resume, replications, seed, execution, lang,
        app.SweepEvents(started, point), _precision(precision),
    )  # fmt: skip
    if not result.charted:
        click.echo("No chart for more than two swept keys; see sweep.csv.")
    click.echo(f"Results written to {result.out}/")


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
@PRECISION
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
    precision: float | None,
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
    from migrasim import app

    def show(point: Any) -> None:
        p80 = point.stats.p80 or "never"
        prob = "" if point.stats.prob is None else f", chance {point.stats.prob:.2f}"
        click.echo(
            f"  {key} = {point.text}: P80 {p80}{prob} -> {'met' if point.met else 'not met'}"
        )

    execution = _execution(workers, scheduler)
    click.echo(f"Solving {target!r} for {flow} by varying {key} in [{between[0]}, {between[1]}]")
    solution, folder = app.solve(
        scenario, key, between, target, flow, overrides, out, force, replications, seed,
        execution, show, _precision(precision),
    )  # fmt: skip
    if solution.value is None:
        click.echo(f"Not achievable in the range: {solution.note}.")
    else:
        stats = solution.value.stats
        prob = "" if stats.prob is None else f", chance by go-live {stats.prob:.2f}"
        click.echo(
            f"{solution.direction.capitalize()} {key} meeting {target!r}: {solution.value.text} "
            f"(P80 {stats.p80 or 'never'}{prob}; {solution.replications} replications, "
            f"seed {solution.seed})"
        )
        if solution.note:
            click.echo(f"Note: {solution.note}.")
    click.echo(f"Results written to {folder}/")
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
