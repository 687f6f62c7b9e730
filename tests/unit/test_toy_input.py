"""The toy-input test (issue 21, item 1): an uncertain input kind added as one module is drawn
(the batch draw and the per-replication sampler give the same numbers), swung in the tornado,
put in the board's words and parsed by ``solve``, with no decision module touched; and
docs/design.md's files-to-touch list for an uncertain input names what it takes.

The toy kind is ``start_delay`` (tests/toy_inputs/start_delay.py, laid out as a module of
``migrasim/analysis/uncertain_inputs/`` is and loaded by the same ``uncertain.load_inputs``): an
uncertain extra delay before a link can be used, added onto when it can be used. A scenario
key for it is not generic yet (docs/design.md): the test puts its estimate where the compiler
would, in the link's ``LinkEstimates.inputs``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from migrasim.analysis import uncertain, uncertain_inputs
from migrasim.analysis.board import baseline_movers
from migrasim.analysis.draws import BLOCK_SIZE, draw_block
from migrasim.analysis.records import Binding, Relief
from migrasim.analysis.sampling import Sampler
from migrasim.analysis.sensitivity import swings
from migrasim.analysis.solve import Scale
from migrasim.analysis.uncertain import UncertainInput
from migrasim.core.distributions import Estimate
from migrasim.core.engine import Model, simulate
from migrasim.errors import N_
from migrasim.render.board import (
    binding_words,
    driver_label,
    key_words,
    movers_notes,
    setting_words,
)
from migrasim.render.i18n import translator
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import Scenario, parse_scenario
from tests import toy_inputs
from tests.helpers import ALL_WEEK, scenario_dict

ROOT = Path(__file__).resolve().parents[2]
DAY = 86400.0


@pytest.fixture
def start_delay() -> Iterator[UncertainInput]:
    """The toy kind registered for one test (and taken out again after it)."""
    found = uncertain.load_inputs(toy_inputs)
    try:
        (kind,) = found
        yield kind
    finally:
        for kind in found:
            uncertain.unregister(kind)


def _scenario() -> Scenario:
    # Monday 2 March 2026, every day a working day: a link open all day at 60 Mbit/s (7.5 MB/s)
    # moves the flow's 648 GB in exactly one day.
    data = scenario_dict({"fast": {"bandwidth": "60 Mbit/s"}},
                         [{"name": "F", "volume": "648 GB", "links": ["fast"]}],
                         start="2026-03-02", working_days=ALL_WEEK)  # fmt: skip
    return parse_scenario(data)


def _with_delay(model: Model, delay: Estimate) -> Model:
    """``model`` with the toy's estimate on link 0, where the compiler puts a registered
    kind's value as given."""
    link = model.links[0]
    estimates = replace(link.estimates, inputs=(("start_delay", delay),))
    return replace(model, links=(replace(link, estimates=estimates), *model.links[1:]))


DELAY = Estimate(2 * DAY, 3 * DAY, 4 * DAY)


def test_unregistered_it_is_not_drawn() -> None:
    scenario = _scenario()
    model = _with_delay(build_model(scenario), DELAY)
    assert uncertain.input_of("start_delay") is None
    # -inf: the link can be used from the start
    assert np.all(draw_block(scenario, model, 3, 0, rows=20).available[:, 0] == -np.inf)


def test_both_samplers_draw_it_alike(start_delay: UncertainInput) -> None:
    scenario = _scenario()
    model = _with_delay(build_model(scenario), DELAY)
    drawn = draw_block(scenario, model, 3, 0, rows=50).available[:, 0]
    assert drawn.min() >= 2 * DAY
    assert drawn.max() <= 4 * DAY
    assert drawn.std() > 0
    sampler = Sampler(model, 3)
    for row in (0, 7, 49):
        assert sampler.inputs(row).available[0] == drawn[row]
    # replication 1,003 is row 3 of block 1
    later = draw_block(scenario, model, 3, 1, rows=4).available[3, 0]
    assert sampler.inputs(BLOCK_SIZE + 3).available[0] == later
    # and the engine runs it: the flow starts once the link can be used, one day to move
    inputs = sampler.inputs(7)
    finished = simulate(model, inputs).finished_s
    assert finished == pytest.approx(drawn[7] + DAY)


def test_it_is_in_the_tornado_and_the_board_with_its_words(start_delay: UncertainInput) -> None:
    model = _with_delay(build_model(_scenario()), DELAY)
    baseline, found = swings(model)
    assert baseline == pytest.approx(4 * DAY)  # 3 days' delay (most likely), then one day
    (swing,) = [s for s in found if s.key == "links.fast.start_delay"]
    assert (swing.low, swing.high) == (2 * DAY, 4 * DAY)
    assert swing.finish_low_s == pytest.approx(3 * DAY)
    assert swing.finish_high_s == pytest.approx(5 * DAY)
    t = translator("en")
    words = driver_label(swing.key, swing.low, swing.high, t)
    assert words == "link fast: start delay, 2 days to 4 days"
    assert setting_words("start_delay", 3 * DAY, t) == "3 days"
    # every board word from the kind's object (label, unit "duration"): no board change
    assert key_words("links.fast.start_delay", t) == "start delay of link fast"
    assert setting_words("start_delay", DELAY, t) == "likely 3 days, 2 days to 4 days"
    assert driver_label(swing.key, 7 * DAY, 14 * DAY, t) == "link fast: start delay, 1 to 2 weeks"
    # solve --vary links.fast.start_delay parses a value in the kind's unit
    assert Scale("links.fast.start_delay", "days").si(3.0) == 3 * DAY


