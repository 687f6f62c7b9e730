"""A flow's own go-live (a later cohort): every output judges the flow, and its
organisation, against it (core.rules.go_live_of), the programme row against the programme's."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

from migrasim.analysis.compare import compare_rows
from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.summary import summarise
from migrasim.core.rules import Status, go_live_of
from migrasim.scenario.loader import load_scenario
from migrasim.scenario.types import parse_scenario

# Mon-Fri at 1 GB a day from Mon 2 Jun 2025: A (10 GB) done Fri 13 Jun, B (40 GB) done Fri
# 25 Jul: late for the programme's 1 Jul, in time for its own 1 Sep.
DATA = {
    "name": "cohorts",
    "start": "2025-06-02",
    "go_live": "2025-07-01",
    "calendar": {"working_days": ["Mon", "Tue", "Wed", "Thu", "Fri"]},
    "links": {"capped": {"daily_cap": "1 GB", "per_flow": True}},
    "flows": [
        {"name": "A", "source": "a", "target": "t", "volume": "10 GB", "links": ["capped"]},
        {"name": "B", "source": "b", "target": "t", "volume": "40 GB", "links": ["capped"],
         "go_live": "2025-09-01"},
    ],
}  # fmt: skip


def test_the_rule() -> None:
    june, july, sep = date(2025, 6, 1), date(2025, 7, 1), date(2025, 9, 1)
    assert go_live_of([None], july) == july
    assert go_live_of([sep], july) == sep
    assert go_live_of([sep, None], july) == july  # the earliest of the flows' dates
    assert go_live_of([sep, june], None) == june
    assert go_live_of([None], None) is None


def test_run_judges_each_flow_and_organisation_by_its_own_go_live() -> None:
    report = summarise(run_scenario(parse_scenario(DATA), 3, 1))
    rows = {r.name: r for r in report.flows}
    assert rows["B"].p80 == date(2025, 7, 25)
    assert rows["B"].chance == 1.0
    assert rows["B"].status is Status.ON_TRACK
    assert rows["B"].days_late == (date(2025, 7, 25) - date(2025, 8, 31)).days
    organisations = {o.name: o for o in report.organisations}
    assert organisations["B"].chance == 1.0
    assert report.programme.chance == 0.0  # the programme: every flow by the programme's date
    assert report.counts.late == 0
    # without its own date B is late
    plain = copy.deepcopy(DATA)
    del plain["flows"][1]["go_live"]
    late = {r.name: r for r in summarise(run_scenario(parse_scenario(plain), 3, 1)).flows}
    assert late["B"].chance == 0.0
    assert late["B"].status is Status.LATE


def test_an_organisation_is_judged_by_the_earliest_of_its_flows_go_lives() -> None:
    data = copy.deepcopy(DATA)
    data["flows"][0]["organisation"] = "Org"
    data["flows"][1]["organisation"] = "Org"
    report = summarise(run_scenario(parse_scenario(data), 3, 1))
    (org,) = report.organisations
    assert org.chance == 0.0  # A is judged by 1 Jul, so the organisation (done 25 Jul) is late


def test_compare_judges_each_flow_by_its_own_go_live() -> None:
    plain = copy.deepcopy(DATA)
    del plain["flows"][1]["go_live"]
    pairs = (("own", DATA), ("plain", plain))
    outcomes = [(name, run_scenario(parse_scenario(data), 3, 1)) for name, data in pairs]
    rows = {(r.flow, r.scenario): r for r in compare_rows(outcomes, 1)}
    assert rows[("B", "own")].stats.prob == 1.0
    assert rows[("B", "plain")].stats.prob == 0.0
    assert rows[("ALL", "own")].stats.prob == 0.0


def test_an_inventory_gives_a_flows_go_live(tmp_path: Path) -> None:
    (tmp_path / "inv.csv").write_text(
        "name,source,target,volume,links,go_live\nA,a,t,10 GB,capped,\n"
        "B,b,t,40 GB,capped,2025-09-01\n",
        encoding="utf-8",
    )
    (tmp_path / "s.yaml").write_text(
        "name: inv\nstart: 2025-06-02\ngo_live: 2025-07-01\n"
        "links: {capped: {daily_cap: 1 GB, per_flow: true}}\nflows_from: inv.csv\n",
        encoding="utf-8",
    )
    spec = load_scenario(tmp_path / "s.yaml")
    assert [f.go_live for f in spec.flows] == [None, date(2025, 9, 1)]
