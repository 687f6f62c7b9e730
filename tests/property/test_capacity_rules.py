"""Invariants of the engine's recorded delivery curves, checked on generated scenarios.

Each test states one rule from the brief and checks it against ``simulate(model, record=True)``.
Windows and rates are taken from ``tests.reference_model`` (worked out from the scenario, not
from the engine's compiled ``LinkModel``), so a wrong window in the engine cannot hide itself;
``test_engine_windows_match_the_calendar_rules`` checks the two agree.
"""

from __future__ import annotations

import bisect
import itertools
import math
from typing import Any

from hypothesis import given, note
from hypothesis import strategies as st

from migrasim.core.calendar import NEVER
from migrasim.core.engine import Model, RunResult, simulate
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import Scenario, parse_scenario
from tests import strategies as gen
from tests.reference_model import link_windows

REL = 1e-6  # relative slack on byte totals (floating-point sums over many steps)
ABS_BYTES = 1.0  # bytes
TIME_EPS = 1e-6  # seconds


def dust(total_bytes: float) -> float:
    """Bytes that are floating-point dust, not movement: a millibyte, or 1e-12 of the total."""
    return max(1e-3, 1e-12 * abs(total_bytes))


def run(data: dict[str, Any]) -> tuple[Scenario, Model, RunResult]:
    scenario = parse_scenario(data)
    model = build_model(scenario)
    result = simulate(model, record=True)
    assert result.curves is not None
    return scenario, model, result


def value_at(curve: tuple[tuple[float, ...], tuple[float, ...]], t: float) -> float:
    """Cumulative bytes delivered by ``t`` (0 before the curve starts, flat after it ends)."""
    times, values = curve
    if not times or t <= times[0]:
        return 0.0
    i = bisect.bisect_right(times, t) - 1
    if i >= len(times) - 1:
        return values[-1]
    t0, t1 = times[i], times[i + 1]
    if t1 <= t0:
        return values[i + 1]
    return values[i] + (values[i + 1] - values[i]) * (t - t0) / (t1 - t0)


def slope_at(curve: tuple[tuple[float, ...], tuple[float, ...]], t: float) -> float:
    """Slope of the segment that contains ``t`` (0 outside the curve)."""
    times, values = curve
    i = bisect.bisect_right(times, t) - 1
    if i < 0 or i >= len(times) - 1 or times[i + 1] <= times[i]:
        return 0.0
    return (values[i + 1] - values[i]) / (times[i + 1] - times[i])


def moving_segments(
    curve: tuple[tuple[float, ...], tuple[float, ...]],
) -> list[tuple[float, float, float]]:
    """``(start, end, slope)`` of every segment along which bytes move.

    A rise under a millibyte (or 1e-12 of the total so far) is floating-point dust from adding
    up many steps, not movement.
    """
    times, values = curve
    out = []
    for i in range(len(times) - 1):
        dt, dv = times[i + 1] - times[i], values[i + 1] - values[i]
        if dv > dust(values[i + 1]) and dt > 0:
            out.append((times[i], times[i + 1], dv / dt))
    return out


def windows_by_link(scenario: Scenario) -> dict[str, list[tuple[float, float]]]:
    horizon = float(scenario.horizon)
    return {name: link_windows(scenario, name, horizon) for name in scenario.links}


def link_rate(scenario: Scenario, name: str, window: tuple[float, float]) -> float:
    """The brief's open rate: bandwidth x efficiency, or daily_cap spread over the window."""
    spec = scenario.links[name]
    if spec.bandwidth is not None:
        return spec.bandwidth * spec.efficiency
    assert spec.daily_cap is not None
    return spec.daily_cap / (window[1] - window[0])


def quota_only(scenario: Scenario, name: str, flow: int | None = None) -> bool:
    """A cap-only link in series with a bandwidth link on every path through it: a quota per
    window with no rate of its own (docs/scenario-format.md, "Daily caps"), so only its
    per-window total is bounded (checked by the daily-cap property), not its rate. A per-flow
    link's copy for ``flow`` depends on that flow's path only."""
    spec = scenario.links[name]
    if spec.daily_cap is None or spec.bandwidth is not None:
        return False
    flows = [flow] if spec.per_flow and flow is not None else users(scenario, name)
    return all(
        any(scenario.links[other].bandwidth is not None for other in scenario.flows[f].links)
        for f in flows
    )


def window_containing(windows: list[tuple[float, float]], t: float) -> tuple[float, float] | None:
    i = bisect.bisect_right([o for o, _ in windows], t) - 1
    if i >= 0 and t < windows[i][1]:
        return windows[i]
    return None


