"""The toy-input test (issue 21, item 1): an uncertain input kind added as one module is set in
a scenario file (validated at its key path, with the close-match hint, and by ``--set``), drawn
(the batch draw and the per-replication sampler give the same numbers), run by ``migrasim run``,
swung in the tornado, put in the board's words and parsed by ``solve``, with no other module
touched; and docs/design.md's files-to-touch list for an uncertain input names what it takes.

The toy kind is ``start_delay`` (tests/toy_inputs/start_delay.py, laid out as a module of
``migrasim/analysis/uncertain_inputs/`` is and loaded by the same ``uncertain.load_inputs``): an
uncertain extra delay before a link can be used, added onto when it can be used, written on a
link as ``start_delay: 3 days`` or a three-point estimate of durations.
"""

from __future__ import annotations

import ast
import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import migrasim
from migrasim.analysis import uncertain, uncertain_inputs
from migrasim.analysis.board import baseline_movers, binding_constraint
from migrasim.analysis.draws import BLOCK_SIZE, draw_block
from migrasim.analysis.records import Binding, Relief
from migrasim.analysis.sampling import Sampler
from migrasim.analysis.sensitivity import swings
from migrasim.analysis.solve import Scale
from migrasim.analysis.track import plan_days, tracked
from migrasim.analysis.uncertain import UncertainInput, given_input
from migrasim.core import units
from migrasim.core.distributions import Estimate
from migrasim.core.engine import simulate
from migrasim.core.tracking import PROGRESS, Track
from migrasim.errors import N_, ScenarioError
from migrasim.render.board import (
    binding_words,
    driver_label,
    key_words,
    movers_notes,
    setting_words,
)
from migrasim.render.i18n import translator
from migrasim.scenario.compile import build_model
from migrasim.scenario.loader import load_scenario
from migrasim.scenario.types import Scenario, flow_keys, parse_scenario, scenario_json_schema
from tests import toy_inputs
from tests.helpers import ALL_WEEK, design_section, invoke, listed_paths, scenario_dict

ROOT = Path(__file__).resolve().parents[2]
DAY = 86400.0
GB = 1e9


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


def _data(**link: Any) -> dict[str, Any]:
    # Monday 2 March 2026, every day a working day: a link open all day at 60 Mbit/s (7.5 MB/s)
    # moves the flow's 648 GB in exactly one day.
    return scenario_dict({"fast": {"bandwidth": "60 Mbit/s", **link}},
                         [{"name": "F", "volume": "648 GB", "links": ["fast"]}],
                         start="2026-03-02", working_days=ALL_WEEK)  # fmt: skip


DELAY = {"low": "2 days", "likely": "3 days", "high": "4 days"}


def _scenario() -> Scenario:
    return parse_scenario(_data(start_delay=DELAY))