def test_a_relief_is_named_in_its_kinds_words(start_delay: UncertainInput) -> None:
    # a kind that declares a relief is weighed by the binding constraint (uncertain.reliefs)
    # and, when it binds, named and its gain said in its own words: no board module touched
    uncertain.unregister(start_delay)
    relieving = replace(start_delay, relief="start_delay", relief_rank=2,
                        relief_words=N_("Start delay"),
                        relief_gain=N_("With no start delay it would finish %(days)s days "
                                       "earlier."))  # fmt: skip
    uncertain.register(relieving)
    try:
        reliefs = [k.relief for k in uncertain.reliefs()]
        assert reliefs == ["lead_time", "remediation", "start_delay"]
        gains = (Relief("lead_time", 0.0), Relief("remediation", 0.0), Relief("start_delay", 3.0))
        binding = Binding("start_delay", "fast", None, 1.0, gains)
        assert binding_words(binding, None, translator("en")) == (
            "Start delay",
            "With no start delay it would finish 3 days earlier.",
        )
    finally:
        uncertain.unregister(relieving)
        uncertain.register(start_delay)


def test_a_kind_that_moves_the_baseline_is_said_in_its_words(start_delay: UncertainInput) -> None:
    # a kind that declares ``moves`` is named by the board's note on what moves the dates
    # when its most likely value does somewhere (3 days on link fast): no board module touched
    uncertain.unregister(start_delay)
    moving = replace(start_delay, moves=N_("start delays"))
    uncertain.register(moving)
    try:
        scenario = _scenario()
        model = _with_delay(build_model(scenario), DELAY)
        movers = baseline_movers(scenario, model, 648e9, 648e9)
        assert movers.inputs == ("start_delay",)
        assert movers_notes(movers, translator("en")) == [
            "Finish dates also reflect start delays, so they differ from volume ÷ daily capacity."
        ]
        assert baseline_movers(scenario, build_model(scenario), 648e9, 648e9).inputs == ()
    finally:
        uncertain.unregister(moving)
        uncertain.register(start_delay)


def test_without_it_the_decision_modules_run_as_before(start_delay: UncertainInput) -> None:
    # registered but not given: nothing moves (no delay: the column as the kinds before left it)
    scenario = _scenario()
    model = build_model(scenario)
    assert np.all(draw_block(scenario, model, 3, 0, rows=20).available[:, 0] == -np.inf)
    baseline, found = swings(model)
    assert baseline == pytest.approx(DAY)
    assert not [s for s in found if s.key.endswith("start_delay")]


# --- docs/design.md's list is what it took ------------------------------------------------


def _section(title: str) -> str:
    text = (ROOT / "docs" / "design.md").read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def _listed(section: str, heading: str) -> list[str]:
    """The backquoted paths of the bullet list under ``heading`` (a line ending in a colon)."""
    block = section[section.index(heading) :].split("\n\n", 2)[1]
    return [m for line in block.splitlines() for m in re.findall(r"^- `([^`]+)`", line)]


def test_the_files_to_touch_are_the_toy_inputs() -> None:
    section = _section("How to add an uncertain input")
    touch = _listed(section, "Files to touch now:")
    assert touch[0] == "migrasim/analysis/uncertain_inputs/<key>.py"
    assert "tests/unit/test_<key>.py" in touch
    toy = Path(toy_inputs.__file__).parent / "start_delay.py"
    module = ast.parse(toy.read_text())
    assigned = [n.targets[0].id for n in module.body if isinstance(n, ast.Assign)]  # type: ignore[attr-defined]
    assert assigned == ["KIND"]
    assert Path(uncertain_inputs.__file__).parent == ROOT / "migrasim/analysis/uncertain_inputs"


def _names_a_kind(path: Path) -> list[str]:
    """Where a module names a built-in uncertain input drawn as a column: its key or the leaf
    of its stream as a string (``"lead_time"``, ``f"{key}.volume"``)."""
    names = set()
    for kind in uncertain.UNCERTAIN_INPUTS[:6]:
        names |= {kind.key, kind.leaf, str(kind.stream)}
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text in names or text.lstrip(".") in names:
                found.append(f"{path.name}:{node.lineno}: {text!r}")
    return found


def test_the_decision_modules_name_no_kind() -> None:
    section = _section("How to add an uncertain input")
    modules = _listed(section, "They iterate the registry and name no kind:")
    assert len(modules) >= 4
    for name in modules:
        assert _names_a_kind(ROOT / name) == [], name
    # and the check can fail: a module that does name one
    assert _names_a_kind(ROOT / "migrasim" / "analysis" / "uncertain.py")
