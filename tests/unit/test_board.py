"""analysis/board.py and render/board.py: the binding constraint, the capacity needed with its
interval and the board's words, against hand-worked cases."""

from __future__ import annotations

import datetime
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from migrasim.analysis.advice import fix_for
from migrasim.analysis.board import baseline_movers, binding_constraint, capacity_need
from migrasim.analysis.records import BaselineMovers, FlowSummary, RunReport
from migrasim.cli import cli
from migrasim.render.board import driver_label, movers_notes, top_organisations, what_if_text
from migrasim.render.i18n import translator
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario

WEEK_S = 7 * 86400.0


def hand(**link: Any) -> dict[str, Any]:
    # Mon 7 Jul 2025, Mon-Fri, no holidays; go-live Mon 4 Aug: 20 working days before it.
    return {
        "name": "Hand",
        "start": "2025-07-07",
        "go_live": "2025-08-04",
        "calendar": {"holidays": "none"},
        "links": {"capped": {"daily_cap": "1 GB", "per_flow": True, **link}},
        "flows": [{"name": "A", "source": "s", "target": "t", "volume": "100 GB",
                   "links": ["capped"]}],
    }  # fmt: skip


def test_capacity_needed_for_a_certain_scenario_is_the_hand_worked_cap() -> None:
    # 100 GB in the 20 working days before go-live: 100 / 20 = 5 GB a day. Every draw is the
    # same (nothing uncertain), so P50, P80 and both interval ends are 5 GB, found to 0.5 %.
    scenario = parse_scenario(hand())
    model = build_model(scenario)
    fix = fix_for(scenario, "capped", "hand.yaml", model=model)
    need = capacity_need(scenario, model, fix, seed=1, replications=10)
    assert need is not None
    assert (need.unit, need.current, need.replications) == ("GB", 1.0, 10)
    assert [t.chance for t in need.targets] == [0.5, 0.8]
    for target in need.targets:
        for value in (target.needed, target.low, target.high):
            assert value is not None
            assert 5.0 <= value <= 5.0 * 1.005


def test_capacity_beyond_the_searched_range_is_none() -> None:
    # 100 GB in 20 working days with a cap of 0.01 GB: 100x today's is 1 GB a day, far short of
    # the 5 GB needed, so no draw makes go-live within the range.
    scenario = parse_scenario(hand(daily_cap="0.01 GB"))
    model = build_model(scenario)
    fix = fix_for(scenario, "capped", "hand.yaml", model=model)
    need = capacity_need(scenario, model, fix, seed=1, replications=5)
    assert need is not None
    assert all(t.needed is None and t.high is None for t in need.targets)


def test_install_lead_time_binds_when_the_link_is_fast() -> None:
    # 1 Gbit/s with no cap moves 100 GB in 800 s; the link is usable 4 weeks after the start.
    # Without the lead time the programme finishes 28 days earlier; doubling the bandwidth
    # saves 400 s (under half a day, counted as none).
    data = hand(lead_time="4 weeks", bandwidth="1 Gbit/s")
    del data["links"]["capped"]["daily_cap"]
    model = build_model(parse_scenario(data))
    binding = binding_constraint(model, "capped", "the new line")
    assert binding.kind == "lead_time"
    assert binding.relief_days("lead_time") == pytest.approx(28.0, abs=1e-6)
    assert binding.link_days == 0.0
    assert binding.relief_days("remediation") == 0.0
    assert [r.relief for r in binding.reliefs] == ["lead_time", "remediation"]
    assert binding.description == "the new line"


