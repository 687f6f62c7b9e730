"""The batch solver's stack of per-flow outages is shared by the points of a decision loop
through a cache keyed by the values that name the draws (``BlockInputs.down_drawn``), never by
where the arrays lie in memory: equal draws share one stack, other draws never do."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from migrasim.analysis import draws
from migrasim.analysis.draws import draw_block, take_rows
from migrasim.core import batch
from migrasim.scenario.compile import build_model
from migrasim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def _stack_of(seed: int, rows: slice = slice(0, 100)) -> tuple[np.ndarray, np.ndarray] | None:
    scenario = load_scenario(ROOT / "scenarios" / "health_boards.yaml")
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, seed, 0), rows)
    link = next(i for i, link in enumerate(model.links) if link.per_flow)
    flows = np.repeat(np.arange(len(model.flows)), block.rows)
    entries = np.tile(np.arange(block.rows), len(model.flows))
    return batch._down_rows(block, link, True, entries, flows)


def test_equal_draws_share_one_stack_though_drawn_again_into_new_arrays() -> None:
    batch._stacked.cache_clear()
    first = _stack_of(5)
    draws.clear_memo()  # the same outages drawn again: new arrays, the same values
    second = _stack_of(5)
    assert first is not None
    assert second is not None
    assert second[0] is first[0]  # one stack, found by the draws' names
    assert batch._stacked.cache_info().hits == 1
    assert not first[0].flags.writeable  # shared, so read-only


def test_other_draws_or_other_rows_get_their_own_stack() -> None:
    batch._stacked.cache_clear()
    first = _stack_of(5)
    other_seed = _stack_of(6)
    other_rows = _stack_of(6, slice(100, 200))
    assert first is not None
    assert other_seed is not None
    assert other_rows is not None
    assert not np.array_equal(first[0], other_seed[0])
    assert not np.array_equal(other_seed[0], other_rows[0])
    assert batch._stacked.cache_info().hits == 0


def test_outages_drawn_for_one_run_alone_are_stacked_afresh_and_equal() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "health_boards.yaml")
    model = build_model(scenario)
    whole = draw_block(scenario, model, 5, 0)
    link = next(i for i, link in enumerate(model.links) if link.per_flow)
    bounds = {(link, f): np.full(whole.rows, model.horizon) for f in range(len(model.flows))}
    bounded = draws.with_outages_until(scenario, model, 5, 0, whole, bounds)
    assert bounded.down_drawn == {}  # drawn to bounds per row: not memoised, not named
    flows = np.repeat(np.arange(len(model.flows)), 10)
    entries = np.tile(np.arange(10), len(model.flows))
    batch._stacked.cache_clear()
    named = batch._down_rows(whole, link, True, entries, flows)
    unnamed = batch._down_rows(bounded, link, True, entries, flows)
    assert named is not None
    assert unnamed is not None
    assert batch._stacked.cache_info().currsize == 1  # only the named one was kept
    np.testing.assert_array_equal(named[0], unnamed[0])
    np.testing.assert_array_equal(named[1], unnamed[1])
