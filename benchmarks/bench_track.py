"""Benchmark of ``migrasim track`` (issue 10): speed against ``run`` and the calibration
backtest.

1. ``run`` and ``track`` on the Wales scenario (``scenarios/health_boards.yaml`` with the
   invented four-week log ``scenarios/actuals_example.csv``), 1,000 replications, both timed in
   this one process, end to end (load, simulate, render, write).
2. The calibration backtest (``track_backtest.py``): for each seed a hidden truth, its first k
   weeks of log fed to track, for k = 2, 4, 8, 16.

    python benchmarks/bench_track.py            # 60 truths, 300 replications each
    python benchmarks/bench_track.py --quick    # 12 truths, 100 replications
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from track_backtest import backtest, table

from migrasim import app
from migrasim.analysis.runner import Execution

ROOT = Path(__file__).resolve().parent.parent


def speed(workers: int | None) -> None:
    scenario = ROOT / "scenarios" / "health_boards.yaml"
    log = ROOT / "scenarios" / "actuals_example.csv"
    execution = Execution(workers, None)
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        app.run(scenario, out=Path(folder) / "run", replications=1000, execution=execution)
        t1 = time.perf_counter()
        app.track(scenario, log, out=Path(folder) / "track", replications=1000,
                  execution=execution)  # fmt: skip
        t2 = time.perf_counter()
    print(f"Wales, 1,000 replications, workers={workers or 'all cores'}:")
    print(f"  run   {t1 - t0:6.1f} s  (Monte Carlo, sensitivity, fix, charts, report)")
    print(f"  track {t2 - t1:6.1f} s  (plan + re-forecast Monte Carlo, charts, report)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    if not args.skip_speed:
        speed(args.workers)
    seeds, n = (range(12), 100) if args.quick else (range(60), 300)
    t0 = time.perf_counter()
    result = backtest(seeds, (2, 4, 8, 16), n, Execution(args.workers, None))
    print(f"calibration backtest: {len(seeds)} truths, {n} replications each "
          f"({time.perf_counter() - t0:.0f} s)")  # fmt: skip
    print(table(result))


if __name__ == "__main__":
    main()
