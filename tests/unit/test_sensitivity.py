"""Tornado: each uncertain input swung low to high with the rest at their most likely."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from migrasim.analysis import uncertain
from migrasim.analysis.draws import draw_block
from migrasim.analysis.experiment import Outcome
from migrasim.analysis.sensitivity import block_of, swings
from migrasim.analysis.summary import summarise
from migrasim.core import kinds
from migrasim.core.block import row_inputs
from migrasim.core.capacity import INF
from migrasim.core.engine import Model, simulate
from migrasim.core.model import baseline_inputs
from migrasim.render.plots import tornado_figure
from migrasim.render.tables import sensitivity_frame
from migrasim.scenario.compile import build_model
from migrasim.scenario.loader import load_scenario
from migrasim.scenario.types import parse_scenario
from tests.helpers import ALL_WEEK, scenario_dict

ROOT = Path(__file__).resolve().parents[2]


def model_of(volume_b: object, cap: object = "1 GB") -> Model:
    data = scenario_dict(
        {"capped": {"daily_cap": cap, "per_flow": True}},
        [
            {"name": "A", "volume": {"low": "10 GB", "likely": "20 GB", "high": "40 GB"},
             "links": ["capped"]},
            {"name": "B", "volume": volume_b, "links": ["capped"]},
        ],
        working_days=ALL_WEEK,
    )  # fmt: skip
    return build_model(parse_scenario(data))


def test_swings_by_hand() -> None:
    # 1 GB/day every day from Mon 7 Jul. A: 20 GB at likely -> 20 days; low 10 GB is 10 days
    # earlier, high 40 GB 20 days later. B (5-6 GB) never decides the programme, so swinging
    # it moves nothing; a certain cap is not an input.
    model = model_of({"low": "5 GB", "likely": "5 GB", "high": "6 GB"})
    baseline, found = swings(model)
    assert baseline == pytest.approx(20 * 86400)
    assert [s.key for s in found] == ["flows[A].volume", "flows[B].volume"]
    low, high = found[0].days(baseline, model.horizon)
    assert (low, high) == (pytest.approx(-10), pytest.approx(20))
    assert found[1].days(baseline, model.horizon) == (0, 0)


def test_cap_swing_and_table() -> None:
    # Cap 0.4/1/2 GB a day on A's 20 GB: 50 days (+30) or 10 days (-10): a 40-day swing, more
    # than the volume's 30 days, so it comes first.
    model = model_of("1 GB", cap={"low": "0.4 GB", "likely": "1 GB", "high": "2 GB"})
    baseline, found = swings(model)
    scenario = parse_scenario(
        scenario_dict(
            {"capped": {"daily_cap": "1 GB", "per_flow": True}},
            [{"name": "A", "volume": "1 GB", "links": ["capped"]}],
        )
    )  # summarise reads the results from the model; the scenario is only carried along
    outcome = Outcome(scenario, model, simulate(model, record=True), None, 0)
    report = summarise(outcome, sensitivity=(baseline, found))
    assert report.swings is not None
    table = sensitivity_frame(report.swings)
    rows = table.set_index("input")
    assert list(table["input"]) == ["links.capped.daily_cap", "flows[A].volume"]
    cap = rows.loc["links.capped.daily_cap"]
    assert (cap["change_low_days"], cap["change_high_days"]) == (30, -10)
    assert cap["completion_at_low"] == "2025-08-25"  # 50 days: Tue 26 Aug 00:00 -> Aug 25
    assert cap["swing_days"] == 40
    figure = tornado_figure(table, "t")
    assert len(figure.axes[0].patches) == 4  # a low and a high bar per input


def test_batch_swings_equal_engine_runs() -> None:
    """Every swung case solved as a batch row equals the engine run on the same inputs."""
    from migrasim.analysis.sensitivity import swing_cases
    from migrasim.core.engine import simulate
    from migrasim.core.model import baseline_inputs
    from migrasim.scenario.compile import build_model
    from migrasim.scenario.loader import load_scenario

    model = build_model(load_scenario("scenarios/health_boards.yaml"))
    baseline, found = swings(model)
    base = baseline_inputs(model)
    assert len(found) == 87  # 29 volumes, rejection fractions and delays, one by one
    reference = simulate(model, base).finished_s
    assert baseline is not None
    assert reference is not None
    assert abs(baseline - reference) <= 1.0
    by_key = {s.key: s for s in found}
    for key, low, high, to_low, to_high in swing_cases(model):
        for got, inputs in ((by_key[key].finish_low_s, to_low(base, low)),
                            (by_key[key].finish_high_s, to_high(base, high))):  # fmt: skip
            expected = simulate(model, inputs).finished_s
            assert got is not None
            assert expected is not None
            assert abs(got - expected) <= 1.0, key


def test_many_inputs_are_swung_in_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    import migrasim.analysis.sensitivity as sensitivity
    from migrasim.scenario.compile import build_model
    from migrasim.scenario.loader import load_scenario

    monkeypatch.setattr(sensitivity, "MAX_SWINGS", 10)
    model = build_model(load_scenario("scenarios/health_boards.yaml"))
    _, found = sensitivity.swings(model)
    assert sorted(s.key for s in found) == [
        "correlation group volume_method (29 inputs)",
        "flows[*].rejection.delay (29 inputs)",
        "flows[*].rejection.fraction (29 inputs)",
    ]
    assert all(math.isnan(s.low) and math.isnan(s.high) for s in found)
    assert found[0].key.startswith("correlation group")


def test_a_group_of_inputs_is_set_in_one_copy_per_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """A group's setter puts every member's value as one by one would, but copies each
    input tuple once (n flows: n, not n x n: 10,000 flows' volumes took seconds)."""
    import migrasim.analysis.sensitivity as sensitivity
    from migrasim.analysis import uncertain
    from migrasim.analysis.sensitivity import swing_cases, with_input
    from migrasim.core.model import baseline_inputs
    from migrasim.scenario.compile import build_model
    from migrasim.scenario.loader import load_scenario

    monkeypatch.setattr(sensitivity, "MAX_SWINGS", 10)
    model = build_model(load_scenario("scenarios/health_boards.yaml"))
    base = baseline_inputs(model)
    cases = {key: (to_low, to_high) for key, _, _, to_low, to_high in swing_cases(model)}
    copies = []
    real_put = sensitivity._put
    monkeypatch.setattr(sensitivity, "_put", lambda *a: copies.append(1) or real_put(*a))
    to_low, _ = cases["flows[*].rejection.fraction (29 inputs)"]
    got = to_low(base, math.nan)
    assert len(copies) == 1
    expected = base
    for f, flow in enumerate(model.flows):
        estimate = flow.estimates.rejection_fraction
        assert estimate is not None
        low = getattr(estimate, "low", estimate)
        expected = with_input(expected, uncertain.REJECTION_FRACTION, f, low)
    assert got == expected


@pytest.mark.parametrize("name", ["shipped_disks", "health_boards_options"])
def test_a_block_of_concrete_cases_holds_every_kinds_column(name: str) -> None:
    # block_of fills each uncertain input kind's column from the registry: rows drawn, taken
    # back as concrete Inputs (block.row_inputs) and made a block again are those rows, in
    # every kind's column (volume, growth, rejections, lead time, shipment turnaround) and
    # every capacity rule's
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    model = build_model(scenario)
    drawn = draw_block(scenario, model, 7, 0, rows=5)
    again = block_of([row_inputs(model, drawn, r) for r in range(5)], model)
    for kind in uncertain.columns():
        assert kind.column is not None
        assert np.array_equal(getattr(again, kind.column), getattr(drawn, kind.column)), kind.key
    for rule in kinds.CAPACITY_RULES:
        assert np.array_equal(rule.values(again), rule.values(drawn)), rule.key
    # a case made without turnarounds has each shipment link's most likely one (inf: none)
    bare = replace(baseline_inputs(model), turnaround=())
    turnaround = block_of([bare], model).turnaround
    assert turnaround is not None
    expected = [
        INF if link.shipment is None else link.shipment.turnaround_s for link in model.links
    ]
    assert turnaround[0].tolist() == expected
    assert any(value < INF for value in expected)