def _problem(data: dict[str, Any]) -> tuple[str, str, str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    (problem,) = caught.value.problems
    return problem.key_path, str(problem.problem), str(problem.fix)


# --- the scenario key ---------------------------------------------------------------------


def test_the_key_is_unknown_until_the_kind_is_registered() -> None:
    assert uncertain.input_of("start_delay") is None
    where, problem, fix = _problem(_data(start_delay="3 days"))
    assert (where, problem) == ("links.fast.start_delay", "unknown key")
    assert "start_delay" not in fix


def test_validate_takes_the_key_as_a_duration_or_an_estimate(start_delay: UncertainInput) -> None:
    link = parse_scenario(_data(start_delay="3 days")).links["fast"]
    assert link.inputs == {"start_delay": 3 * DAY}
    # compiled into the link's estimates by key, where the kind reads it (given_input)
    model = build_model(_scenario())
    (given,) = model.links[0].estimates.inputs
    assert given == ("start_delay", Estimate(2 * DAY, 3 * DAY, 4 * DAY))
    assert start_delay.given(model.links[0].estimates) == Estimate(2 * DAY, 3 * DAY, 4 * DAY)
    # not set: nothing given
    assert build_model(parse_scenario(_data())).links[0].estimates.inputs == ()


def test_a_bad_value_is_reported_at_its_key_path(start_delay: UncertainInput) -> None:
    # the same words as the built-in duration lead_time's
    duration = "give a duration with a unit, e.g. '8 h', '3 days', '4 weeks' or '10 years'"
    assert _problem(_data(start_delay="soon")) == (
        "links.fast.start_delay", "cannot read 'soon' as a number and a unit", duration,
    )  # fmt: skip
    assert _problem(_data(lead_time="soon"))[1:] == _problem(_data(start_delay="soon"))[1:]
    assert _problem(_data(start_delay="0 days"))[:2] == (
        "links.fast.start_delay", "must be > 0, got '0 days'",
    )  # fmt: skip
    # an estimate's part at its own key path; every problem reported
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(_data(start_delay={**DELAY, "low": "x", "high": "y"}))
    assert [p.key_path for p in caught.value.problems] == [
        "links.fast.start_delay.low", "links.fast.start_delay.high",
    ]  # fmt: skip
    where, problem, _ = _problem(_data(start_delay={**DELAY, "low": "5 days"}))
    assert where == "links.fast.start_delay"
    assert problem.startswith("need low <= likely <= high")
    # a correlation group it names must exist, as for any estimate
    where, problem, _ = _problem(_data(start_delay={**DELAY, "group": "slow"}))
    assert (where, problem) == (
        "links.fast.start_delay.group",
        "undefined correlation group 'slow'",
    )


def test_a_misspelt_key_gets_the_close_match(start_delay: UncertainInput) -> None:
    where, problem, fix = _problem(_data(start_dely="3 days"))
    assert (where, problem) == ("links.fast.start_dely", "unknown key")
    assert fix.startswith("did you mean 'start_delay'? allowed keys: daily_cap, bandwidth")
    assert fix.endswith(", start_delay")
    assert ", description, " in fix
    # a built-in key's close match as before, the registered key listed with the others
    where, problem, fix = _problem(_data(lead_tme="3 days"))
    assert (where, problem) == ("links.fast.lead_tme", "unknown key")
    assert fix.startswith("did you mean 'lead_time'? allowed keys: daily_cap, bandwidth")
    # where the value is kept is no key
    where, problem, fix = _problem(_data(inputs={"start_delay": "3 days"}))
    assert (where, problem) == ("links.fast.inputs", "unknown key")
    assert "start_delay" in fix
    # a link's kind is no flow's key
    data = _data()
    data["flows"][0]["start_delay"] = "3 days"
    where, problem, fix = _problem(data)
    assert (where, problem) == ("flows[0].start_delay (F)", "unknown key")
    assert "start_delay" not in fix


def test_the_schema_has_the_key(start_delay: UncertainInput) -> None:
    schema = scenario_json_schema()
    link = schema["$defs"]["LinkSpec"]["properties"]
    assert "inputs" not in link
    assert "inputs" not in schema["$defs"]["FlowSpec"]["properties"]
    value, estimate = link["start_delay"]["oneOf"]
    assert value["type"] == "string"
    assert estimate == {"$ref": "#/$defs/DurationEstimate"}
    assert "DurationEstimate" in schema["$defs"]


def test_a_key_may_not_shadow_one_the_scenario_has() -> None:
    for key, owner in (("lead_time", "link"), ("volume", "flow"), ("daily_cap", "link")):
        clash = UncertainInput(key, owner, given_input(key), N_("start delay"), "duration",  # type: ignore[arg-type]
                               unit="duration")  # fmt: skip
        with pytest.raises(ValueError, match="already"):
            uncertain.register(clash)
        assert clash not in uncertain.UNCERTAIN_INPUTS


def test_a_flow_kind_is_a_key_of_each_flow(tmp_path: Path) -> None:
    # a second toy, a flow's: data found late at the source, added to the flow's volume
    late = UncertainInput("late_data", "flow", given_input("late_data"), N_("start delay"),
                          "size", units.parse_size, "late_data", 0.0, "volume",
                          combine=lambda volume, more: volume + more, unit="size")  # fmt: skip
    uncertain.register(late)
    try:
        data = _data()
        data["flows"][0]["late_data"] = "648 GB"
        flow = parse_scenario(data).flows[0]
        assert flow.inputs == {"late_data": 648e9}
        # twice the volume: two days, complete on Wednesday 4 March 00:00
        path = tmp_path / "late.yaml"
        path.write_text(FILE.replace(", start_delay: 3 days", "").replace(
            "volume: 648 GB,", "volume: 648 GB, late_data: 648 GB,"))  # fmt: skip
        code, _, err = invoke("run", str(path), "--out", str(tmp_path / "r"))
        assert code == 0, err
        assert _summary(tmp_path / "r")["F"]["baseline_completion"] == "2026-03-04T00:00:00"
        data["flows"][0]["late_dat"] = data["flows"][0].pop("late_data")
        where, problem, fix = _problem(data)
        assert (where, problem) == ("flows[0].late_dat (F)", "unknown key")
        assert fix.startswith("did you mean 'late_data'?")
        data["flows"][0]["late_data"] = data["flows"][0].pop("late_dat").replace("GB", "GQ")
        where, problem, fix = _problem(data)
        assert where == "flows[0].late_data (F)"
        # the same words as the built-in size volume's
        data["flows"][0]["volume"] = data["flows"][0].pop("late_data")
        assert _problem(data) == ("flows[0].volume (F)", problem, fix)
        assert problem == "unknown unit 'GQ' in '648 GQ'; did you mean 'GB'?"
        # a column of an inventory, its cells the flows' values
        (tmp_path / "flows.csv").write_text(
            "source,target,volume,links,late_data\na,b,648 GB,fast,648 GB\nc,d,1 TB,fast,\n"
        )
        plain = FILE.replace(", start_delay: 3 days", "")
        path.write_text(plain.split("flows:")[0] + "flows_from: flows.csv\n")
        first, second = load_scenario(path).flows
        assert (first.inputs, second.inputs) == ({"late_data": 648e9}, {})
        (tmp_path / "flows.csv").write_text(
            "source,target,volume,links,late_data\na,b,648 GB,fast,lots\n"
        )
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        (problem,) = caught.value.problems
        assert problem.key_path == "flows.csv row 2, column late_data"
        assert str(problem.problem) == "cannot read 'lots' as a number and a unit"
    finally:
        uncertain.unregister(late)
    assert "late_data" not in flow_keys()
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert str(problem.problem) == "unknown column 'late_data'"


# --- the command line: validate, --set, run -----------------------------------------------

FILE = """\
name: toy
start: 2026-03-02
calendar: {working_days: [Mon, Tue, Wed, Thu, Fri, Sat, Sun]}
links:
  fast: {bandwidth: 60 Mbit/s, start_delay: 3 days}
flows:
  - {name: F, source: a, target: b, volume: 648 GB, links: [fast]}
"""


def _summary(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "summary.csv").open(newline="") as f:
        return {row["flow"]: row for row in csv.DictReader(f)}


def test_the_command_line_validates_and_runs_it(
    start_delay: UncertainInput, tmp_path: Path
) -> None:
    path = tmp_path / "toy.yaml"
    path.write_text(FILE)
    code, out, err = invoke("validate", str(path))
    assert code == 0, err
    assert "valid (1 flow, 1 link)" in out
    # the link can be used 3 days after the start, Thursday 5 March 00:00; one day to move:
    # complete at Friday 6 March 00:00, the end of Thursday 5 March
    code, out, err = invoke("run", str(path), "--out", str(tmp_path / "r"), "--force")
    assert code == 0, err
    row = _summary(tmp_path / "r")["F"]
    assert row["baseline_completion"] == "2026-03-06T00:00:00"
    assert row["baseline_finish_date"] == row["p80"] == "2026-03-05"
    # without the delay: done the next day
    path.write_text(FILE.replace(", start_delay: 3 days", ""))
    code, _, err = invoke("run", str(path), "--out", str(tmp_path / "none"), "--force")
    assert code == 0, err
    assert _summary(tmp_path / "none")["F"]["baseline_completion"] == "2026-03-03T00:00:00"


def test_set_overrides_it(start_delay: UncertainInput, tmp_path: Path) -> None:
    path = tmp_path / "toy.yaml"
    path.write_text(FILE)
    out = tmp_path / "r"
    code, stdout, err = invoke("run", str(path), "--out", str(out), "--force",
                               "--set", "links.fast.start_delay=5 days")  # fmt: skip
    assert code == 0, err
    assert "start delay of link fast 5 days (file: 3 days)" in stdout
    # usable on Saturday 7 March 00:00, complete on Sunday 8 March 00:00
    assert _summary(out)["F"]["baseline_completion"] == "2026-03-08T00:00:00"
    # an estimate by --set: drawn, run and swung
    code, _, err = invoke("run", str(path), "--out", str(out), "--force", "--seed", "1",
                          "--set", "links.fast.start_delay={low: 2 days, likely: 3 days, "
                          "high: 4 days}")  # fmt: skip
    assert code == 0, err
    row = _summary(out)["F"]
    assert row["baseline_completion"] == "2026-03-06T00:00:00"  # the most likely, 3 days
    assert row["p50"] == "2026-03-05"
    with (out / "sensitivity.csv").open(newline="") as f:
        (swing,) = list(csv.DictReader(f))
    assert swing["input"] == "links.fast.start_delay"
    assert (swing["change_low_days"], swing["change_high_days"]) == ("-1.0", "1.0")
    # a bad value by --set: exit 2, the key path and what to give
    code, _, err = invoke("validate", str(path), "--set", "links.fast.start_delay=soon")
    assert code == 2
    assert "links.fast.start_delay" in err
    assert "'soon'" in err
    assert "give a duration with a unit" in err


def test_solve_finds_the_longest_delay_that_meets_a_date(
    start_delay: UncertainInput, tmp_path: Path
) -> None:
    path = tmp_path / "toy.yaml"
    path.write_text(FILE)
    out = tmp_path / "s"
    code, _, err = invoke("solve", str(path), "--vary", "links.fast.start_delay",
                          "--between", "1 days", "10 days", "--target", "P80 < 2026-03-08",
                          "-n", "20", "-j", "1", "--out", str(out))  # fmt: skip
    assert code == 0, err
    # a delay of 5 days completes at Sunday 8 March 00:00, the end of Saturday 7 March: met;
    # any longer finishes on 8 March
    found = json.loads((out / "solve.json").read_text())
    assert (found["direction"], found["value"], found["value_si"]) == ("largest", "5 days", 5 * DAY)


TRACKED = FILE.replace("648 GB", "6480 GB")
LOG = "date,flow,bytes (GB)\n2026-03-05,F,648\n2026-03-06,F,648\n"


def _tracked_files(folder: Path) -> tuple[Path, Path]:
    """The tracked toy scenario (6,480 GB at 648 GB a day) and its log: 648 GB on each of
    5 and 6 March, written to ``folder``."""
    path, log = folder / "toy.yaml", folder / "log.csv"
    path.write_text(TRACKED)
    log.write_text(LOG)
    return path, log


def test_track_delays_the_link_in_the_plan_and_the_forecast(
    start_delay: UncertainInput, tmp_path: Path
) -> None:
    # 6,480 GB at 648 GB a day: the plan's link can be used from Thursday 5 March (3 days'
    # delay), so the plan moves 648 GB on each of 5 and 6 March and nothing before; done at
    # 15 March 00:00 (P80 14 March). The log shows just that: 100 % of planned.
    path, log = _tracked_files(tmp_path)
    plan = plan_days(load_scenario(path), date(2026, 3, 7))
    assert plan == {"F": {date(2026, 3, 5): 648 * GB, date(2026, 3, 6): 648 * GB}}
    found = migrasim.track(path, log, as_of="2026-03-07", replications=20, seed=1)
    (row,) = found.progress.query("flow == 'F'").to_dict("records")
    assert (row["plan_p80"], row["delivered_gb"]) == ("2026-03-14", 1296.0)
    assert row["what_changed"].startswith("moved 100 % of planned")
    # the forecast: 5,184 GB left (8 days) on the link as calibrated (as planned); declaring
    # no track, the delay is taken as the scenario gives it, 3 days from the as-of date
    # (Saturday 7 March): usable on 10 March, done at 18 March 00:00
    (summary,) = found.summary.query("flow == 'F'").to_dict("records")
    assert summary["baseline_completion"] == "2026-03-18T00:00:00"
    # the CLI alike
    code, _, err = invoke("track", str(path), "--actuals", str(log), "--as-of", "2026-03-07",
                          "-n", "20", "--out", str(tmp_path / "t"))  # fmt: skip
    assert code == 0, err
    assert _summary(tmp_path / "t")["F"]["baseline_completion"] == "2026-03-18T00:00:00"


def test_track_shortens_a_tracked_kind_kept_in_inputs(
    start_delay: UncertainInput, tmp_path: Path
) -> None:
    # the same kind declaring a lead time's track (a wait from the start, shortened by the
    # time elapsed): kept in the link's ``inputs``, track acts on it by key; by 7 March five
    # days have passed, more than its 3 days, so the link is usable from the as-of date:
    # 5,184 GB left, done at 15 March 00:00
    path, log = _tracked_files(tmp_path)
    uncertain.unregister(start_delay)
    waits = replace(start_delay, track=Track(PROGRESS, "elapsed"))
    uncertain.register(waits)
    try:
        link = load_scenario(path).links["fast"]
        assert tracked.kinds("link", PROGRESS)[-1] is waits
        assert tracked.value(link, waits) == 3 * DAY
        assert tracked.with_value(link, waits, DAY) == {"inputs": {"start_delay": DAY}}
        assert tracked.with_value(link, waits, None) == {"inputs": {}}
        found = migrasim.track(path, log, as_of="2026-03-07", replications=20, seed=1)
        (summary,) = found.summary.query("flow == 'F'").to_dict("records")
        assert summary["baseline_completion"] == "2026-03-15T00:00:00"
    finally:
        uncertain.unregister(waits)
        uncertain.register(start_delay)


def test_the_command_line_reports_a_bad_value(start_delay: UncertainInput, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(FILE.replace("start_delay: 3 days", "start_delay: 3 fortnights"))
    for command in ("validate", "run"):
        code, _, err = invoke(
            command, str(path), *(["--out", str(tmp_path / "r")] * (command == "run"))
        )
        assert code == 2, err
        assert str(path) in err
        assert "links.fast.start_delay" in err
        assert "3 fortnights" in err
        assert "give a duration with a unit" in err
        assert "Traceback" not in err
    # in every language the words of the built-in duration's, lead_time's
    as_lead_time = tmp_path / "lead.yaml"
    as_lead_time.write_text(path.read_text().replace("start_delay", "lead_time"))
    for lang in ("en", "cy"):
        _, _, err = invoke("validate", str(path), "--lang", lang)
        _, _, lead = invoke("validate", str(as_lead_time), "--lang", lang)
        assert err.replace("bad.yaml", "lead.yaml").replace("start_delay", "lead_time") == lead
    path.write_text(FILE.replace("start_delay:", "start_dealy:"))
    code, _, err = invoke("validate", str(path))
    assert code == 2
    assert "links.fast.start_dealy" in err
    assert "did you mean 'start_delay'?" in err


def _fresh(then: str) -> subprocess.CompletedProcess[str]:
    """Python code ``then`` in a fresh interpreter with the toy's folder as one more folder of
    migrasim/analysis/uncertain_inputs/ (as a kind's module would be there)."""
    script = (
        "import sys\n"
        "from migrasim.analysis import uncertain_inputs\n"
        f"uncertain_inputs.__path__.append({str(Path(toy_inputs.__file__).parent)!r})\n"
        f"{then}\n"
    )
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)  # fmt: skip


def _command(*args: str) -> str:
    return f"from migrasim.cli import main\nsys.argv = ['migrasim', *{list(args)!r}]\nmain()"


def test_the_commands_know_the_kinds_of_the_package(tmp_path: Path) -> None:
    # `migrasim validate` and `schema` read no engine, yet know the key: they register the
    # package's kinds first; so does the library's load_scenario
    path = tmp_path / "toy.yaml"
    path.write_text(FILE)
    done = _fresh(_command("validate", str(path)))
    assert done.returncode == 0, done.stderr
    assert "valid (1 flow, 1 link)" in done.stdout
    done = _fresh(_command("schema"))
    assert done.returncode == 0, done.stderr
    assert "start_delay" in json.loads(done.stdout)["$defs"]["LinkSpec"]["properties"]
    done = _fresh(f"import migrasim\nprint(migrasim.load_scenario({str(path)!r}).links)")
    assert done.returncode == 0, done.stderr
    assert "'start_delay': 259200.0" in done.stdout
    assert "start_delay" not in [k.key for k in uncertain.UNCERTAIN_INPUTS]  # not here


# --- drawn, run, swung, in words ----------------------------------------------------------


def test_unregistered_it_is_not_drawn(start_delay: UncertainInput) -> None:
    scenario = _scenario()
    model = build_model(scenario)
    uncertain.unregister(start_delay)
    try:
        # -inf: the link can be used from the start
        assert np.all(draw_block(scenario, model, 3, 0, rows=20).available[:, 0] == -np.inf)
    finally:
        uncertain.register(start_delay)


def test_both_samplers_draw_it_alike(start_delay: UncertainInput) -> None:
    scenario = _scenario()
    model = build_model(scenario)
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
    model = build_model(_scenario())
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
    estimate = Estimate(2 * DAY, 3 * DAY, 4 * DAY)
    assert setting_words("start_delay", estimate, t) == "likely 3 days, 2 days to 4 days"
    assert driver_label(swing.key, 7 * DAY, 14 * DAY, t) == "link fast: start delay, 1 to 2 weeks"
    # solve --vary links.fast.start_delay parses a value in the kind's unit
    assert Scale("links.fast.start_delay", "days").si(3.0) == 3 * DAY
    assert start_delay.parse is units.parse_duration


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


LEAD = {"low": "1 days", "likely": "2 days", "high": "3 days"}


@pytest.mark.parametrize("grouped", [False, True])
def test_a_swing_keeps_the_other_kinds_of_its_field(
    start_delay: UncertainInput, grouped: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # lead time 1-2-3 days, then a start delay of 2-3-4 days on top: usable after 2 + 3 = 5
    # days, one day to move: done at day 6. Each swing moves its own part and keeps the other's
    # most likely: the lead time 1 day -> 1 + 3 = 4, done at 5; 3 days -> done at 7; the delay
    # likewise (2 + 2, 2 + 4). Setting ``available`` to the lead time alone would drop the delay
    # (done at 2 and 4). Grouped by kind (beyond MAX_SWINGS), the same.
    if grouped:
        monkeypatch.setattr("migrasim.analysis.sensitivity.MAX_SWINGS", 0)
    model = build_model(parse_scenario(_data(lead_time=LEAD, start_delay=DELAY)))
    baseline, found = swings(model)
    assert baseline == pytest.approx(6 * DAY)
    finishes = {s.key.split(" ")[0]: (s.finish_low_s, s.finish_high_s) for s in found}
    prefix = "links.*." if grouped else "links.fast."
    for key in ("lead_time", "start_delay"):
        assert finishes[prefix + key] == (pytest.approx(5 * DAY), pytest.approx(7 * DAY))


def test_a_relief_keeps_the_other_kinds_of_its_field(start_delay: UncertainInput) -> None:
    # lead time 2 days and a start delay of 3 days: done at day 6 (see above). With no lead
    # time the link still waits for the delay: usable at day 3, done at 4, two days earlier
    # (not five: the delay is not relieved with it); the bandwidth doubled saves half a day.
    model = build_model(parse_scenario(_data(lead_time="2 days", start_delay="3 days")))
    binding = binding_constraint(model, "fast")
    assert binding.link_days == pytest.approx(0.5)
    assert binding.kind == "lead_time"
    gains = {r.relief: r.days for r in binding.reliefs}
    assert gains == {"lead_time": pytest.approx(2.0), "remediation": 0.0}
    # a start delay that declares a relief (no delay): the lead time still holds the link
    # back, usable at day 2, done at 3: three days earlier, not five
    uncertain.unregister(start_delay)
    relieving = replace(start_delay, relief="start_delay", relief_rank=2,
                        relief_words=N_("Start delay"))  # fmt: skip
    uncertain.register(relieving)
    try:
        binding = binding_constraint(model, "fast")
        gains = {r.relief: r.days for r in binding.reliefs}
        assert gains["start_delay"] == pytest.approx(3.0)
        assert gains["lead_time"] == pytest.approx(2.0)
        assert binding.kind == "start_delay"
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
        movers = baseline_movers(scenario, build_model(scenario), 648e9, 648e9)
        assert movers.inputs == ("start_delay",)
        assert movers_notes(movers, translator("en")) == [
            "Finish dates also reflect start delays, so they differ from volume ÷ daily capacity."
        ]
        plain = parse_scenario(_data())  # no delay given: nothing moves the dates
        assert baseline_movers(plain, build_model(plain), 648e9, 648e9).inputs == ()
    finally:
        uncertain.unregister(moving)
        uncertain.register(start_delay)


def test_without_it_the_decision_modules_run_as_before(start_delay: UncertainInput) -> None:
    # registered but not given: nothing moves (no delay: the column as the kinds before left it)
    scenario = parse_scenario(_data())
    model = build_model(scenario)
    assert np.all(draw_block(scenario, model, 3, 0, rows=20).available[:, 0] == -np.inf)
    baseline, found = swings(model)
    assert baseline == pytest.approx(DAY)
    assert not [s for s in found if s.key.endswith("start_delay")]


# --- docs/design.md's list is what it took ------------------------------------------------


def test_the_files_to_touch_are_the_toy_inputs() -> None:
    section = design_section("How to add an uncertain input")
    touch = listed_paths(section, "Files to touch now:")
    assert touch[0] == "migrasim/analysis/uncertain_inputs/<key>.py"
    assert "tests/unit/test_<key>.py" in touch
    # the scenario layer takes a registered kind's key generically: no file of it to touch
    assert not [path for path in touch if path.startswith("migrasim/scenario/")], touch
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
    section = design_section("How to add an uncertain input")
    modules = listed_paths(section, "They iterate the registry and name no kind:")
    assert len(modules) >= 4
    for name in modules:
        assert _names_a_kind(ROOT / name) == [], name
    # and the check can fail: a module that does name one
    assert _names_a_kind(ROOT / "migrasim" / "analysis" / "uncertain.py")
