"""Monte Carlo benchmark: the Wales risk scenario (scenarios/health_boards.yaml).

Reports, measured in one run on this machine:

* time per replication (sampling + simulation + aggregation, one process);
* 4,000 replications (2,000 with ``--quick``) end to end with 1 and with 2 workers, and the
  speed-up: whole blocks, the unit the workers share (a run of one block is solved in one
  process whatever the workers); both timed warm (curves and tables built), draws fresh;
* peak memory (max RSS of the run, children included) for N and 4N replications, to show it is
  flat in the number of replications;
* the speed-up over a naive per-batch SimPy model of the same replications (same drawn inputs:
  volumes, growth, rejections, outages), whose completion dates are checked against the engine's.

Usage: python benchmarks/bench_mc.py [--quick] [--replications N]
"""

from __future__ import annotations

import argparse
import bisect
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import simpy

from migrasim.analysis.draws import BLOCK_SIZE, clear_memo
from migrasim.analysis.runner import band_day_ends, run_monte_carlo, summarise
from migrasim.analysis.sampling import Sampler
from migrasim.core.calendar import NEVER
from migrasim.core.engine import Inputs, Model, simulate
from migrasim.scenario.compile import build_model
from migrasim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "health_boards.yaml"
BATCH_BYTES = 100e6  # the naive model moves 100 MB per event


def naive_replication(model: Model, inputs: Inputs) -> list[float | None]:
    """One replication, the naive way: each flow a SimPy process moving 100 MB batches.

    Supports what the Wales risk scenario uses: one per-flow cap-only link per flow, outages,
    growth and a rejection pass after a delay.
    """
    env = simpy.Environment()
    finished: list[float | None] = [None] * len(model.flows)

    moved = [0.0] * len(model.flows)

    def move(f: int, link: int, volume: float) -> Any:
        schedule = model.links[link].schedule
        cap = inputs.cap[link]
        starts, ends = inputs.down.get((link, f), ((), ()))
        growth = inputs.growth[f]
        remaining = volume
        last = env.now
        for i in range(bisect.bisect_right(schedule.close_s, env.now), len(schedule.open_s)):
            o, c = schedule.open_s[i], schedule.close_s[i]
            rate = cap / (c - o)
            if env.now < o:
                yield env.timeout(o - env.now)
            while env.now < c - 1e-9:
                remaining += growth * (env.now - last)
                last = env.now
                k = bisect.bisect_right(starts, env.now) - 1
                if k >= 0 and env.now < ends[k]:  # down: wait for the repair
                    yield env.timeout(min(ends[k], c) - env.now)
                    continue
                nxt = starts[k + 1] if k + 1 < len(starts) else float("inf")
                size = min(BATCH_BYTES, remaining, rate * (min(c, nxt) - env.now))
                if size <= 0:
                    break
                yield env.timeout(size / rate)
                remaining += growth * (env.now - last) - size
                moved[f] += size
                last = env.now
                if remaining <= 1e-3:
                    return env.now
        return None

    def flow(f: int) -> Any:
        link = model.flows[f].links[0]
        done = yield env.process(move(f, link, inputs.volume[f]))
        fraction, delay = inputs.rejection[f]
        if done is not None and fraction > 0:
            yield env.timeout(delay)
            # the rejected share of everything moved, re-sent; growth during the delay too
            rework = moved[f] * fraction / (1 - fraction) + inputs.growth[f] * delay
            done = yield env.process(move(f, link, rework))
        finished[f] = done

    for f in range(len(model.flows)):
        env.process(flow(f))
    env.run(until=model.horizon)
    return finished


def peak_rss_mb(replications: int, workers: int) -> float:
    """Max RSS (MB) of a fresh process running the Monte Carlo, its workers included."""
    code = (
        "import resource;"
        "from migrasim.scenario.loader import load_scenario;"
        "from migrasim.analysis.runner import run_monte_carlo;"
        f"run_monte_carlo(load_scenario({str(SCENARIO)!r}), {replications}, 1, workers={workers});"
        "print(max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for CI")
    parser.add_argument("--replications", type=int, default=None)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    n = args.replications or (2 * BLOCK_SIZE if args.quick else 4 * BLOCK_SIZE)

    scenario = load_scenario(SCENARIO)
    model = build_model(scenario)
    sampler = Sampler(model, 1)
    day_ends = band_day_ends(model)[1]
    figures: dict[str, Any] = {"replications": n}

    sample = 20 if args.quick else 100
    t0 = time.perf_counter()
    for r in range(sample):
        summarise(r, simulate(model, sampler.inputs(r), record=True), day_ends)
    per_rep = (time.perf_counter() - t0) / sample
    figures["seconds_per_replication"] = per_rep

    timings = {}
    run_monte_carlo(scenario, 100, 1, workers=1, model=model)  # warm-up: curves, tables
    for workers in (1, 2):
        clear_memo()  # each timing draws its inputs afresh
        t0 = time.perf_counter()
        result = run_monte_carlo(scenario, n, 1, workers=workers, model=model)
        timings[workers] = time.perf_counter() - t0
        figures[f"seconds_{workers}_workers"] = timings[workers]
        figures.setdefault("finished_equal", []).append(result.finished.tobytes())
    same = figures.pop("finished_equal")
    figures["same_results_any_workers"] = same[0] == same[1]
    figures["speedup_2_workers"] = timings[1] / timings[2]

    # the naive per-batch model on the same drawn inputs
    naive_n = 3 if args.quick else 10
    t0 = time.perf_counter()
    naive = [naive_replication(model, sampler.inputs(r)) for r in range(naive_n)]
    naive_time = (time.perf_counter() - t0) / naive_n
    t0 = time.perf_counter()
    ours = [simulate(model, sampler.inputs(r)) for r in range(naive_n)]
    engine_time = (time.perf_counter() - t0) / naive_n
    gaps = [
        abs(a - b.finished_s) / 86400
        for run_naive, run_ours in zip(naive, ours, strict=True)
        for a, b in zip(run_naive, run_ours.flows, strict=True)
        if a is not None and b.finished_s != NEVER
    ]
    figures["naive_seconds_per_replication"] = naive_time
    figures["engine_seconds_per_replication"] = engine_time
    figures["speedup_over_naive"] = naive_time / engine_time
    figures["naive_max_gap_days"] = max(gaps) if gaps else None

    if not args.quick:
        figures["peak_rss_mb_n"] = peak_rss_mb(n, 2)
        figures["peak_rss_mb_4n"] = peak_rss_mb(4 * n, 2)

    print(f"Monte Carlo benchmark: {SCENARIO.name}, {len(model.flows)} flows")
    print(f"  per replication (1 process):        {per_rep * 1e3:8.2f} ms")
    print(f"  {n} replications, 1 worker:      {timings[1]:8.2f} s")
    print(f"  {n} replications, 2 workers:     {timings[2]:8.2f} s")
    print(f"  speed-up with 2 workers:            {figures['speedup_2_workers']:8.2f} x")
    print(f"  identical results for 1 and 2 workers: {figures['same_results_any_workers']}")
    print(
        f"  naive per-batch SimPy model:        {naive_time * 1e3:8.1f} ms/replication vs "
        f"{engine_time * 1e3:.2f} ms: {figures['speedup_over_naive']:.0f} x faster "
        f"(completions agree within {figures['naive_max_gap_days']:.3f} days)"
    )
    if "peak_rss_mb_n" in figures:
        print(
            f"  peak memory: {figures['peak_rss_mb_n']:.0f} MB for {n} replications, "
            f"{figures['peak_rss_mb_4n']:.0f} MB for {4 * n}"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if figures["same_results_any_workers"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
