"""Benchmark of ``migrasim track`` (issues 10 and 19): speed and memory against ``run``, and
the calibration backtest.

1. ``run`` and ``track`` of the Wales scenario (``scenarios/health_boards.yaml``, 29
   organisations) as a user runs them: each a subprocess, end to end (start-up, load, simulate,
   charts, report, write), in one run so the ratios compare like with like. ``track`` with the
   invented four-week log ``scenarios/actuals_example.csv`` (all 29 organisations) and with the
   same log cut to 2 of the 29 (Gwynedd and Cardiff). Wall time, peak resident memory
   (``wait4``'s ``ru_maxrss``: the largest single process, the command or a worker it reaped)
   and the largest sum of resident memory over the command's process tree (sampled at 10 Hz).
   A command whose tree passes ``--ceiling-mb`` or runs past ``--timeout`` is stopped and
   reported as such: a benchmark must not take the shared machine's memory.
2. The calibration backtest (``track_backtest.py``): hidden truths simulated by the engine,
   their first k weeks of log fed to ``track`` with ``pooling="pooled"`` and ``"partial"``,
   k = 2, 4, 8, 16; programme and per-flow P80 coverage and median |P50 error|.

    python benchmarks/bench_track.py            # 1,000 replications; 60 truths x 300
    python benchmarks/bench_track.py --quick    # 100 replications; 8 truths x 60 (CI)
    python benchmarks/bench_track.py --skip-speed --spread link   # issue 10's backtest
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from track_backtest import SPREADS, backtest, table

from migrasim.analysis.runner import Execution
from migrasim.analysis.track import POOLING

ROOT = Path(__file__).resolve().parent.parent
MIGRASIM = [sys.executable, "-c", "from migrasim.cli import main; main()"]


ORGANISATIONS_KEPT = ("Gwynedd", "Cardiff")
"""The two organisations of the partial log (2 of 29): the example log's rows for them only."""


def _tree(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc's children lists)."""
    found, queue = [], [pid]
    while queue:
        p = queue.pop()
        found.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                queue += [int(c) for c in (task / "children").read_text().split()]
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass(frozen=True)
class Measured:
    wall_s: float
    peak_mb: float  # wait4's ru_maxrss: the largest process (the command or a child it reaped)
    tree_mb: float  # the largest sum of RSS over the command's process tree, sampled at 10 Hz
    killed: str = ""  # why the command was stopped before it finished ("" if it finished)


def measure(args: list[str], ceiling_mb: float, timeout_s: float) -> Measured:
    """Run ``args`` (a migrasim command line) as a subprocess, end to end; stop it if its
    process tree holds more than ``ceiling_mb`` or runs longer than ``timeout_s`` (a shared
    machine must not run out of memory for a benchmark)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        child = subprocess.Popen([*MIGRASIM, *args], env=env, stdout=subprocess.DEVNULL,
                                 stderr=err)  # fmt: skip
        tree = 0
        killed = ""
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            tree = max(tree, sum(_rss_kb(p) for p in _tree(child.pid)))
            elapsed = time.perf_counter() - t0
            if not killed and (tree / 1024 > ceiling_mb or elapsed > timeout_s):
                killed = (f"stopped at {tree / 1024:,.0f} MB" if tree / 1024 > ceiling_mb
                          else f"stopped after {elapsed:.0f} s")  # fmt: skip
                for p in reversed(_tree(child.pid)):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(p, signal.SIGKILL)
            time.sleep(0.1)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        if code != 0 and not killed:
            err.seek(0)
            message = err.read().decode(errors="replace")
            raise SystemExit(f"failed ({code}): migrasim {' '.join(args)}\n{message}")
    return Measured(wall, usage.ru_maxrss / 1024, tree / 1024, killed)


def speed(replications: int, ceiling_mb: float, timeout_s: float) -> None:
    """``run`` and ``track`` of the Wales scenario as a user runs them (subprocesses: start-up,
    load, simulate, charts, report, write), in one run, so the ratios compare like with like:
    ``track`` with the four-week example log (all 29 organisations) and with the same log cut
    to 2 of the 29 organisations."""
    scenario = ROOT / "scenarios" / "health_boards.yaml"
    log = ROOT / "scenarios" / "actuals_example.csv"
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
        partial = out / "two_of_29.csv"
        partial.write_text(
            lines[0] + "".join(row for row in lines[1:]
                               if row.split(",")[1] in ORGANISATIONS_KEPT),
            encoding="utf-8",
        )  # fmt: skip
        n = ["-n", str(replications)]
        cases = [
            ("run", ["run", str(scenario), "--out", str(out / "run"), "--force", *n]),
            ("track, 4-week log, 29 of 29",
             ["track", str(scenario), "--actuals", str(log), "--out", str(out / "t29"),
              "--force", *n]),
            ("track, 4-week log, 2 of 29",
             ["track", str(scenario), "--actuals", str(partial), "--out", str(out / "t2"),
              "--force", *n]),
        ]  # fmt: skip
        print(f"Wales (29 organisations), {replications:,} replications, subprocesses, "
              f"one run each (ceiling {ceiling_mb:,.0f} MB, {timeout_s:.0f} s):")  # fmt: skip
        print(f"  {'command':<30} {'wall s':>7} {'x run':>6} {'peak MB':>8} {'x run':>6} "
              f"{'tree MB':>8}")  # fmt: skip
        base: Measured | None = None
        for name, args in cases:
            got = measure(args, ceiling_mb, timeout_s)
            base = base or got
            print(f"  {name:<30} {got.wall_s:7.1f} {got.wall_s / base.wall_s:6.2f} "
                  f"{got.peak_mb:8.0f} {got.peak_mb / base.peak_mb:6.2f} {got.tree_mb:8.0f}"
                  + (f"  ({got.killed})" if got.killed else ""), flush=True)  # fmt: skip
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="100 replications for the speed test; 8 truths x 60 replications",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes for the backtest's Monte Carlo (default: all cores)",
    )
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-backtest", action="store_true")
    parser.add_argument(
        "--spread",
        choices=(*SPREADS, "both"),
        default="flow",
        help="truths: one throughput per link, or each flow its own",
    )
    parser.add_argument(
        "--poolings",
        default=",".join(reversed(POOLING)),
        help="track models to compare, comma-separated",
    )
    parser.add_argument("--truths", type=int, default=None)
    parser.add_argument("--replications", type=int, default=None)
    parser.add_argument("--weeks", default="2,4,8,16")
    parser.add_argument("--ceiling-mb", type=float, default=6000.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    if not args.skip_speed:
        speed(100 if args.quick else 1000, args.ceiling_mb, args.timeout)
    if args.skip_backtest:
        return
    truths = args.truths or (8 if args.quick else 60)
    n = args.replications or (60 if args.quick else 300)
    weeks = tuple(int(k) for k in args.weeks.split(","))
    poolings = tuple(p.strip() for p in args.poolings.split(","))
    for pooling in poolings:
        if pooling not in POOLING:
            parser.error(f"--poolings: {pooling!r} is not one of {', '.join(POOLING)}")
    for spread in SPREADS if args.spread == "both" else (args.spread,):
        t0 = time.perf_counter()
        result = backtest(range(truths), weeks, n, Execution(args.workers, None), spread,
                          poolings)  # fmt: skip
        print(f"\ncalibration backtest ({time.perf_counter() - t0:.0f} s):")
        print(table(result), flush=True)


if __name__ == "__main__":
    main()
