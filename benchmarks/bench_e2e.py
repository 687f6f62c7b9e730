"""End-to-end benchmark: each command as a subprocess (process start, imports, every file and
chart), as a user runs it, on this machine.

Reports wall time (best of ``--repeats``) and peak resident memory of:

* ``migrasim --help`` (start-up alone);
* ``migrasim run scenarios/health_boards.yaml`` (its fixed 1,000 replications);
* the same scenario without a count, so ``run`` picks it by precision (``--precision``'s
  default: the programme P80 known within the larger of 1 day and 1 % of the time to it);
* ``migrasim compare scenarios/health_boards.yaml scenarios/hardwired.yaml``;
* ``migrasim solve scenarios/health_boards.yaml --vary links.capped.daily_cap
  --between "1 GB" "20 GB"``;
* a generated scenario of 10,000 flows (1,000 with ``--quick``), each on its own 1 GB/day
  link with a PERT volume, 100 replications: written to a temporary folder, not committed.

Usage: python benchmarks/bench_e2e.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WALES = ROOT / "scenarios" / "health_boards.yaml"
HARDWIRED = ROOT / "scenarios" / "hardwired.yaml"
MIGRASIM = [sys.executable, "-c", "from migrasim.cli import main; main()"]


def many_flows(flows: int, replications: int) -> str:
    """A scenario of ``flows`` flows, each on its own 1 GB/day link, volumes PERT."""
    lines = [
        f"name: {flows} flows on per-flow 1 GB/day links",
        "start: 2025-06-02",
        "go_live: 2026-06-01",
        "horizon: 10 years",
        f"replications: {replications}",
        "seed: 1",
        "calendar: {working_days: [Mon, Tue, Wed, Thu, Fri], holidays: wales}",
        "links:",
        "  capped: {daily_cap: 1 GB, per_flow: true}",
        "flows:",
    ]
    for i in range(flows):
        likely = 20 + (i * 37) % 180
        lines.append(
            f"  - {{name: F{i:05d}, source: s{i}, target: t, links: [capped], "
            f"volume: {{low: {likely // 2} GB, likely: {likely} GB, high: {likely * 2} GB}}}}"
        )
    return "\n".join(lines) + "\n"


def timed(args: list[str], repeats: int) -> tuple[float, float]:
    """Best wall time (s) of ``repeats`` runs and the peak RSS (MB) of the command's process
    (``wait4``; worker processes it forks are not counted)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    best, peak = float("inf"), 0.0
    for _ in range(repeats):
        with tempfile.TemporaryFile() as err:
            t = time.perf_counter()
            child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(child.pid, 0)
            best = min(best, time.perf_counter() - t)
            child.returncode = os.waitstatus_to_exitcode(status)
            peak = max(peak, usage.ru_maxrss / 1024)
            if child.returncode != 0:
                err.seek(0)
                message = err.read().decode(errors="replace")
                raise SystemExit(f"failed ({child.returncode}): {' '.join(args)}\n{message}")
    return best, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 flows, not 10,000; 1 run")
    parser.add_argument("--repeats", type=int, default=None, help="runs per command (best)")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    flows = 1_000 if args.quick else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        no_count = out / "health_boards_precision.yaml"
        text = WALES.read_text(encoding="utf-8")
        no_count.write_text(text.replace("\nreplications: 1000\n", "\n"), encoding="utf-8")
        big = out / f"flows_{flows}.yaml"
        big.write_text(many_flows(flows, 100), encoding="utf-8")
        cases = [
            ("migrasim --help", [*MIGRASIM, "--help"]),
            ("run health_boards (1,000 replications)",
             [*MIGRASIM, "run", str(WALES), "--out", str(out / "run"), "--force"]),
            ("run health_boards, count by precision",
             [*MIGRASIM, "run", str(no_count), "--out", str(out / "prec"), "--force"]),
            ("compare health_boards vs hardwired",
             [*MIGRASIM, "compare", str(WALES), str(HARDWIRED), "--out", str(out / "cmp"),
              "--force"]),
            ("solve daily_cap in [1 GB, 20 GB]",
             [*MIGRASIM, "solve", str(WALES), "--vary", "links.capped.daily_cap", "--between",
              "1 GB", "20 GB", "--out", str(out / "solve"), "--force"]),
            (f"run {flows:,} flows (100 replications)",
             [*MIGRASIM, "run", str(big), "--out", str(out / "big"), "--force"]),
        ]  # fmt: skip
        width = max(len(name) for name, _ in cases)
        print(f"{'command (subprocess, best of ' + str(repeats) + ')':<{width}}  wall s  peak MB")
        for name, command in cases:
            wall, peak = timed(command, repeats)
            print(f"{name:<{width}}  {wall:6.2f}  {peak:7.0f}", flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
