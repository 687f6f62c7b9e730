"""A crew's slot on a link (``not_before``) and a copy of a link drawn on the original's
streams (``draws_as``): what plan.yaml's links rest on."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from migrasim.analysis.draws import clear_memo, draw_block
from migrasim.analysis.sampling import Sampler
from migrasim.errors import ScenarioError
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario

WEEK = 7 * 86400.0

BASE = {
    "name": "links",
    "start": "2025-06-02",
    "links": {
        "capped": {"daily_cap": "1 GB", "per_flow": True},
        "wired": {"bandwidth": "1 Gbit/s", "per_flow": True, "fallback": "capped",
                  "lead_time": {"low": "1 week", "likely": "3 weeks", "high": "8 weeks"},
                  "outages": {"mtbf": "20 days", "mttr": "1 day"}},
    },
    "flows": [
        {"name": "A", "source": "a", "target": "t", "volume": "10 GB", "links": ["wired"]},
        {"name": "B", "source": "b", "target": "t", "volume": "10 GB", "links": ["wired"]},
    ],
}  # fmt: skip


def _with_copy(not_before: str) -> dict:
    data = copy.deepcopy(BASE)
    data["links"]["wired slot 2"] = {**data["links"]["wired"], "not_before": not_before,
                                     "draws_as": "wired"}  # fmt: skip
    data["flows"][1]["links"] = ["wired slot 2"]
    return data


def test_a_copy_draws_the_originals_lead_time_and_failures_and_waits_for_its_slot() -> None:
    clear_memo()
    base = parse_scenario(BASE)
    block = draw_block(base, build_model(base), 7, 0, rows=200)
    lead = block.available[:, 1]  # links: capped, wired
    assert lead.min() < 4 * WEEK < lead.max()  # the slot binds in some rows, not all
    spec = parse_scenario(_with_copy("4 weeks"))
    model = build_model(spec)
    got = draw_block(spec, model, 7, 0, rows=200)
    assert np.array_equal(got.available[:, 1], lead)  # the original, unchanged
    assert np.array_equal(got.available[:, 2], np.maximum(lead, 4 * WEEK))  # the later
    # B's failures on its copy are those B had on the original (keyed by the original)
    assert np.array_equal(got.down[(2, 1)][0], block.down[(1, 1)][0])
    # the engine's sampler agrees row by row
    sampler = Sampler(model, 7)
    for row in (0, 5, 17):
        assert sampler.inputs(row).available[2] == pytest.approx(max(
            Sampler(build_model(base), 7).inputs(row).available[1], 4 * WEEK))  # fmt: skip
    assert model.links[2].available == max(3 * WEEK, 4 * WEEK)  # most likely


def test_not_before_alone_makes_a_fallback_valid_and_draws_as_names_a_link() -> None:
    data = copy.deepcopy(BASE)
    del data["links"]["wired"]["lead_time"]
    data["links"]["wired"]["not_before"] = "2 weeks"
    assert build_model(parse_scenario(data)).links[1].available == 2 * WEEK
    data["links"]["wired"]["draws_as"] = "nowhere"
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    assert "links.wired.draws_as" in str(caught.value)