def merged(windows: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Windows that touch (one closes as the next opens, e.g. 00:00-24:00 days) joined up."""
    out: list[tuple[float, float]] = []
    for o, c in windows:
        if out and o <= out[-1][1] + TIME_EPS:
            out[-1] = (out[-1][0], max(out[-1][1], c))
        else:
            out.append((o, c))
    return out


def users(scenario: Scenario, name: str) -> list[int]:
    return [i for i, flow in enumerate(scenario.flows) if name in flow.links]


def describe(model: Model, result: RunResult) -> None:
    for flow in result.flows:
        finished = None if flow.finished_s == NEVER else model.clock.to_local(flow.finished_s)
        note(f"{flow.name}: started {flow.started_s}, finished {flow.finished_s} ({finished})")


# --- 1. caps -------------------------------------------------------------------------------------


@given(gen.scenarios(horizon_days=60))
def test_no_window_moves_more_than_its_daily_cap(data: dict[str, Any]) -> None:
    scenario, model, result = run(data)
    describe(model, result)
    assert result.curves is not None
    windows = windows_by_link(scenario)
    for name, spec in scenario.links.items():
        if spec.daily_cap is None:
            continue
        cap = spec.daily_cap
        flows = users(scenario, name)
        groups = [[f] for f in flows] if spec.per_flow else [flows]
        for group in groups:
            for opens, closes in windows[name]:
                if opens >= model.horizon:
                    break
                moved = sum(
                    value_at(result.curves[f], closes) - value_at(result.curves[f], opens)
                    for f in group
                )
                assert moved <= cap * (1 + REL) + ABS_BYTES, (
                    f"link {name} moved {moved} B for flows {group} in the window "
                    f"{model.clock.to_local(opens)}..{model.clock.to_local(closes)}, cap {cap} B"
                )


# --- 2. windows ----------------------------------------------------------------------------------


@given(gen.scenarios(horizon_days=60))
def test_nothing_moves_outside_the_windows_of_every_link_on_the_path(
    data: dict[str, Any],
) -> None:
    scenario, model, result = run(data)
    describe(model, result)
    assert result.curves is not None
    open_spans = {name: merged(w) for name, w in windows_by_link(scenario).items()}
    for f, flow in enumerate(scenario.flows):
        for start, end, _ in moving_segments(result.curves[f]):
            for name in flow.links:
                span = window_containing(open_spans[name], start + TIME_EPS)
                where = (
                    f"{flow.label} moves from {model.clock.to_local(start)} to "
                    f"{model.clock.to_local(end)}"
                )
                assert span is not None, f"{where} but link {name} is closed when it begins"
                assert span[1] >= end - TIME_EPS, f"{where} but link {name} closes on the way"


# --- 3. and 4. conservation and the shape of the curve -------------------------------------------


@given(gen.scenarios(horizon_days=60))
def test_bytes_are_conserved(data: dict[str, Any]) -> None:
    scenario, model, result = run(data)
    describe(model, result)
    assert result.curves is not None
    for flow, res, (_, values) in zip(scenario.flows, result.flows, result.curves, strict=True):
        volume = float(flow.volume)
        if res.started_s == NEVER:
            assert res.finished_s == NEVER
            assert max(values, default=0.0) == 0.0
            continue
        assert max(values) <= volume * (1 + 1e-9), f"{flow.label} delivered more than its volume"
        if res.finished_s != NEVER:
            assert math.isclose(values[-1], volume, rel_tol=REL), (
                f"{flow.label} finished with {values[-1]} of {volume} bytes"
            )
        else:
            assert values[-1] < volume, f"{flow.label} has all its bytes but did not finish"


@given(gen.scenarios(horizon_days=60))
def test_curves_start_at_zero_never_decrease_and_end_at_completion(
    data: dict[str, Any],
) -> None:
    scenario, model, result = run(data)
    describe(model, result)
    assert result.curves is not None
    for flow, res, (times, values) in zip(scenario.flows, result.flows, result.curves, strict=True):
        if res.started_s == NEVER:
            continue
        volume = float(flow.volume)
        assert times[0] == res.started_s
        assert values[0] == 0.0
        for i in range(len(times) - 1):
            assert times[i + 1] >= times[i], f"{flow.label}: time runs backwards at point {i}"
            assert values[i + 1] >= values[i] - dust(values[i]), (
                f"{flow.label}: bytes decrease at point {i}"
            )
        reached = [t for t, v in zip(times, values, strict=True) if v >= volume * (1 - 1e-9)]
        if res.finished_s == NEVER:
            assert not reached, (
                f"{flow.label} reached its volume at {reached[0]} but never finished"
            )
        else:
            assert reached, f"{flow.label} finished but its curve never reaches its volume"
            assert math.isclose(reached[0], res.finished_s, rel_tol=1e-9, abs_tol=TIME_EPS)
            assert times[-1] == res.finished_s


@given(gen.scenarios(horizon_days=60))
def test_flows_start_at_the_exact_instant_they_may(data: dict[str, Any]) -> None:
    """max(scenario start, flow start, completion of every flow in ``after``); never if one of
    those never completes."""
    scenario, model, result = run(data)
    describe(model, result)
    by_name = {res.name: res for res in result.flows}
    for flow, res in zip(scenario.flows, result.flows, strict=True):
        own = 0.0 if flow.start is None else max(0.0, model.clock.to_sim(flow.start))
        deps = [by_name[d].finished_s for d in flow.after]
        if NEVER in deps:
            assert res.started_s == NEVER, f"{flow.label} started though a dependency never ended"
            continue
        expected = max([own, *deps])
        if expected >= model.horizon:
            assert res.started_s == NEVER
        else:
            # "exact" up to float rounding (SimPy's now + (t - now) can be one ulp off t)
            assert res.started_s != NEVER, f"{flow.label} never started, expected {expected}"
            assert abs(res.started_s - expected) <= TIME_EPS, (
                f"{flow.label} started at {res.started_s}, expected {expected}"
            )


# --- 5. rates ------------------------------------------------------------------------------------


@given(gen.scenarios(horizon_days=60))
def test_rates_never_exceed_any_link_on_the_path_nor_a_shared_links_capacity(
    data: dict[str, Any],
) -> None:
    scenario, model, result = run(data)
    describe(model, result)
    assert result.curves is not None
    windows = windows_by_link(scenario)
    for f, flow in enumerate(scenario.flows):
        for start, end, slope in moving_segments(result.curves[f]):
            mid = (start + end) / 2
            for name in flow.links:
                window = window_containing(windows[name], mid)
                assert window is not None
                if quota_only(scenario, name, f):
                    continue
                limit = link_rate(scenario, name, window)
                assert slope <= limit * (1 + 1e-9), (
                    f"{flow.label} moves at {slope} B/s at {model.clock.to_local(mid)}, "
                    f"over link {name}'s {limit} B/s"
                )
    for name, spec in scenario.links.items():
        flows = users(scenario, name)
        if spec.per_flow or len(flows) < 2:
            continue
        cuts = sorted({t for f in flows for t in result.curves[f][0]})
        for lo, hi in itertools.pairwise(cuts):
            if hi - lo <= TIME_EPS:
                continue
            mid = (lo + hi) / 2
            total = sum(slope_at(result.curves[f], mid) for f in flows)
            moved = sum(
                value_at(result.curves[f], hi) - value_at(result.curves[f], lo) for f in flows
            )
            if moved <= dust(sum(value_at(result.curves[f], hi) for f in flows)):
                continue
            window = window_containing(windows[name], mid)
            assert window is not None, f"shared link {name} carries {total} B/s while closed"
            if quota_only(scenario, name):
                continue
            limit = link_rate(scenario, name, window)
            assert total <= limit * (1 + 1e-9), (
                f"shared link {name} carries {total} B/s at {model.clock.to_local(mid)}, "
                f"over its {limit} B/s"
            )


# --- the calendar the engine compiled ------------------------------------------------------------


@given(gen.scenarios(max_flows=1, horizon_days=120))
def test_engine_windows_match_the_calendar_rules(data: dict[str, Any]) -> None:
    scenario = parse_scenario(data)
    model = build_model(scenario)
    expected = windows_by_link(scenario)
    for link in model.links:
        got = [
            (o, c)
            for o, c in zip(link.schedule.open_s, link.schedule.close_s, strict=True)
            if c >= 0 and o < model.horizon
        ]
        want = [(o, c) for o, c in expected[link.name] if c >= 0 and o < model.horizon]
        assert len(got) == len(want), f"link {link.name}: {len(got)} windows, expected {len(want)}"
        for (o1, c1), (o2, c2) in zip(got, want, strict=True):
            message = (
                f"link {link.name}: window {model.clock.to_local(o1)}..{model.clock.to_local(c1)}"
                f", expected {model.clock.to_local(o2)}..{model.clock.to_local(c2)}"
            )
            assert abs(o1 - o2) <= TIME_EPS, message
            assert abs(c1 - c2) <= TIME_EPS, message


# --- 6. more capacity never finishes later -------------------------------------------------------


def finish_or_inf(data: dict[str, Any]) -> float:
    result = simulate(build_model(parse_scenario(data)))
    finished = result.flows[0].finished_s
    return math.inf if finished is None else finished


@given(gen.single_flow_improvements())
def test_more_capacity_never_finishes_one_flow_later(
    pair: tuple[dict[str, Any], dict[str, Any], str],
) -> None:
    base, better, change = pair
    note(change)
    before, after = finish_or_inf(base), finish_or_inf(better)
    assert after <= before + TIME_EPS, f"{change}: finished at {after} s, was {before} s"


@given(gen.scenarios(max_flows=1, volume_mb=(500, 8000), horizon_days=90))
def test_lifting_a_closure_never_finishes_one_flow_later(data: dict[str, Any]) -> None:
    closures = data["calendar"].get("closures")
    if not closures:
        data = {**data, "calendar": {**data["calendar"], "closures": [data["start"][:10]]}}
    opened = {**data, "calendar": {k: v for k, v in data["calendar"].items() if k != "closures"}}
    assert finish_or_inf(opened) <= finish_or_inf(data) + TIME_EPS


# --- 7. closed forms -----------------------------------------------------------------------------


@given(
    volume_mb=st.integers(1, 200_000),
    links=st.lists(
        st.tuples(gen.bandwidths(1, 1000), st.sampled_from([1.0, 0.9, 0.7, 0.33])),
        min_size=1,
        max_size=3,
    ),
    start=gen.start_moments(),
)
def test_without_caps_windows_or_days_off_completion_is_volume_over_rate(
    volume_mb: int, links: list[tuple[str, float]], start: Any
) -> None:
    """The M/M/inf-style sanity check: nothing in the way, so the time is volume / rate."""
    data = {
        "name": "closed form",
        "start": start.isoformat(timespec="minutes"),
        "horizon": "10 years",
        "calendar": {"holidays": "none", "working_days": gen.ALL_WEEK},
        "links": {
            f"L{i}": {"bandwidth": bw, "efficiency": eff} for i, (bw, eff) in enumerate(links)
        },
        "flows": [
            {
                "name": "A",
                "source": "s",
                "target": "t",
                "volume": f"{volume_mb} MB",
                "links": [f"L{i}" for i in range(len(links))],
            },
        ],
    }
    scenario = parse_scenario(data)
    rate = min(
        spec.bandwidth * spec.efficiency for spec in scenario.links.values() if spec.bandwidth
    )
    finished = simulate(build_model(scenario)).flows[0].finished_s
    assert finished is not None
    assert math.isclose(finished, volume_mb * 1e6 / rate, rel_tol=1e-9)


@given(
    volumes_mb=st.lists(st.integers(100, 50_000), min_size=1, max_size=5),
    bandwidth=gen.bandwidths(1, 1000),
)
def test_one_shared_link_is_processor_sharing(volumes_mb: list[int], bandwidth: str) -> None:
    """n flows from time 0 on one shared, always-open link: each of the k still moving gets
    C/k, so with volumes sorted v1 <= v2 <= ..., flow i ends at sum_j<=i (n-j+1)(v_j-v_j-1)/C."""
    data = {
        "name": "processor sharing",
        "start": "2025-07-07",
        "horizon": "10 years",
        "calendar": {"holidays": "none", "working_days": gen.ALL_WEEK},
        "links": {"L": {"bandwidth": bandwidth}},
        "flows": [
            {"name": f"F{i}", "source": "s", "target": "t", "volume": f"{v} MB", "links": ["L"]}
            for i, v in enumerate(volumes_mb)
        ],
    }
    scenario = parse_scenario(data)
    capacity = scenario.links["L"].bandwidth
    assert capacity is not None
    result = simulate(build_model(scenario))
    n = len(volumes_mb)
    order = sorted(range(n), key=lambda i: volumes_mb[i])
    t, previous = 0.0, 0.0
    for rank, i in enumerate(order):
        t += (n - rank) * (volumes_mb[i] * 1e6 - previous) / capacity
        previous = volumes_mb[i] * 1e6
        finished = result.flows[i].finished_s
        assert finished is not None
        assert math.isclose(finished, t, rel_tol=1e-9), f"F{i}: {finished} s, expected {t} s"
