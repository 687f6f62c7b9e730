"""track: reading the transfer log, conditioning on it, and the command end to end.

Every expected figure is worked by hand in the comment beside it."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import yaml

from migrasim.analysis.summary import summarise
from migrasim.analysis.track import (
    DownDayMtbf,
    RemainingVolume,
    condition,
    estimate_cdf,
    link_posterior,
    track_scenario,
)
from migrasim.core.distributions import Estimate
from migrasim.errors import ScenarioError
from migrasim.scenario.actuals import read_actuals
from migrasim.scenario.types import LinkSpec, parse_scenario
from tests.helpers import invoke, scenario_dict

GB = 1e9


def _scenario() -> dict[str, object]:
    # Mon 2025-07-07 start, Mon-Fri, no holidays; each flow its own 10 GB/day.
    return scenario_dict(
        {"pipe": {"daily_cap": "10 GB", "per_flow": True}},
        [
            {"name": "A", "volume": {"low": "20 GB", "likely": "40 GB", "high": "60 GB",
                                     "dist": "triangular"}, "links": ["pipe"]},
            {"name": "B", "volume": "30 GB", "links": ["pipe"]},
        ],
        go_live="2025-09-01",
    )  # fmt: skip


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


# --- conditioning ------------------------------------------------------------------------------


def test_remaining_volume_never_below_what_crossed() -> None:
    # {20, 40, 60} GB, 30 GB delivered: every total drawn is >= 30 GB, so remaining >= 0
    # (at least 1 byte), and at most 60 - 30 = 30 GB.
    base = Estimate(20 * GB, 40 * GB, 60 * GB, "triangular")
    left = RemainingVolume.of(base, 30 * GB)
    u = (np.arange(10_000) + 0.5) / 10_000
    draws = left.ppf_array(u)
    assert draws.min() >= 1.0
    assert draws.max() <= 30 * GB
    # Triangular CDF at 30: (30-20)^2 / ((60-20)(40-20)) = 100/800 = 0.125.
    assert estimate_cdf(base, 30 * GB) == pytest.approx(0.125)
    # Median of the truncated: u' = 0.125 + 0.5 * 0.875 = 0.5625 > mode share 0.5, so
    # x = 60 - sqrt((1 - 0.5625) * 40 * 20) = 60 - sqrt(350) = 41.2917 GB; left 11.2917 GB.
    assert left.ppf(0.5) == pytest.approx((60 - 350**0.5 - 30) * GB, rel=1e-9)
    # low/likely/high of what is left: max(20,30)-30 -> 1 byte, 40-30 = 10 GB, 60-30 = 30 GB.
    assert (left.low, left.likely, left.high) == (1.0, 10 * GB, 30 * GB)


def test_uniform_remaining_median() -> None:
    # U(20, 60) conditioned on >= 30 is U(30, 60): median 45, so 15 GB left.
    left = RemainingVolume.of(Estimate(20 * GB, 40 * GB, 60 * GB, "uniform"), 30 * GB)
    assert left.ppf(0.5) == pytest.approx(15 * GB)


def test_link_posterior_by_hand() -> None:
    from migrasim.analysis.track import FlowEvidence

    link = LinkSpec.model_validate({"daily_cap": "1 GB"})
    # 5 working days, 1 with nothing; 4 days at half the nominal rate.
    evidence = FlowEvidence("A", "pipe", 5, 1, 2 * GB, 5 * GB, (0.5, 0.5, 0.5, 0.5))
    post = link_posterior("pipe", link, [evidence])
    # Ratios' sd 0 -> floor 0.2: data precision 4 / 0.04 = 100; prior 1 / 0.15^2 = 44.444.
    # mu = (44.444 * 1 + 100 * 0.5) / 144.444 = 0.653846; sd = sqrt(1 / 144.444) = 0.083205.
    assert post.mu == pytest.approx(94.4444 / 144.4444, rel=1e-4)
    assert post.sd == pytest.approx((1 / 144.4444) ** 0.5, rel=1e-4)
    # No outages in the scenario: prior share 0.01 with weight 20 -> Beta(0.2, 19.8);
    # plus 1 zero day and 4 others: Beta(1.2, 23.8).
    assert (post.alpha, post.beta) == pytest.approx((1.2, 23.8))


def test_down_day_mtbf() -> None:
    # Beta(1, 1) is uniform: at u = 0.25, p = 0.25, mtbf = 86400 * 0.75 / 0.25 = 259200 s.
    est = DownDayMtbf.of(1.0, 1.0, "g")
    assert est.ppf(0.25) == pytest.approx(259_200.0)


def test_complete_flow_finishes_at_its_last_logged_day(tmp_path: Path) -> None:
    spec = parse_scenario(_scenario())
    # B (30 GB) moved 10 GB on Mon 7, Tue 8 and Wed 9 July and is marked complete on Wed 9.
    # A moved 10 GB a day too. As of Mon 14 July.
    rows = [["date", "flow", "bytes", "complete"]]
    for day in ("2025-07-07", "2025-07-08", "2025-07-09"):
        rows.append([day, "B", "10 GB", "yes" if day == "2025-07-09" else "no"])
        rows.append([day, "A", "10000000000", ""])
    log = read_actuals(_write(tmp_path / "log.csv", rows), "log.csv", spec, date(2025, 7, 14))
    result = track_scenario(spec, log, 50, 3)
    report = summarise(result.forecast)
    b = next(r for r in report.flows if r.name == "B")
    assert (b.p50, b.p80, b.p95) == (date(2025, 7, 9),) * 3
    # A: 30 GB crossed, so its total is >= 30 GB: what is left is at most 60 - 30 = 30 GB,
    # i.e. at most 3 working days at 10 GB/day (any efficiency above 1 aside, capped at 1.25).
    remaining = condition(spec, log).scenario.flows[0].volume
    assert remaining.high == pytest.approx(30 * GB)  # type: ignore[union-attr]


# --- validation --------------------------------------------------------------------------------


def test_every_problem_with_row_and_column(tmp_path: Path) -> None:
    spec = parse_scenario(_scenario())
    rows = [
        ["date", "flow", "bytes"],
        ["2025-07-07", "Aa", "1 GB"],  # row 2: unknown flow
        ["2025-07-07", "B", "-5"],  # row 3: negative
        ["2025-07-08", "B", "lots"],  # row 4: not a number
        ["2025-07-01", "A", "1 GB"],  # row 5: before the start
        ["2025-07-09", "A", "1 GB"],  # row 6
        ["2025-07-09", "A", "2 GB"],  # row 7: duplicate of row 6
    ]
    path = _write(tmp_path / "log.csv", rows)
    with pytest.raises(ScenarioError) as caught:
        read_actuals(path, "log.csv", spec)
    assert str(caught.value).splitlines() == [
        "log.csv row 2, column flow: unknown flow 'Aa'. Fix: did you mean 'A'? use a flow "
        "name from the scenario",
        "log.csv row 3, column bytes: must be >= 0, got '-5'. Fix: give a number of bytes or "
        "a size such as '1.2 GB'",
        "log.csv row 4, column bytes: not a number of bytes: 'lots'. Fix: give a number of "
        "bytes or a size such as '1.2 GB'",
        "log.csv row 5, column date: 2025-07-01 is before the scenario's start 2025-07-07. "
        "Fix: remove the row, or correct the date or the scenario's start",
        "log.csv row 7, column date: a second row for 'A' on 2025-07-09 (first on row 6). "
        "Fix: give one row per flow per day (add the amounts together)",
    ]


def test_dates_on_or_after_as_of(tmp_path: Path) -> None:
    spec = parse_scenario(_scenario())
    path = _write(tmp_path / "log.csv", [["date", "flow", "bytes"], ["2025-07-10", "A", "0"]])
    with pytest.raises(ScenarioError, match=r"^log.csv row 2, column date: 2025-07-10 is on or "
                       r"after the as-of date 2025-07-10\."):  # fmt: skip
        read_actuals(path, "log.csv", spec, date(2025, 7, 10))


def test_more_than_high_is_a_warning(tmp_path: Path) -> None:
    spec = parse_scenario(_scenario())
    # B is a plain 30 GB; 4 days at 10 GB = 40 GB > 30 GB.
    rows = [["date", "flow", "bytes"]] + [[f"2025-07-0{d}", "B", "10 GB"] for d in (7, 8, 9)]
    rows.append(["2025-07-10", "B", "10 GB"])
    log = read_actuals(_write(tmp_path / "log.csv", rows), "log.csv", spec)
    assert log.as_of == date(2025, 7, 11)  # the day after the last logged date
    assert log.warnings == (
        "log.csv: flow 'B' has delivered 40 GB, more than the scenario's high volume 30 GB; "
        "raise its volume estimate",
    )


# --- the command -------------------------------------------------------------------------------


def _files(tmp_path: Path) -> tuple[Path, Path]:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(_scenario()), encoding="utf-8")
    rows = [["date", "flow", "bytes"]]
    for day in ("2025-07-07", "2025-07-08", "2025-07-09", "2025-07-10", "2025-07-11"):
        rows += [[day, "A", "5 GB"], [day, "B", "0" if day == "2025-07-08" else "5 GB"]]
    return scenario, _write(tmp_path / "log.csv", rows)


def test_track_end_to_end(tmp_path: Path) -> None:
    scenario, log = _files(tmp_path)
    out = tmp_path / "out"
    code, stdout, stderr = invoke("track", str(scenario), "--actuals", str(log), "--out",
                                  str(out), "-n", "40")  # fmt: skip
    assert code == 0, stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "bottlenecks.csv", "completions.csv", "fix.csv", "progress.csv", "report.html",
        "summary.csv", "summary.xlsx", "track_burnup.png",
    ]  # fmt: skip
    with (out / "progress.csv").open(encoding="utf-8") as handle:
        rows = {r["flow"]: r for r in csv.DictReader(handle)}
    # B: 4 x 5 GB = 20 GB across; plan 30 GB, so 66.7 % done. 5 working days (7-11 July),
    # 1 with nothing; moved 20 of 5 x 10 = 50 GB planned: 40 %.
    assert rows["B"]["delivered_gb"] == "20.0"
    assert rows["B"]["percent_complete"] == "66.7"
    assert rows["B"]["what_changed"] == (
        "moved 40 % of planned: 1 of 5 working days with nothing delivered"
    )
    assert "as of 2025-07-12" in stdout


def test_bad_log_exit_2_nothing_written(tmp_path: Path) -> None:
    scenario, _ = _files(tmp_path)
    log = _write(tmp_path / "bad.csv", [["date", "flow", "bytes"], ["2025-07-07", "C", "1"]])
    out = tmp_path / "out"
    code, _, stderr = invoke("track", str(scenario), "--actuals", str(log), "--out", str(out))
    assert code == 2
    assert stderr == (
        f"Error: {log} row 2, column flow: unknown flow 'C'. Fix: use a flow name from the "
        "scenario\n"
    )
    assert not out.exists()


def test_workers_do_not_change_results(tmp_path: Path) -> None:
    scenario, log = _files(tmp_path)
    texts = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        code, _, stderr = invoke("track", str(scenario), "--actuals", str(log), "--out",
                                 str(out), "-n", "1200", "--workers", workers)  # fmt: skip
        assert code == 0, stderr
        texts.append((out / "summary.csv").read_text() + (out / "progress.csv").read_text())
    assert texts[0] == texts[1]


def test_group_factor_one_complete_flow() -> None:
    from migrasim.analysis.track import group_factor

    # x = sqrt(rho) Z + sqrt(1 - rho) e observed at x = -1, rho = 0.64: the normal posterior
    # Z | x ~ N(sqrt(rho) x, 1 - rho) = N(-0.8, 0.36), sd 0.6.
    factor = group_factor(0.64, [], [-1.0])
    assert factor.mean == pytest.approx(-0.8, abs=1e-4)
    assert factor.sd == pytest.approx(0.6, abs=1e-4)
    # Each flow's score: mean sqrt(0.64) x -0.8 = -0.64, variance 0.64 x 0.36 + 0.36 = 0.5904;
    # correlation between flows 0.2304 / 0.5904 = 0.390244.
    assert factor.mu_x == pytest.approx(-0.64, abs=1e-4)
    assert factor.sd_x == pytest.approx(0.5904**0.5, abs=1e-4)
    assert factor.rho_after == pytest.approx(0.2304 / 0.5904, abs=1e-4)


def test_efficiency_levels() -> None:
    from migrasim.analysis.track import ScaledCapacity

    est = ScaledCapacity.of(10 * GB, 0.8, 0.1, "g")
    # u = 0.03 falls in the first of 10 levels, drawn at its midpoint 0.05:
    # 0.8 + 0.1 x Phi^-1(0.05) = 0.8 - 0.164485 = 0.635515 of 10 GB.
    assert est.ppf(0.03) == pytest.approx(6.35515 * GB, rel=1e-5)
    assert est.ppf(0.07) == est.ppf(0.03)  # the same level
    assert est.ppf(0.5) == pytest.approx(8.0 * GB + 0.1 * 10 * GB * 0.125661, rel=1e-5)
    # u = 0.5 is level 5, midpoint 0.55: Phi^-1(0.55) = 0.125661.


def test_xlsx_log_and_as_of(tmp_path: Path) -> None:
    from openpyxl import Workbook

    spec = parse_scenario(_scenario())
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Date", "Flow", "Bytes", "Complete"])
    sheet.append([date(2025, 7, 7), "A", 5e9, "no"])
    sheet.append([date(2025, 7, 8), "A", "5 GB", "maybe"])  # row 3: not yes/no
    book.save(tmp_path / "log.xlsx")
    with pytest.raises(ScenarioError) as caught:
        read_actuals(tmp_path / "log.xlsx", "log.xlsx", spec)
    assert str(caught.value) == (
        "log.xlsx row 3, column complete: expected yes or no, got 'maybe'. Fix: write yes or no"
    )
    sheet["D3"] = "yes"
    book.save(tmp_path / "log.xlsx")
    log = read_actuals(tmp_path / "log.xlsx", "log.xlsx", spec, date(2025, 7, 10))
    assert log.as_of == date(2025, 7, 10)
    assert log.flows["A"].delivered_bytes == 10e9
    assert log.flows["A"].completed_on == date(2025, 7, 8)


def test_empty_log(tmp_path: Path) -> None:
    spec = parse_scenario(_scenario())
    path = tmp_path / "log.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^log.csv: the file is empty\. Fix: give a header"):
        read_actuals(path, "log.csv", spec)


def test_as_of_before_start_exit_2(tmp_path: Path) -> None:
    scenario, log = _files(tmp_path)
    code, _, stderr = invoke("track", str(scenario), "--actuals", str(log), "--as-of",
                             "2025-07-01", "--out", str(tmp_path / "o"))  # fmt: skip
    assert code == 2
    # every logged day (7-11 July) is on or after 1 July: one message per row, rows 2-11
    assert stderr.count("is on or after the as-of date 2025-07-01") == 10
    assert not (tmp_path / "o").exists()
