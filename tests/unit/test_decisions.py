"""compare, solve and --set: hand-solvable answers and common random numbers."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from migrasim.analysis.compare import CompareRow, Interval, compare_rows, mean_difference
from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.runner import Execution
from migrasim.analysis.solve import parse_target, solution_json, solve
from migrasim.errors import ScenarioError
from migrasim.scenario.loader import read_yaml
from migrasim.scenario.overrides import apply_override, parse_key
from migrasim.scenario.types import parse_scenario


def one_flow(volume: Any, cap: str = "1 GB", **extra: Any) -> dict[str, Any]:
    return {
        "name": "hand",
        "start": "2025-07-07",
        "go_live": "2025-08-04",
        "calendar": {"holidays": "none"},
        "links": {"capped": {"daily_cap": cap, "per_flow": True}},
        "flows": [{"name": "A", "source": "s", "target": "t", "volume": volume,
                   "links": ["capped"]}],
        **extra,
    }  # fmt: skip


def read(text: str) -> Any:
    return read_yaml(text, "--set")


def test_solve_finds_the_daily_cap_by_hand() -> None:
    # 100 GB, Mon 7 Jul to go-live Mon 4 Aug: 20 working days before Sat 2 Aug 00:00, so the
    # cap must be at least 100 / 20 = 5 GB/day (4.99 GB/day finishes on Mon 4 Aug: too late).
    solution = solve(one_flow("100 GB"), None, "links.capped.daily_cap", "1 GB", "20 GB",
                     "P80 < go_live", None, 0, read_value=read)  # fmt: skip
    assert solution.value is not None
    record = solution_json(solution)
    assert 5e9 <= record["value_si"] <= 5.01e9
    assert record["value"].endswith(" GB")
    assert record["achieved"]["p80"] == "2025-08-01"
    assert record["monotone"] is True
    assert record["key"] == "links.capped.daily_cap"
    assert record["target"] == "P80 < go_live"


def test_solve_latest_start() -> None:
    # 10 GB at 1 GB/day needs 10 working days before go-live (Mon 4 Aug): start by Mon 21 Jul.
    solution = solve(one_flow("10 GB"), None, "start", "2025-07-07", "2025-08-01",
                     "P80 < go_live", None, 0, read_value=read)  # fmt: skip
    assert solution.value is not None
    assert solution.value.text == "2025-07-21"
    assert solution_json(solution)["value_si"] == "2025-07-21"


def test_solve_with_uncertainty_meets_the_probability_target() -> None:
    volume = {"low": "60 GB", "likely": "100 GB", "high": "160 GB"}
    solution = solve(one_flow(volume, replications=200), None, "links.capped.daily_cap",
                     "1 GB", "20 GB", "prob_by_go_live >= 0.9", 200, 3, Execution(workers=1),
                     read_value=read)  # fmt: skip
    assert solution.value is not None
    assert solution.value.stats.prob is not None
    assert solution.value.stats.prob >= 0.9
    # a little less capacity no longer meets it
    below = [p for p in solution.points if p.value < solution.value.value]
    assert below
    assert not below[-1].met


def test_solve_reports_an_unreachable_target() -> None:
    solution = solve(one_flow("100 GB"), None, "links.capped.daily_cap", "1 GB", "2 GB",
                     "P80 < go_live", None, 0, read_value=read)  # fmt: skip
    assert solution.value is None
    assert "not met anywhere" in solution.note


def test_targets() -> None:
    target = parse_target("P95 <= 2026-01-05", None)
    assert (target.metric, target.op, target.threshold) == ("p95", "<=", date(2026, 1, 5))
    with pytest.raises(ScenarioError, match="cannot read 'P90 < go_live'"):
        parse_target("P90 < go_live", date(2026, 1, 5))
    with pytest.raises(ScenarioError, match="has none"):
        parse_target("P80 < go_live", None)


def test_overrides() -> None:
    assert parse_key("flows[Cardiff].volume") == ["flows", "[Cardiff]", "volume"]
    assert parse_key("flows[3].links[0]") == ["flows", 3, "links", 0]
    data = one_flow("100 GB")
    changed = apply_override(data, "flows[A].volume", "5 GB")
    assert changed["flows"][0]["volume"] == "5 GB"
    assert data["flows"][0]["volume"] == "100 GB"  # the original is untouched
    assert apply_override(data, "links.capped.window", "19:00-07:00")["links"]["capped"][
        "window"] == "19:00-07:00"  # fmt: skip
    with pytest.raises(KeyError, match="did you mean 'A'"):
        apply_override(data, "flows[a].volume", "1 GB")


def test_common_random_numbers_narrow_the_difference() -> None:
    volume = {"low": "20 GB", "likely": "40 GB", "high": "90 GB"}
    a = run_scenario(parse_scenario(one_flow(volume, "2 GB")), 300, 7, Execution(workers=1))
    b_same = run_scenario(parse_scenario(one_flow(volume, "3 GB")), 300, 7, Execution(workers=1))
    b_other = run_scenario(parse_scenario(one_flow(volume, "3 GB")), 300, 8, Execution(workers=1))
    paired = compare_rows([("a", a), ("b", b_same)], seed=1)
    unpaired = compare_rows([("a", a), ("b", b_other)], seed=1)

    def programme(rows: list[CompareRow]) -> CompareRow:
        return next(r for r in rows if r.flow == "ALL" and r.scenario == "b")

    def width(interval: Interval) -> float:
        assert interval.low is not None
        assert interval.high is not None
        return interval.high - interval.low

    assert width(programme(paired).mean_diff) < 0.5 * width(programme(unpaired).mean_diff)
    assert width(programme(paired).p80_diff) < width(programme(unpaired).p80_diff)
    row = programme(paired)
    assert row.p80_diff.estimate is not None
    assert row.p80_diff.estimate < 0
    assert row.prob_diff.estimate is not None
    assert row.prob_diff.estimate >= 0
    # compare.csv's row: the same values, '' where there is none
    assert programme(paired).fields()["p80_diff_days"] == row.p80_diff.estimate


def test_mean_difference_interval() -> None:
    est = mean_difference(np.array([1.0, 2.0, 3.0, 4.0]))
    assert est.estimate == 2.5
    assert est.low is not None
    assert est.high is not None
    assert est.low < 2.5 < est.high
    assert mean_difference(np.array([1.0, np.inf])).estimate is None
