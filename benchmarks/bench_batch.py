"""Batch solver benchmark: the Wales risk scenario (scenarios/health_boards.yaml), one core.

Reports, measured in one run on this machine (compute only: no files, no charts):

* 1,000 replications through ``run_monte_carlo`` (block draws + batch solver + aggregation),
  every input drawn anew; then again on the memoised draws without the band (what each step
  of ``solve`` costs); and the parts: drawing a block (outages to the horizon), solving it
  without the burn-up band, and the band;
* today's per-replication engine on the same scenario (``Sampler.inputs`` + ``simulate``), timed
  on a sample of replications and scaled to 1,000, and the ratio;
* a closed-form numpy calculation of the same per-flow cap case (volume -> working day on which
  the cumulative 1 GB/day quota covers it; no growth, rejection or outages), and the ratio;
* that plain cap case itself (the scenario with growth, rejections and outages taken out, the
  volumes still uncertain) through the batch solver, against the closed form and against the
  naive per-batch SimPy model of ``bench_engine.py`` (one event per 100 MB), timed on a sample
  of replications and scaled to 1,000;
* 100,000 replications (5,000 with ``--quick``);
* peak traced memory (tracemalloc) of the run for 1,000 and for 10x/100x as many replications,
  besides the (replications x flows) completion array the result must hold.

Usage: python benchmarks/bench_batch.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

from migrasim.analysis.draws import clear_memo, draw_block
from migrasim.analysis.runner import band_day_ends, run_monte_carlo
from migrasim.analysis.sampling import Sampler
from migrasim.core.batch import solve_block
from migrasim.core.engine import Model, simulate
from migrasim.scenario.compile import build_model
from migrasim.scenario.loader import load_scenario
from migrasim.scenario.types import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "health_boards.yaml"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import reference_links, reference_simulate  # noqa: E402


def best_of(repeats: int, fn: object) -> float:
    assert callable(fn)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def engine_per_1000(model: Model, sample: int) -> float:
    """Today's path: per-replication draws and the event engine, scaled to 1,000."""
    sampler = Sampler(model, 1)
    t = time.perf_counter()
    for r in range(sample):
        simulate(model, sampler.inputs(r))
    return (time.perf_counter() - t) / sample * 1000


def closed_form(model: Model, volumes: np.ndarray) -> float:
    """The per-flow cap case in closed form: the working day whose cumulative quota covers the
    volume, for every replication and flow. Returns seconds per call."""
    link = model.links[0]
    closes = np.asarray(link.schedule.close_s)
    cap = link.cap_bytes
    cum = cap * np.arange(1, closes.size + 1)

    def run() -> np.ndarray:
        day = np.searchsorted(cum, volumes, side="left")
        return closes[np.minimum(day, closes.size - 1)]

    return best_of(5, run)


def plain_cap_case() -> Scenario:
    """The Wales scenario as the per-flow cap case: volumes still uncertain (and correlated),
    growth, rejections and outages taken out."""
    import yaml

    from migrasim.scenario.types import parse_scenario

    data: dict[str, Any] = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    for link in data["links"].values():
        link.pop("outages", None)
    for flow in data["flows"]:
        flow.pop("growth", None)
        flow.pop("rejection", None)
    return parse_scenario(data)


def naive_per_1000(plain: Scenario, sample: int) -> float:
    """The naive per-batch SimPy model (bench_engine.py's reference), one replication at the
    most likely volumes per run, scaled to 1,000 replications."""
    links = reference_links(plain)
    t = time.perf_counter()
    for _ in range(sample):
        reference_simulate(plain, links)
    return (time.perf_counter() - t) / sample * 1000


