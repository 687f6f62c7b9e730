"""The toy-rule test (issue 21, item 1): a capacity rule added as one module is validated, run
(the event engine, the curve solver and the batch agree), drawn, in the tornado, advised on and
solved for, with no other module touched; and docs/design.md's files-to-touch list for a
capacity rule is what it takes (as the pseudo-language test proves a language).

The toy rule is ``peak_rate`` (tests/toy_rules/peak_rate.py, laid out as a module of
``migrasim/core/capacity_rules/`` is and loaded by the same ``kinds.load_rules``): the most bytes
per second the target takes, whatever the line.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from migrasim.analysis.advice import fix_for
from migrasim.analysis.draws import draw_block
from migrasim.analysis.history import PARTS, explain, hybrid, log_before
from migrasim.analysis.sampling import Sampler
from migrasim.analysis.sensitivity import swings
from migrasim.analysis.solve import solve
from migrasim.analysis.summary import summarise
from migrasim.analysis.track import Conditioned, condition, forecast_run
from migrasim.core import capacity_rules, kinds
from migrasim.core.calendar import NEVER
from migrasim.core.distributions import Estimate
from migrasim.core.engine import simulate
from migrasim.errors import ScenarioError
from migrasim.render.board import (
    driver_label,
    key_words,
    link_capacity_words,
    setting_words,
    swept_axis,
)
from migrasim.render.i18n import translator
from migrasim.scenario.actuals import ActualsLog, FlowActuals, LogDay
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import Scenario, parse_scenario, scenario_json_schema
from migrasim.serve.levers import lever_labels, scenario_levers
from tests import toy_rules
from tests.helpers import (
    ALL_WEEK,
    assert_batch_agrees_with_engine,
    design_section,
    finish,
    invoke,
    listed_paths,
    scenario_dict,
)

ROOT = Path(__file__).resolve().parents[2]
MBIT = 1e6 / 8


@pytest.fixture
def peak_rate() -> Iterator[kinds.CapacityRule]:
    """The toy rule registered for one test (and taken out again after it)."""
    rules = kinds.load_rules(toy_rules)
    try:
        (rule,) = rules
        yield rule
    finally:
        for rule in rules:
            kinds.unregister(rule)


def _data(link: dict[str, Any], volume: str = "648 GB", **extra: Any) -> dict[str, Any]:
    # Monday 2 March 2026, every day a working day, no holidays: a link open all day.
    return scenario_dict({"fast": link}, [{"name": "F", "volume": volume, "links": ["fast"]}],
                         start="2026-03-02", working_days=ALL_WEEK, **extra)  # fmt: skip


def _finishes(data: dict[str, Any]) -> set[datetime | None]:
    """The flow's completion by the curve solver and by the event engine (they must agree)."""
    model = build_model(parse_scenario(data))
    out = set()
    for method in ("auto", "events"):
        result = simulate(model, method=method)
        out.add(finish(model, result, "F"))
    return out


# --- validate -----------------------------------------------------------------------------


def test_the_key_is_unknown_until_the_rule_is_registered() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(_data({"bandwidth": "100 Mbit/s", "peak_rate": "40 Mbit/s"}))
    (problem,) = caught.value.problems
    assert problem.key_path == "links.fast.peak_rate"
    assert problem.problem == "unknown key"


def test_validate_takes_the_key_in_its_unit(peak_rate: kinds.CapacityRule) -> None:
    scenario = parse_scenario(_data({"bandwidth": "100 Mbit/s", "peak_rate": "40 Mbit/s"}))
    assert scenario.links["fast"].limit(peak_rate) == 40 * MBIT
    # alone it is a capacity: a link needs one rule, any registered one
    assert parse_scenario(_data({"peak_rate": "40 Mbit/s"})).links["fast"].limits


def test_validate_reports_a_bad_value_at_its_key_path(peak_rate: kinds.CapacityRule) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(_data({"peak_rate": "fast"}))
    (problem,) = caught.value.problems
    assert problem.key_path == "links.fast.peak_rate"
    assert "'fast'" in problem.problem
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(_data({"bandwidth": "100 Mbit/s", "peak_rat": "40 Mbit/s"}))
    (problem,) = caught.value.problems
    assert problem.key_path == "links.fast.peak_rat"
    assert "did you mean 'peak_rate'?" in problem.fix


def test_the_schema_has_the_key_and_limits_is_no_key(peak_rate: kinds.CapacityRule) -> None:
    link = scenario_json_schema()["$defs"]["LinkSpec"]["properties"]
    assert "peak_rate" in link
    assert "limits" not in link  # where a registered rule's value is kept, not a key
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(_data({"bandwidth": "100 Mbit/s", "limits": {"peak_rate": "1 Mbit/s"}}))
    (problem,) = caught.value.problems
    assert problem.key_path == "links.fast.limits"
    assert "peak_rate" in problem.fix


def test_the_command_line_validates_it(peak_rate: kinds.CapacityRule, tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "name: toy\nstart: 2026-03-02\nlinks:\n  fast: {peak_rate: 40 Mbit/s}\n"
        "flows:\n  - {source: a, target: b, volume: 648 GB, links: [fast]}\n"
    )
    code, _, err = invoke("validate", str(good))
    assert code == 0, err
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("40 Mbit/s", "40 furlongs"))
    code, _, err = invoke("validate", str(bad))
    assert code == 2
    assert "links.fast.peak_rate" in err
    assert "40 furlongs" in err


# --- run: the one rate rule, by every solver ----------------------------------------------


def test_a_ceiling_on_the_line_rate(peak_rate: kinds.CapacityRule) -> None:
    # 648 GB at min(100 Mbit/s = 12.5 MB/s, 40 Mbit/s = 5 MB/s) = 5 MB/s: 129,600 s = 1.5
    # days from Monday 00:00, so Tuesday 12:00; without the rule 51,840 s, Monday 14:24.
    assert _finishes(_data({"bandwidth": "100 Mbit/s", "peak_rate": "40 Mbit/s"})) == {
        datetime(2026, 3, 3, 12, 0)
    }
    assert _finishes(_data({"bandwidth": "100 Mbit/s"})) == {datetime(2026, 3, 2, 14, 24)}
    # alone, it is the rate: the same 1.5 days
    assert _finishes(_data({"peak_rate": "40 Mbit/s"})) == {datetime(2026, 3, 3, 12, 0)}


def test_a_daily_cap_with_the_rule_is_a_quota(peak_rate: kinds.CapacityRule) -> None:
    # A per-second byte rule makes the daily cap a quota (docs/scenario-format.md, "Rates"):
    # each day's 100 GB passes at 5 MB/s from 00:00 (20,000 s), so 250 GB is Monday's and
    # Tuesday's 100 GB and Wednesday's last 50 GB at 10,000 s: Wednesday 02:46:40. Without the
    # rule the cap is spread over the day: 2.5 days, Wednesday 12:00.
    assert _finishes(_data({"daily_cap": "100 GB", "peak_rate": "40 Mbit/s"}, "250 GB")) == {
        datetime(2026, 3, 4, 2, 46, 40)
    }
    assert _finishes(_data({"daily_cap": "100 GB"}, "250 GB")) == {datetime(2026, 3, 4, 12, 0)}


def test_the_batch_agrees_with_the_engine(peak_rate: kinds.CapacityRule) -> None:
    # uncertain, row by row: in series with a night window's quota, and with outages (the
    # batch takes a quota without outages: core.batch.lone_flows)
    uncertain = {"low": "20 Mbit/s", "likely": "40 Mbit/s", "high": "80 Mbit/s"}
    quota = {"bandwidth": "100 Mbit/s", "daily_cap": "150 GB", "window": "19:00-07:00"}
    outages = {"bandwidth": "100 Mbit/s", "outages": {"mtbf": "5 days", "mttr": "6 hours"}}
    for link in (quota, outages):
        data = scenario_dict({"fast": {**link, "peak_rate": uncertain, "per_flow": True}},
                             [{"name": f"F{i}", "volume": f"{300 + 200 * i} GB",
                               "links": ["fast"]} for i in range(3)],
                             start="2026-03-02", working_days=ALL_WEEK)  # fmt: skip
        assert_batch_agrees_with_engine(data, seed=11, rows=40)


# --- drawn, in the tornado, advised on, solved for ----------------------------------------

UNCERTAIN = {"peak_rate": {"low": "20 Mbit/s", "likely": "40 Mbit/s", "high": "80 Mbit/s"}}


def test_it_is_drawn_by_both_samplers(peak_rate: kinds.CapacityRule) -> None:
    scenario = parse_scenario(_data(UNCERTAIN))
    model = build_model(scenario)
    drawn = peak_rate.values(draw_block(scenario, model, 3, 0))[:, 0]
    assert drawn.min() >= 20 * MBIT
    assert drawn.max() <= 80 * MBIT
    assert drawn.std() > 0
    sampler = Sampler(model, 3)
    one = [peak_rate.values(sampler.inputs(r))[0] for r in range(20)]
    assert min(one) >= 20 * MBIT
    assert max(one) <= 80 * MBIT
    assert len(set(one)) == 20


def test_it_is_in_the_tornado_with_its_words(peak_rate: kinds.CapacityRule) -> None:
    model = build_model(parse_scenario(_data(UNCERTAIN)))
    baseline, found = swings(model)
    (swing,) = [s for s in found if s.key == "links.fast.peak_rate"]
    # 648 GB at 20 Mbit/s is 3 days (Thursday 00:00), at 80 Mbit/s 0.75 days (18:00 Monday)
    assert swing.finish_low_s != NEVER
    assert swing.finish_high_s != NEVER
    assert model.clock.to_local(swing.finish_low_s) == datetime(2026, 3, 5, 0, 0)
    assert model.clock.to_local(swing.finish_high_s) == datetime(2026, 3, 2, 18, 0)
    assert baseline == 129600
    words = driver_label(swing.key, swing.low, swing.high, translator("en"))
    assert words == "link fast: peak rate, 20 Mbit/s to 80 Mbit/s"


def test_the_board_words_it_in_its_unit(peak_rate: kinds.CapacityRule) -> None:
    # render/board.py words the rule from its object (label, unit "rate"): no board change
    t = translator("en")
    assert key_words("links.fast.peak_rate", t) == "peak rate of link fast"
    assert setting_words("peak_rate", 5e6, t) == "40 Mbit/s"  # 5 MB/s x 8 = 40 Mbit/s
    estimate = Estimate(2.5e6, 5e6, 10e6)
    assert setting_words("peak_rate", estimate, t) == "likely 40 Mbit/s, 20 Mbit/s to 80 Mbit/s"
    scenario = parse_scenario(_data({"bandwidth": "100 Mbit/s", "efficiency": 0.5,
                                     "peak_rate": "40 Mbit/s"}))  # fmt: skip
    words = link_capacity_words(scenario.links["fast"], t)
    assert words == "100 Mbit/s at 50% efficiency and 40 Mbit/s"
    axis = swept_axis("links.fast.peak_rate", ["20 Mbit/s", "40 Mbit/s"], t)
    assert axis.label == "Peak rate of link fast (Mbit/s)"
    assert axis.ticks == {"20 Mbit/s": "20", "40 Mbit/s": "40"}


def test_the_advice_states_it_in_its_unit(peak_rate: kinds.CapacityRule) -> None:
    # go-live Tuesday: 648 GB must be in by Tuesday 00:00, 86,400 s: 7.5 MB/s = 60 Mbit/s
    scenario = parse_scenario(_data({"peak_rate": "40 Mbit/s"}, go_live="2026-03-03"))
    fix = fix_for(scenario, "fast", "toy.yaml")
    assert fix is not None
    assert fix.key == "links.fast.peak_rate"
    assert fix.current == "40 Mbit/s"
    assert fix.needed is not None
    assert fix.needed.endswith(" Mbit/s")
    assert 60 <= float(fix.needed.split()[0]) <= 60.01
    assert "--vary links.fast.peak_rate" in fix.solve_command


def test_solve_varies_it(peak_rate: kinds.CapacityRule) -> None:
    data = _data({"peak_rate": "40 Mbit/s"}, go_live="2026-03-03")
    found = solve(data, None, "links.fast.peak_rate", "10 Mbit/s", "100 Mbit/s",
                  "P80 < go_live", replications=10, seed=1)  # fmt: skip
    assert found.value is not None
    assert 60 <= found.value.value <= 61
    assert found.scale is not None
    assert found.scale.si(found.value.value) == pytest.approx(found.value.value * MBIT, rel=1e-3)


# --- track: calibrated from the transfer log, and in the history waterfall ---------------


@pytest.fixture
def uncalibrated(peak_rate: kinds.CapacityRule) -> Iterator[kinds.CapacityRule]:
    """The toy rule declaring no calibration (``track=None``) in its place."""
    kinds.unregister(peak_rate)
    rule = kinds.register(replace(peak_rate, track=None))
    try:
        yield rule
    finally:
        kinds.unregister(rule)
        kinds.register(peak_rate)


