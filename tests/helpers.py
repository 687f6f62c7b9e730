"""Small builders shared by the tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from click.testing import CliRunner

from migrasim.cli import cli
from migrasim.core.engine import Model, RunResult, simulate
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario

ALL_WEEK = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def scenario_dict(
    links: dict[str, Any],
    flows: list[dict[str, Any]],
    start: str = "2025-07-07",
    holidays: str = "none",
    working_days: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    calendar: dict[str, Any] = {"holidays": holidays}
    if working_days is not None:
        calendar["working_days"] = working_days
    calendar.update(extra.pop("calendar", {}))
    full = [{"source": "src", "target": "tgt", **f} for f in flows]
    return {
        "name": "test",
        "start": start,
        "calendar": calendar,
        "links": links,
        "flows": full,
        **extra,
    }


def run(data: dict[str, Any], record: bool = True) -> tuple[Model, RunResult]:
    model = build_model(parse_scenario(data))
    return model, simulate(model, record=record)


def finish(model: Model, result: RunResult, name: str) -> datetime | None:
    flow = next(f for f in result.flows if f.name == name)
    return None if flow.finished_s is None else model.clock.to_local(flow.finished_s)


def invoke(*args: str) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, stdout, stderr); any exception but SystemExit fails."""
    result = CliRunner().invoke(cli, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr
