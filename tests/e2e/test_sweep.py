"""A sweep killed part-way resumes and produces the same sweep.csv as an uninterrupted one."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from migrasim.cli import cli

SCENARIO = """\
name: sweep test
start: 2025-07-07
go_live: 2025-09-01
calendar: {holidays: none}
replications: 300
seed: 4
links:
  capped:
    daily_cap: 1 GB
    per_flow: true
    outages: {mtbf: 10 days, mttr: {low: 1 h, likely: 6 h, high: 2 days}}
flows:
"""
FLOWS = "".join(
    f"  - {{name: F{i}, source: s{i}, target: t, links: [capped],"
    f" volume: {{low: 20 GB, likely: {30 + i} GB, high: 60 GB}}}}\n"
    for i in range(8)
)
GRID = "links.capped.daily_cap=0.5 GB,0.8 GB,1 GB,1.5 GB,2 GB,3 GB"


def command(scenario: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-c", "from migrasim.cli import main; main()",
        "sweep", str(scenario), "--grid", GRID, "--out", str(out), "-j", "1", *extra,
    ]  # fmt: skip


def test_killed_sweep_resumes_to_the_same_result(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO + FLOWS)
    clean, broken = tmp_path / "clean", tmp_path / "broken"
    subprocess.run(command(scenario, clean), check=True, capture_output=True, timeout=300)

    process = subprocess.Popen(command(scenario, broken), stdout=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (broken / "points" / "0001.json").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    process.kill()
    process.wait(timeout=30)
    done_before = sorted(p.name for p in (broken / "points").glob("*.json"))
    assert 2 <= len(done_before) < 6, done_before  # really interrupted part-way
    assert not (broken / "sweep.csv").exists()
    assert not list((broken / "points").glob(".*"))  # no half-written point left visible

    again = subprocess.run(command(scenario, broken), capture_output=True, text=True, timeout=300)
    assert again.returncode == 2
    assert "--resume" in again.stderr
    resumed = subprocess.run(
        command(scenario, broken, "--resume"), capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.count("(saved earlier)") >= len(done_before)
    assert (broken / "sweep.csv").read_bytes() == (clean / "sweep.csv").read_bytes()
    assert (broken / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert (broken / "report.html").read_bytes() == (clean / "report.html").read_bytes()
    assert (broken / "summary.xlsx").read_bytes() == (clean / "summary.xlsx").read_bytes()
    page = (clean / "report.html").read_text(encoding="utf-8")
    # 240 GB in all over 8 per-flow 1 GB/day links, go-live Sep 1 (40 working days): the
    # answer names the first swept cap whose P80 is before go-live, read from sweep.csv.
    rows = (clean / "sweep.csv").read_text().splitlines()[1:]
    first = next(r.split(",") for r in rows if r.split(",")[3] < "2025-09-01")
    assert f"the first is links.capped.daily_cap={first[1]} (P80 {first[3]}" in page


def test_sweep_killed_at_seeded_random_moments_resumes_to_the_same_result(tmp_path: Path) -> None:
    """Issue 11: kill -9 at seeded random moments (3 times), resuming each time: every point
    file is complete or absent, no staging is left visible, and the final sweep.csv equals an
    uninterrupted run's."""
    import json
    import random

    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO + FLOWS)
    clean, broken = tmp_path / "clean", tmp_path / "broken"
    started = time.monotonic()
    subprocess.run(command(scenario, clean), check=True, capture_output=True, timeout=300)
    full = time.monotonic() - started
    rng = random.Random(11)
    for attempt in range(3):
        extra = ("--resume",) if attempt else ()
        process = subprocess.Popen(command(scenario, broken, *extra), stdout=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 0.9) * full)
        process.kill()
        process.wait(timeout=30)
        for point in (broken / "points").glob("*.json") if (broken / "points").exists() else ():
            record = json.loads(point.read_text(encoding="utf-8"))  # complete, or not there
            assert {"p50", "p80", "p95", "prob_by_go_live"} <= set(record)
    resumed = subprocess.run(
        command(scenario, broken, "--resume"), capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert (broken / "sweep.csv").read_bytes() == (clean / "sweep.csv").read_bytes()
    leftovers = [p.name for p in broken.rglob(".*") if p.name != ".migrasim-results.json"]
    assert leftovers == []


def test_two_keys_give_a_heatmap_and_every_combination(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO + FLOWS)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["sweep", str(scenario), "--grid", "links.capped.daily_cap=1 GB,2 GB",
         "--grid", "flows[F0].volume=10 GB,50 GB,90 GB", "-n", "20", "--out", str(out), "-j", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = (out / "sweep.csv").read_text().splitlines()
    assert rows[0].startswith("point,links.capped.daily_cap,flows[F0].volume,p50,p80,p95")
    assert len(rows) == 1 + 6
    assert (out / "sweep.png").exists()


def test_resume_refuses_a_different_sweep(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO + FLOWS)
    out = tmp_path / "out"
    args = ["sweep", str(scenario), "--grid", "links.capped.daily_cap=1 GB", "-n", "10",
            "--out", str(out)]  # fmt: skip
    assert CliRunner().invoke(cli, args).exit_code == 0
    other = CliRunner().invoke(cli, [*args[:-2], "--seed", "9", "--out", str(out), "--resume"])
    assert other.exit_code == 2
    assert "holds a different sweep" in other.stderr


# Issue 18: each point is judged against its own go-live. One 30 GB flow through a 1 GB a day
# cap, every day a working day, from Monday 7 July 2025: the 30th GB arrives on day 30, 5 August
# (0.5 GB a day: day 60, 4 September; 2 GB a day: day 15, 21 July). No uncertainty, so each
# P80 is that date, and a point is in time when its P80 is before its own go-live.
OWN_GO_LIVE = """\
name: own go-live
start: 2025-07-07
go_live: 2025-08-01
calendar: {working_days: [Mon, Tue, Wed, Thu, Fri, Sat, Sun], holidays: none}
links:
  capped: {daily_cap: 1 GB}
flows:
  - {name: A, source: a, target: t, links: [capped], volume: 30 GB}
"""


def _sweep_verdicts(tmp_path: Path, *grids: str) -> tuple[str, list[dict[str, str]], str]:
    """(terminal output, sweep.csv's rows, report.html's text) of a sweep of OWN_GO_LIVE."""
    import csv
    import html
    import re

    scenario = tmp_path / "s.yaml"
    scenario.write_text(OWN_GO_LIVE)
    out = tmp_path / "out"
    args = ["sweep", str(scenario), "--out", str(out), "-j", "1"]
    for grid in grids:
        args += ["--grid", grid]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    with (out / "sweep.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    page = html.unescape(re.sub(r"\s+", " ", (out / "report.html").read_text(encoding="utf-8")))
    return result.output, rows, page


def _met_in_csv(rows: list[dict[str, str]]) -> int:
    """Points in time read from sweep.csv two ways, which must agree: the verdict column, and
    the P80 against the point's own go-live (ISO dates compare as text)."""
    by_verdict = sum(row["meets_target"] == "yes" for row in rows)
    by_dates = sum(row["p80"] < row["point_go_live"] for row in rows)
    assert by_verdict == by_dates
    assert all(row["point_target"] == f"P80 < {row['point_go_live']}" for row in rows)
    return by_verdict


def test_a_sweep_over_go_live_judges_each_point_by_its_own_go_live(tmp_path: Path) -> None:
    # P80 5 August every time: late for go-live 1 and 5 August (in time means by the day
    # before), in time for 6 August and 1 September. The file's go-live (1 August) meets none.
    output, rows, page = _sweep_verdicts(
        tmp_path, "go_live=2025-08-01,2025-08-05,2025-08-06,2025-09-01"
    )
    assert [row["point_go_live"] for row in rows] == [
        "2025-08-01", "2025-08-05", "2025-08-06", "2025-09-01"
    ]  # fmt: skip
    assert [row["meets_target"] for row in rows] == ["no", "no", "yes", "yes"]
    assert _met_in_csv(rows) == 2
    headline = (
        "2 of the 4 settings swept bring the P80 before go-live; the first is "
        "go_live=2025-08-06 (P80 2025-08-05"
    )
    assert headline in output
    assert headline in page


def test_a_sweep_of_cap_and_go_live_counts_each_point_against_its_own_go_live(
    tmp_path: Path,
) -> None:
    # 0.5 GB (P80 4 Sep) meets only 1 Oct; 1 GB (5 Aug) meets 1 Sep and 1 Oct; 2 GB (21 Jul)
    # meets all three: 6 of 9. Against the file's go-live alone it would be 3 (the 2 GB row).
    output, rows, page = _sweep_verdicts(
        tmp_path,
        "links.capped.daily_cap=0.5 GB,1 GB,2 GB",
        "go_live=2025-08-01,2025-09-01,2025-10-01",
    )
    assert [row["meets_target"] for row in rows] == [
        "no", "no", "yes", "no", "yes", "yes", "yes", "yes", "yes"
    ]  # fmt: skip
    assert _met_in_csv(rows) == 6
    headline = (
        "6 of the 9 settings swept bring the P80 before go-live; the first is "
        "links.capped.daily_cap=0.5 GB, go_live=2025-10-01 (P80 2025-09-04"
    )
    assert headline in output
    assert headline in page


def test_a_swept_start_is_judged_with_the_go_live_set_for_the_sweep(tmp_path: Path) -> None:
    # Go-live set to 1 September for the whole sweep (--set); starts 7 July (P80 5 August, in
    # time) and 4 August (30 days: 2 September, late). sweep.csv names the go-live that ran.
    scenario = tmp_path / "s.yaml"
    scenario.write_text(OWN_GO_LIVE)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["sweep", str(scenario), "--set", "go_live=2025-09-01", "--grid",
         "start=2025-07-07,2025-08-04", "--out", str(out), "-j", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = (out / "sweep.csv").read_text().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    assert [(r["p80"], r["point_go_live"], r["meets_target"]) for r in rows] == [
        ("2025-08-05", "2025-09-01", "yes"), ("2025-09-02", "2025-09-01", "no")
    ]  # fmt: skip
    assert "1 of the 2 settings swept brings the P80 before go-live: start=2025-07-07" in (
        result.output
    )
    # the terminal says the sweep ran with the --set change, as the report and chart do
    from migrasim.render.board import what_if_text
    from migrasim.render.i18n import translator

    what_if = what_if_text(["go_live=2025-09-01"], translator("en"))
    assert what_if is not None
    assert what_if in result.output.splitlines()


def test_a_sweep_target_uses_each_points_own_go_live(tmp_path: Path) -> None:
    # --target 'P80 < go_live' spelled out gives the default's verdicts; a target by a fixed
    # date ignores the go-lives: P80 5 August is before 2025-08-06 at every point.
    scenario = tmp_path / "s.yaml"
    scenario.write_text(OWN_GO_LIVE)
    grid = "go_live=2025-08-01,2025-08-06,2025-09-01"
    for target, expected, k in (("P80 < go_live", ["no", "yes", "yes"], 2),
                                ("P80 < 2025-08-06", ["yes", "yes", "yes"], 3)):  # fmt: skip
        out = tmp_path / f"out{k}"
        result = CliRunner().invoke(
            cli, ["sweep", str(scenario), "--grid", grid, "--target", target, "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        lines = (out / "sweep.csv").read_text().splitlines()
        header = lines[0].split(",")
        rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
        assert [r["meets_target"] for r in rows] == expected
        assert f"{k} of the 3 settings swept meet the target {target}" in result.output
    # a target naming go-live on a scenario without one: exit 2, not a traceback
    scenario.write_text(OWN_GO_LIVE.replace("go_live: 2025-08-01\n", ""))
    result = CliRunner().invoke(
        cli, ["sweep", str(scenario), "--grid", "links.capped.daily_cap=1 GB", "--target",
              "P95 < go_live", "--out", str(tmp_path / "none")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "go_live" in result.stderr