def test_remediation_binds_when_rejections_wait_long() -> None:
    # 10 GB at 1 GB a working day takes 10 working days; 10 % is rejected and re-sent after
    # 20 weeks (140 days): removing that delay saves well over 120 days; doubling the cap saves
    # about 5 working days (7 calendar days) of the first pass, half a day on the re-sent 1 GB
    # and the clock change's hour (the finish is after 26 Oct): under 8 days.
    data = hand()
    data["flows"][0]["volume"] = "10 GB"
    data["flows"][0]["rejection"] = {"fraction": 0.1, "delay": "20 weeks"}
    model = build_model(parse_scenario(data))
    binding = binding_constraint(model, "capped")
    assert binding.kind == "remediation"
    assert binding.relief_days("remediation") > 120
    assert binding.link_days < 8


def test_the_link_binds_when_capacity_drives_the_date() -> None:
    # 100 GB at 1 GB a working day: 100 working days; at 2 GB, 50: doubling saves 50 working
    # days (70 calendar days), plus the hour the clocks go back on 26 Oct (the 100-day finish,
    # 21 Nov, is after it; the 50-day one, 12 Sep, before). No lead time, no rejections.
    model = build_model(parse_scenario(hand()))
    binding = binding_constraint(model, "capped")
    assert binding.kind == "link"
    assert binding.link_days == pytest.approx(70.0 + 1 / 24, abs=1e-6)


def test_baseline_movers_name_what_applies() -> None:
    data = hand()
    data["flows"][0]["growth"] = "0.5 GB/day"
    data["calendar"]["closures"] = ["2025-12-22..2026-01-02"]
    scenario = parse_scenario(data)
    movers = baseline_movers(scenario, build_model(scenario), 72e9, 75e9)
    assert (movers.inputs, movers.closures) == (("growth",), True)
    notes = movers_notes(movers, translator("en"))
    assert notes == [
        "Data to move: 72 GB in the scenario file; 75 GB moved in the baseline, including growth.",
        "Finish dates also reflect growth and change freezes, so they differ from volume ÷ daily "
        "capacity.",
    ]


def test_no_note_when_nothing_moves_the_baseline() -> None:
    quiet = BaselineMovers(72e9, 72e9, False)
    assert movers_notes(quiet, translator("en")) == []


def test_the_notes_name_each_mover_in_its_kinds_words() -> None:
    # every kind that moves the baseline (growth, re-sent rejections, install lead times) and
    # the closures: the flows' inputs, the calendar's closures, then the links' inputs
    movers = BaselineMovers(72e9, 80e9, True, ("growth", "rejection.fraction", "lead_time"))
    assert movers_notes(movers, translator("en")) == [
        "Data to move: 72 GB in the scenario file; 80 GB moved in the baseline, including growth "
        "and re-sent rejections.",
        "Finish dates also reflect growth, re-sent rejections, change freezes and install lead "
        "times, so they differ from volume ÷ daily capacity.",
    ]


def test_drivers_read_in_words_and_human_units() -> None:
    en, cy = translator("en"), translator("cy")
    delay = ("flows[Cardiff].rejection.delay", WEEK_S, 4 * WEEK_S)
    assert driver_label(*delay, en) == "Cardiff: remediation delay, 1 to 4 weeks"
    assert driver_label(*delay, cy) == "Cardiff: oedi cywiro, 1 i 4 wythnos"
    assert driver_label("flows[Cardiff].volume", 75e9, 1.1e12, en) == (
        "Cardiff: volume, 75 GB to 1.1 TB"
    )
    # 125,000 bytes/s = 1 Mbit/s; 0.7 = 70 %
    assert driver_label("links.wired.bandwidth", 125_000.0, 250_000.0, en) == (
        "link wired: bandwidth, 1 Mbit/s to 2 Mbit/s"
    )
    assert driver_label("links.wired.efficiency", 0.6, 0.8, en) == (
        "link wired: efficiency, 60% to 80%"
    )
    assert driver_label("something.else", 1, 2, en) == "something.else"


def _row(name: str, chance: float, p80: datetime.date) -> FlowSummary:
    return FlowSummary(name, "s", "t", 1.0, 1.0, None, None, None, None, p80, None, (None, None),
                       None, chance, None, None, None, None, "", 0.0, None)  # fmt: skip


