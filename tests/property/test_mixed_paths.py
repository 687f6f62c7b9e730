"""Models some of whose components the batch cannot phase (``core.shared_batch``, issue 20 item 1).

Such a component keeps the event engine for itself only: each replication's run of that
component alone, with that replication's inputs, the flows it waits for outside it completing
when the batch found they do. The differential test draws a scenario of shared and lone
components (``test_shared_batch.shared_scenarios``), makes some of them unphaseable (a shared
link with a quota that can run out inside a window, or a lead time; a lone flow on two links),
ties them to the rest by ``after`` both ways, and checks the mixed solve against the engine on
the whole model, row by row: every completion within a second, 'never' in both, the bottleneck
and the burn-up band's bin at every day end.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from migrasim.analysis.draws import draw_block, take_rows
from migrasim.analysis.runner import run_monte_carlo
from migrasim.core.calendar import NEVER
from migrasim.core.engine import simulate
from migrasim.core.shared_batch import (
    ENGINE,
    LONE,
    SHARED,
    batchable,
    paths,
    solvable,
    solve_block,
)
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario
from tests.helpers import ALL_WEEK, assert_block_agrees, scenario_dict
from tests.property.test_shared_batch import shared_scenarios

TOL_S = 1.0
ROWS = 3


@st.composite
def mixed_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A shared-link scenario with some components made unphaseable and ``after`` across."""
    data = draw(shared_scenarios(max_per_link=12))
    links: dict[str, Any] = data["links"]
    flows: list[dict[str, Any]] = data["flows"]
    shared = sorted(name for name in links if name.startswith("S"))
    for name in draw(st.lists(st.sampled_from(shared), min_size=0, max_size=len(shared),
                              unique=True)):  # fmt: skip
        spec = links[name]
        how = draw(st.sampled_from(["quota", "lead"]))
        if how == "quota":  # a daily cap and a bandwidth: the cap runs out inside a window
            spec.setdefault("daily_cap", f"{draw(st.integers(300, 3000))} MB")
            spec.setdefault("bandwidth", f"{draw(st.integers(5, 50))} Mbit/s")
        else:
            spec["lead_time"] = draw(
                st.sampled_from(["2 days", {"low": "1 days", "likely": "2 days", "high": "5 days"}])
            )
    if draw(st.booleans()):  # a lone flow on two per-flow links (the engine's)
        links["twoA"] = {"daily_cap": f"{draw(st.integers(300, 3000))} MB", "per_flow": True}
        links["twoB"] = {"bandwidth": f"{draw(st.integers(1, 50))} Mbit/s", "per_flow": True}
        mb = draw(st.integers(50, 3000))
        flows.append({"name": "Z", "source": "z", "target": "t", "volume": f"{mb} MB",
                      "links": ["twoA", "twoB"]})  # fmt: skip
    names = [f["name"] for f in flows]
    # waits across components, both ways (earlier flows only: no loop of flows)
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(1, len(flows) - 1))
        j = draw(st.integers(0, i - 1))
        after = flows[i].setdefault("after", [])
        if names[j] not in after:
            after.append(names[j])
    return data


def assert_mixed_agrees(data: dict[str, Any], seed: int, rows: int = ROWS) -> None:
    scenario = parse_scenario(data)
    model = build_model(scenario)
    block = take_rows(draw_block(scenario, model, seed, 0), slice(0, rows))
    ways = paths(model, set(block.down))
    event("paths: " + ", ".join(sorted({p.path for p in ways})))
    if not solvable(model, set(block.down)):
        assert all(p.path == ENGINE for p in ways)
        return
    assert_block_agrees(model, block, rows, TOL_S, solve_block)


