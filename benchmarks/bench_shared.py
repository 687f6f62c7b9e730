"""Shared links at batch speed (issue 20): the national reading against the per-organisation one.

Reports, measured in one run on this machine, each figure the best of ``--repeats``:

* ``migrasim run`` end to end (a subprocess, as a user runs it: files, charts, the board's
  capacity search) of ``scenarios/health_boards_shared.yaml`` (one national 1 GB a day) and of
  ``scenarios/health_boards.yaml`` (1 GB a day per organisation), 1,000 replications, and the
  ratio (target: within 2x);
* ``migrasim compare`` of the two readings against ``run`` of the per-organisation one
  (target: within 3x);
* ``migrasim solve`` of the daily cap for ``P80 < go_live``, national against per organisation
  (target: within 4x);
* a 2,000-flow scenario, 20 links of 100 flows each, shared against per-flow, 200 replications
  through ``run_monte_carlo`` (target: within 10x);
* peak traced memory (tracemalloc) of the national reading's Monte Carlo for 1,000 and 4,000
  replications (flat in replications: blocks of 1,000, besides the completion array);
* 3,000 flows on one shared link, one starting every two hours (issue 23's probe), 100
  replications through ``run_monte_carlo``: a link that keeps up with the starts (100 GB a day:
  a few dozen flows under way at once) and one that falls behind (50 GB a day: about a
  thousand), with the peak traced memory of each.

Usage: python benchmarks/bench_shared.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PER_ORG = ROOT / "scenarios" / "health_boards.yaml"
NATIONAL = ROOT / "scenarios" / "health_boards_shared.yaml"


def timed_cli(args: list[str], repeats: int) -> float:
    """Best wall time of ``migrasim ARGS`` (a fresh process, output to a temporary folder)."""
    best = float("inf")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="bench-shared-") as tmp:
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", "from migrasim.cli import main; main()", *args,
                 "--out", str(Path(tmp) / "o")],
                check=True, capture_output=True, env=env,
            )  # fmt: skip
            best = min(best, time.perf_counter() - t)
    return best


def many_flows(per_flow: bool, links: int = 20, each: int = 100) -> dict[str, Any]:
    """``links`` links of ``each`` flows (a 10 GB a day cap, weekdays, Welsh holidays, monthly
    outages), every flow with an uncertain volume, growth and rejections."""
    link = {"daily_cap": "10 GB", "per_flow": per_flow,
            "outages": {"mtbf": "30 days", "mttr": {"low": "2 h", "likely": "8 h",
                                                    "high": "3 days"}}}  # fmt: skip
    flows = []
    for i in range(links * each):
        gb = 1 + (i * 7) % 20
        flows.append({
            "name": f"F{i}", "source": f"s{i}", "target": "t", "links": [f"L{i % links}"],
            "volume": {"low": f"{gb / 2} GB", "likely": f"{gb} GB", "high": f"{2 * gb} GB"},
            "growth": "0.001 GB/day",
            "rejection": {"fraction": {"low": 0.01, "likely": 0.03, "high": 0.08},
                          "delay": {"low": "1 week", "likely": "2 weeks", "high": "4 weeks"}},
        })  # fmt: skip
    return {"name": f"many flows ({'per-flow' if per_flow else 'shared'})", "start": "2025-06-02",
            "go_live": "2026-01-05", "horizon": "5 years", "seed": 1,
            "calendar": {"holidays": "wales"},
            "links": {f"L{j}": dict(link) for j in range(links)}, "flows": flows}  # fmt: skip


def staggered(cap: str, flows: int = 3_000) -> dict[str, Any]:
    """``flows`` flows of 1-11 GB (uncertain) on one shared link with a daily cap of ``cap``,
    one starting every two hours from the scenario's start."""
    start = datetime(2025, 6, 2)
    return {"name": f"staggered ({cap})", "start": "2025-06-02", "horizon": "10 years",
            "seed": 1, "links": {"L": {"daily_cap": cap, "per_flow": False}},
            "flows": [{"name": f"F{i}", "source": f"s{i}", "target": "t", "links": ["L"],
                       "volume": {"low": f"{1 + i % 7} GB", "likely": f"{2 + i % 7} GB",
                                  "high": f"{5 + i % 7} GB"},
                       "start": (start + timedelta(hours=2 * i)).isoformat()}
                      for i in range(flows)]}  # fmt: skip


