"""Benchmark the migrasim engine against the Wales baseline and a naive per-batch SimPy model.

Run from the repository root::

    python benchmarks/bench_engine.py            # full run (about a minute on 2 cores)
    python benchmarks/bench_engine.py --quick    # smaller run, well under 20 s
    python benchmarks/bench_engine.py --json /tmp/bench.json   # also save the figures
    python benchmarks/bench_engine.py --quick --profile   # plus a cProfile of the largest case

Nothing is written to the repository unless ``--json`` points into it. See benchmarks/README.md
for what each figure means.

Cases (all derived from ``scenarios/health_boards.yaml``: 29 flows, 1 GB per working day each):

* baseline      - the scenario as it is;
* flows x10/x100 - the 29 flows replicated to 290 / 2,900 flows (names suffixed, same links);
* 10,000 flows  - the 29 flows cycled to exactly 10,000 (full mode only);
* volume x10    - every volume x10, horizon 40 years so no flow runs into it;
* reference     - a naive SimPy model, one event per 100 MB batch, checked against the engine.
  It runs on the *plain* form of the scenario (estimates -> most likely value; growth,
  rejection, outages dropped), and the engine is timed on that same plain scenario for the ratio.

Uses only the standard library, numpy, simpy and migrasim.
"""

from __future__ import annotations

import argparse
import bisect
import copy
import cProfile
import gc
import hashlib
import io
import json
import math
import os
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from migrasim.core.calendar import NEVER, WEEKDAYS, Clock, build_calendar
from migrasim.core.engine import Model, RunResult, simulate
from migrasim.scenario.compile import build_model
from migrasim.scenario.loader import read_yaml
from migrasim.scenario.types import Scenario, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "health_boards.yaml"
BATCH_BYTES = 100e6  # reference model: one SimPy event per 100 MB batch
SIMULATE_TARGET_S = 5.0  # the 10,000-flow case should simulate in under this
# What the reference model understands; anything else in a scenario makes it refuse to run.
REF_LINK_KEYS = frozenset({"daily_cap", "bandwidth", "efficiency", "per_flow", "description"})
REF_FLOW_KEYS = frozenset({"name", "source", "target", "volume", "links", "description"})


# --- scenario variants (built from the YAML dict, since model_dump() does not re-validate) -----


def raw_scenario() -> dict[str, Any]:
    """The baseline scenario as the plain dict read from YAML (dates and quantities as text)."""
    text = SCENARIO.read_text(encoding="utf-8")
    data = read_yaml(text, str(SCENARIO))
    assert isinstance(data, dict)
    return data


def with_flows(raw: dict[str, Any], n: int) -> dict[str, Any]:
    """``raw`` with its flows cycled to exactly ``n`` flows; copy k of a flow is named 'NAME #k'."""
    base = raw["flows"]
    data = copy.deepcopy(raw)
    flows = []
    for i in range(n):
        k = i // len(base)
        flow = copy.deepcopy(base[i % len(base)])
        flow["name"] = f"{flow.get('name') or flow['source'] + ' -> ' + flow['target']} #{k}"
        if flow.get("after"):  # keep dependencies inside the same copy
            flow["after"] = [f"{dep} #{k}" for dep in flow["after"]]
        flows.append(flow)
    data["flows"] = flows
    return data


def _scale_size(value: Any, factor: float) -> Any:
    """'72 GB' -> '720.0 GB'; a three-point estimate has its low, likely and high scaled."""
    if isinstance(value, dict):
        scaled = dict(value)
        for key in ("low", "likely", "high"):
            if key in scaled:
                scaled[key] = _scale_size(scaled[key], factor)
        return scaled
    number, unit = str(value).split(maxsplit=1)
    return f"{float(number) * factor!r} {unit}"


def with_volume_factor(raw: dict[str, Any], factor: float, horizon: str) -> dict[str, Any]:
    """``raw`` with every volume multiplied by ``factor`` (kept as text with its unit)."""
    data = copy.deepcopy(raw)
    for flow in data["flows"]:
        flow["volume"] = _scale_size(flow["volume"], factor)
    data["horizon"] = horizon
    return data


