"""Organisations, not flows: a flow may name its organisation (``organisation:``, default the
flow's name); an organisation completes with its last flow, so it is in time only when all its
flows are, and the counts, the organisations that matter most, the Gantt, the report and the
what-if page count organisations (analysis.summary.organisation_summaries)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.summary import summarise
from migrasim.core.rules import Status, quantile_rank
from migrasim.render.board import top_organisations
from migrasim.render.i18n import translator
from migrasim.render.tables import summary_frame
from migrasim.render.terminal import run_lines
from migrasim.scenario.loader import load_scenario
from migrasim.scenario.types import parse_scenario
from migrasim.serve.view import display
from tests.helpers import invoke

ROOT = Path(__file__).resolve().parents[2]


def _flow(name: str, volume: Any, organisation: str | None = None) -> dict[str, Any]:
    flow = {"name": name, "source": "s", "target": "t", "volume": volume, "links": ["capped"]}
    if organisation is not None:
        flow["organisation"] = organisation
    return flow


def two_organisations(volume_y2: Any = "60 GB") -> dict[str, Any]:
    # Mon 7 Jul 2025, Mon-Fri, no holidays, go-live Mon 4 Aug (in time: by Sun 3 Aug); 1 GB a
    # working day per flow. X1 (5 GB) ends Sat 12 Jul 00:00, which counts for Fri 11 Jul;
    # X2 (10 GB) Fri 18 Jul; Y1 (5 GB) Fri 11 Jul; Y2 (60 GB: 12 weeks) Fri 26 Sep. So X is
    # in time (its last flow, X2, ends Fri 18 Jul: 16 days early) and Y is late with Y2
    # (Fri 26 Sep: 54 days after Sun 3 Aug), though Y1 is in time.
    return {
        "name": "two organisations",
        "start": "2025-07-07",
        "go_live": "2025-08-04",
        "calendar": {"holidays": "none"},
        "links": {"capped": {"daily_cap": "1 GB", "per_flow": True}},
        "flows": [
            _flow("X1", "5 GB", "X"),
            _flow("X2", "10 GB", "X"),
            _flow("Y1", "5 GB", "Y"),
            _flow("Y2", volume_y2, "Y"),
        ],
    }


def _write(tmp_path: Path, data: dict[str, Any], name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "said"),
    [(5, "input should be a valid string, got 5"), ("", "must be a non-empty name, got ''"),
     ("   ", "must be a non-empty name, got '   '"),
     (None, "must be a non-empty name, got nothing"), (["X"], "input should be a valid string")],
)  # fmt: skip
def test_a_bad_organisation_is_refused_with_its_key_path(
    tmp_path: Path, value: Any, said: str
) -> None:
    data = two_organisations()
    data["flows"][2]["organisation"] = value
    path = _write(tmp_path, data)
    code, _, stderr = invoke("validate", str(path))
    assert code == 2
    assert "Traceback" not in stderr
    assert f"{path}: flows[2].organisation (Y1): {said}" in stderr


def test_an_inventory_column_names_the_organisation(tmp_path: Path) -> None:
    (tmp_path / "inventory.csv").write_text(
        "name,source,target,volume,links,Organisation\n"
        "Cardiff bulk,Cardiff Council,Connecting Care,10 GB,capped,Cardiff\n"
        "Cardiff,Cardiff Council,Connecting Care,1 GB,capped,Cardiff\n"
        "Newport,Newport Council,Connecting Care,2 GB,capped,\n",
        encoding="utf-8",
    )
    data = {k: v for k, v in two_organisations().items() if k != "flows"}
    data["flows_from"] = "inventory.csv"
    scenario = load_scenario(_write(tmp_path, data))
    # a blank cell is "not given": the flow's own name
    assert [f.organisation_name for f in scenario.flows] == ["Cardiff", "Cardiff", "Newport"]
    report = summarise(run_scenario(scenario, None, 0))
    assert [o.name for o in report.organisations] == ["Cardiff", "Newport"]
    assert (report.counts.organisations, report.counts.flows) == (2, 3)


def test_a_number_in_the_organisation_column_is_its_text(tmp_path: Path) -> None:
    (tmp_path / "inventory.csv").write_text(
        "source,target,volume,links,organisation\na,b,1 GB,capped,5\n", encoding="utf-8"
    )
    data = {k: v for k, v in two_organisations().items() if k != "flows"}
    data["flows_from"] = "inventory.csv"
    # a number in the cell is read as its text: an organisation may be called "5"
    scenario = load_scenario(_write(tmp_path, data))
    assert scenario.flows[0].organisation_name == "5"


# --- the rule ---------------------------------------------------------------------------------


def test_organisation_days_is_the_last_flow_and_never_if_any_never() -> None:
    from migrasim.analysis.summary import organisation_days

    a, b = date(2025, 7, 11), date(2025, 7, 18)
    assert organisation_days([[a, b, None], [b, a, a]]) == [b, b, None]
    assert organisation_days([[a, None]]) == [a, None]


def test_an_organisation_is_late_when_one_of_its_flows_is(tmp_path: Path) -> None:
    report = summarise(run_scenario(parse_scenario(two_organisations()), None, 0))
    by_flow = {f.name: f for f in report.flows}
    assert by_flow["Y1"].late_in_baseline is False
    assert by_flow["Y2"].late_in_baseline is True
    assert {f.name: f.organisation for f in report.flows} == {
        "X1": "X", "X2": "X", "Y1": "Y", "Y2": "Y",
    }  # fmt: skip
    x, y = report.organisations
    assert (x.name, y.name) == ("X", "Y")
    assert x.baseline_completed_on == date(2025, 7, 18)
    assert x.days_late == -16
    assert y.baseline_completed_on == date(2025, 9, 26)
    assert y.days_late == 54
    assert (x.status, y.status) == (Status.ON_TRACK, Status.LATE)
    assert (x.late_in_baseline, y.late_in_baseline) == (False, True)
    assert x.volume_bytes == 15e9
    assert y.volume_bytes == 65e9
    counts = report.counts
    assert (counts.organisations, counts.flows) == (2, 4)
    assert (counts.late, counts.at_risk, counts.on_track, counts.late_in_baseline) == (1, 0, 1, 1)
    assert [o.name for o in top_organisations(report)] == ["Y", "X"]

    # The terminal and the report count organisations.
    lines = run_lines(report, translator("en"))
    assert "Baseline: 1 of 2 organisations miss go-live." in lines
    # a row per organisation, then its flows' rows, indented; then the programme's
    assert lines[2].startswith("organisation ")
    names = [line[:8].rstrip() for line in lines[3:12]]
    assert names == ["X", "  X1", "  X2", "Y", "  Y1", "  Y2", "-" * 8, "ALL", "2 organi"]
    assert lines[4].split()[1] == "2025-07-11"  # X1
    assert lines[3].split()[1] == "2025-07-18"  # X: its last flow's
    assert lines[6].split()[1] == "2025-09-26"  # Y: Y2's
    assert lines[11] == (
        "2 organisations of 4 flows: each organisation's row, then its flows' rows, indented. "
        "An organisation completes with its last flow."
    )
    out = tmp_path / "out"
    code, stdout, stderr = invoke("run", str(_write(tmp_path, two_organisations())), "--out",
                                  str(out))  # fmt: skip
    assert code == 0, stderr
    assert "Baseline: 1 of 2 organisations miss go-live." in stdout
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "1 of 2 organisations finish after go-live." in page
    # one row per organisation (with a status), each followed by its flows' rows
    assert re.findall(r'<tr class="row-(ok|risk|late)">\s*<th scope="row">(\w+)', page) == [
        ("ok", "X"), ("late", "Y"),
    ]  # fmt: skip
    members = re.findall(r'<tr class="row-\w+ member">\s*<th scope="row">(\w+)', page)
    assert members == ["X1", "X2", "Y1", "Y2"]
    # summary.csv keeps a row per flow, with its organisation
    frame = summary_frame(report)
    assert list(frame["flow"]) == ["X1", "X2", "Y1", "Y2", "ALL"]
    assert list(frame["organisation"]) == ["X", "X", "Y", "Y", ""]
    csv = (out / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert csv[0].split(",")[-1] == "organisation"
    assert csv[3].split(",")[-1] == "Y"


def test_status_counts_with_replications_count_organisations(tmp_path: Path) -> None:
    # Y2 uncertain around 60 GB: always late, so Y is likely late; X always on track.
    data = two_organisations({"low": "50 GB", "likely": "60 GB", "high": "70 GB"})
    out = tmp_path / "out"
    code, stdout, stderr = invoke("run", str(_write(tmp_path, data)), "-n", "100", "--seed", "1",
                                  "--out", str(out))  # fmt: skip
    assert code == 0, stderr
    assert "Status: 1 of 2 organisations likely late, 0 at risk, 1 on track." in stdout
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "1 of 2 organisations are likely to be late, 0 are at risk and 1 are on track." in page
    assert "baseline run; 1 of 2 finish after go-live." in page  # the Gantt chart's alt text


def test_the_chance_of_an_organisation_is_the_joint_share() -> None:
    # A and B of one organisation: volumes 10-30 GB (likely 20, symmetric: each is in time, by
    # Fri 1 Aug after 20 working days, exactly when its volume is at most 20 GB, half the time),
    # in one correlation group at 0.5 (a Gaussian copula: the normals correlate at 0.5). Both
    # in time: P(Z1 <= 0, Z2 <= 0) = 1/4 + asin(0.5) / (2 pi) = 1/3, neither the product of the
    # two chances (1/4) nor the smaller (1/2).
    volume = {"low": "10 GB", "likely": "20 GB", "high": "30 GB", "group": "g"}
    data = two_organisations()
    data["flows"] = [_flow("A", volume, "Z"), _flow("B", volume, "Z")]
    data["correlation"] = {"g": 0.5}
    n = 2000
    report = summarise(run_scenario(parse_scenario(data), n, 3))
    a, b = report.flows
    (z,) = report.organisations
    assert report.completions is not None
    # in time: completes before 00:00 on Sat 2 Aug (00:00 itself counts for Fri 1 Aug)
    in_time = report.completions <= np.datetime64("2025-08-02T00:00:00")
    assert a.chance == in_time[:, 0].mean()
    assert b.chance == in_time[:, 1].mean()
    assert z.chance == in_time.all(axis=1).mean()
    assert z.chance is not None
    assert a.chance is not None
    assert b.chance is not None
    assert abs(z.chance - 1 / 3) < 0.045  # about 4 standard errors
    assert z.chance - a.chance * b.chance > 0.04
    assert min(a.chance, b.chance) - z.chance > 0.1
    assert z.chance_ci is not None
    assert z.chance_ci[0] <= z.chance <= z.chance_ci[1]
    # its P80 is the P80 of its last flow's date per replication (00:00 counts for the day
    # before), not the later of the two flows' P80s
    last = np.maximum(report.completions[:, 0], report.completions[:, 1])
    days = sorted((t - np.timedelta64(1, "s")).astype("datetime64[D]").item() for t in last)
    assert z.p80 == days[quantile_rank(n, 0.8)]


# --- the scenarios ------------------------------------------------------------------------------


def test_without_the_key_every_flow_is_its_own_organisation() -> None:
    report = summarise(run_scenario(load_scenario(ROOT / "scenarios/health_boards.yaml"), 200, 1))
    assert report.organisations == report.flows  # the same records, flow for flow
    counts = report.counts
    assert counts.organisations == counts.flows == 29
    statuses = [f.status for f in report.flows]
    assert (counts.late, counts.at_risk, counts.on_track) == tuple(
        statuses.count(s) for s in (Status.LATE, Status.AT_RISK, Status.ON_TRACK)
    )
    assert counts.late_in_baseline == sum(1 for f in report.flows if f.late_in_baseline) == 16
    lines = run_lines(report, translator("en"))
    assert lines[2].startswith("flow ")  # the table is unchanged: one row per flow
    assert not any("organisations of" in line for line in lines)


def test_shipped_disks_counts_29_organisations(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = invoke("run", str(ROOT / "scenarios/shipped_disks.yaml"), "-n", "100",
                                  "--seed", "1", "--out", str(out))  # fmt: skip
    assert code == 0, stderr
    assert "Baseline: 0 of 29 organisations miss go-live." in stdout
    assert "Status: 0 of 29 organisations likely late, 0 at risk, 29 on track." in stdout
    assert "29 organisations of 58 flows: each organisation's row" in stdout
    assert re.search(r"^Cardiff +2025-07-\d\d ", stdout, re.M)  # the organisation
    assert re.search(r"^  Cardiff bulk +2025-07-\d\d ", stdout, re.M)  # its flows
    assert re.search(r"^  Cardiff +2025-07-\d\d ", stdout, re.M)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "0 of 29 organisations are likely to be late, 0 are at risk and 29 are on track." in page
    assert "In the baseline run (most likely inputs), 0 of 29 finish after go-live." in page
    assert "baseline run; 0 of 29 finish after go-live." in page  # the Gantt's alt text
    assert len(re.findall(r'<tr class="row-ok">', page)) == 29
    assert len(re.findall(r'<tr class="row-ok member">', page)) == 58
    csv = (out / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert len(csv) == 1 + 58 + 1
    assert len({line.rsplit(",", 1)[1] for line in csv[1:-1]}) == 29


def test_the_gantt_and_the_what_if_page_show_organisations() -> None:
    report = summarise(run_scenario(parse_scenario(two_organisations()), None, 0))
    page = display(report, translator("en"))
    assert [r["name"] for r in page["flows"]] == ["X", "Y"]
    assert [r["name"] for r in page["top"]] == ["Y", "X"]
    assert page["flows"][1]["verdict"] == "Late"
    assert page["counts"] == "1 of 2 organisations finish after go-live."
    welsh = display(report, translator("cy"))["counts"]
    assert welsh == "Mae 1 o 2 sefydliad yn gorffen ar ôl mynd yn fyw."

    from migrasim.render import plots
    from migrasim.render.bundle import run_figures

    drawn: list[Any] = []
    real = plots.gantt_figure

    def spy(bars: Any, *args: Any, **kwargs: Any) -> Any:
        drawn.append(bars)
        return real(bars, *args, **kwargs)

    plots.gantt_figure = spy
    try:
        run_figures(report, {}, "en", only={"gantt.png"})
    finally:
        plots.gantt_figure = real
    (bars,) = drawn
    assert list(bars["flow"]) == ["X", "Y"]
    assert list(bars["late"]) == [False, True]
    # the bars are the organisations' records, from the first flow's start to the last's end
    assert str(bars["start"].iloc[0].date()) == "2025-07-07"
    assert str(bars["end"].iloc[1].date()) == "2025-09-27"  # Y2: Sat 27 Sep 00:00


def test_a_lone_flow_of_another_name_is_listed_under_its_organisation() -> None:
    data = two_organisations()
    data["flows"] = [_flow("extract", "5 GB", "Newport"), _flow("Cardiff", "5 GB")]
    report = summarise(run_scenario(parse_scenario(data), None, 0))
    (newport, flows), (cardiff, none) = report.by_organisation()
    assert (newport.name, [f.name for f in flows]) == ("Newport", ["extract"])
    assert (cardiff.name, none) == ("Cardiff", ())
    assert report.grouped
    assert newport.baseline_completed_on == flows[0].baseline_completed_on == date(2025, 7, 11)
