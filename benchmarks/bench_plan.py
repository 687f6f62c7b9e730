"""``migrasim plan`` on the Wales options (scenarios/health_boards_options.yaml: 29
organisations, three options, a crew of 2 sites per 4 weeks) at 1,000 replications, against
``migrasim run`` of the same scenario, both end to end as a user runs them (a subprocess:
start-up, imports, every file and chart), in one run of this script so the ratio is measured
on the same machine at the same time (issue 22: within 15 times).

Also reports, from a run of the library in this process: the number of simulations, the size of
the SAA programme (variables, constraints) and the time HiGHS took for the plan and for the
frontier, and the peak memory (RSS) of each command.

Usage: python benchmarks/bench_plan.py [--repeats N] [--replications N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench_e2e import timed  # the same wall time and peak RSS as bench_e2e.py's

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = ROOT / "scenarios" / "health_boards_options.yaml"
MIGRASIM = [sys.executable, "-c", "from migrasim.cli import main; main()"]
TARGET_RATIO = 15.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="best of N runs (default 2)")
    parser.add_argument("--replications", type=int, default=1000)
    args = parser.parse_args()
    n = ["--replications", str(args.replications), "--seed", "1"]
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        run_s, run_mb = timed(
            [*MIGRASIM, "run", str(OPTIONS), *n, "--out", str(out / "run"), "--force"],
            args.repeats,
        )
        plan_s, plan_mb = timed(
            [*MIGRASIM, "plan", str(OPTIONS), *n, "--out", str(out / "plan"), "--force"],
            args.repeats,
        )
    sys.path.insert(0, str(ROOT))
    from migrasim.analysis.plan import make_plan
    from migrasim.analysis.runner import LOCAL
    from migrasim.scenario.loader import read_scenario_data
    from migrasim.scenario.types import parse_scenario

    data = read_scenario_data(OPTIONS, [])
    spec = parse_scenario(data, str(OPTIONS))
    t = time.perf_counter()
    outcome = make_plan(data, str(OPTIONS), spec, 0.8, None, False, args.replications, 1, LOCAL)
    library_s = time.perf_counter() - t
    ratio = plan_s / run_s
    print(f"migrasim run  {OPTIONS.name}: {run_s:6.2f} s, peak {run_mb:6.0f} MB")
    print(f"migrasim plan {OPTIONS.name}: {plan_s:6.2f} s, peak {plan_mb:6.0f} MB")
    print(f"ratio plan / run: {ratio:.1f}x (target: within {TARGET_RATIO:g}x) "
          f"{'OK' if ratio <= TARGET_RATIO else 'OVER'}")  # fmt: skip
    print(f"plan in the library: {library_s:.2f} s, {outcome.runs} simulations of "
          f"{outcome.replications:,} replications, method {outcome.method}")  # fmt: skip
    print(f"SAA programme: {outcome.variables} variables, {outcome.constraints} constraints "
          f"(largest of the programme-wide subsets); HiGHS {outcome.milp_seconds:.3f} s for the "
          f"plan, {outcome.frontier_seconds:.3f} s for the frontier "
          f"({len(outcome.frontier)} points)")  # fmt: skip
    print(f"plan: cost {outcome.cost:,.0f}, {outcome.in_time} of {outcome.organisations} in "
          f"time; all in time {outcome.chance:.1%} in sample, {outcome.fresh_chance:.1%} on "
          f"fresh replications")  # fmt: skip


if __name__ == "__main__":
    main()