def _track_scenario(rate: str = "0.08 Mbit/s") -> Scenario:
    # Mon 7 July 2025, Mon-Fri, no holidays: 0.08 Mbit/s = 10,000 B/s on a link open all day,
    # 864 MB a working day; one flow of 100 GB on it alone.
    return parse_scenario(scenario_dict(
        {"fast": {"peak_rate": rate}}, [{"name": "F", "volume": "100 GB", "links": ["fast"]}],
        go_live="2026-06-01",
    ))  # fmt: skip


def _half_rate_log(spec: Scenario, as_of: date) -> ActualsLog:
    """432 MB every weekday before ``as_of``: half of what the plan moves."""
    rows: list[LogDay] = []
    day = spec.start.date()
    while day < as_of:
        if day.weekday() < 5:
            rows.append(LogDay(day, "F", 432e6, 0.0, None, False, len(rows) + 2))
        day += timedelta(days=1)
    return ActualsLog("log.csv", {"F": FlowActuals("F", tuple(rows), None)}, as_of, ())


TWO_WEEKS, FOUR_WEEKS = date(2025, 7, 21), date(2025, 8, 4)


def test_track_calibrates_it(peak_rate: kinds.CapacityRule) -> None:
    spec = _track_scenario()
    earlier = condition(spec, _half_rate_log(spec, TWO_WEEKS))
    later = condition(spec, _half_rate_log(spec, FOUR_WEEKS))
    # The link is one unit (not per_flow), y = 0.5 on every working day (sd floor 0.2): two
    # weeks, v = 0.04 / 10 = 0.004, P = 1 / 0.15^2 + 250 = 294.444, mu = (44.444 + 0.5 x 250)
    # / 294.444 = 0.575472; four weeks, v = 0.002, P = 544.444, mu = (44.444 + 250) / 544.444
    # = 0.540816. The rule's 10,000 B/s is scaled by it: 5,754.72 and 5,408.16 B/s.
    assert earlier.posteriors["fast"].mu == pytest.approx(0.575472, abs=1e-6)
    assert later.posteriors["fast"].mu == pytest.approx(0.540816, abs=1e-6)
    assert earlier.scenario.links["fast"].limit(peak_rate).likely == pytest.approx(
        5754.72, abs=0.01
    )
    assert later.scenario.links["fast"].limit(peak_rate).likely == pytest.approx(5408.16, abs=0.01)
    # In the history waterfall its calibration is the throughput part: the hybrid keeps the
    # earlier value through progress and volume, and takes the later one with throughput.
    kept, _ = hybrid(earlier, later, PARTS[:2])
    moved, _ = hybrid(earlier, later, PARTS[:3])
    assert kept.links["fast"].limit(peak_rate).likely == pytest.approx(5754.72, abs=0.01)
    assert moved.links["fast"].limit(peak_rate).likely == pytest.approx(5408.16, abs=0.01)


def test_a_rule_without_calibration_is_kept_as_given(uncalibrated: kinds.CapacityRule) -> None:
    spec = _track_scenario()
    cond = condition(spec, _half_rate_log(spec, FOUR_WEEKS))
    assert cond.posteriors["fast"].mu == pytest.approx(0.540816, abs=1e-6)  # measured, ...
    assert cond.scenario.links["fast"].limit(uncalibrated) == 10_000.0  # ... but not applied
    assert cond.to_simulate.links["fast"].limit(uncalibrated) == 10_000.0


def _waterfall(before: Scenario, now: Scenario, first: date) -> dict[str, int | None]:
    """The waterfall's days per part from the forecast as of ``first`` (made with ``before``)
    to the one as of four weeks (``now``), on the half-rate log, 40 replications."""
    log = _half_rate_log(now, FOUR_WEEKS)

    def p80(cond: Conditioned) -> date | None:
        return summarise(forecast_run(cond, 40, 11)).programme.p80

    current = condition(now, log)
    recorded = p80(condition(before, log_before(log, first, before.flow_names())))
    waterfall = explain(before, now, log, first, recorded, current, p80(current), 40, 11)
    return {step.part: step.days for step in waterfall.steps}


