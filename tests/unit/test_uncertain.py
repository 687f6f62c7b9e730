"""The uncertain input kinds (analysis/uncertain.py): both samplers draw every input by one
function on the same streams, and an input's words and unit come from its kind (a shipment's
turnaround is a duration in the tornado and in ``solve``, as a lead time is)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrasim.analysis import uncertain
from migrasim.analysis.draws import draw_block, inputs_for
from migrasim.analysis.sampling import Sampler
from migrasim.analysis.sensitivity import uncertain_inputs
from migrasim.analysis.solve import Scale
from migrasim.render.board import driver_label, setting_words
from migrasim.render.i18n import translator
from migrasim.scenario.compile import build_model
from migrasim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
DAY = 86400.0


@pytest.mark.parametrize("name", ["hardwired", "shipped_disks", "health_boards_shared"])
def test_the_sampler_draws_what_the_batch_draws(name: str) -> None:
    # volumes, growth, rejections, lead times, turnarounds, correlation groups and random
    # outages: replication r is row r of the block, exactly
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    model = build_model(scenario)
    block = draw_block(scenario, model, 5, 0, rows=20)
    sampler = Sampler(model, 5)
    for row in (0, 3, 19):
        assert sampler.inputs(row) == inputs_for(model, block, row)


def test_every_kind_that_is_drawn_is_swung_or_is_an_outage() -> None:
    model = build_model(load_scenario(ROOT / "scenarios" / "shipped_disks.yaml"))
    keys = {key for key, _, _ in uncertain_inputs(model)}
    turnarounds = {k for k in keys if k.endswith(".shipment.turnaround")}
    assert turnarounds  # 3 to 10 days
    assert not {k for k in keys if ".outages." in k}  # not swung: no single low or high
    assert uncertain.input_of("turnaround") is uncertain.TURNAROUND
    assert uncertain.input_of("mtbf") is uncertain.MTBF


def test_a_turnaround_is_a_duration_in_words_and_in_solve() -> None:
    t = translator("en")
    words = driver_label("links.courier.shipment.turnaround", 3 * DAY, 10 * DAY, t)
    assert words == "link courier: shipment turnaround, 3 days to 10 days"
    whole_weeks = driver_label("links.courier.shipment.turnaround", 7 * DAY, 14 * DAY, t)
    assert whole_weeks == "link courier: shipment turnaround, 1 to 2 weeks"
    assert setting_words("shipment.turnaround", 5 * DAY, t) == "5 days"
    assert Scale("links.courier.shipment.turnaround", "days").si(5.0) == 5 * DAY
    # and in Welsh, from the catalogue
    cy = driver_label("links.courier.shipment.turnaround", 3 * DAY, 10 * DAY, translator("cy"))
    assert "amser troi'r cludo" in cy


def test_the_other_kinds_words_are_as_before() -> None:
    t = translator("en")
    assert driver_label("flows[Cardiff].rejection.delay", 7 * DAY, 28 * DAY, t) == (
        "Cardiff: remediation delay, 1 to 4 weeks"
    )
    assert (
        driver_label("flows[Cardiff].volume", 1e12, 2e12, t) == "Cardiff: volume, 1.0 TB to 2.0 TB"
    )
    assert driver_label("links.wan.lead_time", 2 * DAY, 5 * DAY, t) == (
        "link wan: install lead time, 2 days to 5 days"
    )
    assert setting_words("outages.mtbf", 30 * DAY, t) == "30 days"
    assert Scale("links.wan.lead_time", "weeks").si(2.0) == 14 * DAY
    assert Scale("flows[Cardiff].volume", "GB").si(3.0) == 3e9