def plain(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The model the reference understands: every flow capped per working day, nothing else.

    Three-point estimates become their most likely value, and the flow and link keys the
    reference does not model (growth, rejection, outages, ...) are dropped. Returns the new
    scenario dict and what was changed (empty: the scenario was already plain).
    """
    data = copy.deepcopy(raw)
    changed: set[str] = set()
    if data.pop("correlation", None) is not None:  # no estimates are left to correlate
        changed.add("correlation")
    for kind, items, keep in (
        ("links", list(data["links"].values()), REF_LINK_KEYS),
        ("flows", data["flows"], REF_FLOW_KEYS),
    ):
        for item in items:
            for key in list(item):
                if key not in keep:
                    del item[key]
                    changed.add(f"{kind}.{key}")
                elif isinstance(item[key], dict) and "likely" in item[key]:
                    item[key] = item[key]["likely"]
                    changed.add(f"{kind}.{key} (estimate -> likely)")
    return data, sorted(changed)


# --- timing ------------------------------------------------------------------------------------


SAMPLE_S = {"full": 0.2, "quick": 0.05}  # a fast call is repeated until a sample takes this long
NOISY = 1.25  # samples spread wider than this (max / min) are flagged in the table
MODE = {"sample_s": SAMPLE_S["full"]}


def median_time(
    fn: Callable[[], Any], repeats: int, *, collector: bool = True
) -> tuple[float, list[float], Any]:
    """Median seconds per call of ``fn()`` over ``repeats`` samples, the samples, the last result.

    An untimed first call warms up and calibrates: a call faster than ``MODE["sample_s"]``
    (0.2 s, 0.05 s with --quick) is repeated within each sample (as timeit does) and the sample
    divided by the count, so millisecond timings are not at the mercy of a single scheduler
    hiccup on a shared machine.
    ``collector=False`` switches Python's cyclic garbage collector off while timing (a diagnosis
    only: the engine normally runs with it on).
    """
    t0 = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t0
    inner = max(1, min(100, math.ceil(MODE["sample_s"] / max(first, 1e-9))))
    times = []
    for _ in range(repeats):
        gc.collect()
        if not collector:
            gc.disable()
        try:
            t0 = time.perf_counter()
            for _ in range(inner):
                result = fn()
            times.append((time.perf_counter() - t0) / inner)
        finally:
            gc.enable()
    return statistics.median(times), times, result


@dataclass
class Timed:
    scenario: Scenario
    model: Model
    result: RunResult
    build_s: float
    simulate_s: float
    build_runs: list[float]
    simulate_runs: list[float]


def time_engine(data: dict[str, Any], repeats: int) -> Timed:
    scenario = parse_scenario(data, "benchmark")
    build_s, build_runs, model = median_time(lambda: build_model(scenario), repeats)
    sim_s, sim_runs, result = median_time(lambda: simulate(model), repeats)
    return Timed(scenario, model, result, build_s, sim_s, build_runs, sim_runs)


def noisy(runs: list[float]) -> str:
    """A warning for the table when the samples spread widely (a busy shared machine)."""
    if len(runs) > 1 and max(runs) > NOISY * min(runs):
        return f"; NOISY: samples {min(runs):.3g}-{max(runs):.3g} s"
    return ""


def never(result: RunResult) -> int:
    return sum(1 for f in result.flows if f.finished_s == NEVER)


# --- the naive reference: one SimPy event per batch ----------------------------------------------


@dataclass(frozen=True)
class RefLink:
    opens: tuple[float, ...]
    closes: tuple[float, ...]
    rates: tuple[float, ...]  # bytes/s while each window is open
    cap: float  # bytes per working day (inf without a cap)


def likely(value: Any) -> float:
    """A plain quantity, or the most likely value of a three-point estimate."""
    return float(value.likely) if hasattr(value, "likely") else float(value)


def reference_links(scenario: Scenario) -> dict[str, RefLink]:
    """Working-day windows built directly from the calendar (not with the engine's schedules).

    A working day is open 00:00-24:00 local time (these links have no ``window``); a cap-only
    link spreads its daily cap evenly over the day, a link with bandwidth runs at
    bandwidth x efficiency until the day's cap is used up.
    """
    clock = Clock(scenario.start, scenario.tz)
    first = scenario.start.date()
    last = (scenario.start + timedelta(seconds=float(scenario.horizon)) + timedelta(days=2)).date()
    spec = scenario.calendar
    working = (WEEKDAYS.index(d) for d in spec.working_days)
    calendar = build_calendar(working, spec.holidays, spec.closures, first, last)
    links = {}
    for name, spec in scenario.links.items():
        extra = spec.model_fields_set - REF_LINK_KEYS
        if extra or not spec.per_flow:
            raise SystemExit(
                f"reference model: link {name!r} must be per_flow and use only "
                f"{sorted(REF_LINK_KEYS)} (it sets {sorted(extra) or 'per_flow: false'})"
            )
        opens, closes, rates = [], [], []
        day = first
        while day <= last:
            if calendar.is_working(day):
                o = clock.to_sim(datetime.combine(day, dtime()))
                c = clock.to_sim(datetime.combine(day + timedelta(days=1), dtime()))
                opens.append(o)
                closes.append(c)
                # the most likely rate while open: bandwidth x efficiency, else the cap spread
                if spec.bandwidth is not None:
                    rates.append(likely(spec.bandwidth) * likely(spec.efficiency))
                else:
                    rates.append(likely(spec.daily_cap) / (c - o))
            day += timedelta(days=1)
        cap = likely(spec.daily_cap) if spec.daily_cap is not None else float("inf")
        links[name] = RefLink(tuple(opens), tuple(closes), tuple(rates), cap)
    return links


def reference_simulate(
    scenario: Scenario, links: dict[str, RefLink], batch: float = BATCH_BYTES
) -> tuple[list[float | None], int]:
    """Finish time (SimTime) of every flow, and the number of batches moved.

    Each flow is a SimPy process moving fixed batches: before each batch it waits for its link's
    next working-day window and, once the day's cap is used up, for the next day; a batch takes
    ``size / rate`` seconds (cut short at the day's cap, the window's close or the flow's end).
    """
    env = simpy.Environment()
    finished: list[float | None] = [None] * len(scenario.flows)
    batches = [0]

    def flow_process(f: int, volume: float, link: RefLink) -> Any:
        remaining = volume
        done_tol = max(1e-3, volume * 1e-12)  # float dust from summing batches, not data
        for i in range(bisect.bisect_right(link.closes, env.now), len(link.opens)):
            if env.now < link.opens[i]:
                yield env.timeout(link.opens[i] - env.now)  # wait for the next working day
            # Times inside the day are kept as an offset from the window's opening, so rounding
            # does not pile up over thousands of batches and years of SimTime.
            offset = env.now - link.opens[i]
            length = link.closes[i] - link.opens[i]
            rate = link.rates[i]
            used = 0.0  # bytes moved today, counted batch by batch against the daily cap
            while remaining > done_tol:
                room = rate * (length - offset)  # what still fits before the window closes
                if room >= link.cap - used - rate * 1e-6:  # the cap binds (or ends with the day)
                    room = link.cap - used
                size = min(batch, remaining, room)
                if size <= 1e-3:
                    break  # today's cap (or window) is used up
                offset += size / rate
                yield env.timeout(max(0.0, link.opens[i] + offset - env.now))
                remaining -= size
                used += size
                batches[0] += 1
            if remaining <= done_tol:
                finished[f] = env.now
                return
        # out of working days before the horizon: 'never'

    for f, spec in enumerate(scenario.flows):
        extra = spec.model_fields_set - REF_FLOW_KEYS
        if len(spec.links) != 1 or extra:
            raise SystemExit(
                f"reference model: flow {spec.label!r} needs one link and only "
                f"{sorted(REF_FLOW_KEYS)} (it also sets {sorted(extra)})"
            )
        env.process(flow_process(f, likely(spec.volume), links[spec.links[0]]))
    env.run(until=float(scenario.horizon))
    return finished, batches[0]


def windows_match(model: Model, links: dict[str, RefLink]) -> bool:
    """Do the reference's working-day windows equal the engine's within [0, horizon)?"""
    for link in model.links:
        mine = links[link.name]
        pairs = zip(mine.opens, mine.closes, strict=True)
        ours = [(o, c) for o, c in pairs if 0 <= o < model.horizon]
        theirs = [
            (o, c)
            for o, c in zip(link.schedule.open_s, link.schedule.close_s, strict=True)
            if 0 <= o < model.horizon
        ]
        if len(ours) != len(theirs) or not np.allclose(ours, theirs, rtol=0, atol=1e-6):
            return False
    return True


def agreement(
    model: Model, engine: RunResult, ref: list[float | None]
) -> tuple[int, int, int, float]:
    """Flows whose completion dates agree within a day, the largest gap in days, flows 'never'
    in both, and the largest gap in seconds between the finish times."""
    ok, worst, both_never, worst_s = 0, 0, 0, 0.0
    for flow, t_ref in zip(engine.flows, ref, strict=True):
        if flow.finished_s == NEVER or t_ref is None:
            if flow.finished_s == NEVER and t_ref is None:
                ok += 1
                both_never += 1
            else:
                worst = max(worst, 10**6)
            continue
        d_engine = model.clock.completion_day(flow.finished_s)
        d_ref = model.clock.completion_day(t_ref)
        assert d_engine is not None
        assert d_ref is not None
        gap = abs((d_engine - d_ref).days)
        worst_s = max(worst_s, abs(flow.finished_s - t_ref))
        worst = max(worst, gap)
        ok += gap <= 1
    return ok, worst, both_never, worst_s


# --- report ------------------------------------------------------------------------------------


@dataclass
class Row:
    case: str
    flows: int
    seconds: float
    ratio: float | None
    note: str = ""


def fmt_table(rows: list[Row]) -> str:
    head = ("case", "flows", "seconds", "ratio", "note")
    cells = [
        (
            r.case,
            f"{r.flows:,}",
            f"{r.seconds:.4f}" if r.seconds < 1 else f"{r.seconds:.2f}",
            "" if r.ratio is None else f"{r.ratio:,.1f}x" if r.ratio >= 10 else f"{r.ratio:.2f}x",
            r.note,
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(head)]
    align = ["<", ">", ">", ">", "<"]

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(f"{v:{a}{w}}" for v, a, w in zip(values, align, widths, strict=True))

    out = [line(head), line(tuple("-" * w for w in widths))]
    out += [line(c) for c in cells]
    return "\n".join(out)


def replicas_agree(base: RunResult, big: RunResult) -> bool:
    """Every copy of a flow finishes exactly when the original does (flows are independent)."""
    want = np.array([f.finished_s for f in base.flows])
    got = np.array([f.finished_s for f in big.flows])
    tiled = np.resize(want, got.shape)
    return bool(np.allclose(got, tiled, rtol=0, atol=1e-3, equal_nan=True))


def profile_simulate(model: Model, label: str, top: int = 15) -> str:
    """cProfile of one simulate() (top functions by own time) and the cyclic GC's share."""
    collections = [0, 0, 0]
    paused = [0.0, 0.0]  # start of the current collection, total

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            paused[0] = time.perf_counter()
        else:
            collections[info["generation"]] += 1
            paused[1] += time.perf_counter() - paused[0]

    gc.collect()
    gc.callbacks.append(on_gc)
    try:
        t0 = time.perf_counter()
        simulate(model)
        wall = time.perf_counter() - t0
    finally:
        gc.callbacks.remove(on_gc)
    profiler = cProfile.Profile()
    profiler.enable()
    simulate(model)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return (
        f"\n--- profile: simulate(), {label} ---\n"
        f"unprofiled run {wall:.2f} s, of which cyclic GC {paused[1]:.2f} s "
        f"({collections[0]} gen-0, {collections[1]} gen-1, {collections[2]} gen-2 collections)\n"
        + out.getvalue()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, skip the slow cases")
    parser.add_argument("--json", metavar="PATH", help="also save the figures as JSON")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print a cProfile of simulate() on the largest flow case (and GC statistics)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    MODE["sample_s"] = SAMPLE_S["quick" if quick else "full"]
    reps = (
        {"base": 5, "x10": 3, "x100": 3, "vol": 3, "ref": 1}
        if quick
        else {"base": 9, "x10": 7, "x100": 5, "10k": 3, "vol": 7, "ref": 3, "ref_vol": 3}
    )
    t_start = time.perf_counter()
    load0 = os.getloadavg()
    print(f"migrasim engine benchmark ({'quick' if quick else 'full'} mode)")
    print(
        f"python {platform.python_version()}, simpy {simpy.__version__}, numpy {np.__version__}, "
        f"{platform.machine()}; seconds per call, median of repeated samples (time.perf_counter)"
    )
    # the engine: the SimPy driver, the compiled records and the solvers
    core = ROOT / "migrasim" / "core"
    engine_src = [core / "engine.py", core / "model.py", *sorted((core / "solvers").glob("*.py"))]
    engine_sha = hashlib.sha256(b"".join(p.read_bytes() for p in engine_src)).hexdigest()[:12]
    print(f"measuring migrasim/core engine, model and solvers sha256 {engine_sha}\n")
    raw = raw_scenario()
    n_base = len(raw["flows"])

    # warm-up: the first build pays one-off costs (holiday tables, imports)
    simulate(build_model(parse_scenario(raw, "warm-up")))

    rows: list[Row] = []
    checks: list[tuple[str, bool]] = []
    figures: dict[str, Any] = {
        "mode": "quick" if quick else "full",
        "engine_sha256_12": engine_sha,
        "cases": {},
    }

    def record(key: str, timed: Timed, flows: int) -> None:
        figures["cases"][key] = {
            "flows": flows,
            "build_s": timed.build_s,
            "simulate_s": timed.simulate_s,
            "build_runs": timed.build_runs,
            "simulate_runs": timed.simulate_runs,
            "never": never(timed.result),
        }

    # 1. baseline
    base = time_engine(raw, reps["base"])
    record("baseline", base, n_base)
    b_build, b_sim = base.build_s, base.simulate_s
    note = f"ratio: to baseline build{noisy(base.build_runs)}"
    rows.append(Row("baseline build_model", n_base, b_build, 1.0, note))
    note = f"ratio: to baseline simulate; never={never(base.result)}{noisy(base.simulate_runs)}"
    rows.append(Row("baseline simulate", n_base, b_sim, 1.0, note))

    # 2. more flows
    scale_cases = [("flows x10", "x10", 10 * n_base), ("flows x100", "x100", 100 * n_base)]
    if not quick:
        scale_cases.append(("10,000 flows", "10k", 10_000))
    for label, key, n in scale_cases:
        timed = time_engine(with_flows(raw, n), reps[key])
        record(key, timed, n)
        same = replicas_agree(base.result, timed.result)
        checks.append((f"{label}: every copy finishes exactly when its original does", same))
        note = noisy(timed.build_runs).lstrip("; ")
        rows.append(Row(f"{label} build_model", n, timed.build_s, timed.build_s / b_build, note))
        note = (
            f"{timed.simulate_s / b_sim / (n / n_base):.2f}x per flow{noisy(timed.simulate_runs)}"
        )
        if key == "10k":
            verdict = "OK" if timed.simulate_s < SIMULATE_TARGET_S else "OVER"
            note += f"; target < {SIMULATE_TARGET_S:g} s: {verdict}"
        rows.append(Row(f"{label} simulate", n, timed.simulate_s, timed.simulate_s / b_sim, note))
    # diagnosis: how much of the largest case is Python's cyclic garbage collector
    label, key, n = scale_cases[-1]
    largest = timed  # the last (largest) case of the loop above
    nogc_s, nogc_runs, _ = median_time(
        lambda m=largest.model: simulate(m), reps[key], collector=False
    )
    figures["cases"][key]["simulate_no_gc_s"] = nogc_s
    figures["cases"][key]["simulate_no_gc_runs"] = nogc_runs
    rows.append(
        Row(
            f"{label} simulate, gc off",
            n,
            nogc_s,
            nogc_s / b_sim,
            f"{nogc_s / b_sim / (n / n_base):.2f}x per flow; diagnosis only{noisy(nogc_runs)}",
        )
    )

    if args.profile:
        print(profile_simulate(largest.model, label))

    # 3. 10x volume (horizon 40 years); the 40-year baseline separates horizon from volume
    base40 = time_engine(with_volume_factor(raw, 1, "40 years"), reps["vol"])
    vol = time_engine(with_volume_factor(raw, 10, "40 years"), reps["vol"])
    record("baseline_40y", base40, n_base)
    record("volume_x10", vol, n_base)
    rows.append(
        Row(
            "baseline, 40y horizon, build_model",
            n_base,
            base40.build_s,
            base40.build_s / b_build,
            noisy(base40.build_runs).lstrip("; "),
        )
    )
    rows.append(
        Row(
            "baseline, 40y horizon, simulate",
            n_base,
            base40.simulate_s,
            base40.simulate_s / b_sim,
            noisy(base40.simulate_runs).lstrip("; "),
        )
    )
    note = noisy(vol.build_runs).lstrip("; ")
    rows.append(
        Row("volume x10 (40y) build_model", n_base, vol.build_s, vol.build_s / b_build, note)
    )
    rows.append(
        Row(
            "volume x10 (40y) simulate",
            n_base,
            vol.simulate_s,
            vol.simulate_s / b_sim,
            f"never={never(vol.result)}; "
            f"{vol.simulate_s / base40.simulate_s:.2f}x the 40y baseline{noisy(vol.simulate_runs)}",
        )
    )
    last = max((f.finished_s for f in vol.result.flows if f.finished_s != NEVER), default=0.0)
    checks.append(
        (
            f"volume x10: {never(vol.result)} of {n_base} flows 'never' (horizon 40 years); "
            f"last completion {vol.model.clock.completion_day(last)}",
            never(vol.result) == 0,
        )
    )

    # 4. the naive per-batch reference, on the plain form of each scenario (what it can model);
    # the engine is timed again on exactly that scenario for the speed ratio
    plain_base, changed = plain(raw)
    if changed:
        checks.append(
            (
                "reference runs on a plain form of the scenario (the brief's model: "
                f"most likely volumes, daily cap only); changed: {', '.join(changed)}",
                True,
            )
        )
    ref_cases = [("baseline", "ref", plain_base, reps["base"])]
    if not quick:
        vol_plain = with_volume_factor(plain_base, 10, "40 years")
        ref_cases.append(("volume x10", "ref_vol", vol_plain, reps["vol"]))
    for label, key, data, eng_reps in ref_cases:
        timed = time_engine(data, eng_reps)
        record(f"plain_{key}", timed, n_base)
        tag = f"plain {label}" if changed else label
        if changed:
            rows.append(
                Row(
                    f"engine on {tag} simulate",
                    n_base,
                    timed.simulate_s,
                    timed.simulate_s / b_sim,
                    f"ratio: to baseline simulate{noisy(timed.simulate_runs)}",
                )
            )
        setup_s, _, links = median_time(lambda t=timed: reference_links(t.scenario), reps[key])
        run_s, run_runs, (finished, n_batches) = median_time(
            lambda t=timed, lk=links: reference_simulate(t.scenario, lk), reps[key]
        )
        same_windows = windows_match(timed.model, links)
        ok, worst, both_never, worst_s = agreement(timed.model, timed.result, finished)
        checks.append(
            (
                f"reference vs engine, {tag}: {ok}/{n_base} flows finish within a day of "
                f"each other (largest gap {worst} day(s), {worst_s:.3g} s; "
                f"{both_never} 'never' in both)",
                ok == n_base,
            )
        )
        checks.append(
            (
                f"reference {tag}: working-day windows built from the calendar equal the "
                f"engine's link schedule",
                same_windows,
            )
        )
        figures["cases"][f"reference_{key}"] = {
            "flows": n_base,
            "scenario_changed_for_reference": changed,
            "setup_s": setup_s,
            "run_s": run_s,
            "run_runs": run_runs,
            "batches": n_batches,
            "agree_within_a_day": ok,
            "largest_gap_days": worst,
            "speedup_vs_simulate": run_s / timed.simulate_s,
            "speedup_vs_build_and_simulate": (setup_s + run_s) / (timed.build_s + timed.simulate_s),
        }
        rows.append(
            Row(
                f"reference {tag} (per-batch run)",
                n_base,
                run_s,
                run_s / timed.simulate_s,
                f"ratio: reference run / engine simulate; {n_batches:,} batches{noisy(run_runs)}",
            )
        )
        rows.append(
            Row(
                f"reference {tag} incl. setup",
                n_base,
                setup_s + run_s,
                (setup_s + run_s) / (timed.build_s + timed.simulate_s),
                "ratio: (windows + run) / (build_model + simulate)",
            )
        )

    print(fmt_table(rows))
    print("\nchecks:")
    for text, passed in checks:
        print(f"  [{'ok' if passed else 'FAIL'}] {text}")
    total = time.perf_counter() - t_start
    load = os.getloadavg()
    print(f"\ntotal wall time {total:.1f} s")
    print(
        f"1-minute load average: {load0[0]:.2f} at start, {load[0]:.2f} at end (this run adds "
        "about 1 by the end; more means other work shared the 2 cores and figures are noisier)"
    )
    figures["rows"] = [asdict(r) for r in rows]
    figures["checks"] = [{"check": t, "passed": p} for t, p in checks]
    figures["total_s"] = total
    figures["load_average_start_end"] = [load0[0], load[0]]
    figures["measured_on"] = date.today().isoformat()
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")
        print(f"figures saved to {args.json}")
    return 0 if all(passed for _, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
