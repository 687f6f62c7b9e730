"""Draws reused across a decision loop, lazily drawn outages, and the precision stopping rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from migrasim.analysis import draws
from migrasim.analysis.draws import BLOCK_SIZE, draw_block, inputs_for
from migrasim.analysis.experiment import run_scenario, with_overrides
from migrasim.analysis.runner import Precision, precision_steps, run_monte_carlo
from migrasim.analysis.solve import solve
from migrasim.analysis.stats import date_stats
from migrasim.core.calendar import NEVER
from migrasim.core.engine import simulate
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario
from tests.unit.test_runner_blocks import lone, same


def test_reused_draws_give_the_same_replications_as_fresh_ones() -> None:
    """Outages drawn per row only as far as each flow reaches (a first run) and drawn to the
    horizon once and memoised (a decision loop) give byte-identical results."""
    scenario = parse_scenario(lone())
    draws.clear_memo()
    fresh = run_monte_carlo(scenario, BLOCK_SIZE + 50, 3, workers=1)
    reused = run_monte_carlo(scenario, BLOCK_SIZE + 50, 3, workers=1, reuse_draws=True)
    again = run_monte_carlo(scenario, BLOCK_SIZE + 50, 3, workers=2, reuse_draws=True)
    same(fresh, reused)
    same(fresh, again)


def test_bounded_outages_agree_with_the_engine_on_every_outage() -> None:
    """A replication solved with outages drawn only to its bound equals the engine run on the
    inputs with every outage to the horizon (the reference)."""
    scenario = parse_scenario(lone())
    model = build_model(scenario)
    draws.clear_memo()
    result = run_monte_carlo(scenario, 60, 11, workers=1, model=model)
    full = draw_block(scenario, model, 11, 0)
    for row in range(60):
        run = simulate(model, inputs_for(model, full, row))
        for f, flow in enumerate(run.flows):
            got = float(result.finished[row, f])
            if flow.finished_s == NEVER:
                assert math.isinf(got)
            else:
                assert abs(got - flow.finished_s) <= 1.0, (row, f)


def test_solve_on_reused_draws_equals_the_solved_value_run_from_scratch() -> None:
    data = lone()
    data["go_live"] = "2025-08-15"
    scenario = parse_scenario(data)
    seed = 4
    draws.clear_memo()
    solution = solve(data, None, "links.L.daily_cap", "0.2 GB", "5 GB", "P80 < go_live", 400,
                     seed)  # fmt: skip
    assert solution.value is not None
    draws.clear_memo()  # from scratch: nothing memoised, outages drawn lazily, band drawn
    changed = with_overrides(data, [("links.L.daily_cap", solution.value.text)], None)
    outcome = run_scenario(changed, 400, seed)
    stats = date_stats(outcome.days("ALL"), scenario.go_live)
    assert stats == solution.value.stats
    assert solution.value.met


def test_half_width_by_hand() -> None:
    """1,000 completions on days 0..999: the ~95 % interval of the P80 runs from rank 774 to
    824 (800 -/+ 1.96 sqrt(1000 x 0.8 x 0.2) = 775.2 .. 824.8, floored and ceiled, 0-based),
    so the half-width is (824 - 774) / 2 = 25 days."""
    programme = np.arange(1000) * 86400.0
    rule = Precision(days=25.0)
    assert rule.half_width_days(programme) == 25.0
    assert rule.met(programme)
    assert not Precision(days=24.9).met(programme)
    # default goal: the larger of 1 day and 1 % of the P80 (day 799 -> 7.99 days)
    assert Precision().goal_days(799 * 86400.0) == pytest.approx(7.99)
    assert Precision().goal_days(50 * 86400.0) == 1.0
    never = np.full(1000, np.inf)
    assert Precision().half_width_days(never) == 0.0  # "never" for sure is known
    some = programme.copy()
    some[810:] = np.inf  # upper end of the interval is never: not known
    assert Precision().half_width_days(some) == math.inf


def test_precision_stops_at_the_first_count_that_meets_it() -> None:
    scenario = parse_scenario(lone())
    rule = Precision(days=0.5, cap=16_000)
    result = run_monte_carlo(scenario, None, 2, workers=1, precision=rule)
    n = result.replications
    steps = list(precision_steps(rule.cap))
    assert n in steps
    assert result.half_width_days == rule.half_width_days(result.programme_finished)
    assert (result.half_width_days is not None and result.half_width_days <= 0.5) or n == rule.cap
    # every earlier count missed it: the replications are a prefix of a longer run
    longer = run_monte_carlo(scenario, n, 2, workers=1).finished.max(axis=1)
    assert np.array_equal(longer, result.programme_finished)
    for earlier in steps[: steps.index(n)]:
        assert not rule.met(longer[:earlier])


def test_precision_is_capped_and_the_same_for_any_worker_count() -> None:
    scenario = parse_scenario(lone())
    rule = Precision(days=1e-6, cap=2_500)
    one = run_monte_carlo(scenario, None, 8, workers=1, precision=rule)
    two = run_monte_carlo(scenario, None, 8, workers=2, precision=rule)
    assert one.replications == two.replications == 2_500
    assert one.half_width_days is not None
    assert one.half_width_days > 1e-6
    same(one, two)
    assert list(precision_steps(2_500)) == [1000, 2000, 2500]


def test_fix_search_in_wide_rounds_finds_the_bisection_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Many-flow scenarios search 15 factors a round; the stated fix is the same value."""
    import migrasim.analysis.advice as advice
    from migrasim.scenario.loader import load_scenario

    scenario = load_scenario("scenarios/health_boards.yaml")
    narrow = advice.fix_for(scenario, "capped", "s.yaml")
    monkeypatch.setattr(advice, "MANY_FLOWS", 0)
    wide = advice.fix_for(scenario, "capped", "s.yaml")
    assert narrow is not None
    assert wide is not None
    assert narrow.needed == wide.needed == "2.949 GB"