def test_the_waterfall_counts_its_calibration_and_its_edits(
    peak_rate: kinds.CapacityRule,
) -> None:
    spec = _track_scenario()
    # Two more weeks at half the rate: its efficiency falls from 0.575 to 0.541, so the
    # remaining ~91 GB take longer; that is the throughput calibration, nothing else moved.
    days = _waterfall(spec, spec, TWO_WEEKS)
    assert days["throughput"] is not None
    assert days["throughput"] > 0
    assert days["volume"] == days["edits"] == 0
    # The same log, the rule doubled in the scenario: a scenario edit, and only that.
    days = _waterfall(spec, _track_scenario("0.16 Mbit/s"), FOUR_WEEKS)
    assert [days[p] for p in PARTS[:3]] == [0, 0, 0]
    assert days["edits"] is not None
    assert days["edits"] < 0


def test_the_waterfall_has_no_calibration_of_a_rule_without_one(
    uncalibrated: kinds.CapacityRule,
) -> None:
    # The same two weeks more: the link stays at its 10,000 B/s (only its down days are
    # recalibrated, and neither log has a day without data), so the throughput part is nil;
    # what is left after four weeks at half the rate is the change (progress).
    spec = _track_scenario()
    days = _waterfall(spec, spec, TWO_WEEKS)
    assert days["throughput"] == 0
    assert days["progress"] is not None
    assert days["progress"] > 0


def test_it_is_a_lever_of_the_what_if_page(peak_rate: kinds.CapacityRule, tmp_path: Path) -> None:
    # serve/levers.py offers every rule that declares a WhatIf: the toy on every link (set or
    # not), after the built-in rules and before the window, captioned by its label
    path = tmp_path / "toy.yaml"
    path.write_text(json.dumps(_data({"peak_rate": "40 Mbit/s"})), encoding="utf-8")
    _, levers = scenario_levers(path)
    link = [(lever.key, lever.value) for lever in levers if lever.group == "fast"]
    assert link == [
        ("links.fast.daily_cap", ""),
        ("links.fast.bandwidth", ""),
        ("links.fast.peak_rate", "40 Mbit/s"),
        ("links.fast.window", ""),
        ("links.fast.lead_time", ""),
    ]
    assert lever_labels(translator("en"))["peak_rate"] == "Peak rate"


# --- docs/design.md's files-to-touch list -------------------------------------------------


def test_the_files_to_touch_are_the_toy_rules() -> None:
    section = design_section("How to add a capacity rule")
    touch = listed_paths(section, "Files to touch now:")
    assert touch == [
        "migrasim/core/capacity_rules/<key>.py",
        "tests/unit/test_<key>.py",
        "migrasim/render/locale/migrasim.pot",
        "migrasim/render/locale/<lang>/LC_MESSAGES/migrasim.po",
        "docs/scenario-format.md",
    ]
    # the toy rule is that module (laid out in a package as capacity_rules is, loaded the same
    # way) and its test is this file: nothing else was needed for everything above
    toy = Path(toy_rules.__file__).parent / "peak_rate.py"
    module = ast.parse(toy.read_text())
    assigned = [n.targets[0].id for n in module.body if isinstance(n, ast.Assign)]  # type: ignore[attr-defined]
    assert assigned == ["RULE"]
    assert Path(capacity_rules.__file__).parent == ROOT / "migrasim" / "core" / "capacity_rules"


def _names_a_rule(path: Path) -> list[str]:
    """Where a module names a built-in capacity rule: its key as a string, or an attribute of
    its (``inputs.cap``, ``link.records_rate``, ``spec.daily_cap``)."""
    names = set()
    for rule in kinds.CAPACITY_RULES[:4]:
        names |= {rule.key, rule.field or rule.key, rule.model_field or rule.key}
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and node.value in names:
            found.append(f"{path.name}:{node.lineno}: {node.value!r}")
        elif isinstance(node, ast.Attribute) and node.attr in names:
            found.append(f"{path.name}:{node.lineno}: .{node.attr}")
    return found


def test_the_decision_modules_name_no_rule() -> None:
    section = design_section("How to add a capacity rule")
    modules = listed_paths(section, "They iterate the registry and name no rule:")
    assert len(modules) >= 10
    for name in modules:
        assert _names_a_rule(ROOT / name) == [], name
    # and the check can fail: a module that does name one
    assert _names_a_rule(ROOT / "migrasim" / "core" / "kinds.py")
