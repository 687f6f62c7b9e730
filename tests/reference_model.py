"""A deliberately simple reference model of migrasim's rules, for differential tests.

Independent of the engine, ``capacity`` and ``calendar`` in ``migrasim.core``: it reads the
parsed :class:`~migrasim.scenario.types.Scenario` and works out everything else here, in the most
direct way, with none of the engine's machinery (no SimPy, no components, no week cache, no
jumps).

How it works
------------
Time moves on a fixed grid of ``step_s`` seconds (default 15 minutes) from the scenario start.
Every window opens and closes on a grid point (the model checks this and refuses a scenario that
breaks it), so within one step every link is either open or closed throughout. Inside a step
the rates are constant *until something happens*: a flow completes, a flow becomes ready (its
start time, or the completion of the flows it waits for), or a link's daily quota runs out.
The step is then split at that instant and the rates worked out afresh. Splitting is what makes
the model exact (up to floating point) rather than right to within a step: a fixed step that
ignored such instants would be off by up to a step per event, and a completion that slips past
a window's close moves by a whole day, so a plain fixed-step model could not be compared with
the engine to within minutes.

Rules, as the brief states them
-------------------------------
* A working day is a ``working_days`` weekday that is not a bank holiday (``holidays`` library,
  as documented) and not in ``closures``.
* A window belongs to the working day on which it opens and runs to its close, past midnight if
  it crosses it. No window means 00:00-24:00. Times are local (``scenario.timezone``); the model
  counts real elapsed seconds.
* Open rate: ``bandwidth x efficiency``; for a cap-only link, ``daily_cap / window length``.
* ``daily_cap`` with ``bandwidth``: a quota per window. The link (each per-flow copy, or the one
  shared link) moves at most ``daily_cap`` bytes in a window, then nothing until the next one.
* A cap-only link on a path with another link that has a bandwidth (every path through it, for
  a shared link) is a quota per window too, with no rate of its own: the other links set the
  rate until the window's quota is used. A cap-only link that is the only limit on a path
  spreads its quota evenly (the open rate above).
* Every link on a flow's path limits it. Rates are max-min fair (water-filling, textbook
  bottleneck algorithm): each per-flow link copy is a constraint with one member, each shared
  link a constraint with all of its active flows.
* A flow is ready at ``max(scenario start, its start, completion of every flow in after)`` and
  completes when its last byte arrives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from migrasim.scenario.types import Scenario

STEP_S = 900.0
"""Default grid step. Any divisor of 1800 s works for windows on whole and half hours."""

_SUBDIVISIONS = {"wales": "WLS", "england": "ENG", "scotland": "SCT", "northern_ireland": "NIR"}
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TIME_EPS = 1e-9  # seconds: instants closer than this are the same instant


def _byte_tol(amount: float) -> float:
    return 1e-3 + 1e-12 * amount


@dataclass(frozen=True)
class RefLink:
    name: str
    per_flow: bool
    bandwidth_rate: float | None  # bandwidth x efficiency in bytes/s, None for cap only
    cap: float | None  # bytes per window, None without a daily cap
    windows: tuple[tuple[float, float], ...]  # (open, close) seconds since start, sorted

    def open_rate(self, window: int) -> float:
        if self.bandwidth_rate is not None:
            return self.bandwidth_rate
        assert self.cap is not None
        opens, closes = self.windows[window]
        return self.cap / (closes - opens)


@dataclass(frozen=True)
class RefResult:
    names: tuple[str, ...]
    started: tuple[float | None, ...]
    finished: tuple[float | None, ...]
    delivered: tuple[float, ...]  # bytes delivered by the end of the run
    # per flow, link name -> seconds it bound the flow (docs/semantics.md, "Bottleneck"): it
    # was a bottleneck of the flow's positive max-min rate (saturated, the flow at its top
    # rate), held the flow at zero with its quota spent (window open, quota used up), or was
    # the only link on its path and held it at zero
    binding: tuple[dict[str, float], ...] = ()
    # per flow: some step had two or more such links at once (a tie the engine breaks by path
    # order), so its binding seconds are not comparable link by link
    tied: tuple[bool, ...] = ()


# --- calendar ------------------------------------------------------------------------------------


def seconds_since_start(scenario: Scenario, local: datetime) -> float:
    """Real seconds from the scenario start to the naive local time ``local``."""
    tz = ZoneInfo(scenario.timezone)
    return local.replace(tzinfo=tz).timestamp() - scenario.start.replace(tzinfo=tz).timestamp()


def non_working_dates(scenario: Scenario, first: date, last: date) -> set[date]:
    spec = scenario.calendar
    closed: set[date] = set()
    if spec.holidays != "none":
        years = list(range(first.year, last.year + 1))
        region = _SUBDIVISIONS[spec.holidays]
        with_substitutes = holidays_lib.country_holidays("GB", subdiv=region, years=years)
        actual = holidays_lib.country_holidays("GB", subdiv=region, years=years, observed=False)
        if spec.weekend_holidays == "actual":
            closed.update(actual)
        elif spec.weekend_holidays == "both":
            closed.update(with_substitutes)
        else:  # the substitute weekday is the holiday, not the weekend day it stands in for
            for day, name in with_substitutes.items():
                later = [day + timedelta(days=k) for k in (1, 2, 3)]
                substituted = day.weekday() >= 5 and any(
                    other.startswith(f"{name} (")  # "Boxing Day (observed)"
                    for d in later
                    for other in with_substitutes.get_list(d)
                )
                if not substituted:
                    closed.add(day)
    for lo, hi in spec.closures:
        day = lo
        while day <= hi:
            closed.add(day)
            day += timedelta(days=1)
    return closed


def working_days(scenario: Scenario, first: date, last: date) -> list[date]:
    """The working days from ``first`` to ``last`` inclusive."""
    closed = non_working_dates(scenario, first, last)
    worked = set(scenario.calendar.working_days)
    days = []
    day = first
    while day <= last:
        if _DAY_NAMES[day.weekday()] in worked and day not in closed:
            days.append(day)
        day += timedelta(days=1)
    return days


def link_windows(scenario: Scenario, name: str, until_s: float) -> list[tuple[float, float]]:
    """``(open, close)`` seconds since start of every window of link ``name`` that opens on a
    working day from the day before the start until ``until_s`` (and a couple of days more)."""
    window = scenario.links[name].window
    open_s, close_s = window if window is not None else (0, 86400)
    first = scenario.start.date() - timedelta(days=1)
    last = (scenario.start + timedelta(seconds=until_s)).date() + timedelta(days=2)
    result = []
    for day in working_days(scenario, first, last):
        midnight = datetime.combine(day, time())
        opens = midnight + timedelta(seconds=open_s)
        # crosses midnight when it closes at or before its opening time of day
        closes = midnight + timedelta(seconds=close_s, days=0 if close_s > open_s else 1)
        result.append((seconds_since_start(scenario, opens), seconds_since_start(scenario, closes)))
    return result


def compile_links(scenario: Scenario, until_s: float) -> list[RefLink]:
    links = []
    for name, spec in scenario.links.items():
        rate = None if spec.bandwidth is None else spec.bandwidth * spec.efficiency
        links.append(
            RefLink(
                name,
                spec.per_flow,
                rate,
                spec.daily_cap,
                tuple(link_windows(scenario, name, until_s)),
            )
        )
    return links


# --- sharing -------------------------------------------------------------------------------------


def max_min_fair(constraints: dict[object, tuple[float, list[int]]]) -> dict[int, float]:
    """Max-min fair rates by the bottleneck algorithm.

    ``constraints[key] = (capacity, flows)``. Repeatedly take the constraint with the smallest
    fair share (capacity left / flows on it not yet fixed), give each of those flows that share,
    and take it off the capacity of every other constraint they cross.
    """
    member_of: dict[int, list[object]] = {}
    left = {key: cap for key, (cap, _) in constraints.items()}
    for key, (_, flows) in constraints.items():
        for f in flows:
            member_of.setdefault(f, []).append(key)
    rates: dict[int, float] = {}
    while len(rates) < len(member_of):
        best_share, best_flows = math.inf, []
        for key, (_, flows) in constraints.items():
            unfixed = [f for f in flows if f not in rates]
            if unfixed:
                share = max(left[key], 0.0) / len(unfixed)
                if share < best_share:
                    best_share, best_flows = share, unfixed
        for f in best_flows:
            rates[f] = best_share
            for key in member_of[f]:
                left[key] -= best_share
    return rates


# --- the run -------------------------------------------------------------------------------------


def _check_on_grid(links: list[RefLink], step_s: float, horizon: float) -> None:
    for link in links:
        for opens, closes in link.windows:
            if opens > horizon + 2 * 86400:
                break
            for moment in (opens, closes):
                if abs(moment / step_s - round(moment / step_s)) > 1e-6:
                    raise ValueError(
                        f"link {link.name}: window boundary {moment} s is off the {step_s} s grid"
                    )


_MODELLED_LINK_KEYS = {"daily_cap", "bandwidth", "efficiency", "window", "per_flow", "description"}
_MODELLED_FLOW_KEYS = {
    "name",
    "source",
    "target",
    "volume",
    "links",
    "after",
    "start",
    "description",
}


def _check_modelled(scenario: Scenario) -> None:
    """Refuse what the reference does not model (estimates, outages, records, growth...)."""
    for name, link in scenario.links.items():
        extra = link.model_fields_set - _MODELLED_LINK_KEYS
        if extra:
            raise NotImplementedError(f"link {name}: the reference does not model {sorted(extra)}")
        for key in ("daily_cap", "bandwidth", "efficiency"):
            value = getattr(link, key)
            if value is not None and not isinstance(value, (int, float)):
                raise NotImplementedError(f"link {name}.{key}: only plain numbers are modelled")
    for flow in scenario.flows:
        extra = flow.model_fields_set - _MODELLED_FLOW_KEYS
        if extra:
            raise NotImplementedError(f"{flow.label}: the reference does not model {sorted(extra)}")
        if not isinstance(flow.volume, (int, float)):
            raise NotImplementedError(f"{flow.label}.volume: only plain numbers are modelled")


def run_reference(scenario: Scenario, step_s: float = STEP_S) -> RefResult:
    """Simulate ``scenario`` with the reference rules; returns start and finish times."""
    _check_modelled(scenario)
    horizon = float(scenario.horizon)
    links = compile_links(scenario, horizon)
    _check_on_grid(links, step_s, horizon)
    link_index = {link.name: i for i, link in enumerate(links)}
    names = tuple(flow.label for flow in scenario.flows)
    n = len(names)
    volume = [float(flow.volume) for flow in scenario.flows]
    paths = [[link_index[name] for name in flow.links] for flow in scenario.flows]
    after = [[names.index(d) for d in flow.after] for flow in scenario.flows]
    earliest = [
        0.0 if flow.start is None else max(0.0, seconds_since_start(scenario, flow.start))
        for flow in scenario.flows
    ]

    started: list[float | None] = [None] * n
    finished: list[float | None] = [None] * n
    remaining = list(volume)
    quota: dict[tuple[int, int], tuple[int, float]] = {}  # instance -> (window, bytes used)
    cursor = [0] * len(links)  # first window of each link that has not closed yet
    binding: list[dict[str, float]] = [{} for _ in range(n)]
    tied = [False] * n

    def ready_time(f: int) -> float | None:
        deps = [finished[d] for d in after[f]]
        if any(d is None for d in deps):
            return None
        return max([earliest[f], *(d for d in deps if d is not None)])

    def open_window(link: int, t: float) -> int:
        """Index of the window of ``link`` open at ``t`` (constant until the next grid point)."""
        windows = links[link].windows
        while cursor[link] < len(windows) and windows[cursor[link]][1] <= t + _TIME_EPS:
            cursor[link] += 1
        k = cursor[link]
        if k < len(windows) and windows[k][0] <= t + _TIME_EPS:
            return k
        return -1

    def instance(link: int, f: int) -> tuple[int, int]:
        return (link, f) if links[link].per_flow else (link, -1)

    def quota_only(key: tuple[int, int]) -> bool:
        link = links[key[0]]
        if link.cap is None or link.bandwidth_rate is not None:
            return False
        users = [f for f in range(n) if key[0] in paths[f] and (key[1] in (-1, f))]
        return all(
            any(other != key[0] and links[other].bandwidth_rate is not None for other in paths[f])
            for f in users
        )

    def is_quota(key: tuple[int, int]) -> bool:
        spec = links[key[0]]
        return spec.cap is not None and (spec.bandwidth_rate is not None or quota_only(key))

    t = 0.0
    while t < horizon:
        for f in range(n):
            ready = ready_time(f) if started[f] is None else None
            if ready is not None and ready <= t + _TIME_EPS:
                started[f] = ready
        active = [f for f in range(n) if started[f] is not None and finished[f] is None]
        waiting = [r for f in range(n) if started[f] is None and (r := ready_time(f)) is not None]
        if not active:
            if not waiting:
                break
            t = min(waiting)
            continue

        # capacity of every link instance in use, for the rest of this grid step
        # (no slack here: an instant just before a grid point must stop at that point, where
        # the windows change, or it would carry the old windows' state through the next step)
        step_end = min((math.floor(t / step_s) + 1) * step_s, horizon)
        capacity: dict[tuple[int, int], float] = {}
        members: dict[tuple[int, int], list[int]] = {}
        window_of: dict[tuple[int, int], int] = {}
        for f in active:
            for link in paths[f]:
                key = instance(link, f)
                members.setdefault(key, []).append(f)
                if key in capacity:
                    continue
                w = open_window(link, t)
                window_of[key] = w
                cap = 0.0 if w < 0 else links[link].open_rate(w)
                spec = links[link]
                if w >= 0 and quota_only(key):
                    cap = math.inf
                if w >= 0 and is_quota(key):
                    used_window, used = quota.get(key, (w, 0.0))
                    if used_window == w and used >= spec.cap:
                        cap = 0.0
                capacity[key] = cap
        rates = max_min_fair({key: (capacity[key], members[key]) for key in capacity})

        # the next instant anything changes
        t_next = step_end
        finish_at = {f: t + remaining[f] / rates[f] for f in active if rates[f] > 0}
        t_next = min([t_next, *finish_at.values(), *(r for r in waiting if r > t)])
        quota_flow: dict[tuple[int, int], float] = {}
        quota_out_at: dict[tuple[int, int], float] = {}
        for key, flows in members.items():
            spec = links[key[0]]
            if is_quota(key) and capacity[key] > 0:
                throughput = sum(rates[f] for f in flows)
                if throughput > 0:
                    used_window, used = quota.get(key, (window_of[key], 0.0))
                    used = used if used_window == window_of[key] else 0.0
                    quota_flow[key] = throughput
                    quota_out_at[key] = t + (spec.cap - used) / throughput
                    t_next = min(t_next, quota_out_at[key])

        # move everything to t_next
        dt = t_next - t
        for f in active:
            binders = set()
            for link in paths[f]:
                key = instance(link, f)
                if rates[f] > 0:
                    on_it = [rates[g] for g in members[key]]
                    full = sum(on_it) >= capacity[key] * (1 - 1e-9)
                    if capacity[key] < math.inf and full and rates[f] >= max(on_it) * (1 - 1e-9):
                        binders.add(links[link].name)
                elif window_of[key] >= 0 and is_quota(key) and capacity[key] == 0.0:
                    binders.add(links[link].name)  # spent quota
            if rates[f] <= 0 and not binders and len(paths[f]) == 1:
                binders.add(links[paths[f][0]].name)  # its only link: closed
            if len(binders) == 1 and dt > 0:
                name = binders.pop()
                binding[f][name] = binding[f].get(name, 0.0) + dt
            elif len(binders) > 1 and dt > _TIME_EPS:
                tied[f] = True
        for key, throughput in quota_flow.items():
            w = window_of[key]
            cap = links[key[0]].cap
            assert cap is not None
            used_window, used = quota.get(key, (w, 0.0))
            used = (used if used_window == w else 0.0) + throughput * dt
            if quota_out_at[key] <= t_next + _TIME_EPS or used >= cap - _byte_tol(cap):
                used = cap
            quota[key] = (w, used)
        for f in active:
            remaining[f] -= rates[f] * dt
            if f in finish_at and (
                finish_at[f] <= t_next + _TIME_EPS or remaining[f] <= _byte_tol(volume[f])
            ):
                remaining[f] = 0.0
                finished[f] = t_next
        t = t_next

    finished = [None if (x is None or x > horizon) else x for x in finished]
    started = [None if (x is None or x >= horizon) else x for x in started]
    delivered = tuple(volume[f] - remaining[f] for f in range(n))
    return RefResult(names, tuple(started), tuple(finished), delivered, tuple(binding), tuple(tied))