@settings(max_examples=max(20, settings().max_examples // 2))
@given(mixed_scenarios(), st.integers(0, 2**31 - 1))
def test_mixed_paths_agree_with_the_whole_engine(data: dict[str, Any], seed: int) -> None:
    assert_mixed_agrees(data, seed)


# --- by hand -------------------------------------------------------------------------------------

MIXED = scenario_dict(
    {"Q": {"daily_cap": "1 GB", "bandwidth": "10 Mbit/s"},
     "S": {"daily_cap": "1 GB"},
     "M": {"daily_cap": "1 GB", "per_flow": True}},
    [{"name": "A", "volume": "10 GB", "links": ["Q"], "after": ["C"]},
     {"name": "B", "volume": "2 GB", "links": ["Q"]},
     {"name": "C", "volume": "3 GB", "links": ["M"]},
     {"name": "D", "volume": "3 GB", "links": ["S"], "after": ["B"]},
     {"name": "E", "volume": "5 GB", "links": ["S"]},
     {"name": "F", "volume": "1 GB", "links": ["M"], "after": ["A"]}],
    working_days=ALL_WEEK,
)  # fmt: skip
"""Every day a working day. Q (1 GB a day at 10 Mbit/s: each day's GB takes the day's first
800 s) is shared by A and B, so it keeps the engine; S (1 GB a day, spread over the day) is
phased, M is per flow. B (2 GB) alone on Q: 800 s into day 2. C (3 GB) alone on M: the end of
day 3. A (10 GB) waits for C, alone on Q from day 4: 800 s into day 13. E (5 GB) alone on S
until B is done (1 GB and 800 s' worth), then D (3 GB, waits for B) shares it: half a GB a day
each, D done 6 days later (800 s into day 8), E's last 0.99 GB alone (the end of day 8).
F (1 GB, waits for A, on M): a day after A."""


def test_a_hand_case_through_both_paths() -> None:
    scenario = parse_scenario(MIXED)
    model = build_model(scenario)
    ways = paths(model, set())
    assert [(p.flows, p.path) for p in ways] == [
        ((0, 1), ENGINE), ((2,), LONE), ((3, 4), SHARED), ((5,), LONE)
    ]  # fmt: skip
    assert solvable(model, set())
    assert not batchable(model, set())
    day = 86400.0
    want = [12 * day + 800, day + 800, 3 * day, 7 * day + 800, 8 * day, 13 * day + 800]
    engine = simulate(model)
    assert [f.finished_s for f in engine.flows] == pytest.approx(want)
    block = take_rows(draw_block(scenario, model, 1, 0), slice(0, 2))
    got = solve_block(model, block, np.array([]), 0)
    assert got.finished[0].tolist() == pytest.approx(want, abs=1e-6)
    assert got.bottleneck[0].tolist() == [0, 0, 2, 1, 1, 2]
    assert_block_agrees(model, block, 2, TOL_S, solve_block)
    # the Monte Carlo takes the mixed path and says which component took which
    mc = run_monte_carlo(scenario, 4, seed=3, workers=1)
    assert [p.path for p in mc.solvers] == [ENGINE, LONE, SHARED, LONE]
    assert mc.finished[0].tolist() == pytest.approx(want, abs=1e-6)


def test_an_engine_component_between_batched_ones() -> None:
    # X (lone, 1 GB/day) -> the engine's pair on Q (P waits for X) -> Y (lone, waits for P):
    # X done at the end of day 1. R (1 GB) alone on Q (1 GB a day at 10 Mbit/s): 800 s. P
    # (2 GB) from the end of day 1: the first 800 s of days 2 and 3. Y (1 GB) from then on M
    # at 1 GB a day spread over the day: a day later.
    data = scenario_dict(
        {"Q": {"daily_cap": "1 GB", "bandwidth": "10 Mbit/s"},
         "M": {"daily_cap": "1 GB", "per_flow": True}},
        [{"name": "X", "volume": "1 GB", "links": ["M"]},
         {"name": "P", "volume": "2 GB", "links": ["Q"], "after": ["X"]},
         {"name": "R", "volume": "1 GB", "links": ["Q"]},
         {"name": "Y", "volume": "1 GB", "links": ["M"], "after": ["P"]}],
        working_days=ALL_WEEK,
    )  # fmt: skip
    scenario = parse_scenario(data)
    model = build_model(scenario)
    assert [p.path for p in paths(model, set())] == [LONE, ENGINE, LONE]
    block = take_rows(draw_block(scenario, model, 1, 0), slice(0, 1))
    got = solve_block(model, block, np.array([]), 0).finished[0]
    day = 86400.0
    assert got.tolist() == pytest.approx([day, 2 * day + 800, 800, 3 * day + 800], abs=1e-6)


def test_the_run_says_which_components_took_which_path() -> None:
    """``pipelines.run.shared_solvers`` names the engine's components (a lone flow on two links
    among them) beside the phased ones, and the terminal says so in English and Welsh."""
    from types import SimpleNamespace

    from migrasim.pipelines.run import shared_solvers
    from migrasim.render.i18n import translator
    from migrasim.render.terminal import shared_lines

    data = {**MIXED, "links": {**MIXED["links"], "N": {"bandwidth": "5 Mbit/s", "per_flow": True}}}
    data["flows"] = [*MIXED["flows"], {"name": "G", "source": "g", "target": "t",
                                       "volume": "1 GB", "links": ["M", "N"]}]  # fmt: skip
    scenario = parse_scenario(data)
    model = build_model(scenario)
    mc = run_monte_carlo(scenario, 2, seed=3, workers=1)
    assert [p.path for p in mc.solvers] == [ENGINE, LONE, SHARED, LONE, ENGINE]
    shared = shared_solvers(SimpleNamespace(mc=mc, model=model))  # type: ignore[arg-type]
    assert shared == ((("Q",), 2, False), (("S",), 2, True), (("M", "N"), 1, False))
    lines = shared_lines(shared, translator("en"))
    assert lines == [
        "Flows sharing a link, every replication solved at once (by phases): S (2 flows).",
        "Flows the batch cannot phase exactly, on the event engine one replication at a time: "
        "Q (2 flows); M, N (1 flow).",
    ]
    welsh = shared_lines(shared, translator("cy"))
    assert "peiriant digwyddiadau" in welsh[1]
    assert "Q" in welsh[1]


def test_the_engine_runs_some_components_alone() -> None:
    """``simulate(components=..., ready=...)``: the components alone, as in the whole run when
    the flows they wait for complete at the whole run's times; never, and why, when not."""
    from migrasim.core.model import NeverReason

    model = build_model(parse_scenario(MIXED))
    whole = simulate(model)
    engine = model.component_of[0]  # A and B on Q; A waits for C
    ready = {2: whole.flows[2].finished_s}
    part = simulate(model, components=(engine,), ready=ready)
    assert [f.name for f in part.flows] == ["A", "B"]
    assert [f.finished_s for f in part.flows] == [whole.flows[0].finished_s,
                                                  whole.flows[1].finished_s]  # fmt: skip
    assert [f.bottleneck for f in part.flows] == ["Q", "Q"]
    late = simulate(model, components=(engine,), ready={2: ready[2] + 86400.0})
    assert late.flows[0].finished_s == pytest.approx(whole.flows[0].finished_s + 86400.0)
    never = simulate(model, components=(engine,), record=True)
    assert never.flows[0].finished_s == NEVER
    assert never.flows[0].reason is not None
    assert never.flows[0].reason.code is NeverReason.DEPENDENCY
    assert never.flows[0].reason.waiting_for == ("C",)
    assert never.curves is not None
    assert len(never.curves) == 2
