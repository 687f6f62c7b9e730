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
from typing import Any

import click

from migrasim import __version__
from migrasim.errors import MigrasimError, ResultsExistError, ScenarioError


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


@cli.command()
@SCENARIO
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Results folder (default: results/<scenario file stem>/).",
)
@click.option("--force", is_flag=True, help="Replace an existing non-empty results folder.")
@_guarded
def run(scenario: Path, out: Path | None, force: bool) -> None:
    """Simulate SCENARIO and write summary.csv, timeline.csv and charts.

    \b
    Example:
      migrasim run scenarios/health_boards.yaml
    """
    from migrasim.engine import build_model, simulate
    from migrasim.loader import load_scenario
    from migrasim.outputs import prepare_out_dir, summary_frame, timeline_frame, write_results

    spec = load_scenario(scenario)
    out = out if out is not None else Path("results") / scenario.stem
    prepare_out_dir(out, force)  # fail fast, before any simulation
    model = build_model(spec)
    result = simulate(model, record=True)
    summary = summary_frame(model, result)
    timeline = timeline_frame(model, result)
    figures = _figures(model, summary, timeline)
    write_results(out, {"summary.csv": summary, "timeline.csv": timeline}, figures, force=force)
    _print_table(spec.name, spec.go_live, summary, out)


def _figures(model: Any, summary: Any, timeline: Any) -> dict[str, Any]:
    import pandas as pd

    from migrasim.plots import burnup_figure, gantt_figure

    go_live = model.scenario.go_live
    flows = summary[summary["flow"] != "ALL"]
    volumes = dict(zip(flows["flow"], flows["volume_bytes"].astype(float), strict=True))
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
    name = model.scenario.name
    return {
        "burnup.png": burnup_figure(timeline, volumes, go_live, f"{name}: data migrated"),
        "gantt.png": gantt_figure(bars, go_live, f"{name}: migration schedule"),
    }


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


def _print_table(name: str, go_live: Any, summary: Any, out: Path) -> None:
    header = f"{name} (baseline)"
    click.echo(header)
    if go_live is not None:
        click.echo(f"go-live {go_live}: a flow is in time if it completes by the day before")
    width = max(len("flow"), *(len(str(f)) for f in summary["flow"]))
    click.echo(f"{'flow':<{width}}  {'completes':<10}  {'vs go-live':<26}  bottleneck")
    late = 0
    for row in summary.itertuples(index=False):
        lateness = _describe_lateness(row.days_late)
        if row.flow != "ALL" and ("late" in lateness or "never" in lateness):
            late += 1
        if row.flow == "ALL":
            click.echo("-" * (width + 50))
        click.echo(f"{row.flow:<{width}}  {row.p50:<10}  {lateness:<26}  {row.bottleneck}")
    n = len(summary) - 1
    if go_live is not None:
        click.echo(f"{late} of {n} flows miss go-live.")
    click.echo(f"Results written to {out}/")


@cli.command()
@SCENARIO
@_guarded
def validate(scenario: Path) -> None:
    """Check SCENARIO without simulating; print every problem found."""
    from migrasim.loader import load_scenario

    spec = load_scenario(scenario)
    click.echo(f"{scenario}: valid ({len(spec.flows)} flows, {len(spec.links)} links)")


@cli.command()
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file, not stdout."
)
def schema(out: Path | None) -> None:
    """Print the JSON Schema of the scenario format (for editor autocompletion)."""
    from migrasim.scenario import scenario_json_schema

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
