"""What-if latency: ``POST /api/evaluate`` on the Wales scenario, 50 random lever changes.

Each call changes one or two levers at random (the daily cap, the start, go-live, the outage
rate, one organisation's volume) and asks for 1,000 replications on seed 1, through Starlette's
TestClient, so the time is the server's: parse, load the scenario with the changes, baseline
plus Monte Carlo (``run_scenario``), ``summarise`` and the JSON. Every change is different, so
no answer comes from the session's cache; one baseline call first warms the process pool up
and is not counted.

Prints the median and 95th percentile (target: under 1 s) and, for one call, the split into
loading, simulating and summarising.

Usage: python benchmarks/bench_serve.py [--calls 50] [--replications 1000] [--workers N]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.runner import Execution
from migrasim.analysis.summary import summarise
from migrasim.scenario.loader import load_scenario
from migrasim.serve.levers import scaled_volume
from migrasim.serve.session import Session
from migrasim.serve.web import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "health_boards.yaml"


def random_changes(rng: np.random.Generator, session: Session) -> dict[str, str]:
    """One or two levers moved at random (values a board would try)."""
    volumes = [lever for lever in session.levers if lever.volume_bytes is not None]
    options = {
        "links.capped.daily_cap": lambda: f"{rng.integers(5, 50) / 10:g} GB",
        "start": lambda: f"2025-{rng.integers(4, 11):02d}-{rng.integers(1, 29):02d}",
        "go_live": lambda: f"2026-{rng.integers(1, 13):02d}-{rng.integers(1, 29):02d}",
        "links.capped.outages.mtbf": lambda: f"{rng.integers(7, 120)} days",
    }
    changes: dict[str, str] = {}
    for _ in range(int(rng.integers(1, 3))):
        if rng.random() < 0.3:
            lever = volumes[int(rng.integers(len(volumes)))]
            changes[lever.key] = scaled_volume(lever, float(rng.integers(25, 300)) / 100)
        else:
            key = list(options)[int(rng.integers(len(options)))]
            changes[key] = options[key]()
    return changes


def split(changes: dict[str, str], n: int, execution: Execution) -> tuple[float, float, float]:
    overrides = [f"{k}={v}" for k, v in changes.items()]
    t0 = time.perf_counter()
    spec = load_scenario(SCENARIO, overrides)
    t1 = time.perf_counter()
    outcome = run_scenario(spec, n, 1, execution)
    t2 = time.perf_counter()
    summarise(outcome)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None, help="default: every core")
    args = parser.parse_args()
    execution = Execution(args.workers)
    session = Session(SCENARIO, execution=execution)
    rng = np.random.default_rng(20261127)
    body = {"replications": args.replications, "seed": 1}
    times: list[float] = []
    with TestClient(create_app(session)) as client:
        assert client.post("/api/evaluate", json={"set": {}, **body}).status_code == 200
        seen: set[tuple[tuple[str, str], ...]] = set()
        while len(times) < args.calls:
            changes = random_changes(rng, session)
            key = tuple(sorted(changes.items()))
            if key in seen:
                continue
            seen.add(key)
            started = time.perf_counter()
            response = client.post("/api/evaluate", json={"set": changes, **body})
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(np.ceil(0.95 * len(ordered))) - 1)]
    print(f"{args.calls} calls, {args.replications} replications, workers={args.workers}")
    print(f"median {statistics.median(times):.3f} s, 95th percentile {p95:.3f} s, "
          f"min {ordered[0]:.3f} s, max {ordered[-1]:.3f} s")  # fmt: skip
    load, simulate, summary = split({"links.capped.daily_cap": "2.5 GB"}, args.replications,
                                    execution)  # fmt: skip
    print(f"one call split: load {load:.3f} s, run_scenario {simulate:.3f} s, "
          f"summarise {summary:.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
