"""Small builders shared by the tests."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from migrasim.cli import cli
from migrasim.core.calendar import NEVER
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


FALLBACK_ALL_DAY_THEN_TWO_HOURS = scenario_dict(
    {
        "slow": {"bandwidth": "10 Mbit/s", "per_flow": True},
        "fast": {"bandwidth": "100 Mbit/s", "window": "01:00-03:00", "per_flow": True,
                 "available_from": "2025-07-10", "fallback": "slow"},
    },
    [{"name": "F", "volume": "2000 GB", "links": ["fast"]}],
    working_days=ALL_WEEK,
)  # fmt: skip
"""2000 GB on a per-flow 10 Mbit/s link (all day) until a 100 Mbit/s link with a two-hour
night window is in (Thu 10 Jul 2025): the bottleneck rule's fallback case (docs/semantics.md,
"Bottleneck"), for the engine's hand-computed test and the batch solver's kept example."""


def run(data: dict[str, Any], record: bool = True) -> tuple[Model, RunResult]:
    model = build_model(parse_scenario(data))
    return model, simulate(model, record=record)


def finish(model: Model, result: RunResult, name: str) -> datetime | None:
    flow = next(f for f in result.flows if f.name == name)
    return None if flow.finished_s == NEVER else model.clock.to_local(flow.finished_s)


def invoke(*args: str) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, stdout, stderr); any exception but SystemExit fails."""
    result = CliRunner().invoke(cli, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


def assert_batch_agrees_with_engine(
    data: dict[str, Any], seed: int, rows: int, tol_s: float = 1.0
) -> None:
    """The first ``rows`` replications of block 0 through the batch solver against the event
    engine, one by one: every completion within ``tol_s`` (never is never), the bottleneck of
    every completed flow, and the burn-up band's bin at every day end within one."""

    from migrasim.analysis.draws import draw_block, take_rows
    from migrasim.core.batch import lone_flows, solve_block

    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, seed, 0), slice(0, rows))
    assert len(lone_flows(model, set(block.down))) == len(model.flows)
    assert_block_agrees(model, block, rows, tol_s, solve_block)


def assert_block_agrees(model: Any, block: Any, rows: int, tol_s: float, solve_block: Any) -> None:
    """``solve_block`` (a batch solver) on the first ``rows`` rows of ``block`` against the
    event engine, row by row: completions within ``tol_s``, bottlenecks, and the burn-up
    band's bin at every day end within one."""

    import numpy as np

    from migrasim.analysis.draws import inputs_for
    from migrasim.analysis.runner import band_day_ends, progress_bins, summarise

    day_ends = band_day_ends(model)[1]
    result = solve_block(model, block, day_ends, rows)
    for row in range(rows):
        run = simulate(model, inputs_for(model, block, row), record=True)
        # the burn-up band: the same progress bin at the end of every day (bins are 0.5 %)
        engine_bins = summarise(row, run, day_ends).progress_bins
        assert engine_bins is not None
        gap = np.abs(progress_bins(result.progress[row]) - engine_bins.astype(np.int64))
        assert gap.max() <= 1, f"row {row}: progress bins differ by {gap.max()}"
        assert_row_agrees(model, result, row, run, tol_s)


def assert_row_agrees(
    model: Model, result: Any, row: int, run: RunResult, tol_s: float = 1.0
) -> None:
    """Row ``row`` of a batch ``result`` against the engine's ``run`` of it: every completion
    within ``tol_s`` (never is never) and the bottleneck of every completed flow."""
    import math

    for f, flow in enumerate(run.flows):
        got = float(result.finished[row, f])
        where = f"row {row}, {flow.name}: engine {flow.finished_s}, batch {got}"
        if flow.finished_s == NEVER:
            assert math.isinf(got), where
            continue
        assert abs(got - flow.finished_s) <= tol_s, where
        link = int(result.bottleneck[row, f])
        assert (model.links[link].name if link >= 0 else None) == flow.bottleneck, where


DESIGN = Path(__file__).resolve().parents[1] / "docs" / "design.md"


def design_section(title: str) -> str:
    """The text of docs/design.md's section ``## title`` (to the next ``##`` heading)."""
    text = DESIGN.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def listed_paths(section: str, heading: str) -> list[str]:
    """The backquoted paths of the bullet list under ``heading`` (a line ending in a colon)."""
    block = section[section.index(heading) :].split("\n\n", 2)[1]
    return [m for line in block.splitlines() for m in re.findall(r"^- `([^`]+)`", line)]