def test_the_organisations_that_matter_most_are_the_least_likely() -> None:
    day = datetime.date(2026, 1, 1)
    rows = (_row("A", 0.9, day), _row("B", 0.1, day), _row("C", 0.1, day.replace(year=2027)),
            _row("D", 0.5, day))  # fmt: skip
    report = RunReport("x", 1, 10, day, rows, rows[0], None, None, (), None, (), None, None,
                       None, organisations=rows)  # type: ignore[arg-type]  # fmt: skip
    # lowest chance first; between B and C (both 10 %) the later P80 (C) first
    assert [r.name for r in top_organisations(report)] == ["C", "B", "D"]


def test_what_if_text() -> None:
    assert what_if_text((), translator("en")) is None
    assert what_if_text(("start=2025-09-02", "a=1"), translator("cy")) == (
        "Beth os: start=2025-09-02; a=1"
    )


def test_the_printed_solve_command_runs_twice_as_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hand.yaml"
    path.write_text(yaml.safe_dump(hand()), encoding="utf-8")
    scenario = parse_scenario(hand())
    fix = fix_for(scenario, "capped", str(path))
    assert fix is not None
    words = shlex.split(fix.solve_command)
    assert words[:2] == ["migrasim", "solve"]
    monkeypatch.chdir(tmp_path)  # the default folder, results/hand-solve, lands here
    for _ in range(2):  # the second run finds the first one's folder
        result = CliRunner().invoke(cli, words[1:])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "results" / "hand-solve" / "solve.json").exists()


def test_capacity_need_is_the_brute_force_quantile_of_every_draw() -> None:
    # Uncertain volumes and random outages (about one a week): the answer found with outages
    # drawn only to go-live and only undecided draws re-solved must be, for each target, the
    # smallest value (to 0.5 %) at which more than the target's rank of draws make go-live,
    # counted here by solving every draw with every outage to the horizon.
    from dataclasses import replace as swap

    import numpy as np

    from migrasim.analysis import board
    from migrasim.analysis.draws import draw_block, take_rows
    from migrasim.core.batch import solve_block
    from migrasim.core.rules import in_time, quantile_rank

    spec = hand(outages={"mtbf": "5 days", "mttr": {"low": "2 h", "likely": "1 day",
                                                      "high": "3 days"}})  # fmt: skip
    spec["flows"][0]["volume"] = {"low": "40 GB", "likely": "80 GB", "high": "160 GB"}
    spec["flows"].append({**spec["flows"][0], "name": "B", "growth": "0.5 GB/day"})
    scenario = parse_scenario(spec)
    model = build_model(scenario)
    fix = fix_for(scenario, "capped", "hand.yaml", model=model)
    n = 40
    need = capacity_need(scenario, model, fix, seed=4, replications=n)
    assert need is not None
    block = take_rows(draw_block(scenario, model, 4, 0), slice(0, n))  # to the horizon
    convert = model.clock.completion_day

    def count(gb_per_day: float) -> int:
        cap = block.cap.copy()
        cap[:, 0] = gb_per_day * 1e9
        done = solve_block(model, swap(block, cap=cap), np.array([]), 0).finished.max(axis=1)
        return sum(in_time(convert(float(t)), model.go_live) for t in done)

    assert model.go_live is not None
    checked = 0
    for target in need.targets:
        rank = quantile_rank(n, target.chance)
        value = target.needed
        assert value is not None
        assert value > 1.0  # today's 1 GB a day is not enough
        assert count(value) > rank
        assert count(value / board.PRECISION**1.01) <= rank
        checked += 1
    assert checked == 2