def mc_peak(data: dict[str, Any], replications: int) -> tuple[float, float]:
    """(seconds, peak traced MiB) of one ``run_monte_carlo`` of ``data``."""
    from migrasim.analysis.draws import clear_memo
    from migrasim.analysis.runner import run_monte_carlo
    from migrasim.scenario.compile import build_model
    from migrasim.scenario.types import parse_scenario

    scenario = parse_scenario(data)
    model = build_model(scenario)
    clear_memo()
    tracemalloc.start()
    t = time.perf_counter()
    run_monte_carlo(scenario, replications, 1, workers=1, model=model)
    took = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return took, peak / 2**20


def mc_seconds(data: dict[str, Any], replications: int, repeats: int) -> float:
    from migrasim.analysis.draws import clear_memo
    from migrasim.analysis.runner import run_monte_carlo
    from migrasim.scenario.compile import build_model
    from migrasim.scenario.types import parse_scenario

    scenario = parse_scenario(data)
    model = build_model(scenario)
    best = float("inf")
    for _ in range(repeats):
        clear_memo()
        t = time.perf_counter()
        run_monte_carlo(scenario, replications, 1, workers=1, model=model)
        best = min(best, time.perf_counter() - t)
    return best


def peak_mib(replications: int) -> float:
    from migrasim.analysis.draws import clear_memo
    from migrasim.analysis.runner import run_monte_carlo
    from migrasim.scenario.loader import load_scenario

    scenario = load_scenario(NATIONAL)
    clear_memo()
    tracemalloc.start()
    run_monte_carlo(scenario, replications, 1, workers=1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer replications (smoke test)")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    n = "200" if args.quick else "1000"
    r = args.repeats
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    run_org = timed_cli(["run", str(PER_ORG), "-n", n, "--force"], r)
    run_nat = timed_cli(["run", str(NATIONAL), "-n", n, "--force"], r)
    print(f"run, {n} replications: per organisation {run_org:.1f} s, national {run_nat:.1f} s, "
          f"ratio {run_nat / run_org:.2f} (target 2)")  # fmt: skip
    both = timed_cli(["compare", str(PER_ORG), str(NATIONAL), "-n", n, "--force"], r)
    print(f"compare of the two readings: {both:.1f} s, {both / run_org:.2f}x the per-organisation"
          " run (target 3)")  # fmt: skip
    solve = ["--vary", "links.capped.daily_cap", "--between", "1 GB", "100 GB",
             "--target", "P80 < go_live", "-n", n, "--force"]  # fmt: skip
    solve_org = timed_cli(["solve", str(PER_ORG), *solve], r)
    solve_nat = timed_cli(["solve", str(NATIONAL), *solve], r)
    print(f"solve the daily cap: per organisation {solve_org:.1f} s, national {solve_nat:.1f} s, "
          f"ratio {solve_nat / solve_org:.2f} (target 4)")  # fmt: skip
    reps = 50 if args.quick else 200
    alone = mc_seconds(many_flows(True), reps, r)
    shared = mc_seconds(many_flows(False), reps, r)
    print(f"2,000 flows on 20 links, {reps} replications: per-flow {alone:.1f} s, shared "
          f"{shared:.1f} s, ratio {shared / alone:.2f} (target 10)")  # fmt: skip
    small, large = (200, 800) if args.quick else (1000, 4000)
    print(
        f"peak traced memory, national reading: {small:,} replications "
        f"{peak_mib(small):.0f} MiB, {large:,} replications {peak_mib(large):.0f} MiB"
    )
    reps = 20 if args.quick else 100
    for cap in ("100 GB", "50 GB"):
        took, peak = mc_peak(staggered(cap), reps)
        print(f"3,000 staggered flows on one shared {cap} a day, {reps} replications: "
              f"{took:.1f} s, peak traced memory {peak:.0f} MiB")  # fmt: skip
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