def peak_memory(scenario: Scenario, model: Model, replications: int) -> float:
    clear_memo()
    tracemalloc.start()
    run_monte_carlo(scenario, replications, 1, workers=1, model=model)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, 5k not 100k")
    args = parser.parse_args()
    scenario = load_scenario(SCENARIO)
    model = build_model(scenario)
    days = band_day_ends(model)[1]
    run_monte_carlo(scenario, 1000, 1, workers=1, model=model)  # warm-up: curves, imports
    repeats = 1 if args.quick else 3

    def fresh(fn: object) -> object:
        """Time ``fn`` with nothing memoised: every input drawn anew (a first run)."""
        assert callable(fn)

        def run() -> None:
            clear_memo()
            fn()

        return run

    batch = best_of(
        repeats, fresh(lambda: run_monte_carlo(scenario, 1000, 1, workers=1, model=model))
    )

    def step() -> None:
        run_monte_carlo(scenario, 1000, 1, workers=1, model=model, band=False, reuse_draws=True)

    step()  # the first step of a loop draws (and memoises) every outage to the horizon
    reused = best_of(repeats, step)
    block = draw_block(scenario, model, 1, 0)
    draw = best_of(repeats, fresh(lambda: draw_block(scenario, model, 1, 0)))
    cache: dict[tuple[float, ...], object] = {}
    solve_block(model, block, days, 0, cache)  # type: ignore[arg-type]
    solve = best_of(repeats, lambda: solve_block(model, block, days, 0, cache))  # type: ignore[arg-type]
    band = best_of(repeats, lambda: solve_block(model, block, days, 200, cache)) - solve  # type: ignore[arg-type]
    engine = engine_per_1000(model, 20 if args.quick else 100)
    closed = closed_form(model, block.volume)
    plain = plain_cap_case()
    plain_model = build_model(plain)
    run_monte_carlo(plain, 1000, 1, workers=1, model=plain_model)
    plain_batch = best_of(
        repeats, fresh(lambda: run_monte_carlo(plain, 1000, 1, workers=1, model=plain_model))
    )
    naive = naive_per_1000(plain, 2 if args.quick else 5)
    big = 5_000 if args.quick else 100_000
    clear_memo()
    t = time.perf_counter()
    run_monte_carlo(scenario, big, 1, workers=1, model=model)
    big_s = time.perf_counter() - t
    clear_memo()
    mem_small = peak_memory(scenario, model, 1000)
    mem_big = peak_memory(scenario, model, big)
    result_mb = big * len(model.flows) * 8 / 1e6
    rows = [
        ("1,000 replications, batch (run_monte_carlo, 1 core)", f"{batch * 1e3:8.1f} ms"),
        ("1,000 again on reused draws, no band (a solve step)", f"{reused * 1e3:8.1f} ms"),
        ("drawing a block of inputs (outages to the horizon)", f"{draw * 1e3:8.1f} ms"),
        ("solving it (no band)", f"{solve * 1e3:8.1f} ms"),
        ("burn-up band (200 replications)", f"{band * 1e3:8.1f} ms"),
        ("1,000 replications, per-replication engine (scaled)", f"{engine * 1e3:8.1f} ms"),
        ("  batch speed-up over the engine", f"{engine / batch:8.1f} x"),
        ("closed-form numpy, same per-flow cap case", f"{closed * 1e3:8.3f} ms"),
        ("  batch / closed form", f"{batch / closed:8.1f} x"),
        ("the plain cap case itself, batch (1,000)", f"{plain_batch * 1e3:8.1f} ms"),
        ("  plain batch / closed form", f"{plain_batch / closed:8.1f} x"),
        ("naive per-batch SimPy model, plain case (scaled)", f"{naive * 1e3:8.1f} ms"),
        ("  plain batch speed-up over the naive model", f"{naive / plain_batch:8.1f} x"),
        (f"{big:,} replications, batch", f"{big_s:8.2f} s"),
        ("peak traced memory, 1,000 replications", f"{mem_small:8.1f} MB"),
        (f"peak traced memory, {big:,} replications", f"{mem_big:8.1f} MB"),
        (f"  of which the {big:,} x {len(model.flows)} completion array", f"{result_mb:8.1f} MB"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