def _shared_hand(flows: int = 4) -> dict[str, Any]:
    # hand()'s link shared by several flows (the phase loop of core/shared_batch.py), with
    # uncertain volumes, growth, rejections and outages: every feature the search must carry.
    outages = {"mtbf": "10 days", "mttr": {"low": "2 h", "likely": "8 h", "high": "2 days"}}
    spec = hand(per_flow=False, outages=outages)
    base = spec["flows"][0]
    spec["flows"] = [
        {**base, "name": f"F{i}", "source": f"s{i}",
         "volume": {"low": f"{5 + i} GB", "likely": f"{10 + 2 * i} GB", "high": f"{30 + i} GB"},
         "growth": "0.1 GB/day",
         "rejection": {"fraction": {"low": 0.01, "likely": 0.03, "high": 0.08},
                       "delay": {"low": "2 days", "likely": "4 days", "high": "7 days"}}}
        for i in range(flows)
    ]  # fmt: skip
    return spec


def test_the_look_ahead_finds_what_one_value_at_a_time_finds_in_fewer_loops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The capacity search on a shared link solves the values its bisection may ask next in one
    # phase loop (board.AHEAD_ROWS): the needs must be those of asking one value at a time
    # (AHEAD_ROWS 0: each value alone), with fewer phase loops; and each is, on draws solved to
    # the horizon one value at a time, the smallest value (to 0.5 %) at which more than the
    # target's rank of draws make go-live.
    from dataclasses import replace as swap

    import numpy as np

    from migrasim.analysis import board
    from migrasim.analysis.draws import draw_block, take_rows
    from migrasim.core import shared_batch
    from migrasim.core.rules import in_time, quantile_rank

    scenario = parse_scenario(_shared_hand())
    model = build_model(scenario)
    fix = fix_for(scenario, "capped", "hand.yaml", model=model)
    calls = []
    solve = board.solve_block

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1].rows)
        return solve(*args, **kwargs)

    monkeypatch.setattr(board, "solve_block", counted)
    n = 60
    ahead = capacity_need(scenario, model, fix, seed=3, replications=n)
    loops_ahead = len(calls)
    monkeypatch.setattr(board, "AHEAD_ROWS", 0)
    calls.clear()
    alone = capacity_need(scenario, model, fix, seed=3, replications=n)
    assert ahead is not None
    assert alone == ahead
    assert loops_ahead < len(calls)
    assert max(calls) <= n  # one value at a time: never more rows than draws
    block = take_rows(draw_block(scenario, model, 3, 0), slice(0, n))  # to the horizon
    convert = model.clock.completion_day

    def count(gb_per_day: float) -> int:
        cap = block.cap.copy()
        cap[:, 0] = gb_per_day * 1e9
        done = shared_batch.solve_block(model, swap(block, cap=cap), np.array([]), 0)
        return sum(in_time(convert(float(t)), model.go_live) for t in done.finished.max(axis=1))

    for target in ahead.targets:
        rank = quantile_rank(n, target.chance)
        assert target.needed is not None
        assert target.needed > 1.0
        assert count(target.needed) > rank
        assert count(target.needed / board.PRECISION**1.01) <= rank


def test_a_p80_that_never_comes_moves_nothing_and_is_not_solved_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 4 flows of 10-30 GB through 0.001 GB a day: never within the horizon, today or doubled.
    # Told the run's own P80 (None: never) on these draws, the shift is None days on those
    # draws without a solve; not told, it is found the same by solving.
    from migrasim.analysis import board
    from migrasim.analysis.board import doubled_p80_shift

    spec = _shared_hand()
    spec["links"]["capped"]["daily_cap"] = "0.001 GB"
    spec["horizon"] = "2 years"
    scenario = parse_scenario(spec)
    model = build_model(scenario)
    assert doubled_p80_shift(scenario, model, 0, 1, 30) == (None, 30)

    def no_solve(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("solved again")

    monkeypatch.setattr(board, "solve_block", no_solve)
    assert doubled_p80_shift(scenario, model, 0, 1, 30, None, p80_known=True) == (None, 30)
