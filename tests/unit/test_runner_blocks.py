"""Blocks of replications: identical for any worker count, and a prefix of longer runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from migrasim.analysis.draws import BLOCK_SIZE
from migrasim.analysis.runner import MonteCarloResult, run_monte_carlo
from migrasim.scenario.types import parse_scenario
from tests.helpers import scenario_dict

ROOT = Path(__file__).resolve().parents[2]


def lone() -> dict[str, object]:
    """Two flows on links of their own, with random outages and uncertain volumes."""
    return scenario_dict(
        {"L": {"daily_cap": "1 GB", "per_flow": True,
               "outages": {"mtbf": "10 days", "mttr": {"low": "1 h", "likely": "4 h",
                                                       "high": "2 days"}}}},
        [{"name": "A", "volume": {"low": "5 GB", "likely": "10 GB", "high": "30 GB"},
          "links": ["L"], "growth": "0.05 GB/day",
          "rejection": {"fraction": {"low": 0.01, "likely": 0.03, "high": 0.1}, "delay": "1 week"}},
         {"name": "B", "volume": {"low": "2 GB", "likely": "4 GB", "high": "9 GB"},
          "links": ["L"], "after": ["A"]}],
    )  # fmt: skip


def shared() -> dict[str, object]:
    """Two flows sharing a link: the event engine runs each replication."""
    return scenario_dict(
        {"S": {"daily_cap": "2 GB"}},
        [{"name": "A", "volume": {"low": "5 GB", "likely": "10 GB", "high": "30 GB"},
          "links": ["S"]},
         {"name": "B", "volume": {"low": "2 GB", "likely": "4 GB", "high": "9 GB"},
          "links": ["S"]}],
    )  # fmt: skip


def same(one: MonteCarloResult, two: MonteCarloResult) -> None:
    assert one.finished.tobytes() == two.finished.tobytes()
    assert [list(c.items()) for c in one.bottlenecks] == [list(c.items()) for c in two.bottlenecks]
    assert one.band_counts.tobytes() == two.band_counts.tobytes()


def test_batch_blocks_are_identical_for_any_worker_count() -> None:
    scenario = parse_scenario(lone())
    n = BLOCK_SIZE + 37  # two blocks, the second cut short
    same(run_monte_carlo(scenario, n, 5, workers=1), run_monte_carlo(scenario, n, 5, workers=2))


def test_engine_replications_are_identical_for_any_worker_count() -> None:
    scenario = parse_scenario(shared())
    same(run_monte_carlo(scenario, 120, 5, workers=1), run_monte_carlo(scenario, 120, 5, workers=2))


def test_more_replications_keep_the_ones_already_drawn() -> None:
    scenario = parse_scenario(lone())
    short = run_monte_carlo(scenario, 300, 9, workers=1).finished
    long = run_monte_carlo(scenario, BLOCK_SIZE + 300, 9, workers=1).finished
    assert np.array_equal(short, long[:300])
    assert not np.array_equal(long[:300], long[BLOCK_SIZE:])  # a new block is a new stream


@pytest.mark.parametrize("name", ["health_boards", "hardwired", "shipped_disks"])
@pytest.mark.parametrize("rows", [1, 37, 640])
def test_a_blocks_first_rows_drawn_alone_are_the_whole_blocks_first_rows(
    name: str, rows: int
) -> None:
    # Every kind of input (three-point estimates, a correlation group, lead times, outages
    # with uncertain repairs, shipments): drawing only the rows a run uses gives the numbers
    # the whole block gives them.
    from dataclasses import fields

    from migrasim.analysis.draws import clear_memo, draw_block, take_rows
    from migrasim.scenario.compile import build_model
    from migrasim.scenario.loader import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    model = build_model(scenario)
    clear_memo()
    whole = take_rows(draw_block(scenario, model, 3, 1), slice(0, rows))
    clear_memo()
    alone = draw_block(scenario, model, 3, 1, rows=rows)
    for field in fields(whole):
        if field.name == "down_drawn":  # names the draws (a cache key), not a value
            continue
        a, b = getattr(whole, field.name), getattr(alone, field.name)
        if field.name == "limits":  # the registered rules' columns, by key
            assert a.keys() == b.keys()
            for key in a:
                assert np.array_equal(a[key], b[key]), key
        elif isinstance(a, dict):
            assert a.keys() == b.keys()
            for key in a:
                # the same outages; only the inf padding after each row's last one may be
                # narrower (the rows drawn alone are not padded to the whole block's widest)
                for x, y in zip(a[key], b[key], strict=True):
                    width = max(int(np.isfinite(x).sum(axis=1).max(initial=0)), 0)
                    assert np.array_equal(x[:, :width], y[:, :width])
                    assert np.isinf(x[:, width:]).all()
                    assert np.isinf(y[:, width:]).all()
        else:
            assert np.array_equal(a, b), field.name
        if field.name == "volume":
            assert np.unique(a).size > 1  # the inputs are drawn, not constants
    assert whole.down  # outages are among them
