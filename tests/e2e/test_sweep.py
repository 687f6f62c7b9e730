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
